#pragma once
// One chat room as the hub holds it: members by pointer (a broadcast walks a
// flat vector, no lookups), topic, next seq and the presence batch waiting to
// go out. A room outlives its members; history lives in the HistoryStore.
//
// With an asynchronous HistoryStore a stamped message's frame waits in `held`
// until the store has committed its seq; presence and topic frames sent to
// the room meanwhile wait behind it (seq 0), so every member sees one order.
//
// Membership is a two-way index so that leaving is O(1): the room's
// `members[i].slot` is the position of this room in that session's `rooms`,
// and the session's `rooms[k].index` is its position in `members`. Both sides
// are swap-removed and the moved entries' back-references fixed.
//
// Broadcast frames are copied once into the room's current FrameBlock and
// referenced from each member's outbound queue. The room drops the block when
// it has broadcast nothing for a whole timer scan, so idle rooms hold none.
//
// Threading: none; owned by the Hub, on the hub's thread.

#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include "hermes/hub/Clock.hpp"
#include "hermes/hub/FrameBlock.hpp"
#include "hermes/hub/PresenceBatch.hpp"

namespace hermes::hub {

struct Session;

struct Room {
    struct Member {
        Session* session = nullptr;
        std::uint32_t slot = 0;  // index of this room in session->rooms
    };

    std::string name;  // canonical
    std::vector<Member> members;
    std::uint64_t nextSeq = 1;
    std::string topic;
    std::string topicSetBy;
    std::int64_t topicTimeMs = 0;
    PresenceBatch pending;
    bool dirty = false;       // listed in the hub's rooms-with-pending-presence
    TimePoint presenceDue{};  // large rooms: when the pending presence must go out

    struct Held {
        std::uint64_t seq = 0;  // the message's seq; 0 for presence or topic
        std::string frame;
    };
    std::deque<Held> held;
    std::uint64_t sentSeq = 0;  // newest seq broadcast: history never shows past it
    bool holding = false;       // listed in the hub's rooms with held frames

    FrameBlockPtr block;     // where broadcasts are appended; null when idle
    bool blockUsed = false;  // broadcast since the last timer scan
};

}  // namespace hermes::hub

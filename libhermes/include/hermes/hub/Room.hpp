#pragma once
// One chat room as the hub holds it: members by pointer (a broadcast walks a
// flat vector, no lookups), topic, next seq and the presence batch waiting to
// go out. A room outlives its members; history lives in the HistoryStore.
//
// Membership is a two-way index so that leaving is O(1): the room's
// `members[i].slot` is the position of this room in that session's `rooms`,
// and the session's `rooms[k].index` is its position in `members`. Both sides
// are swap-removed and the moved entries' back-references fixed.
//
// Threading: none; owned by the Hub, on the hub's thread.

#include <cstdint>
#include <string>
#include <vector>

#include "hermes/hub/Clock.hpp"
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
    bool dirty = false;  // listed in the hub's rooms-with-pending-presence
    TimePoint presenceDue{};  // large rooms: when the pending presence must go out
};

}  // namespace hermes::hub

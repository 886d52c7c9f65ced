#pragma once
// Each room's sequence and the durability promise: a message is sent to its
// room, its echo included, only once the history store has committed it
// (docs/HUB.md "Durability promise"). The only writer of each room's log
// (next seq, newest seq sent, frames held for the store) and of the list of
// rooms holding frames:
//
//   room.log.listed           <-> the room is in holdingRooms_
//   heldMessages_             == the held frames with a seq, over all rooms
//   room.log.nextSeq - 1      == room.log.sentSeq + the room's held messages
//
// Everything sent to a room goes through toRoom() or publish(): while a
// message waits for the store, what follows it waits behind it, so every
// member sees one order. With a synchronous store nothing waits.
//
// A stalled disk cannot grow memory without bound: at
// config.maxHeldMessages held messages new Says are refused (STORE_BEHIND)
// until half of them are committed.
//
// A HistoryRequest for a room that holds messages waits here too, until
// those messages are sent live (deferHistory, takeAnswerable): its page
// then holds every message stamped before it was asked, and comes after
// their live echoes. The asking session's next frames wait for the answer
// (Intake::awaitRead), so each session has at most one request here and
// its replies keep their order. The only writer of that list.
//
// Threading: none; the hub's thread.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include <Poco/Logger.h>

#include "Room.hpp"
#include "hermes/hub/HistoryStore.hpp"
#include "hermes/hub/HubConfig.hpp"
#include "hermes/hub/HubStats.hpp"
#include "hermes/hub/SessionId.hpp"
#include "hermes/v1/hermes.pb.h"

namespace hermes::hub {

class Outbox;
class OutputBudget;

class DurabilityGate {
public:
    DurabilityGate(bool durable, const HubConfig& config, HubStats& stats, Poco::Logger& log)
        : durable_(durable), config_(config), stats_(stats), log_(log) {}

    bool durable() const { return durable_; }
    std::size_t heldMessages() const { return heldMessages_; }
    bool holding() const { return !holdingRooms_.empty(); }
    const std::vector<Room*>& holdingRooms() const { return holdingRooms_; }

    // False (counted, and logged when it starts) while the store is too far
    // behind to take another message.
    bool admitsMessage();
    // The seq the room's next message gets.
    std::uint64_t takeSeq(Room& room) { return room.log.nextSeq_++; }
    // Cluster (Backplane.hpp): the backplane's stream no longer holds the
    // room's seqs below `seq`; the room goes on from it. Only while the
    // room holds no message (false: not now, ask again later).
    bool skipTo(Room& room, std::uint64_t seq) {
        if (holdsMessages(room) || seq <= room.log.nextSeq_) {
            return !holdsMessages(room);
        }
        room.log.nextSeq_ = seq;
        room.log.sentSeq_ = seq - 1;
        return true;
    }
    // A stamped message: sent now (synchronous store) or held until committed.
    void publish(Room& room, std::uint64_t seq, std::string_view frame, Outbox& outbox);
    // Anything else for the room (presence, topic): behind what is held.
    void toRoom(Room& room, std::string_view frame, Outbox& outbox) {
        if (room.log.held_.empty()) {
            broadcast(room, frame, outbox);
            return;
        }
        room.log.held_.push_back(RoomLog::Held{0, std::string(frame)});
    }
    // The store committed: held frames whose messages are committed go out
    // (and what waits behind them), while the budget releases output.
    void release(const HistoryStore& store, Outbox& outbox, OutputBudget& budget, TimePoint now);

    // --- history requests that wait for the room's held messages ----------------

    // True while `room` holds messages not yet sent live (commit pending).
    static bool holdsMessages(const Room& room) {
        return room.log.sentSeq_ + 1 < room.log.nextSeq_;
    }
    struct WaitingHistory {
        SessionId session = 0;
        const Room* room = nullptr;
        std::uint64_t untilSeq = 0;  // answerable once the room has sent this seq
        v1::HistoryRequest request;
    };
    // `session` asked `request` while `room` holds messages: it is answered
    // once they (not those stamped after it) are sent live.
    void deferHistory(SessionId session, const Room& room, const v1::HistoryRequest& request);
    // The oldest waiting request that is answerable now, taken off the list.
    std::optional<WaitingHistory> takeAnswerable();
    bool historyWaiting() const { return !waitingHistory_.empty(); }
    // The session is gone: its request, if any, is dropped.
    void forgetHistory(SessionId session);
    // Shutdown: nothing waits any more.
    void clearHistory() { waitingHistory_.clear(); }
    const std::vector<WaitingHistory>& waitingHistory() const { return waitingHistory_; }

private:
    static void broadcast(Room& room, std::string_view frame, Outbox& outbox);
    void releaseRoom(Room& room, std::uint64_t committed, Outbox& outbox, OutputBudget& budget,
                     TimePoint now);

    const bool durable_;
    const HubConfig& config_;
    HubStats& stats_;
    Poco::Logger& log_;
    std::vector<Room*> holdingRooms_;             // rooms with held frames
    std::vector<WaitingHistory> waitingHistory_;  // in the order asked
    std::size_t heldMessages_ = 0;
    // Refusing says: set when heldMessages_ reaches maxHeldMessages, cleared
    // when it is back to half, so that senders are not let in one at a time.
    bool storeBehind_ = false;
};

}  // namespace hermes::hub

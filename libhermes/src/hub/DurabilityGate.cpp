#include "DurabilityGate.hpp"

#include <algorithm>
#include <string>
#include <utility>

#include "Outbox.hpp"
#include "OutputBudget.hpp"

namespace hermes::hub {

void DurabilityGate::broadcast(Room& room, std::string_view frame, Outbox& outbox,
                               bool followersOnly) {
    outbox.broadcast(room, frame, followersOnly);
}

bool DurabilityGate::admitsMessage() {
    if (!durable_ || (!storeBehind_ && heldMessages_ < config_.maxHeldMessages)) {
        return true;
    }
    // The store is that far behind (a stalled disk): holding more would only
    // grow memory, and the sender would not see its echo for as long anyway.
    ++stats_.storeBehindRefusals;
    if (!storeBehind_) {
        storeBehind_ = true;
        log_.warning("history store is behind: " + std::to_string(heldMessages_) +
                     " messages wait for their commit (history.max_held_messages = " +
                     std::to_string(config_.maxHeldMessages) +
                     "); refusing new messages until it catches up");
    }
    return false;
}

void DurabilityGate::publish(Room& room, std::uint64_t seq, std::string_view frame,
                             Outbox& outbox) {
    if (!durable_) {
        outbox.broadcastChat(room, frame);
        room.log.sentSeq_ = seq;
        return;
    }
    room.log.held_.push_back(RoomLog::Held{seq, std::string(frame), false});
    ++heldMessages_;
    if (!room.log.listed_) {
        room.log.listed_ = true;
        holdingRooms_.push_back(&room);
    }
}

// Sends the held frames whose messages are committed (and what waits behind
// them); stops at the first message still uncommitted. While input is
// paused for the output budget the frames stay held: the hub calls
// release() again when it resumes (or shuts down: then they all go).
void DurabilityGate::releaseRoom(Room& room, std::uint64_t committed, Outbox& outbox,
                                 OutputBudget& budget, TimePoint now) {
    std::deque<RoomLog::Held>& held = room.log.held_;
    while (!held.empty() && budget.releasing(now)) {
        RoomLog::Held& front = held.front();
        if (front.seq != 0) {
            if (front.seq > committed) {
                return;
            }
            outbox.broadcastChat(room, front.frame);
            room.log.sentSeq_ = front.seq;
            --heldMessages_;
        } else {
            outbox.broadcast(room, front.frame, front.followersOnly);
        }
        held.pop_front();
    }
}

void DurabilityGate::release(const HistoryStore& store, Outbox& outbox, OutputBudget& budget,
                             TimePoint now) {
    std::size_t kept = 0;
    for (Room* room : holdingRooms_) {
        releaseRoom(*room, store.committedSeq(room->name), outbox, budget, now);
        if (room->log.held_.empty()) {
            room->log.listed_ = false;
        } else {
            holdingRooms_[kept++] = room;
        }
    }
    holdingRooms_.resize(kept);
    if (storeBehind_ && heldMessages_ <= config_.maxHeldMessages / 2) {
        storeBehind_ = false;
        log_.warning("history store caught up: " + std::to_string(heldMessages_) +
                     " messages wait for their commit; taking new messages again");
    }
}

void DurabilityGate::deferHistory(SessionId session, const Room& room,
                                  const v1::HistoryRequest& request) {
    waitingHistory_.push_back(WaitingHistory{session, &room, room.log.nextSeq_ - 1, request});
}

std::optional<DurabilityGate::WaitingHistory> DurabilityGate::takeAnswerable() {
    const auto it = std::find_if(waitingHistory_.begin(), waitingHistory_.end(),
                                 [](const WaitingHistory& waiting) {
                                     return waiting.room->log.sentSeq_ >= waiting.untilSeq;
                                 });
    if (it == waitingHistory_.end()) {
        return std::nullopt;
    }
    WaitingHistory answerable = std::move(*it);
    waitingHistory_.erase(it);
    return answerable;
}

void DurabilityGate::forgetHistory(SessionId session) {
    std::erase_if(waitingHistory_,
                  [session](const WaitingHistory& waiting) { return waiting.session == session; });
}

}  // namespace hermes::hub

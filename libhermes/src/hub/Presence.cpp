#include "Presence.hpp"

#include <algorithm>
#include <array>

#include "DurabilityGate.hpp"
#include "Outbox.hpp"
#include "Session.hpp"
#include "hermes/codec/FrameEncoder.hpp"

namespace hermes::hub {

template <typename Nicks>
std::string_view Presence::frame(std::string_view room, v1::PresenceKind kind, const Nicks& nicks,
                                 std::string_view newNick, std::string_view reason,
                                 std::string_view by) {
    envelope_.Clear();
    auto* presence = envelope_.mutable_presence();
    presence->set_room(std::string(room));
    presence->set_kind(kind);
    for (const auto& nick : nicks) {
        presence->add_nicks(std::string(nick));
    }
    presence->set_new_nick(std::string(newNick));
    presence->set_reason(std::string(reason));
    presence->set_time_ms(wallClock_());
    presence->set_by(std::string(by));
    frame_.clear();
    codec::appendFrame(envelope_, frame_);
    return frame_;
}

void Presence::queue(Room& room, v1::PresenceKind kind, std::string_view reason,
                     std::string_view nick, bool spoke, TimePoint now, DurabilityGate& gate,
                     Outbox& outbox) {
    RoomPresence& presence = room.presence;
    if (!presence.pending_.accepts(kind, reason)) {
        flush(room, gate, outbox);
    }
    if (presence.pending_.empty()) {
        presence.pending_.kind = kind;
        presence.pending_.reason.assign(reason);
        const bool large = room.members.size() >= config_.presenceCoalesceMembers;
        presence.due_ = large ? now + config_.presenceCoalesceDelay : now;
    }
    presence.pending_.nicks.emplace_back(nick);
    // Told to everyone if its subject spoke, or if the room is small now
    // (a join that makes it large, a leave that makes it small again).
    presence.pending_.toAll = presence.pending_.toAll || spoke || fullPresence(room);
    if (!presence.listed_) {
        presence.listed_ = true;
        dirty_.push_back(&room);
    }
}

void Presence::flush(Room& room, DurabilityGate& gate, Outbox& outbox) {
    RoomPresence& presence = room.presence;
    presence.listed_ = false;
    if (presence.pending_.empty()) {
        return;
    }
    const PresenceBatch& batch = presence.pending_;
    const bool followersOnly = !batch.toAll && !fullPresence(room);
    const std::string_view bytes = frame(room.name, batch.kind, batch.nicks, {}, batch.reason);
    presence.pending_.clear();
    gate.toRoom(room, bytes, outbox, followersOnly);
}

void Presence::flushPass(bool force, TimePoint now, DurabilityGate& gate, Outbox& outbox) {
    flushing_.swap(dirty_);
    for (Room* room : flushing_) {
        if (!room->presence.listed_) {
            continue;  // flushed already, by traffic to the room
        }
        if (!force && !room->presence.pending_.empty() && room->presence.due_ > now) {
            deferred_.push_back(room);
            continue;
        }
        flush(*room, gate, outbox);
    }
    flushing_.clear();
}

TimePoint Presence::nextDue(TimePoint fallback) const {
    TimePoint due = fallback;
    for (const Room* room : dirty_) {
        if (room->presence.listed_ && !room->presence.pending_.empty()) {
            due = std::min(due, room->presence.due_);
        }
    }
    return due;
}

void Presence::nickChanged(Room& room, std::string_view oldNick, std::string_view newNick,
                           bool spoke, DurabilityGate& gate, Outbox& outbox) {
    flush(room, gate, outbox);
    const std::array<std::string_view, 1> nicks{oldNick};
    gate.toRoom(room, frame(room.name, v1::PRESENCE_KIND_NICK_CHANGED, nicks, newNick, {}), outbox,
                !spoke && !fullPresence(room));
}

void Presence::tell(Session& s, std::string_view room, v1::PresenceKind kind, std::string_view nick,
                    std::string_view newNick, std::string_view reason, Outbox& outbox) {
    const std::array<std::string_view, 1> nicks{nick};
    outbox.enqueue(s, frame(room, kind, nicks, newNick, reason));
}

void Presence::tellPending(Session& s, const Room& room, Outbox& outbox) {
    const PresenceBatch& batch = room.presence.pending_;
    if (batch.empty()) {
        return;
    }
    outbox.enqueue(s, frame(room.name, batch.kind, batch.nicks, {}, batch.reason));
}

void Presence::moderation(Room& room, v1::PresenceKind kind, const std::vector<std::string>& nicks,
                          std::string_view by, std::string_view reason, DurabilityGate& gate,
                          Outbox& outbox) {
    flush(room, gate, outbox);
    gate.toRoom(room, frame(room.name, kind, nicks, {}, reason, by), outbox);
}

void Presence::tellModeration(Session& s, std::string_view room, v1::PresenceKind kind,
                              const std::vector<std::string>& nicks, std::string_view by,
                              std::string_view reason, Outbox& outbox) {
    outbox.enqueue(s, frame(room, kind, nicks, {}, reason, by));
}

void Presence::clear(Room& room) {
    room.presence.pending_.clear();
    room.presence.listed_ = false;
}

void Presence::forget(const Room& room) {
    std::erase(dirty_, &room);
    std::erase(deferred_, &room);
}

}  // namespace hermes::hub

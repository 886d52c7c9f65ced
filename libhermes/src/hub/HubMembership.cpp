// Room membership (the two-way index of Room.hpp) and presence: queued
// per room, coalesced, and flushed before anything else goes to the room.

#include "HubImpl.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace hermes::hub {

void Hub::Impl::addMember(Session& s, Room& room) {
    room.members.push_back(Room::Member{&s, static_cast<std::uint32_t>(s.rooms.size())});
    s.rooms.push_back(
        Session::Membership{&room, static_cast<std::uint32_t>(room.members.size() - 1)});
}

void Hub::Impl::removeMembership(Session& s, std::size_t slot) {
    Room& room = *s.rooms[slot].room;
    const std::size_t index = s.rooms[slot].index;
    const std::size_t lastMember = room.members.size() - 1;
    if (index != lastMember) {
        room.members[index] = room.members[lastMember];
        const Room::Member& moved = room.members[index];
        moved.session->rooms[moved.slot].index = static_cast<std::uint32_t>(index);
    }
    room.members.pop_back();
    const std::size_t lastSlot = s.rooms.size() - 1;
    if (slot != lastSlot) {
        s.rooms[slot] = s.rooms[lastSlot];
        const Session::Membership& moved = s.rooms[slot];
        moved.room->members[moved.index].slot = static_cast<std::uint32_t>(slot);
    }
    s.rooms.pop_back();
}

void Hub::Impl::queuePresence(Room& room, v1::PresenceKind kind, std::string_view reason,
                              std::string_view nick) {
    if (!room.pending.accepts(kind, reason)) {
        flushPresence(room);
    }
    if (room.pending.empty()) {
        room.pending.kind = kind;
        room.pending.reason.assign(reason);
        const bool large = room.members.size() >= config.presenceCoalesceMembers;
        room.presenceDue = large ? now + config.presenceCoalesceDelay : now;
    }
    room.pending.nicks.emplace_back(nick);
    if (!room.dirty) {
        room.dirty = true;
        dirtyRooms.push_back(&room);
    }
}

void Hub::Impl::fillPending(const Room& room, v1::Envelope& envelope) {
    envelope.Clear();
    auto* presence = envelope.mutable_presence();
    presence->set_room(room.name);
    presence->set_kind(room.pending.kind);
    for (const std::string& nick : room.pending.nicks) {
        presence->add_nicks(nick);
    }
    presence->set_reason(room.pending.reason);
    presence->set_time_ms(wallClock());
}

// Sends the room's pending presence to its members now; called before
// anything else goes to the room so events keep their order.
void Hub::Impl::flushPresence(Room& room) {
    room.dirty = false;
    if (room.pending.empty()) {
        return;
    }
    fillPending(room, out);
    room.pending.clear();
    frame.clear();
    codec::appendFrame(out, frame);
    roomBroadcast(room, frame);
}

// Sends pending presence; a large room's waits until its presenceDue
// unless `force` (anything else sent to the room flushes it first).
void Hub::Impl::flushAll(bool force) {
    do {
        processDoomed();
        flushingRooms.swap(dirtyRooms);
        for (Room* room : flushingRooms) {
            if (!room->dirty) {
                continue;  // flushed already, by traffic to the room
            }
            if (!force && !room->pending.empty() && room->presenceDue > now) {
                deferredRooms.push_back(room);
                continue;
            }
            flushPresence(*room);
        }
        flushingRooms.clear();
    } while (!dirtyRooms.empty() || !doomed.empty());
    dirtyRooms.swap(deferredRooms);
}

// The soonest presenceDue of a room still holding presence back.
TimePoint Hub::Impl::nextPresenceDue(TimePoint fallback) const {
    TimePoint due = fallback;
    for (const Room* room : dirtyRooms) {
        if (room->dirty && !room->pending.empty()) {
            due = std::min(due, room->presenceDue);
        }
    }
    return due;
}

void Hub::Impl::sendPresence(Session& s, std::string_view room, v1::PresenceKind kind,
                             std::string_view nick, std::string_view newNick,
                             std::string_view reason) {
    out.Clear();
    auto* presence = out.mutable_presence();
    presence->set_room(std::string(room));
    presence->set_kind(kind);
    presence->add_nicks(std::string(nick));
    presence->set_new_nick(std::string(newNick));
    presence->set_reason(std::string(reason));
    presence->set_time_ms(wallClock());
    send(s, out);
}

}  // namespace hermes::hub

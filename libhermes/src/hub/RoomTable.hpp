#pragma once
// Every room by canonical name, and the only writer of membership and
// topics: both sides of the two-way membership index (each room's members,
// each session's rooms) and HubStats' room count.
//
//   room.members[i].session->rooms[room.members[i].slot].room == room
//   session.rooms[k].room->members[session.rooms[k].index].session == session
//
// Rooms are created by the first Join (or restored from the store at start).
// A room that someone wrote in (a message, a topic) lives on when empty, with
// its seqs and topic. A room that empties holding nothing is reclaimed at the
// next timer scan (reclaimEmpty), once no list of another component points
// at it: otherwise a client that joins and leaves thousands of names would
// grow the hub's memory without bound. Such a room, joined again, is made
// anew and no one can tell. Room pointers stay valid while a room has
// members, holds something, or is listed by a component.
//
// Threading: none; the hub's thread.

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "Room.hpp"
#include "Session.hpp"
#include "hermes/hub/HistoryStore.hpp"
#include "hermes/hub/HubStats.hpp"
#include "hermes/hub/NameMap.hpp"
#include "hermes/protocol/ProtocolError.hpp"

namespace hermes::hub {

class RoomTable {
public:
    explicit RoomTable(HubStats& stats) : stats_(stats) {}
    RoomTable(const RoomTable&) = delete;
    RoomTable& operator=(const RoomTable&) = delete;

    // The rooms a store remembers: seqs continue after the newest stored one,
    // topics are kept.
    void restore(std::vector<StoredRoom> stored);

    Room* find(std::string_view canonical) const {
        const auto it = rooms_.find(canonical);
        return it == rooms_.end() ? nullptr : it->second.get();
    }
    // Clients usually send the canonical name, found without allocating; any
    // other spelling is validated and canonicalised. `invalid` reports a
    // name that breaks the room rules.
    Room* lookup(std::string_view name, std::optional<protocol::ProtocolError>& invalid) const;
    // The room of that canonical name, created (its seqs after the store's
    // last) if it does not exist yet.
    Room& obtain(std::string canonical, const HistoryStore& store);
    std::size_t size() const { return rooms_.size(); }
    // Every room, sorted by name.
    std::vector<const Room*> sorted() const;
    template <typename F>
    void forEach(F&& f) {
        for (auto& entry : rooms_) {
            f(*entry.second);
        }
    }
    template <typename F>
    void forEach(F&& f) const {
        for (const auto& entry : rooms_) {
            f(static_cast<const Room&>(*entry.second));
        }
    }

    // `follows`: the member gets every presence event of a large room.
    void join(Session& s, Room& room, bool follows = false);
    // A member joining again may change whether it follows.
    static void setFollows(Session& s, std::size_t slot, bool follows);
    // The session's membership of its room at `slot` (SessionRooms::find).
    static const Member& member(const Session& s, std::size_t slot);
    // The member said something in the room (RoomTable writes Member).
    static void spoke(Session& s, std::size_t slot);
    // Removes `s` from the room at its slot `slot` (SessionRooms::find).
    void leave(Session& s, std::size_t slot);
    // Removes `s` from its last room and returns that room (closing).
    Room& leaveLast(Session& s);
    // Shutdown: every member is gone.
    void clearMembers(Room& room) {
        room.members.list_.clear();
        room.pages.release();
    }

    void setTopic(Room& room, std::string text, std::string setBy, std::int64_t timeMs);

    // Removes the rooms that emptied since they were last looked at and hold
    // nothing (no message stamped, in the store or live, no topic, no
    // moderation state that outlives members: RoomModeration), for
    // which `release(room)` agrees: it says whether other components still
    // point at the room (then it is looked at again next time) and, if not,
    // makes them forget it. Returns how many rooms went.
    // A room with moderation state only (modes, bans, operators by account)
    // stays on the list: it goes once an unban or a mode change leaves it
    // holding nothing.
    template <typename Release>
    std::size_t reclaimEmpty(Release&& release);
    // Lists every room without members, for reclaimEmpty() to look at (at
    // start, after the stores restored rooms).
    void lookAtEmptyRooms();
    // Rooms waiting to be looked at by reclaimEmpty().
    std::size_t emptiedCount() const { return emptied_.size(); }

private:
    // Kept for good once empty: someone wrote in it.
    static bool written(const Room& room) { return !room.topic.empty() || room.log.nextSeq() > 1; }

    HubStats& stats_;
    NameMap<std::unique_ptr<Room>> rooms_;
    std::vector<Room*> emptied_;  // rooms whose last member left; each once (Room::members)
};

template <typename Release>
std::size_t RoomTable::reclaimEmpty(Release&& release) {
    std::size_t reclaimed = 0;
    std::size_t kept = 0;
    for (Room* room : emptied_) {
        if (!room->members.empty() || written(*room)) {
            room->members.emptied_ = false;  // in use, or kept for good
            continue;
        }
        if (room->moderation.keepsSomething() || !release(*room)) {
            emptied_[kept++] = room;  // moderation state, or listed elsewhere: next time
            continue;
        }
        rooms_.erase(room->name);
        ++reclaimed;
    }
    emptied_.resize(kept);
    stats_.rooms = rooms_.size();
    return reclaimed;
}

}  // namespace hermes::hub

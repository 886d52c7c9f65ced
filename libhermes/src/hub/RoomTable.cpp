#include "RoomTable.hpp"

#include <algorithm>
#include <cstdint>
#include <utility>

#include "hermes/protocol/Validation.hpp"

namespace hermes::hub {

void RoomTable::restore(std::vector<StoredRoom> stored) {
    for (StoredRoom& entry : stored) {
        auto room = std::make_unique<Room>(entry.name, entry.lastSeq);
        room->topic.text_ = std::move(entry.topic);
        room->topic.setBy_ = std::move(entry.topicSetBy);
        room->topic.timeMs_ = entry.topicTimeMs;
        rooms_.emplace(std::move(entry.name), std::move(room));
    }
    stats_.rooms = rooms_.size();
}

Room* RoomTable::lookup(std::string_view name,
                        std::optional<protocol::ProtocolError>& invalid) const {
    if (Room* room = find(name)) {
        return room;
    }
    invalid = protocol::checkRoom(name);
    if (invalid) {
        return nullptr;
    }
    return find(protocol::canonicalRoom(name));
}

Room& RoomTable::obtain(std::string canonical, const HistoryStore& store) {
    if (Room* room = find(canonical)) {
        return *room;
    }
    auto created = std::make_unique<Room>(canonical, store.lastSeq(canonical));
    Room& room = *created;
    rooms_.emplace(std::move(canonical), std::move(created));
    stats_.rooms = rooms_.size();
    return room;
}

std::vector<const Room*> RoomTable::sorted() const {
    std::vector<const Room*> out;
    out.reserve(rooms_.size());
    for (const auto& entry : rooms_) {
        out.push_back(entry.second.get());
    }
    std::sort(out.begin(), out.end(),
              [](const Room* a, const Room* b) { return a->name < b->name; });
    return out;
}

void RoomTable::join(Session& s, Room& room, bool follows) {
    room.members.list_.push_back(
        Member{&s, static_cast<std::uint32_t>(s.rooms.size()), follows, false});
    s.rooms.list_.push_back(Membership{&room, static_cast<std::uint32_t>(room.members.size() - 1)});
    room.pages.invalidate();
}

void RoomTable::setFollows(Session& s, std::size_t slot, bool follows) {
    const Membership& mine = s.rooms.list_[slot];
    mine.room->members.list_[mine.index].follows = follows;
}

const Member& RoomTable::member(const Session& s, std::size_t slot) {
    const Membership& mine = s.rooms.list_[slot];
    return mine.room->members.list_[mine.index];
}

void RoomTable::spoke(Session& s, std::size_t slot) {
    const Membership& mine = s.rooms.list_[slot];
    mine.room->members.list_[mine.index].spoke = true;
}

void RoomTable::leave(Session& s, std::size_t slot) {
    std::vector<Membership>& mine = s.rooms.list_;
    Room& room = *mine[slot].room;
    std::vector<Member>& members = room.members.list_;
    const std::size_t index = mine[slot].index;
    const std::size_t lastMember = members.size() - 1;
    if (index != lastMember) {
        members[index] = members[lastMember];
        const Member& moved = members[index];
        moved.session->rooms.list_[moved.slot].index = static_cast<std::uint32_t>(index);
    }
    members.pop_back();
    const std::size_t lastSlot = mine.size() - 1;
    if (slot != lastSlot) {
        mine[slot] = mine[lastSlot];
        const Membership& moved = mine[slot];
        moved.room->members.list_[moved.index].slot = static_cast<std::uint32_t>(slot);
    }
    mine.pop_back();
    room.pages.invalidate();
    if (members.empty() && !room.members.emptied_) {
        room.members.emptied_ = true;
        emptied_.push_back(&room);
    }
}

Room& RoomTable::leaveLast(Session& s) {
    Room& room = *s.rooms.list_.back().room;
    leave(s, s.rooms.size() - 1);
    return room;
}

void RoomTable::lookAtEmptyRooms() {
    for (auto& entry : rooms_) {
        Room& room = *entry.second;
        if (room.members.empty() && !room.members.emptied_) {
            room.members.emptied_ = true;
            emptied_.push_back(&room);
        }
    }
}

void RoomTable::setTopic(Room& room, std::string text, std::string setBy, std::int64_t timeMs) {
    room.topic.text_ = std::move(text);
    room.topic.setBy_ = std::move(setBy);
    room.topic.timeMs_ = timeMs;
}

}  // namespace hermes::hub

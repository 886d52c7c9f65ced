// Rooms: those the store knows at start, then Join, Leave, Who, Topic and
// RoomList.

#include "HubImpl.hpp"

#include <algorithm>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "hermes/protocol/Limits.hpp"

namespace hermes::hub {

// A restarted hub knows the store's rooms: seqs continue after the
// newest stored one (never reused), topics are kept.
void Hub::Impl::restoreRooms() {
    for (StoredRoom& stored : history->rooms()) {
        auto room = std::make_unique<Room>();
        room->name = stored.name;
        room->nextSeq = stored.lastSeq + 1;
        room->sentSeq = stored.lastSeq;
        room->topic = std::move(stored.topic);
        room->topicSetBy = std::move(stored.topicSetBy);
        room->topicTimeMs = stored.topicTimeMs;
        rooms.emplace(std::move(stored.name), std::move(room));
    }
    stats.rooms = rooms.size();
}

void Hub::Impl::onJoin(Session& s, const v1::Join& join) {
    if (auto error = protocol::checkRoom(join.room())) {
        sendError(s, v1::ERROR_CODE_INVALID_ROOM, error->text, join.room());
        return;
    }
    std::string name = protocol::canonicalRoom(join.room());
    Room* room = findCanonicalRoom(name);
    const bool member = room != nullptr && findSlot(s, room) != std::string::npos;
    if (!member) {
        if (s.rooms.size() >= config.maxRoomsPerClient) {
            sendError(s, v1::ERROR_CODE_TOO_MANY_ROOMS,
                      "already in " + std::to_string(s.rooms.size()) + " rooms; the most is " +
                          std::to_string(config.maxRoomsPerClient),
                      name);
            return;
        }
        if (room == nullptr) {
            auto created = std::make_unique<Room>();
            created->name = name;
            created->nextSeq = history->lastSeq(name) + 1;
            created->sentSeq = created->nextSeq - 1;
            room = created.get();
            rooms.emplace(std::move(name), std::move(created));
            stats.rooms = rooms.size();
        }
        // Before the joiner is a member, so an earlier batch of another
        // kind goes out without it.
        queuePresence(*room, v1::PRESENCE_KIND_JOINED, {}, s.nick);
        addMember(s, *room);
    }
    sendMemberList(s, *room);
    if (!room->topic.empty()) {
        sendTopic(s, *room);
    }
    if (!join.skip_backlog()) {
        sendBacklog(s, *room);
    }
}

void Hub::Impl::sendMemberList(Session& s, const Room& room) {
    out.Clear();
    auto* list = out.mutable_members();
    list->set_room(room.name);
    for (const Room::Member& member : room.members) {
        list->add_nicks(member.session->nick);
        if (!member.session->away.empty()) {
            list->add_away(member.session->nick);
        }
    }
    send(s, out);
}

void Hub::Impl::fillTopic(const Room& room, v1::Envelope& envelope) {
    envelope.Clear();
    auto* topic = envelope.mutable_topic();
    topic->set_room(room.name);
    topic->set_text(room.topic);
    topic->set_set_by(room.topicSetBy);
    topic->set_time_ms(room.topicTimeMs);
}

void Hub::Impl::sendTopic(Session& s, const Room& room) {
    fillTopic(room, out);
    send(s, out);
}

void Hub::Impl::onLeave(Session& s, const v1::Leave& leave) {
    std::optional<protocol::ProtocolError> invalid;
    Room* room = lookupRoom(leave.room(), invalid);
    if (invalid) {
        sendError(s, v1::ERROR_CODE_INVALID_ROOM, invalid->text, leave.room());
        return;
    }
    const std::size_t slot = room == nullptr ? std::string::npos : findSlot(s, room);
    if (slot == std::string::npos) {
        sendError(s, v1::ERROR_CODE_NOT_IN_ROOM, "you are not in room " + leave.room(),
                  leave.room());
        return;
    }
    if (auto error =
            protocol::checkOptionalText(leave.reason(), protocol::kMaxReasonBytes, "reason")) {
        sendError(s, v1::ERROR_CODE_INVALID_TEXT, error->text, room->name);
        return;
    }
    // The leaver sees what happened before it left, then its own leaving;
    // the others get it coalesced with the rest of this turn.
    if (!room->pending.empty()) {
        fillPending(*room, out);
        send(s, out);
    }
    sendPresence(s, room->name, v1::PRESENCE_KIND_LEFT, s.nick, {}, leave.reason());
    removeMembership(s, slot);
    queuePresence(*room, v1::PRESENCE_KIND_LEFT, leave.reason(), s.nick);
}

void Hub::Impl::onWho(Session& s, const v1::Who& who) {
    std::optional<protocol::ProtocolError> invalid;
    Room* room = lookupRoom(who.room(), invalid);
    if (invalid) {
        sendError(s, v1::ERROR_CODE_INVALID_ROOM, invalid->text, who.room());
        return;
    }
    if (room == nullptr) {
        sendError(s, v1::ERROR_CODE_INVALID_ROOM, "there is no room " + who.room(), who.room());
        return;
    }
    sendMemberList(s, *room);
}

void Hub::Impl::onTopic(Session& s, const v1::Topic& topic) {
    std::optional<protocol::ProtocolError> invalid;
    Room* room = lookupRoom(topic.room(), invalid);
    if (invalid) {
        sendError(s, v1::ERROR_CODE_INVALID_ROOM, invalid->text, topic.room());
        return;
    }
    if (room == nullptr || findSlot(s, room) == std::string::npos) {
        sendError(s, v1::ERROR_CODE_NOT_IN_ROOM,
                  "you are not in room " + topic.room() + "; join it to set its topic",
                  topic.room());
        return;
    }
    if (auto error = protocol::checkOptionalText(topic.text(), config.maxTextBytes, "topic")) {
        sendError(s, v1::ERROR_CODE_INVALID_TEXT, error->text, room->name);
        return;
    }
    room->topic = topic.text();
    room->topicSetBy = s.nick;
    room->topicTimeMs = wallClock();
    history->setTopic(StoredRoom{room->name, 0, room->topic, room->topicSetBy, room->topicTimeMs});
    flushPresence(*room);
    fillTopic(*room, out);
    frame.clear();
    codec::appendFrame(out, frame);
    roomBroadcast(*room, frame);
}

void Hub::Impl::onRoomList(Session& s) {
    std::vector<const Room*> sorted;
    sorted.reserve(rooms.size());
    for (const auto& entry : rooms) {
        sorted.push_back(entry.second.get());
    }
    std::sort(sorted.begin(), sorted.end(),
              [](const Room* a, const Room* b) { return a->name < b->name; });
    out.Clear();
    auto* list = out.mutable_room_list();
    for (const Room* room : sorted) {
        auto* info = list->add_rooms();
        info->set_name(room->name);
        info->set_members(static_cast<std::uint32_t>(room->members.size()));
        info->set_topic(room->topic);
    }
    send(s, out);
}

}  // namespace hermes::hub

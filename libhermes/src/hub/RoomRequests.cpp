// Rooms: Join, Leave, Who, MembersRequest, Topic and RoomList.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "Backplane.hpp"
#include "ClusterState.hpp"
#include "DurabilityGate.hpp"
#include "Moderation.hpp"
#include "Outbox.hpp"
#include "Presence.hpp"
#include "Requests.hpp"
#include "RoomTable.hpp"
#include "hermes/codec/FrameEncoder.hpp"
#include "hermes/protocol/Limits.hpp"
#include "hermes/protocol/Validation.hpp"

namespace hermes::hub {

namespace {

void fillTopic(const Room& room, v1::Envelope& envelope) {
    auto* topic = envelope.mutable_topic();
    topic->set_room(room.name);
    topic->set_text(room.topic.text());
    topic->set_set_by(room.topic.setBy());
    topic->set_time_ms(room.topic.timeMs());
}

// The most nicks a joiner of a large room gets in its MemberList (fewer if
// hub.presence_full_max_members is lower): enough to show some company,
// bounded so that N joins cost O(N), not O(N^2).
constexpr std::size_t kJoinSample = 100;
constexpr std::size_t kWholeList = SIZE_MAX;

void addMember(v1::MemberList& list, const Session& member, const Room& room,
               const Moderation& moderation) {
    list.add_nicks(member.who.nick());
    if (!member.profile.away.empty()) {
        list.add_away(member.who.nick());
    }
    if (moderation.roomOperator(member, room)) {
        list.add_operators(member.who.nick());
    }
}

// All members (in a cluster, those of the other hubs too), or (a joiner of
// a large room that does not follow it) the first `most` of this hub's and
// the joiner itself, marked partial.
void sendMemberList(Session& s, const Room& room, const Moderation& moderation, Outbox& outbox,
                    const Backplane* backplane, std::size_t most = kWholeList) {
    outbox.reply(s, [&](v1::Envelope& out) {
        auto* list = out.mutable_members();
        list->set_room(room.name);
        const auto* others = backplane == nullptr ? nullptr : backplane->others(room.name);
        const std::size_t total = room.members.size() + (others == nullptr ? 0 : others->size());
        list->set_total(static_cast<std::uint32_t>(total));
        if (total <= most) {
            if (others != nullptr) {
                for (const auto& other : *others) {
                    list->add_nicks(other.first);  // operators: this hub's only
                    if (!backplane->awayOf(other.first).empty()) {
                        list->add_away(other.first);
                    }
                }
            }
            for (const Member& member : room.members) {
                addMember(*list, *member.session, room, moderation);
            }
            return;
        }
        list->set_partial(true);
        bool self = false;
        for (std::size_t i = 0; i < std::min(most, room.members.size()); ++i) {
            const Session& member = *room.members.list()[i].session;
            self = self || &member == &s;
            addMember(*list, member, room, moderation);
        }
        if (!self) {
            addMember(*list, s, room, moderation);
        }
    });
}

}  // namespace

namespace {

// The deletion of a used invite is sent for no session: the Join was taken,
// so a Redis that refuses it (logged) must not answer the joiner
// CLUSTER_UNAVAILABLE as if the Join had failed. Session ids start at 1.
constexpr SessionId kNoSetter = 0;

// An invite used up here is used up on every hub (a deletion of its field,
// ClusterRoomModes.cpp). Not sent while Redis is away: the other hubs keep
// the invite (docs/CLUSTER.md "What is not done").
void useInviteAcrossHubs(const Session& s, const std::string& room, Backplane& backplane) {
    if (!backplane.up()) {
        return;
    }
    v1::BanEntry record;
    record.set_target(s.who.nick());
    record.set_set_by(s.who.nick());
    backplane.writeState(
        ClusterState::memberField(ClusterState::Kind::Invite, room, Moderation::fold(s.who.nick())),
        record.SerializeAsString(), StateMode::Delete, kNoSetter);
}

}  // namespace

void onJoin(Session& s, const v1::Join& join, RoomTable& rooms, Moderation& moderation,
            Presence& presence, DurabilityGate& gate, const HistoryStore& history, Outbox& outbox,
            const HubFacts& facts, TimePoint now, Backplane* backplane) {
    if (auto error = protocol::checkRoom(join.room())) {
        outbox.error(s, v1::ERROR_CODE_INVALID_ROOM, error->text, join.room());
        return;
    }
    std::string name = protocol::canonicalRoom(join.room());
    Room* room = rooms.find(name);
    const bool member = room != nullptr && s.rooms.find(room) != SessionRooms::npos;
    if (!member) {
        if (s.rooms.size() >= facts.config.maxRoomsPerClient) {
            outbox.error(s, v1::ERROR_CODE_TOO_MANY_ROOMS,
                         "already in " + std::to_string(s.rooms.size()) + " rooms; the most is " +
                             std::to_string(facts.config.maxRoomsPerClient),
                         name);
            return;
        }
        const bool invited = room != nullptr && Moderation::invited(*room, s.who.nick());
        if (auto refusal = moderation.admitJoin(s, name, room, facts.wallClock())) {
            outbox.error(s, refusal->code, refusal->text, name);
            return;
        }
        if (invited && !Moderation::invited(*room, s.who.nick()) && backplane != nullptr) {
            useInviteAcrossHubs(s, name, *backplane);
        }
        if (room == nullptr && rooms.size() >= facts.config.maxRooms) {
            outbox.error(s, v1::ERROR_CODE_TOO_MANY_ROOMS,
                         "the hub holds its maximum of " + std::to_string(facts.config.maxRooms) +
                             " rooms (hub.max_rooms); join an existing room",
                         name);
            return;
        }
        const bool created = room == nullptr;
        room = &rooms.obtain(std::move(name), history);
        // Before the joiner is a member, so an earlier batch of another
        // kind goes out without it.
        presence.queue(*room, v1::PRESENCE_KIND_JOINED, {}, s.who.nick(), false, now, gate, outbox);
        rooms.join(s, *room, join.all_presence());
        moderation.joined(s, *room, created, facts.config.defaultRoom);
    } else {
        RoomTable::setFollows(s, s.rooms.find(room), join.all_presence());
    }
    const bool whole = join.all_presence() || presence.fullPresence(*room);
    sendMemberList(s, *room, moderation, outbox, backplane,
                   whole ? kWholeList : std::min(kJoinSample, facts.config.presenceFullMaxMembers));
    if (!member && !whole && !room->presence.pending().toAll) {
        // Its JOINED goes to the followers only: the joiner still gets its
        // own, as in any room (clients may wait for it).
        presence.tell(s, room->name, v1::PRESENCE_KIND_JOINED, s.who.nick(), {}, {}, outbox);
    }
    if (!room->topic.empty()) {
        outbox.reply(s, [&](v1::Envelope& out) { fillTopic(*room, out); });
    }
    if (!join.skip_backlog()) {
        sendBacklog(s, *room, history, outbox, facts);
    }
}

void onLeave(Session& s, const v1::Leave& leave, RoomTable& rooms, Presence& presence,
             DurabilityGate& gate, Outbox& outbox, TimePoint now) {
    std::optional<protocol::ProtocolError> invalid;
    Room* room = rooms.lookup(leave.room(), invalid);
    if (invalid) {
        outbox.error(s, v1::ERROR_CODE_INVALID_ROOM, invalid->text, leave.room());
        return;
    }
    const std::size_t slot = room == nullptr ? SessionRooms::npos : s.rooms.find(room);
    if (slot == SessionRooms::npos) {
        outbox.error(s, v1::ERROR_CODE_NOT_IN_ROOM, "you are not in room " + leave.room(),
                     leave.room());
        return;
    }
    if (auto error =
            protocol::checkOptionalText(leave.reason(), protocol::kMaxReasonBytes, "reason")) {
        outbox.error(s, v1::ERROR_CODE_INVALID_TEXT, error->text, room->name);
        return;
    }
    // The leaver sees what happened before it left, then its own leaving;
    // the others get it coalesced with the rest of this turn.
    presence.tellPending(s, *room, outbox);
    presence.tell(s, room->name, v1::PRESENCE_KIND_LEFT, s.who.nick(), {}, leave.reason(), outbox);
    const bool spoke = RoomTable::member(s, slot).spoke;
    rooms.leave(s, slot);
    presence.queue(*room, v1::PRESENCE_KIND_LEFT, leave.reason(), s.who.nick(), spoke, now, gate,
                   outbox);
}

void onWho(Session& s, const v1::Who& who, const RoomTable& rooms, const Moderation& moderation,
           Outbox& outbox, const Backplane* backplane) {
    std::optional<protocol::ProtocolError> invalid;
    const Room* room = rooms.lookup(who.room(), invalid);
    if (invalid) {
        outbox.error(s, v1::ERROR_CODE_INVALID_ROOM, invalid->text, who.room());
        return;
    }
    if (room == nullptr) {
        outbox.error(s, v1::ERROR_CODE_INVALID_ROOM, "there is no room " + who.room(), who.room());
        return;
    }
    sendMemberList(s, *room, moderation, outbox, backplane);
}

void onMembersRequest(Session& s, const v1::MembersRequest& request, RoomTable& rooms,
                      const Moderation& moderation, std::uint64_t facts, Outbox& outbox) {
    std::optional<protocol::ProtocolError> invalid;
    Room* room = rooms.lookup(request.room(), invalid);
    if (invalid) {
        outbox.error(s, v1::ERROR_CODE_INVALID_ROOM, invalid->text, request.room());
        return;
    }
    if (room == nullptr) {
        outbox.error(s, v1::ERROR_CODE_INVALID_ROOM, "there is no room " + request.room(),
                     request.room());
        return;
    }
    outbox.enqueue(s, room->pages.page(*room, request.after(), request.limit(), facts, moderation));
}

void onTopic(Session& s, const v1::Topic& topic, RoomTable& rooms, const Moderation& moderation,
             Presence& presence, DurabilityGate& gate, HistoryStore& history, Outbox& outbox,
             const HubFacts& facts, Backplane* backplane) {
    std::optional<protocol::ProtocolError> invalid;
    Room* room = rooms.lookup(topic.room(), invalid);
    if (invalid) {
        outbox.error(s, v1::ERROR_CODE_INVALID_ROOM, invalid->text, topic.room());
        return;
    }
    if (room == nullptr || s.rooms.find(room) == SessionRooms::npos) {
        outbox.error(s, v1::ERROR_CODE_NOT_IN_ROOM,
                     "you are not in room " + topic.room() + "; join it to set its topic",
                     topic.room());
        return;
    }
    if (auto error =
            protocol::checkOptionalText(topic.text(), facts.config.maxTextBytes, "topic")) {
        outbox.error(s, v1::ERROR_CODE_INVALID_TEXT, error->text, room->name);
        return;
    }
    if (room->moderation.muted(s.id)) {
        outbox.error(s, v1::ERROR_CODE_MUTED,
                     "you are muted in " + room->name + ": you may not set its topic", room->name);
        return;
    }
    if (room->moderation.topicLocked() && !moderation.roomOperator(s, *room)) {
        outbox.error(s, v1::ERROR_CODE_TOPIC_LOCKED,
                     "the topic of " + room->name + " is locked; only its operators may set it",
                     room->name);
        return;
    }
    v1::Topic set;
    set.set_room(room->name);
    set.set_text(topic.text());
    set.set_set_by(s.who.nick());
    set.set_time_ms(facts.wallClock());
    if (backplane == nullptr) {
        setRoomTopic(*room, set, rooms, presence, gate, history, outbox);
        return;
    }
    // In a cluster every hub, this one too, shows it when Redis publishes
    // it (Hub::backplaneState): one order of topics on every hub.
    if (!backplane->up()) {
        outbox.error(s, v1::ERROR_CODE_CLUSTER_UNAVAILABLE,
                     "this hub cannot reach the cluster's backplane (Redis); the topic of " +
                         room->name + " is not set, set it again in a moment",
                     room->name);
        return;
    }
    backplane->writeState(ClusterState::topicField(room->name), set.SerializeAsString(),
                          StateMode::Set, s.id);
}

void setRoomTopic(Room& room, const v1::Topic& topic, RoomTable& rooms, Presence& presence,
                  DurabilityGate& gate, HistoryStore& history, Outbox& outbox) {
    rooms.setTopic(room, topic.text(), topic.set_by(), topic.time_ms());
    history.setTopic(
        StoredRoom{room.name, 0, room.topic.text(), room.topic.setBy(), room.topic.timeMs()});
    presence.flush(room, gate, outbox);
    v1::Envelope envelope;
    fillTopic(room, envelope);
    gate.toRoom(room, codec::encodeFrame(envelope), outbox);
}

void onRoomList(Session& s, const RoomTable& rooms, Outbox& outbox) {
    const std::vector<const Room*> sorted = rooms.sorted();
    outbox.reply(s, [&](v1::Envelope& out) {
        auto* list = out.mutable_room_list();
        for (const Room* room : sorted) {
            auto* info = list->add_rooms();
            info->set_name(room->name);
            info->set_members(static_cast<std::uint32_t>(room->members.size()));
            info->set_topic(room->topic.text());
        }
    });
}

}  // namespace hermes::hub

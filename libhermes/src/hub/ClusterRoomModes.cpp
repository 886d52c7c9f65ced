// The cluster's mutes, room operators, invites and room modes on this hub
// (docs/CLUSTER.md "Mutes, operators, invites and modes across hubs";
// ClusterState.hpp names the fields): carried out here exactly as a local
// change is, when Redis publishes it. The hub that took the request checked
// the operator's right against what it applied of the cluster's state;
// every hub shows the change to its own members of the room, and the
// member's own hub (the one its nick is on) mutes, promotes or demotes it.
// A hub operator here is never muted or demoted by another hub (logged,
// and this hub shows nothing of it).

#include <string>
#include <vector>

#include "HubImpl.hpp"

namespace hermes::hub {

namespace {

v1::PresenceKind memberKind(ClusterState::Kind kind, bool on) {
    switch (kind) {
        case ClusterState::Kind::Mute:
            return on ? v1::PRESENCE_KIND_MUTED : v1::PRESENCE_KIND_UNMUTED;
        case ClusterState::Kind::Op:
        case ClusterState::Kind::OpAccount:
            return on ? v1::PRESENCE_KIND_OPPED : v1::PRESENCE_KIND_DEOPPED;
        default:
            return v1::PRESENCE_KIND_INVITED;
    }
}

// As ModerationRequests.cpp's actionName names the mode in MODE_CHANGED.
std::string modeText(std::string_view mode, bool on) {
    if (mode == ClusterState::kTopicLocked) {
        return on ? "topic locked" : "topic unlocked";
    }
    return on ? "invite-only" : "open to all";
}

}  // namespace

void Hub::Impl::applyMemberState(const ClusterState::Field& field, const BackplaneState& state) {
    v1::BanEntry record;
    if (!record.ParseFromString(state.record)) {
        log.warning("backplane: the record of '%s' (version %?u) is not one; ignored", state.field,
                    state.version);
        return;
    }
    const bool on = !state.deleted;
    if (field.kind == ClusterState::Kind::Invite && !on) {
        // Used up by a Join on some hub (or the room opened): gone here too.
        if (Room* room = rooms.find(field.room)) {
            moderation.uninvite(*room, field.target);
        }
        return;
    }
    if (field.kind == ClusterState::Kind::OpAccount) {
        applyAccountOp(field, record, on);
        return;
    }
    // An invite makes the room here (kept for it, as for a ban); a mute or
    // an op names a member, who is in a room this hub has or on another hub.
    Room* room = field.kind == ClusterState::Kind::Invite ? &rooms.obtain(field.room, *history)
                                                          : rooms.find(field.room);
    if (room == nullptr) {
        return;
    }
    // The record's nick as shown, if it is the field's: a record naming
    // someone else (a bad notice) must not show another member's name.
    const std::string shown =
        Moderation::fold(record.target()) == field.target ? record.target() : field.target;
    Session* target = sessions.findNick(field.target);
    if (target != nullptr && field.kind != ClusterState::Kind::Invite) {
        if (moderation.hubOperator(*target) && (field.kind == ClusterState::Kind::Mute || !on)) {
            log.warning("moderation: cluster: %s's change '%s' refused: a hub operator here",
                        record.set_by(), state.field);
            return;
        }
        ++memberFacts;
        if (field.kind == ClusterState::Kind::Mute) {
            moderation.setMuted(*room, *target, on);
        } else {
            moderation.setOperator(*room, *target, on);
        }
        log.information("moderation: cluster: " + SessionTable::describe(*target) + " " +
                        state.field + (on ? " set" : " lifted") + " by " + record.set_by());
    }
    if (field.kind == ClusterState::Kind::Invite) {
        moderation.invite(*room, field.target);
        // The invited learn of it, if they are here and not in the room.
        if (target != nullptr && target->rooms.find(room) == SessionRooms::npos &&
            Moderation::fold(record.set_by()) != field.target) {
            presence.tellModeration(*target, room->name, v1::PRESENCE_KIND_INVITED,
                                    {target->who.nick()}, record.set_by(), record.reason(), outbox);
        }
    }
    const v1::PresenceKind kind = memberKind(field.kind, on);
    presence.moderation(*room, kind, {shown}, record.set_by(), record.reason(), gate, outbox);
    tellSetter(room, kind, {shown}, record.set_by(), record.reason());
}

// An op by account: every session of the account here is an operator of
// the room (and any that signs in later), as on a hub alone; the room is
// made here for it (kept, as for a ban), and lifted only where it exists.
void Hub::Impl::applyAccountOp(const ClusterState::Field& field, const v1::BanEntry& record,
                               bool on) {
    Room* room = on ? &rooms.obtain(field.room, *history) : rooms.find(field.room);
    if (room == nullptr) {
        return;
    }
    moderation.setOperatorAccount(*room, field.target, on);
    ++memberFacts;
    log.information("moderation: cluster: account " + field.target + (on ? " made" : " removed") +
                    " operator of " + room->name + " by " + record.set_by());
    const std::string shown =
        Moderation::fold(record.target()) == field.target ? record.target() : field.target;
    const v1::PresenceKind kind = memberKind(field.kind, on);
    presence.moderation(*room, kind, {shown}, record.set_by(), record.reason(), gate, outbox);
    tellSetter(room, kind, {shown}, record.set_by(), record.reason());
}

void Hub::Impl::applyMode(const ClusterState::Field& field, const BackplaneState& state) {
    v1::BanEntry record;
    if (!state.record.empty() && !record.ParseFromString(state.record)) {
        log.warning("backplane: the record of '%s' (version %?u) is not one; ignored", state.field,
                    state.version);
        return;
    }
    const bool on = !state.deleted;
    Room* room = on ? &rooms.obtain(field.room, *history) : rooms.find(field.room);
    if (room == nullptr) {
        return;
    }
    const bool topicLock = field.target == ClusterState::kTopicLocked;
    const bool inForce = topicLock ? room->moderation.topicLocked() : room->moderation.inviteOnly();
    if (inForce == on) {
        return;  // read again at a (re)start: in force already, shown then
    }
    if (topicLock) {
        moderation.setTopicLocked(*room, on);
    } else {
        moderation.setInviteOnly(*room, on);
    }
    ++memberFacts;
    std::string text = modeText(field.target, on);
    log.information("moderation: cluster: " + room->name + " set " + text + " by " +
                    record.set_by());
    if (!record.reason().empty()) {
        text += ": " + record.reason();
    }
    presence.moderation(*room, v1::PRESENCE_KIND_MODE_CHANGED, {}, record.set_by(), text, gate,
                        outbox);
    tellSetter(room, v1::PRESENCE_KIND_MODE_CHANGED, {}, record.set_by(), text);
}

void Hub::Impl::tellSetter(const Room* room, v1::PresenceKind kind,
                           const std::vector<std::string>& nicks, std::string_view by,
                           std::string_view reason) {
    Session* setter = sessions.findNick(by);
    if (setter == nullptr || (room != nullptr && setter->rooms.find(room) != SessionRooms::npos)) {
        return;  // not here, or in the room: shown with it
    }
    presence.tellModeration(*setter, room ? std::string_view(room->name) : std::string_view(), kind,
                            nicks, by, reason, outbox);
}

}  // namespace hermes::hub

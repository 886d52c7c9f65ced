// The cluster's room state on this hub (docs/CLUSTER.md "Topics, bans and
// kicks across hubs"): a topic, a ban, an unban or a kick that Redis
// published (ClusterState.hpp), carried out here exactly as a local one is,
// for this hub's members. The hub that took the request checked the right
// to make it; every hub, that one included, acts when Redis publishes it,
// so that every hub applies the changes in Redis's one order.

#include <exception>
#include <string>
#include <vector>

#include "HubImpl.hpp"
#include "hermes/protocol/Validation.hpp"

namespace hermes::hub {

void Hub::backplaneState(const BackplaneState& state, TimePoint now) {
    owner_.check("Hub::backplaneState");
    impl_->setNow(now);
    if (impl_->clusterState.newer(state)) {
        impl_->applyStateSafely(state);
    }
}

void Hub::backplaneStates(std::uint64_t snapshotVersion, const std::vector<BackplaneState>& stored,
                          TimePoint now) {
    owner_.check("Hub::backplaneStates");
    impl_->setNow(now);
    for (const BackplaneState& state : impl_->clusterState.loaded(snapshotVersion, stored)) {
        impl_->applyStateSafely(state);
    }
    impl_->offerAccounts(stored);
}

void Hub::backplaneStateAnswered(std::uint64_t session, std::string_view field,
                                 std::optional<std::uint64_t> version, TimePoint now) {
    owner_.check("Hub::backplaneStateAnswered");
    impl_->setNow(now);
    impl_->accountWriteAnswered(session, field, version, {});
}

void Hub::backplaneStateRefused(std::uint64_t session, std::string_view field,
                                std::string_view error, TimePoint now) {
    owner_.check("Hub::backplaneStateRefused");
    impl_->setNow(now);
    if (impl_->accountWriteAnswered(session, field, std::nullopt, error)) {
        return;
    }
    Session* s = impl_->sessions.find(session);
    const auto parsed = ClusterState::parse(field);
    if (s == nullptr || !parsed) {
        return;
    }
    const std::string what =
        parsed->kind == ClusterState::Kind::Topic  ? "the topic"
        : parsed->kind == ClusterState::Kind::Kick ? "the kick of " + parsed->target
        : parsed->kind == ClusterState::Kind::Ban  ? "the ban change on " + parsed->target
                                                   : "the change '" + std::string(field) + "'";
    const std::string where =
        parsed->room.empty() ? std::string(" hub-wide") : " in " + parsed->room;
    impl_->outbox.error(*s, v1::ERROR_CODE_CLUSTER_UNAVAILABLE,
                        "the cluster's backplane (Redis) did not take " + what + where + ": " +
                            std::string(error) + "; try again in a moment",
                        parsed->room);
}

// Called from the backplane's callback: a store that fails (SQLite) must
// not end the hub. The version is recorded only once applied, so the next
// read of the hash (at a reconnect) tries it again.
void Hub::Impl::applyStateSafely(const BackplaneState& state) {
    try {
        applyState(state);
        clusterState.applied(state);
    } catch (const std::exception& e) {
        log.error("backplane: room state '%s' (version %?u) not applied here: %s", state.field,
                  state.version, std::string(e.what()));
    }
}

void Hub::Impl::applyState(const BackplaneState& state) {
    const auto field = ClusterState::parse(state.field);
    if (!field || (!field->room.empty() && (protocol::checkRoom(field->room) ||
                                            protocol::canonicalRoom(field->room) != field->room))) {
        log.warning(
            "backplane: room state '%s' (version %?u) names nothing this hub knows; "
            "ignored",
            state.field, state.version);
        return;
    }
    switch (field->kind) {
        case ClusterState::Kind::Topic:
            applyTopic(*field, state);
            return;
        case ClusterState::Kind::Ban:
            applyBan(*field, state);
            return;
        case ClusterState::Kind::Kick:
            applyKick(*field, state);
            return;
        case ClusterState::Kind::Mute:
        case ClusterState::Kind::Op:
        case ClusterState::Kind::OpAccount:
        case ClusterState::Kind::Invite:
            applyMemberState(*field, state);
            return;
        case ClusterState::Kind::Mode:
            applyMode(*field, state);
            return;
        case ClusterState::Kind::Account:
            applyAccount(*field, state);
            return;
    }
}

void Hub::Impl::applyTopic(const ClusterState::Field& field, const BackplaneState& state) {
    v1::Topic topic;
    if (!topic.ParseFromString(state.record) || topic.room() != field.room) {
        log.warning("backplane: the topic record of %s (version %?u) is not one; ignored",
                    field.room, state.version);
        return;
    }
    // Every hub keeps every room's topic, members here or not, as it keeps
    // its messages: a late joiner here is shown it.
    Room& room = rooms.obtain(field.room, *history);
    if (room.topic.text() == topic.text() && room.topic.setBy() == topic.set_by() &&
        room.topic.timeMs() == topic.time_ms()) {
        return;  // read again at a reconnect: shown already
    }
    setRoomTopic(room, topic, rooms, presence, gate, *history, outbox);
}

void Hub::Impl::applyBan(const ClusterState::Field& field, const BackplaneState& state) {
    v1::BanEntry record;
    if (!state.record.empty() && !record.ParseFromString(state.record)) {
        log.warning("backplane: the ban record '%s' (version %?u) is not one; ignored", state.field,
                    state.version);
        return;
    }
    const std::int64_t nowMs = facts.wallClock();
    if (!state.deleted && record.expires_ms() != 0 && record.expires_ms() <= nowMs) {
        return;  // lapsed already (read again at a start): nothing to enforce
    }
    ++memberFacts;
    // A ban makes the room here (empty, kept for its ban: a later Join is
    // refused); an unban of a room this hub does not have lifts nothing.
    Room* room = field.room.empty() ? nullptr
                 : state.deleted    ? rooms.find(field.room)
                                    : &rooms.obtain(field.room, *history);
    if (room == nullptr && !field.room.empty()) {
        return;
    }
    const std::string where = room ? " in " + room->name : std::string(" hub-wide");
    const std::string subject = std::string(field.banKind == BanKind::Nick      ? "nick "
                                            : field.banKind == BanKind::Account ? "account "
                                                                                : "address ") +
                                field.target;
    if (state.deleted) {
        if (!moderation.unban(room, field.banKind, field.target, nowMs)) {
            return;  // not in force here (lapsed)
        }
        log.information("moderation: cluster: " + subject + " unbanned" + where + " by " +
                        record.set_by());
        if (room != nullptr && field.banKind != BanKind::Address) {
            presence.moderation(*room, v1::PRESENCE_KIND_UNBANNED, {field.target}, record.set_by(),
                                record.reason(), gate, outbox);
        }
        tellSetter(room, v1::PRESENCE_KIND_UNBANNED, {field.target}, record.set_by(),
                   record.reason());
        return;
    }
    StoredBan ban{room ? room->name : std::string(),
                  field.banKind,
                  field.target,
                  record.set_by(),
                  record.reason(),
                  record.set_ms(),
                  record.expires_ms(),
                  state.version};
    log.information("moderation: cluster: " + subject + " banned" + where + " by " +
                    record.set_by());
    if (room == nullptr) {
        banFromHub(std::move(ban), sessions, moderation, outbox, log, nowMs);
        tellSetter(nullptr, v1::PRESENCE_KIND_BANNED, {field.target}, record.set_by(),
                   record.reason());
        return;
    }
    std::vector<std::string> nicks = banFromRoom(*room, std::move(ban), record.reason(), rooms,
                                                 moderation, presence, outbox, nowMs);
    for (const std::string& nick : nicks) {
        // Only the member's own hub removes it: the other hubs show its
        // BANNED (and drop it) when this presence comes.
        backplane.announce(room->name, "banned", nick, record.set_by() + "\n" + record.reason());
    }
    // A nick ban that names no member on any hub is shown by each hub to
    // its members (as a hub alone shows it); one that names another hub's
    // member is shown when that hub removes it (it may not: a hub operator there).
    // An account ban that removed no one here shows the account, as a hub
    // alone does (each hub to its members: the account's sessions on other
    // hubs are shown by their hubs, as they are removed).
    if (nicks.empty() &&
        ((field.banKind == BanKind::Nick && !backplane.otherMember(room->name, field.target)) ||
         field.banKind == BanKind::Account)) {
        nicks.push_back(field.target);
    }
    if (!nicks.empty()) {
        presence.moderation(*room, v1::PRESENCE_KIND_BANNED, nicks, record.set_by(),
                            record.reason(), gate, outbox);
    }
    tellSetter(room, v1::PRESENCE_KIND_BANNED, {field.target}, record.set_by(), record.reason());
}

void Hub::Impl::applyKick(const ClusterState::Field& field, const BackplaneState& state) {
    v1::BanEntry record;
    Room* room = rooms.find(field.room);
    if (!record.ParseFromString(state.record) || room == nullptr) {
        return;
    }
    // Only the member's own hub acts; the others show the kick when that hub
    // publishes it (presence "kicked").
    Session* target = sessions.findNick(field.target);
    const std::size_t slot = target == nullptr ? SessionRooms::npos : target->rooms.find(room);
    if (slot == SessionRooms::npos) {
        return;
    }
    if (moderation.hubOperator(*target)) {
        log.warning("moderation: cluster: %s's kick of %s from %s refused: a hub operator here",
                    record.set_by(), field.target, room->name);
        return;
    }
    log.information("moderation: cluster: " + SessionTable::describe(*target) + " kicked from " +
                    room->name + " by " + record.set_by());
    ++memberFacts;
    const std::string nick = target->who.nick();
    removeFromRoom(*target, *room, slot, v1::PRESENCE_KIND_KICKED, record.set_by(), record.reason(),
                   rooms, presence, outbox);
    presence.moderation(*room, v1::PRESENCE_KIND_KICKED, {nick}, record.set_by(), record.reason(),
                        gate, outbox);
    tellSetter(room, v1::PRESENCE_KIND_KICKED, {nick}, record.set_by(), record.reason());
    backplane.announce(room->name, "kicked", nick, record.set_by() + "\n" + record.reason());
}
}  // namespace hermes::hub

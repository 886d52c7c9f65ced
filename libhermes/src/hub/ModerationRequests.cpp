// Moderation: ModerationRequest (kick, ban, mute, op, invite, room modes)
// and BanListRequest; the hub-wide ban at Hello and SetNick. What
// moderation keeps is Moderation's; this decides who may do what, carries it
// out on the rooms and sessions, logs it and announces it. In a cluster a
// ban, an unban and a kick of another hub's member are only checked here
// and sent to Redis; every hub carries them out (ClusterRoomState.cpp)
// with the functions at the end of this file, as a local one is.

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <Poco/Net/IPAddress.h>

#include "Backplane.hpp"
#include "ClusterState.hpp"
#include "DurabilityGate.hpp"
#include "Moderation.hpp"
#include "Outbox.hpp"
#include "Presence.hpp"
#include "Requests.hpp"
#include "RoomTable.hpp"
#include "SessionTable.hpp"
#include "hermes/hub/Registry.hpp"
#include "hermes/protocol/Limits.hpp"
#include "hermes/protocol/Validation.hpp"

namespace hermes::hub {

namespace {

// The longest ban with an expiry; longer is "until unbanned" (0).
constexpr std::uint32_t kMaxExpirySeconds = 366U * 24 * 3600;

std::string_view actionName(v1::ModerationAction action) {
    switch (action) {
        case v1::MODERATION_ACTION_KICK:
            return "kicked";
        case v1::MODERATION_ACTION_BAN:
            return "banned";
        case v1::MODERATION_ACTION_UNBAN:
            return "unbanned";
        case v1::MODERATION_ACTION_MUTE:
            return "muted";
        case v1::MODERATION_ACTION_UNMUTE:
            return "unmuted";
        case v1::MODERATION_ACTION_OP:
            return "made operator";
        case v1::MODERATION_ACTION_DEOP:
            return "removed operator";
        case v1::MODERATION_ACTION_INVITE:
            return "invited";
        case v1::MODERATION_ACTION_LOCK_TOPIC:
            return "topic locked";
        case v1::MODERATION_ACTION_UNLOCK_TOPIC:
            return "topic unlocked";
        case v1::MODERATION_ACTION_INVITE_ONLY:
            return "invite-only";
        case v1::MODERATION_ACTION_OPEN:
            return "open to all";
        default:
            return "unknown action";
    }
}

std::string_view kindName(BanKind kind) {
    switch (kind) {
        case BanKind::Nick:
            return "nick";
        case BanKind::Account:
            return "account";
        case BanKind::Address:
            return "address";
    }
    return "?";
}

// What one request needs, checked: the room (null for the hub-wide list)
// and the target in its stored form.
struct Checked {
    Room* room = nullptr;
    BanKind kind = BanKind::Nick;
    std::string target;  // nicks and accounts folded; addresses canonical
};

// The actions that name someone, and which kinds of target each takes.
bool needsTarget(v1::ModerationAction a) {
    return a != v1::MODERATION_ACTION_LOCK_TOPIC && a != v1::MODERATION_ACTION_UNLOCK_TOPIC &&
           a != v1::MODERATION_ACTION_INVITE_ONLY && a != v1::MODERATION_ACTION_OPEN;
}
bool takesAnyKind(v1::ModerationAction a) {
    return a == v1::MODERATION_ACTION_BAN || a == v1::MODERATION_ACTION_UNBAN;
}
bool takesAccount(v1::ModerationAction a) {
    return takesAnyKind(a) || a == v1::MODERATION_ACTION_OP || a == v1::MODERATION_ACTION_DEOP;
}

class Handler {
public:
    Handler(Session& s, const v1::ModerationRequest& r, SessionTable& sessions, RoomTable& rooms,
            Moderation& moderation, Presence& presence, DurabilityGate& gate, Outbox& outbox,
            const HubFacts& facts, Poco::Logger& log, Backplane* backplane,
            const ClusterState* cluster)
        : s_(s),
          r_(r),
          sessions_(sessions),
          rooms_(rooms),
          moderation_(moderation),
          presence_(presence),
          gate_(gate),
          outbox_(outbox),
          log_(log),
          backplane_(backplane),
          cluster_(cluster),
          nowMs_(facts.wallClock()) {}

    void run() {
        std::optional<Checked> checked = check();
        if (!checked) {
            return;
        }
        c_ = std::move(*checked);
        if (acrossHubs() && refuseBackplaneDown()) {
            return;
        }
        switch (r_.action()) {
            case v1::MODERATION_ACTION_KICK:
                kick();
                return;
            case v1::MODERATION_ACTION_BAN:
                ban();
                return;
            case v1::MODERATION_ACTION_UNBAN:
                unban();
                return;
            case v1::MODERATION_ACTION_MUTE:
            case v1::MODERATION_ACTION_UNMUTE:
                mute(r_.action() == v1::MODERATION_ACTION_MUTE);
                return;
            case v1::MODERATION_ACTION_OP:
            case v1::MODERATION_ACTION_DEOP:
                op(r_.action() == v1::MODERATION_ACTION_OP);
                return;
            case v1::MODERATION_ACTION_INVITE:
                invite();
                return;
            case v1::MODERATION_ACTION_LOCK_TOPIC:
            case v1::MODERATION_ACTION_UNLOCK_TOPIC:
            case v1::MODERATION_ACTION_INVITE_ONLY:
            case v1::MODERATION_ACTION_OPEN:
                setMode();
                return;
            default:
                return;  // check() refused it
        }
    }

private:
    void refuse(v1::ErrorCode code, std::string text) {
        outbox_.error(s_, code, text, c_.room ? std::string_view(c_.room->name) : r_.room());
    }

    // Everything about the request that can be wrong, in the order a person
    // would fix it: the action, the room, the right to act, the target.
    std::optional<Checked> check() {
        const v1::ModerationAction action = r_.action();
        if (!v1::ModerationAction_IsValid(action) || action == v1::MODERATION_ACTION_UNSPECIFIED) {
            refuse(v1::ERROR_CODE_INVALID_MODERATION,
                   "unknown moderation action " + std::to_string(action));
            return std::nullopt;
        }
        Checked c;
        if (r_.room().empty()) {
            if (!takesAnyKind(action)) {
                refuse(v1::ERROR_CODE_INVALID_MODERATION, "a room is needed to be " +
                                                              std::string(actionName(action)) +
                                                              "; only bans are hub-wide");
                return std::nullopt;
            }
            if (!moderation_.hubOperator(s_)) {
                refuse(v1::ERROR_CODE_NOT_OPERATOR,
                       "only hub operators keep the hub-wide ban list");
                return std::nullopt;
            }
        } else {
            std::optional<protocol::ProtocolError> invalid;
            c.room = rooms_.lookup(r_.room(), invalid);
            if (invalid) {
                refuse(v1::ERROR_CODE_INVALID_ROOM, invalid->text);
                return std::nullopt;
            }
            if (c.room == nullptr) {
                refuse(v1::ERROR_CODE_INVALID_ROOM, "there is no room " + r_.room());
                return std::nullopt;
            }
            if (!moderation_.roomOperator(s_, *c.room)) {
                outbox_.error(s_, v1::ERROR_CODE_NOT_OPERATOR,
                              "you are not an operator of " + c.room->name + "; " +
                                  std::string(actionName(action)) + " needs one",
                              c.room->name);
                return std::nullopt;
            }
        }
        const std::string_view roomName = c.room ? std::string_view(c.room->name) : r_.room();
        auto invalid = [&](std::string text) {
            outbox_.error(s_, v1::ERROR_CODE_INVALID_MODERATION, text, roomName);
            return std::nullopt;
        };
        if (r_.expiry_seconds() != 0 && action != v1::MODERATION_ACTION_BAN) {
            return invalid("only a ban takes an expiry");
        }
        if (r_.expiry_seconds() > kMaxExpirySeconds) {
            return invalid("expiry of " + std::to_string(r_.expiry_seconds()) + " s; the most is " +
                           std::to_string(kMaxExpirySeconds) + " (or 0: until unbanned)");
        }
        if (auto error =
                protocol::checkOptionalText(r_.reason(), protocol::kMaxReasonBytes, "reason")) {
            outbox_.error(s_, v1::ERROR_CODE_INVALID_TEXT, error->text, roomName);
            return std::nullopt;
        }
        if (!needsTarget(action)) {
            if (!r_.target().empty()) {
                return invalid(std::string(actionName(action)) + " takes no target");
            }
            return c;
        }
        if (!v1::TargetKind_IsValid(r_.target_kind())) {
            return invalid("unknown target kind " + std::to_string(r_.target_kind()));
        }
        c.kind = static_cast<BanKind>(r_.target_kind());
        if (c.kind != BanKind::Nick && !takesAccount(action)) {
            return invalid(std::string(actionName(action)) + " takes a nick");
        }
        if (c.kind == BanKind::Address && !takesAnyKind(action)) {
            return invalid("only a ban takes an address");
        }
        if (r_.target().empty()) {
            return invalid("no target: name a " + std::string(kindName(c.kind)));
        }
        if (c.kind == BanKind::Address) {
            Poco::Net::IPAddress address;
            if (!Poco::Net::IPAddress::tryParse(r_.target(), address)) {
                return invalid("target is not an IP address: " + r_.target().substr(0, 64));
            }
            c.target = address.toString();
            // An address ban removes the members it matches: a room
            // operator (anyone who creates a room) could learn who is behind
            // an address by banning addresses one by one. Addresses stay
            // with hub operators.
            if (c.room != nullptr && !moderation_.hubOperator(s_)) {
                outbox_.error(s_, v1::ERROR_CODE_NOT_OPERATOR,
                              "only hub operators ban or unban addresses (a room's ban would "
                              "tell who is behind one); ban the nick or the account",
                              c.room->name);
                return std::nullopt;
            }
        } else {
            if (auto error = protocol::checkNick(r_.target())) {
                return invalid("target " + std::string(kindName(c.kind)) + ": " + error->text);
            }
            c.target = Moderation::fold(r_.target());
        }
        return c;
    }

    // The connected session the nick target names, or an Error.
    Session* targetSession() {
        Session* target = sessions_.findNick(r_.target());
        if (target == nullptr) {
            refuse(v1::ERROR_CODE_NO_SUCH_NICK, "no one is called " + r_.target());
        }
        return target;
    }

    // A room operator may not act against a hub operator.
    bool shielded(const Session& target) {
        if (&target != &s_ && moderation_.hubOperator(target) && !moderation_.hubOperator(s_)) {
            outbox_.error(s_, v1::ERROR_CODE_NOT_OPERATOR,
                          target.who.nick() + " is a hub operator; only a hub operator may " +
                              "act against one",
                          c_.room->name);
            return true;
        }
        return false;
    }

    std::string subject() const { return std::string(kindName(c_.kind)) + " " + c_.target; }

    void logAction(std::string_view what, std::string_view whom) {
        std::string line = "moderation: " + SessionTable::describe(s_) + " " + std::string(what) +
                           " " + std::string(whom) +
                           (c_.room ? " in " + c_.room->name : std::string(" hub-wide"));
        if (r_.expiry_seconds() > 0) {
            line += " for " + std::to_string(r_.expiry_seconds()) + " s";
        }
        if (!r_.reason().empty()) {
            line += ": " + r_.reason();
        }
        log_.information(line);
    }

    // To the room; and to the operator too when it is not in the room.
    void announce(v1::PresenceKind kind, const std::vector<std::string>& nicks) {
        Room& room = *c_.room;
        presence_.moderation(room, kind, nicks, s_.who.nick(), r_.reason(), gate_, outbox_);
        if (s_.rooms.find(&room) == SessionRooms::npos) {
            presence_.tellModeration(s_, room.name, kind, nicks, s_.who.nick(), r_.reason(),
                                     outbox_);
        }
    }

    void remove(Session& target, std::size_t slot, v1::PresenceKind kind) {
        removeFromRoom(target, *c_.room, slot, kind, s_.who.nick(), r_.reason(), rooms_, presence_,
                       outbox_);
    }

    // Bans, unbans, mutes, op/deop, invites and modes go across the
    // cluster (a kick goes across while the backplane is up: kick()). Of
    // those naming an account (the cluster's: docs/CLUSTER.md "Accounts
    // across hubs"), bans, unbans, ops and deops go across.
    bool acrossHubs() const {
        const v1::ModerationAction a = r_.action();
        const bool byAccount = a == v1::MODERATION_ACTION_BAN || a == v1::MODERATION_ACTION_UNBAN ||
                               a == v1::MODERATION_ACTION_OP || a == v1::MODERATION_ACTION_DEOP;
        return backplane_ != nullptr && a != v1::MODERATION_ACTION_KICK &&
               (c_.kind != BanKind::Account || byAccount);
    }

    // The nick (as shown) of the member of the room that the request names,
    // on this hub (not shielded) or another; nullopt: refused.
    std::optional<std::string> clusterMember(bool shieldedToo) {
        if (Session* target = sessions_.findNick(r_.target())) {
            if (target->rooms.find(c_.room) == SessionRooms::npos) {
                refuse(v1::ERROR_CODE_NOT_IN_ROOM,
                       target->who.nick() + " is not in " + c_.room->name);
                return std::nullopt;
            }
            if (shieldedToo && shielded(*target)) {
                return std::nullopt;
            }
            return target->who.nick();
        }
        if (auto nick = backplane_->otherMember(c_.room->name, c_.target)) {
            return nick;
        }
        refuse(v1::ERROR_CODE_NO_SUCH_NICK,
               "no one in " + c_.room->name + " is called " + r_.target());
        return std::nullopt;
    }

    // True (refused CLUSTER_UNAVAILABLE) when the change cannot reach the
    // other hubs now.
    bool refuseBackplaneDown() {
        if (backplane_->up()) {
            return false;
        }
        refuse(v1::ERROR_CODE_CLUSTER_UNAVAILABLE,
               "this hub cannot reach the cluster's backplane (Redis): not " +
                   std::string(actionName(r_.action())) + ", try again in a moment");
        return true;
    }

    // `record` of `field` to every hub (this one too), which carries it out
    // when Redis publishes it (Hub::backplaneState).
    // `shown`: the target as the room is shown it (mutes, ops, invites);
    // empty: as stored.
    void toCluster(std::string field, StateMode mode, std::string_view what,
                   std::string_view shown = {}) {
        v1::BanEntry record;
        record.set_kind(static_cast<v1::TargetKind>(c_.kind));
        record.set_target(shown.empty() ? c_.target : std::string(shown));
        record.set_set_by(s_.who.nick());
        record.set_reason(r_.reason());
        record.set_set_ms(nowMs_);
        record.set_expires_ms(newBan().expiresMs);
        backplane_->writeState(std::move(field), record.SerializeAsString(), mode, s_.id);
        logAction(what, subject());
    }

    void kick() {
        if (sessions_.findNick(r_.target()) == nullptr && backplane_ != nullptr) {
            if (auto nick = backplane_->otherMember(c_.room->name, c_.target)) {
                // Its hub removes it; the operator's right was checked here.
                if (refuseBackplaneDown()) {
                    return;
                }
                toCluster(ClusterState::kickField(c_.room->name, *nick), StateMode::Publish,
                          "kicked (on another hub)");
                return;
            }
        }
        Session* target = targetSession();
        if (target == nullptr || shielded(*target)) {
            return;
        }
        const std::size_t slot = target->rooms.find(c_.room);
        if (slot == SessionRooms::npos) {
            refuse(v1::ERROR_CODE_NOT_IN_ROOM, target->who.nick() + " is not in " + c_.room->name);
            return;
        }
        const std::string nick = target->who.nick();
        if (backplane_ != nullptr && backplane_->up()) {
            // One path for every kick in a cluster: carried out (and its
            // KICKED published to the other hubs) when Redis publishes it.
            toCluster(ClusterState::kickField(c_.room->name, nick), StateMode::Publish, "kicked");
            return;
        }
        logAction("kicked", nick);
        remove(*target, slot, v1::PRESENCE_KIND_KICKED);
        announce(v1::PRESENCE_KIND_KICKED, {nick});
    }

    bool matchesSelf() const {
        StoredBan probe{{}, c_.kind, c_.target, {}, {}, 0, 0};
        return Moderation::matches(probe, s_.who.nick(), Registry::addressOf(s_.peer),
                                   s_.profile.account, 0);
    }

    StoredBan newBan() const {
        const std::int64_t expires =
            r_.expiry_seconds() == 0
                ? 0
                : nowMs_ + static_cast<std::int64_t>(r_.expiry_seconds()) * 1000;
        return StoredBan{{}, c_.kind, c_.target, s_.who.nick(), r_.reason(), nowMs_, expires};
    }

    void ban() {
        if (matchesSelf()) {
            refuse(v1::ERROR_CODE_INVALID_MODERATION, "that ban (" + subject() + ") matches you");
            return;
        }
        if (acrossHubs()) {
            toCluster(ClusterState::banField(c_.room ? c_.room->name : "", c_.kind, c_.target),
                      StateMode::Set, "banned");
            return;
        }
        StoredBan entry = newBan();
        if (c_.room == nullptr) {
            hubBan(std::move(entry));
            return;
        }
        logAction("banned", subject());
        std::vector<std::string> nicks =
            banFromRoom(*c_.room, std::move(entry), r_.reason(), rooms_, moderation_, presence_,
                        outbox_, nowMs_);
        // The room sees the nicks the ban removed, or the nick or account it
        // names; never an address (Whois never tells one): that goes to the
        // operator alone.
        if (nicks.empty() && c_.kind != BanKind::Address) {
            nicks.push_back(r_.target());
        }
        if (!nicks.empty()) {
            announce(v1::PRESENCE_KIND_BANNED, nicks);
        }
        if (c_.kind == BanKind::Address) {
            presence_.tellModeration(s_, c_.room->name, v1::PRESENCE_KIND_BANNED, {c_.target},
                                     s_.who.nick(), r_.reason(), outbox_);
        }
    }

    void hubBan(StoredBan entry) {
        logAction("banned", subject());
        banFromHub(std::move(entry), sessions_, moderation_, outbox_, log_, nowMs_);
        presence_.tellModeration(s_, {}, v1::PRESENCE_KIND_BANNED, {c_.target}, s_.who.nick(),
                                 r_.reason(), outbox_);
    }

    bool banned() {
        for (const StoredBan& ban : moderation_.bans(c_.room, nowMs_)) {
            if (ban.kind == c_.kind && ban.target == c_.target) {
                return true;
            }
        }
        return false;
    }

    void unban() {
        const std::string field =
            ClusterState::banField(c_.room ? c_.room->name : "", c_.kind, c_.target);
        // A lapsed ban still in hermes:state may be deleted from it.
        if (acrossHubs() && (banned() || (cluster_ != nullptr && cluster_->holds(field)))) {
            toCluster(field, StateMode::Delete, "unbanned");
            return;
        }
        if (!moderation_.unban(c_.room, c_.kind, c_.target, nowMs_)) {
            refuse(v1::ERROR_CODE_NO_SUCH_BAN,
                   "no ban on " + subject() +
                       (c_.room ? " in " + c_.room->name : std::string(" hub-wide")));
            return;
        }
        logAction("unbanned", subject());
        if (c_.room == nullptr || c_.kind == BanKind::Address) {
            presence_.tellModeration(s_, c_.room ? std::string_view(c_.room->name) : "",
                                     v1::PRESENCE_KIND_UNBANNED, {c_.target}, s_.who.nick(),
                                     r_.reason(), outbox_);
            return;
        }
        announce(v1::PRESENCE_KIND_UNBANNED, {r_.target()});
    }

    void mute(bool on) {
        if (acrossHubs()) {
            if (auto nick = clusterMember(true)) {
                toCluster(
                    ClusterState::memberField(ClusterState::Kind::Mute, c_.room->name, c_.target),
                    on ? StateMode::Set : StateMode::Delete, on ? "muted" : "unmuted", *nick);
            }
            return;
        }
        Session* target = targetSession();
        if (target == nullptr || shielded(*target)) {
            return;
        }
        if (target->rooms.find(c_.room) == SessionRooms::npos) {
            refuse(v1::ERROR_CODE_NOT_IN_ROOM, target->who.nick() + " is not in " + c_.room->name);
            return;
        }
        moderation_.setMuted(*c_.room, *target, on);
        logAction(on ? "muted" : "unmuted", target->who.nick());
        announce(on ? v1::PRESENCE_KIND_MUTED : v1::PRESENCE_KIND_UNMUTED, {target->who.nick()});
    }

    void op(bool on) {
        if (acrossHubs() && c_.kind == BanKind::Account) {
            // Its sessions on every hub, now and when they sign in.
            toCluster(
                ClusterState::memberField(ClusterState::Kind::OpAccount, c_.room->name, c_.target),
                on ? StateMode::Set : StateMode::Delete, on ? "made operator" : "removed operator",
                r_.target());
            return;
        }
        if (acrossHubs()) {
            if (auto nick = clusterMember(!on)) {
                toCluster(
                    ClusterState::memberField(ClusterState::Kind::Op, c_.room->name, c_.target),
                    on ? StateMode::Set : StateMode::Delete,
                    on ? "made operator" : "removed operator", *nick);
            }
            return;
        }
        std::string shown = r_.target();
        if (c_.kind == BanKind::Account) {
            moderation_.setOperatorAccount(*c_.room, c_.target, on);
        } else {
            Session* target = targetSession();
            if (target == nullptr || (!on && shielded(*target))) {
                return;
            }
            moderation_.setOperator(*c_.room, *target, on);
            shown = target->who.nick();
        }
        logAction(on ? "made operator" : "removed operator", subject());
        announce(on ? v1::PRESENCE_KIND_OPPED : v1::PRESENCE_KIND_DEOPPED, {shown});
    }

    void invite() {
        if (acrossHubs()) {
            toCluster(
                ClusterState::memberField(ClusterState::Kind::Invite, c_.room->name, c_.target),
                StateMode::Set, "invited", r_.target());
            return;
        }
        moderation_.invite(*c_.room, c_.target);
        logAction("invited", r_.target());
        announce(v1::PRESENCE_KIND_INVITED, {r_.target()});
        // The invited learn of it, if they are here and not in the room.
        Session* target = sessions_.findNick(r_.target());
        if (target != nullptr && target != &s_ &&
            target->rooms.find(c_.room) == SessionRooms::npos) {
            presence_.tellModeration(*target, c_.room->name, v1::PRESENCE_KIND_INVITED,
                                     {target->who.nick()}, s_.who.nick(), r_.reason(), outbox_);
        }
    }

    void setMode() {
        if (acrossHubs()) {
            modeToCluster();
            return;
        }
        const v1::ModerationAction a = r_.action();
        if (a == v1::MODERATION_ACTION_LOCK_TOPIC || a == v1::MODERATION_ACTION_UNLOCK_TOPIC) {
            moderation_.setTopicLocked(*c_.room, a == v1::MODERATION_ACTION_LOCK_TOPIC);
        } else {
            moderation_.setInviteOnly(*c_.room, a == v1::MODERATION_ACTION_INVITE_ONLY);
        }
        modeChanged();
    }

    void modeToCluster() {
        const v1::ModerationAction a = r_.action();
        const bool lock =
            a == v1::MODERATION_ACTION_LOCK_TOPIC || a == v1::MODERATION_ACTION_UNLOCK_TOPIC;
        const bool on =
            a == v1::MODERATION_ACTION_LOCK_TOPIC || a == v1::MODERATION_ACTION_INVITE_ONLY;
        toCluster(ClusterState::modeField(
                      c_.room->name, lock ? ClusterState::kTopicLocked : ClusterState::kInviteOnly),
                  on ? StateMode::Set : StateMode::Delete, "set " + std::string(actionName(a)));
        if (a == v1::MODERATION_ACTION_OPEN) {
            dropInvites();
        }
    }

    // Opening a room drops its invites on every hub (as on a hub alone);
    // their fields go too, or a hub reading hermes:state later (a restart,
    // a new hub) would take them again and admit the invited there alone
    // once the room is invite-only again.
    void dropInvites() {
        v1::BanEntry record;
        record.set_set_by(s_.who.nick());
        const std::string serialized = record.SerializeAsString();
        for (const std::string& nick : Moderation::invites(*c_.room)) {
            backplane_->writeState(
                ClusterState::memberField(ClusterState::Kind::Invite, c_.room->name, nick),
                serialized, StateMode::Delete, s_.id);
        }
    }

    void modeChanged() {
        const std::string_view what = actionName(r_.action());
        logAction("set", what);
        Room& room = *c_.room;
        // The mode is the Presence's reason; the operator's reason, if any, follows it.
        std::string text(what);
        if (!r_.reason().empty()) {
            text += ": " + r_.reason();
        }
        presence_.moderation(room, v1::PRESENCE_KIND_MODE_CHANGED, {}, s_.who.nick(), text, gate_,
                             outbox_);
        if (s_.rooms.find(&room) == SessionRooms::npos) {
            presence_.tellModeration(s_, room.name, v1::PRESENCE_KIND_MODE_CHANGED, {},
                                     s_.who.nick(), text, outbox_);
        }
    }

    Session& s_;
    const v1::ModerationRequest& r_;
    SessionTable& sessions_;
    RoomTable& rooms_;
    Moderation& moderation_;
    Presence& presence_;
    DurabilityGate& gate_;
    Outbox& outbox_;
    Poco::Logger& log_;
    Backplane* backplane_;         // in a cluster: bans and kicks go through it
    const ClusterState* cluster_;  // in a cluster: the bans this hub holds from it
    const std::int64_t nowMs_;
    Checked c_;
};

std::string banText(const StoredBan& ban) {
    std::string text = "you are banned from this hub by " + ban.setBy;
    if (!ban.reason.empty()) {
        text += ": " + ban.reason;
    }
    return text;
}

}  // namespace

void onModeration(Session& s, const v1::ModerationRequest& request, SessionTable& sessions,
                  RoomTable& rooms, Moderation& moderation, Presence& presence,
                  DurabilityGate& gate, Outbox& outbox, const HubFacts& facts, Poco::Logger& log,
                  Backplane* backplane, const ClusterState* cluster) {
    Handler(s, request, sessions, rooms, moderation, presence, gate, outbox, facts, log, backplane,
            cluster)
        .run();
}

void removeFromRoom(Session& target, Room& room, std::size_t slot, v1::PresenceKind kind,
                    std::string_view by, std::string_view reason, RoomTable& rooms,
                    Presence& presence, Outbox& outbox) {
    presence.tellPending(target, room, outbox);
    presence.tellModeration(target, room.name, kind, {target.who.nick()}, by, reason, outbox);
    rooms.leave(target, slot);
}

std::vector<std::string> banFromRoom(Room& room, StoredBan ban, std::string_view reason,
                                     RoomTable& rooms, Moderation& moderation, Presence& presence,
                                     Outbox& outbox, std::int64_t nowMs) {
    // Who it names in the room now leaves it; a hub operator stays.
    std::vector<Session*> removed;
    for (const Member& member : room.members) {
        Session& m = *member.session;
        if (Moderation::matches(ban, m.who.nick(), Registry::addressOf(m.peer), m.profile.account,
                                nowMs) &&
            !moderation.hubOperator(m)) {
            removed.push_back(&m);
        }
    }
    const std::string by = ban.setBy;
    moderation.ban(&room, std::move(ban));
    std::vector<std::string> nicks;
    for (Session* m : removed) {
        nicks.push_back(m->who.nick());
        removeFromRoom(*m, room, m->rooms.find(&room), v1::PRESENCE_KIND_BANNED, by, reason, rooms,
                       presence, outbox);
    }
    return nicks;
}

void banFromHub(StoredBan ban, SessionTable& sessions, Moderation& moderation, Outbox& outbox,
                Poco::Logger& log, std::int64_t nowMs) {
    std::vector<Session*> closing;
    sessions.forEach([&](Session& m) {
        if (m.who.welcomed() &&
            Moderation::matches(ban, m.who.nick(), Registry::addressOf(m.peer), m.profile.account,
                                nowMs) &&
            !moderation.hubOperator(m)) {
            closing.push_back(&m);
        }
    });
    std::string text = "banned from the hub by " + ban.setBy;
    if (!ban.reason.empty()) {
        text += ": " + ban.reason;
    }
    const std::string subject = std::string(kindName(ban.kind)) + " " + ban.target;
    moderation.ban(nullptr, std::move(ban));
    for (Session* m : closing) {
        log.information("moderation: closing " + SessionTable::describe(*m) + ": hub-wide ban on " +
                        subject);
        closeFatally(*m, v1::ERROR_CODE_HUB_BANNED, text, CloseReason::HubBanned, sessions, outbox);
    }
}

void onBanList(Session& s, const v1::BanListRequest& request, const RoomTable& rooms,
               Moderation& moderation, Outbox& outbox, const HubFacts& facts) {
    Room* room = nullptr;
    if (request.room().empty()) {
        if (!moderation.hubOperator(s)) {
            outbox.error(s, v1::ERROR_CODE_NOT_OPERATOR,
                         "only hub operators may see the hub-wide ban list");
            return;
        }
    } else {
        std::optional<protocol::ProtocolError> invalid;
        room = rooms.lookup(request.room(), invalid);
        if (invalid) {
            outbox.error(s, v1::ERROR_CODE_INVALID_ROOM, invalid->text, request.room());
            return;
        }
        if (room == nullptr) {
            outbox.error(s, v1::ERROR_CODE_INVALID_ROOM, "there is no room " + request.room(),
                         request.room());
            return;
        }
        // Bans name addresses: operators only.
        if (!moderation.roomOperator(s, *room)) {
            outbox.error(s, v1::ERROR_CODE_NOT_OPERATOR,
                         "you are not an operator of " + room->name + "; its bans are theirs",
                         room->name);
            return;
        }
    }
    const std::vector<StoredBan>& bans = moderation.bans(room, facts.wallClock());
    outbox.reply(s, [&](v1::Envelope& out) {
        auto* list = out.mutable_ban_list();
        list->set_room(room ? room->name : std::string());
        for (const StoredBan& ban : bans) {
            auto* entry = list->add_bans();
            entry->set_kind(static_cast<v1::TargetKind>(ban.kind));
            entry->set_target(ban.target);
            entry->set_set_by(ban.setBy);
            entry->set_reason(ban.reason);
            entry->set_set_ms(ban.setMs);
            entry->set_expires_ms(ban.expiresMs);
        }
    });
}

bool refuseHubBanned(Session& s, std::string_view nick, const Moderation& moderation,
                     SessionTable& sessions, Outbox& outbox, const HubFacts& facts,
                     Poco::Logger& log) {
    if (moderation.hubOperator(s)) {
        return false;
    }
    const StoredBan* ban =
        moderation.hubBan(nick, Registry::addressOf(s.peer), s.profile.account, facts.wallClock());
    if (ban == nullptr) {
        return false;
    }
    log.information("moderation: refused " + SessionTable::describe(s) + " as " +
                    std::string(nick) + ": hub-wide ban on " + std::string(kindName(ban->kind)) +
                    " " + ban->target);
    closeFatally(s, v1::ERROR_CODE_HUB_BANNED, banText(*ban), CloseReason::HubBanned, sessions,
                 outbox);
    return true;
}

bool refuseBannedNick(Session& s, const v1::SetNick& request, const Moderation& moderation,
                      Outbox& outbox, const HubFacts& facts) {
    if (moderation.hubOperator(s)) {
        return false;
    }
    const StoredBan* ban = moderation.hubBan(request.nick(), {}, {}, facts.wallClock());
    if (ban == nullptr || ban->kind != BanKind::Nick) {
        return false;
    }
    outbox.error(s, v1::ERROR_CODE_HUB_BANNED,
                 "nick " + request.nick() + " is banned from this hub; choose another");
    return true;
}

}  // namespace hermes::hub

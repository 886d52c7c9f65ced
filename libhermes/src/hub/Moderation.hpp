#pragma once
// Moderation: who may moderate, and what moderation keeps. The only writer
// of each room's moderation part (modes, operators, mutes, invites, bans:
// Room.hpp) and of the hub-wide ban list, and the one user of the
// ModerationStore, which it writes through on every change so that bans,
// room modes and operators by account survive a restart.
//
// Roles (docs/PROTOCOL.md "Moderation"):
//   hub operator   a session signed in to an account named in hub.operators;
//                  operator of every room, and keeps the hub-wide ban list
//   room operator  the session that created the room (not the default room),
//                  and whoever an operator promotes: by account when signed
//                  in (stored), else for that session's life
//
// Bans lapse by themselves: an expired ban matches no one and is dropped
// (and deleted from the store) the next time its list is read.
//
// Threading: none; the hub's thread.

#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <Poco/Logger.h>

#include "Room.hpp"
#include "Session.hpp"
#include "hermes/hub/HistoryStore.hpp"
#include "hermes/hub/HubConfig.hpp"
#include "hermes/hub/ModerationStore.hpp"
#include "hermes/v1/hermes.pb.h"

namespace hermes::hub {

class RoomTable;

class Moderation {
public:
    // `store` may be null: moderation is kept in memory only.
    Moderation(const HubConfig& config, std::unique_ptr<ModerationStore> store, Poco::Logger& log);
    Moderation(const Moderation&) = delete;
    Moderation& operator=(const Moderation&) = delete;

    // What the store remembers; the rooms it names are created if the
    // history store did not know them.
    void restore(RoomTable& rooms, const HistoryStore& history, std::int64_t nowMs);
    bool persistent() const { return store_ != nullptr; }

    // --- roles ------------------------------------------------------------------------

    bool hubOperator(const Session& s) const;
    // hub.operators changed (Hub::reload): takes effect at each session's
    // next request, as hubOperator() is asked then.
    void setHubOperators(const std::vector<std::string>& accounts);
    bool roomOperator(const Session& s, const Room& room) const;

    // --- checks -----------------------------------------------------------------------

    struct Refusal {
        v1::ErrorCode code;
        std::string text;
    };
    // May `s` join the room `canonical` (`room` null: it does not exist
    // yet)? Banned, or invite-only without an invite: refused. An invite is
    // used up here.
    std::optional<Refusal> admitJoin(const Session& s, std::string_view canonical, Room* room,
                                     std::int64_t nowMs);
    // After `s` joined: the creator of a new room becomes its operator; a
    // muted account is muted again.
    void joined(const Session& s, Room& room, bool created, std::string_view defaultRoom);
    // The hub-wide ban on that nick, address or account (empty: none), or nullptr.
    const StoredBan* hubBan(std::string_view nick, std::string_view address,
                            std::string_view account, std::int64_t nowMs) const;
    // The ban of `room` that `s` falls under, or nullptr.
    const StoredBan* roomBan(const Room& room, const Session& s, std::int64_t nowMs) const;
    // Does `ban` name `s`?
    static bool matches(const StoredBan& ban, std::string_view nick, std::string_view address,
                        std::string_view account, std::int64_t nowMs);

    // --- changes (each written through to the store) ---------------------------------

    // `room` null: hub-wide. Replaces a ban of the same kind and target.
    void ban(Room* room, StoredBan ban);
    // False when there was no such ban in force.
    bool unban(Room* room, BanKind kind, const std::string& target, std::int64_t nowMs);
    // The bans in force, oldest first (lapsed ones dropped).
    const std::vector<StoredBan>& bans(Room* room, std::int64_t nowMs);

    void setMuted(Room& room, const Session& target, bool muted);
    // By session, or by account when it is signed in (stored).
    void setOperator(Room& room, const Session& target, bool on);
    void setOperatorAccount(Room& room, const std::string& account, bool on);
    void invite(Room& room, std::string_view nick);
    // An invite used up on another hub of the cluster (ClusterRoomModes.cpp).
    void uninvite(Room& room, std::string_view nick);
    static bool invited(const Room& room, std::string_view nick);
    // The nicks (folded) invited to `room` and not yet admitted.
    static const std::set<std::string>& invites(const Room& room);
    void setTopicLocked(Room& room, bool locked);
    void setInviteOnly(Room& room, bool inviteOnly);

    // The bans this hub applied from the cluster (clusterVersion > 0),
    // hub-wide and of every room: at start, so that the first read of the
    // cluster's state lifts those Redis no longer has.
    std::vector<StoredBan> clusterBans(const RoomTable& rooms) const;

    // Nicks and accounts compare in ASCII lower case.
    static std::string fold(std::string_view name);

private:
    void prune(std::vector<StoredBan>& bans, std::int64_t nowMs);
    void storeModes(const Room& room);

    std::set<std::string> hubOperators_;  // hub.operators, folded
    std::unique_ptr<ModerationStore> store_;
    Poco::Logger& log_;
    std::vector<StoredBan> hubBans_;  // oldest first
};

}  // namespace hermes::hub

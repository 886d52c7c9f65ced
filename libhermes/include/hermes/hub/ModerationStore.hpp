#pragma once
// Where the hub keeps what moderation must remember across its restarts:
// bans (room and hub-wide), room modes (topic lock, invite-only) and room
// operators by account. The hub's Moderation component holds all of it in
// memory and writes each change through here; at start it reads it back.
// Without a store (history.persist = false) moderation lives in memory and
// is gone at exit.
//
// Mutes, invites and operators by session are not stored: they end with the
// session (docs/PROTOCOL.md "Moderation").
//
// Threading: the hub's thread only; writes are rare (an operator's action)
// and synchronous.

#include <cstdint>
#include <string>
#include <vector>

namespace hermes::hub {

// The values of v1::TargetKind.
enum class BanKind : std::uint8_t { Nick = 0, Account = 1, Address = 2 };

struct StoredBan {
    std::string room;  // canonical; empty: hub-wide
    BanKind kind = BanKind::Nick;
    std::string target;  // nicks and accounts in ASCII lower case; addresses as the hub sees them
    std::string setBy;
    std::string reason;
    std::int64_t setMs = 0;
    std::int64_t expiresMs = 0;  // 0: never
    // The version of hermes:state this ban was applied at, when it came
    // from the cluster (docs/CLUSTER.md); 0: this hub's own ban.
    std::uint64_t clusterVersion = 0;
};

struct StoredRoomModes {
    std::string room;  // canonical
    bool topicLocked = false;
    bool inviteOnly = false;
};

struct StoredRoomOperator {
    std::string room;     // canonical
    std::string account;  // ASCII lower case
};

struct StoredModeration {
    std::vector<StoredBan> bans;
    std::vector<StoredRoomModes> modes;
    std::vector<StoredRoomOperator> operators;
};

class ModerationStore {
public:
    virtual ~ModerationStore() = default;
    // Everything stored; bans already expired at `nowMs` are dropped.
    virtual StoredModeration load(std::int64_t nowMs) = 0;
    // Replaces a ban of the same room, kind and target.
    virtual void putBan(const StoredBan& ban) = 0;
    virtual void removeBan(const std::string& room, BanKind kind, const std::string& target) = 0;
    virtual void putModes(const StoredRoomModes& modes) = 0;
    virtual void putOperator(const StoredRoomOperator& op) = 0;
    virtual void removeOperator(const StoredRoomOperator& op) = 0;
    // For the log line at start: "/var/lib/hermes/history.db".
    virtual std::string describe() const = 0;
};

}  // namespace hermes::hub

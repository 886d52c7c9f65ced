#pragma once
// The cluster's room state (docs/CLUSTER.md "Topics, bans and kicks across
// hubs"): how a topic, a ban or a kick is named in Redis (the field of
// hermes:state, or of a hermes:statenote notice), and which record of each
// field this hub applied last. Records are applied in Redis's order: each
// change gets a version from one counter (hermes:statever) in the script
// that stores and publishes it, and a hub applies a field's record only if
// its version is newer than the one it applied; the read of the whole hash
// at a reconnect carries the version it was taken at, so a notice that
// overtakes it is neither reverted nor lifted by it (loaded()).
//
// Fields (ROOM canonical; "*" the hub-wide list; KIND the TargetKind number,
// nick, account or address;
// TARGET folded as Moderation keeps it):
//   topic ROOM               record: v1::Topic
//   ban ROOM KIND TARGET     record: v1::BanEntry (deleted: unbanned; set_by the unbanner)
//   kick ROOM NICK           record: v1::BanEntry (set_by, reason); never stored
//   mute ROOM NICK           record: v1::BanEntry (target the nick as shown); deleted: unmuted
//   op ROOM NICK             record: v1::BanEntry (target the nick as shown); deleted: deopped
//   opaccount ROOM ACCOUNT   record: v1::BanEntry (target the account as given); deleted:
//                            deopped (an op by account: its sessions on every hub)
//   invite ROOM NICK         record: v1::BanEntry (target the nick as shown); deleted: used up
//   mode ROOM MODE           MODE "topic-locked" or "invite-only"; record: v1::BanEntry
//                            (set_by, reason); deleted: the mode is off
//   account NICKKEY          an account of the cluster (protocol::nickKey of its name);
//                            record: "NAME\nHASH" (as registered; its Argon2id string);
//                            never deleted
//                            (docs/CLUSTER.md "Accounts across hubs")
// (NICK folded as Moderation keeps it.)
//
// Owns its map of versions. Threading: none; the hub's thread.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hermes/hub/BackplaneEntry.hpp"
#include "hermes/hub/ModerationStore.hpp"

namespace hermes::hub {

class ClusterState {
public:
    enum class Kind { Topic, Ban, Kick, Mute, Op, OpAccount, Invite, Mode, Account };
    struct Field {
        Kind kind = Kind::Topic;
        std::string room;  // canonical; "" for the hub-wide ban list
        BanKind banKind = BanKind::Nick;
        std::string target;  // Ban: as Moderation keeps it; Kick, Mute, Op, Invite: the
                             // nick; Mode: the mode's name
    };
    static constexpr std::string_view kTopicLocked = "topic-locked";
    static constexpr std::string_view kInviteOnly = "invite-only";

    static std::string topicField(std::string_view room);
    // `room` "": hub-wide.
    static std::string banField(std::string_view room, BanKind kind, std::string_view target);
    static std::string kickField(std::string_view room, std::string_view nick);
    // Kind::Mute, Op or Invite: `nick` folded; Kind::OpAccount: the account, folded.
    static std::string memberField(Kind kind, std::string_view room, std::string_view nick);
    // `mode`: kTopicLocked or kInviteOnly.
    static std::string modeField(std::string_view room, std::string_view mode);
    // `nickKey`: protocol::nickKey of the account's name.
    static std::string accountField(std::string_view nickKey);
    // nullopt: not a field this hub knows (logged by the caller, ignored).
    static std::optional<Field> parse(std::string_view field);

    // A notice: true when it is newer than what this hub applied of its
    // field. Kicks are not versioned (always true).
    bool newer(const BackplaneState& state) const;
    // `state` was applied (after the apply succeeded: one that threw is
    // tried again at the next read of the hash). Kicks are not recorded.
    void applied(const BackplaneState& state);
    // A read of hermes:state is asked for (the backplane is back): every
    // version applied so far was written before it.
    void reading();
    // A read of hermes:state (`stored`) taken when hermes:statever was
    // `snapshotVersion` (one script: the two agree). The records to apply:
    // those newer than this hub applied, and, as deletions (version
    // `snapshotVersion`), the fields this hub holds that Redis no longer
    // has, if applied at or before the snapshot (a notice that overtook the
    // read is newer than it, and kept). A snapshot below the highest version
    // this hub applied before it asked (reading()) means Redis lost its data: what this hub applied
    // is forgotten and the snapshot is the truth. Call applied() for each.
    std::vector<BackplaneState> loaded(std::uint64_t snapshotVersion,
                                       const std::vector<BackplaneState>& stored);
    // A ban (or topic) this hub holds from the cluster (lapsed or not).
    bool holds(const std::string& field) const;
    // At start: a record this hub applied before it stopped (kept in its
    // moderation store with its version), so that the first read of the
    // hash lifts it if Redis no longer has it.
    void remember(const std::string& field, std::uint64_t version);

private:
    struct Applied {
        std::uint64_t version = 0;
        bool present = false;  // a record, not a deletion
    };
    std::map<std::string, Applied> applied_;  // by field
    std::uint64_t highest_ = 0;               // the highest version applied
    std::uint64_t beforeRead_ = 0;            // highest_ when the last read was asked
};

}  // namespace hermes::hub

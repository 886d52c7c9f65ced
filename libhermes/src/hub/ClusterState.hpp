#pragma once
// The cluster's room state (docs/CLUSTER.md "Topics, bans and kicks across
// hubs"): how a topic, a ban or a kick is named in Redis (the field of
// hermes:state, or of a hermes:statenote notice), and which record of each
// field this hub applied last. Records are applied in Redis's order: each
// change gets a version from one counter (hermes:statever) in the script
// that stores and publishes it, and a hub applies a field's record only if
// its version is newer than the one it applied (a notice that crosses a
// read of the whole hash at reconnect is applied once, the newer wins).
//
// Fields (ROOM canonical; "*" the hub-wide list; KIND the TargetKind number;
// TARGET folded as Moderation keeps it):
//   topic ROOM               record: v1::Topic
//   ban ROOM KIND TARGET     record: v1::BanEntry (deleted: unbanned; set_by the unbanner)
//   kick ROOM NICK           record: v1::BanEntry (set_by, reason); never stored
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
    enum class Kind { Topic, Ban, Kick };
    struct Field {
        Kind kind = Kind::Topic;
        std::string room;  // canonical; "" for the hub-wide ban list
        BanKind banKind = BanKind::Nick;
        std::string target;  // Ban: as Moderation keeps it; Kick: the nick
    };

    static std::string topicField(std::string_view room);
    // `room` "": hub-wide.
    static std::string banField(std::string_view room, BanKind kind, std::string_view target);
    static std::string kickField(std::string_view room, std::string_view nick);
    // nullopt: not a field this hub knows (logged by the caller, ignored).
    static std::optional<Field> parse(std::string_view field);

    // A notice: true when it is newer than what this hub applied of its
    // field (then it is the field's record now). Kicks are not versioned.
    bool newer(const BackplaneState& state);
    // A read of every stored record: the records to apply (those whose
    // version differs from this hub's: Redis's is the truth after a
    // reconnect), and, as deletions, the fields this hub holds that Redis
    // no longer has (unbanned while this hub was away).
    std::vector<BackplaneState> loaded(const std::vector<BackplaneState>& stored);

private:
    struct Applied {
        std::uint64_t version = 0;
        bool present = false;  // a record, not a deletion
    };
    std::map<std::string, Applied> applied_;  // by field
};

}  // namespace hermes::hub

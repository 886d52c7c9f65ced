#pragma once
// What a hub of a cluster knows of another hub's members for Whois, beside
// their rooms and away texts (Backplane): the sign-on time and client name
// their hub puts in a member's JOINED notice, and when this hub last
// delivered a room message of theirs (Whois idle time). Keyed by nick key.
//
//   JOINED notice's reason:  "SIGNED_ON_MS CLIENT_NAME"  (the name may be
//                            empty or hold spaces; a notice without the two
//                            is a JOINED from a repair, which tells neither)
//
// A profile is its hub's: a QUIT (or a leave from its last room) forgets
// it only when it comes from that hub (a member who moved to another hub
// keeps the new session's), a rename moves it, the next JOINED of a session
// under that nick replaces it (a repair's JOINED, without a profile, drops
// it: a session this hub knows nothing of), a JOINED of that nick on this
// hub drops it. A read of every hub's members (a start, a reconnect) drops
// them all: notices were missed meanwhile, and a profile kept then could be
// an old session's. Whois leaves the fields of a member without a profile
// empty, as it did before profiles were carried.
//
// Threading: none; the hub's thread (owned by Backplane).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "hermes/protocol/Validation.hpp"

namespace hermes::hub {

class RemoteProfiles {
public:
    struct Profile {
        std::int64_t signedOnMs = 0;  // its hub's wall clock at its Welcome
        std::string clientName;
        std::int64_t lastSpokeMs = 0;  // its newest room message delivered here (0: none)
        std::string hub;               // the hub whose JOINED told it
    };

    // The reason of a JOINED notice for a session that signed on at
    // `signedOnMs` with `clientName`.
    static std::string notice(std::int64_t signedOnMs, std::string_view clientName);
    // What notice() wrote; nullopt for any other reason (a repair's "").
    static std::optional<Profile> parse(std::string_view reason);

    // `hub`'s JOINED of `nick` with `reason`: its profile (the same session
    // joining another room keeps its last message's time); without one (a
    // repair's), what was known of that nick is dropped.
    void joined(std::string_view nick, std::string_view hub, std::string_view reason);
    // A room message of another hub's member, stamped `timeMs`.
    void spoke(std::string_view nick, std::int64_t timeMs);
    void renamed(std::string_view oldNick, std::string_view newNick);
    // `nick` is gone from `hub` (a QUIT, or a leave from its last room):
    // forgotten if its profile is that hub's.
    void gone(std::string_view nick, std::string_view hub);
    // Whatever hub told it (this hub's own member now has that nick).
    void forget(std::string_view nick) { byKey_.erase(protocol::nickKey(nick)); }
    void clear() { byKey_.clear(); }

    const Profile* find(std::string_view nick) const;
    std::size_t size() const { return byKey_.size(); }

private:
    std::unordered_map<std::string, Profile> byKey_;
};

}  // namespace hermes::hub

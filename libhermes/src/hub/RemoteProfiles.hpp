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
// A profile is forgotten when its member quits, moves with a rename, and
// is replaced by the next JOINED of a session under that nick. What a hub
// never heard (members listed by a read of Redis at its start or a
// reconnect, before their next JOINED) it does not know: Whois leaves those
// fields empty, as it did before profiles were carried.
//
// Threading: none; the hub's thread (owned by Backplane).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

namespace hermes::hub {

class RemoteProfiles {
public:
    struct Profile {
        std::int64_t signedOnMs = 0;  // its hub's wall clock at its Welcome
        std::string clientName;
        std::int64_t lastSpokeMs = 0;  // its newest room message delivered here (0: none)
    };

    // The reason of a JOINED notice for a session that signed on at
    // `signedOnMs` with `clientName`.
    static std::string notice(std::int64_t signedOnMs, std::string_view clientName);
    // What notice() wrote; nullopt for any other reason (a repair's "").
    static std::optional<Profile> parse(std::string_view reason);

    // Another hub's JOINED of `nick` with `reason`: its profile, if the
    // notice has one (a repair's JOINED keeps what was known; the same
    // session joining another room keeps its last message's time).
    void joined(std::string_view nick, std::string_view reason);
    // A room message of another hub's member, stamped `timeMs`.
    void spoke(std::string_view nick, std::int64_t timeMs);
    void renamed(std::string_view oldNick, std::string_view newNick);
    void quit(std::string_view nick);
    // A read of every hub's members: only nick keys in `connected` stay.
    void keepOnly(const std::unordered_set<std::string>& connected);

    const Profile* find(std::string_view nick) const;
    std::size_t size() const { return byKey_.size(); }

private:
    std::unordered_map<std::string, Profile> byKey_;
};

}  // namespace hermes::hub

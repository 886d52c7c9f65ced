#include "RemoteProfiles.hpp"

#include <algorithm>
#include <charconv>
#include <utility>

#include "hermes/protocol/Limits.hpp"

namespace hermes::hub {

std::string RemoteProfiles::notice(std::int64_t signedOnMs, std::string_view clientName) {
    std::string out = std::to_string(signedOnMs);
    out += ' ';
    out += clientName;
    return out;
}

std::optional<RemoteProfiles::Profile> RemoteProfiles::parse(std::string_view reason) {
    const std::size_t space = reason.find(' ');
    if (space == std::string_view::npos || space == 0) {
        return std::nullopt;
    }
    Profile profile;
    const char* first = reason.data();
    const char* last = reason.data() + space;
    const auto [end, error] = std::from_chars(first, last, profile.signedOnMs);
    if (error != std::errc() || end != last || profile.signedOnMs <= 0) {
        return std::nullopt;
    }
    const std::string_view name = reason.substr(space + 1);
    // Another hub checked it at its Hello; a name that breaks the text
    // rules here (a hub of another build) is left out, as a Hello's is.
    if (!protocol::checkOptionalText(name, protocol::kMaxClientNameBytes, "client name")) {
        profile.clientName = name;
    }
    return profile;
}

void RemoteProfiles::joined(std::string_view nick, std::string_view hub, std::string_view reason) {
    auto profile = parse(reason);
    if (!profile) {
        byKey_.erase(protocol::nickKey(nick));
        return;
    }
    profile->hub = hub;
    Profile& known = byKey_[protocol::nickKey(nick)];
    if (known.hub == profile->hub && known.signedOnMs == profile->signedOnMs &&
        known.clientName == profile->clientName) {
        return;  // the same session joining another room: its last message stands
    }
    known = std::move(*profile);
}

void RemoteProfiles::spoke(std::string_view nick, std::int64_t timeMs) {
    if (byKey_.empty()) {
        return;  // every remote room message comes here: no key made for nothing
    }
    const auto it = byKey_.find(protocol::nickKey(nick));
    if (it != byKey_.end()) {
        it->second.lastSpokeMs = std::max(it->second.lastSpokeMs, timeMs);
    }
}

void RemoteProfiles::renamed(std::string_view oldNick, std::string_view newNick) {
    const std::string oldKey = protocol::nickKey(oldNick);
    const std::string newKey = protocol::nickKey(newNick);
    const auto it = byKey_.find(oldKey);
    if (oldKey == newKey || it == byKey_.end()) {
        return;
    }
    Profile profile = std::move(it->second);
    byKey_.erase(it);
    byKey_[newKey] = std::move(profile);
}

void RemoteProfiles::gone(std::string_view nick, std::string_view hub) {
    const auto it = byKey_.find(protocol::nickKey(nick));
    if (it != byKey_.end() && it->second.hub == hub) {
        byKey_.erase(it);
    }
}

const RemoteProfiles::Profile* RemoteProfiles::find(std::string_view nick) const {
    const auto it = byKey_.find(protocol::nickKey(nick));
    return it == byKey_.end() ? nullptr : &it->second;
}

}  // namespace hermes::hub

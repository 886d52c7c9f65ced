#include "ClusterState.hpp"

#include <algorithm>
#include <charconv>
#include <set>

namespace hermes::hub {

namespace {

constexpr std::string_view kHubWide = "*";

// The next space-separated word of `rest` (which moves past it), or the
// whole rest when it has no space.
std::string_view nextWord(std::string_view& rest) {
    const std::size_t space = rest.find(' ');
    std::string_view out = rest.substr(0, space);
    rest = space == std::string_view::npos ? std::string_view() : rest.substr(space + 1);
    return out;
}

}  // namespace

std::string ClusterState::topicField(std::string_view room) {
    return "topic " + std::string(room);
}

std::string ClusterState::banField(std::string_view room, BanKind kind, std::string_view target) {
    return "ban " + std::string(room.empty() ? kHubWide : room) + " " +
           std::to_string(static_cast<int>(kind)) + " " + std::string(target);
}

std::string ClusterState::kickField(std::string_view room, std::string_view nick) {
    return "kick " + std::string(room) + " " + std::string(nick);
}

namespace {

std::string_view memberWord(ClusterState::Kind kind) {
    switch (kind) {
        case ClusterState::Kind::Mute:
            return "mute";
        case ClusterState::Kind::Op:
            return "op";
        case ClusterState::Kind::OpAccount:
            return "opaccount";
        default:
            return "invite";
    }
}

}  // namespace

std::string ClusterState::memberField(Kind kind, std::string_view room, std::string_view nick) {
    return std::string(memberWord(kind)) + " " + std::string(room) + " " + std::string(nick);
}

std::string ClusterState::modeField(std::string_view room, std::string_view mode) {
    return "mode " + std::string(room) + " " + std::string(mode);
}

std::string ClusterState::accountField(std::string_view nickKey) {
    return "account " + std::string(nickKey);
}

std::optional<ClusterState::Field> ClusterState::parse(std::string_view field) {
    std::string_view rest = field;
    const std::string_view kind = nextWord(rest);
    Field out;
    if (kind == "account") {
        if (rest.empty() || rest.find(' ') != std::string_view::npos) {
            return std::nullopt;
        }
        out.kind = Kind::Account;
        out.target = rest;
        return out;
    }
    out.room = nextWord(rest);
    if (out.room.empty()) {
        return std::nullopt;
    }
    if (kind == "topic" && rest.empty()) {
        out.kind = Kind::Topic;
        return out;
    }
    for (const Kind named : {Kind::Kick, Kind::Mute, Kind::Op, Kind::OpAccount, Kind::Invite}) {
        const std::string_view word = named == Kind::Kick ? "kick" : memberWord(named);
        if (kind == word && !rest.empty() && rest.find(' ') == std::string_view::npos) {
            out.kind = named;
            out.target = rest;
            return out;
        }
    }
    if (kind == "mode" && (rest == kTopicLocked || rest == kInviteOnly)) {
        out.kind = Kind::Mode;
        out.target = rest;
        return out;
    }
    if (kind != "ban") {
        return std::nullopt;
    }
    out.kind = Kind::Ban;
    if (out.room == kHubWide) {
        out.room.clear();
    }
    const std::string_view number = nextWord(rest);
    int value = 0;
    const auto [end, error] = std::from_chars(number.data(), number.data() + number.size(), value);
    if (error != std::errc() || end != number.data() + number.size() ||
        value < static_cast<int>(BanKind::Nick) || value > static_cast<int>(BanKind::Address) ||
        rest.empty()) {
        return std::nullopt;
    }
    out.banKind = static_cast<BanKind>(value);
    out.target = rest;
    return out;
}

bool ClusterState::newer(const BackplaneState& state) const {
    if (state.field.starts_with("kick ")) {
        return true;
    }
    const auto it = applied_.find(state.field);
    return it == applied_.end() || state.version > it->second.version;
}

void ClusterState::applied(const BackplaneState& state) {
    if (state.field.starts_with("kick ")) {
        return;
    }
    Applied& applied = applied_[state.field];
    applied.version = std::max(applied.version, state.version);
    applied.present = !state.deleted;
    highest_ = std::max(highest_, state.version);
}

bool ClusterState::holds(const std::string& field) const {
    const auto it = applied_.find(field);
    return it != applied_.end() && it->second.present;
}

void ClusterState::remember(const std::string& field, std::uint64_t version) {
    applied(BackplaneState{field, version, {}, false});
}

void ClusterState::reading() {
    beforeRead_ = highest_;
}

std::vector<BackplaneState> ClusterState::loaded(std::uint64_t snapshotVersion,
                                                 const std::vector<BackplaneState>& stored) {
    std::vector<BackplaneState> out;
    std::set<std::string_view> inRedis;
    for (const BackplaneState& state : stored) {
        inRedis.insert(state.field);
    }
    // Notices may overtake the read (another connection), so only what was
    // applied before it was asked must be in it.
    const bool lostData = snapshotVersion < beforeRead_;
    for (const auto& [field, applied] : applied_) {
        if (applied.present && !inRedis.contains(field) &&
            (lostData || applied.version <= snapshotVersion)) {
            out.push_back(BackplaneState{field, snapshotVersion, {}, true});
        }
    }
    if (lostData) {
        // Redis restarted its versions: the snapshot is the truth.
        applied_.clear();
        highest_ = snapshotVersion;
        beforeRead_ = snapshotVersion;
    }
    for (const BackplaneState& state : stored) {
        if (newer(state)) {
            out.push_back(state);
        }
    }
    return out;
}

}  // namespace hermes::hub

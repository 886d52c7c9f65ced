#include "hermes/hub/BackplaneEntry.hpp"

#include <charconv>

namespace hermes::hub {

namespace {

bool readNumber(std::string_view text, std::uint64_t& out) {
    if (text.empty()) {
        return false;
    }
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), out);
    return error == std::errc() && end == text.data() + text.size();
}

// The next space-separated word of `rest` (which moves past it and its space).
std::optional<std::string_view> word(std::string_view& rest) {
    const std::size_t space = rest.find(' ');
    if (space == std::string_view::npos) {
        return std::nullopt;
    }
    std::string_view out = rest.substr(0, space);
    rest.remove_prefix(space + 1);
    return out;
}

// "kicked" and "banned" carry "BY\nREASON" as their reason: split.
bool removedByModeration(BackplanePresence& presence) {
    if (presence.kind != "kicked" && presence.kind != "banned") {
        return false;
    }
    const std::size_t newline = presence.reason.find('\n');
    if (newline == std::string::npos) {
        return false;
    }
    presence.by = presence.reason.substr(0, newline);
    presence.reason.erase(0, newline + 1);
    return true;
}

}  // namespace

std::string backplaneNotice(std::uint64_t seq, std::string_view hub, std::uint64_t ref,
                            std::string_view account, std::string_view message) {
    std::string out = std::to_string(seq);
    out += ' ';
    out += hub;
    out += ' ';
    out += std::to_string(ref);
    out += ' ';
    out += account;
    out += '\n';
    out += message;
    return out;
}

namespace {

// A notice of either channel (the same head): `prefix` names the channel.
std::optional<BackplaneEntry> parseNotice(std::string_view prefix, std::string_view channel,
                                          std::string_view payload) {
    if (!channel.starts_with(prefix) || channel.size() == prefix.size()) {
        return std::nullopt;
    }
    const std::size_t newline = payload.find('\n');
    if (newline == std::string_view::npos) {
        return std::nullopt;
    }
    std::string_view head = payload.substr(0, newline);
    BackplaneEntry entry;
    const auto seq = word(head);
    const auto hub = word(head);
    const auto ref = word(head);
    // What is left of the head is the account (it has no spaces; may be "").
    if (!seq || !hub || !ref || hub->empty() || head.find(' ') != std::string_view::npos ||
        !readNumber(*seq, entry.seq) || entry.seq == 0 || !readNumber(*ref, entry.ref)) {
        return std::nullopt;
    }
    entry.room = channel.substr(prefix.size());
    entry.hub = *hub;
    entry.account = head;
    entry.message = payload.substr(newline + 1);
    return entry;
}

}  // namespace

std::optional<BackplaneEntry> parseBackplaneNotice(std::string_view channel,
                                                   std::string_view payload) {
    return parseNotice(kBackplaneChannelPrefix, channel, payload);
}

std::optional<BackplaneEntry> parseBackplanePrivate(std::string_view channel,
                                                    std::string_view payload) {
    auto entry = parseNotice(kBackplanePrivatePrefix, channel, payload);
    if (entry) {
        entry->room.clear();  // the channel names the hub, not a room
    }
    return entry;
}

std::string backplanePresenceNotice(std::string_view kind, std::string_view hub,
                                    std::string_view nick, std::string_view reason) {
    std::string out(kind);
    out += ' ';
    out += hub;
    out += '\n';
    out += nick;
    out += '\n';
    out += reason;
    return out;
}

std::optional<BackplanePresence> parseBackplanePresence(std::string_view channel,
                                                        std::string_view payload) {
    if (!channel.starts_with(kBackplanePresencePrefix) ||
        channel.size() == kBackplanePresencePrefix.size()) {
        return std::nullopt;
    }
    const std::size_t first = payload.find('\n');
    const std::size_t second =
        first == std::string_view::npos ? first : payload.find('\n', first + 1);
    if (second == std::string_view::npos) {
        return std::nullopt;
    }
    std::string_view head = payload.substr(0, first);
    const std::size_t space = head.find(' ');
    if (space == std::string_view::npos) {
        return std::nullopt;
    }
    BackplanePresence out;
    out.kind = head.substr(0, space);
    out.hub = head.substr(space + 1);
    out.nick = payload.substr(first + 1, second - first - 1);
    out.reason = payload.substr(second + 1);
    const bool known = out.kind == "joined" || out.kind == "left" || out.kind == "quit" ||
                       out.kind == "away" || out.kind == "back" || out.kind == "renamed" ||
                       removedByModeration(out);
    // A rename's new nick is its reason: never empty.
    if (!known || out.hub.empty() || out.nick.empty() ||
        (out.kind == "renamed" && out.reason.empty())) {
        return std::nullopt;
    }
    out.room = channel.substr(kBackplanePresencePrefix.size());
    return out;
}

std::optional<BackplaneState> parseBackplaneStateNotice(std::string_view payload) {
    const std::size_t first = payload.find('\n');
    const std::size_t second =
        first == std::string_view::npos ? first : payload.find('\n', first + 1);
    if (second == std::string_view::npos) {
        return std::nullopt;
    }
    std::string_view head = payload.substr(0, first);
    const auto version = word(head);
    BackplaneState out;
    if (!version || !readNumber(*version, out.version) || second == first + 1 ||
        (head != "set" && head != "del" && head != "pub")) {
        return std::nullopt;
    }
    out.deleted = head == "del";
    out.field = payload.substr(first + 1, second - first - 1);
    out.record = payload.substr(second + 1);
    return out;
}

std::optional<BackplaneState> parseBackplaneStateEntry(std::string_view field,
                                                       std::string_view value) {
    const std::size_t newline = value.find('\n');
    BackplaneState out;
    if (field.empty() || newline == std::string_view::npos ||
        !readNumber(value.substr(0, newline), out.version)) {
        return std::nullopt;
    }
    out.field = field;
    out.record = value.substr(newline + 1);
    return out;
}

std::string backplaneSignInNotice(std::string_view hub, std::string_view accountKey,
                                  bool question) {
    std::string out(hub);
    out += ' ';
    out += accountKey;
    if (question) {
        out += " ?";
    }
    return out;
}

std::optional<BackplaneSignIn> parseBackplaneSignIn(std::string_view payload) {
    BackplaneSignIn out;
    if (payload.ends_with(" ?")) {
        out.question = true;
        payload.remove_suffix(2);
    }
    const std::size_t space = payload.find(' ');
    if (space == 0 || space == std::string_view::npos || space + 1 == payload.size() ||
        payload.find(' ', space + 1) != std::string_view::npos) {
        return std::nullopt;
    }
    out.hub = payload.substr(0, space);
    out.account = payload.substr(space + 1);
    return out;
}

std::uint64_t backplaneStreamSeq(std::string_view id) {
    std::uint64_t seq = 0;
    if (!id.ends_with("-0") || !readNumber(id.substr(0, id.size() - 2), seq)) {
        return 0;
    }
    return seq;
}

}  // namespace hermes::hub

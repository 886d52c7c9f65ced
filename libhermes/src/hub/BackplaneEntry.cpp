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

std::optional<BackplaneEntry> parseBackplaneNotice(std::string_view channel,
                                                   std::string_view payload) {
    if (!channel.starts_with(kBackplaneChannelPrefix) ||
        channel.size() == kBackplaneChannelPrefix.size()) {
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
    entry.room = channel.substr(kBackplaneChannelPrefix.size());
    entry.hub = *hub;
    entry.account = head;
    entry.message = payload.substr(newline + 1);
    return entry;
}

std::uint64_t backplaneStreamSeq(std::string_view id) {
    std::uint64_t seq = 0;
    if (!id.ends_with("-0") || !readNumber(id.substr(0, id.size() - 2), seq)) {
        return 0;
    }
    return seq;
}

}  // namespace hermes::hub

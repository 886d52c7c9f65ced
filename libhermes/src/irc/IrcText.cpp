#include "hermes/irc/IrcText.hpp"

#include <algorithm>

namespace hermes::irc {

std::optional<std::string_view> ctcpAction(std::string_view text) {
    constexpr std::string_view kHead =
        "\x01"
        "ACTION";
    if (text.substr(0, kHead.size()) != kHead) {
        return std::nullopt;
    }
    text.remove_prefix(kHead.size());
    if (!text.empty() && text.back() == '\x01') {
        text.remove_suffix(1);
    }
    if (!text.empty() && text.front() == ' ') {
        text.remove_prefix(1);
    } else if (!text.empty()) {
        return std::nullopt;  // "\x01ACTIONS": another CTCP
    }
    return text;
}

std::string stripFormatting(std::string_view text) {
    const auto isDigit = [](char c) { return c >= '0' && c <= '9'; };
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        switch (c) {
            case '\x02':
            case '\x04':  // hex colour: its digits stay, rarely used
            case '\x0F':
            case '\x11':
            case '\x16':
            case '\x1D':
            case '\x1E':
            case '\x1F':
                break;
            case '\x03': {
                // \x03[fg[,bg]], each one or two digits.
                std::size_t j = i + 1;
                for (int n = 0; n < 2 && j < text.size() && isDigit(text[j]); ++n) {
                    ++j;
                }
                if (j > i + 1 && j + 1 < text.size() && text[j] == ',' && isDigit(text[j + 1])) {
                    ++j;
                    for (int n = 0; n < 2 && j < text.size() && isDigit(text[j]); ++n) {
                        ++j;
                    }
                }
                i = j - 1;
                break;
            }
            default:
                out += c;
        }
    }
    return out;
}

std::string sanitize(std::string_view text) {
    std::string out(text);
    for (char& c : out) {
        if (c == '\r' || c == '\n' || c == '\0') {
            c = ' ';
        }
    }
    return out;
}

std::vector<std::string_view> splitUtf8(std::string_view text, std::size_t maxBytes) {
    std::vector<std::string_view> pieces;
    if (maxBytes < 4) {
        maxBytes = 4;  // room for any one character
    }
    do {
        std::size_t cut = text.size() <= maxBytes ? text.size() : maxBytes;
        // Back off continuation bytes (10xxxxxx): never cut inside a character.
        while (cut < text.size() && cut > 0 &&
               (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) {
            --cut;
        }
        if (cut == 0) {
            cut = std::min(text.size(), maxBytes);  // not UTF-8: cut where it must
        }
        pieces.push_back(text.substr(0, cut));
        text.remove_prefix(cut);
    } while (!text.empty());
    return pieces;
}

}  // namespace hermes::irc

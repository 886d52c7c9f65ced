#include "hermes/protocol/Validation.hpp"

#include <cstdint>

#include "hermes/protocol/Limits.hpp"

namespace hermes::protocol {

namespace {

using hermes::v1::ErrorCode;

ProtocolError error(ErrorCode code, std::string text) {
    return ProtocolError{code, std::move(text)};
}

bool isAsciiLetter(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
bool isAsciiDigit(char c) {
    return c >= '0' && c <= '9';
}
bool isNickSpecial(char c) {
    return std::string_view("_-[]\\`^{}|").find(c) != std::string_view::npos;
}
bool isRoomChar(char c) {
    return isAsciiLetter(c) || isAsciiDigit(c) || c == '_' || c == '-' || c == '.';
}
char lower(char c) {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

std::string describeByte(char c) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte >= 0x21 && byte < 0x7F) {
        return std::string("'") + c + "'";
    }
    static constexpr char kHex[] = "0123456789ABCDEF";
    return std::string("byte 0x") + kHex[byte >> 4] + kHex[byte & 0x0F];
}

// Decodes one UTF-8 sequence at text[i]; returns its length, or 0 if invalid.
std::size_t utf8SequenceLength(std::string_view text, std::size_t i, std::uint32_t& codePoint) {
    const auto lead = static_cast<unsigned char>(text[i]);
    std::size_t length = 0;
    std::uint32_t minimum = 0;
    if (lead < 0x80) {
        codePoint = lead;
        return 1;
    } else if ((lead & 0xE0) == 0xC0) {
        length = 2;
        minimum = 0x80;
        codePoint = lead & 0x1Fu;
    } else if ((lead & 0xF0) == 0xE0) {
        length = 3;
        minimum = 0x800;
        codePoint = lead & 0x0Fu;
    } else if ((lead & 0xF8) == 0xF0) {
        length = 4;
        minimum = 0x10000;
        codePoint = lead & 0x07u;
    } else {
        return 0;
    }
    if (text.size() - i < length) {
        return 0;
    }
    for (std::size_t k = 1; k < length; ++k) {
        const auto cont = static_cast<unsigned char>(text[i + k]);
        if ((cont & 0xC0) != 0x80) {
            return 0;
        }
        codePoint = (codePoint << 6) | (cont & 0x3Fu);
    }
    if (codePoint < minimum || codePoint > 0x10FFFF ||
        (codePoint >= 0xD800 && codePoint <= 0xDFFF)) {
        return 0;
    }
    return length;
}

}  // namespace

std::size_t findInvalidUtf8(std::string_view text) {
    std::size_t i = 0;
    while (i < text.size()) {
        std::uint32_t codePoint = 0;
        const std::size_t length = utf8SequenceLength(text, i, codePoint);
        if (length == 0) {
            return i;
        }
        i += length;
    }
    return std::string_view::npos;
}

bool isValidUtf8(std::string_view text) {
    return findInvalidUtf8(text) == std::string_view::npos;
}

std::optional<ProtocolError> checkNick(std::string_view nick) {
    if (nick.empty()) {
        return error(ErrorCode::ERROR_CODE_INVALID_NICK, "nick is empty");
    }
    if (nick.size() > kMaxNickBytes) {
        return error(ErrorCode::ERROR_CODE_INVALID_NICK, "nick is " + std::to_string(nick.size()) +
                                                             " characters long; the most is " +
                                                             std::to_string(kMaxNickBytes));
    }
    if (isAsciiDigit(nick.front()) || nick.front() == '-') {
        return error(ErrorCode::ERROR_CODE_INVALID_NICK, "nick may not start with a digit or '-'");
    }
    for (char c : nick) {
        if (!isAsciiLetter(c) && !isAsciiDigit(c) && !isNickSpecial(c)) {
            return error(ErrorCode::ERROR_CODE_INVALID_NICK,
                         "nick may not contain " + describeByte(c) +
                             "; use letters, digits and _-[]\\`^{}|");
        }
    }
    return std::nullopt;
}

std::optional<ProtocolError> checkRoom(std::string_view room) {
    if (!room.empty() && room.front() == '#') {
        room.remove_prefix(1);
    }
    if (room.empty()) {
        return error(ErrorCode::ERROR_CODE_INVALID_ROOM, "room name is empty");
    }
    if (room.size() > kMaxRoomBytes) {
        return error(ErrorCode::ERROR_CODE_INVALID_ROOM,
                     "room name is " + std::to_string(room.size()) +
                         " characters long; the most is " + std::to_string(kMaxRoomBytes));
    }
    for (char c : room) {
        if (!isRoomChar(c)) {
            return error(
                ErrorCode::ERROR_CODE_INVALID_ROOM,
                "room name may not contain " + describeByte(c) + "; use letters, digits and _-.");
        }
    }
    return std::nullopt;
}

std::optional<ProtocolError> checkOptionalText(std::string_view text, std::size_t maxBytes,
                                               std::string_view what) {
    const auto subject = [&] { return std::string(what); };
    if (text.size() > maxBytes) {
        return error(ErrorCode::ERROR_CODE_INVALID_TEXT,
                     subject() + " is " + std::to_string(text.size()) + " bytes; the most is " +
                         std::to_string(maxBytes));
    }
    std::size_t i = 0;
    while (i < text.size()) {
        // Printable ASCII (and TAB) needs no decoding: most chat is.
        const auto byte = static_cast<unsigned char>(text[i]);
        if ((byte >= 0x20 && byte < 0x7F) || byte == '\t') {
            ++i;
            continue;
        }
        std::uint32_t codePoint = 0;
        const std::size_t length = utf8SequenceLength(text, i, codePoint);
        if (length == 0) {
            return error(ErrorCode::ERROR_CODE_INVALID_TEXT,
                         subject() + " is not valid UTF-8 (at byte " + std::to_string(i) + ")");
        }
        const bool control = (codePoint < 0x20 && codePoint != '\t') || codePoint == 0x7F ||
                             (codePoint >= 0x80 && codePoint <= 0x9F);
        if (control) {
            return error(
                ErrorCode::ERROR_CODE_INVALID_TEXT,
                subject() + " contains control character U+" +
                    [codePoint] {
                        static constexpr char kHex[] = "0123456789ABCDEF";
                        std::string hex(4, '0');
                        for (int k = 3; k >= 0; --k) {
                            hex[static_cast<std::size_t>(k)] =
                                kHex[(codePoint >> (4 * (3 - k))) & 0xF];
                        }
                        return hex;
                    }() +
                    " at byte " + std::to_string(i) +
                    "; send one line per message, without escape codes");
        }
        i += length;
    }
    return std::nullopt;
}

std::optional<ProtocolError> checkText(std::string_view text, std::size_t maxBytes,
                                       std::string_view what) {
    if (text.empty()) {
        return error(ErrorCode::ERROR_CODE_INVALID_TEXT, std::string(what) + " is empty");
    }
    return checkOptionalText(text, maxBytes, what);
}

std::string nickKey(std::string_view nick) {
    std::string key(nick);
    for (char& c : key) {
        c = lower(c);
    }
    return key;
}

std::string canonicalRoom(std::string_view room) {
    if (!room.empty() && room.front() == '#') {
        room.remove_prefix(1);
    }
    return nickKey(room);
}

}  // namespace hermes::protocol

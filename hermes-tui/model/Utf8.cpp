#include "model/Utf8.hpp"

#include <cwchar>

namespace hermes::tui::utf8 {

namespace {

constexpr char32_t kReplacement = 0xFFFD;

// Used only when wcwidth() cannot answer (non-UTF-8 locale): the common wide
// blocks and combining marks, enough for CJK and emoji.
int fallbackWidth(char32_t c) {
    if ((c >= 0x0300 && c <= 0x036F) || (c >= 0x200B && c <= 0x200F) ||
        (c >= 0xFE00 && c <= 0xFE0F)) {
        return 0;
    }
    const bool wide = (c >= 0x1100 && c <= 0x115F) || (c >= 0x2E80 && c <= 0xA4CF) ||
                      (c >= 0xAC00 && c <= 0xD7A3) || (c >= 0xF900 && c <= 0xFAFF) ||
                      (c >= 0xFE30 && c <= 0xFE4F) || (c >= 0xFF00 && c <= 0xFF60) ||
                      (c >= 0xFFE0 && c <= 0xFFE6) || (c >= 0x1F300 && c <= 0x1F64F) ||
                      (c >= 0x1F900 && c <= 0x1F9FF) || (c >= 0x20000 && c <= 0x3FFFD);
    return wide ? 2 : 1;
}

}  // namespace

char32_t decode(std::string_view text, std::size_t pos, std::size_t& length) {
    length = 1;
    if (pos >= text.size()) {
        return kReplacement;
    }
    const auto b0 = static_cast<unsigned char>(text[pos]);
    if (b0 < 0x80) {
        return b0;
    }
    std::size_t need = 0;
    char32_t cp = 0;
    if ((b0 & 0xE0) == 0xC0) {
        need = 1;
        cp = b0 & 0x1F;
    } else if ((b0 & 0xF0) == 0xE0) {
        need = 2;
        cp = b0 & 0x0F;
    } else if ((b0 & 0xF8) == 0xF0) {
        need = 3;
        cp = b0 & 0x07;
    } else {
        return kReplacement;
    }
    if (pos + need >= text.size()) {
        return kReplacement;
    }
    for (std::size_t i = 1; i <= need; ++i) {
        const auto b = static_cast<unsigned char>(text[pos + i]);
        if ((b & 0xC0) != 0x80) {
            return kReplacement;
        }
        cp = (cp << 6) | (b & 0x3F);
    }
    length = need + 1;
    return cp;
}

std::string encode(char32_t c) {
    std::string out;
    if (c < 0x80) {
        out += static_cast<char>(c);
    } else if (c < 0x800) {
        out += static_cast<char>(0xC0 | (c >> 6));
        out += static_cast<char>(0x80 | (c & 0x3F));
    } else if (c < 0x10000) {
        out += static_cast<char>(0xE0 | (c >> 12));
        out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (c & 0x3F));
    } else if (c < 0x110000) {
        out += static_cast<char>(0xF0 | (c >> 18));
        out += static_cast<char>(0x80 | ((c >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (c & 0x3F));
    }
    return out;
}

int charWidth(char32_t c) {
    if (c == '\t') {
        return 1;  // drawn as one space (Canvas::put)
    }
    if (c < 0x20 || c == 0x7F) {
        return 0;
    }
    if (c < 0x7F) {
        return 1;
    }
    const int w = ::wcwidth(static_cast<wchar_t>(c));
    if (w >= 0) {
        return w;
    }
    return (c >= 0x80 && c < 0xA0) ? 0 : fallbackWidth(c);
}

int displayWidth(std::string_view text) {
    int width = 0;
    for (std::size_t pos = 0; pos < text.size();) {
        std::size_t len = 0;
        width += charWidth(decode(text, pos, len));
        pos += len;
    }
    return width;
}

std::size_t next(std::string_view text, std::size_t pos) {
    if (pos >= text.size()) {
        return text.size();
    }
    std::size_t len = 0;
    decode(text, pos, len);
    pos += len;
    // Marks that follow belong to this character.
    while (pos < text.size()) {
        const char32_t c = decode(text, pos, len);
        if (charWidth(c) != 0 || c < 0x20) {
            break;
        }
        pos += len;
    }
    return pos;
}

std::size_t prev(std::string_view text, std::size_t pos) {
    if (pos > text.size()) {
        pos = text.size();
    }
    while (pos > 0) {
        --pos;
        while (pos > 0 && (static_cast<unsigned char>(text[pos]) & 0xC0) == 0x80) {
            --pos;
        }
        std::size_t len = 0;
        const char32_t c = decode(text, pos, len);
        if (charWidth(c) != 0 || c < 0x20) {
            break;
        }
    }
    return pos;
}

std::size_t prefixFitting(std::string_view text, int columns) {
    int used = 0;
    std::size_t pos = 0;
    while (pos < text.size()) {
        const std::size_t after = next(text, pos);
        const int w = displayWidth(text.substr(pos, after - pos));
        if (used + w > columns) {
            break;
        }
        used += w;
        pos = after;
    }
    return pos;
}

}  // namespace hermes::tui::utf8

#include "ui/TextGrid.hpp"

#include "model/Utf8.hpp"

namespace hermes::tui {

TextGrid::TextGrid(int rows, int cols)
    : rows_(rows), cols_(cols), cells_(static_cast<std::size_t>(rows * cols)) {}

void TextGrid::text(int r, int c, std::string_view utf8Text, Style style) {
    int col = c;
    for (std::size_t pos = 0; pos < utf8Text.size();) {
        std::size_t len = 0;
        const char32_t ch = utf8::decode(utf8Text, pos, len);
        const int w = utf8::charWidth(ch);
        const std::string glyph(utf8Text.substr(pos, len));
        pos += len;
        if (w == 0) {
            if (col > c) {
                cells_[index(r, col - 1)].glyph += glyph;
            }
            continue;
        }
        if (col + w > cols_) {
            break;
        }
        cells_[index(r, col)] = {glyph, style};
        if (w == 2) {
            cells_[index(r, col + 1)] = {"", style};
        }
        col += w;
    }
}

void TextGrid::fill(int r, int c, int width, Style style) {
    for (int i = c; i < c + width && i < cols_; ++i) {
        cells_[index(r, i)] = {" ", style};
    }
}

std::string TextGrid::row(int r) const {
    std::string out;
    for (int c = 0; c < cols_; ++c) {
        out += cells_[index(r, c)].glyph;
    }
    const auto end = out.find_last_not_of(' ');
    out.erase(end == std::string::npos ? 0 : end + 1);
    return out;
}

std::string TextGrid::toString() const {
    std::string out;
    for (int r = 0; r < rows_; ++r) {
        out += row(r);
        if (r + 1 < rows_) {
            out += '\n';
        }
    }
    return out;
}

}  // namespace hermes::tui

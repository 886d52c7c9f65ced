#include "ui/Canvas.hpp"

#include <algorithm>
#include <string>

#include "model/Utf8.hpp"

namespace hermes::tui {

int Canvas::put(int row, int col, std::string_view utf8, Style style, int maxCols) {
    if (row < 0 || row >= rows() || col < 0 || col >= cols()) {
        return 0;
    }
    const int room = std::min(maxCols, cols() - col);
    if (room <= 0) {
        return 0;
    }
    const std::string_view fits = utf8.substr(0, utf8::prefixFitting(utf8, room));
    if (fits.empty()) {
        return 0;
    }
    if (fits.find('\t') != std::string_view::npos) {
        // One column, as utf8::charWidth counts it; a terminal would jump to
        // its next tab stop instead.
        std::string spaced(fits);
        std::replace(spaced.begin(), spaced.end(), '\t', ' ');
        text(row, col, spaced, style);
    } else {
        text(row, col, fits, style);
    }
    return utf8::displayWidth(fits);
}

}  // namespace hermes::tui

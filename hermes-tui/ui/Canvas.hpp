#pragma once
// The surface ChatView draws on: rows of terminal cells. The curses screen
// implements it for real; TextGrid implements it in memory so tests compare
// the drawn screen as text. Callers clip to the surface before calling text()
// (see put()), so implementations only copy.
//
// Threading: UI thread only.

#include <string_view>

#include "model/NickColour.hpp"

namespace hermes::tui {

struct Style {
    Colour fg = Colour::Default;
    bool bold = false;
    bool dim = false;
    bool reverse = false;
    bool operator==(const Style&) const = default;
};

class Canvas {
public:
    virtual ~Canvas() = default;
    virtual int rows() const = 0;
    virtual int cols() const = 0;
    // Writes `utf8` from (row, col); it is known to fit.
    virtual void text(int row, int col, std::string_view utf8, Style style) = 0;
    // Blanks `width` cells from (row, col) in `style`.
    virtual void fill(int row, int col, int width, Style style) = 0;
    // Where the terminal cursor goes after drawing.
    virtual void cursor(int row, int col) = 0;

    // Writes as much of `utf8` as fits in `maxCols` columns (and the row);
    // returns the columns used.
    int put(int row, int col, std::string_view utf8, Style style, int maxCols);
};

}  // namespace hermes::tui

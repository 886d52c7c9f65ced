#pragma once
// An in-memory Canvas: the screen as text, for tests (FTXUI-style: draw,
// then compare toString()). A wide character fills its cell and leaves the
// next one empty, as a terminal does; a zero-width mark joins the cell
// before it.
//
// Threading: none.

#include <string>
#include <vector>

#include "ui/Canvas.hpp"

namespace hermes::tui {

class TextGrid : public Canvas {
public:
    TextGrid(int rows, int cols);

    int rows() const override { return rows_; }
    int cols() const override { return cols_; }
    void text(int row, int col, std::string_view utf8, Style style) override;
    void fill(int row, int col, int width, Style style) override;
    void cursor(int row, int col) override {
        cursorRow_ = row;
        cursorCol_ = col;
    }

    // One row, trailing blanks removed.
    std::string row(int r) const;
    // Every row, joined with '\n'.
    std::string toString() const;
    Style styleAt(int r, int c) const { return cells_[index(r, c)].style; }
    int cursorRow() const { return cursorRow_; }
    int cursorCol() const { return cursorCol_; }

private:
    struct Cell {
        std::string glyph = " ";  // empty: right half of a wide character
        Style style;
    };
    std::size_t index(int r, int c) const {
        return static_cast<std::size_t>(r) * static_cast<std::size_t>(cols_) +
               static_cast<std::size_t>(c);
    }

    int rows_;
    int cols_;
    std::vector<Cell> cells_;
    int cursorRow_ = 0;
    int cursorCol_ = 0;
};

}  // namespace hermes::tui

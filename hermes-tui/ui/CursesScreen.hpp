#pragma once
// The terminal, through ncursesw: the only place that calls initscr/endwin
// (as htop keeps it to CRT.c). It is a Canvas for ChatView and reads keys
// without blocking. Requires setlocale(LC_ALL, "") before construction so
// UTF-8 text and wide characters are measured and drawn right.
//
// Threading: UI thread only.

#include <vector>

#include "model/Key.hpp"
#include "ui/Canvas.hpp"
#include "ui/KeyDecoder.hpp"

namespace hermes::tui {

class CursesScreen : public Canvas {
public:
    CursesScreen();
    ~CursesScreen() override;
    CursesScreen(const CursesScreen&) = delete;
    CursesScreen& operator=(const CursesScreen&) = delete;

    int rows() const override;
    int cols() const override;
    void text(int row, int col, std::string_view utf8, Style style) override;
    void fill(int row, int col, int width, Style style) override;
    void cursor(int row, int col) override {
        cursorRow_ = row;
        cursorCol_ = col;
    }

    // Reads every key waiting on stdin (never blocks). Returns false when
    // stdin is gone.
    bool readKeys(std::vector<Key>& out);
    // After SIGWINCH: asks the terminal for its size and resizes curses.
    void resize();
    void bell();
    // Puts the cursor on the input line and pushes the changes out.
    void present();
    // Forgets what curses thinks is on screen (Ctrl-L).
    void invalidate();

private:
    // Kept across reads: an Alt chord split over two reads still decodes.
    KeyDecoder decoder_;
    int cursorRow_ = 0;
    int cursorCol_ = 0;
};

}  // namespace hermes::tui

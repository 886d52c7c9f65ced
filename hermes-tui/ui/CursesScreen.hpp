#pragma once
// The terminal, through ncursesw: the only place that calls initscr/endwin
// (as htop keeps it to CRT.c). It is a Canvas for ChatView and reads keys
// without blocking. Requires setlocale(LC_ALL, "") before construction so
// UTF-8 text and wide characters are measured and drawn right.
//
// Terminal modes it turns on, and off again in the destructor, at exit() and
// on a fatal signal (SIGTERM, SIGINT, SIGHUP, SIGSEGV, ...: ahead of ncurses'
// own cleanup handler where initscr() set one, else restoring the terminal
// itself and re-raising):
//  - bracketed paste (ESC[?2004h / ESC[?2004l), so a paste arrives as one
//    Key::Paste instead of keys that would complete nicks and send lines;
//  - with `mouse`, the terminal's mouse reports, for the wheel only
//    (ncurses' BUTTON4/BUTTON5). A terminal that reports the mouse keeps
//    plain clicks and drags to itself only with Shift held (xterm, VTE,
//    kitty, iTerm2, tmux), so selecting text then takes Shift-drag;
//    `mouse = off` in the config (or --no-mouse) leaves the mouse alone.
//
// Threading: UI thread only: curses is not thread safe, and the client core's
// I/O thread never draws (it hands events to the UI thread, ClientCore.hpp).
// Checked in debug builds (OwnerThread, bound by the constructor); the fatal
// signal handlers only restore the terminal's modes.

#include <chrono>
#include <vector>

#include "hermes/threads/OwnerThread.hpp"
#include "model/Key.hpp"
#include "ui/Canvas.hpp"
#include "ui/KeyDecoder.hpp"

namespace hermes::tui {

class CursesScreen : public Canvas {
public:
    explicit CursesScreen(bool mouse = true);
    ~CursesScreen() override;
    CursesScreen(const CursesScreen&) = delete;
    CursesScreen& operator=(const CursesScreen&) = delete;

    int rows() const override;
    int cols() const override;
    void text(int row, int col, std::string_view utf8, Style style) override;
    void fill(int row, int col, int width, Style style) override;
    void cursor(int row, int col) override {
        uiThread_.check("CursesScreen::cursor");
        cursorRow_ = row;
        cursorCol_ = col;
    }

    // Reads every key waiting on stdin. Blocks only to let an escape
    // sequence already begun arrive whole (up to kSequenceWait). Returns
    // false when stdin is gone.
    bool readKeys(std::vector<Key>& out);

    // How long the rest of an escape sequence may take to follow its start
    // before the part read is dropped (ncurses waits ESCDELAY, 25 ms, for the
    // sequences it knows; this is for those it passes on as characters).
    static constexpr std::chrono::milliseconds kSequenceWait{100};
    // A bracketed paste whose end marker has not come after this long with
    // no input is taken as it is at the next read, so a lost marker cannot
    // swallow what is typed next.
    static constexpr std::chrono::milliseconds kPasteStall{1000};
    // After SIGWINCH: asks the terminal for its size and resizes curses.
    void resize();
    void bell();
    // Puts the cursor on the input line and pushes the changes out.
    void present();
    // Forgets what curses thinks is on screen (Ctrl-L).
    void invalidate();

private:
    void readMouse(std::vector<Key>& out);

    hermes::threads::OwnerThread uiThread_;
    // Kept across reads: a sequence or a paste split over reads still decodes.
    KeyDecoder decoder_;
    std::chrono::steady_clock::time_point lastInput_;
    int cursorRow_ = 0;
    int cursorCol_ = 0;
};

}  // namespace hermes::tui

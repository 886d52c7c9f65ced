#include "ui/CursesScreen.hpp"

#include <sys/ioctl.h>
#include <unistd.h>

#include <curses.h>

#include <string>

namespace hermes::tui {

namespace {

short pairOf(Colour c) {
    return static_cast<short>(c);  // pairs 1..7 are set up in that order
}

attr_t attrOf(Style style) {
    attr_t a = A_NORMAL;
    if (style.bold) {
        a |= A_BOLD;
    }
    if (style.dim) {
        a |= A_DIM;
    }
    if (style.reverse) {
        a |= A_REVERSE;
    }
    if (style.fg != Colour::Default && has_colors()) {
        a |= COLOR_PAIR(pairOf(style.fg));
    }
    return a;
}

}  // namespace

CursesScreen::CursesScreen() {
    initscr();
    raw();  // Ctrl-C, Ctrl-Z and friends are keys here, not signals
    noecho();
    nonl();
    keypad(stdscr, TRUE);
    nodelay(stdscr, TRUE);
    set_escdelay(25);
    if (has_colors()) {
        start_color();
        use_default_colors();
        const short colours[] = {COLOR_RED,     COLOR_GREEN, COLOR_YELLOW, COLOR_BLUE,
                                 COLOR_MAGENTA, COLOR_CYAN,  COLOR_WHITE};
        for (short i = 0; i < 7; ++i) {
            init_pair(static_cast<short>(i + 1), colours[i], -1);
        }
    }
    erase();
}

CursesScreen::~CursesScreen() {
    endwin();
}

int CursesScreen::rows() const {
    return LINES;
}
int CursesScreen::cols() const {
    return COLS;
}

void CursesScreen::text(int row, int col, std::string_view utf8, Style style) {
    attrset(attrOf(style));
    mvaddnstr(row, col, utf8.data(), static_cast<int>(utf8.size()));
    attrset(A_NORMAL);
}

void CursesScreen::fill(int row, int col, int width, Style style) {
    if (width <= 0) {
        return;
    }
    attrset(attrOf(style));
    mvhline(row, col, ' ', width);
    attrset(A_NORMAL);
}

bool CursesScreen::readKeys(std::vector<Key>& out) {
    // Bounded: a long paste is taken in slices, so the screen and the network
    // get a turn in between.
    for (int i = 0; i < 4096; ++i) {
        wint_t ch = 0;
        const int rc = get_wch(&ch);
        if (rc == ERR) {
            break;
        }
        if (rc == KEY_CODE_YES && ch == KEY_RESIZE) {
            continue;  // our SIGWINCH flag handles resizes
        }
        if (auto key = decoder_.feed(rc == KEY_CODE_YES, static_cast<int>(ch))) {
            out.push_back(*key);
        }
    }
    return true;
}

void CursesScreen::resize() {
    winsize ws{};
    if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 && ws.ws_col > 0) {
        resizeterm(ws.ws_row, ws.ws_col);
    }
    clearok(curscr, TRUE);
}

void CursesScreen::bell() {
    beep();
}

void CursesScreen::present() {
    move(cursorRow_, cursorCol_);
    refresh();
}

void CursesScreen::invalidate() {
    clearok(curscr, TRUE);
}

}  // namespace hermes::tui

#include "ui/CursesScreen.hpp"

#include <signal.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include <curses.h>

#include <cstdlib>
#include <string>

#include "ui/TerminfoKeys.hpp"

namespace hermes::tui {

namespace {

constexpr char kPasteOn[] = "\033[?2004h";
constexpr char kPasteOff[] = "\033[?2004l";

volatile sig_atomic_t gModesOn = 0;

// Straight to the terminal, past curses' buffer: a private mode does not care
// where curses' own output has got to. Async-signal-safe.
template <std::size_t N>
void writeTerminal(const char (&bytes)[N]) {
    [[maybe_unused]] const ssize_t written = ::write(STDOUT_FILENO, bytes, N - 1);
}

// The emergency way out, when neither the destructor nor curses will run
// (exit(), a fatal signal nobody handles): paste and mouse reports off,
// attributes reset, the normal screen and the cursor back, the terminal's
// modes as they were. Only async-signal-safe calls.
constexpr char kEmergencyReset[] =
    "\033[?2004l\033[?1000l\033[?1002l\033[?1006l\033[?1015l\033[0m\033[?1049l\033[?25h\r\n";
termios gSavedTermios{};
bool gHaveTermios = false;
// The handlers found before ours: initscr() installs ncurses' own cleanup
// for SIGINT and SIGTERM (endwin, then _exit, so no atexit handler runs).
struct sigaction gPrevious[NSIG];

void restoreTerminal() {
    if (!gModesOn) {
        return;
    }
    gModesOn = 0;
    writeTerminal(kEmergencyReset);
    if (gHaveTermios) {
        ::tcsetattr(STDIN_FILENO, TCSANOW, &gSavedTermios);
    }
}

void onFatalSignal(int signal) {
    const struct sigaction& previous = gPrevious[signal];
    if (previous.sa_handler != SIG_DFL) {
        // Someone else cleans up (ncurses): turn paste mode off, then their turn.
        if (gModesOn) {
            gModesOn = 0;
            writeTerminal(kPasteOff);
        }
        previous.sa_handler(signal);
        return;
    }
    restoreTerminal();
    ::signal(signal, SIG_DFL);
    ::raise(signal);
}

// Installs the emergency handlers once, after initscr(): in front of a plain
// handler found there, or of the default action; a signal ignored (nohup) or
// handled with SA_SIGINFO is left alone.
void armEmergencyRestore() {
    static bool armed = false;
    if (armed) {
        return;
    }
    armed = true;
    std::atexit(restoreTerminal);
    for (const int signal :
         {SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGABRT, SIGSEGV, SIGBUS, SIGFPE, SIGILL}) {
        struct sigaction& previous = gPrevious[signal];
        if (::sigaction(signal, nullptr, &previous) != 0 || previous.sa_handler == SIG_IGN ||
            (previous.sa_flags & SA_SIGINFO) != 0) {
            continue;
        }
        struct sigaction sa {};
        sa.sa_handler = onFatalSignal;
        sigemptyset(&sa.sa_mask);
        sa.sa_flags = SA_NODEFER;
        ::sigaction(signal, &sa, nullptr);
    }
}

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

CursesScreen::CursesScreen(bool mouse) {
    uiThread_.check("CursesScreen::CursesScreen");
    gHaveTermios = ::tcgetattr(STDIN_FILENO, &gSavedTermios) == 0;
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
    decoder_ = KeyDecoder(terminfoFunctionKeys());
    if (mouse) {
        mousemask(BUTTON4_PRESSED | BUTTON5_PRESSED, nullptr);
        mouseinterval(0);  // report presses at once, no click detection
    }
    armEmergencyRestore();
    gModesOn = 1;
    writeTerminal(kPasteOn);
    erase();
}

CursesScreen::~CursesScreen() {
    uiThread_.check("CursesScreen::~CursesScreen");
    gModesOn = 0;
    writeTerminal(kPasteOff);
    endwin();  // also turns the mouse reports off
}

int CursesScreen::rows() const {
    uiThread_.check("CursesScreen::rows");
    return LINES;
}
int CursesScreen::cols() const {
    uiThread_.check("CursesScreen::cols");
    return COLS;
}

void CursesScreen::text(int row, int col, std::string_view utf8, Style style) {
    uiThread_.check("CursesScreen::text");
    attrset(attrOf(style));
    mvaddnstr(row, col, utf8.data(), static_cast<int>(utf8.size()));
    attrset(A_NORMAL);
}

void CursesScreen::fill(int row, int col, int width, Style style) {
    uiThread_.check("CursesScreen::fill");
    if (width <= 0) {
        return;
    }
    attrset(attrOf(style));
    mvhline(row, col, ' ', width);
    attrset(A_NORMAL);
}

bool CursesScreen::readKeys(std::vector<Key>& out) {
    uiThread_.check("CursesScreen::readKeys");
    const auto now = std::chrono::steady_clock::now();
    if (decoder_.inPaste() && now - lastInput_ > kPasteStall) {
        decoder_.flush(out);
    }
    // Bounded: a long paste is taken in slices, so the screen and the network
    // get a turn in between (the decoder keeps its place).
    for (int i = 0; i < 4096; ++i) {
        wint_t ch = 0;
        int rc = get_wch(&ch);
        if (rc == ERR && decoder_.midSequence()) {
            wtimeout(stdscr, static_cast<int>(kSequenceWait.count()));
            rc = get_wch(&ch);
            nodelay(stdscr, TRUE);
            if (rc == ERR) {
                decoder_.flush(out);  // never finished: dropped, not typed
            }
        }
        if (rc == ERR) {
            break;
        }
        lastInput_ = now;
        if (rc != KEY_CODE_YES) {
            decoder_.feedChar(static_cast<char32_t>(ch), out);
        } else if (ch == KEY_MOUSE) {
            readMouse(out);
        } else if (ch != KEY_RESIZE) {  // our SIGWINCH flag handles resizes
            decoder_.feedFunction(static_cast<int>(ch), out);
        }
    }
    return true;
}

void CursesScreen::readMouse(std::vector<Key>& out) {
    MEVENT event{};
    if (getmouse(&event) != OK) {
        return;
    }
    Key key;
    if (event.bstate & BUTTON4_PRESSED) {
        key.code = KeyCode::ScrollUp;
    } else if (event.bstate & BUTTON5_PRESSED) {
        key.code = KeyCode::ScrollDown;
    } else {
        return;
    }
    out.push_back(key);
}

void CursesScreen::resize() {
    uiThread_.check("CursesScreen::resize");
    winsize ws{};
    if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 && ws.ws_col > 0) {
        resizeterm(ws.ws_row, ws.ws_col);
    }
    clearok(curscr, TRUE);
}

void CursesScreen::bell() {
    uiThread_.check("CursesScreen::bell");
    beep();
}

void CursesScreen::present() {
    uiThread_.check("CursesScreen::present");
    move(cursorRow_, cursorCol_);
    refresh();
}

void CursesScreen::invalidate() {
    uiThread_.check("CursesScreen::invalidate");
    clearok(curscr, TRUE);
}

}  // namespace hermes::tui

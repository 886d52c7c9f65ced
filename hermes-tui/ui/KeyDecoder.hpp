#pragma once
// Turns what the terminal sends, as ncurses reads it, into model Keys. No
// curses here: it is fed one get_wch() result at a time, so tests feed it the
// exact sequences a terminal sends.
//
// It is fed two things:
//  - a function key code (get_wch() said KEY_CODE_YES), looked up in a
//    FunctionKeys table that the curses side builds from the terminfo of the
//    running TERM (TerminfoKeys.hpp): KEY_LEFT and friends, and the extended
//    keys such as kLFT5 (Ctrl-Left) whose codes ncurses hands out at run time;
//  - a character: text, a control key, or a byte of an escape sequence the
//    terminfo does not know, which ncurses then passes on one by one. Under
//    TERM=screen-256color, tmux's Ctrl-Left (ESC [ 1 ; 5 D) comes this way.
//
// Escape sequences decoded from characters (what xterm, tmux, screen and
// rxvt send, whatever TERM says):
//
//   ESC x                      Alt-x (ESC is the Meta prefix, as in readline)
//   ESC [ params final         CSI. Finals A B C D H F: arrows, Home, End;
//                              ~: keys by number (1/7 Home, 2 Insert,
//                              3 Del, 4/8 End, 5 PgUp, 6 PgDn, 12 F2);
//                              P Q R S: F1-F4; u: a character (CSI u);
//                              rxvt's ^ (Ctrl) and $ (Shift) after a number
//   ESC O [m] final            SS3: arrows, Home, End, F1-F4, the keypad;
//                              rxvt's a-d (Ctrl-arrows)
//   ESC ESC [ ... / ESC ESC O  Alt and the key that follows (rxvt, screen)
//   ESC [ 200 ~ ... ESC [ 201 ~   a bracketed paste: one Key::Paste
//   ESC [ M b x y, ESC [ < b ; x ; y M, ESC [ b ; x ; y M
//                              mouse reports (X10, SGR, urxvt): the wheel
//
// A modifier parameter m is 1 + (1 Shift | 2 Alt | 4 Ctrl | 8 Meta), as
// xterm sends it ("ESC [ 1 ; 5 D" is Ctrl-Left). Meta counts as Alt. Keys
// with modifiers become Keys as bind() says:
//
//   no modifier or Shift only   the key itself (Shift-PgUp is PgUp)
//   Ctrl  Left Right Del        CtrlLeft CtrlRight CtrlDelete
//   Alt   Left Right Backspace  AltLeft AltRight AltBackspace
//   anything else               nothing
//
// A sequence that is not recognised is dropped whole, never inserted as
// text. A character that cannot continue a sequence (a control character,
// non-ASCII) ends it: the partial sequence is dropped and the character is
// taken on its own. flush() drops a partial sequence the terminal never
// finished (the caller waits ESCDELAY-like first; see midSequence()).
//
// Inside a paste, text, Tabs and line breaks (CR, LF) are collected; other
// control characters and any escape sequence but the end marker are left
// out. A paste longer than paste::kMaxBytes is kept to one byte more.
//
// Threading: none; owned by the UI thread's CursesScreen.

#include <cstddef>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "model/Key.hpp"

namespace hermes::tui {

// Modifier bits, as in xterm's parameter m - 1.
namespace mod {
constexpr unsigned kShift = 1;
constexpr unsigned kAlt = 2;
constexpr unsigned kCtrl = 4;
constexpr unsigned kMeta = 8;
}  // namespace mod

// A function key code from ncurses: which key, with which modifiers.
struct FunctionKey {
    KeyCode key = KeyCode::Char;
    unsigned modifiers = 0;
};
using FunctionKeys = std::unordered_map<int, FunctionKey>;

class KeyDecoder {
public:
    // Parameter bytes kept of one escape sequence; a longer one is still
    // read to its end, and dropped.
    static constexpr std::size_t kMaxSequence = 32;

    explicit KeyDecoder(FunctionKeys functionKeys = {});

    // get_wch() returned KEY_CODE_YES with `code`.
    void feedFunction(int code, std::vector<Key>& out);
    // get_wch() returned OK with `ch`.
    void feedChar(char32_t ch, std::vector<Key>& out);
    // Ends what is pending: a partial escape sequence (or a lone ESC) is
    // dropped; a paste whose end marker never came is delivered as it is.
    void flush(std::vector<Key>& out);

    // In the middle of an escape sequence (not a lone ESC, which may be an
    // Alt prefix typed by hand, and not a paste's text).
    bool midSequence() const;
    bool inPaste() const { return pasting_; }

    // The Key for `key` pressed with `modifiers` (mod:: bits), if bound.
    static std::optional<Key> bind(KeyCode key, unsigned modifiers);

private:
    enum class State { Ground, Escape, EscEscape, Csi, Ss3, MouseX10 };

    void ground(char32_t ch, std::vector<Key>& out);
    void afterEscape(char32_t ch, std::vector<Key>& out);
    void sequenceByte(char32_t ch, std::vector<Key>& out);
    void finishCsi(char final, std::vector<Key>& out);
    void finishSs3(char final, std::vector<Key>& out);
    void startSequence(State state, bool alt);
    void emit(std::optional<Key> key, std::vector<Key>& out);
    void endPaste(std::vector<Key>& out);

    FunctionKeys functionKeys_;
    State state_ = State::Ground;
    bool alt_ = false;       // the sequence came after an extra ESC
    std::string params_;     // parameter and intermediate bytes of the sequence
    bool overlong_ = false;  // params_ outgrew kMaxSequence: drop the sequence
    int mouseBytes_ = 0;     // X10 mouse: bytes of "b x y" read so far
    int mouseButton_ = 0;
    bool pasting_ = false;
    std::string paste_;
};

}  // namespace hermes::tui

#pragma once
// A key press as the model understands it, decoded by the UI layer from
// whatever the terminal sent (ncurses key codes, xterm-style modified keys,
// ESC prefixes for Alt, bracketed pastes; see ui/KeyDecoder.hpp). Keys are
// named for what was pressed; ChatModel::handleKey binds them to actions.
//
// Threading: a plain value.

#include <string>

namespace hermes::tui {

enum class KeyCode {
    Char,  // ch: a printable character
    Enter,
    Backspace,
    Delete,
    Left,
    Right,
    Up,
    Down,
    Home,
    End,
    PageUp,  // also Shift-PgUp
    PageDown,
    Tab,
    ToggleMembers,  // F2
    CtrlA,
    CtrlE,
    CtrlU,
    CtrlK,
    CtrlW,
    CtrlN,
    CtrlP,
    CtrlL,
    CtrlC,
    AltB,
    AltF,
    AltD,
    AltDigit,  // digit: 1..9, 0 for window 10
    AltBackspace,
    AltLeft,
    AltRight,
    CtrlLeft,
    CtrlRight,
    CtrlDelete,
    ScrollUp,    // mouse wheel
    ScrollDown,  // mouse wheel
    Paste,       // text: what was pasted between ESC[200~ and ESC[201~
};

struct Key {
    KeyCode code = KeyCode::Char;
    char32_t ch = 0;
    int digit = 0;
    // Paste: UTF-8, line breaks as sent (CR, LF or CR LF), Tabs kept, other
    // control characters left out.
    std::string text;
};

}  // namespace hermes::tui

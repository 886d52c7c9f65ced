#pragma once
// A key press as the model understands it, decoded by the UI layer from
// whatever the terminal sent (ncurses key codes, ESC prefixes for Alt).
//
// Threading: a plain value.

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
    PageUp,
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
    AltDigit,  // digit: 1..9, 0 for window 10
};

struct Key {
    KeyCode code = KeyCode::Char;
    char32_t ch = 0;
    int digit = 0;
};

}  // namespace hermes::tui

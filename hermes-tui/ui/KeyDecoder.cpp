#include "ui/KeyDecoder.hpp"

#include <curses.h>

namespace hermes::tui {

namespace {

std::optional<Key> code(KeyCode c) {
    Key k;
    k.code = c;
    return k;
}

}  // namespace

std::optional<Key> KeyDecoder::feed(bool function, int value) {
    if (function) {
        escape_ = false;
        switch (value) {
            case KEY_ENTER:
                return code(KeyCode::Enter);
            case KEY_BACKSPACE:
                return code(KeyCode::Backspace);
            case KEY_DC:
                return code(KeyCode::Delete);
            case KEY_LEFT:
                return code(KeyCode::Left);
            case KEY_RIGHT:
                return code(KeyCode::Right);
            case KEY_UP:
                return code(KeyCode::Up);
            case KEY_DOWN:
                return code(KeyCode::Down);
            case KEY_HOME:
                return code(KeyCode::Home);
            case KEY_END:
                return code(KeyCode::End);
            case KEY_PPAGE:
                return code(KeyCode::PageUp);
            case KEY_NPAGE:
                return code(KeyCode::PageDown);
            default:
                if (value == KEY_F(2)) {
                    return code(KeyCode::ToggleMembers);
                }
                return std::nullopt;
        }
    }
    if (escape_) {
        escape_ = false;
        if (value >= '0' && value <= '9') {
            Key k;
            k.code = KeyCode::AltDigit;
            k.digit = value - '0';
            return k;
        }
        if (value == 'b' || value == 'B') {
            return code(KeyCode::AltB);
        }
        if (value == 'f' || value == 'F') {
            return code(KeyCode::AltF);
        }
        if (value != 27) {
            return std::nullopt;  // an Alt chord we do not use
        }
    }
    switch (value) {
        case 27:
            escape_ = true;
            return std::nullopt;
        case '\r':
        case '\n':
            return code(KeyCode::Enter);
        case '\t':
            return code(KeyCode::Tab);
        case 127:
        case 8:
            return code(KeyCode::Backspace);
        case 1:
            return code(KeyCode::CtrlA);
        case 3:
            return code(KeyCode::CtrlC);
        case 5:
            return code(KeyCode::CtrlE);
        case 11:
            return code(KeyCode::CtrlK);
        case 12:
            return code(KeyCode::CtrlL);
        case 14:
            return code(KeyCode::CtrlN);
        case 16:
            return code(KeyCode::CtrlP);
        case 21:
            return code(KeyCode::CtrlU);
        case 23:
            return code(KeyCode::CtrlW);
        default:
            break;
    }
    if (value < 0x20) {
        return std::nullopt;
    }
    Key k;
    k.ch = static_cast<char32_t>(value);
    return k;
}

}  // namespace hermes::tui

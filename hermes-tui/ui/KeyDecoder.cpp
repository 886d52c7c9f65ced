#include "ui/KeyDecoder.hpp"

#include <utility>

#include "model/Paste.hpp"
#include "model/Utf8.hpp"

namespace hermes::tui {

namespace {

constexpr char32_t kEsc = 0x1B;
constexpr char32_t kDel = 0x7F;
constexpr char32_t kC1Csi = 0x9B;  // 8-bit CSI
constexpr char32_t kC1Ss3 = 0x8F;  // 8-bit SS3

Key code(KeyCode c) {
    Key k;
    k.code = c;
    return k;
}

Key character(char32_t ch) {
    Key k;
    k.ch = ch;
    return k;
}

// A control character typed on its own (Ctrl-x, Enter, Tab, Backspace).
std::optional<Key> control(char32_t ch) {
    switch (ch) {
        case '\r':
        case '\n':
            return code(KeyCode::Enter);
        case '\t':
            return code(KeyCode::Tab);
        case kDel:
        case 0x08:
            return code(KeyCode::Backspace);
        case 0x01:
            return code(KeyCode::CtrlA);
        case 0x03:
            return code(KeyCode::CtrlC);
        case 0x05:
            return code(KeyCode::CtrlE);
        case 0x0B:
            return code(KeyCode::CtrlK);
        case 0x0C:
            return code(KeyCode::CtrlL);
        case 0x0E:
            return code(KeyCode::CtrlN);
        case 0x10:
            return code(KeyCode::CtrlP);
        case 0x15:
            return code(KeyCode::CtrlU);
        case 0x17:
            return code(KeyCode::CtrlW);
        default:
            return std::nullopt;
    }
}

// Alt with a character (ESC x, or CSI u with Alt).
std::optional<Key> altCharacter(char32_t ch) {
    if (ch >= '0' && ch <= '9') {
        Key k = code(KeyCode::AltDigit);
        k.digit = static_cast<int>(ch - '0');
        return k;
    }
    switch (ch) {
        case 'b':
        case 'B':
            return code(KeyCode::AltB);
        case 'f':
        case 'F':
            return code(KeyCode::AltF);
        case 'd':
        case 'D':
            return code(KeyCode::AltD);
        case kDel:
        case 0x08:
            return code(KeyCode::AltBackspace);
        default:
            return std::nullopt;  // an Alt chord we give no meaning
    }
}

bool isText(char32_t ch) {
    return ch >= 0x20 && ch != kDel && !(ch >= 0x80 && ch < 0xA0);
}

// The numbers of "1;5" (an empty field is 0). Stops at anything else.
std::vector<unsigned> numbers(const std::string& params) {
    std::vector<unsigned> out(1, 0);
    for (const char c : params) {
        if (c == ';') {
            out.push_back(0);
        } else if (c >= '0' && c <= '9') {
            out.back() = out.back() * 10 + static_cast<unsigned>(c - '0');
            if (out.back() > 100000) {
                return {};
            }
        } else {
            return {};
        }
    }
    return out;
}

// Modifier bits from xterm's parameter m (1 or absent: none).
unsigned modifiers(unsigned m) {
    return m > 1 ? m - 1 : 0;
}

// The key of "ESC [ n ~" (and rxvt's "ESC [ n ^" and "ESC [ n $").
std::optional<KeyCode> tildeKey(unsigned n) {
    switch (n) {
        case 1:
        case 7:
            return KeyCode::Home;
        case 3:
            return KeyCode::Delete;
        case 4:
        case 8:
            return KeyCode::End;
        case 5:
            return KeyCode::PageUp;
        case 6:
            return KeyCode::PageDown;
        case 12:
            return KeyCode::ToggleMembers;  // F2
        default:
            return std::nullopt;  // Insert, the other F keys
    }
}

// The key of a CSI or SS3 final letter: A B C D H F, and F1-F4 as P Q R S.
std::optional<KeyCode> letterKey(char final) {
    switch (final) {
        case 'A':
            return KeyCode::Up;
        case 'B':
            return KeyCode::Down;
        case 'C':
            return KeyCode::Right;
        case 'D':
            return KeyCode::Left;
        case 'H':
            return KeyCode::Home;
        case 'F':
            return KeyCode::End;
        case 'Q':
            return KeyCode::ToggleMembers;  // F2
        default:
            return std::nullopt;
    }
}

// rxvt's lower-case arrows: a b c d for Up Down Right Left.
std::optional<KeyCode> rxvtArrow(char final) {
    switch (final) {
        case 'a':
            return KeyCode::Up;
        case 'b':
            return KeyCode::Down;
        case 'c':
            return KeyCode::Right;
        case 'd':
            return KeyCode::Left;
        default:
            return std::nullopt;
    }
}

// A mouse report's button code: 64 is wheel up, 65 wheel down.
std::optional<Key> wheel(unsigned button) {
    if ((button & 64U) == 0 || (button & 128U) != 0) {
        return std::nullopt;
    }
    switch (button & 3U) {
        case 0:
            return code(KeyCode::ScrollUp);
        case 1:
            return code(KeyCode::ScrollDown);
        default:
            return std::nullopt;  // wheel left/right
    }
}

}  // namespace

KeyDecoder::KeyDecoder(FunctionKeys functionKeys) : functionKeys_(std::move(functionKeys)) {}

std::optional<Key> KeyDecoder::bind(KeyCode key, unsigned modifiers) {
    if (modifiers & mod::kMeta) {
        modifiers = (modifiers & ~mod::kMeta) | mod::kAlt;
    }
    modifiers &= ~mod::kShift;
    if (modifiers == 0) {
        return code(key);
    }
    if (modifiers == mod::kCtrl) {
        switch (key) {
            case KeyCode::Left:
                return code(KeyCode::CtrlLeft);
            case KeyCode::Right:
                return code(KeyCode::CtrlRight);
            case KeyCode::Delete:
                return code(KeyCode::CtrlDelete);
            default:
                return std::nullopt;
        }
    }
    if (modifiers == mod::kAlt) {
        switch (key) {
            case KeyCode::Left:
                return code(KeyCode::AltLeft);
            case KeyCode::Right:
                return code(KeyCode::AltRight);
            case KeyCode::Backspace:
                return code(KeyCode::AltBackspace);
            default:
                return std::nullopt;
        }
    }
    return std::nullopt;
}

bool KeyDecoder::midSequence() const {
    return state_ != State::Ground && state_ != State::Escape;
}

void KeyDecoder::emit(std::optional<Key> key, std::vector<Key>& out) {
    if (key) {
        out.push_back(std::move(*key));
    }
}

void KeyDecoder::startSequence(State state, bool alt) {
    state_ = state;
    alt_ = alt;
    params_.clear();
    overlong_ = false;
}

void KeyDecoder::feedFunction(int value, std::vector<Key>& out) {
    const auto found = functionKeys_.find(value);
    if (pasting_) {
        // A pasted line break the terminfo calls a key; anything else pasted
        // that ncurses took for a key is no text.
        state_ = State::Ground;
        if (found != functionKeys_.end() && found->second.key == KeyCode::Enter &&
            paste_.size() <= paste::kMaxBytes) {
            paste_ += '\n';
        }
        return;
    }
    // ESC, then a key: Alt-key. A partial sequence before it is dropped.
    const bool alt = state_ == State::Escape || state_ == State::EscEscape;
    state_ = State::Ground;
    if (found == functionKeys_.end()) {
        return;
    }
    emit(bind(found->second.key, found->second.modifiers | (alt ? mod::kAlt : 0U)), out);
}

void KeyDecoder::feedChar(char32_t ch, std::vector<Key>& out) {
    switch (state_) {
        case State::Ground:
            ground(ch, out);
            break;
        case State::Escape:
            afterEscape(ch, out);
            break;
        case State::EscEscape:
            if (ch == '[') {
                startSequence(State::Csi, true);
            } else if (ch == 'O') {
                startSequence(State::Ss3, true);
            } else {
                // ESC ESC x: the first ESC means nothing; the second prefixes x.
                state_ = State::Escape;
                afterEscape(ch, out);
            }
            break;
        case State::Csi:
        case State::Ss3:
            sequenceByte(ch, out);
            break;
        case State::MouseX10:
            if (ch < 0x20) {
                state_ = State::Ground;
                ground(ch, out);
                break;
            }
            if (mouseBytes_++ == 0) {
                mouseButton_ = static_cast<int>(ch) - 32;
            }
            if (mouseBytes_ == 3) {
                state_ = State::Ground;
                if (!pasting_ && mouseButton_ >= 0) {
                    emit(wheel(static_cast<unsigned>(mouseButton_)), out);
                }
            }
            break;
    }
}

void KeyDecoder::ground(char32_t ch, std::vector<Key>& out) {
    if (ch == kEsc) {
        state_ = State::Escape;
        return;
    }
    if (ch == kC1Csi) {
        startSequence(State::Csi, false);
        return;
    }
    if (ch == kC1Ss3 && !pasting_) {
        startSequence(State::Ss3, false);
        return;
    }
    if (pasting_) {
        if ((isText(ch) || ch == '\t' || ch == '\r' || ch == '\n') &&
            paste_.size() <= paste::kMaxBytes) {
            paste_ += utf8::encode(ch);
        }
        return;
    }
    if (isText(ch)) {
        out.push_back(character(ch));
        return;
    }
    emit(control(ch), out);
}

void KeyDecoder::afterEscape(char32_t ch, std::vector<Key>& out) {
    state_ = State::Ground;
    if (ch == '[') {
        startSequence(State::Csi, false);
        return;
    }
    if (pasting_) {
        ground(ch, out);  // a pasted ESC that starts no CSI is left out
        return;
    }
    if (ch == 'O') {
        startSequence(State::Ss3, false);
    } else if (ch == kEsc) {
        state_ = State::EscEscape;
    } else {
        emit(altCharacter(ch), out);
    }
}

void KeyDecoder::sequenceByte(char32_t ch, std::vector<Key>& out) {
    if (ch < 0x20 || ch > 0x7E) {
        // Cannot be part of a sequence: drop the sequence, take ch on its own.
        state_ = State::Ground;
        alt_ = false;
        ground(ch, out);
        return;
    }
    const char c = static_cast<char>(ch);
    const bool rxvtFinal = state_ == State::Csi && c == '$';  // rxvt's Shift-key
    if ((ch >= 0x20 && ch <= 0x3F) && !rxvtFinal) {
        if (params_.size() < kMaxSequence) {
            params_ += c;
        } else {
            overlong_ = true;
        }
        return;
    }
    const State state = state_;
    state_ = State::Ground;
    if (overlong_) {
        alt_ = false;
        return;
    }
    if (state == State::Csi) {
        finishCsi(c, out);
    } else {
        finishSs3(c, out);
    }
    alt_ = false;
}

void KeyDecoder::finishCsi(char final, std::vector<Key>& out) {
    if (pasting_) {
        if (final == '~' && params_ == "201") {
            endPaste(out);
        }
        return;  // any other sequence inside a paste is no text
    }
    const unsigned alt = alt_ ? mod::kAlt : 0U;
    if (final == 'M' && params_.empty()) {
        state_ = State::MouseX10;  // three bytes follow: button, column, row
        mouseBytes_ = 0;
        mouseButton_ = -1;
        return;
    }
    if (final == 'M' || final == 'm') {
        if (final == 'M' && !params_.empty() && params_.front() == '<') {
            const std::vector<unsigned> n = numbers(params_.substr(1));
            if (n.size() == 3) {
                emit(wheel(n[0]), out);  // SGR 1006
            }
        } else if (final == 'M') {
            const std::vector<unsigned> n = numbers(params_);
            if (n.size() == 3 && n[0] >= 32) {
                emit(wheel(n[0] - 32), out);  // urxvt 1015
            }
        }
        return;  // 'm' is a button release
    }
    const std::vector<unsigned> n = numbers(params_);
    if (n.empty()) {
        return;  // private parameters (?, >, =) are no key
    }
    const unsigned m = n.size() > 1 ? n[1] : 1;
    if (final == '~' || final == '^' || final == '$' || final == '@') {
        if (final == '~' && n[0] == 200 && n.size() == 1) {
            pasting_ = true;
            paste_.clear();
            return;
        }
        unsigned bits = modifiers(m);
        bits |= final == '^' ? mod::kCtrl : final == '$' ? mod::kShift : 0U;
        bits |= final == '@' ? mod::kCtrl | mod::kShift : 0U;
        if (const auto key = tildeKey(n[0])) {
            emit(bind(*key, bits | alt), out);
        }
        return;
    }
    if (final == 'u') {
        // CSI u ("fixterms"): a character and its modifiers.
        const unsigned bits = modifiers(m) | alt;
        const auto ch = static_cast<char32_t>(n[0]);
        if (ch == kDel || ch == 0x08) {
            emit(bind(KeyCode::Backspace, bits), out);
        } else if (ch == '\r') {
            emit(bind(KeyCode::Enter, bits), out);
        } else if (ch == '\t') {
            emit(bind(KeyCode::Tab, bits), out);
        } else if ((bits & ~mod::kShift) == mod::kAlt || (bits & ~mod::kShift) == mod::kMeta) {
            emit(altCharacter(ch), out);
        } else if ((bits & ~mod::kShift) == mod::kCtrl && ch >= '@' && ch <= 0x7E) {
            emit(control(ch & 0x1F), out);
        } else if ((bits & ~mod::kShift) == 0 && isText(ch)) {
            out.push_back(character(ch));
        }
        return;
    }
    if (const auto key = rxvtArrow(final)) {
        emit(bind(*key, mod::kShift | alt), out);
        return;
    }
    if (final == 'P' || final == 'R' || final == 'S') {
        return;  // F1, F3, F4
    }
    if (const auto key = letterKey(final)) {
        // "ESC [ 1 ; 5 D"; some terminals send "ESC [ 5 D".
        const unsigned mm = n.size() > 1 ? n[1] : n[0];
        emit(bind(*key, modifiers(mm) | alt), out);
    }
    // Anything else (Shift-Tab's Z, focus reports, replies) is no key.
}

void KeyDecoder::finishSs3(char final, std::vector<Key>& out) {
    const unsigned alt = alt_ ? mod::kAlt : 0U;
    const std::vector<unsigned> n = numbers(params_);
    if (n.empty()) {
        return;
    }
    // "ESC O 5 D" (old xterm) or "ESC O 1 ; 5 D".
    const unsigned bits = modifiers(n.size() > 1 ? n[1] : n[0]) | alt;
    if (const auto key = rxvtArrow(final)) {
        emit(bind(*key, mod::kCtrl | bits), out);
        return;
    }
    if (const auto key = letterKey(final)) {
        emit(bind(*key, bits), out);
        return;
    }
    if (final == 'M') {
        emit(bind(KeyCode::Enter, bits), out);  // keypad Enter
        return;
    }
    // The keypad in application mode: ESC O p..y are 0..9, j..o and X signs.
    static constexpr char kKeypad[] = "*+,-./0123456789";
    if (final >= 'j' && final <= 'y' && bits == 0) {
        out.push_back(character(static_cast<char32_t>(kKeypad[final - 'j'])));
    } else if (final == 'X' && bits == 0) {
        out.push_back(character('='));
    }
}

void KeyDecoder::endPaste(std::vector<Key>& out) {
    pasting_ = false;
    Key k = code(KeyCode::Paste);
    k.text = std::move(paste_);
    paste_.clear();
    out.push_back(std::move(k));
}

void KeyDecoder::flush(std::vector<Key>& out) {
    state_ = State::Ground;
    alt_ = false;
    params_.clear();
    overlong_ = false;
    if (pasting_) {
        endPaste(out);
    }
}

}  // namespace hermes::tui

#include "ui/TerminfoKeys.hpp"

#include <curses.h>

#include <string>

namespace hermes::tui {

FunctionKeys terminfoFunctionKeys() {
    FunctionKeys keys = {
        {KEY_ENTER, {KeyCode::Enter, 0}},
        {KEY_BACKSPACE, {KeyCode::Backspace, 0}},
        {KEY_DC, {KeyCode::Delete, 0}},
        {KEY_LEFT, {KeyCode::Left, 0}},
        {KEY_RIGHT, {KeyCode::Right, 0}},
        {KEY_UP, {KeyCode::Up, 0}},
        {KEY_DOWN, {KeyCode::Down, 0}},
        {KEY_HOME, {KeyCode::Home, 0}},
        {KEY_END, {KeyCode::End, 0}},
        {KEY_PPAGE, {KeyCode::PageUp, 0}},
        {KEY_NPAGE, {KeyCode::PageDown, 0}},
        {KEY_F(2), {KeyCode::ToggleMembers, 0}},
        {KEY_SLEFT, {KeyCode::Left, mod::kShift}},
        {KEY_SRIGHT, {KeyCode::Right, mod::kShift}},
        {KEY_SDC, {KeyCode::Delete, mod::kShift}},
        {KEY_SHOME, {KeyCode::Home, mod::kShift}},
        {KEY_SEND, {KeyCode::End, mod::kShift}},
        {KEY_SPREVIOUS, {KeyCode::PageUp, mod::kShift}},
        {KEY_SNEXT, {KeyCode::PageDown, mod::kShift}},
    };
    struct Named {
        const char* name;
        KeyCode key;
    };
    static constexpr Named kNamed[] = {
        {"kLFT", KeyCode::Left},   {"kRIT", KeyCode::Right},    {"kUP", KeyCode::Up},
        {"kDN", KeyCode::Down},    {"kHOM", KeyCode::Home},     {"kEND", KeyCode::End},
        {"kPRV", KeyCode::PageUp}, {"kNXT", KeyCode::PageDown}, {"kDC", KeyCode::Delete},
    };
    for (const Named& named : kNamed) {
        for (unsigned m = 2; m <= 8; ++m) {
            // Parameter 2 (Shift) is the bare name (kLFT), or kUP2 in some entries.
            const std::string base(named.name);
            for (const std::string& name :
                 {base + std::to_string(m), m == 2 ? base : std::string()}) {
                if (name.empty()) {
                    continue;
                }
                const char* sequence = tigetstr(name.c_str());
                if (sequence == nullptr || sequence == reinterpret_cast<char*>(-1)) {
                    continue;  // absent, or not a string capability
                }
                const int code = key_defined(sequence);
                if (code > 0) {
                    keys.emplace(code, FunctionKey{named.key, m - 1});
                }
            }
        }
    }
    return keys;
}

}  // namespace hermes::tui

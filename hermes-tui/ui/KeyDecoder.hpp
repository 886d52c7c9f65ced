#pragma once
// Turns what ncurses reads (characters and KEY_* codes) into model Keys.
// Alt-x arrives as ESC followed by x, so ESC is held until the next input;
// an ESC followed by a key we give no Alt meaning to is dropped with it.
//
// Threading: none; one decoder per read.

#include <optional>

#include "model/Key.hpp"

namespace hermes::tui {

class KeyDecoder {
public:
    // `function`: get_wch returned KEY_CODE_YES (value is a KEY_* code).
    std::optional<Key> feed(bool function, int value);

private:
    bool escape_ = false;
};

}  // namespace hermes::tui

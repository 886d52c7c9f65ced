#pragma once
// A stable colour per nick: the same nick gets the same colour in every
// session and on every client (FNV-1a of the lower-cased nick), so people
// recognise each other at a glance.
//
// Threading: pure function.

#include <string_view>

namespace hermes::tui {

// The palette the renderer maps to terminal colours.
enum class Colour { Default, Red, Green, Yellow, Blue, Magenta, Cyan, White };

Colour nickColour(std::string_view nick);

}  // namespace hermes::tui

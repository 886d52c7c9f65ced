#pragma once
// A bracketed paste as the model sees it: text that arrives in one piece
// (Key::Paste) rather than as key presses. Nothing in it is a command key:
// Tabs stay Tabs and line breaks do not send. These helpers split it into the
// lines it would send and word the messages about it.
//
// Threading: pure functions.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace hermes::tui::paste {

// Largest paste taken, in bytes: a bound on memory, far above what a hub
// takes in one message. The key decoder keeps one byte more of a longer
// paste, so the model can tell it was longer and refuse it.
constexpr std::size_t kMaxBytes = std::size_t{1} << 20;

// The lines of `text`: split at CR LF, CR or LF (terminals paste line breaks
// as CR); one line break at the very end makes no empty last line. Control
// characters other than Tab are left out, as the hub would refuse them.
std::vector<std::string> splitLines(std::string_view text);

// 5120 -> "5,120": byte counts as people read them.
std::string groupDigits(std::size_t n);

}  // namespace hermes::tui::paste

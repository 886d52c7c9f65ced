#pragma once
// Word wrap by display width: breaks at spaces where it can, inside a word
// (between whole characters) where the word alone is wider than the row.
// A wide character never straddles the edge.
//
// Threading: pure function.

#include <string>
#include <string_view>
#include <vector>

namespace hermes::tui {

// Rows of at most `width` columns (width < 1 is treated as 1). Empty text
// gives one empty row.
std::vector<std::string> wordWrap(std::string_view text, int width);

}  // namespace hermes::tui

#pragma once
// The keys of the input line and the windows, as /help lists them after the
// commands, in a few lines (the README has them as a table; the bindings
// are in ChatModel::handleKey, the decoding of what terminals send in
// ui/KeyDecoder.hpp).
//
// Threading: pure function.

#include <string>
#include <vector>

namespace hermes::tui {

std::vector<std::string> keyHelpLines();

}  // namespace hermes::tui

#pragma once
// Tab completion of the word before the cursor: a command name when it is the
// first word and starts with '/', otherwise a nick of the current room
// (case-insensitive prefix). Repeated Tab cycles through the candidates; any
// other edit ends the cycle (reset()). A nick completed as the first word gets
// ": " after it, irssi-style; otherwise a space.
//
// Threading: none; owned by the UI thread's ChatModel.

#include <cstddef>
#include <string>
#include <vector>

#include "model/LineEditor.hpp"

namespace hermes::tui {

class Completion {
public:
    // Completes in `editor`; returns false when nothing matches.
    bool complete(LineEditor& editor, const std::vector<std::string>& nicks,
                  const std::vector<std::string>& commands);
    void reset() { active_ = false; }
    bool active() const { return active_; }

private:
    bool active_ = false;
    std::size_t wordStart_ = 0;
    std::size_t insertedEnd_ = 0;
    std::vector<std::string> candidates_;
    std::size_t index_ = 0;
    bool firstWord_ = false;
};

}  // namespace hermes::tui

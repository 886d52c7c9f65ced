#include "model/KeyHelp.hpp"

namespace hermes::tui {

// Four lines: /help shows an unknown command's error above the whole help,
// which must still fit a 24-row screen (21 message rows) to be read.
std::vector<std::string> keyHelpLines() {
    return {
        "Keys: Alt-1..9/0, Alt-Left/Right, Ctrl-P/N windows; F2 member list",
        "  PgUp/PgDn, Shift-PgUp/PgDn, mouse wheel scroll; Tab complete",
        "  Ctrl-Left/Right, Alt-B/F word; Ctrl-W, Alt-Backspace delete word",
        "  Ctrl-Del, Alt-D delete next word; Ctrl-A/E/U/K; Up/Down history",
    };
}

}  // namespace hermes::tui

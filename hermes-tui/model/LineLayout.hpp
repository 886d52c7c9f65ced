#pragma once
// How one Line takes rows in the message pane: a prefix ("HH:MM <nick> ",
// "HH:MM * nick ", "HH:MM -!- ", "HH:MM -- ", "HH:MM !! ") on the first row,
// the text wrapped by display width, continuation rows indented under the
// text (by 2 when the prefix is wider than half the pane). ChatView draws
// this layout, adding styles; Buffer scrolls by lineRowCount(), so drawing
// and scrolling always agree on how many rows a line takes.
//
// A reply has a row above it, the quote of the message it answers cut to the
// pane ("  > ana: lunch?"); a message with reactions a row below it, their
// counts ("  👍 2  🎉 1"). An edited message ends "(edited)", a deleted one
// shows only "(deleted)"; with /seqs each room line starts "[seq] ".
//
// Threading: pure functions.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "model/Buffer.hpp"

namespace hermes::tui {

// What a piece of the prefix is, for the renderer to style.
enum class PrefixRole { Plain, Nick, PresenceMark, NoticeMark, ErrorMark };

struct PrefixPiece {
    std::string text;
    PrefixRole role = PrefixRole::Plain;
};

struct LineLayout {
    std::vector<PrefixPiece> prefix;  // drawn before rows[0]
    int indent = 0;                   // columns before the text of rows[1..]
    std::vector<std::string> rows;    // the text of each row; never empty
    std::string quote;                // a reply's row above rows[0], cut to the width
    std::string reactions;            // the row below the last of rows, cut to the width
    // Every row the line takes: the quote's, the text's, the reactions'.
    std::size_t rowCount() const {
        return rows.size() + (quote.empty() ? 0 : 1) + (reactions.empty() ? 0 : 1);
    }
};

// What follows a pending line's text: " [queued]", " [sending]",
// " [not sent: why; /retry]"; empty for every other line.
std::string sendMark(const Line& line);

// The layout of `line` in a pane `width` columns wide.
LineLayout layoutLine(const Line& line, int width);

// layoutLine(line, width).rowCount(), at least 1.
std::size_t lineRowCount(const Line& line, int width);

// "HH:MM" of a wall-clock time (ms since the Unix epoch) in the local time zone.
std::string clockText(std::int64_t timeMs);

}  // namespace hermes::tui

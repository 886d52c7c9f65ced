#pragma once
// Replies, edits, deletes and reactions as hermes-tui shows them
// (docs/PROTOCOL.md section 8): folding a room's EDIT, DELETE, REACT and
// UNREACT events into the line they name (found by room seq:
// Buffer::findSeq), the quote of a reply, the reaction summary drawn under a
// message, and the lines the commands pick when no seq is given.
//
// An event whose message is not in the buffer (older than its scrollback or
// than what was loaded) changes nothing; folding is idempotent, so a history
// page that repeats an event (/context) does no harm.
//
// Threading: pure functions over the UI thread's buffers.

#include <cstdint>
#include <string>

#include "hermes/v1/hermes.pb.h"
#include "model/Buffer.hpp"

namespace hermes::tui {

// EDIT, DELETE, REACT or UNREACT: an event about a message, not a line.
bool isMessageEvent(hermes::v1::MessageKind kind);

// Folds `event` into the line of `buffer` it names; false if that line is
// not there.
bool applyMessageEvent(Buffer& buffer, const hermes::v1::ChatMessage& event);

// "ana: lunch?" for the quote above a reply to `line` ("(deleted)" when it
// was deleted).
std::string quoteOf(const Line& line);
// The quote for a reply to `seq` in `buffer`: quoteOf its line, or
// "message N" when it is not here.
std::string quoteFor(const Buffer& buffer, std::uint64_t seq);

// "👍 2  🎉 1": the reactions with their counts, in the order first used;
// empty when there are none.
std::string reactionSummary(const Line& line);

// The newest message (a room line with a seq, not deleted) from someone
// other than `nick`; null if none. /reply and /react without a seq.
const Line* newestFromOthers(const Buffer& buffer, const std::string& nick);
// Our newest message that is not deleted; null if none. Up on an empty line.
const Line* newestOwn(const Buffer& buffer);
// The newest message carrying `nick`'s `reaction`; null if none. /unreact.
const Line* newestReactedBy(const Buffer& buffer, const std::string& nick,
                            const std::string& reaction);

}  // namespace hermes::tui

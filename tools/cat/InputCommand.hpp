#pragma once
// What one line of hermes-cat's standard input asks for: a Say to the room.
// A plain line is a TEXT message; the commands (docs/PROTOCOL.md section 8)
// name a room seq N, which the JSON output prints as "seq":
//
//   /me TEXT            an ACTION
//   /reply N TEXT       a TEXT message answering message N
//   /edit N TEXT        replaces the text of your message N
//   /delete N           deletes message N (yours; any, for an operator)
//   /react N R          adds reaction R (an emoji or a word) to message N
//   /unreact N R        removes your reaction R from message N
//
// Any other line, "/" or not, is sent as it is. A command without its N or
// its text is refused here (`error`), and nothing is sent.
//
// Threading: none (a function of the line).

#include <optional>
#include <string>
#include <string_view>

#include "hermes/v1/hermes.pb.h"

namespace hermes::cat {

struct InputCommand {
    std::optional<hermes::v1::Say> say;  // client_msg_id not set
    std::string error;                   // set when the line is a broken command
};

InputCommand parseInputLine(std::string_view line, const std::string& room);

}  // namespace hermes::cat

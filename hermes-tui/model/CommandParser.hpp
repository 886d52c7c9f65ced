#pragma once
// Turns one submitted input line into a Command. A line not starting with
// '/' is text for the current buffer ("//x" sends "/x"). An unknown command,
// or a known one with missing arguments, becomes Help with an error: it is
// never sent as text.
//
// Threading: pure functions.

#include <string>
#include <string_view>
#include <vector>

namespace hermes::tui {

enum class CommandKind {
    None,  // empty line
    Say,   // text: the line
    Join,  // arg: room
    Part,  // arg: room (empty: the current one), text: reason
    Nick,  // arg: nick
    Msg,   // arg: nick, text
    Me,    // text
    Who,   // arg: room (empty: the current one)
    Rooms,
    Topic,  // text (empty with hasText false: show the topic)
    Clear,
    Help,        // arg: the command asked about; error: why help is shown
    Quit,        // text: quit message
    Window,      // number
    Members,     // toggle the member list pane
    Search,      // arg: room (empty: the current one), text: the words
    SearchMore,  // the next (older) page of the last search
    Context,     // number: a hit of the last search, as numbered in its buffer
};

struct Command {
    CommandKind kind = CommandKind::None;
    std::string arg;
    std::string text;
    bool hasText = false;
    int number = 0;
    std::string error;  // Help shown because of a mistake: what it was
};

class CommandParser {
public:
    static Command parse(std::string_view line);
    // Every command name with its leading '/', sorted: for completion.
    static const std::vector<std::string>& commandNames();
    // One line of usage per command.
    static std::vector<std::string> helpLines();
};

}  // namespace hermes::tui

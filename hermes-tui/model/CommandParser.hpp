#pragma once
// Turns one submitted input line into a Command. A line not starting with
// '/' is text for the current buffer ("//x" sends "/x"). Command names are
// case-insensitive and have aliases from irssi and WeeChat habits (/j, /leave,
// /names, /list, /win, /exit). An unknown command, or a known one with
// missing or extra arguments, becomes Invalid with a one-line error (the
// usage line of that command): it is never sent as text.
//
// Threading: pure functions.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hermes::tui {

enum class CommandKind {
    None,     // empty line
    Invalid,  // error: what is wrong, one line; arg: the command, if known
    Say,      // text: the line
    Join,     // arg: room
    Part,     // arg: room (empty: the current one), text: reason
    Nick,     // arg: nick
    Msg,      // arg: nick, text
    Query,    // arg: nick, text (optional, hasText)
    Me,       // text
    Who,      // arg: room (empty: the current one)
    Rooms,
    Topic,  // text (empty with hasText false: show the topic)
    Clear,
    Close,       // close the current window (a room: part it)
    Help,        // arg: the command asked about (its name, aliases resolved), or empty
    Quit,        // text: quit message
    Window,      // number
    Members,     // toggle the member list pane
    Search,      // arg: room (empty: the current one), text: the words
    SearchMore,  // the next (older) page of the last search
    Context,     // number: a hit of the last search, as numbered in its buffer
    Ignore,      // arg: nick (empty: list who is ignored)
    Unignore,    // arg: nick
    Whois,       // arg: nick
    Away,        // text: the reason (empty: back)
    Retry,       // send the current window's failed lines again
    // Moderation: number = the v1::ModerationAction; arg = the target as the
    // hub takes it (prefix removed), targetKind its v1::TargetKind; text =
    // the reason; expirySeconds; hubWide = the hub-wide ban list.
    Moderate,
    Bans,      // the ban list of this room, or (hubWide) of the hub
    Register,  // text: the password for the current nick
    Identify,  // arg: the account (empty: the current nick), text: the password
    Password,  // arg: the old password, text: the new one
    Upload,    // text: the path (the rest of the line, spaces and all)
    Download,  // arg: the seq of the FILE message (digits), text: the path (empty: its name)
    // Replies, edits, deletes and reactions: seq = the room seq of the
    // message (0: not given, for Reply, React and Unreact), text = the text
    // or the reaction.
    Reply,
    Edit,
    Delete,
    React,
    Unreact,
    Seqs,  // show or hide each room line's seq
};

struct Command {
    CommandKind kind = CommandKind::None;
    std::string arg;
    std::string text;
    bool hasText = false;
    int number = 0;
    std::string error;                // Invalid: what is wrong
    int targetKind = 0;               // Moderate: v1::TargetKind
    std::uint32_t expirySeconds = 0;  // Moderate: a ban's duration (0: until unbanned)
    bool hubWide = false;             // Moderate, Bans: the hub-wide ban list
    std::uint64_t seq = 0;            // Reply, Edit, Delete, React, Unreact: the message
};

class CommandParser {
public:
    static Command parse(std::string_view line);
    // Every command name with its leading '/', sorted, aliases left out: for completion.
    static const std::vector<std::string>& commandNames();
    // One line of usage per command, then the keys.
    static std::vector<std::string> helpLines();
    // The help of one command, named with or without '/', by name or alias;
    // nothing if there is no such command.
    static std::optional<std::vector<std::string>> helpFor(std::string_view name);
    // True for a line whose words after the command are passwords
    // (/register, /identify, /password): not echoed, not kept in the input
    // history, masked while typed. Returns where the secret part starts.
    static std::optional<std::size_t> secretFrom(std::string_view line);
};

}  // namespace hermes::tui

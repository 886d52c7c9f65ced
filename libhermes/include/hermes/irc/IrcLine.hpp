#pragma once
// One IRC message, as RFC 1459 section 2.3.1 / RFC 2812 section 2.3.1 draw
// it, with the IRCv3 message-tags prefix in front:
//
//   [ '@' tags SPACE ] [ ':' prefix SPACE ] command { SPACE param } [ SPACE ':' trailing ]
//   tags  = tag *( ';' tag ),   tag = key [ '=' escaped-value ]
//
// parse() takes a line without its CR LF (IrcLineReader cuts them) and is
// lenient where real clients are: several spaces between words, a trailing
// parameter without ':' as the last word. It keeps at most kMaxParams
// parameters (the rest is joined into the last, as RFC 2812 allows 15).
// serialize() writes the line with CR LF, putting ':' before the last
// parameter when it must (empty, a space in it, a leading ':') or when the
// caller asks (`trailing`), since clients render PRIVMSG text from it.
//
// Tag values are escaped on the wire (IRCv3 message-tags: "\:" for ';',
// "\s" for space, "\\", "\r", "\n"): parse() unescapes, serialize() escapes.
//
// Threading: a value; pure functions.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace hermes::irc {

struct IrcLine {
    static constexpr std::size_t kMaxParams = 15;

    std::vector<std::pair<std::string, std::string>> tags;
    std::string prefix;   // without ':'; empty: none
    std::string command;  // as sent; commands compare case-insensitively (upper())
    std::vector<std::string> params;
    bool trailing = false;  // serialize(): the last parameter always gets ':'

    // The command in ASCII upper case ("privmsg" -> "PRIVMSG").
    std::string upperCommand() const;
    // The tag's value, or nullopt when the line has no such tag.
    std::optional<std::string_view> tag(std::string_view key) const;

    // Appends the line and CR LF to `out`.
    void serialize(std::string& out) const;
    std::string serialize() const;
};

// `text` in ASCII upper case (commands and subcommands compare so).
std::string asciiUpper(std::string_view text);

// nullopt: no command (an empty line, only tags or a prefix).
std::optional<IrcLine> parseIrcLine(std::string_view line);

// IRCv3 tag value escaping, both ways.
void appendEscapedTagValue(std::string_view value, std::string& out);
std::string unescapeTagValue(std::string_view value);

}  // namespace hermes::irc

#pragma once
// Text between IRC and Hermes, both ways (docs/IRC.md "Text"):
// - CTCP ACTION ("\x01ACTION waves\x01") is Hermes's ACTION kind (/me);
// - mIRC formatting codes (bold, colour, ...) are control characters, which
//   Hermes text may not hold: they are stripped from what an IRC client says;
// - hub text bound for an IRC line loses CR, LF and NUL (they would end or
//   break the line);
// - a long Hermes message is cut into pieces that each fit a 512-byte line,
//   never inside a UTF-8 sequence.
//
// Threading: pure functions.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hermes::irc {

// The text of a CTCP ACTION, or nullopt when `text` is not one. The closing
// \x01 is optional, as clients send it.
std::optional<std::string_view> ctcpAction(std::string_view text);
// `text` without mIRC formatting codes (\x02 \x03[fg[,bg]] \x04 \x0F \x11 \x16 \x1D \x1E \x1F).
std::string stripFormatting(std::string_view text);
// `text` with CR, LF and NUL turned into spaces.
std::string sanitize(std::string_view text);
// Pieces of at most `maxBytes` bytes (at least one character each), cut at
// UTF-8 boundaries; views into `text`. Empty text: one empty piece.
std::vector<std::string_view> splitUtf8(std::string_view text, std::size_t maxBytes);

}  // namespace hermes::irc

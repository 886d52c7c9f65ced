#pragma once
// IRCv3 timestamps ("YYYY-MM-DDThh:mm:ss.sssZ", server-time and the
// chathistory timestamp= references), read and written.
//
// Threading: pure functions.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace hermes::irc {

// Milliseconds since the Unix epoch, or nullopt when `text` is not an
// RFC 3339 UTC time ("2026-12-05T13:07:00.123Z"; the fraction is optional).
std::optional<std::int64_t> parseIrcTime(std::string_view text);
// "YYYY-MM-DDThh:mm:ss.sssZ".
std::string formatIrcTime(std::int64_t ms);

}  // namespace hermes::irc

#pragma once
// Every syntax rule of the protocol, written once. Each check returns nothing
// when the input is acceptable, or a ProtocolError whose text a user can act
// on ("nick may not start with a digit", not "invalid input").
//
// Rules (docs/PROTOCOL.md "Names" and "Text"):
// - nick: 1..32 bytes of ASCII letters, digits and _-[]\`^{}|, not starting
//   with a digit or '-'; unique ignoring ASCII case.
// - room: 1..64 bytes of ASCII letters, digits and _-. ; an optional leading
//   '#' is accepted and dropped; compared and stored in lower case.
// - text: 1..max bytes of valid UTF-8 (no overlong forms, no surrogates,
//   nothing above U+10FFFF), with no control characters other than TAB: no
//   C0 controls (this includes CR, LF and ESC), no DEL, no C1 controls.
//
// Threading: pure functions.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "hermes/protocol/ProtocolError.hpp"

namespace hermes::protocol {

std::optional<ProtocolError> checkNick(std::string_view nick);
std::optional<ProtocolError> checkRoom(std::string_view room);
// `what` names the field in the message, e.g. "message" or "topic".
std::optional<ProtocolError> checkText(std::string_view text, std::size_t maxBytes,
                                       std::string_view what = "message");
// Like checkText, but empty is allowed (quit and leave reasons, topics).
std::optional<ProtocolError> checkOptionalText(std::string_view text, std::size_t maxBytes,
                                               std::string_view what);

// Byte offset of the first invalid UTF-8 sequence, or npos if valid.
std::size_t findInvalidUtf8(std::string_view text);
bool isValidUtf8(std::string_view text);

// The key under which a nick is unique: ASCII lower case.
std::string nickKey(std::string_view nick);
// The canonical form of a valid room name: '#' dropped, ASCII lower case.
std::string canonicalRoom(std::string_view room);

}  // namespace hermes::protocol

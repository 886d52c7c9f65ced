#pragma once
// IRC channel names and Hermes rooms (docs/IRC.md "Names"): `#room` on IRC
// is the Hermes room `room`, canonical in lower case.
//
// Threading: pure functions.

#include <string>
#include <string_view>

namespace hermes::irc {

// "#" + room: how IRC names a Hermes room.
std::string channelOf(std::string_view room);
// Whether an IRC target names a channel (not a nick).
bool isChannel(std::string_view target);
// A room name as the hub keeps it, or empty when it is not a valid one.
std::string roomOf(std::string_view target);

}  // namespace hermes::irc

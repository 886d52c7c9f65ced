#pragma once
// IRC channel names, target lists and Hermes rooms (docs/IRC.md "Names"): `#room` on IRC
// is the Hermes room `room`, canonical in lower case.
//
// Threading: pure functions.

#include <string>
#include <string_view>
#include <vector>

namespace hermes::irc {

// "#" + room: how IRC names a Hermes room.
std::string channelOf(std::string_view room);
// Whether an IRC target names a channel (not a nick).
bool isChannel(std::string_view target);
// A room name as the hub keeps it, or empty when it is not a valid one.
std::string roomOf(std::string_view target);
// The items of an IRC comma list ("#a,#b", "ana,bob"), empty ones dropped.
std::vector<std::string> splitComma(std::string_view list);

}  // namespace hermes::irc

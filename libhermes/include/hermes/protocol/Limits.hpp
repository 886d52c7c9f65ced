#pragma once
// Protocol limits that are part of the language itself (not configurable),
// and the defaults of those a hub may configure.

#include <cstddef>

namespace hermes::protocol {

inline constexpr unsigned kProtocolVersion = 1;

// Names.
inline constexpr std::size_t kMaxNickBytes = 32;
inline constexpr std::size_t kMaxRoomBytes = 64;

// Frames: before Welcome only a Hello is expected, so the cap is small.
inline constexpr std::size_t kHandshakeMaxFrameBytes = 4 * 1024;
inline constexpr std::size_t kDefaultMaxFrameBytes = 64 * 1024;

// Texts of messages, topics and reasons.
inline constexpr std::size_t kDefaultMaxTextBytes = 4 * 1024;
inline constexpr std::size_t kMaxReasonBytes = 256;
// An away text is a reason too; a client name is shown by Whois.
inline constexpr std::size_t kMaxAwayBytes = kMaxReasonBytes;
inline constexpr std::size_t kMaxClientNameBytes = 64;
// Passwords (Hello.password, Hello.hub_password, Register, Identify,
// ChangePassword): any bytes but empty, at most this long.
inline constexpr std::size_t kMaxPasswordBytes = 256;

// History.
inline constexpr std::size_t kDefaultHistoryPageMax = 200;

}  // namespace hermes::protocol

#pragma once
// The history database's message keys (schema version 7 on): one integer,
// the room's id and the seq packed, so that a room's messages are a range
// of keys in seq order (SqliteHistory.hpp).
//
// Threading: constants and a pure function.

#include <cstdint>

namespace hermes::hub {

// The seq is the key's low kSeqBits bits.
inline constexpr int kSeqBits = 40;
inline constexpr std::int64_t kSeqMask = (std::int64_t{1} << kSeqBits) - 1;
inline constexpr std::uint64_t kMaxSeq = static_cast<std::uint64_t>(kSeqMask);
// Room ids below this keep a key positive (63 value bits of an int64).
inline constexpr std::int64_t kRoomLimit = std::int64_t{1} << (63 - kSeqBits);

inline std::int64_t messageKey(std::int64_t roomId, std::uint64_t seq) {
    return (roomId << kSeqBits) | static_cast<std::int64_t>(seq);
}

}  // namespace hermes::hub

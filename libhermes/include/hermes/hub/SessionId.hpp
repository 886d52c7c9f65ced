#pragma once
#include <cstdint>

namespace hermes::hub {
// Identifies one connection for its whole life; never reused by a hub.
using SessionId = std::uint64_t;
}  // namespace hermes::hub

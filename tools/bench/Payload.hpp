#pragma once
// The text of every bench message: who sent it, its number and when, so that
// each receiver can check completeness and order and time the delivery
// without asking anyone:
//
//   "s<sender> n<counter> t<send time, ns of CLOCK_MONOTONIC> " then '.' up to
//   the requested size, e.g. "s17 n42 t81234567890123 ......"
//
// Plain ASCII so that it passes the hub's text rules. The time is this
// process's monotonic clock, so latency is measured on one clock.
//
// Threading: free functions, no state.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace hermes::bench {

struct PayloadFields {
    std::uint32_t sender = 0;
    std::uint32_t counter = 0;
    std::uint64_t sentNs = 0;
};

// The longest header ("s4294967295 n4294967295 t18446744073709551615 ").
inline constexpr std::size_t kMaxPayloadHeader = 46;

// Writes the payload into `out` (replacing it): exactly max(size, header)
// bytes.
void formatPayload(const PayloadFields& fields, std::size_t size, std::string& out);

// False if `text` is not a bench payload.
bool parsePayload(std::string_view text, PayloadFields& out);

}  // namespace hermes::bench

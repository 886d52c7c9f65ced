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

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
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

namespace payload_detail {

static_assert(std::endian::native == std::endian::little, "the digit scan loads little-endian");

inline constexpr std::uint64_t kPow10[9] = {1,      10,      100,      1000,     10000,
                                            100000, 1000000, 10000000, 100000000};

// How many of the 8 chars in `chunk` (first char in the low byte) are ASCII
// digits before the first non-digit. A non-digit byte is one whose high
// nibble is not 3 or that is above '9' (adding 6 carries it past 0x3f); a
// carry out of a byte only disturbs bytes after it, which do not count.
inline unsigned leadingDigits(std::uint64_t chunk) {
    constexpr std::uint64_t kHigh = 0xF0F0F0F0F0F0F0F0ULL;
    const std::uint64_t high = chunk & kHigh;
    const std::uint64_t low = ((chunk + 0x0606060606060606ULL) & kHigh) >> 4;
    const std::uint64_t notDigit = (high | low) ^ 0x3333333333333333ULL;
    return notDigit == 0 ? 8 : static_cast<unsigned>(__builtin_ctzll(notDigit)) / 8;
}

// The value of 8 ASCII digits, first char in the low byte; zero bytes count
// as leading zeros (D. Lemire's SWAR conversion).
inline std::uint64_t eightDigits(std::uint64_t chunk) {
    chunk = ((chunk & 0x0F0F0F0F0F0F0F0FULL) * 2561) >> 8;
    chunk = ((chunk & 0x00FF00FF00FF00FFULL) * 6553601) >> 16;
    return ((chunk & 0x0000FFFF0000FFFFULL) * 42949672960001ULL) >> 32;
}

inline bool isDigit(char c) {
    return static_cast<unsigned char>(c - '0') < 10;
}

// A run of `count` digits, checked for overflow: the rare path.
inline bool checkedNumber(const char* digits, std::size_t count, std::uint64_t& value) {
    std::uint64_t result = 0;
    for (std::size_t i = 0; i < count; ++i) {
        if (__builtin_mul_overflow(result, std::uint64_t{10}, &result) ||
            __builtin_add_overflow(result, static_cast<std::uint64_t>(digits[i] - '0'), &result)) {
            return false;
        }
    }
    value = result;
    return true;
}

// Reads "<letter><decimal digits>" then a space or the end of the text, and
// advances p past it. It runs three times per delivery, so digits are taken
// 8 at a time where 8 bytes remain. Rejects an empty number and one above
// UINT64_MAX, as std::from_chars does.
inline bool takeField(const char*& p, const char* end, char letter, std::uint64_t& value) {
    if (end - p < 2 || *p != letter) {
        return false;
    }
    const char* const digits = ++p;
    std::uint64_t result = 0;
    bool runOn = true;  // the digits may go on past what was looked at
    while (runOn && end - p >= 8) {
        std::uint64_t chunk = 0;
        std::memcpy(&chunk, p, sizeof chunk);
        const unsigned n = leadingDigits(chunk);
        if (n == 0) {
            runOn = false;
            break;
        }
        // Shift the n digits to the top bytes: the zeros below are leading zeros.
        result = result * kPow10[n] + eightDigits(chunk << (8 * (8 - n)));
        p += n;
        runOn = n == 8;
    }
    while (runOn && p < end && isDigit(*p)) {
        result = result * 10 + static_cast<std::uint64_t>(*p - '0');
        ++p;
    }
    const auto count = static_cast<std::size_t>(p - digits);
    // 19 digits always fit in 64 bits: more may have wrapped, so recount.
    constexpr std::size_t kAlwaysFits = 19;
    if (count == 0 || (count > kAlwaysFits && !checkedNumber(digits, count, result))) {
        return false;
    }
    if (p < end) {
        if (*p != ' ') {
            return false;
        }
        ++p;
    }
    value = result;
    return true;
}

}  // namespace payload_detail

// False if `text` is not a bench payload.
inline bool parsePayload(std::string_view text, PayloadFields& out) {
    const char* p = text.data();
    const char* const end = p + text.size();
    std::uint64_t sender = 0;
    std::uint64_t counter = 0;
    std::uint64_t sentNs = 0;
    if (!payload_detail::takeField(p, end, 's', sender) ||
        !payload_detail::takeField(p, end, 'n', counter) ||
        !payload_detail::takeField(p, end, 't', sentNs)) {
        return false;
    }
    if (sender > UINT32_MAX || counter > UINT32_MAX) {
        return false;
    }
    out.sender = static_cast<std::uint32_t>(sender);
    out.counter = static_cast<std::uint32_t>(counter);
    out.sentNs = sentNs;
    return true;
}

}  // namespace hermes::bench

#pragma once
// Delays between reconnect attempts: capped exponential backoff with "equal
// jitter". Attempt n (from 1) waits a uniformly random time in [d/2, d] where
// d = min(max, initial * 2^(n-1)), so clients dropped together by a hub
// restart do not all come back in the same millisecond.
//
// Threading: none; owned by the client's I/O thread.

#include <chrono>
#include <cstdint>
#include <random>

namespace hermes::client {

class ReconnectBackoff {
public:
    ReconnectBackoff(std::chrono::milliseconds initial, std::chrono::milliseconds max,
                     std::uint64_t seed);

    // The delay before the next attempt; each call counts one attempt.
    std::chrono::milliseconds next();
    // After a successful session: the next delay starts from `initial` again.
    void reset() { attempts_ = 0; }
    unsigned attempts() const { return attempts_; }

    // The un-jittered ceiling for attempt `attempt` (from 1).
    std::chrono::milliseconds ceiling(unsigned attempt) const;

private:
    std::chrono::milliseconds initial_;
    std::chrono::milliseconds max_;
    unsigned attempts_ = 0;
    std::mt19937_64 random_;
};

}  // namespace hermes::client

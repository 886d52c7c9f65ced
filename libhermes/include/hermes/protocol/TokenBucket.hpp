#pragma once
// A token bucket: `burst` tokens at most (unless granted more: grant()),
// refilled at `ratePerSecond`: the protocol's rate limit (docs/PROTOCOL.md
// "Rate limit"). The hub keeps one per session, where a frame without a
// token waits until nextTokenAt(); a client keeps one with the figures of
// Welcome.limits, to pace itself so that it never has to wait there. A rate
// of 0 means unlimited.
//
// Threading: none; one bucket belongs to one session (or client) and thread.

#include <algorithm>
#include <chrono>

namespace hermes::protocol {

class TokenBucket {
public:
    using TimePoint = std::chrono::steady_clock::time_point;

    TokenBucket() = default;
    // The bucket starts full, so a fresh client may send `burst` frames at once.
    TokenBucket(double ratePerSecond, double burst, TimePoint now);

    bool unlimited() const { return rate_ <= 0.0; }

    // Takes one token if one is available at `now`.
    bool tryTake(TimePoint now);

    // When the next whole token will be available (`now` if one already is).
    TimePoint nextTokenAt(TimePoint now);

    double tokens(TimePoint now);

    // Raises what the bucket holds at `now` to at least `burst` + `credit`:
    // time the holder could not spend (the hub's input pause). A grant
    // replaces what is left of an earlier one; it never adds to it, so
    // grants cannot pile up. Tokens above `burst` are spent like any other;
    // the bucket refills only while it holds less than `burst`.
    void grant(TimePoint now, double credit);
    // New figures for a live bucket (a config reload): what it holds is
    // refilled at the old rate up to `now`, then moves by the change of
    // burst (a larger burst is there at once; a smaller one caps what is
    // held, and drops any grant), and refills at the new rate from then on.
    void retune(double ratePerSecond, double burst, TimePoint now);
    // Gives back whatever is held above `burst`.
    void dropGrant() { tokens_ = std::min(tokens_, burst_); }

private:
    void refill(TimePoint now);

    double rate_ = 0.0;
    double burst_ = 1.0;
    double tokens_ = 1.0;
    TimePoint last_{};
};

}  // namespace hermes::protocol

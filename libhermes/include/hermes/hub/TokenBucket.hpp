#pragma once
// A token bucket: `burst` tokens at most, refilled at `ratePerSecond`. One
// client frame takes one token; a frame without a token waits (the hub keeps
// it) until nextTokenAt(). A rate of 0 means unlimited.
//
// Threading: none; one bucket belongs to one session on the hub's thread.

#include "hermes/hub/Clock.hpp"

namespace hermes::hub {

class TokenBucket {
public:
    TokenBucket() = default;
    // The bucket starts full, so a fresh client may send `burst` frames at once.
    TokenBucket(double ratePerSecond, double burst, TimePoint now);

    bool unlimited() const { return rate_ <= 0.0; }

    // Takes one token if one is available at `now`.
    bool tryTake(TimePoint now);

    // When the next whole token will be available (`now` if one already is).
    TimePoint nextTokenAt(TimePoint now);

    double tokens(TimePoint now);

private:
    void refill(TimePoint now);

    double rate_ = 0.0;
    double burst_ = 1.0;
    double tokens_ = 1.0;
    TimePoint last_{};
};

}  // namespace hermes::hub

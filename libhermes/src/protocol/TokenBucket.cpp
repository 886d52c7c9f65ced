#include "hermes/protocol/TokenBucket.hpp"

#include <algorithm>
#include <cmath>

namespace hermes::protocol {

namespace {
// Refill arithmetic in doubles may land a hair below a whole token at the
// exact time nextTokenAt() promised one.
constexpr double kWholeToken = 1.0 - 1e-9;
}  // namespace

TokenBucket::TokenBucket(double ratePerSecond, double burst, TimePoint now)
    : rate_(ratePerSecond),
      // Below one token nothing could ever be sent: a burst of at least 1 is implied.
      burst_(std::max(burst, 1.0)),
      tokens_(burst_),
      last_(now) {}

void TokenBucket::refill(TimePoint now) {
    if (now <= last_) {
        return;  // time never runs backwards for the bucket
    }
    if (tokens_ < burst_) {  // a grant past burst is kept until spent
        const double elapsed = std::chrono::duration<double>(now - last_).count();
        tokens_ = std::min(burst_, tokens_ + elapsed * rate_);
    }
    last_ = now;
}

void TokenBucket::retune(double ratePerSecond, double burst, TimePoint now) {
    const bool wasUnlimited = unlimited();
    refill(now);
    const double newBurst = std::max(burst, 1.0);
    tokens_ = wasUnlimited
                  ? newBurst
                  : std::clamp(std::min(tokens_, burst_) + (newBurst - burst_), 0.0, newBurst);
    rate_ = ratePerSecond;
    burst_ = newBurst;
    last_ = std::max(last_, now);
}

void TokenBucket::grant(TimePoint now, double credit) {
    if (unlimited()) {
        return;
    }
    refill(now);
    tokens_ = std::max(tokens_, burst_ + std::max(credit, 0.0));
}

bool TokenBucket::tryTake(TimePoint now) {
    if (unlimited()) {
        return true;
    }
    refill(now);
    if (tokens_ >= kWholeToken) {
        tokens_ = std::max(0.0, tokens_ - 1.0);
        return true;
    }
    return false;
}

TokenBucket::TimePoint TokenBucket::nextTokenAt(TimePoint now) {
    if (unlimited()) {
        return now;
    }
    refill(now);
    if (tokens_ >= kWholeToken) {
        return now;
    }
    const double seconds = (1.0 - tokens_) / rate_;
    // Rounded up so that a tick at the returned time finds a whole token.
    const auto wait =
        std::chrono::ceil<TimePoint::duration>(std::chrono::duration<double>(seconds));
    return now + wait;
}

double TokenBucket::tokens(TimePoint now) {
    refill(now);
    return tokens_;
}

}  // namespace hermes::protocol

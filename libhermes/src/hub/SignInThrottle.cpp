#include "hermes/hub/SignInThrottle.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

namespace hermes::hub {

SignInThrottle::SignInThrottle(double perSecond, double burst, std::size_t maxEntries)
    : perSecond_(perSecond),
      burst_(std::max(1.0, burst)),
      maxEntries_(std::max<std::size_t>(1, maxEntries)) {}

double SignInThrottle::refilled(const Bucket& bucket, TimePoint now) const {
    const double elapsed = std::chrono::duration<double>(now - bucket.last).count();
    return std::min(burst_, bucket.tokens + std::max(0.0, elapsed) * perSecond_);
}

Clock::duration SignInThrottle::untilToken(double tokens) const {
    if (perSecond_ <= 0) {
        return std::chrono::hours(24);  // never refills: effectively locked
    }
    const double seconds = (1.0 - tokens) / perSecond_;
    return std::chrono::duration_cast<Clock::duration>(
        std::chrono::duration<double>(std::max(seconds, 0.001)));
}

void SignInThrottle::sweep(TimePoint now) {
    for (auto it = buckets_.begin(); it != buckets_.end();) {
        if (refilled(it->second, now) >= burst_) {
            it = buckets_.erase(it);
        } else {
            ++it;
        }
    }
}

SignInThrottle::Bucket* SignInThrottle::find(std::string_view key, TimePoint now, bool create) {
    const auto it = buckets_.find(std::string(key));
    if (it != buckets_.end()) {
        return &it->second;
    }
    if (!create) {
        return nullptr;
    }
    if (buckets_.size() >= maxEntries_) {
        return nullptr;
    }
    Bucket& bucket = buckets_[std::string(key)];
    bucket.tokens = burst_;
    bucket.last = now;
    return &bucket;
}

std::optional<Clock::duration> SignInThrottle::take(std::initializer_list<std::string_view> keys,
                                                    TimePoint now) {
    // Room is made before any bucket is taken: a sweep in the middle would
    // free a bucket found for an earlier key (one just made is full).
    if (buckets_.size() + keys.size() > maxEntries_) {
        sweep(now);
    }
    std::vector<Bucket*> buckets;
    std::optional<Clock::duration> wait;
    for (const std::string_view key : keys) {
        Bucket* bucket = find(key, now, true);
        if (bucket == nullptr) {
            // Full of keys that count failures: the newest waits for room.
            return untilToken(0);
        }
        bucket->tokens = refilled(*bucket, now);
        bucket->last = now;
        if (bucket->tokens < 1.0) {
            wait = std::max(wait.value_or(Clock::duration::zero()), untilToken(bucket->tokens));
        }
        buckets.push_back(bucket);
    }
    if (wait) {
        return wait;
    }
    for (Bucket* bucket : buckets) {
        bucket->tokens -= 1.0;
    }
    return std::nullopt;
}

void SignInThrottle::giveBack(std::initializer_list<std::string_view> keys, TimePoint now) {
    for (const std::string_view key : keys) {
        if (Bucket* bucket = find(key, now, false)) {
            bucket->tokens = std::min(burst_, refilled(*bucket, now) + 1.0);
            bucket->last = now;
        }
    }
}

}  // namespace hermes::hub

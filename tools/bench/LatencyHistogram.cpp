#include "LatencyHistogram.hpp"

#include <algorithm>
#include <cmath>

namespace hermes::bench {

std::uint64_t LatencyHistogram::lowestOf(std::size_t bucket) {
    if (bucket < kExactBelow) {
        return bucket;
    }
    const std::uint64_t k = bucket - kExactBelow;
    const std::uint64_t exponent = 8 + k / kSubBuckets;
    const std::uint64_t mantissa = kSubBuckets + k % kSubBuckets;
    return mantissa << (exponent - 7);
}

std::uint64_t LatencyHistogram::widthOf(std::size_t bucket) {
    if (bucket < kExactBelow) {
        return 1;
    }
    const std::uint64_t exponent = 8 + (bucket - kExactBelow) / kSubBuckets;
    return std::uint64_t{1} << (exponent - 7);
}

std::uint64_t LatencyHistogram::percentile(double p) const {
    if (count_ == 0) {
        return 0;
    }
    auto rank = static_cast<std::uint64_t>(std::ceil(p / 100.0 * static_cast<double>(count_)));
    rank = std::clamp<std::uint64_t>(rank, 1, count_);
    if (rank == count_) {
        return max_;  // kept exactly
    }
    if (rank == 1) {
        return min_;
    }
    std::uint64_t seen = 0;
    for (std::size_t bucket = 0; bucket < kBuckets; ++bucket) {
        seen += counts_[bucket];
        if (seen >= rank) {
            const std::uint64_t mid = lowestOf(bucket) + widthOf(bucket) / 2;
            return std::clamp(mid, min_, max_);
        }
    }
    return max_;  // unreachable: the counts add up to count_
}

}  // namespace hermes::bench

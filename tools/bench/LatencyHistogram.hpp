#pragma once
// Counts of latencies in log-linear buckets, HdrHistogram style, instead of
// storing and sorting every delivery's latency: recording is one increment,
// and memory is fixed (58 KiB) whatever the number of deliveries.
//
// Buckets (values in ns): below 256 one bucket per value (exact); above,
// each power of two [2^e, 2^(e+1)) is cut into 128 equal buckets of width
// 2^(e-7). A bucket is reported by its midpoint, so a percentile is within
// 1/256 (0.4 %) of the true nearest-rank value, over the whole uint64 range
// (1 us .. 60 s and beyond). min and max are kept exactly: the lowest and
// highest rank report them, and no percentile falls outside them.
//
// Threading: none; owned by the bench's event loop.

#include <cstddef>
#include <cstdint>
#include <vector>

namespace hermes::bench {

class LatencyHistogram {
public:
    // Values below this are counted exactly, one bucket each.
    static constexpr std::uint64_t kExactBelow = 256;
    // Buckets per power of two above kExactBelow.
    static constexpr std::uint64_t kSubBuckets = 128;
    static constexpr std::size_t kBuckets = kExactBelow + (64 - 8) * kSubBuckets;
    // Largest error of a reported percentile, relative to the true value.
    static constexpr double kMaxRelativeError = 1.0 / 256;

    LatencyHistogram() : counts_(kBuckets, 0) {}

    void record(std::uint64_t ns) {
        ++counts_[bucketOf(ns)];
        if (count_++ == 0 || ns < min_) {
            min_ = ns;
        }
        if (ns > max_) {
            max_ = ns;
        }
    }

    std::uint64_t count() const { return count_; }
    std::uint64_t min() const { return min_; }  // 0 if empty
    std::uint64_t max() const { return max_; }  // 0 if empty

    // The p-th percentile (0..100), nearest rank, within kMaxRelativeError;
    // 0 if empty.
    std::uint64_t percentile(double p) const;

    static std::size_t bucketOf(std::uint64_t ns) {
        if (ns < kExactBelow) {
            return static_cast<std::size_t>(ns);
        }
        const int exponent = 63 - __builtin_clzll(ns);        // >= 8
        const std::uint64_t mantissa = ns >> (exponent - 7);  // 128 .. 255
        return static_cast<std::size_t>(kExactBelow +
                                        static_cast<std::uint64_t>(exponent - 8) * kSubBuckets +
                                        (mantissa - kSubBuckets));
    }
    // The smallest value of a bucket, and how many values it holds.
    static std::uint64_t lowestOf(std::size_t bucket);
    static std::uint64_t widthOf(std::size_t bucket);

private:
    std::vector<std::uint64_t> counts_;
    std::uint64_t count_ = 0;
    std::uint64_t min_ = 0;
    std::uint64_t max_ = 0;
};

}  // namespace hermes::bench

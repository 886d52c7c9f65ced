#pragma once
// A histogram of durations with fixed buckets, in the shape Prometheus
// exposes one: cumulative counts per upper bound, a count and a sum. The
// bounds span 50 us to 10 s, which covers a loop turn and an fsync on a
// slow disk alike; what lies above the last bound is in `count` only
// (Prometheus' +Inf bucket).
//
// Threading: none. Its owner writes it on one thread and hands copies
// (it is a small value) to readers under the owner's own lock or snapshot.

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>

namespace hermes::hub {

struct LatencyHistogram {
    static constexpr std::array<double, 14> kBounds = {0.00005, 0.0001, 0.00025, 0.0005, 0.001,
                                                       0.0025,  0.005,  0.01,    0.025,  0.05,
                                                       0.1,     0.25,   1.0,     10.0};

    // Not cumulative: buckets[i] counts the observations in (bounds[i-1], bounds[i]].
    std::array<std::uint64_t, kBounds.size()> buckets{};
    std::uint64_t count = 0;
    double sumSeconds = 0.0;

    void observe(std::chrono::nanoseconds duration) {
        const double seconds = std::chrono::duration<double>(duration).count();
        ++count;
        sumSeconds += seconds;
        for (std::size_t i = 0; i < kBounds.size(); ++i) {
            if (seconds <= kBounds[i]) {
                ++buckets[i];
                return;
            }
        }
    }
};

}  // namespace hermes::hub

#pragma once
// The hub's figures over the last hour, for the operators' page (docs/HUB.md
// "Metrics", MetricsRequest): one sample every kInterval, the newest
// kSamples kept in a ring. A sample holds the gauges at its time (clients,
// queued bytes) and, over the interval before it, messages in and
// deliveries per second and the store's mean commit latency, from the
// running totals of HubStats and the store's commit histogram.
//
// Sampled from the hub's timer scan (every 250 ms it asks; once an interval
// it takes one): nothing on the message path. The store's histogram is read
// under the store's lock once per sample.
//
// Threading: none; the hub's thread.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "hermes/hub/Clock.hpp"
#include "hermes/hub/HubStats.hpp"
#include "hermes/hub/LatencyHistogram.hpp"
#include "hermes/v1/hermes.pb.h"

namespace hermes::hub {

class MetricsRing {
public:
    static constexpr std::chrono::seconds kInterval{10};
    static constexpr std::size_t kSamples = 360;  // an hour

    // The totals the first interval is measured from.
    void start(TimePoint now, const HubStats& stats, const LatencyHistogram& commits);
    bool due(TimePoint now) const { return now >= next_; }
    // Takes a sample at `now` (the caller asked due()).
    void sample(TimePoint now, const HubStats& stats, const LatencyHistogram& commits);

    // The samples, oldest first, and the figures since the newest one, as
    // of `now`.
    void report(TimePoint now, const HubStats& stats, const LatencyHistogram& commits,
                v1::MetricsReport& out) const;

private:
    struct Totals {
        TimePoint at{};
        std::uint64_t messagesIn = 0;
        std::uint64_t deliveries = 0;
        std::uint64_t commits = 0;
        double commitSeconds = 0.0;
    };
    struct Sample {
        TimePoint at{};
        std::uint64_t clients = 0;
        std::uint64_t queuedBytes = 0;
        double messagesInPerSecond = 0.0;
        double deliveriesPerSecond = 0.0;
        double commitLatencySeconds = 0.0;
        std::uint64_t commits = 0;
    };
    static Totals totals(TimePoint now, const HubStats& stats, const LatencyHistogram& commits);
    static Sample between(const Totals& from, const Totals& to, const HubStats& stats);
    static void fill(const Sample& sample, TimePoint now, v1::MetricsSample& out);

    std::vector<Sample> ring_;  // up to kSamples; ring_[head_] is the oldest once full
    std::size_t head_ = 0;
    Totals last_;
    TimePoint next_{};
};

}  // namespace hermes::hub

#include "MetricsRing.hpp"

#include <algorithm>

namespace hermes::hub {

void MetricsRing::start(TimePoint now, const HubStats& stats, const LatencyHistogram& commits) {
    last_ = totals(now, stats, commits);
    next_ = now + kInterval;
    ring_.reserve(kSamples);
}

void MetricsRing::sample(TimePoint now, const HubStats& stats, const LatencyHistogram& commits) {
    const Totals current = totals(now, stats, commits);
    const Sample sample = between(last_, current, stats);
    if (ring_.size() < kSamples) {
        ring_.push_back(sample);
    } else {
        ring_[head_] = sample;
        head_ = (head_ + 1) % kSamples;
    }
    last_ = current;
    // On the cadence, not from now: a late scan does not stretch the hour.
    // After a stall longer than a step (a stopped process) the cadence
    // restarts a whole step from now, so no near-empty sample follows.
    next_ = next_ + kInterval > now ? next_ + kInterval : now + kInterval;
}

void MetricsRing::report(TimePoint now, const HubStats& stats, const LatencyHistogram& commits,
                         v1::MetricsReport& out) const {
    out.set_interval_seconds(static_cast<std::uint32_t>(kInterval.count()));
    for (std::size_t i = 0; i < ring_.size(); ++i) {
        fill(ring_[(head_ + i) % ring_.size()], now, *out.add_samples());
    }
    fill(between(last_, totals(now, stats, commits), stats), now, *out.mutable_now());
    out.set_rooms(stats.rooms);
    out.set_uptime_seconds(stats.uptimeSeconds);
}

MetricsRing::Totals MetricsRing::totals(TimePoint now, const HubStats& stats,
                                        const LatencyHistogram& commits) {
    return Totals{now, stats.messagesIn, stats.deliveries, commits.count, commits.sumSeconds};
}

MetricsRing::Sample MetricsRing::between(const Totals& from, const Totals& to,
                                         const HubStats& stats) {
    Sample sample;
    sample.at = to.at;
    sample.clients = stats.clients;
    sample.queuedBytes = stats.bytesQueued;
    const double seconds = std::chrono::duration<double>(to.at - from.at).count();
    if (seconds > 0.0) {
        sample.messagesInPerSecond = static_cast<double>(to.messagesIn - from.messagesIn) / seconds;
        sample.deliveriesPerSecond = static_cast<double>(to.deliveries - from.deliveries) / seconds;
    }
    sample.commits = to.commits - from.commits;
    if (sample.commits > 0) {
        sample.commitLatencySeconds =
            (to.commitSeconds - from.commitSeconds) / static_cast<double>(sample.commits);
    }
    return sample;
}

void MetricsRing::fill(const Sample& sample, TimePoint now, v1::MetricsSample& out) {
    out.set_age_ms(static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::milliseconds>(now - sample.at).count()));
    out.set_clients(sample.clients);
    out.set_messages_in_per_second(sample.messagesInPerSecond);
    out.set_deliveries_per_second(sample.deliveriesPerSecond);
    out.set_queued_bytes(sample.queuedBytes);
    out.set_commit_latency_seconds(sample.commitLatencySeconds);
    out.set_commits(sample.commits);
}

}  // namespace hermes::hub

#include "BenchResult.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ostream>
#include <utility>

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>

#include "LatencyHistogram.hpp"

namespace hermes::bench {

namespace {

std::string fixed(double value, int decimals) {
    if (!std::isfinite(value)) {
        return "n/a";
    }
    char buffer[64];
    std::snprintf(buffer, sizeof buffer, "%.*f", decimals, value);
    return buffer;
}

// "event-loop 2.010, hist-writer 0.310": the threads that spent at least
// 5 ms, busiest first.
std::string threadCpu(const BenchResult& r) {
    std::vector<std::pair<std::string, double>> busy;
    for (const auto& [name, seconds] : r.hubThreadCpuSeconds) {
        if (seconds >= 0.005) {
            busy.emplace_back(name, seconds);
        }
    }
    std::sort(busy.begin(), busy.end(),
              [](const auto& a, const auto& b) { return a.second > b.second; });
    std::string out;
    for (const auto& [name, seconds] : busy) {
        out += (out.empty() ? "" : ", ") + name + " " + fixed(seconds, 3);
    }
    return out.empty() ? "none over 5 ms" : out;
}

// A figure rounded to `decimals` places; null when it is not finite (NaN and
// infinity have no JSON form).
Poco::Dynamic::Var jsonNumber(double value, int decimals) {
    if (!std::isfinite(value)) {
        return {};
    }
    const double scale = std::pow(10.0, decimals);
    return std::round(value * scale) / scale;
}

std::string label(const BenchResult& r) {
    const BenchOptions& o = r.options;
    return o.scenario.empty() ? std::string(modeName(o.mode)) : o.scenario;
}

using Row = std::pair<std::string, std::string>;

std::vector<Row> rows(const BenchResult& r) {
    const BenchOptions& o = r.options;
    std::vector<Row> out;
    out.emplace_back("mode", modeName(o.mode));
    out.emplace_back("transport", o.webSocket ? "websocket" : (o.tls ? "tls" : "tcp"));
    if (o.ports.size() > 1) {
        out.emplace_back("hubs (clients spread over them)", std::to_string(o.ports.size()));
    }
    out.emplace_back("clients", std::to_string(o.clients));
    if (o.mode == Mode::Idle) {
        out.emplace_back("connected", std::to_string(r.connected));
        out.emplace_back("joined", std::to_string(r.joined));
        out.emplace_back("wall s until all joined", fixed(r.joinSeconds, 3));
        out.emplace_back("final member list (ours / expected)",
                         std::to_string(r.membersListed) + " / " + std::to_string(o.clients));
        if (r.viewsChecked >= 0) {
            out.emplace_back(
                "members' views correct (paged, correct / checked)",
                std::to_string(r.viewsCorrect) + " / " + std::to_string(r.viewsChecked));
            out.emplace_back("s to fetch the views", fixed(r.viewsSeconds, 3));
        }
        if (r.hubSampled) {
            out.emplace_back("hub RSS before / after (MiB)",
                             fixed(r.hubRssBeforeMiB, 1) + " / " + fixed(r.hubRssAfterMiB, 1));
            out.emplace_back("hub KiB per connected client", fixed(r.hubKiBPerClient, 2));
            out.emplace_back("hub peak RSS (MiB)", fixed(r.hubPeakRssMiB, 1));
            out.emplace_back("hub CPU s (joins)", fixed(r.hubCpuSeconds, 3));
        }
    } else {
        out.emplace_back("senders", std::to_string(o.senders));
        if (o.mode == Mode::Throughput) {
            out.emplace_back("messages per sender", std::to_string(o.messages));
            out.emplace_back("window", std::to_string(o.window));
        } else {
            out.emplace_back("rate (msgs/s) x duration (s)",
                             fixed(o.rate, 0) + " x " + fixed(o.duration, 1));
            out.emplace_back("max send lag (ms)", fixed(r.maxSendLagMs, 3));
        }
        out.emplace_back("text bytes", std::to_string(o.size));
        out.emplace_back("join s", fixed(r.joinSeconds, 3));
        out.emplace_back("sent", std::to_string(r.sent));
        const Completeness& c = r.completeness;
        out.emplace_back("deliveries expected / received",
                         std::to_string(c.expected) + " / " + std::to_string(c.received));
        out.emplace_back("complete", c.expected ? fixed(100.0 * static_cast<double>(c.received) /
                                                            static_cast<double>(c.expected),
                                                        4) +
                                                      " %"
                                                : "n/a");
        out.emplace_back("lost / duplicated / reordered", std::to_string(c.lost) + " / " +
                                                              std::to_string(c.duplicated) + " / " +
                                                              std::to_string(c.reordered));
        out.emplace_back("unexpected / room seq gaps",
                         std::to_string(c.unexpected) + " / " + std::to_string(c.seqGaps));
        out.emplace_back("wall s (first send .. last delivery)", fixed(r.wallSeconds, 3));
        out.emplace_back("deliveries/s", fixed(r.deliveriesPerSecond, 0));
        out.emplace_back("payload MB/s", fixed(r.payloadMBps, 2));
        out.emplace_back("latency p50 / p99 / p99.9 / max (ms)",
                         fixed(r.latencyP50Ms, 3) + " / " + fixed(r.latencyP99Ms, 3) + " / " +
                             fixed(r.latencyP999Ms, 3) + " / " + fixed(r.latencyMaxMs, 3));
        out.emplace_back("latency p90 (ms)", fixed(r.latencyP90Ms, 3));
        out.emplace_back("latency precision",
                         "percentiles within " +
                             fixed(100 * LatencyHistogram::kMaxRelativeError, 2) +
                             " % (histogram), max exact");
        if (r.hubSampled) {
            out.emplace_back("hub CPU s", fixed(r.hubCpuSeconds, 3));
            out.emplace_back("hub CPU s per 1 M deliveries", fixed(r.hubCpuSecondsPerMillion, 3));
            out.emplace_back("hub CPU s by thread", threadCpu(r));
            out.emplace_back("hub peak RSS (MiB)", fixed(r.hubPeakRssMiB, 1));
        }
    }
    if (!r.hubSampled) {
        out.emplace_back("hub figures", "not sampled (no --hub-pid)");
    }
    out.emplace_back("bench CPU s", fixed(r.benchCpuSeconds, 3));
    if (o.mode != Mode::Idle) {
        out.emplace_back("bench CPU s per 1 M deliveries (measured phase)",
                         fixed(r.benchCpuSecondsPerMillion, 3));
    }
    out.emplace_back("hub errors / disconnects / connect failures",
                     std::to_string(r.errors) + " / " + std::to_string(r.disconnects) + " / " +
                         std::to_string(r.connectFailures));
    out.emplace_back("verdict",
                     std::string(r.ok() ? "OK" : "FAILED") + (r.timedOut ? " (timed out)" : ""));
    return out;
}

}  // namespace

bool BenchResult::ok() const {
    if (timedOut || disconnects != 0 || connectFailures != 0) {
        return false;
    }
    if (options.mode == Mode::Idle) {
        return joined == options.clients && membersListed == options.clients &&
               (viewsChecked < 0 || viewsCorrect == viewsChecked);
    }
    return completeness.perfect();
}

void writeMarkdown(const BenchResult& r, std::ostream& out) {
    out << "### hermes-bench " << label(r) << "\n\n| figure | value |\n|---|--:|\n";
    for (const auto& [name, value] : rows(r)) {
        out << "| " << name << " | " << value << " |\n";
    }
    for (const auto& note : r.notes) {
        out << "\n- " << note;
    }
    out << "\n";
}

void writeJson(const BenchResult& r, std::ostream& out) {
    using Poco::JSON::Object;
    const BenchOptions& o = r.options;
    const Completeness& c = r.completeness;
    Object json(Poco::JSON_PRESERVE_KEY_ORDER);
    json.set("tool", "hermes-bench");
    json.set("scenario", label(r));
    json.set("mode", modeName(o.mode));
    json.set("transport", o.webSocket ? "websocket" : (o.tls ? "tls" : "tcp"));
    json.set("hubs", o.ports.size());
    json.set("clients", o.clients);
    json.set("senders", o.senders);
    json.set("messages", o.messages);
    json.set("size", o.size);
    json.set("window", o.window);
    json.set("rate", jsonNumber(o.rate, 3));
    json.set("duration_s", jsonNumber(o.duration, 3));
    json.set("room", o.room);
    json.set("connected", r.connected);
    json.set("joined", r.joined);
    json.set("join_s", jsonNumber(r.joinSeconds, 4));
    json.set("members_listed", r.membersListed);
    json.set("views_checked", r.viewsChecked);
    json.set("views_correct", r.viewsCorrect);
    json.set("views_s", jsonNumber(r.viewsSeconds, 4));
    json.set("sent", r.sent);
    json.set("expected", c.expected);
    json.set("received", c.received);
    json.set("lost", c.lost);
    json.set("duplicated", c.duplicated);
    json.set("reordered", c.reordered);
    json.set("unexpected", c.unexpected);
    json.set("seq_gaps", c.seqGaps);
    json.set("wall_s", jsonNumber(r.wallSeconds, 4));
    json.set("deliveries_per_s", jsonNumber(r.deliveriesPerSecond, 0));
    json.set("payload_mb_per_s", jsonNumber(r.payloadMBps, 3));
    Object latency(Poco::JSON_PRESERVE_KEY_ORDER);
    latency.set("p50", jsonNumber(r.latencyP50Ms, 4));
    latency.set("p90", jsonNumber(r.latencyP90Ms, 4));
    latency.set("p99", jsonNumber(r.latencyP99Ms, 4));
    latency.set("p99_9", jsonNumber(r.latencyP999Ms, 4));
    latency.set("max", jsonNumber(r.latencyMaxMs, 4));
    json.set("latency_ms", latency);
    json.set("latency_max_relative_error", jsonNumber(LatencyHistogram::kMaxRelativeError, 6));
    json.set("max_send_lag_ms", jsonNumber(r.maxSendLagMs, 4));
    json.set("hub_sampled", r.hubSampled);
    if (r.hubSampled) {
        json.set("hub_cpu_s", jsonNumber(r.hubCpuSeconds, 4));
        json.set("hub_cpu_s_per_million", jsonNumber(r.hubCpuSecondsPerMillion, 4));
        json.set("hub_peak_rss_mib", jsonNumber(r.hubPeakRssMiB, 2));
        json.set("hub_rss_before_mib", jsonNumber(r.hubRssBeforeMiB, 2));
        json.set("hub_rss_after_mib", jsonNumber(r.hubRssAfterMiB, 2));
        json.set("hub_kib_per_client", jsonNumber(r.hubKiBPerClient, 3));
        Object threads(Poco::JSON_PRESERVE_KEY_ORDER);
        for (const auto& [name, seconds] : r.hubThreadCpuSeconds) {
            threads.set(name, jsonNumber(seconds, 4));
        }
        json.set("hub_thread_cpu_s", threads);
    }
    json.set("bench_cpu_s", jsonNumber(r.benchCpuSeconds, 3));
    json.set("bench_phase_cpu_s", jsonNumber(r.benchPhaseCpuSeconds, 3));
    json.set("bench_cpu_s_per_million", jsonNumber(r.benchCpuSecondsPerMillion, 4));
    json.set("errors", r.errors);
    json.set("disconnects", r.disconnects);
    json.set("connect_failures", r.connectFailures);
    json.set("timed_out", r.timedOut);
    Poco::JSON::Array notes;
    for (const std::string& note : r.notes) {
        notes.add(note);
    }
    json.set("notes", notes);
    json.set("ok", r.ok());
    // Compact, on one line: the compare scripts prefix each line's '{'.
    json.stringify(out);
    out << '\n';
}

}  // namespace hermes::bench

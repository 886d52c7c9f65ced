#include "BenchResult.hpp"

#include <cmath>
#include <cstdio>
#include <ostream>
#include <utility>

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

std::string jsonString(const std::string& text) {
    std::string out = "\"";
    for (const char c : text) {
        switch (c) {
            case '"':
                out += "\\\"";
                break;
            case '\\':
                out += "\\\\";
                break;
            case '\n':
                out += "\\n";
                break;
            default:
                if (static_cast<unsigned char>(c) < 0x20) {
                    char escaped[8];
                    std::snprintf(escaped, sizeof escaped, "\\u%04x", c);
                    out += escaped;
                } else {
                    out += c;
                }
        }
    }
    return out + "\"";
}

std::string jsonNumber(double value, int decimals) {
    return std::isfinite(value) ? fixed(value, decimals) : "null";
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
    out.emplace_back("transport", o.webSocket ? "websocket" : "tcp");
    out.emplace_back("clients", std::to_string(o.clients));
    if (o.mode == Mode::Idle) {
        out.emplace_back("connected", std::to_string(r.connected));
        out.emplace_back("joined", std::to_string(r.joined));
        out.emplace_back("wall s until all joined", fixed(r.joinSeconds, 3));
        out.emplace_back("final member list (ours / expected)",
                         std::to_string(r.membersListed) + " / " + std::to_string(o.clients));
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
        return joined == options.clients && membersListed == options.clients;
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
    const BenchOptions& o = r.options;
    const Completeness& c = r.completeness;
    out << "{\"tool\":\"hermes-bench\",\"scenario\":" << jsonString(label(r))
        << ",\"mode\":" << jsonString(modeName(o.mode))
        << ",\"transport\":" << jsonString(o.webSocket ? "websocket" : "tcp")
        << ",\"clients\":" << o.clients << ",\"senders\":" << o.senders
        << ",\"messages\":" << o.messages << ",\"size\":" << o.size << ",\"window\":" << o.window
        << ",\"rate\":" << jsonNumber(o.rate, 3) << ",\"duration_s\":" << jsonNumber(o.duration, 3)
        << ",\"room\":" << jsonString(o.room) << ",\"connected\":" << r.connected
        << ",\"joined\":" << r.joined << ",\"join_s\":" << jsonNumber(r.joinSeconds, 4)
        << ",\"members_listed\":" << r.membersListed << ",\"sent\":" << r.sent
        << ",\"expected\":" << c.expected << ",\"received\":" << c.received
        << ",\"lost\":" << c.lost << ",\"duplicated\":" << c.duplicated
        << ",\"reordered\":" << c.reordered << ",\"unexpected\":" << c.unexpected
        << ",\"seq_gaps\":" << c.seqGaps << ",\"wall_s\":" << jsonNumber(r.wallSeconds, 4)
        << ",\"deliveries_per_s\":" << jsonNumber(r.deliveriesPerSecond, 0)
        << ",\"payload_mb_per_s\":" << jsonNumber(r.payloadMBps, 3)
        << ",\"latency_ms\":{\"p50\":" << jsonNumber(r.latencyP50Ms, 4)
        << ",\"p90\":" << jsonNumber(r.latencyP90Ms, 4)
        << ",\"p99\":" << jsonNumber(r.latencyP99Ms, 4)
        << ",\"p99_9\":" << jsonNumber(r.latencyP999Ms, 4)
        << ",\"max\":" << jsonNumber(r.latencyMaxMs, 4) << "}"
        << ",\"latency_max_relative_error\":" << jsonNumber(LatencyHistogram::kMaxRelativeError, 6)
        << ",\"max_send_lag_ms\":" << jsonNumber(r.maxSendLagMs, 4)
        << ",\"hub_sampled\":" << (r.hubSampled ? "true" : "false");
    if (r.hubSampled) {
        out << ",\"hub_cpu_s\":" << jsonNumber(r.hubCpuSeconds, 4)
            << ",\"hub_cpu_s_per_million\":" << jsonNumber(r.hubCpuSecondsPerMillion, 4)
            << ",\"hub_peak_rss_mib\":" << jsonNumber(r.hubPeakRssMiB, 2)
            << ",\"hub_rss_before_mib\":" << jsonNumber(r.hubRssBeforeMiB, 2)
            << ",\"hub_rss_after_mib\":" << jsonNumber(r.hubRssAfterMiB, 2)
            << ",\"hub_kib_per_client\":" << jsonNumber(r.hubKiBPerClient, 3);
    }
    out << ",\"bench_cpu_s\":" << jsonNumber(r.benchCpuSeconds, 3)
        << ",\"bench_phase_cpu_s\":" << jsonNumber(r.benchPhaseCpuSeconds, 3)
        << ",\"bench_cpu_s_per_million\":" << jsonNumber(r.benchCpuSecondsPerMillion, 4)
        << ",\"errors\":" << r.errors << ",\"disconnects\":" << r.disconnects
        << ",\"connect_failures\":" << r.connectFailures
        << ",\"timed_out\":" << (r.timedOut ? "true" : "false") << ",\"notes\":[";
    for (std::size_t i = 0; i < r.notes.size(); ++i) {
        out << (i ? "," : "") << jsonString(r.notes[i]);
    }
    out << "],\"ok\":" << (r.ok() ? "true" : "false") << "}\n";
}

}  // namespace hermes::bench

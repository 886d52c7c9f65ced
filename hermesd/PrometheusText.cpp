#include "PrometheusText.hpp"

#include <cmath>
#include <cstdio>
#include <map>
#include <set>

#include "hermes/hub/CloseReason.hpp"

namespace hermesd {

namespace {

using hermes::hub::CloseReason;
using hermes::hub::LatencyHistogram;

// The close reasons that are a failed handshake (a client that never got in).
constexpr std::array<CloseReason, 4> kHandshakeFailures = {
    CloseReason::HandshakeRequired, CloseReason::ProtocolVersion, CloseReason::HandshakeTimeout,
    CloseReason::HubPassword};

// A float as Prometheus reads it: shortest round trip, +Inf spelled out.
std::string number(double value) {
    if (std::isinf(value)) {
        return value > 0 ? "+Inf" : "-Inf";
    }
    if (std::isnan(value)) {
        return "NaN";
    }
    char text[32];
    std::snprintf(text, sizeof text, "%.15g", value);
    return text;
}

// A label value: backslash, double quote and newline escaped.
std::string escaped(std::string_view value) {
    std::string out;
    out.reserve(value.size());
    for (const char c : value) {
        if (c == '\\' || c == '"') {
            out += '\\';
            out += c;
        } else if (c == '\n') {
            out += "\\n";
        } else {
            out += c;
        }
    }
    return out;
}

class Writer {
public:
    void family(std::string_view name, std::string_view type, std::string_view help) {
        out_ += "# HELP ";
        out_ += name;
        out_ += ' ';
        out_ += help;
        out_ += "\n# TYPE ";
        out_ += name;
        out_ += ' ';
        out_ += type;
        out_ += '\n';
    }
    void sample(std::string_view name, std::string_view labels, const std::string& value) {
        out_ += name;
        if (!labels.empty()) {
            out_ += '{';
            out_ += labels;
            out_ += '}';
        }
        out_ += ' ';
        out_ += value;
        out_ += '\n';
    }
    void sample(std::string_view name, std::string_view labels, std::uint64_t value) {
        sample(name, labels, std::to_string(value));
    }
    void one(std::string_view name, std::string_view type, std::string_view help,
             std::uint64_t value) {
        family(name, type, help);
        sample(name, {}, value);
    }
    void histogram(std::string_view name, std::string_view help, const LatencyHistogram& h) {
        family(name, "histogram", help);
        const std::string bucket = std::string(name) + "_bucket";
        std::uint64_t cumulative = 0;
        for (std::size_t i = 0; i < LatencyHistogram::kBounds.size(); ++i) {
            cumulative += h.buckets[i];
            sample(bucket, "le=\"" + number(LatencyHistogram::kBounds[i]) + "\"", cumulative);
        }
        sample(bucket, "le=\"+Inf\"", h.count);
        sample(std::string(name) + "_sum", {}, number(h.sumSeconds));
        sample(std::string(name) + "_count", {}, h.count);
    }
    std::string take() { return std::move(out_); }

private:
    std::string out_;
};

std::string label(std::string_view name, std::string_view value) {
    return std::string(name) + "=\"" + escaped(value) + "\"";
}

}  // namespace

std::string prometheusText(const MetricsSnapshot& figures, const BuildFacts& build) {
    const auto& stats = figures.stats;
    Writer w;
    w.family("hermes_build_info", "gauge", "The hub's version and commit; always 1.");
    w.sample("hermes_build_info",
             label("version", build.version) + "," + label("commit", build.commit), 1);
    w.family("hermes_process_start_time_seconds", "gauge",
             "When hermesd started, in seconds since the Unix epoch.");
    w.sample("hermes_process_start_time_seconds", {}, number(build.startTimeSeconds));

    w.family("hermes_connections", "gauge",
             "Client connections the hub holds now (handshaking or welcomed), by transport.");
    for (std::size_t i = 0; i < kTransportNames.size(); ++i) {
        w.sample("hermes_connections", label("transport", kTransportNames[i]),
                 figures.connections[i]);
    }
    w.one("hermes_clients", "gauge", "Clients welcomed (past their Hello) now.", stats.clients);
    w.one("hermes_rooms", "gauge", "Rooms that exist now.", stats.rooms);
    w.one("hermes_messages_received_total", "counter",
          "Frames received from clients and handled (says, joins, pings, every request).",
          stats.messagesIn);
    w.one("hermes_deliveries_total", "counter",
          "Chat messages queued to members of their rooms (one per recipient).", stats.deliveries);
    w.one("hermes_queued_bytes", "gauge",
          "Outbound bytes waiting to be written, over all sessions.", stats.bytesQueued);
    w.one("hermes_output_memory_bytes", "gauge",
          "Memory of the frames queued (room frames once however many members wait).",
          figures.outputMemoryBytes);

    // Every reason the hub knows, then any other key the hub counted.
    std::map<std::string, std::uint64_t> disconnects;
    for (auto r = static_cast<unsigned>(CloseReason::ConnectionClosed);
         r <= static_cast<unsigned>(CloseReason::NickRegistered); ++r) {
        disconnects[std::string(hermes::hub::closeReasonKey(static_cast<CloseReason>(r)))] = 0;
    }
    for (const auto& [reason, count] : stats.disconnects) {
        disconnects[reason] = count;
    }
    w.family("hermes_disconnects_total", "counter", "Sessions the hub ended, by reason.");
    for (const auto& [reason, count] : disconnects) {
        w.sample("hermes_disconnects_total", label("reason", reason), count);
    }
    w.family("hermes_handshake_failures_total", "counter",
             "Connections closed before a successful Hello, by reason (also counted in "
             "hermes_disconnects_total).");
    for (const CloseReason reason : kHandshakeFailures) {
        const std::string key(hermes::hub::closeReasonKey(reason));
        w.sample("hermes_handshake_failures_total", label("reason", key), disconnects[key]);
    }
    // A TLS handshake that fails ends before the hub has a session's Hello
    // to refuse: the loop counts it (its close is a connection_closed).
    w.sample("hermes_handshake_failures_total", label("reason", "tls"),
             figures.tlsHandshakeFailures);
    w.one("hermes_store_behind_refusals_total", "counter",
          "Says refused with STORE_BEHIND while the history store was behind.",
          stats.storeBehindRefusals);
    w.one("hermes_input_pauses_total", "counter",
          "Times the output budget (hub.max_queued_bytes) paused reading input.",
          stats.inputPauses);

    w.histogram("hermes_store_commit_duration_seconds",
                "History store commits (one transaction each, fsync included), BEGIN to COMMIT.",
                figures.commitLatency);
    w.one("hermes_store_backlog", "gauge",
          "Writes queued to the history store and not yet committed.", figures.storeBacklog);
    w.one("hermes_store_held_messages", "gauge",
          "Message frames held until the store commits them.", figures.heldMessages);
    w.histogram("hermes_event_loop_lag_seconds",
                "Per loop turn that had work: from epoll_wait returning to the loop ready to "
                "wait again, the longest an event that became ready meanwhile waited.",
                figures.loopLag);
    return w.take();
}

}  // namespace hermesd

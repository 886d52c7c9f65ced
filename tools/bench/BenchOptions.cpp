#include "BenchOptions.hpp"

#include <arpa/inet.h>

#include <cmath>
#include <stdexcept>

#include "hermes/protocol/Validation.hpp"

namespace hermes::bench {

namespace {

int toInt(const std::string& option, const std::string& value, int minimum, int maximum) {
    std::size_t used = 0;
    long parsed = 0;
    try {
        parsed = std::stol(value, &used);
    } catch (const std::exception&) {
        used = 0;
    }
    if (used != value.size() || value.empty() || parsed < minimum || parsed > maximum) {
        throw std::invalid_argument(option + " wants an integer in " + std::to_string(minimum) +
                                    ".." + std::to_string(maximum) + ", not '" + value + "'");
    }
    return static_cast<int>(parsed);
}

double toDouble(const std::string& option, const std::string& value, double minimum,
                double maximum) {
    std::size_t used = 0;
    double parsed = 0;
    try {
        parsed = std::stod(value, &used);
    } catch (const std::exception&) {
        used = 0;
    }
    if (used != value.size() || value.empty() || !std::isfinite(parsed) || parsed < minimum ||
        parsed > maximum) {
        throw std::invalid_argument(option + " wants a number in " + std::to_string(minimum) +
                                    ".." + std::to_string(maximum) + ", not '" + value + "'");
    }
    return parsed;
}

Mode toMode(const std::string& value) {
    if (value == "throughput") {
        return Mode::Throughput;
    }
    if (value == "latency") {
        return Mode::Latency;
    }
    if (value == "idle") {
        return Mode::Idle;
    }
    throw std::invalid_argument("--mode wants throughput, latency or idle, not '" + value + "'");
}

// Presets first, so that options given on the command line override them.
void applyScenario(BenchOptions& o, const std::string& name) {
    if (name == "T1") {
        o.mode = Mode::Throughput;
        o.clients = 100;
        o.senders = 100;
        o.messages = 200;
        o.size = 64;
        o.window = 16;
    } else if (name == "L1") {
        o.mode = Mode::Latency;
        o.clients = 100;
        o.senders = 100;
        o.rate = 2000;
        o.duration = 10;
        o.size = 64;
    } else if (name == "I1") {
        o.mode = Mode::Idle;
        o.clients = 5000;
        o.senders = 0;
    } else if (name == "B1") {
        // Everyone at once: each sender's whole burst is in flight together,
        // 5 MB towards every member before the hub has written a byte.
        o.mode = Mode::Throughput;
        o.clients = 100;
        o.senders = 100;
        o.messages = 50;
        o.size = 1024;
        o.window = 50;
    } else {
        throw std::invalid_argument("--scenario wants T1, L1, I1 or B1, not '" + name + "'");
    }
    o.scenario = name;
}

bool isLoopback(const std::string& host) {
    in_addr v4{};
    if (inet_pton(AF_INET, host.c_str(), &v4) == 1) {
        return (ntohl(v4.s_addr) >> 24) == 127;
    }
    return host == "::1" || host == "localhost";
}

}  // namespace

const char* modeName(Mode mode) {
    switch (mode) {
        case Mode::Throughput:
            return "throughput";
        case Mode::Latency:
            return "latency";
        case Mode::Idle:
            return "idle";
    }
    return "?";
}

std::string benchUsage() {
    return R"(usage: hermes-bench --port P [options]
Load generator for hermesd: many non-blocking clients on one epoll loop.

  --host H          hub address (127.0.0.1); only loopback unless --allow-remote
  --allow-remote    permit a non-loopback --host (your own test hosts only)
  --port P          hub port (required)
  --ws              speak WebSocket as a browser does: --port is then the
                    hub's http.port, each client upgrades GET /ws
  --scenario NAME   preset, overridable by later options:
                      T1  throughput  -n 100 -s 100 -m 200 -b 64 -w 16
                      L1  latency     -n 100 -s 100 -r 2000 -t 10 -b 64
                      I1  idle        -n 5000: connect, handshake, join, idle
                      B1  burst       -n 100 -s 100 -m 50 -b 1024 -w 50:
                                      every sender's whole burst at once
  -n, --clients N   clients, all in one room (100)
  -s, --senders S   how many of them send (100)
  -m, --messages M  messages per sender, throughput mode (200)
  -b, --size B      bytes of each message's text, at least 48 (64)
  --mode MODE       throughput | latency | idle (throughput)
  -w, --window W    throughput: unacknowledged messages per sender (16);
                    the hub's echo to the sender is the acknowledgement
  -r, --rate R      latency: total messages/s over all senders (2000)
  -t, --duration T  latency: seconds of sending (10)
  --room NAME       room to join (bench)
  --nick-prefix P   nicks are P0, P1, ... (b)
  --hub-pid PID     sample the hub's CPU time and memory from /proc/PID
  --concurrency K   clients handshaking at once (64)
  --quiet-s S       after joining, wait for S seconds of silence (1)
  --stall-s S       stop when nothing arrived for S s (latency: after the
                    last send) (5)
  --timeout S       hard bound on the whole run in seconds (300)
  --json            print one JSON object instead of a Markdown table
  -v, --verbose     progress on stderr
  -h, --help        this text

The hub must not rate-limit the bench: run it with a config that sets
hub.rate_per_second = 0 and hub.max_clients above N, such as
tools/bench/hermesd-bench.properties.

Latency is timed per delivery on this process's monotonic clock and kept in
a log-linear histogram: p50/p90/p99/p99.9 are within 0.4 % (values below
256 ns exact), the max is exact.

Exit status: 0 = every expected message delivered exactly once and in order
(idle: all joined and the member list complete), 1 = the run finished but
was incomplete or wrong, 2 = bad options or setup failure.
)";
}

std::optional<BenchOptions> parseBenchOptions(const std::vector<std::string>& args) {
    BenchOptions o;
    // The scenario is applied first wherever it appears on the line.
    for (std::size_t i = 0; i + 1 < args.size(); ++i) {
        if (args[i] == "--scenario") {
            applyScenario(o, args[i + 1]);
        }
    }
    bool portGiven = false;
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& a = args[i];
        auto value = [&]() -> const std::string& {
            if (i + 1 >= args.size()) {
                throw std::invalid_argument("missing value for " + a);
            }
            return args[++i];
        };
        if (a == "-h" || a == "--help") {
            return std::nullopt;
        } else if (a == "--host") {
            o.host = value();
        } else if (a == "--allow-remote") {
            o.allowRemote = true;
        } else if (a == "--port") {
            o.port = static_cast<std::uint16_t>(toInt(a, value(), 1, 65535));
            portGiven = true;
        } else if (a == "--ws") {
            o.webSocket = true;
        } else if (a == "--scenario") {
            value();  // applied above
        } else if (a == "-n" || a == "--clients") {
            o.clients = toInt(a, value(), 1, BenchOptions::kMaxClients);
        } else if (a == "-s" || a == "--senders") {
            o.senders = toInt(a, value(), 0, BenchOptions::kMaxClients);
        } else if (a == "-m" || a == "--messages") {
            o.messages = toInt(a, value(), 1, 10'000'000);
        } else if (a == "-b" || a == "--size") {
            o.size = toInt(a, value(), 48, 60'000);
        } else if (a == "--mode") {
            o.mode = toMode(value());
        } else if (a == "-w" || a == "--window") {
            o.window = toInt(a, value(), 1, 1'000'000);
        } else if (a == "-r" || a == "--rate") {
            o.rate = toDouble(a, value(), 0.001, 10'000'000);
        } else if (a == "-t" || a == "--duration") {
            o.duration = toDouble(a, value(), 0.001, BenchOptions::kMaxTimeoutSeconds);
        } else if (a == "--room") {
            o.room = value();
        } else if (a == "--nick-prefix") {
            o.nickPrefix = value();
        } else if (a == "--hub-pid") {
            o.hubPid = toInt(a, value(), 1, 1 << 30);
        } else if (a == "--concurrency") {
            o.concurrency = toInt(a, value(), 1, 10000);
        } else if (a == "--quiet-s") {
            o.quiet = toDouble(a, value(), 0, 60);
        } else if (a == "--stall-s") {
            o.stall = toDouble(a, value(), 0.1, 600);
        } else if (a == "--timeout") {
            o.timeout = toDouble(a, value(), 1, BenchOptions::kMaxTimeoutSeconds);
        } else if (a == "--json") {
            o.json = true;
        } else if (a == "-v" || a == "--verbose") {
            o.verbose = true;
        } else {
            throw std::invalid_argument("unknown option '" + a + "' (see --help)");
        }
    }
    if (!portGiven) {
        throw std::invalid_argument("--port is required");
    }
    if (auto error = hermes::protocol::checkRoom(o.room)) {
        throw std::invalid_argument("--room: " + error->text);
    }
    // The hub names the room in canonical form in every message.
    o.room = hermes::protocol::canonicalRoom(o.room);
    if (auto error = hermes::protocol::checkNick(o.nickPrefix + "99999_99999")) {
        throw std::invalid_argument("--nick-prefix: " + error->text);
    }
    if (!o.allowRemote && !isLoopback(o.host)) {
        throw std::invalid_argument("refusing non-loopback --host " + o.host +
                                    " (a load test targets only this machine; see --allow-remote)");
    }
    if (o.mode != Mode::Idle) {
        if (o.senders < 1 || o.senders > o.clients) {
            throw std::invalid_argument("need 1 <= --senders <= --clients");
        }
        std::uint64_t perSender = static_cast<std::uint64_t>(o.messages);
        if (o.mode == Mode::Latency) {
            perSender = static_cast<std::uint64_t>(std::ceil(o.rate * o.duration / o.senders));
        }
        const std::uint64_t expected = perSender * static_cast<std::uint64_t>(o.senders) *
                                       static_cast<std::uint64_t>(o.clients);
        if (expected > BenchOptions::kMaxExpectedDeliveries) {
            throw std::invalid_argument("the run would expect " + std::to_string(expected) +
                                        " deliveries; the bound is " +
                                        std::to_string(BenchOptions::kMaxExpectedDeliveries));
        }
    }
    return o;
}

}  // namespace hermes::bench

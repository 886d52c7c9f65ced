#include "BenchOptions.hpp"

#include <arpa/inet.h>

#include <Poco/StringTokenizer.h>

#include <cmath>
#include <stdexcept>
#include <utility>

#include "hermes/cli/CommandLine.hpp"
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

// "A,B,C" as its items (each then checked by its parser; "" is refused there).
std::vector<std::string> commaList(const std::string& value) {
    const Poco::StringTokenizer items(value, ",", Poco::StringTokenizer::TOK_TRIM);
    return {items.begin(), items.end()};
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

namespace {

hermes::cli::CommandLine commandLine() {
    using Poco::Util::Option;
    hermes::cli::CommandLine line("hermes-bench");
    line.add(Option("host", "", "hub address (127.0.0.1); only loopback unless --allow-remote")
                 .argument("H"))
        .add(Option("allow-remote", "", "permit a non-loopback --host (your own test hosts only)"))
        .add(Option("port", "",
                    "hub port (required); P,P,...: the hubs of a cluster, client i joining the "
                    "room through the (i mod count)th")
                 .argument("P"))
        .add(Option("ws", "",
                    "speak WebSocket as a browser does: --port is then the hub's http.port, "
                    "each client upgrades GET /ws"))
        .add(Option("tls", "",
                    "TLS to a hub with tls.enabled: every client does the handshake before its "
                    "Hello; the hub's certificate is trusted whatever it is (a benchmark on "
                    "loopback, not a client for people)"))
        .add(Option("scenario", "",
                    "preset, overridable by the other options:\n"
                    "  T1  throughput  -n 100 -s 100 -m 200 -b 64 -w 16\n"
                    "  L1  latency     -n 100 -s 100 -r 2000 -t 10 -b 64\n"
                    "  I1  idle        -n 5000: connect, handshake, join, idle\n"
                    "  B1  burst       -n 100 -s 100 -m 50 -b 1024 -w 50:\n"
                    "                  every sender's whole burst at once")
                 .argument("NAME"))
        .add(Option("clients", "n", "clients, all in one room (100)").argument("N"))
        .add(Option("senders", "s", "how many of them send (100)").argument("S"))
        .add(Option("messages", "m", "messages per sender, throughput mode (200)").argument("M"))
        .add(Option("size", "b", "bytes of each message's text, at least 48 (64)").argument("B"))
        .add(Option("mode", "", "throughput | latency | idle (throughput)").argument("MODE"))
        .add(Option("window", "w",
                    "throughput: unacknowledged messages per sender (16); the hub's echo to the "
                    "sender is the acknowledgement")
                 .argument("W"))
        .add(Option("rate", "r", "latency: total messages/s over all senders (2000)").argument("R"))
        .add(Option("duration", "t", "latency: seconds of sending (10)").argument("T"))
        .add(Option("room", "", "room to join (bench)").argument("NAME"))
        .add(Option("nick-prefix", "", "nicks are P0, P1, ... (b)").argument("P"))
        .add(Option("hub-pid", "",
                    "sample the hub's CPU time and memory from /proc/PID; PID,PID,...: "
                    "several hubs' (a cluster's), summed")
                 .argument("PID"))
        .add(Option("concurrency", "", "clients handshaking at once (64)").argument("K"))
        .add(
            Option("quiet-s", "", "after joining, wait for S seconds of silence (1)").argument("S"))
        .add(Option("stall-s", "",
                    "stop when nothing arrived for S s (latency: after the last send) (5)")
                 .argument("S"))
        .add(Option("timeout", "", "hard bound on the whole run in seconds (300)").argument("S"))
        .add(Option("all-presence", "",
                    "clients join with all_presence: each follows the whole room (full member "
                    "list at join, every JOINED), the behaviour before large rooms"))
        .add(Option("check-views", "",
                    "idle: the first K members each fetch the member list page by page "
                    "(MembersRequest) and compare it with the clients joined; all by default, "
                    "0: none")
                 .argument("K"))
        .add(Option("json", "", "print one JSON object instead of a Markdown table"))
        .add(Option("verbose", "v", "progress on stderr"))
        .add(Option("help", "h", "print this help and exit"));
    return line;
}

}  // namespace

std::string benchUsage() {
    return commandLine().help(
        "--port P [options]",
        "Load generator for hermesd: many non-blocking clients on one epoll loop.",
        R"(The hub must not rate-limit the bench: run it with a config that sets
hub.rate_per_second = 0, hub.max_clients above N and no per-address limits
(hub.max_clients_per_address = 0, hub.max_handshakes_per_address = 0), such
as tools/bench/hermesd-bench.properties.

Latency is timed per delivery on this process's monotonic clock and kept in
a log-linear histogram: p50/p90/p99/p99.9 are within 0.4 % (values below
256 ns exact), the max is exact.

Exit status: 0 = every expected message delivered exactly once and in order
(idle: all joined, the member list complete and every member's view of it,
fetched with MembersRequest, exactly the clients joined), 1 = the run finished but
was incomplete or wrong, 2 = bad options or setup failure.)");
}

std::optional<BenchOptions> parseBenchOptions(const std::vector<std::string>& args) {
    // Every option given up to --help, in order.
    std::vector<std::pair<std::string, std::string>> given;
    bool help = false;
    commandLine().parse(args, [&](const std::string& name, const std::string& value) {
        help = name == "help";
        if (!help) {
            given.emplace_back(name, value);
        }
        return !help;
    });
    BenchOptions o;
    // The scenario is applied first wherever it appears on the line.
    for (const auto& [name, value] : given) {
        if (name == "scenario") {
            applyScenario(o, value);
        }
    }
    bool portGiven = false;
    for (const auto& [name, value] : given) {
        const std::string a = "--" + name;  // for the messages
        if (name == "host") {
            o.host = value;
        } else if (name == "allow-remote") {
            o.allowRemote = true;
        } else if (name == "port") {
            for (const std::string& one : commaList(value)) {
                o.ports.push_back(static_cast<std::uint16_t>(toInt(a, one, 1, 65535)));
            }
            portGiven = true;
        } else if (name == "ws") {
            o.webSocket = true;
        } else if (name == "tls") {
            o.tls = true;
        } else if (name == "clients") {
            o.clients = toInt(a, value, 1, BenchOptions::kMaxClients);
        } else if (name == "senders") {
            o.senders = toInt(a, value, 0, BenchOptions::kMaxClients);
        } else if (name == "messages") {
            o.messages = toInt(a, value, 1, 10'000'000);
        } else if (name == "size") {
            o.size = toInt(a, value, 48, 60'000);
        } else if (name == "mode") {
            o.mode = toMode(value);
        } else if (name == "window") {
            o.window = toInt(a, value, 1, 1'000'000);
        } else if (name == "rate") {
            o.rate = toDouble(a, value, 0.001, 10'000'000);
        } else if (name == "duration") {
            o.duration = toDouble(a, value, 0.001, BenchOptions::kMaxTimeoutSeconds);
        } else if (name == "room") {
            o.room = value;
        } else if (name == "nick-prefix") {
            o.nickPrefix = value;
        } else if (name == "hub-pid") {
            for (const std::string& one : commaList(value)) {
                o.hubPids.push_back(toInt(a, one, 1, 1 << 30));
            }
        } else if (name == "concurrency") {
            o.concurrency = toInt(a, value, 1, 10000);
        } else if (name == "quiet-s") {
            o.quiet = toDouble(a, value, 0, 60);
        } else if (name == "stall-s") {
            o.stall = toDouble(a, value, 0.1, 600);
        } else if (name == "timeout") {
            o.timeout = toDouble(a, value, 1, BenchOptions::kMaxTimeoutSeconds);
        } else if (name == "all-presence") {
            o.allPresence = true;
        } else if (name == "check-views") {
            o.checkViews = toInt(a, value, 0, BenchOptions::kMaxClients);
        } else if (name == "json") {
            o.json = true;
        } else if (name == "verbose") {
            o.verbose = true;
        }
    }
    if (help) {
        return std::nullopt;
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
    if (o.tls && o.webSocket) {
        throw std::invalid_argument("--tls and --ws do not go together (wss is not served yet)");
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

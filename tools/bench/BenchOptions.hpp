#pragma once
// Command-line options of hermes-bench, the scenario presets (T1, L1, I1 of
// issue 6, the same as ../shared/bench's fanout uses) and the checks that keep
// a run bounded and on this machine.
//
// Threading: a plain value, parsed once in main().

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace hermes::bench {

enum class Mode : std::uint8_t { Throughput, Latency, Idle };

const char* modeName(Mode mode);

struct BenchOptions {
    // Bounds that keep one run's memory and duration within this machine.
    static constexpr int kMaxClients = 20000;
    static constexpr std::uint64_t kMaxExpectedDeliveries = 50'000'000;
    static constexpr double kMaxTimeoutSeconds = 3600;

    std::string host = "127.0.0.1";
    bool allowRemote = false;
    // --port P[,P...]: the hubs of a cluster, client i connecting to
    // ports[i % ports.size()] (one room across them); one for a hub alone.
    std::vector<std::uint16_t> ports;
    bool webSocket = false;  // --ws: WebSocket to the hub's http.port (--port)
    bool tls = false;        // --tls: TLS to a hub with tls.enabled (not with --ws)
    int clients = 100;       // --clients N
    int senders = 100;       // --senders S (the first S clients send)
    int messages = 200;      // --messages M per sender (throughput)
    int size = 64;           // --size B: bytes of each message's text
    Mode mode = Mode::Throughput;
    int window = 16;       // --window W: unacknowledged messages per sender
    double rate = 2000;    // --rate R: total messages/s (latency)
    double duration = 10;  // --duration T seconds (latency)
    std::string room = "bench";
    std::string scenario;      // T1, L1, I1 or empty
    std::vector<int> hubPids;  // --hub-pid PID[,PID...]: sampled from /proc, summed
    bool json = false;
    double timeout = 300;  // --timeout: the whole run, seconds
    double stall = 5;      // stop once everything is sent and nothing arrives this long
    double quiet = 1;      // after joining, wait until the hub is silent this long
    int concurrency = 64;  // clients in their handshake at once
    std::string nickPrefix = "b";
    bool verbose = false;
    // --all-presence: every client joins with Join.all_presence (follows the
    // whole room: the full member list and every JOINED, as before large
    // rooms; O(N^2) bytes in a storm).
    bool allPresence = false;
    // --check-views K: idle mode, how many members (the first K) fetch their
    // own view of the member list with MembersRequest, page by page, and
    // compare it with the clients joined; -1: all of them, 0: none.
    int checkViews = -1;
};

// Parses argv (hermes::cli::CommandLine: --name VALUE, --name=VALUE, -x VALUE,
// -xVALUE). Returns the options, or nothing for --help (benchUsage(), exit 0).
// Throws std::invalid_argument with a readable message on bad input.
std::optional<BenchOptions> parseBenchOptions(const std::vector<std::string>& args);

// --help's text, laid out by POCO's HelpFormatter as hermesd's is.
std::string benchUsage();

}  // namespace hermes::bench

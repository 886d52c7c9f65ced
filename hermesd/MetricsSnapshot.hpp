#pragma once
// The figures GET /metrics shows (docs/HUB.md "Metrics"), as the event loop
// last published them, and the board it publishes them on.
//
// The loop owns every figure and reads them only on its own thread: the
// hub's Stats, the connections it holds by transport, its own lag
// histogram. Once a second (and never per message or per delivery) it
// copies them into a fresh MetricsSnapshot and publishes it; a scrape on an
// HTTP thread takes the newest one. So nothing on the hot path takes a lock
// or touches an atomic for the metrics, and a scrape sees figures at most
// a second old, all from the same instant.
//
// Threading: MetricsBoard is thread safe (a LockGuarded pointer, swapped
// once a second and read once a scrape); a snapshot is immutable once
// published.

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "hermes/hub/HubStats.hpp"
#include "hermes/hub/LatencyHistogram.hpp"
#include "hermes/threads/LockGuarded.hpp"

namespace hermesd {

// The transports the loop counts connections of.
enum class Transport : std::uint8_t { Tcp, Tls, WebSocket, Irc };
inline constexpr std::array<std::string_view, 4> kTransportNames = {"tcp", "tls", "websocket",
                                                                    "irc"};

// The transport of a ClientConnection::kind() ("websocket-tls" is a websocket).
inline Transport transportOf(std::string_view kind) {
    if (kind == "tls") {
        return Transport::Tls;
    }
    if (kind == "irc" || kind == "ircs") {  // IRC, plain or over TLS (irc.tls_port)
        return Transport::Irc;
    }
    if (kind.starts_with("websocket")) {
        return Transport::WebSocket;
    }
    return Transport::Tcp;
}

struct MetricsSnapshot {
    hermes::hub::HubStats stats;
    // Sockets the loop holds now (handshaking and welcomed; not those
    // lingering after the hub closed them), by Transport.
    std::array<std::uint64_t, kTransportNames.size()> connections{};
    hermes::hub::LatencyHistogram loopLag;        // EventLoop.hpp says what a sample is
    hermes::hub::LatencyHistogram commitLatency;  // the history store's commits
    std::uint64_t storeBacklog = 0;               // writes queued to the store, not committed
    std::uint64_t heldMessages = 0;               // frames waiting for the store's commit
    std::uint64_t outputMemoryBytes = 0;          // room and private frames queued (MemoryGauge)
    bool persistent = false;                      // the store commits on a thread (SQLite)
    // TLS handshakes that failed on the loop's connections (the hub's TLS
    // port, irc.tls_port; not https/wss, whose handshake is the HTTP
    // listener's).
    std::uint64_t tlsHandshakeFailures = 0;
};

// What never changes while the process runs.
struct BuildFacts {
    std::string version;
    std::string commit;
    double startTimeSeconds = 0.0;  // since the Unix epoch
};

class MetricsBoard {
public:
    void publish(std::shared_ptr<const MetricsSnapshot> snapshot) {
        *figures_.lock() = std::move(snapshot);
    }
    // The newest snapshot; null before the loop's first turn.
    std::shared_ptr<const MetricsSnapshot> latest() const { return *figures_.lock(); }

private:
    hermes::threads::LockGuarded<std::shared_ptr<const MetricsSnapshot>> figures_;
};

}  // namespace hermesd

#pragma once
// Many raw connections to one hub, driven by one poll() loop in the calling
// thread: the fan-out and connection-storm tests run hundreds of clients
// without hundreds of threads, so they stay fast on two cores and under ASan.
//
// Each client has an outbound byte queue (written as the socket accepts it)
// and a FrameDecoder; every complete frame's payload is handed to the
// handler unparsed, so a test can compare bytes and parse only what it must.
// Pings from the hub are answered automatically. A client can stop reading
// (a stalled member) or read at a bounded rate (a slow link).
//
// Threading: one owner thread; run() calls the handler on that thread.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "Deadline.hpp"
#include "hermes/codec/FrameDecoder.hpp"
#include "hermes/v1/hermes.pb.h"

namespace hermes::it {

class ClientSwarm {
public:
    using FrameHandler = std::function<void(std::size_t client, std::string_view payload)>;
    using CloseHandler = std::function<void(std::size_t client, const std::string& why)>;

    explicit ClientSwarm(std::uint16_t port);
    ~ClientSwarm();
    ClientSwarm(const ClientSwarm&) = delete;
    ClientSwarm& operator=(const ClientSwarm&) = delete;

    // Connects one more client (blocking connect, then non-blocking); returns
    // its index. Throws std::system_error naming the index on failure.
    // receiveBufferBytes > 0 shrinks SO_RCVBUF before the connect, so that a
    // client that stops reading pushes back on the hub at once.
    std::size_t add(int receiveBufferBytes = 0) { return add(receiveBufferBytes, port_); }
    // The same to another hub on 127.0.0.1 (the hubs of a cluster).
    std::size_t add(int receiveBufferBytes, std::uint16_t port);
    std::size_t size() const { return clients_.size(); }

    void queue(std::size_t client, std::string_view bytes);
    void queue(std::size_t client, const hermes::v1::Envelope& envelope);

    // Polls every open client, writing queued bytes and handing each frame
    // received to `onFrame`, until `done()` is true (checked after every
    // batch) or the deadline passes. Returns done().
    bool run(Deadline deadline, const FrameHandler& onFrame, const std::function<bool()>& done,
             const CloseHandler& onClose = {});

    bool closed(std::size_t client) const { return clients_[client]->fd < 0; }
    // A client that does not read leaves what the hub sends in the kernel.
    void setReading(std::size_t client, bool reading) { clients_[client]->reading = reading; }
    // Reads at most `bytesPerSecond` (0: as fast as it can).
    void setReadRate(std::size_t client, std::size_t bytesPerSecond);
    // run() returns to check done() at least this often, for tests that
    // send on a schedule (0: only when something happened).
    void setWakeInterval(std::chrono::milliseconds interval) { wakeInterval_ = interval; }
    std::size_t openCount() const;
    std::size_t queuedBytes(std::size_t client) const;
    void close(std::size_t client);
    void closeAll();

private:
    struct Client {
        int fd = -1;
        std::string out;
        std::size_t outPos = 0;
        std::unique_ptr<hermes::codec::FrameDecoder> decoder;
        bool reading = true;
        std::size_t readRate = 0;  // bytes per second; 0 = unlimited
        double allowance = 0.0;    // bytes it may read now (rate-limited only)
        Clock::time_point refilled{};
    };
    bool flush(Client& client);
    // How many bytes the client may read now (refills its allowance).
    std::size_t readBudget(Client& client, Clock::time_point now);
    void closeWith(std::size_t index, const std::string& why, const CloseHandler& onClose);

    std::uint16_t port_;
    std::vector<std::unique_ptr<Client>> clients_;
    std::chrono::milliseconds wakeInterval_{0};
};

}  // namespace hermes::it

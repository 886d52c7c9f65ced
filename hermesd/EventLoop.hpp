#pragma once
// The hub's network edge: one thread, one epoll set, every established
// connection. It owns the Hub and is the only thread that touches it.
//
// Per loop turn: read what is readable (at most one 64 KiB chunk per
// connection, for fairness), feed the hub, let the hub flush coalesced
// presence and run its timers, then write each session's queued frames with
// one sendmsg() per session over the queue's segments, arming EPOLLOUT
// only while bytes remain.
//
// A write pass over a busy room takes a while (a loopback send costs ~5 us of
// kernel time: half a millisecond for a room of 100), so every few sessions
// the pass looks at the input again. A message that arrived meanwhile is
// taken at once, and the sessions not yet written carry it in the same send;
// it no longer waits for the pass to end and then costs every member a send
// of its own.
//
// While the hub's output budget is full (Hub::inputPaused) no socket is
// read: EPOLLIN is taken off every connection, so TCP pushes back on the
// senders, and put back once the hub takes input again. Writing goes on.
//
// Sessions the hub closes linger briefly: their last frames (an Error or a
// Bye) are written, the write side is shut down, and the socket is closed
// when the peer closes or the linger time runs out. A durable history store's
// commit eventfd is in the same epoll set: when it is readable the hub
// releases the messages the store committed.
//
// Threading: run() on the loop thread; adopt(), stop() and connections() are
// thread safe (acceptor threads, the main thread).

#include <sys/epoll.h>
#include <sys/uio.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <Poco/Logger.h>
#include <Poco/Net/StreamSocket.h>

#include "DaemonConfig.hpp"
#include "hermes/hub/Hub.hpp"

namespace hermesd {

class EventLoop {
public:
    EventLoop(std::unique_ptr<hermes::hub::Hub> hub, EdgeConfig config);
    ~EventLoop();
    EventLoop(const EventLoop&) = delete;
    EventLoop& operator=(const EventLoop&) = delete;

    // Thread safe. Hands an accepted, non-blocking socket to the loop.
    void adopt(Poco::Net::StreamSocket socket, std::string peer);

    // Loop thread. Returns after stop() once every connection is closed or
    // the linger time has passed.
    void run();

    // Thread safe. Every session gets Bye{SHUTDOWN, reason}; run() returns.
    void stop(std::string reason);

    // Thread safe: sockets the loop holds now.
    std::size_t connections() const { return connectionCount_.load(std::memory_order_relaxed); }

private:
    using TimePoint = hermes::hub::TimePoint;
    struct Connection {
        Poco::Net::StreamSocket socket;
        int fd = -1;
        bool writeArmed = false;
        bool reading = true;     // EPOLLIN is watched (off while input is paused)
        bool lingering = false;  // the hub is done with it; closing
        std::string rest;        // lingering: last bytes not yet written
        TimePoint lingerDeadline{};
    };

    void adoptPending(TimePoint now);
    void handleEvents(int count, TimePoint now);  // the first count of events_
    void onEvent(std::uint64_t id, std::uint32_t events, TimePoint now);
    void readFrom(hermes::hub::SessionId id, Connection& connection, TimePoint now);
    void writeTo(hermes::hub::SessionId id, Connection& connection, TimePoint now);
    void serviceReady(TimePoint now);
    TimePoint takeInputDuringPass(TimePoint now);
    void startLinger(hermes::hub::Closing& closing, TimePoint now);
    void continueLinger(hermes::hub::SessionId id, Connection& connection);
    void expireLingering(TimePoint now);
    void armWrite(hermes::hub::SessionId id, Connection& connection, bool wantWrite);
    // Watches (or stops watching) every connection's input as the hub's
    // input pause says.
    void followInputPause(TimePoint now);
    bool watch(hermes::hub::SessionId id, Connection& connection, bool reading, bool writing);
    void drop(hermes::hub::SessionId id);
    void trimHeap(TimePoint now);
    void logStats(TimePoint now);
    int waitTimeoutMs(TimePoint now) const;

    std::unique_ptr<hermes::hub::Hub> hub_;
    EdgeConfig config_;
    Poco::Logger& log_;
    int epollFd_ = -1;
    int wakeFd_ = -1;

    std::mutex pendingMutex_;
    std::vector<std::pair<Poco::Net::StreamSocket, std::string>> pending_;  // guarded
    std::atomic<bool> stopRequested_{false};
    std::string stopReason_;  // guarded by pendingMutex_

    // Loop thread only.
    std::unordered_map<hermes::hub::SessionId, Connection> connections_;
    std::atomic<std::size_t> connectionCount_{0};
    std::vector<hermes::hub::SessionId> writable_;
    std::vector<hermes::hub::Closing> closing_;
    std::vector<hermes::hub::SessionId> lingering_;
    std::vector<char> readBuffer_;
    std::vector<epoll_event> events_;  // one epoll_wait()'s; handled before the next
    // One gathered write's pieces; more segments wait for the next sendmsg().
    static constexpr std::size_t kMaxIovecs = 64;
    std::array<std::string_view, kMaxIovecs> writeViews_{};
    std::array<iovec, kMaxIovecs> writeIovecs_{};
    TimePoint nextTick_{};
    TimePoint nextStats_{};
    TimePoint statsSince_{};
    std::uint64_t statsMessagesIn_ = 0;
    std::uint64_t statsDeliveries_ = 0;
    static constexpr std::uint64_t kTrimAfterBytes = 1024 * 1024;
    std::uint64_t releasedAtTrim_ = 0;
    TimePoint nextTrim_{};
    bool shuttingDown_ = false;
    TimePoint shutdownDeadline_{};
    bool inputPaused_ = false;  // as last applied to the connections' epoll interest
};

}  // namespace hermesd

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
// senders, and put back once the hub takes input again; then a connection
// adopted meanwhile that holds bytes of its own (read with a WebSocket's
// upgrade request) is read, as no event will announce them. Writing goes
// on. A connection whose interest cannot be changed is logged and closed.
//
// Sessions the hub closes linger briefly: their last frames (an Error or a
// Bye) are written, the write side is shut down, and the socket is closed
// when the peer closes or the linger time runs out. A durable history store's
// commit eventfd is in the same epoll set: when it is readable the hub
// releases the messages the store committed; so is its eventfd for searches
// it finished in the background.
//
// The loop talks to each client through ClientConnection (bytes in, bytes
// out, close): TcpConnection and WebSocketConnection today; TLS or an IRC
// translator would be siblings, and neither the loop's logic nor the hub
// would change. A transport's own bytes (a pong, a close frame) are written
// even when the hub has nothing for the session.
//
// IRC members are paced (irc.send_interval_ms; ClientConnection::
// sendInterval(), hermes::irc::IrcSendPacer): output ready sooner than the
// interval after the member's previous send stays in the hub's queue, the
// member waits in paced_, and the loop wakes (epoll_pwait2, to the
// microsecond) when the interval is over to write everything that arrived
// meanwhile in one send. Output after a quiet interval is written at once.
// Every other transport is written as soon as it has output.
//
// Metrics (docs/HUB.md "Metrics"): once a second the loop publishes a
// MetricsSnapshot (the hub's Stats, its connections by transport, the
// store's commit histogram and backlog, its own lag) on the MetricsBoard it
// was given; scrapes read that, never the loop's state. Its lag: an event
// that becomes ready while the loop is busy waits until the loop calls
// epoll_wait again, so each turn records the time from epoll_wait returning
// to the end of the turn's work (one more clock read per turn), the longest
// such an event could have waited; a pass's looks at the input
// (takeInputDuringPass) may take it sooner.
//
// A catch-all per connection: an exception while serving one connection's
// event (the hub closes a session itself for an exception in its own
// handling, Hub.hpp) is logged, that session is closed and dropped, and the
// loop goes on with the others.
//
// Threading: run() on the loop thread, and every private method (checked in
// debug builds: OwnerThread, bound when run() starts); adopt(), post(), stop()
// and connections() are thread safe (acceptor threads, the main thread, the
// signal thread): what they share with the loop is in a LockGuarded inbox.

#include <sys/epoll.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <Poco/Logger.h>

#include "ClientConnection.hpp"
#include "DaemonConfig.hpp"
#include "MetricsSnapshot.hpp"
#include "RedisBackplane.hpp"
#include "hermes/hub/Hub.hpp"
#include "hermes/hub/RateMeter.hpp"
#include "hermes/irc/IrcSendPacer.hpp"
#include "hermes/threads/LockGuarded.hpp"
#include "hermes/threads/OwnerThread.hpp"

namespace hermesd {

class EventLoop {
public:
    using TimePoint = hermes::hub::TimePoint;

    // `metrics`: where the figures are published once a second (it outlives
    // the loop); null: not published.
    EventLoop(std::unique_ptr<hermes::hub::Hub> hub, EdgeConfig config,
              MetricsBoard* metrics = nullptr);
    ~EventLoop();
    EventLoop(const EventLoop&) = delete;
    EventLoop& operator=(const EventLoop&) = delete;

    // Thread safe. Hands an accepted connection to the loop, with what the
    // acceptor's look at the Registry said: admitted, or to be refused
    // (HUB_FULL) without a session.
    void adopt(std::unique_ptr<ClientConnection> connection, std::string peer,
               hermes::hub::Registry::Admission admission);

    // Thread safe. `task` runs on the loop thread with the hub, at the
    // loop's next turn (not after stop()): how another thread changes hub
    // state (a config reload) while the hub keeps its single owner.
    using Task = std::function<void(hermes::hub::Hub&, TimePoint)>;
    void post(Task task);

    // Loop thread. Returns after stop() once every connection is closed or
    // the linger time has passed.
    void run();

    // Thread safe. Every session gets Bye{SHUTDOWN, reason}; run() returns.
    void stop(std::string reason);

    // Before run(), on the thread that made the loop: the cluster's
    // backplane (docs/CLUSTER.md), pumped after each turn of the hub and
    // read when its descriptor is readable. None: a hub alone, and the
    // loop does nothing more than before.
    void attachBackplane(std::unique_ptr<RedisBackplane> backplane);

    // Thread safe: sockets the loop holds now.
    std::size_t connections() const { return connectionCount_.load(std::memory_order_relaxed); }

private:
    struct Connection {
        std::unique_ptr<ClientConnection> transport;
        bool writeArmed = false;
        bool reading = true;        // EPOLLIN is watched (off while input is paused)
        bool lingering = false;     // the hub is done with it; closing
        bool farewellSaid = false;  // lingering: the transport's farewell() was called
        bool writeClosed = false;   // lingering: closeWrite() was called
        hermes::hub::CloseReason cause = hermes::hub::CloseReason::ConnectionClosed;
        std::string rest;  // lingering: last bytes not yet written
        TimePoint lingerDeadline{};
        hermes::irc::IrcSendPacer pacer;  // the transport's sendInterval(); off: zero
    };
    struct Accepted {
        std::unique_ptr<ClientConnection> connection;
        std::string peer;
        hermes::hub::Registry::Admission admission;
    };
    // What acceptor threads and the main thread hand the loop.
    struct Inbox {
        std::vector<Accepted> accepted;
        std::vector<Task> tasks;
        std::string stopReason;
    };

    void adoptPending(TimePoint now);
    void runTasks(TimePoint now);
    void handleEvents(int count, TimePoint now);  // the first count of events_
    void onEvent(std::uint64_t id, std::uint32_t events, TimePoint now);
    // The catch-all: `id` failed at the edge; it alone is closed.
    void failConnection(hermes::hub::SessionId id, const char* what);
    void readFrom(hermes::hub::SessionId id, Connection& connection, TimePoint now);
    // True when the connection's pacer holds its output for later
    // (servicePaced()); false when it was written (or dropped).
    bool writeTo(hermes::hub::SessionId id, Connection& connection, TimePoint now);
    void serviceReady(TimePoint now);
    // Writes the paced members whose interval is over.
    void servicePaced();
    TimePoint takeInputDuringPass(TimePoint now);
    void startLinger(hermes::hub::Closing& closing, TimePoint now);
    // The session ended at the transport (read() said Closed) while the
    // transport still holds last bytes of its own: write them, then close.
    void lingerForTransport(hermes::hub::SessionId id, Connection& connection, TimePoint now);
    void continueLinger(hermes::hub::SessionId id, Connection& connection);
    void expireLingering(TimePoint now);
    void armWrite(hermes::hub::SessionId id, Connection& connection, bool wantWrite);
    // Watches (or stops watching) every connection's input as the hub's
    // input pause says.
    void followInputPause(TimePoint now);
    // Reads the connections that hold input of their own (bufferedInput()),
    // which no epoll event announces: those adopted while input was paused.
    void readBufferedInput(TimePoint now);
    bool watch(hermes::hub::SessionId id, Connection& connection, bool reading, bool writing);
    void drop(hermes::hub::SessionId id);
    void trimHeap(TimePoint now);
    void logStats(TimePoint now);
    void publishMetrics(TimePoint now);
    // Waits for events until the next thing due; returns epoll's count.
    int waitForEvents(TimePoint now);

    std::unique_ptr<hermes::hub::Hub> hub_;
    std::unique_ptr<RedisBackplane> backplane_;  // null: no cluster
    EdgeConfig config_;
    Poco::Logger& log_;
    int epollFd_ = -1;
    int wakeFd_ = -1;

    hermes::threads::LockGuarded<Inbox> inbox_;
    std::atomic<bool> stopRequested_{false};

    // Loop thread only (checked in debug builds).
    hermes::threads::OwnerThread loopThread_;
    std::unordered_map<hermes::hub::SessionId, Connection> connections_;
    std::atomic<std::size_t> connectionCount_{0};
    std::vector<hermes::hub::SessionId> writable_;
    std::vector<hermes::hub::Closing> closing_;
    std::vector<hermes::hub::SessionId> lingering_;
    // Paced members holding output (their pacer's holding()); an entry whose
    // member was written or dropped since is skipped.
    std::vector<hermes::hub::SessionId> paced_;
    std::vector<hermes::hub::SessionId> pacedDue_;  // servicePaced()'s scratch
    TimePoint nextPacedDue_ = TimePoint::max();     // the earliest of paced_
    bool preciseWait_ = true;                       // epoll_pwait2 works here
    std::vector<char> readBuffer_;
    std::vector<epoll_event> events_;  // one epoll_wait()'s; handled before the next
    // One gathered write's pieces; more segments wait for the next write.
    static constexpr std::size_t kMaxPieces = 64;
    std::array<std::string_view, kMaxPieces> writeViews_{};
    TimePoint nextTick_{};
    TimePoint nextStats_{};
    hermes::hub::RateMeter statsRates_;  // over hermesd.stats_interval_s
    MetricsBoard* metrics_ = nullptr;
    hermes::hub::LatencyHistogram lag_;       // each turn's busy time
    std::uint64_t tlsHandshakeFailures_ = 0;  // for /metrics (Read::handshakeFailed)
    TimePoint nextPublish_{};
    static constexpr std::uint64_t kTrimAfterBytes = 1024 * 1024;
    std::uint64_t releasedAtTrim_ = 0;
    TimePoint nextTrim_{};
    bool shuttingDown_ = false;
    TimePoint shutdownDeadline_{};
    bool inputPaused_ = false;  // as last applied to the connections' epoll interest
};

}  // namespace hermesd

#pragma once
// Drives the hub with many clients from one thread: one epoll loop over
// non-blocking sockets, each speaking the Hermes codec directly.
//
// Why not hermes::client::ClientCore: it runs one I/O thread per connection,
// so 5,000 clients would mean 5,000 bench threads competing with the hub for
// this machine's 2 cores; the bench would measure its own scheduling. One
// loop costs a few hundred bytes per client and no context switches.
//
// Phases of a run: connect + Hello + Join for every client (at most
// --concurrency in their handshake at once), wait until the hub is quiet (the
// join presence has arrived), then the measured phase of the mode:
// - throughput: every sender keeps up to --window messages unacknowledged;
//   the hub's echo to the sender is the acknowledgement;
// - latency: open loop at --rate messages/s in total, round-robin over the
//   senders; each message carries its scheduled send time, so a late send is
//   counted in the latency rather than hidden;
// - idle: nothing is sent; the hub's memory per client and the final member
//   list (Who) are checked, then each member's own view of it, fetched page
//   by page with MembersRequest as a client of a large room does.
// Every wait is bounded by --timeout for the whole run, and the measured phase
// also ends after --stall-s without deliveries (latency mode: once all was
// sent; a throughput sender that hears nothing is stuck anyway).
//
// Threading: single-threaded. run() is called once.

#include <sys/socket.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "BenchClient.hpp"
#include "BenchOptions.hpp"
#include "BenchResult.hpp"
#include "DeliveryLedger.hpp"
#include "hermes/tls/TlsContext.hpp"
#include "hermes/v1/hermes.pb.h"

namespace hermes::bench {

class LoadGenerator {
public:
    // Frames shown on stderr per kind of trouble, so a broken run stays readable.
    static constexpr int kMaxReportedErrors = 10;
    // epoll events handled per epoll_wait.
    static constexpr int kEpollBatch = 1024;
    // Bytes read from one socket per readiness event, for fairness.
    static constexpr std::size_t kReadBudget = 256 * 1024;

    explicit LoadGenerator(BenchOptions options);
    ~LoadGenerator();
    LoadGenerator(const LoadGenerator&) = delete;
    LoadGenerator& operator=(const LoadGenerator&) = delete;

    // Throws std::runtime_error on a setup failure (address, epoll, rlimit).
    BenchResult run();

private:
    void raiseFileLimit(int sockets);
    void resolveAddress();
    bool connectAndJoin(int count);
    bool openClient(BenchClient& client);
    void loopOnce(int timeoutMs);
    void onEvent(BenchClient& client, std::uint32_t events);
    void onReadable(BenchClient& client);
    void handleFrame(BenchClient& client, std::string_view payload);
    void handleMessage(BenchClient& client, std::string_view bytes);
    void handleOther(BenchClient& client, std::uint32_t field, std::string_view payload);
    void markDirty(BenchClient& client);
    void flushDirty();
    void updateInterest(BenchClient& client, bool wantWrite);
    void fail(BenchClient& client, const std::string& why);
    void waitQuiet(double seconds);
    void sendMessage(BenchClient& sender, std::uint64_t stampNs);
    void pumpThroughput();
    void pumpLatency();
    void armTimer(std::uint64_t atNs);
    int membersViaWho();
    void checkViews(BenchResult& result);
    void requestView(BenchClient& client, std::string_view after);
    void handleMembersPage(BenchClient& client, std::string_view bytes);

    void runFanout(BenchResult& result);
    void runIdle(BenchResult& result);
    bool pastDeadline() const;
    int msUntilDeadline(int capMs) const;
    void note(const std::string& text);

    BenchOptions options_;
    std::optional<hermes::tls::TlsContext> tlsContext_;  // --tls: every client's
    struct Address {
        sockaddr_storage storage{};
        socklen_t length = 0;
    };
    std::vector<Address> addresses_;  // one per --port, client i to the (i mod n)th
    int epoll_ = -1;
    int timer_ = -1;
    std::uint64_t startNs_ = 0;
    std::uint64_t deadlineNs_ = 0;
    bool measuring_ = false;

    std::vector<std::unique_ptr<BenchClient>> clients_;
    std::vector<BenchClient*> dirty_;
    std::vector<char> scratch_;   // recv() buffer; frames are handled in place
    std::uint64_t nowNs_ = 0;     // taken once per read, for every frame in it
    std::uint64_t lastRxNs_ = 0;  // last byte from the hub, any client

    int handshaking_ = 0;  // clients between connect and MemberList
    int joined_ = 0;
    std::uint64_t errors_ = 0;
    std::uint64_t disconnects_ = 0;
    std::uint64_t connectFailures_ = 0;
    int reported_ = 0;
    std::vector<std::string> notes_;

    // Measured phase.
    std::unique_ptr<DeliveryLedger> ledger_;
    std::vector<std::uint32_t> perSender_;
    std::vector<int> ready_;  // throughput: senders with window room
    std::uint64_t totalToSend_ = 0;
    std::uint64_t totalSent_ = 0;
    std::uint64_t firstSendNs_ = 0;
    std::uint64_t latencyStartNs_ = 0;
    std::uint64_t maxSendLagNs_ = 0;
    std::string payload_;
    hermes::v1::Envelope say_;

    // Idle: the Who answer.
    bool awaitingWho_ = false;
    std::optional<hermes::v1::MemberList> whoAnswer_;

    // Idle: each member's own view, fetched page by page (checkViews).
    struct ViewCheck {
        std::uint32_t matched = 0;  // nicks so far, each the expected one
        bool waiting = false;       // a MembersRequest is on its way
        bool wrong = false;
        bool done = false;
    };
    std::vector<std::string> expectedNicks_;  // the joined clients' nicks, in byte order
    std::vector<ViewCheck> views_;
    int viewsInFlight_ = 0;
    int viewsDone_ = 0;
    bool viewsUnsupported_ = false;  // the hub answered MembersRequest UNSUPPORTED
};

}  // namespace hermes::bench

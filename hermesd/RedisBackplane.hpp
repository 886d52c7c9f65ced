#pragma once
// The cluster's backplane at the edge (docs/CLUSTER.md): moves the hub's
// BackplaneRequests to redis-server and its answers and room notices back
// into the hub, with hiredis's asynchronous API driven by the event loop.
//
// Two connections: one for commands (the publish script by EVALSHA, XRANGE
// for fills, the hub's lease), one subscribed to every room's channel
// (PSUBSCRIBE hermes:room:*). hiredis's event hooks (addRead, delRead,
// addWrite, delWrite, cleanup) register the two sockets in an epoll set of
// this object's own, whose descriptor (fd()) sits in the loop's epoll set:
// when it is readable the loop calls onReady(). No RESP is written here.
//
// The publish script (kPublishScript) gives a room message its seq and
// appends and publishes it in one step, so a room has one order on every
// hub. The hub is told the backplane is up only once both connections are
// ready (script loaded, subscribed); then it reads every room's stream from
// its next seq, so what was published while it was away is delivered.
//
// Sentinel (cluster.sentinels): each connect first asks the sentinels for
// the master (cluster.timeout_ms per sentinel, the one that answered last
// first), and each lease renewal asks that one sentinel before it writes
// the lease (at most 200 ms; one that does not answer is passed over the
// next time): a master other than this one is a failover. Both on a third
// connection driven by the loop like the other two, so a sentinel that
// hangs never stalls the hub's clients (only sharedEpoch(), at start,
// asks blocking). A failover
// also reaches the hub as its connections closed (Sentinel kills the
// clients of the instances it reconfigures) or a write refused READONLY (a
// demoted master). Each resets, and the reconnect asks the sentinels again.
//
// cluster.replicas_acked (n > 0): the script appends without publishing;
// each turn that appended sends one WAIT n after its appends, and the
// notices are published only once WAIT counts n replicas (a WAIT short of n:
// the sends are refused, of unknown fate; a WAIT refused, by a demoted
// master: the connection is reset). A
// gap's Fill reads no further than the highest seq waiting (replicated, with
// all before it); a Fill with no bound (a reconnect) is followed by a write
// (the fence) and WAIT, and delivered only after it. docs/CLUSTER.md,
// "Acked on the replicas".
//
// Failures: a connection lost, a connect or a reply slower than
// cluster.timeout_ms (Redis hung, or a partition): both connections are
// dropped, the hub is told the backplane is down (messages refused:
// CLUSTER_UNAVAILABLE), each publish not answered is reported to its
// sender as of unknown fate, and a reconnect is tried every
// cluster.reconnect_ms.
//
// The lease: every third of cluster.lease_ms the hub sets
// hermes:hub:NAME (PX cluster.lease_ms); it is also the command link's
// heartbeat, whose answer must come within cluster.timeout_ms. After it the
// hub runs the reap script: a hub whose lease has expired has its members
// quit every room (QUIT notices), by exactly one hub.
//
// Private messages across hubs: one script each (kPrivateScript: the
// nick's holder, the number, the notice on hermes:pm:HOLDER, the entry in
// hermes:pmstream:HOLDER); the subscriber also takes this hub's own
// hermes:pm:NAME; at each (re)connect the hub's count is read
// (kPrivateCursorScript) and its stream from its cursor (PrivateFill).
//
// Presence across hubs: this hub's joins, leaves and quits by a script each
// (kPresenceScript: the room's member hash, the hub's member set, the
// notice on hermes:presence:ROOM); the subscriber also takes
// hermes:presence:*; at each (re)connect every room's members on every
// hub are read by one script (kMembersScript).
//
// Room state across hubs (topics, bans, kicks: RedisRoomState.cpp): one
// script per change (kStateScript: the version, hermes:state, the notice on
// hermes:statenote); the subscriber also takes hermes:statenote; at each
// (re)connect hermes:state is read whole with its version (kStatesScript).
//
// Threading: the loop thread only (constructor and sharedEpoch() on the
// main thread, before the loop runs).

#include <sys/epoll.h>

#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <Poco/Logger.h>

#include "DaemonConfig.hpp"
#include "hermes/hub/Hub.hpp"

struct redisAsyncContext;

namespace hermesd {

class RedisBackplane {
public:
    using TimePoint = hermes::hub::TimePoint;

    // `config.redis` is host:port; `hubName` unique in the cluster.
    RedisBackplane(const ClusterConfig& config, std::string hubName);
    ~RedisBackplane();
    RedisBackplane(const RedisBackplane&) = delete;
    RedisBackplane& operator=(const RedisBackplane&) = delete;

    // The cluster's epoch (Welcome.epoch), shared by every hub so a client
    // that moves keeps its cursors: the first hub's `proposal`, kept in
    // Redis (hermes:epoch). Blocking, at start; throws std::runtime_error
    // (naming cluster.redis) when Redis cannot be reached in cluster.timeout_ms.
    static std::uint64_t sharedEpoch(const ClusterConfig& config, std::uint64_t proposal);

    // The descriptor for the loop's epoll set (readable: call onReady).
    int fd() const { return epollFd_; }

    // After each turn of the hub: its requests sent, (re)connects and the
    // lease when due, timeouts checked. Returns when it wants to be called.
    TimePoint pump(hermes::hub::Hub& hub, TimePoint now);
    // fd() was readable: replies and notices into the hub.
    void onReady(hermes::hub::Hub& hub, TimePoint now);

private:
    struct Link {
        RedisBackplane* owner = nullptr;
        const char* name = "";
        redisAsyncContext* context = nullptr;
        int fd = -1;
        std::uint32_t events = 0;  // what the inner epoll set watches
        bool connected = false;
        bool ready = false;            // command link: script loaded; subscriber: subscribed
        std::deque<TimePoint> sentAt;  // commands awaiting a reply, oldest first
        // A reply callback ran (a reply, or none: the context is going), so
        // the oldest command sent is no longer awaited. Every callback calls it first.
        void answered() {
            if (!sentAt.empty()) {
                sentAt.pop_front();
            }
        }
    };
    struct Pending;

    // A question to the sentinels: which master is kMasterName's now.
    struct SentinelAsk {
        bool active = false;
        bool renewal = false;   // a lease renewal's check: a failover if another master
        std::size_t start = 0;  // of sentinels_: the one asked first
        std::size_t index = 0;  // the one asked now
        std::size_t left = 0;   // how many more to ask if it fails
        std::chrono::milliseconds timeout{};
        TimePoint deadline{};
        bool done = false;  // its callback answered: host and port, or why not
        std::string host;
        int port = 0;
        std::string why;
    };

    void connect(TimePoint now);
    void connectLinks(TimePoint now);
    void askSentinels(bool renewal, TimePoint now);
    void askSentinel(TimePoint now);
    void stepSentinels(TimePoint now);
    void sentinelConnected(const redisAsyncContext* context, int status);
    void closeSentinel();
    void attach(Link& link, redisAsyncContext* context);
    void reset(TimePoint now);
    void send(const hermes::hub::BackplaneRequest& request, TimePoint now);
    void sendNick(const hermes::hub::BackplaneRequest& request, TimePoint now);
    void sendPresence(const hermes::hub::BackplaneRequest& request, TimePoint now);
    void sendState(const hermes::hub::BackplaneRequest& request, TimePoint now);
    void sendPrivate(const hermes::hub::BackplaneRequest& request, TimePoint now);
    void sendPrivateCursor(const hermes::hub::BackplaneRequest& request, TimePoint now);
    void renewLease(TimePoint now);
    void writeLease(TimePoint now);
    void reap(TimePoint now);
    void sendWait(TimePoint now);
    void flushWrites();
    void checkUp();
    void watch(Link& link, std::uint32_t events);

    // hiredis callbacks (C function pointers; `privdata` says which).
    static void onConnect(const redisAsyncContext* context, int status);
    static void onDisconnect(const redisAsyncContext* context, int status);
    static void onScriptLoaded(redisAsyncContext* context, void* reply, void* privdata);
    static void onMessage(redisAsyncContext* context, void* reply, void* privdata);
    static void onPublished(redisAsyncContext* context, void* reply, void* privdata);
    static void onFilled(redisAsyncContext* context, void* reply, void* privdata);
    static void onWait(redisAsyncContext* context, void* reply, void* privdata);
    static void onFence(redisAsyncContext* context, void* reply, void* privdata);
    static void onFenced(redisAsyncContext* context, void* reply, void* privdata);
    static void onNick(redisAsyncContext* context, void* reply, void* privdata);
    static void onPrivateSent(redisAsyncContext* context, void* reply, void* privdata);
    static void onPrivateCursor(redisAsyncContext* context, void* reply, void* privdata);
    static void onMembers(redisAsyncContext* context, void* reply, void* privdata);
    static void onStates(redisAsyncContext* context, void* reply, void* privdata);
    static void onStateDone(redisAsyncContext* context, void* reply, void* privdata);
    void stateNotice(std::string_view payload);
    static void onScriptDone(redisAsyncContext* context, void* reply, void* privdata);
    static void onLease(redisAsyncContext* context, void* reply, void* privdata);
    static void onSentinelReply(redisAsyncContext* context, void* reply, void* privdata);
    static void addRead(void* privdata);
    static void delRead(void* privdata);
    static void addWrite(void* privdata);
    static void delWrite(void* privdata);
    static void cleanup(void* privdata);

    const ClusterConfig config_;
    const std::string hubName_;
    const std::string privatePattern_;  // this hub's private channel, hermes:pm:NAME (a glob)
    std::string host_;                  // the master: cluster.redis, or as the sentinels named it
    int port_ = 0;
    std::vector<std::string> sentinels_;  // cluster.sentinels, host:port each
    std::size_t preferredSentinel_ = 0;   // of sentinels_: asked first
    // The most a lease renewal waits for its one sentinel (a connect is
    // allowed cluster.timeout_ms per sentinel).
    static constexpr std::chrono::milliseconds kRenewalSentinelTimeout{200};
    std::string lastMaster_;  // logged when the sentinels name another
    Poco::Logger& log_;
    int epollFd_ = -1;
    Link command_;
    // State requests sent, in order (one connection: answered in order):
    // the setter's session and the field, told if Redis refuses it.
    std::deque<std::pair<std::uint64_t, std::string>> stateSent_;
    Link subscriber_;
    Link sentinel_;  // open while a SentinelAsk is
    SentinelAsk sentinelAsk_;
    std::string scriptSha_;
    bool up_ = false;           // the hub was told it is up
    bool resetWanted_ = false;  // a callback saw a failure: reset at the next chance
    std::string resetWhy_;
    TimePoint nextAttempt_{};
    TimePoint connectStarted_{};
    TimePoint nextLease_{};
    std::vector<hermes::hub::BackplaneRequest> requests_;
    // Nicks let go while Redis was away: released when it is back.
    std::vector<std::string> releasesOwed_;
    // Set while hiredis may call back (pump, onReady): where answers go.
    hermes::hub::Hub* hub_ = nullptr;
    TimePoint now_{};
    std::uint64_t failuresLogged_ = 0;
    bool reapedSelf_ = false;         // this run's leftovers of an earlier run reaped
    bool privateSubscribed_ = false;  // hermes:pm:HUB subscribed on this connection
    bool nicksCleared_ = false;       // an earlier run's nicks let go (kClearNicksScript)
    // cluster.replicas_acked > 0: appends and fenced Fills answered by Redis
    // and awaiting the WAIT sent after them (onWait), oldest first.
    std::deque<std::unique_ptr<Pending>> awaitingWait_;
    bool waitOwed_ = false;       // something was sent that the next WAIT must cover
    bool fenceOwed_ = false;      // a fenced Fill was sent: a write before that WAIT
    bool waitInFlight_ = false;   // a WAIT sent, not answered (one at a time)
    bool fenceFailed_ = false;    // the fence before the next WAIT was not written
    bool replicasShort_ = false;  // the last WAIT counted fewer than n (logged once)
    // Fenced Fills whose WAIT was short: sent again at nextRefill_.
    std::vector<hermes::hub::BackplaneRequest> refills_;
    TimePoint nextRefill_{};
};

}  // namespace hermesd

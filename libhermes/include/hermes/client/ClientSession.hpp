#pragma once
// The client side of Hermes without sockets or threads: fed what happens to
// the connection and the time, it keeps the protocol's state and says what to
// write, when to connect, and what to tell the application. ClientCore runs
// it behind one I/O thread; its tests drive it byte by byte.
//
//   I/O loop                                    ClientSession
//   --------                                    -------------
//   want() == Connect: starts connecting  ->    connecting(now)
//   the TCP connect succeeded / failed    ->    connected(now) / connectFailed(why, now)
//   bytes read                            ->    received(bytes, now)
//   bytes written                         ->    wrote(n)
//   the connection closed or failed       ->    disconnected(why, now)
//   time passed (nextDeadline())          ->    tick(now)
//   the application's frames              ->    submit(frame, trackedId, now)
//   the application quits                 ->    stop(quitMessage, now)
//                                         <-    want(), nextDeadline()
//                                         <-    output(): bytes to write now
//                                         <-    takeEvent(): what to tell the app
//
// Its parts:
// - the handshake: Hello, Welcome, a nick the hub refused and retryNick();
// - RoomTracker: the rooms joined, the hub's epoch, per-room seq cursors and
//   dedup (live messages and catch-up pages overlap after a reconnect);
// - ConversationTracker: a private message's private_seq per conversation,
//   so one the hub delivers twice (a waited message after a hub crash) is
//   shown once;
// - the catch-up after a reconnect: each room is rejoined with skip_backlog
//   and paged through HistoryRequest from its cursor. Until every room has
//   caught up, the application's frames wait, so lines go out in the order
//   they were made;
// - SendTracker: every say and private message from submit() to its own
//   live echo (SendAcked) or its end (SendFailed); a send the hub answered
//   STORE_BEHIND (its disk is behind) is sent again after a short wait;
// - pacing: frames go out at the hub's rate (Welcome.limits) through a
//   TokenBucket, so ordinary use is never cut for flooding. Hello, Ping,
//   Pong and Bye are never held back, and FileChunks take no token (the
//   hub's upload window paces them: FileUpload.hpp);
// - liveness: the handshake timeout, idle pings, and the reconnect plan
//   (ReconnectBackoff);
// - the hub list (ClientOptions::hubs(), docs/CLUSTER.md "Clients"): each
//   attempt after a failed connect or a dropped connection goes to the next
//   hub, round the list, with the same backoff. A hub of the same cluster
//   answers with the same Welcome.epoch, and the cursors are kept: the
//   catch-up fetches what was missed. Another hub with another epoch has
//   seqs of its own: the cursors start again (RoomTracker::onWelcome). On a
//   reconnect, NICK_TAKEN is our own previous session, which the cluster
//   still holds (a dead hub's lease has not expired): retried, up to
//   kNickHeldRetries times, instead of asking the application. A hub that
//   answers CLUSTER_UNAVAILABLE (cut from its cluster's Redis) is left for
//   the next one; the says it refused are in doubt and settled there.
//
// What goes out is bounded: frames wait in the session (unwritten) while
// more than kMaxWriteBufferBytes are unwritten, and ClientCore stops taking
// the application's frames while queuedFrames() is over kMaxQueuedFrames.
//
// Threading: none. One thread (ClientCore's I/O thread, or a test) calls
// every method.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "hermes/client/ClientEvent.hpp"
#include "hermes/client/ClientOptions.hpp"
#include "hermes/client/ConversationTracker.hpp"
#include "hermes/client/HubAddress.hpp"
#include "hermes/client/ReconnectBackoff.hpp"
#include "hermes/client/RoomTracker.hpp"
#include "hermes/client/SendTracker.hpp"
#include "hermes/codec/FrameDecoder.hpp"
#include "hermes/protocol/TokenBucket.hpp"
#include "hermes/v1/hermes.pb.h"

namespace hermes::client {

class ClientSession {
public:
    using Clock = std::chrono::steady_clock;
    using TimePoint = Clock::time_point;

    // Unwritten bytes above which no more paced frames are added to output().
    static constexpr std::size_t kMaxWriteBufferBytes = 256 * 1024;
    // Frames waiting in the session above which ClientCore takes no more.
    static constexpr std::size_t kMaxQueuedFrames = 256;
    // A say the hub refused with STORE_BEHIND is sent again after this long,
    // doubling, at most this many times.
    static constexpr std::chrono::milliseconds kStoreBehindRetry{500};
    static constexpr int kStoreBehindRetries = 6;
    // Says written and not yet echoed, at most, when the hub sets no rate
    // (with one: its rate_burst).
    static constexpr std::size_t kUnlimitedUnechoedWindow = 256;
    // On a reconnect, a NICK_TAKEN (our previous session, not yet gone on
    // the hub or the cluster) is retried this many times, with the backoff,
    // before the application is asked for another nick.
    static constexpr int kNickHeldRetries = 10;

    enum class Want : std::uint8_t {
        Connect,   // open a connection now: connecting(), then connected() or connectFailed()
        Wait,      // nothing to do until nextDeadline() (a reconnect delay)
        Talk,      // connected: read, write output(), tick at nextDeadline()
        Drop,      // close the connection now (a timeout, a bad frame), then disconnected()
        Close,     // stop(): write output() until it is empty or nextDeadline() passes,
                   // then close and call disconnected()
        Finished,  // nothing more will happen: stopped, or failed for good
    };

    // `seed` varies the reconnect jitter between clients.
    ClientSession(ClientOptions options, std::uint64_t seed);

    Want want() const;
    // When tick() must be called next (nullopt: only on I/O).
    std::optional<TimePoint> nextDeadline() const;

    // --- what happens to the connection ------------------------------------

    void connecting(TimePoint now);
    void connected(TimePoint now);
    void connectFailed(const std::string& why, TimePoint now);
    void received(std::string_view bytes, TimePoint now);
    // The connection ended (`why`: the socket's reason, e.g. "connection
    // closed by the hub"); the session's own reason (a fatal Error, a
    // timeout) wins if it ended it.
    void disconnected(const std::string& why, TimePoint now);
    void tick(TimePoint now);
    // The application is not taking events, so the I/O loop does not read:
    // the hub's silence meanwhile is ours, not a dead connection.
    void notReading(TimePoint now) { lastHeard_ = now; }

    // Bytes to write now, in order; wrote(n) takes n of them off.
    std::string_view output() const;
    void wrote(std::size_t n);

    // --- what the application asks ------------------------------------------

    // A frame for the hub. `trackedId` != 0: a say or private message with
    // that client_msg_id, tracked until its echo (SendWritten, SendAcked,
    // SendFailed). Frames go out in the order submitted, but for Typing:
    // best-effort, it is written at once, unpaced, or dropped (offline,
    // catching up, output backed up).
    void submit(hermes::v1::Envelope frame, std::uint64_t trackedId, TimePoint now);
    // After NickRejected: Hello with `nick` (now, or on the next connection).
    void retryNick(const std::string& nick, TimePoint now);
    // The password later Hellos carry (retryNick, reconnects).
    void setPassword(const std::string& password) { options_.password = password; }
    void setHubPassword(const std::string& password) { options_.hubPassword = password; }
    // Writes what pacing allows now, then Bye (if welcomed), and closes:
    // want() becomes Close, then Finished. No event is emitted after it.
    void stop(const std::string& quitMessage, TimePoint now);

    // --- what to tell the application ---------------------------------------

    bool hasEvent() const { return !events_.empty(); }
    // Moves the oldest event into `out`; false if there is none.
    bool takeEvent(Event& out);

    // --- state ----------------------------------------------------------------

    bool welcomed() const { return state_ == State::Welcomed; }
    const std::string& nick() const { return nick_; }
    // Tracked sends not yet acknowledged or failed.
    std::size_t pendingSends() const { return sends_.size(); }
    // Frames submitted and not yet written.
    std::size_t queuedFrames() const { return queue_.size(); }
    const RoomTracker& rooms() const { return rooms_; }
    // The hub the next (or current) connection is to: the I/O loop connects there.
    const HubAddress& hub() const { return hubs_[hubIndex_]; }
    const std::vector<HubAddress>& hubs() const { return hubs_; }

private:
    enum class State : std::uint8_t {
        Idle,         // connect now
        Waiting,      // for the reconnect delay (retryAt_)
        Connecting,   // the I/O loop is connecting
        Handshaking,  // connected, Hello sent
        Welcomed,
        Closing,  // stop(): writing the last frames
        Finished,
    };

    struct Queued {
        hermes::v1::Envelope frame;
        std::uint64_t trackedId = 0;
    };

    // --- frames in -----------------------------------------------------------
    void decode(TimePoint now);
    void handle(std::unique_ptr<hermes::v1::Envelope> envelope, TimePoint now);
    void onWelcome(std::unique_ptr<hermes::v1::Envelope> envelope, TimePoint now);
    void onError(std::unique_ptr<hermes::v1::Envelope> envelope, TimePoint now);
    void onMessage(std::unique_ptr<hermes::v1::Envelope> envelope);
    void onHistoryPage(std::unique_ptr<hermes::v1::Envelope> envelope);

    // --- catch-up after a reconnect ---------------------------------------------
    void requestCatchUp(const std::string& room, std::uint64_t afterSeq);
    void finishCatchUp(const std::string& room);
    void settleSends();

    // --- frames out --------------------------------------------------------------
    void writeNow(const hermes::v1::Envelope& envelope);
    void sendHello(TimePoint now);
    // The application's frames wait while a reconnect's catch-up runs.
    bool holdingQueue() const { return settleDue_ || !catchingUp_.empty(); }
    // Moves frames from the queues to output() as pacing and the buffer allow.
    void pump(TimePoint now);
    void retryStoreBehind(TimePoint now);
    void dropQueued(std::uint64_t trackedId);

    // --- the connection's end ----------------------------------------------------
    void endConnection(std::string reason);
    void scheduleRetry(const std::string& why, TimePoint now);
    // With a hub list: the next attempt goes to the next hub.
    void nextHub();
    void fail(const std::string& why);

    // --- events --------------------------------------------------------------------
    void emit(EventKind kind, std::string text = {},
              std::unique_ptr<hermes::v1::Envelope> envelope = nullptr);
    void emitSend(EventKind kind, std::uint64_t id, std::string text = {},
                  std::unique_ptr<hermes::v1::Envelope> envelope = nullptr);
    void setNick(const std::string& nick);

    ClientOptions options_;
    State state_ = State::Idle;
    std::string nick_;
    ReconnectBackoff backoff_;
    TimePoint retryAt_{};
    std::uint64_t connection_ = 0;           // connections so far
    std::vector<HubAddress> hubs_;           // options_.hubs(): never empty
    std::size_t hubIndex_ = 0;               // the hub connected to, or to connect to next
    std::optional<std::size_t> welcomedBy_;  // the hub of the last Welcome
    int nickHeldRetries_ = 0;                // NICK_TAKEN on reconnects since the last Welcome
    bool backplaneLost_ = false;             // this connection ended on CLUSTER_UNAVAILABLE

    // The current connection.
    codec::FrameDecoder decoder_;
    std::string out_;
    std::size_t outPos_ = 0;
    bool ended_ = false;     // the session ended the connection: want() Close
    std::string endReason_;  // ... and why
    std::string hubSaid_;    // a fatal Error or Bye: why the hub is about to close
    bool mayRetry_ = true;   // false after a kick or a protocol version error
    bool nickRejected_ = false;
    TimePoint helloAt_{};
    TimePoint lastHeard_{};
    TimePoint pingAt_{};
    bool pingOutstanding_ = false;
    std::uint64_t pingNonce_ = 0;
    TimePoint closeBy_{};  // stop(): the linger's end

    RoomTracker rooms_;
    ConversationTracker conversations_;
    SendTracker sends_;
    protocol::TokenBucket pacer_;
    std::optional<TimePoint> paceAt_;  // frames wait for the pacer's next token
    std::size_t unechoedWindow_ = kUnlimitedUnechoedWindow;
    std::deque<Queued> internal_;  // rejoins and catch-up requests: before queue_
    std::deque<Queued> queue_;     // the application's frames, in order
    // Per room, who asked for each outstanding non-backlog HistoryPage, in
    // order (true: the catch-up). The hub answers a connection's requests in
    // order.
    std::map<std::string, std::deque<bool>, std::less<>> historyOrigins_;
    std::set<std::string, std::less<>> catchingUp_;
    bool settleDue_ = false;  // a reconnect's catch-up must settle the sends in doubt
    // STORE_BEHIND: ids to send again at a time, and how often each was refused.
    std::multimap<TimePoint, std::uint64_t> storeRetries_;
    std::map<std::uint64_t, int> storeRefusals_;

    std::deque<Event> events_;
};

}  // namespace hermes::client

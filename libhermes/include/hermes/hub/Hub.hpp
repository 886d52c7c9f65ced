#pragma once
// The hub's whole logic, without sockets: sessions, handshake, registry,
// rooms, sequencing, history, presence, rate limits, slow consumers, pings.
//
// The network edge (hermesd's event loop, or a unit test) moves bytes:
//
//   edge                                hub
//   ----                                ---
//   accepted a connection  -> open()    -> SessionId (handshake timer starts)
//   refused at accept      -> refuse()  -> its refusal, as a closing session
//   read bytes             -> receive() -> decodes, acts, queues output
//   end of a read batch    -> flush()   -> emits coalesced presence
//   wrote n bytes          -> consumed()
//   peer closed / error    -> closed()  -> quit presence, nick released
//   timer                  -> tick()    -> handshake/ping/rate/stall timers
//   store committed        -> storeCommitted() -> held messages go out
//   store finished a read  -> storeReadsDone() -> search results go out
//   hashing thread done    -> accountsDone()   -> sign-ins answered
//   file thread done       -> filesDone()      -> chunks acknowledged, files announced
//   SIGTERM                -> shutdown()-> store flushed, Bye to all
//                          <- takeReady(): sessions with output to write,
//                             and sessions to close (with their last bytes)
//                          <- output(id, views) / consumed(id, n)
//                          <- inputPaused(): read no socket while true
//
// Every message a room receives is serialized once into a frame, copied once
// into the room's FrameBlock, and each member's outbound queue references
// those bytes (OutboundQueue.hpp): the edge writes them with one gathered
// write (sendmsg) per session.
//
// Flow control (docs/HUB.md "Slow members and the output budget"): a burst
// is not a slow member. Output memory is counted where it is allocated
// (MemoryGauge: blocks once, private frames) against
// HubConfig::maxQueuedBytes; near it the hub takes no more input
// (inputPaused(): the edge stops reading, TCP pushes back on the senders)
// until it is back to three quarters. Nobody is closed for the size of a
// burst. A member is closed as a slow consumer (its queue dropped, one fatal
// Error frame saying which limit) when its queue is outboundQueueBytes
// longer than the median of the other members of its rooms (it reads slower
// than they talk), when its queue makes no progress for writeStallTimeout,
// or, while input is paused, for kPausedStall; and once input has been
// paused for kPausedHold, the longest queue at each timer scan.
//
// Durability: with an asynchronous HistoryStore (SqliteHistory) a message is
// broadcast, its echo included, only once the store has committed it; the
// edge watches storeCommitFd() and calls storeCommitted(). Nothing blocks:
// the frame waits in its room (Room.hpp). History pages, backlogs and search
// never show a message before it was broadcast.
//
// Inside, the hub is components that each own their state (SessionTable,
// Intake, Outbox, RoomTable, Presence, DurabilityGate, OutputBudget,
// Liveness, Stamper: libhermes/src/hub/, docs/ARCHITECTURE.md) and request
// handlers that take the components they use (Requests.hpp).
//
// Failure of one session: an exception while handling one client's frame
// closes that client with a fatal Error{INTERNAL} (logged, counted under
// "internal"); every other session goes on.
//
// Threading: not thread safe; one thread (the edge's event loop) calls every
// method, and debug builds check it (the first call binds the thread).
// Registry is the only part other threads may read (Registry.hpp).

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "hermes/hub/AccountStore.hpp"
#include "hermes/hub/BackplaneEntry.hpp"
#include "hermes/hub/Clock.hpp"
#include "hermes/hub/CloseReason.hpp"
#include "hermes/hub/HistoryStore.hpp"
#include "hermes/hub/HubConfig.hpp"
#include "hermes/hub/HubStats.hpp"
#include "hermes/hub/LatencyHistogram.hpp"
#include "hermes/hub/MemoryGauge.hpp"
#include "hermes/hub/ModerationStore.hpp"
#include "hermes/hub/ReadMarkerStore.hpp"
#include "hermes/hub/Registry.hpp"
#include "hermes/hub/SessionId.hpp"
#include "hermes/threads/OwnerThread.hpp"

namespace hermes::hub {

// Wall clock for message timestamps, in ms since the Unix epoch (injectable for tests).
using WallClock = std::function<std::int64_t()>;
std::int64_t systemWallClockMs();

// A session the hub has finished with: write `lastBytes` (best effort), then close.
struct Closing {
    SessionId id = 0;
    std::string lastBytes;
    CloseReason cause = CloseReason::ConnectionClosed;
    std::string_view reason;  // closeReasonKey(cause), for the edge's log line
};

class Hub {
public:
    // While input is paused for the output budget, a member whose queue takes
    // nothing for this long is closed: it cannot hold the whole hub up for
    // the full writeStallTimeout.
    static constexpr std::chrono::milliseconds kPausedStall{1000};
    // Once input has been paused for the output budget this long, every
    // timer scan closes the session with the longest queue (budget_hold)
    // until input resumes: members that keep taking a trickle of bytes
    // (never stalled for kPausedStall) cannot hold every sender up for good.
    static constexpr std::chrono::milliseconds kPausedHold{2000};

    // `epoch` identifies this run of the hub (hermesd: start time in ms).
    // `history` may be null: then an in-memory store of config.historySize is used.
    // `moderation` may be null: bans, room modes and operators live in memory
    // only. `accounts` may be null: then accounts live in memory, as long as
    // the hub. `readMarkers` may be null: then accounts' read markers live
    // as long as the hub.
    Hub(HubConfig config, std::uint64_t epoch, std::unique_ptr<HistoryStore> history = nullptr,
        WallClock wallClock = systemWallClockMs,
        std::unique_ptr<ModerationStore> moderation = nullptr,
        std::unique_ptr<AccountStore> accounts = nullptr,
        std::unique_ptr<ReadMarkerStore> readMarkers = nullptr);
    ~Hub();
    Hub(const Hub&) = delete;
    Hub& operator=(const Hub&) = delete;

    // --- edge -> hub --------------------------------------------------------

    // A connection was accepted from `peer` (e.g. "127.0.0.1:53412", for logs).
    // When maxClients sessions already exist it is answered HUB_FULL and
    // appears in takeReady()'s closing list at once.
    SessionId open(std::string peer, TimePoint now);

    // A connection the edge refused before opening it, because the
    // Registry said so (hermesd's acceptor threads ask it): answered
    // HUB_FULL, counted and logged, in takeReady()'s closing list at once.
    SessionId refuse(std::string_view peer, Registry::Admission why, TimePoint now);

    // Bytes read from the session's socket, in any split.
    void receive(SessionId id, std::string_view bytes, TimePoint now);

    // End of one batch of receive()/closed() calls: coalesced presence goes out.
    void flush();

    // `n` bytes from the front of output(id) were written to the socket.
    void consumed(SessionId id, std::size_t n, TimePoint now);

    // The peer closed or the socket failed; `why` becomes the quit reason.
    // The hub forgets the session (it does not appear in takeReady()).
    void closed(SessionId id, std::string_view why, TimePoint now);

    // Runs timers and frames held back by the rate limit, then flushes
    // presence; returns when it next wants to be called (at most 1 s ahead).
    // Cheap when nothing is due: the edge may call it after every loop
    // iteration, which also picks up frames that receive() had to hold back.
    TimePoint tick(TimePoint now);

    // The history store committed something (storeCommitFd() was readable):
    // messages it has committed go out, with what waited behind them.
    void storeCommitted(TimePoint now);

    // The history store finished reads it ran in the background
    // (storeReadFd() was readable): their answers go out, and the sessions
    // that waited for them go on.
    void storeReadsDone(TimePoint now);

    // The account hashing thread finished jobs (accountsFd() was readable):
    // sign-ins, registrations and password changes are answered, and the
    // sessions that waited for them go on.
    void accountsDone(TimePoint now);

    // The file thread finished disk work (filesFd() was readable): upload
    // chunks written are acknowledged, committed files announced, chunks
    // read ahead go out to their downloads.
    void filesDone(TimePoint now);
    // Synchronous file work (HubConfig::fileWorkerThread false: tests, the
    // fuzzer): runs up to `count` queued jobs on the caller's thread; their
    // results wait for filesDone(). Returns how many ran.
    std::size_t runFileJobs(std::size_t count);

    // --- the cluster's backplane (HubConfig::cluster, docs/CLUSTER.md) -----
    // The edge (hermesd's RedisBackplane) takes the hub's requests after
    // each call into the hub, sends them, and answers with the calls below.
    // With the cluster off none of this is used.

    // Requests for the backplane since the last call, in order (appended).
    void takeBackplaneRequests(std::vector<BackplaneRequest>& out);
    // The backplane answered Publish `ref`: taken (its entry comes, or came,
    // through backplaneEntry), or not (`error`: the sender is told, with
    // CLUSTER_UNAVAILABLE and `error`).
    void backplanePublished(std::uint64_t ref, std::string_view error, TimePoint now);
    // An entry of a room's stream (a live notice, or a Fill's), in any order:
    // the hub delivers each room's entries once, in seq order.
    void backplaneEntry(BackplaneEntry entry, TimePoint now);
    // ClaimNick `ref` is answered: the nick is this hub's (`granted`), or
    // another hub's member has it (`granted` false, `error` empty:
    // NICK_IN_USE), or Redis failed (`error`: CLUSTER_UNAVAILABLE). The
    // Hello that waited for it goes on.
    void backplaneClaimed(std::uint64_t ref, bool granted, std::string_view error, TimePoint now);
    // The backplane answered Private `ref` (the hub it went to, or why not:
    // `detail`, the holder's name or the error).
    void backplanePrivateSent(std::uint64_t ref, PrivateOutcome outcome, std::string_view detail,
                              TimePoint now);
    // A session of some hub signed in to an account (hermes:signin): what
    // waits here for that account goes on to the hub holding its nick
    // (ClusterWaiting.cpp). This hub's own notices are ignored.
    void backplaneSignedIn(const BackplaneSignIn& signIn, TimePoint now);
    // A private message published to this hub (hermes:pm:HUB, or a
    // PrivateFill's; entry.seq its number, entry.room empty), in any order:
    // each delivered once, in number order, to the member holding its nick,
    // or forwarded once to the hub holding it now.
    void backplanePrivate(BackplaneEntry entry, TimePoint now);
    // The answer to PrivateCursor: Redis's count of this hub's private messages.
    void backplanePrivateCursor(std::uint64_t count, TimePoint now);
    // A PrivateFill is answered: its `entries` entries were given first.
    void backplanePrivateFilled(std::size_t entries, TimePoint now);
    // A Fill of `room`, or this hub's PrivateFill, was answered with an
    // error (not a trimmed stream): nothing is skipped; asked again at a
    // later tick.
    void backplaneFillFailed(const std::string& room, TimePoint now);
    void backplanePrivateFillFailed(TimePoint now);
    // A Fill of `room` is answered: its `entries` entries were given first,
    // the highest seq among them `lastSeq` (0: none read).
    void backplaneFilled(const std::string& room, std::size_t entries, std::uint64_t lastSeq,
                         TimePoint now);
    // Another hub's member joined, left or quit a room (or its hub was
    // reaped): listed in the room's MemberList here, and shown to this hub's
    // members of the room as a Presence. This hub's own notices are ignored.
    void backplanePresence(const BackplanePresence& event, TimePoint now);
    // The answer to a Members request: every room's members on every hub;
    // the other hubs' replace what this hub knew of them.
    void backplaneMembers(const std::vector<BackplaneMember>& members, TimePoint now);
    // A change of the cluster's room state (a topic, a ban, an unban, a
    // kick: hermes:statenote), this hub's own included: carried out here as
    // a local one is, if newer than what this hub applied of its field.
    void backplaneState(const BackplaneState& state, TimePoint now);
    // The answer to a States request: every stored topic and ban, read
    // with hermes:statever (`snapshotVersion`) in one step; what is newer
    // than this hub applied is applied, and a ban this hub holds that Redis
    // no longer has is lifted (ClusterState::loaded).
    // Redis refused the State request of `session` (its script failed:
    // READONLY after a failover, OOM): the setter, if still here, is told
    // CLUSTER_UNAVAILABLE with the room and `error`.
    void backplaneStateRefused(std::uint64_t session, std::string_view field,
                               std::string_view error, TimePoint now);
    // Redis answered the State request of `session` (`field`): `version`
    // the change's, 0 for a Create whose field had a record (nothing
    // written); nullopt: the connection went before the answer (it may or
    // may not have happened). An account's registration or password change
    // waits for it (docs/CLUSTER.md "Accounts across hubs").
    void backplaneStateAnswered(std::uint64_t session, std::string_view field,
                                std::optional<std::uint64_t> version, TimePoint now);
    void backplaneStates(std::uint64_t snapshotVersion, const std::vector<BackplaneState>& stored,
                         TimePoint now);
    // The edge has the backplane (connected and subscribed), or lost it:
    // while it is down messages are refused; when it is back every room's
    // stream is read from the seq after the last one delivered.
    void backplaneUp(bool up, TimePoint now);

    // Sends every session a Bye (SHUTDOWN, `reason`) and closes them all,
    // after waiting for the store to commit what it holds (messages it
    // commits are still sent first).
    void shutdown(std::string_view reason);

    // --- hub -> edge --------------------------------------------------------

    // Bytes waiting to be written to the session's socket, in order, as up
    // to views.size() pieces for one gathered write; returns how many pieces
    // it filled (0: nothing to write, or an unknown session). The views stay
    // valid until the next call into the hub.
    std::size_t output(SessionId id, std::span<std::string_view> views) const;

    // Sessions whose output grew since the last call (append to `writable`),
    // and sessions the hub is done with (append to `closing`). Each id appears
    // at most once per call; a closing session is never in `writable`.
    void takeReady(std::vector<SessionId>& writable, std::vector<Closing>& closing);

    // --- observation --------------------------------------------------------

    const HubStats& stats() const { return stats_; }
    // Readable after each commit of an asynchronous store; -1 if there is none.
    int storeCommitFd() const;
    // Readable when the store finished a read in the background; -1 if it
    // reads on the hub's thread only.
    int storeReadFd() const;
    // Readable when the account hashing thread finished jobs (always valid).
    int accountsFd() const;
    // Readable when the file thread finished work; -1 when the hub keeps no files.
    int filesFd() const;
    // The history store's commit latency so far and its writes not yet
    // committed (HistoryStore::commitLatency, backlog): for the metrics.
    LatencyHistogram storeCommitLatency() const;
    std::uint64_t storeBacklog() const;
    // Message frames waiting for the store's commit, over all rooms.
    std::size_t heldMessages() const;
    // Output memory now and at its peak (MemoryGauge.hpp).
    const MemoryGauge& outputMemory() const { return outputMemory_; }
    // A download could take its next chunk now (its member's queue is
    // nearly empty): the edge should call takeReady() again without waiting
    // (docs/HUB.md "Files").
    bool transfersWantTurn() const;
    // True while output memory is at the budget: the edge must not read
    // (frames already read wait, undecoded, until it is false again).
    bool inputPaused() const;
    const Registry& registry() const { return registry_; }

    // Every invariant the hub's components keep, checked between calls (the
    // two-way membership index, the nick index and the Registry's counts,
    // each session in exactly one state, the lists each component pairs with
    // a flag, gapless room seqs, queues within their bounds, output memory
    // within the budget and a turn's fan-out): one line per violation, none
    // when all hold. A walk of every session and room: for tests and the
    // fuzzer, not the loop.
    std::vector<std::string> violatedInvariants() const;
    // Room sends this hub still awaits Redis's answer or the entry of
    // (0 once every one has come back): for tests.
    std::size_t backplaneAwaited() const;
    const HubConfig& config() const { return config_; }
    // A config reload (hermesd's SIGHUP): `next` replaces the settings.
    // The caller keeps every setting that is read only at construction as
    // it was (hermesd: the keys ConfigKeys.hpp marks Applies::Start), so
    // what changes is what the components read at each use: the MOTD and
    // limits in the next Welcome, timeouts at the next timer scan, and
    // here at once every live session's message bucket (rate and burst)
    // and the hub operators.
    void reload(const HubConfig& next, TimePoint now);
    std::uint64_t epoch() const { return epoch_; }

    // Tests only, until sign-in exists (issue 16, accounts): the welcomed
    // session is signed in to `account` (Session::profile.account), and is
    // closed at once if that account is banned hub-wide, as a sign-in must.
    void testSignIn(SessionId id, std::string account, TimePoint now);

private:
    struct Impl;
    HubConfig config_;
    std::uint64_t epoch_;
    HubStats stats_;
    Registry registry_;
    MemoryGauge outputMemory_;  // before impl_: outlives every block and queue
    threads::OwnerThread owner_;
    std::unique_ptr<Impl> impl_;
};

}  // namespace hermes::hub

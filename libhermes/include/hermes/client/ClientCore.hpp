#pragma once
// The client side of a Hermes connection, for hermes-tui, hermes-cat and the
// integration harness: one I/O thread with a socket and poll(), around a
// ClientSession that decides everything else (ClientSession.hpp: handshake,
// rooms, catch-up and dedup, acknowledgements, pacing, reconnects).
//
// Threading contract (each thread's part checked in debug builds by an
// OwnerThread; what the threads share is lock-free, atomic or in a LockGuarded):
// - "UI thread": the one thread that calls pollEvent(), start(), stop() and
//   the destructor. The event queue is single-consumer. Checked: the first of
//   them to run binds the UI thread; a call from another thread aborts.
// - "Any thread": send() and its conveniences (say, join, ...), retryNick(),
//   pendingCount(), nick(), wakeFd(). They never block on the network: they
//   push onto a bounded lock-free queue and wake the I/O thread.
// - "I/O thread": started by start(); owns the socket and the session
//   (IoLoop, every method checked, bound when the thread starts).
//   Everything it shares with the others is one of:
//   - the two boost::lockfree::spsc_queues: events_ (I/O -> UI) and
//     outbound_ (senders -> I/O). outbound_ has many producers, so they push
//     only through sendSide_, a LockGuarded that makes them take turns for
//     the instant of one push; the I/O thread pops without it, and never
//     takes it. (boost::lockfree::queue, the MPMC one, is not used: its
//     freelist reads a node's link while another thread may be rewriting it,
//     a race by design that TSan rightly reports.)
//   - nicks_ (LockGuarded): the current nick and the one retryNick() asked for;
//   - atomics (the flags and counters below), and quitMessage_, which stop()
//     writes before its release store of stopRequested_ and the I/O thread
//     reads only after its acquire load sees it.
//
// Use from a UI loop:
//
//   ClientCore core(options);
//   core.start();
//   pollfd fds[] = {{STDIN_FILENO, POLLIN, 0}, {core.wakeFd(), POLLIN, 0}};
//   for (;;) {
//       poll(fds, 2, -1);
//       Event event;
//       while (core.pollEvent(event)) { ...handle... }   // drain: see pollEvent
//       ...keyboard...
//   }
//
// What arrives as EventKind::Envelope: every frame from the hub except
// Welcome (-> Welcomed), handshake nick errors (-> NickRejected), an Error
// answering one of our says (-> SendFailed, with the Error), Ping (answered)
// and Pong. Filtering:
// - ChatMessage in a room: dropped if its (room, seq) was already delivered in
//   this epoch (live messages and catch-up history overlap after a reconnect).
// - HistoryPage: backlog pages and the core's own catch-up pages have their
//   already-delivered messages removed; catch-up pages left with nothing are
//   not delivered. Pages answering the UI's own HistoryRequest (scrollback)
//   are passed whole.
//
// Sends: say() and privateMessage() return a client_msg_id unique to this
// core (a random base, see ClientOptions::clientMsgIdBase) and count as
// pending until SendAcked (their own live echo) or SendFailed. Frames go out
// in the order they were sent, paced to the hub's rate limit from
// Welcome.limits. Sends accepted while disconnected wait and go out after the
// next Welcome, the rejoin and the catch-up; a say whose connection dropped
// before its echo is looked up in the catch-up and sent again only if the hub
// never took it (SendTracker.hpp), so every line is delivered exactly once.
//
// Reconnection: after Welcome on a new connection the core rejoins every room
// it was in (Join skip_backlog=true) and pages through HistoryRequest from
// RoomTracker::lastSeq(room), following has_more. If the Welcome carries a new
// epoch of a hub without durable history, seq tracking starts over and the
// Welcomed event's text says history before the restart is gone.
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>

#include <boost/lockfree/spsc_queue.hpp>

#include "hermes/client/ClientEvent.hpp"
#include "hermes/client/ClientOptions.hpp"
#include "hermes/threads/LockGuarded.hpp"
#include "hermes/threads/OwnerThread.hpp"
#include "hermes/v1/hermes.pb.h"

namespace hermes::client {

class ClientSession;

class ClientCore {
public:
    explicit ClientCore(ClientOptions options);
    // Calls stop().
    ~ClientCore();
    ClientCore(const ClientCore&) = delete;
    ClientCore& operator=(const ClientCore&) = delete;

    // UI thread. Starts the I/O thread; false if already started. Throws
    // std::system_error if the eventfds cannot be created.
    bool start();

    // UI thread. If welcomed: writes what send() accepted and the hub's
    // rate limit lets go at once (the rest is dropped: a UI that wants its
    // lines delivered waits for pendingCount() to fall first, as hermes-tui's
    // /quit does), then Bye{CLIENT_QUIT, quitMessage}, waiting at most
    // options.stopLinger (a connection still in its handshake is just closed:
    // the hub takes only Hello there). Then closes, joins the I/O thread and
    // frees every queued event and frame; no event is emitted for it.
    // pendingCount() is 0 afterwards. Idempotent.
    void stop(const std::string& quitMessage = {});

    // Readable (POLLIN) whenever an event may be waiting. Any thread.
    int wakeFd() const { return uiWakeFd_; }

    // UI thread. Pops one event; false when the queue is empty. Call it until
    // it returns false each time wakeFd() is readable: it clears wakeFd() only
    // when it finds the queue empty, and then looks once more, so an event
    // pushed in between is either returned or leaves wakeFd() readable again.
    bool pollEvent(Event& out);

    // Any thread. Queues one frame for the hub; false if the send queue is
    // full or the core is stopped (or has failed). Never blocks. Frames are
    // written in the order the queue accepted them, once welcomed.
    bool send(hermes::v1::Envelope envelope);

    // Conveniences over send(). say() and privateMessage() return the
    // client_msg_id (increasing, unique to this core) or 0 if not queued; the
    // id stays pending until SendAcked or SendFailed (see above).
    std::uint64_t say(const std::string& room, const std::string& text,
                      hermes::v1::MessageKind kind = hermes::v1::MESSAGE_KIND_TEXT);
    // A Say with any of its fields (a reply, an edit, a delete, a reaction:
    // docs/PROTOCOL.md section 8); its client_msg_id is set here. Tracked
    // and returned as say().
    std::uint64_t sendSay(hermes::v1::Say say);
    std::uint64_t privateMessage(const std::string& nick, const std::string& text,
                                 hermes::v1::MessageKind kind = hermes::v1::MESSAGE_KIND_TEXT);
    bool join(const std::string& room);
    bool leave(const std::string& room, const std::string& reason = {});
    bool setNick(const std::string& nick);
    bool setTopic(const std::string& room, const std::string& text);
    bool who(const std::string& room);
    bool requestRoomList();
    bool requestStats();
    // limit 0: the hub's page size. Pages come back whole (no dedup).
    bool requestHistory(const std::string& room, std::uint64_t afterSeq, std::uint32_t limit = 0);
    // The private conversation with `peer` (HistoryRequest.peer): private_seqs
    // above afterSeq. Needs a session signed in to an account.
    bool requestPrivateHistory(const std::string& peer, std::uint64_t afterSeq,
                               std::uint32_t limit = 0);

    // Any thread. After NickRejected: sends a new Hello with `nick` (on the
    // current connection, or the next one). Also the nick reconnects use.
    void retryNick(const std::string& nick);
    // The same with the nick's password (a registered nick: NickRejected
    // with PASSWORD_REQUIRED or WRONG_PASSWORD); later Hellos carry it too.
    void retryNick(const std::string& nick, const std::string& password);

    // Accounts (docs/PROTOCOL.md "Accounts"). Any thread. Each also keeps
    // the password for the Hellos of later reconnects.
    bool registerNick(const std::string& password);
    // The hub password of the next Hello (a reconnect after HUB_PASSWORD).
    void setHubPassword(const std::string& password);
    bool identify(const std::string& nick, const std::string& password);
    bool changePassword(const std::string& oldPassword, const std::string& newPassword);

    // Any thread. Sends from say()/privateMessage() not yet acknowledged or
    // failed.
    std::size_t pendingCount() const { return pending_.load(std::memory_order_acquire); }

    // Any thread. The nick granted by the hub (or, before that, the one asked).
    std::string nick() const;

    const ClientOptions& options() const { return options_; }

private:
    struct Outbound;
    class IoLoop;  // the I/O thread's state and logic (ClientCore.cpp)
    friend class IoLoop;

    bool push(std::unique_ptr<Outbound> item);
    // pending_ less one, never below zero. Any thread.
    void releasePending();
    std::uint64_t sendTracked(hermes::v1::Envelope envelope, std::uint64_t id);
    void wakeIo() const;
    void rememberPassword(const std::string& password);
    // I/O thread: hands a remembered password to the session.
    void applyPassword(ClientSession& session);
    void freeQueues();

    const ClientOptions options_;
    int uiWakeFd_ = -1;  // I/O thread -> UI: events queued
    int ioWakeFd_ = -1;  // any thread -> I/O thread: frames queued, stop, space

    boost::lockfree::spsc_queue<Event*> events_;       // I/O thread -> UI thread
    boost::lockfree::spsc_queue<Outbound*> outbound_;  // senders -> I/O thread
    // The senders' end of outbound_: the only way to push (one at a time).
    struct SendSide {
        boost::lockfree::spsc_queue<Outbound*>& queue;
    };
    threads::LockGuarded<SendSide> sendSide_;

    std::atomic<bool> started_{false};
    std::atomic<bool> stopRequested_{false};
    std::atomic<bool> closed_{false};          // stop() called or the I/O thread gave up
    std::atomic<bool> ioWantsSpace_{false};    // the I/O thread waits for event queue space
    std::atomic<bool> helloRequested_{false};  // retryNick() since the last Hello
    std::atomic<std::size_t> pending_{0};
    const std::uint64_t idBase_;
    std::atomic<std::uint64_t> nextMsgId_{1};

    // Written by stop() before stopRequested_ is set (release), read by the I/O
    // thread after it sees stopRequested_ (acquire).
    std::string quitMessage_;

    struct Nicks {
        std::string current;    // nick()'s: granted by the hub, or asked for
        std::string requested;  // retryNick()'s, for the I/O thread
        std::string password;   // for the I/O thread's next Hellos
        bool passwordChanged = false;
        std::string hubPassword;
        bool hubPasswordChanged = false;
    };
    threads::LockGuarded<Nicks> nicks_;

    threads::OwnerThread uiThread_;  // checked in debug builds
    std::unique_ptr<IoLoop> io_;     // touched by the I/O thread only while it runs
    std::thread thread_;
};

}  // namespace hermes::client

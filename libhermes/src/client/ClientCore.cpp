#include "hermes/client/ClientCore.hpp"

#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <deque>
#include <exception>
#include <optional>
#include <random>
#include <system_error>

#include "hermes/client/ClientSession.hpp"
#include "hermes/client/KnownHubs.hpp"
#include "hermes/tls/Fingerprint.hpp"
#include "hermes/tls/TlsStream.hpp"

namespace hermes::client {

namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// One recv() at most: what the session holds while the event queue is full.
constexpr std::size_t kReadChunkBytes = 64 * 1024;
// Bounds the socket drain before close (see goodbye()).
constexpr int kMaxDrainReads = 64;
// With tls: the session's bytes are encrypted only while fewer than this wait
// as records, so a slow hub holds the rest in the session's own bounded queue.
constexpr std::size_t kMaxTlsBacklogBytes = 64 * 1024;

std::string systemMessage(int error) {
    return std::generic_category().message(error);
}

int makeEventFd(const char* purpose) {
    const int fd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (fd < 0) {
        throw std::system_error(errno, std::generic_category(),
                                std::string("eventfd for the client core's ") + purpose);
    }
    return fd;
}

void signalFd(int fd) {
    const std::uint64_t one = 1;
    // EAGAIN means the counter is saturated: the fd is readable anyway.
    while (::write(fd, &one, sizeof one) < 0 && errno == EINTR) {
    }
}

void clearFd(int fd) {
    std::uint64_t value = 0;
    while (::read(fd, &value, sizeof value) < 0 && errno == EINTR) {
    }
}

// Rounded up, so a wait never ends just short of its deadline and spins.
int msUntil(Clock::time_point deadline, Clock::time_point now) {
    if (deadline <= now) {
        return 0;
    }
    const auto left = std::chrono::ceil<milliseconds>(deadline - now).count();
    return static_cast<int>(std::min<milliseconds::rep>(left, 60'000));
}

std::string describeMs(milliseconds ms) {
    return std::to_string(ms.count()) + " ms";
}

// A random base in the upper 32 bits (the top one clear), so this client's
// ids (base + 1, + 2, ...) are its own among every client and every earlier
// run (SendTracker.hpp).
std::uint64_t randomIdBase() {
    std::random_device device;
    std::uint64_t high = 0;
    while (high == 0) {
        high = static_cast<std::uint64_t>(device()) & 0x7FFF'FFFFu;
    }
    return high << 32;
}

}  // namespace

struct ClientCore::Outbound {
    hermes::v1::Envelope envelope;
    std::uint64_t trackedId = 0;  // say/privateMessage: counted in pending_
};

// The I/O thread: a socket, poll(), and the ClientSession that decides
// everything else. Only ClientCore's queues, atomics and nicks_ are shared
// with other threads (ClientCore.hpp).
//
// Threading: I/O thread only, from run() on (checked in debug builds); built
// on the UI thread by start() and destroyed there by stop() after the join.
class ClientCore::IoLoop {
public:
    explicit IoLoop(ClientCore& core)
        : core_(core),
          options_(core.options_),
          session_(options_,
                   std::random_device{}() ^
                       static_cast<std::uint64_t>(Clock::now().time_since_epoch().count())) {
        if (options_.tls) {
            tlsContext_.emplace(tls::TlsContext::client());
        }
    }

    ~IoLoop() { closeSocket(); }

    void run() {
        ioThread_.bind();
        try {
            loop();
        } catch (const std::exception& e) {
            closeSocket();
            giveUp(std::string("client core internal error: ") + e.what());
        }
    }

private:
    bool stopping() const { return core_.stopRequested_.load(std::memory_order_acquire); }

    void loop() {
        ioThread_.check("ClientCore::IoLoop::loop");
        bool stopSeen = false;
        for (;;) {
            const auto now = Clock::now();
            if (stopping() && !stopSeen) {
                stopSeen = true;
                takeOutbound(now);  // what send() accepted before stop() goes first
                session_.stop(core_.quitMessage_, now);
            }
            if (!stopSeen) {
                takeOutbound(now);
                core_.applyPassword(session_);
                if (core_.helloRequested_.exchange(false)) {
                    const std::string nick = core_.nicks_.lock()->requested;
                    session_.retryNick(nick, now);
                }
            }
            session_.tick(now);
            publish();
            switch (session_.want()) {
                case ClientSession::Want::Connect:
                    session_.connecting(now);
                    publish();
                    connect();
                    if (fatal_) {
                        giveUp(*fatal_);
                        return;
                    }
                    break;
                case ClientSession::Want::Wait:
                    waitFor(-1, 0, session_.nextDeadline().value_or(now + milliseconds(1000)));
                    break;
                case ClientSession::Want::Talk:
                    talk();
                    break;
                case ClientSession::Want::Drop:
                    closeSocket();
                    session_.disconnected("closed by the client", Clock::now());
                    break;
                case ClientSession::Want::Close:
                    goodbye();
                    break;
                case ClientSession::Want::Finished:
                    finish();
                    return;
            }
        }
    }

    // ---- the connection ------------------------------------------------------

    // Resolves and connects without blocking past the timeout or a stop().
    void connect() {
        ioThread_.check("ClientCore::IoLoop::connect");
        // The session picks the hub: with a list, each attempt may be another.
        const HubAddress hub = session_.hub();
        const std::string where = hub.host + ":" + std::to_string(hub.port);  // known_hubs' key
        addrinfo hints{};
        hints.ai_family = AF_UNSPEC;
        hints.ai_socktype = SOCK_STREAM;
        hints.ai_flags = AI_NUMERICSERV;
        addrinfo* list = nullptr;
        const std::string port = std::to_string(hub.port);
        if (const int rc = ::getaddrinfo(hub.host.c_str(), port.c_str(), &hints, &list); rc != 0) {
            session_.connectFailed("cannot resolve " + hub.host + ": " + ::gai_strerror(rc),
                                   Clock::now());
            return;
        }
        const auto deadline = Clock::now() + options_.connectTimeout;
        std::string reason = "connect to " + where + ": no address";
        for (const addrinfo* ai = list; ai != nullptr && !stopping(); ai = ai->ai_next) {
            const int fd = ::socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
                                    ai->ai_protocol);
            if (fd < 0) {
                reason = "socket for " + where + ": " + systemMessage(errno);
                continue;
            }
            int error = 0;
            if (::connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
                error = errno;
                if (error == EINPROGRESS) {
                    const short revents = waitFor(fd, POLLOUT, deadline);
                    socklen_t length = sizeof error;
                    if (revents == 0) {
                        error = stopping() ? ECANCELED : ETIMEDOUT;
                    } else if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length) != 0) {
                        error = errno;
                    }
                }
            }
            if (error != 0) {
                reason =
                    "connect to " + where + ": " +
                    (error == ETIMEDOUT ? "no answer within " + describeMs(options_.connectTimeout)
                                        : systemMessage(error));
                ::close(fd);
                continue;
            }
            const int one = 1;
            ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
            fd_ = fd;
            break;
        }
        ::freeaddrinfo(list);
        if (fd_ >= 0 && tlsContext_) {
            std::string why;
            const Secured secured = secure(where, deadline, why);
            if (secured != Secured::Yes) {
                closeSocket();
                if (secured == Secured::Fatal) {
                    fatal_ = why;
                    return;
                }
                reason = why;
            }
        }
        if (fd_ >= 0) {
            session_.connected(Clock::now());
            if (!plainIn_.empty()) {
                session_.received(plainIn_, Clock::now());
                plainIn_.clear();
            }
        } else {
            session_.connectFailed(reason, Clock::now());
        }
    }

    // ---- TLS -------------------------------------------------------------

    enum class Secured { Yes, Retry, Fatal };

    // The TLS handshake on the connected socket, then the pin check, before
    // the session writes a byte. Fatal: retrying cannot help (the hub does
    // not speak TLS, the handshake failed, known_hubs does not vouch for it).
    Secured secure(const std::string& where, Clock::time_point deadline, std::string& why) {
        ioThread_.check("ClientCore::IoLoop::secure");
        tls_ = std::make_unique<tls::TlsStream>(*tlsContext_);
        std::string firstBytes;
        while (!tls_->handshakeDone()) {
            if (!sendTls(why)) {
                why = "write to " + where + " in the TLS handshake: " + why;
                return Secured::Retry;
            }
            const short events = static_cast<short>(POLLIN | (tls_->hasOutput() ? POLLOUT : 0));
            const short revents = waitFor(fd_, events, deadline);
            if (revents == 0) {
                why = stopping() ? "stopped"
                                 : "no TLS handshake from " + where + " within " +
                                       describeMs(options_.connectTimeout);
                return Secured::Retry;
            }
            if ((revents & (POLLIN | POLLHUP | POLLERR)) == 0) {
                continue;
            }
            char chunk[16 * 1024];
            const ssize_t n = ::recv(fd_, chunk, sizeof chunk, MSG_DONTWAIT);
            if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
                continue;
            }
            if (n <= 0) {
                why = "the hub at " + where + " closed the connection in the TLS handshake" +
                      (n < 0 ? ": " + systemMessage(errno) : std::string());
                return Secured::Retry;
            }
            const std::string_view bytes(chunk, static_cast<std::size_t>(n));
            if (firstBytes.size() < 2) {
                firstBytes.append(bytes.substr(0, 2 - firstBytes.size()));
                if (tls::classifyFirstBytes(firstBytes) == tls::FirstBytes::NotTls) {
                    why = "the hub at " + where +
                          " does not speak TLS (it answered in plaintext): connect without "
                          "--tls, or ask its operator to set tls.enabled";
                    return Secured::Fatal;
                }
            }
            tls_->receive(bytes);
            tls_->read(plainIn_);
            if (tls_->state() == tls::TlsStream::State::Failed) {
                std::string ignored;
                sendTls(ignored);  // the alert, so the hub logs why too
                why = "TLS handshake with the hub at " + where + " failed: " + tls_->error();
                return Secured::Fatal;
            }
        }
        if (!sendTls(why)) {
            why = "write to " + where + " in the TLS handshake: " + why;
            return Secured::Retry;
        }
        const auto fingerprint = tls_->peerFingerprint();
        if (!fingerprint) {
            why = "the hub at " + where + " presented no TLS certificate";
            return Secured::Fatal;
        }
        if (options_.trustAnyCertificate) {
            return Secured::Yes;
        }
        const KnownHubs knownHubs(options_.knownHubsPath);
        const KnownHubs::Verdict verdict = knownHubs.check(where, *fingerprint);
        if (verdict.kind == KnownHubs::Verdict::Kind::Trusted) {
            return Secured::Yes;
        }
        const bool vouched = !options_.trustFingerprint.empty() &&
                             tls::normalizeFingerprint(options_.trustFingerprint) == *fingerprint;
        if (verdict.kind == KnownHubs::Verdict::Kind::Unknown && vouched) {
            try {
                knownHubs.add(where, *fingerprint);
            } catch (const std::exception& e) {
                why = std::string("trusting the hub at ") + where + ": " + e.what();
                return Secured::Fatal;
            }
            return Secured::Yes;
        }
        why = describeUntrustedHub(knownHubs, where, *fingerprint, verdict);
        if (verdict.kind == KnownHubs::Verdict::Kind::Unknown &&
            !options_.trustFingerprint.empty()) {
            why = "--trust-fingerprint " + options_.trustFingerprint +
                  " is not the fingerprint the hub presented.\n" + why;
        }
        auto event = std::make_unique<Event>();
        event->kind = EventKind::UntrustedHub;
        event->text = why;
        event->fingerprint = *fingerprint;
        event->hub = where;
        if (verdict.kind == KnownHubs::Verdict::Kind::Changed) {
            event->pinnedFingerprint = verdict.pinned;
        }
        overflow_.push_back(std::move(event));
        return Secured::Fatal;
    }

    // Sends the TLS stream's records as far as the socket takes them. False
    // (with `why`) when the connection broke.
    bool sendTls(std::string& why) {
        while (tls_->hasOutput()) {
            const std::string_view out = tls_->output();
            const ssize_t n = ::send(fd_, out.data(), out.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
            if (n > 0) {
                tls_->consumed(static_cast<std::size_t>(n));
            } else if (n < 0 && errno == EINTR) {
                continue;
            } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
                return true;
            } else {
                why = systemMessage(n < 0 ? errno : EPIPE);
                return false;
            }
        }
        return true;
    }

    // Bytes for the hub not yet on the socket: the session's, or records.
    bool outputPending() const { return !session_.output().empty() || (tls_ && tls_->hasOutput()); }

    void closeSocket() {
        if (fd_ >= 0) {
            ::close(fd_);
            fd_ = -1;
        }
        tls_.reset();
        plainIn_.clear();
    }

    // One turn of a live connection: write, wait, read.
    void talk() {
        ioThread_.check("ClientCore::IoLoop::talk");
        if (!flushWrites()) {
            return;
        }
        // The write buffer may have drained below the session's bound:
        // paced frames it held back can go now.
        session_.tick(Clock::now());
        if (!flushWrites()) {
            return;
        }
        const auto now = Clock::now();
        const bool roomForEvents = overflow_.empty() && spaceAvailable();
        if (!roomForEvents) {
            session_.notReading(now);  // not reading is our UI's doing, not the hub's silence
        }
        short events = roomForEvents ? POLLIN : 0;
        if (outputPending()) {
            events |= POLLOUT;
        }
        const auto deadline = session_.nextDeadline();
        const int timeout = deadline ? msUntil(*deadline, now) : -1;
        // Nothing to read or write: only the UI can wake us (a hang-up would
        // be reported however we asked, and spin this loop).
        const short revents = pollOnce(events != 0 ? fd_ : -1, events, timeout);
        if ((revents & (POLLIN | POLLHUP | POLLERR)) != 0 && roomForEvents) {
            readSome();
        }
    }

    void readSome() {
        ioThread_.check("ClientCore::IoLoop::readSome");
        char chunk[kReadChunkBytes];
        const ssize_t n = ::recv(fd_, chunk, sizeof chunk, MSG_DONTWAIT);
        if (n > 0 && tls_) {
            tls_->receive(std::string_view(chunk, static_cast<std::size_t>(n)));
            plainIn_.clear();
            tls_->read(plainIn_);
            if (!plainIn_.empty()) {
                session_.received(plainIn_, Clock::now());
                plainIn_.clear();
            }
            if (tls_->state() == tls::TlsStream::State::Failed) {
                lost("TLS: " + tls_->error());
            } else if (tls_->peerClosed()) {
                lost("connection closed by the hub (TLS close_notify)");
            }
        } else if (n > 0) {
            session_.received(std::string_view(chunk, static_cast<std::size_t>(n)), Clock::now());
        } else if (n == 0) {
            lost("connection closed by the hub");
        } else if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
            lost("read from the hub: " + systemMessage(errno));
        }
    }

    // Writes what the socket takes now. False when the connection broke.
    bool flushWrites() {
        ioThread_.check("ClientCore::IoLoop::flushWrites");
        for (;;) {
            if (tls_) {
                // Encrypted as the socket drains: the records waiting stay few.
                const std::string_view plain = session_.output().substr(0, kReadChunkBytes);
                if (!plain.empty() && tls_->output().size() < kMaxTlsBacklogBytes) {
                    if (!tls_->write(plain)) {
                        lost("TLS: " + tls_->error());
                        return false;
                    }
                    session_.wrote(plain.size());
                }
            }
            const std::string_view out = tls_ ? tls_->output() : session_.output();
            if (out.empty()) {
                return true;
            }
            const ssize_t n = ::send(fd_, out.data(), out.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
            if (n > 0) {
                if (tls_) {
                    tls_->consumed(static_cast<std::size_t>(n));
                } else {
                    session_.wrote(static_cast<std::size_t>(n));
                }
            } else if (n < 0 && errno == EINTR) {
                continue;
            } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
                return true;
            } else {
                lost("write to the hub: " + systemMessage(n < 0 ? errno : EPIPE));
                return false;
            }
        }
    }

    void lost(const std::string& why) {
        closeSocket();
        session_.disconnected(why, Clock::now());
    }

    // stop() while connected: the session's last frames (Bye), then close.
    void goodbye() {
        ioThread_.check("ClientCore::IoLoop::goodbye");
        if (fd_ >= 0) {
            const auto deadline = session_.nextDeadline().value_or(Clock::now());
            while (flushWrites() && outputPending() && fd_ >= 0) {
                const auto now = Clock::now();
                if (now >= deadline) {
                    break;
                }
                pollfd out{fd_, POLLOUT, 0};
                ::poll(&out, 1, msUntil(deadline, now));
            }
        }
        if (fd_ >= 0 && tls_) {
            tls_->close();  // close_notify, best effort: the socket closes anyway
            std::string ignored;
            sendTls(ignored);
        }
        if (fd_ >= 0) {
            ::shutdown(fd_, SHUT_WR);
            // Unread bytes at close() make the kernel send RST, which can
            // destroy the Bye before the hub reads it.
            char sink[4096];
            for (int i = 0; i<kMaxDrainReads&& ::recv(fd_, sink, sizeof sink, MSG_DONTWAIT)> 0;
                 ++i) {
            }
            closeSocket();
        }
        session_.disconnected("stopped", Clock::now());
    }

    // ---- waiting ---------------------------------------------------------

    // One poll() over the wake-up eventfd and (if sockFd >= 0) the socket.
    // Returns the socket's revents.
    short pollOnce(int sockFd, short events, int timeoutMs) {
        ioThread_.check("ClientCore::IoLoop::pollOnce");
        pollfd fds[2] = {{core_.ioWakeFd_, POLLIN, 0}, {sockFd, events, 0}};
        const nfds_t count = sockFd >= 0 ? 2 : 1;
        if (!overflow_.empty() && spaceAvailable()) {
            timeoutMs = 0;  // the UI made room: hand over what waits at once
        }
        if (::poll(fds, count, timeoutMs) < 0) {
            return 0;  // EINTR; the caller's loop looks at its state again
        }
        if ((fds[0].revents & POLLIN) != 0) {
            clearFd(core_.ioWakeFd_);
        }
        return sockFd >= 0 ? fds[1].revents : 0;
    }

    // Waits for socket readiness (or, with sockFd -1, only the deadline) while
    // still handing queued events to the UI and taking its frames. Returns 0
    // on deadline or stop.
    short waitFor(int sockFd, short events, Clock::time_point deadline) {
        for (;;) {
            publish();
            const auto now = Clock::now();
            if (stopping() || now >= deadline) {
                return 0;
            }
            const short revents = pollOnce(sockFd, events, msUntil(deadline, now));
            if (revents != 0) {
                return revents;
            }
            takeOutbound(Clock::now());
        }
    }

    // ---- the application's frames -------------------------------------------

    void takeOutbound(Clock::time_point now) {
        ioThread_.check("ClientCore::IoLoop::takeOutbound");
        Outbound* raw = nullptr;
        while (session_.queuedFrames() < ClientSession::kMaxQueuedFrames &&
               core_.outbound_.pop(raw)) {
            const std::unique_ptr<Outbound> item(raw);
            session_.submit(std::move(item->envelope), item->trackedId, now);
        }
    }

    // ---- events to the UI ------------------------------------------------

    // The session's events go to the UI's queue. Never drops and never
    // blocks: what the queue cannot take waits in overflow_, and the socket
    // is not read until there is room again.
    void publish() {
        ioThread_.check("ClientCore::IoLoop::publish");
        Event event;
        while (session_.takeEvent(event)) {
            if (event.kind == EventKind::SendAcked || event.kind == EventKind::SendFailed) {
                core_.releasePending();
            }
            if (event.kind == EventKind::Failed) {
                core_.closed_.store(true);  // before the UI can see it: send() fails from now
            }
            overflow_.push_back(std::make_unique<Event>(std::move(event)));
        }
        if (session_.nick() != publishedNick_) {
            publishedNick_ = session_.nick();
            setSharedNick(publishedNick_);
        }
        bool pushed = false;
        while (!overflow_.empty() && core_.events_.push(overflow_.front().get())) {
            overflow_.front().release();
            overflow_.pop_front();
            pushed = true;
        }
        if (pushed) {
            signalFd(core_.uiWakeFd_);
        }
    }

    // Pairs with pollEvent(): we publish the wish and then look at the queue;
    // it pops and then takes the wish. Both sides use a read-modify-write on
    // ioWantsSpace_, so either pollEvent's exchange sees our `true` (and wakes
    // us), or ours reads its `false` and thereby synchronises with it, which
    // makes its pop visible to write_available(). No wake-up can be lost.
    bool spaceAvailable() {
        core_.ioWantsSpace_.exchange(true, std::memory_order_acq_rel);
        return core_.events_.write_available() > 0;
    }

    void setSharedNick(const std::string& nick) {
        auto nicks = core_.nicks_.lock();
        if (nicks->current != nick) {
            nicks->current = nick;
        }
    }

    // ---- the end -----------------------------------------------------------

    // The session is finished (stopped, or failed for good). Frames still in
    // the send queue will never go: their sends fail too. The last events
    // must reach the UI before this thread ends, unless it stopped us.
    void finish() {
        ioThread_.check("ClientCore::IoLoop::finish");
        core_.closed_.store(true);
        Outbound* raw = nullptr;
        while (core_.outbound_.pop(raw)) {
            const std::unique_ptr<Outbound> item(raw);
            if (item->trackedId != 0 && !stopping()) {
                auto event = std::make_unique<Event>();
                event->kind = EventKind::SendFailed;
                event->clientMsgId = item->trackedId;
                event->text = "not sent: the client core has stopped";
                core_.releasePending();
                overflow_.push_back(std::move(event));
            }
        }
        publish();
        while (!overflow_.empty() && !stopping()) {
            waitFor(-1, 0, Clock::now() + std::chrono::seconds(1));
        }
    }

    void giveUp(const std::string& reason) {
        ioThread_.check("ClientCore::IoLoop::giveUp");
        core_.closed_.store(true);
        auto failed = std::make_unique<Event>();
        failed->kind = EventKind::Failed;
        failed->text = reason;
        overflow_.push_back(std::move(failed));
        publish();
        while (!overflow_.empty() && !stopping()) {
            waitFor(-1, 0, Clock::now() + std::chrono::seconds(1));
        }
    }

    threads::OwnerThread ioThread_;
    ClientCore& core_;
    const ClientOptions& options_;
    ClientSession session_;
    std::string publishedNick_;  // the session's nick as last shared with nick()
    int fd_ = -1;
    std::optional<tls::TlsContext> tlsContext_;    // options_.tls
    std::unique_ptr<tls::TlsStream> tls_;          // the connection's, with tls
    std::string plainIn_;                          // decrypted, for the session
    std::optional<std::string> fatal_;             // connect() failed for good: why
    std::deque<std::unique_ptr<Event>> overflow_;  // events the full queue could not take
};

// ---- ClientCore ------------------------------------------------------------

ClientCore::ClientCore(ClientOptions options)
    : options_(std::move(options)),
      uiWakeFd_(makeEventFd("UI wake-up")),
      ioWakeFd_(makeEventFd("I/O wake-up")),
      events_(std::max<std::size_t>(options_.eventQueueCapacity, 1)),
      outbound_(std::max<std::size_t>(options_.sendQueueCapacity, 1)),
      sendSide_(SendSide{outbound_}),
      idBase_(options_.clientMsgIdBase != 0 ? options_.clientMsgIdBase : randomIdBase()),
      nicks_(Nicks{options_.nick, {}, options_.password, false, options_.hubPassword, false}) {}

ClientCore::~ClientCore() {
    stop();
    ::close(uiWakeFd_);
    ::close(ioWakeFd_);
}

bool ClientCore::start() {
    uiThread_.check("ClientCore::start");
    if (started_.exchange(true)) {
        return false;
    }
    io_ = std::make_unique<IoLoop>(*this);
    thread_ = std::thread([this] { io_->run(); });
    return true;
}

void ClientCore::stop(const std::string& quitMessage) {
    uiThread_.check("ClientCore::stop");
    if (thread_.joinable()) {
        quitMessage_ = quitMessage;
        stopRequested_.store(true, std::memory_order_release);
        wakeIo();
        thread_.join();
    }
    stopRequested_.store(true, std::memory_order_release);
    closed_.store(true);
    io_.reset();
    freeQueues();
    pending_.store(0);
}

void ClientCore::freeQueues() {
    Event* event = nullptr;
    while (events_.pop(event)) {
        delete event;
    }
    Outbound* item = nullptr;
    while (outbound_.pop(item)) {
        delete item;
    }
}

void ClientCore::wakeIo() const {
    signalFd(ioWakeFd_);
}

bool ClientCore::pollEvent(Event& out) {
    uiThread_.check("ClientCore::pollEvent");
    Event* event = nullptr;
    if (!events_.pop(event)) {
        // Clear first, then look again: an event pushed after this read
        // signals the fd anew; one pushed before it is found by this pop.
        clearFd(uiWakeFd_);
        if (!events_.pop(event)) {
            return false;
        }
    }
    out = std::move(*event);
    delete event;
    // After the pop, so the I/O thread cannot miss the space (see
    // IoLoop::spaceAvailable()).
    if (ioWantsSpace_.exchange(false, std::memory_order_acq_rel)) {
        wakeIo();
    }
    return true;
}

bool ClientCore::push(std::unique_ptr<Outbound> item) {
    if (closed_.load() || stopRequested_.load()) {
        return false;
    }
    if (!sendSide_.lock()->queue.push(item.get())) {
        return false;
    }
    item.release();
    wakeIo();
    return true;
}

bool ClientCore::send(hermes::v1::Envelope envelope) {
    auto item = std::make_unique<Outbound>();
    item->envelope = std::move(envelope);
    return push(std::move(item));
}

std::uint64_t ClientCore::sendTracked(hermes::v1::Envelope envelope, std::uint64_t id) {
    // Counted before the push, so a caller that waits for pendingCount() == 0
    // right after say() cannot see 0 before the I/O thread took the frame.
    pending_.fetch_add(1, std::memory_order_acq_rel);
    auto item = std::make_unique<Outbound>();
    item->envelope = std::move(envelope);
    item->trackedId = id;
    if (!push(std::move(item))) {
        releasePending();
        return 0;
    }
    return id;
}

void ClientCore::releasePending() {
    // Never below zero: stop() may have set it to 0 under a racing say().
    std::size_t count = pending_.load(std::memory_order_acquire);
    while (count > 0 &&
           !pending_.compare_exchange_weak(count, count - 1, std::memory_order_acq_rel)) {
    }
}

std::uint64_t ClientCore::say(const std::string& room, const std::string& text,
                              hermes::v1::MessageKind kind) {
    const std::uint64_t id = idBase_ + nextMsgId_.fetch_add(1);
    hermes::v1::Envelope envelope;
    auto* say = envelope.mutable_say();
    say->set_room(room);
    say->set_client_msg_id(id);
    say->set_kind(kind);
    say->set_text(text);
    return sendTracked(std::move(envelope), id);
}

std::uint64_t ClientCore::sendSay(hermes::v1::Say say) {
    const std::uint64_t id = idBase_ + nextMsgId_.fetch_add(1);
    say.set_client_msg_id(id);
    hermes::v1::Envelope envelope;
    *envelope.mutable_say() = std::move(say);
    return sendTracked(std::move(envelope), id);
}

std::uint64_t ClientCore::privateMessage(const std::string& nick, const std::string& text,
                                         hermes::v1::MessageKind kind) {
    const std::uint64_t id = idBase_ + nextMsgId_.fetch_add(1);
    hermes::v1::Envelope envelope;
    auto* message = envelope.mutable_private_message();
    message->set_to(nick);
    message->set_client_msg_id(id);
    message->set_kind(kind);
    message->set_text(text);
    return sendTracked(std::move(envelope), id);
}

bool ClientCore::join(const std::string& room) {
    hermes::v1::Envelope envelope;
    envelope.mutable_join()->set_room(room);
    return send(std::move(envelope));
}

bool ClientCore::leave(const std::string& room, const std::string& reason) {
    hermes::v1::Envelope envelope;
    envelope.mutable_leave()->set_room(room);
    envelope.mutable_leave()->set_reason(reason);
    return send(std::move(envelope));
}

bool ClientCore::setNick(const std::string& nick) {
    hermes::v1::Envelope envelope;
    envelope.mutable_set_nick()->set_nick(nick);
    return send(std::move(envelope));
}

bool ClientCore::setTopic(const std::string& room, const std::string& text) {
    hermes::v1::Envelope envelope;
    envelope.mutable_topic()->set_room(room);
    envelope.mutable_topic()->set_text(text);
    return send(std::move(envelope));
}

bool ClientCore::who(const std::string& room) {
    hermes::v1::Envelope envelope;
    envelope.mutable_who()->set_room(room);
    return send(std::move(envelope));
}

bool ClientCore::requestRoomList() {
    hermes::v1::Envelope envelope;
    envelope.mutable_room_list_request();
    return send(std::move(envelope));
}

bool ClientCore::requestStats() {
    hermes::v1::Envelope envelope;
    envelope.mutable_stats_request();
    return send(std::move(envelope));
}

bool ClientCore::requestHistory(const std::string& room, std::uint64_t afterSeq,
                                std::uint32_t limit) {
    hermes::v1::Envelope envelope;
    auto* request = envelope.mutable_history_request();
    request->set_room(room);
    request->set_after_seq(afterSeq);
    request->set_limit(limit);
    return send(std::move(envelope));
}

bool ClientCore::requestPrivateHistory(const std::string& peer, std::uint64_t afterSeq,
                                       std::uint32_t limit) {
    hermes::v1::Envelope envelope;
    auto* request = envelope.mutable_history_request();
    request->set_peer(peer);
    request->set_after_seq(afterSeq);
    request->set_limit(limit);
    return send(std::move(envelope));
}

void ClientCore::retryNick(const std::string& nick) {
    {
        auto nicks = nicks_.lock();
        nicks->current = nick;
        nicks->requested = nick;
    }
    helloRequested_.store(true);
    wakeIo();
}

void ClientCore::retryNick(const std::string& nick, const std::string& password) {
    rememberPassword(password);
    retryNick(nick);
}

void ClientCore::rememberPassword(const std::string& password) {
    auto nicks = nicks_.lock();
    nicks->password = password;
    nicks->passwordChanged = true;
}

void ClientCore::applyPassword(ClientSession& session) {
    auto nicks = nicks_.lock();
    if (nicks->passwordChanged) {
        nicks->passwordChanged = false;
        session.setPassword(nicks->password);
    }
    if (nicks->hubPasswordChanged) {
        nicks->hubPasswordChanged = false;
        session.setHubPassword(nicks->hubPassword);
    }
}

void ClientCore::setHubPassword(const std::string& password) {
    {
        auto nicks = nicks_.lock();
        nicks->hubPassword = password;
        nicks->hubPasswordChanged = true;
    }
    wakeIo();
}

bool ClientCore::registerNick(const std::string& password) {
    hermes::v1::Envelope envelope;
    envelope.mutable_register_nick()->set_password(password);
    rememberPassword(password);
    return send(std::move(envelope));
}

bool ClientCore::identify(const std::string& nick, const std::string& password) {
    hermes::v1::Envelope envelope;
    envelope.mutable_identify()->set_nick(nick);
    envelope.mutable_identify()->set_password(password);
    rememberPassword(password);
    return send(std::move(envelope));
}

bool ClientCore::changePassword(const std::string& oldPassword, const std::string& newPassword) {
    hermes::v1::Envelope envelope;
    envelope.mutable_change_password()->set_old_password(oldPassword);
    envelope.mutable_change_password()->set_new_password(newPassword);
    rememberPassword(newPassword);
    return send(std::move(envelope));
}

std::string ClientCore::nick() const {
    return nicks_.lock()->current;
}

}  // namespace hermes::client

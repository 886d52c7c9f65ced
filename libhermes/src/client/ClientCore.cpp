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
#include <map>
#include <set>
#include <system_error>
#include <unordered_map>

#include "hermes/client/ReconnectBackoff.hpp"
#include "hermes/client/RoomTracker.hpp"
#include "hermes/codec/FrameDecoder.hpp"
#include "hermes/codec/FrameEncoder.hpp"
#include "hermes/protocol/Limits.hpp"
#include "hermes/protocol/ProtocolError.hpp"

namespace hermes::client {

namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// One recv() at most; the decoder holds at most this plus one partial frame
// while the event queue is full.
constexpr std::size_t kReadChunkBytes = 64 * 1024;
// The I/O thread stops taking frames from the send queue above this, so a hub
// that does not read makes send() fail instead of growing memory.
constexpr std::size_t kMaxWriteBufferBytes = 256 * 1024;
// Bounds the socket drain before close (see goodbye()).
constexpr int kMaxDrainReads = 64;

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

}  // namespace

struct ClientCore::Outbound {
    hermes::v1::Envelope envelope;
    std::uint64_t trackedId = 0;  // say/privateMessage: counted in pending_
};

// Everything the I/O thread owns. Only ClientCore's queues, atomics and
// nickMutex_ are touched from here and from other threads alike.
class ClientCore::IoLoop {
public:
    explicit IoLoop(ClientCore& core)
        : core_(core),
          options_(core.options_),
          backoff_(options_.backoffInitial, options_.backoffMax,
                   std::random_device{}() ^
                       static_cast<std::uint64_t>(Clock::now().time_since_epoch().count())),
          decoder_(options_.maxFrameBytes) {}

    ~IoLoop() { closeSocket(); }

    void run() {
        try {
            loop();
        } catch (const std::exception& e) {
            closeSocket();
            fail(std::string("client core internal error: ") + e.what());
        }
    }

private:
    bool stopping() const { return core_.stopRequested_.load(std::memory_order_acquire); }

    // ---- the connection cycle ------------------------------------------------

    void loop() {
        while (!stopping()) {
            auto connecting = std::make_unique<Event>();
            connecting->kind = EventKind::Connecting;
            connecting->text = options_.host + ":" + std::to_string(options_.port);
            connecting->attempt = backoff_.attempts() + 1;
            emit(std::move(connecting));

            std::string reason;
            bool retry = options_.autoReconnect;
            if (connect(reason)) {
                const bool welcomed = session();
                closeSocket();
                if (stopping()) {
                    return;
                }
                reason = endReason_;
                retry = retry && mayRetry_;
                auto lost = std::make_unique<Event>();
                lost->kind = EventKind::Disconnected;
                lost->text = reason;
                lost->willRetry = retry;
                emit(std::move(lost));
                if (welcomed) {
                    backoff_.reset();
                }
            } else if (stopping()) {
                return;
            }
            if (!retry) {
                fail(reason);
                return;
            }
            auto scheduled = std::make_unique<Event>();
            scheduled->kind = EventKind::ReconnectScheduled;
            scheduled->delay = backoff_.next();
            scheduled->attempt = backoff_.attempts();
            scheduled->text = reason;
            const auto deadline = Clock::now() + scheduled->delay;
            emit(std::move(scheduled));
            waitFor(-1, 0, deadline);
        }
    }

    // Resolves and connects without blocking past the timeout or a stop().
    bool connect(std::string& reason) {
        const std::string where = options_.host + ":" + std::to_string(options_.port);
        addrinfo hints{};
        hints.ai_family = AF_UNSPEC;
        hints.ai_socktype = SOCK_STREAM;
        hints.ai_flags = AI_NUMERICSERV;
        addrinfo* list = nullptr;
        const std::string port = std::to_string(options_.port);
        if (const int rc = ::getaddrinfo(options_.host.c_str(), port.c_str(), &hints, &list);
            rc != 0) {
            reason = "cannot resolve " + options_.host + ": " + ::gai_strerror(rc);
            return false;
        }
        const auto deadline = Clock::now() + options_.connectTimeout;
        reason = "connect to " + where + ": no address";
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
                        error = ETIMEDOUT;
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
        return fd_ >= 0;
    }

    void closeSocket() {
        if (fd_ >= 0) {
            ::close(fd_);
            fd_ = -1;
        }
    }

    // One connection, from Hello until it ends. Returns whether it was welcomed.
    bool session() {
        ++connection_;
        decoder_ = codec::FrameDecoder(options_.maxFrameBytes);
        writeBuf_.clear();
        writeOff_ = 0;
        welcomed_ = false;
        nickRejected_ = false;
        pingOutstanding_ = false;
        historyOrigins_.clear();
        catchingUp_.clear();
        lostCheckDue_ = false;
        ended_ = false;
        endReason_.clear();
        hubSaid_.clear();
        mayRetry_ = true;
        bool welcomedHere = false;

        core_.helloRequested_.store(false);
        sendHello();
        lastHeard_ = Clock::now();
        auto connected = std::make_unique<Event>();
        connected->kind = EventKind::Connected;
        emit(std::move(connected));

        while (!ended_) {
            if (stopping()) {
                goodbye();
                return welcomedHere;
            }
            flushOverflow();
            decodeBuffered();
            welcomedHere = welcomedHere || welcomed_;
            if (ended_) {
                break;
            }
            if (core_.helloRequested_.exchange(false) && !welcomed_) {
                nickRejected_ = false;
                sendHello();
            }
            if (welcomed_) {
                drainOutbound();
            }
            const auto now = Clock::now();
            if (!overflow_.empty()) {
                // Not reading is our UI's doing, not the hub's silence.
                lastHeard_ = now;
            }
            const int timeout = checkTimers(now);
            if (ended_ || !flushWrites()) {
                break;
            }
            short events = 0;
            if (overflow_.empty()) {
                events |= POLLIN;
            }
            if (writeOff_ < writeBuf_.size()) {
                events |= POLLOUT;
            }
            const bool spaceNow = !overflow_.empty() && spaceAvailable();
            const short revents = pollOnce(events != 0 ? fd_ : -1, events, spaceNow ? 0 : timeout);
            if ((revents & (POLLIN | POLLHUP | POLLERR)) != 0 && overflow_.empty()) {
                readSome();
            }
        }
        return welcomedHere;
    }

    void end(std::string reason) {
        if (ended_) {
            return;
        }
        ended_ = true;
        // A fatal Error or a Bye explains the close that follows it better.
        endReason_ = hubSaid_.empty() ? std::move(reason) : hubSaid_;
    }

    // stop() while connected: what send() accepted, then Bye, then close.
    // Before Welcome the hub takes nothing but Hello (anything else is a fatal
    // HANDSHAKE_REQUIRED), so an unwelcomed connection is just closed.
    void goodbye() {
        if (welcomed_) {
            drainOutbound();
            hermes::v1::Envelope bye;
            bye.mutable_bye()->set_reason(hermes::v1::BYE_REASON_CLIENT_QUIT);
            bye.mutable_bye()->set_text(core_.quitMessage_);
            queueFrame(bye);
        }
        const auto deadline = Clock::now() + options_.stopLinger;
        while (flushWrites() && writeOff_ < writeBuf_.size()) {
            const auto now = Clock::now();
            if (now >= deadline) {
                break;
            }
            pollfd out{fd_, POLLOUT, 0};
            ::poll(&out, 1, msUntil(deadline, now));
        }
        ::shutdown(fd_, SHUT_WR);
        // Unread bytes at close() make the kernel send RST, which can destroy
        // the Bye before the hub reads it.
        char sink[4096];
        for (int i = 0; i<kMaxDrainReads&& ::recv(fd_, sink, sizeof sink, MSG_DONTWAIT)> 0; ++i) {
        }
    }

    // ---- waiting ---------------------------------------------------------

    // One poll() over the wake-up eventfd and (if sockFd >= 0) the socket.
    // Returns the socket's revents.
    short pollOnce(int sockFd, short events, int timeoutMs) {
        pollfd fds[2] = {{core_.ioWakeFd_, POLLIN, 0}, {sockFd, events, 0}};
        const nfds_t count = sockFd >= 0 ? 2 : 1;
        if (::poll(fds, count, timeoutMs) < 0) {
            return 0;  // EINTR; the caller's loop looks at its state again
        }
        if ((fds[0].revents & POLLIN) != 0) {
            clearFd(core_.ioWakeFd_);
        }
        return sockFd >= 0 ? fds[1].revents : 0;
    }

    // Waits for socket readiness (or, with sockFd -1, only the deadline) while
    // still handing queued events to the UI. Returns 0 on deadline or stop.
    short waitFor(int sockFd, short events, Clock::time_point deadline) {
        for (;;) {
            flushOverflow();
            const auto now = Clock::now();
            if (stopping() || now >= deadline) {
                return 0;
            }
            const bool spaceNow = !overflow_.empty() && spaceAvailable();
            const short revents = pollOnce(sockFd, events, spaceNow ? 0 : msUntil(deadline, now));
            if (revents != 0) {
                return revents;
            }
        }
    }

    // Handles the handshake and idle timers; returns the poll timeout until
    // the next one (-1: none).
    int checkTimers(Clock::time_point now) {
        if (!welcomed_) {
            if (nickRejected_) {
                return -1;  // the UI is choosing a nick; the hub has its own timeout
            }
            const auto deadline = helloAt_ + options_.handshakeTimeout;
            if (now >= deadline) {
                end("no Welcome from the hub within " + describeMs(options_.handshakeTimeout));
                return 0;
            }
            return msUntil(deadline, now);
        }
        const auto interval = options_.idlePingInterval;
        if (interval.count() <= 0) {
            return -1;
        }
        if (pingOutstanding_) {
            const auto deadline = pingAt_ + interval;
            if (now >= deadline) {
                end("the hub did not answer for " + describeMs(2 * interval));
                return 0;
            }
            return msUntil(deadline, now);
        }
        const auto deadline = lastHeard_ + interval;
        if (now >= deadline) {
            hermes::v1::Envelope ping;
            ping.mutable_ping()->set_nonce(++pingNonce_);
            queueFrame(ping);
            pingOutstanding_ = true;
            pingAt_ = now;
            return msUntil(now + interval, now);
        }
        return msUntil(deadline, now);
    }

    // ---- events to the UI ------------------------------------------------

    // Never drops and never blocks: what the queue cannot take waits in
    // overflow_, and the socket is not read until overflow_ is empty.
    void emit(std::unique_ptr<Event> event) {
        if (overflow_.empty() && core_.events_.push(event.get())) {
            event.release();
            signalFd(core_.uiWakeFd_);
            return;
        }
        overflow_.push_back(std::move(event));
    }

    void flushOverflow() {
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

    void emitEnvelope(EventKind kind, std::unique_ptr<hermes::v1::Envelope> envelope,
                      std::string text = {}) {
        auto event = std::make_unique<Event>();
        event->kind = kind;
        event->envelope = std::move(envelope);
        event->text = std::move(text);
        emit(std::move(event));
    }

    // ---- reading ---------------------------------------------------------

    void readSome() {
        char chunk[kReadChunkBytes];
        const ssize_t n = ::recv(fd_, chunk, sizeof chunk, MSG_DONTWAIT);
        if (n > 0) {
            decoder_.feed(std::string_view(chunk, static_cast<std::size_t>(n)));
            lastHeard_ = Clock::now();
            pingOutstanding_ = false;
        } else if (n == 0) {
            end("connection closed by the hub");
        } else if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
            end("read from the hub: " + systemMessage(errno));
        }
    }

    void decodeBuffered() {
        while (overflow_.empty() && !ended_) {
            auto envelope = std::make_unique<hermes::v1::Envelope>();
            if (!decoder_.next(*envelope)) {
                if (decoder_.failed()) {
                    end("bad frame from the hub: " +
                        std::string(codec::describe(decoder_.error())));
                }
                return;
            }
            handleFrame(std::move(envelope));
        }
    }

    void handleFrame(std::unique_ptr<hermes::v1::Envelope> envelope) {
        using E = hermes::v1::Envelope;
        switch (envelope->body_case()) {
            case E::kPing: {
                hermes::v1::Envelope pong;
                pong.mutable_pong()->set_nonce(envelope->ping().nonce());
                queueFrame(pong);
                return;
            }
            case E::kPong:
                return;
            case E::kWelcome:
                onWelcome(std::move(envelope));
                return;
            case E::kError: {
                const auto& error = envelope->error();
                if (!welcomed_ && !error.fatal() &&
                    (error.code() == hermes::v1::ERROR_CODE_NICK_TAKEN ||
                     error.code() == hermes::v1::ERROR_CODE_INVALID_NICK)) {
                    nickRejected_ = true;
                    emitEnvelope(EventKind::NickRejected, std::move(envelope), error.text());
                    return;
                }
                if (error.client_msg_id() != 0) {
                    resolve(error.client_msg_id());
                }
                if (error.code() == hermes::v1::ERROR_CODE_INVALID_ROOM) {
                    finishCatchUp(error.room());  // its HistoryRequest has no page coming
                }
                if (error.fatal()) {
                    hubSaid_ = "hub error " + std::string(protocol::errorCodeName(error.code())) +
                               ": " + error.text();
                    if (error.code() == hermes::v1::ERROR_CODE_PROTOCOL_VERSION) {
                        mayRetry_ = false;
                    }
                }
                break;
            }
            case E::kBye: {
                const auto& bye = envelope->bye();
                const bool kicked = bye.reason() == hermes::v1::BYE_REASON_KICKED;
                hubSaid_ = std::string(kicked ? "kicked by the hub" : "the hub is shutting down") +
                           (bye.text().empty() ? "" : ": " + bye.text());
                if (kicked) {
                    mayRetry_ = false;
                }
                break;
            }
            case E::kMessage: {
                const auto& message = envelope->message();
                if (message.client_msg_id() != 0 && rooms_.isOwnNick(message.from())) {
                    resolve(message.client_msg_id());
                }
                if (!message.room().empty() && !rooms_.accept(message.room(), message.seq())) {
                    return;  // already delivered (history and live overlap)
                }
                break;
            }
            case E::kHistoryPage:
                if (!onHistoryPage(*envelope->mutable_history_page())) {
                    return;
                }
                break;
            case E::kPresence:
                if (rooms_.onPresence(envelope->presence())) {
                    setSharedNick(rooms_.ownNick());
                }
                break;
            case E::kMembers:
                rooms_.onMemberList(envelope->members());
                break;
            default:
                break;
        }
        emitEnvelope(EventKind::Envelope, std::move(envelope));
    }

    void onWelcome(std::unique_ptr<hermes::v1::Envelope> envelope) {
        welcomed_ = true;
        nickRejected_ = false;
        const bool newEpoch = rooms_.onWelcome(envelope->welcome());
        setSharedNick(rooms_.ownNick());
        emitEnvelope(EventKind::Welcomed, std::move(envelope),
                     newEpoch ? "the hub restarted (new epoch): history before it is gone" : "");
        // Rejoin before anything the UI queued meanwhile is written.
        for (const auto& room : rooms_.joinedRooms()) {
            hermes::v1::Envelope join;
            join.mutable_join()->set_room(room);
            join.mutable_join()->set_skip_backlog(true);
            queueFrame(join);
            rooms_.startAt(room, rooms_.lastSeq(room));
            requestCatchUp(room, rooms_.lastSeq(room));
        }
        lostCheckDue_ = true;
        if (catchingUp_.empty()) {
            settleLostSends();
        }
    }

    void requestCatchUp(const std::string& room, std::uint64_t afterSeq) {
        hermes::v1::Envelope request;
        request.mutable_history_request()->set_room(room);
        request.mutable_history_request()->set_after_seq(afterSeq);
        queueFrame(request);
        historyOrigins_[room].push_back(true);
        catchingUp_.insert(room);
    }

    void finishCatchUp(const std::string& room) {
        const auto origins = historyOrigins_.find(room);
        if (catchingUp_.erase(room) != 0 && origins != historyOrigins_.end() &&
            !origins->second.empty()) {
            origins->second.pop_front();
        }
        if (catchingUp_.empty() && lostCheckDue_) {
            settleLostSends();
        }
    }

    // Returns whether the page goes to the UI.
    bool onHistoryPage(hermes::v1::HistoryPage& page) {
        bool ours = false;
        if (!page.backlog()) {
            auto origins = historyOrigins_.find(page.room());
            if (origins != historyOrigins_.end() && !origins->second.empty()) {
                ours = origins->second.front();
                origins->second.pop_front();
            }
        }
        for (const auto& message : page.messages()) {
            if (message.client_msg_id() != 0 && rooms_.isOwnNick(message.from())) {
                resolve(message.client_msg_id());
            }
        }
        if (!page.backlog() && !ours) {
            return true;  // the UI's own request: it gets what it asked for
        }
        if (ours && page.head_seq() < rooms_.lastSeq(page.room())) {
            // The room's newest seq is below what we saw: the hub lost its
            // history (a new database, or in-memory after all). Its seqs are
            // new messages again.
            rooms_.restartAt(page.room(), page.head_seq());
        }
        const std::uint64_t lastInPage =
            page.messages().empty() ? 0 : page.messages(page.messages_size() - 1).seq();
        if (page.has_gap()) {
            rooms_.markGone(page.room(), page.gap().first_seq(), page.gap().last_seq());
        }
        auto& messages = *page.mutable_messages();
        int kept = 0;
        for (int i = 0; i < messages.size(); ++i) {
            if (rooms_.accept(page.room(), messages.Get(i).seq())) {
                if (kept != i) {
                    messages.SwapElements(kept, i);
                }
                ++kept;
            }
        }
        while (messages.size() > kept) {
            messages.RemoveLast();
        }
        if (!ours) {
            return true;
        }
        catchingUp_.erase(page.room());
        if (page.has_more() && lastInPage > 0) {
            requestCatchUp(page.room(), lastInPage);
        } else if (catchingUp_.empty() && lostCheckDue_) {
            settleLostSends();
        }
        return !messages.empty() || page.has_gap();
    }

    // ---- pending sends ---------------------------------------------------

    void resolve(std::uint64_t clientMsgId) {
        if (pending_.erase(clientMsgId) != 0) {
            core_.pending_.fetch_sub(1, std::memory_order_acq_rel);
        }
    }

    void reportLost(std::uint64_t clientMsgId) {
        core_.pending_.fetch_sub(1, std::memory_order_acq_rel);
        auto event = std::make_unique<Event>();
        event->kind = EventKind::SendLost;
        event->clientMsgId = clientMsgId;
        emit(std::move(event));
    }

    // After the catch-up on a new connection: what an earlier connection
    // carried and no echo or history page acknowledged is lost.
    void settleLostSends() {
        lostCheckDue_ = false;
        std::vector<std::uint64_t> lost;
        for (const auto& [id, connection] : pending_) {
            if (connection < connection_) {
                lost.push_back(id);
            }
        }
        std::sort(lost.begin(), lost.end());
        for (const auto id : lost) {
            pending_.erase(id);
            reportLost(id);
        }
    }

    // ---- writing ---------------------------------------------------------

    void sendHello() {
        hermes::v1::Envelope hello;
        hello.mutable_hello()->set_protocol_version(protocol::kProtocolVersion);
        hello.mutable_hello()->set_nick(core_.nick());
        hello.mutable_hello()->set_client_name(options_.clientName);
        queueFrame(hello);
        helloAt_ = Clock::now();
    }

    void setSharedNick(const std::string& nick) {
        const std::lock_guard lock(core_.nickMutex_);
        core_.nick_ = nick;
    }

    void queueFrame(const hermes::v1::Envelope& envelope) {
        if (writeOff_ > 0 && writeOff_ * 2 >= writeBuf_.size()) {
            writeBuf_.erase(0, writeOff_);
            writeOff_ = 0;
        }
        codec::appendFrame(envelope, writeBuf_);
    }

    void drainOutbound() {
        Outbound* raw = nullptr;
        while (writeBuf_.size() - writeOff_ < kMaxWriteBufferBytes && core_.outbound_.pop(raw)) {
            const std::unique_ptr<Outbound> item(raw);
            if (item->trackedId != 0) {
                pending_[item->trackedId] = connection_;
            }
            if (item->envelope.has_history_request()) {
                historyOrigins_[item->envelope.history_request().room()].push_back(false);
            }
            queueFrame(item->envelope);
        }
    }

    // Writes what the socket takes now. False when the connection broke.
    bool flushWrites() {
        while (writeOff_ < writeBuf_.size()) {
            const ssize_t n = ::send(fd_, writeBuf_.data() + writeOff_,
                                     writeBuf_.size() - writeOff_, MSG_NOSIGNAL | MSG_DONTWAIT);
            if (n > 0) {
                writeOff_ += static_cast<std::size_t>(n);
            } else if (n < 0 && errno == EINTR) {
                continue;
            } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
                return true;
            } else {
                end("write to the hub: " + systemMessage(n < 0 ? errno : EPIPE));
                return false;
            }
        }
        writeBuf_.clear();
        writeOff_ = 0;
        return true;
    }

    // ---- giving up ---------------------------------------------------------

    void fail(const std::string& reason) {
        core_.closed_.store(true);
        std::vector<std::uint64_t> lost;
        for (const auto& entry : pending_) {
            lost.push_back(entry.first);
        }
        pending_.clear();
        Outbound* raw = nullptr;
        while (core_.outbound_.pop(raw)) {
            const std::unique_ptr<Outbound> item(raw);
            if (item->trackedId != 0) {
                lost.push_back(item->trackedId);
            }
        }
        std::sort(lost.begin(), lost.end());
        for (const auto id : lost) {
            reportLost(id);
        }
        auto failed = std::make_unique<Event>();
        failed->kind = EventKind::Failed;
        failed->text = reason;
        emit(std::move(failed));
        // The last events must reach the UI before this thread ends.
        while (!overflow_.empty() && !stopping()) {
            waitFor(-1, 0, Clock::now() + std::chrono::seconds(1));
        }
    }

    ClientCore& core_;
    const ClientOptions& options_;
    ReconnectBackoff backoff_;
    RoomTracker rooms_;
    codec::FrameDecoder decoder_;
    int fd_ = -1;

    std::string writeBuf_;
    std::size_t writeOff_ = 0;
    std::deque<std::unique_ptr<Event>> overflow_;  // events the full queue could not take

    // client_msg_id -> the connection (count) it was written on.
    std::unordered_map<std::uint64_t, std::uint64_t> pending_;
    std::uint64_t connection_ = 0;

    bool welcomed_ = false;
    bool nickRejected_ = false;
    Clock::time_point helloAt_;
    Clock::time_point lastHeard_;
    Clock::time_point pingAt_;
    bool pingOutstanding_ = false;
    std::uint64_t pingNonce_ = 0;

    // Per room, who asked for each outstanding non-backlog HistoryPage, in
    // order (true: the core's catch-up). The hub answers requests in order.
    std::map<std::string, std::deque<bool>, std::less<>> historyOrigins_;
    std::set<std::string> catchingUp_;
    bool lostCheckDue_ = false;

    bool ended_ = false;
    std::string endReason_;
    std::string hubSaid_;  // a fatal Error or Bye: why the hub is about to close
    bool mayRetry_ = true;
};

// ---- ClientCore ------------------------------------------------------------

ClientCore::ClientCore(ClientOptions options)
    : options_(std::move(options)),
      uiWakeFd_(makeEventFd("UI wake-up")),
      ioWakeFd_(makeEventFd("I/O wake-up")),
      events_(std::max<std::size_t>(options_.eventQueueCapacity, 1)),
      outbound_(std::max<std::size_t>(options_.sendQueueCapacity, 1)),
      nick_(options_.nick) {}

ClientCore::~ClientCore() {
    stop();
    ::close(uiWakeFd_);
    ::close(ioWakeFd_);
}

bool ClientCore::start() {
    if (started_.exchange(true)) {
        return false;
    }
    io_ = std::make_unique<IoLoop>(*this);
    thread_ = std::thread([this] { io_->run(); });
    return true;
}

void ClientCore::stop(const std::string& quitMessage) {
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
    {
        const std::lock_guard lock(sendMutex_);
        if (!outbound_.push(item.get())) {
            return false;
        }
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
        pending_.fetch_sub(1, std::memory_order_acq_rel);
        return 0;
    }
    return id;
}

std::uint64_t ClientCore::say(const std::string& room, const std::string& text,
                              hermes::v1::MessageKind kind) {
    const std::uint64_t id = nextMsgId_.fetch_add(1);
    hermes::v1::Envelope envelope;
    auto* say = envelope.mutable_say();
    say->set_room(room);
    say->set_client_msg_id(id);
    say->set_kind(kind);
    say->set_text(text);
    return sendTracked(std::move(envelope), id);
}

std::uint64_t ClientCore::privateMessage(const std::string& nick, const std::string& text,
                                         hermes::v1::MessageKind kind) {
    const std::uint64_t id = nextMsgId_.fetch_add(1);
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

void ClientCore::retryNick(const std::string& nick) {
    {
        const std::lock_guard lock(nickMutex_);
        nick_ = nick;
    }
    helloRequested_.store(true);
    wakeIo();
}

std::string ClientCore::nick() const {
    const std::lock_guard lock(nickMutex_);
    return nick_;
}

}  // namespace hermes::client

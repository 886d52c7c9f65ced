#include "EventLoop.hpp"

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <malloc.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <sstream>
#include <system_error>
#include <utility>
#include <vector>

#include <Poco/Exception.h>

#include "SocketIo.hpp"

namespace hermesd {

namespace {

using hermes::hub::Clock;
using hermes::hub::SessionId;

// epoll user data of the wake-up eventfd; session ids start at 1.
constexpr std::uint64_t kWakeToken = 0;
// epoll user data of the history store's commit eventfd; never a session id.
constexpr std::uint64_t kCommitToken = ~std::uint64_t{0};
// epoll user data of the history store's finished-reads eventfd; never a session id.
constexpr std::uint64_t kReadsToken = ~std::uint64_t{0} - 1;
// epoll user data of the account hashing thread's eventfd; never a session id.
constexpr std::uint64_t kAccountsToken = ~std::uint64_t{0} - 2;
// epoll user data of the file thread's eventfd; never a session id.
constexpr std::uint64_t kFilesToken = ~std::uint64_t{0} - 3;
// epoll user data of the cluster backplane's epoll set; never a session id.
constexpr std::uint64_t kBackplaneToken = ~std::uint64_t{0} - 4;
constexpr std::size_t kReadChunk = 64 * 1024;
constexpr int kMaxEvents = 256;
// A write pass looks at the sockets' input after this many sessions (see
// takeInputDuringPass): one epoll_wait(0), ~1 % of eight sends.
constexpr std::size_t kWritesPerInputLook = 8;

std::system_error systemError(const char* what) {
    return std::system_error(errno, std::generic_category(), what);
}

}  // namespace

EventLoop::EventLoop(std::unique_ptr<hermes::hub::Hub> hub, EdgeConfig config,
                     MetricsBoard* metrics)
    : hub_(std::move(hub)),
      config_(std::move(config)),
      log_(Poco::Logger::get("hermesd.loop")),
      readBuffer_(kReadChunk),
      events_(kMaxEvents),
      metrics_(metrics) {
    epollFd_ = epoll_create1(EPOLL_CLOEXEC);
    if (epollFd_ < 0) {
        throw systemError("epoll_create1");
    }
    wakeFd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (wakeFd_ < 0) {
        close(epollFd_);
        throw systemError("eventfd");
    }
    // The loop's own descriptors, each read when it is readable: the wake-up
    // eventfd, and the history store's commit and read eventfds if it has them.
    const auto watchOwn = [this](int fd, std::uint64_t token, const char* what) {
        epoll_event event{};
        event.events = EPOLLIN;
        event.data.u64 = token;
        if (epoll_ctl(epollFd_, EPOLL_CTL_ADD, fd, &event) != 0) {
            const std::system_error error = systemError(what);
            close(wakeFd_);
            close(epollFd_);
            throw error;
        }
    };
    watchOwn(wakeFd_, kWakeToken, "epoll_ctl(eventfd)");
    if (const int commitFd = hub_->storeCommitFd(); commitFd >= 0) {
        watchOwn(commitFd, kCommitToken, "epoll_ctl(history commit eventfd)");
    }
    if (const int readFd = hub_->storeReadFd(); readFd >= 0) {
        watchOwn(readFd, kReadsToken, "epoll_ctl(history reads eventfd)");
    }
    watchOwn(hub_->accountsFd(), kAccountsToken, "epoll_ctl(accounts eventfd)");
    if (const int filesFd = hub_->filesFd(); filesFd >= 0) {
        watchOwn(filesFd, kFilesToken, "epoll_ctl(files eventfd)");
    }
}

void EventLoop::attachBackplane(std::unique_ptr<RedisBackplane> backplane) {
    epoll_event event{};
    event.events = EPOLLIN;
    event.data.u64 = kBackplaneToken;
    if (epoll_ctl(epollFd_, EPOLL_CTL_ADD, backplane->fd(), &event) != 0) {
        throw systemError("epoll_ctl(cluster backplane)");
    }
    backplane_ = std::move(backplane);
}

EventLoop::~EventLoop() {
    connections_.clear();
    backplane_.reset();
    close(wakeFd_);
    close(epollFd_);
}

void EventLoop::adopt(std::unique_ptr<ClientConnection> connection, std::string peer,
                      hermes::hub::Registry::Admission admission) {
    inbox_.lock()->accepted.push_back(Accepted{std::move(connection), std::move(peer), admission});
    const std::uint64_t one = 1;
    [[maybe_unused]] const auto written = write(wakeFd_, &one, sizeof one);
}

void EventLoop::post(Task task) {
    inbox_.lock()->tasks.push_back(std::move(task));
    const std::uint64_t one = 1;
    [[maybe_unused]] const auto written = write(wakeFd_, &one, sizeof one);
}

void EventLoop::runTasks(TimePoint now) {
    loopThread_.check("EventLoop::runTasks");
    std::vector<Task> tasks;
    tasks.swap(inbox_.lock()->tasks);
    for (Task& task : tasks) {
        try {
            task(*hub_, now);
        } catch (const std::exception& error) {
            log_.error("a task handed to the loop failed: %s; the hub goes on",
                       std::string(error.what()));
        }
    }
}

void EventLoop::stop(std::string reason) {
    inbox_.lock()->stopReason = std::move(reason);
    stopRequested_.store(true);
    const std::uint64_t one = 1;
    [[maybe_unused]] const auto written = write(wakeFd_, &one, sizeof one);
}

void EventLoop::run() {
    loopThread_.bind();
    TimePoint now = Clock::now();
    nextTick_ = now;
    statsRates_.start(now, hub_->stats());
    nextStats_ = now + config_.statsInterval;
    if (metrics_ != nullptr) {
        publishMetrics(now);
    }
    while (true) {
        if (stopRequested_.load() && !shuttingDown_) {
            adoptPending(now);
            const std::string reason = inbox_.lock()->stopReason;
            log_.information("shutting down: saying bye to %z connections", connections_.size());
            hub_->shutdown(reason);
            shuttingDown_ = true;
            shutdownDeadline_ = now + config_.lingerTimeout;
            serviceReady(now);
        }
        if (shuttingDown_ && (connections_.empty() || now >= shutdownDeadline_)) {
            break;
        }
        const int count = waitForEvents(now);
        now = Clock::now();
        handleEvents(count, now);
        hub_->flush();
        // Cheap when nothing is due; it also releases rate-limited frames.
        nextTick_ = hub_->tick(now);
        if (backplane_ != nullptr) {
            nextTick_ = std::min(nextTick_, backplane_->pump(*hub_, now));
        }
        serviceReady(now);
        servicePaced();
        if (hub_->transfersWantTurn()) {
            nextTick_ = now;  // a download takes its next chunks in the next turn
        }
        followInputPause(now);
        expireLingering(now);
        trimHeap(now);
        if (config_.statsInterval.count() > 0 && now >= nextStats_) {
            logStats(now);
        }
        if (metrics_ != nullptr) {
            lag_.observe(Clock::now() - now);
            if (now >= nextPublish_) {
                publishMetrics(now);
            }
        }
    }
    if (!connections_.empty()) {
        log_.warning("closing %z connections that did not finish within the linger time",
                     connections_.size());
    }
    connections_.clear();
    connectionCount_.store(0);
}

int EventLoop::waitForEvents(TimePoint now) {
    TimePoint wake = nextTick_;
    if (config_.statsInterval.count() > 0) {
        wake = std::min(wake, nextStats_);
    }
    if (metrics_ != nullptr) {
        wake = std::min(wake, nextPublish_);
    }
    if (!lingering_.empty()) {
        wake = std::min(wake, now + std::chrono::milliseconds(100));
    }
    if (shuttingDown_) {
        wake = std::min(wake, shutdownDeadline_);
    }
    int count = 0;
    if (!paced_.empty() && nextPacedDue_ < wake && preciseWait_) {
        // A paced member's interval (a millisecond or two): to the
        // microsecond, as a whole-millisecond timeout could add most of
        // another interval to its wait.
        const auto left = std::max(nextPacedDue_ - now, Clock::duration::zero());
        const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(left).count();
        const timespec timeout{static_cast<time_t>(ns / 1'000'000'000),
                               static_cast<long>(ns % 1'000'000'000)};
        count = epoll_pwait2(epollFd_, events_.data(), kMaxEvents, &timeout, nullptr);
        if (count >= 0 || errno == EINTR) {
            return std::max(count, 0);
        }
        if (errno != ENOSYS) {
            throw systemError("epoll_pwait2");
        }
        log_.warning("epoll_pwait2 is not available: IRC send pacing wakes to the millisecond");
        preciseWait_ = false;
    }
    if (!paced_.empty()) {
        wake = std::min(wake, nextPacedDue_);
    }
    int timeoutMs = 0;
    if (wake > now) {
        const auto ms = std::chrono::ceil<std::chrono::milliseconds>(wake - now).count();
        timeoutMs = static_cast<int>(std::min<long long>(ms, 60'000));
    }
    count = epoll_wait(epollFd_, events_.data(), kMaxEvents, timeoutMs);
    if (count < 0 && errno != EINTR) {
        throw systemError("epoll_wait");
    }
    return std::max(count, 0);
}

void EventLoop::adoptPending(TimePoint now) {
    loopThread_.check("EventLoop::adoptPending");
    std::vector<Accepted> accepted;
    accepted.swap(inbox_.lock()->accepted);
    for (Accepted& entry : accepted) {
        const std::string& peer = entry.peer;
        const SessionId id = entry.admission == hermes::hub::Registry::Admission::Admitted
                                 ? hub_->open(peer, now)
                                 : hub_->refuse(peer, entry.admission, now);
        Connection connection;
        connection.transport = std::move(entry.connection);
        connection.reading = !inputPaused_;
        connection.pacer = hermes::irc::IrcSendPacer(connection.transport->sendInterval());
        epoll_event event{};
        event.events = connection.reading ? EPOLLIN | EPOLLRDHUP : 0u;
        event.data.u64 = id;
        if (epoll_ctl(epollFd_, EPOLL_CTL_ADD, connection.transport->fd(), &event) != 0) {
            const int error = errno;
            log_.error("session %?u (%s): cannot watch socket: %s", id, peer, errnoText(error));
            hub_->closed(id, "internal error", now);
            continue;
        }
        auto [it, added] = connections_.emplace(id, std::move(connection));
        if (added && it->second.reading && it->second.transport->bufferedInput()) {
            // Bytes read with an HTTP upgrade: the socket may never be
            // readable again for them. Caught as a connection event is.
            try {
                readFrom(id, it->second, now);
            } catch (const Poco::Exception& error) {
                failConnection(id, error.displayText().c_str());
            } catch (const std::exception& error) {
                failConnection(id, error.what());
            }
        }
    }
    connectionCount_.store(connections_.size(), std::memory_order_relaxed);
}

void EventLoop::handleEvents(int count, TimePoint now) {
    for (int i = 0; i < count; ++i) {
        const epoll_event& event = events_[static_cast<std::size_t>(i)];
        const std::uint64_t token = event.data.u64;
        const bool session = token != kWakeToken && token != kCommitToken && token != kReadsToken &&
                             token != kAccountsToken && token != kFilesToken &&
                             token != kBackplaneToken;
        if (!session) {
            onEvent(token, event.events, now);
            continue;
        }
        try {
            onEvent(token, event.events, now);
        } catch (const Poco::Exception& error) {
            failConnection(token, error.displayText().c_str());
        } catch (const std::exception& error) {
            failConnection(token, error.what());
        }
    }
}

void EventLoop::failConnection(SessionId id, const char* what) {
    loopThread_.check("EventLoop::failConnection");
    log_.error("session %?u: internal error at the edge: %s; closing it, the hub goes on", id,
               std::string(what));
    hub_->closed(id, "internal error", Clock::now());
    drop(id);
}

void EventLoop::onEvent(std::uint64_t token, std::uint32_t events, TimePoint now) {
    loopThread_.check("EventLoop::onEvent");
    if (token == kWakeToken) {
        std::uint64_t value = 0;
        [[maybe_unused]] const auto got = read(wakeFd_, &value, sizeof value);
        if (!shuttingDown_) {
            runTasks(now);
            adoptPending(now);
        }
        return;
    }
    if (token == kCommitToken) {
        // The store's eventfd (a counter): drain it, then release what it committed.
        std::uint64_t value = 0;
        [[maybe_unused]] const auto got = read(hub_->storeCommitFd(), &value, sizeof value);
        hub_->storeCommitted(now);
        return;
    }
    if (token == kReadsToken) {
        hub_->storeReadsDone(now);  // the store resets its eventfd
        return;
    }
    if (token == kAccountsToken) {
        hub_->accountsDone(now);  // the hashing thread resets its eventfd
        return;
    }
    if (token == kBackplaneToken) {
        backplane_->onReady(*hub_, now);
        return;
    }
    if (token == kFilesToken) {
        hub_->filesDone(now);  // the file thread resets its eventfd
        return;
    }
    const SessionId id = token;
    auto it = connections_.find(id);
    if (it == connections_.end()) {
        return;
    }
    Connection& connection = it->second;
    if (connection.lingering) {
        continueLinger(id, connection);
        return;
    }
    if ((events & EPOLLOUT) != 0) {
        writeTo(id, connection, now);
        it = connections_.find(id);
        if (it == connections_.end()) {
            return;
        }
    }
    if ((events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) == 0) {
        return;
    }
    if (!hub_->inputPaused()) {
        readFrom(id, it->second, now);
    } else if ((events & (EPOLLHUP | EPOLLERR)) != 0) {
        // Reported whatever the interest: the peer is gone (or reset). What
        // it sent last is not read while input is paused; none of it was
        // acknowledged.
        hub_->closed(id, "connection closed while the hub's input was paused", now);
        drop(id);
    }
    // Plain EPOLLIN before followInputPause() took it off: read on resume.
}

void EventLoop::readFrom(SessionId id, Connection& connection, TimePoint now) {
    loopThread_.check("EventLoop::readFrom");
    const ClientConnection::Read read = connection.transport->read(readBuffer_);
    switch (read.status) {
        case ClientConnection::Read::Status::Bytes:
            hub_->receive(id, read.bytes, now);
            break;
        case ClientConnection::Read::Status::Nothing:
            break;
        case ClientConnection::Read::Status::Closed:
            // What came before the end first: a Bye among it closes the
            // session with its own reason, and closed() finds it gone.
            if (!read.bytes.empty()) {
                hub_->receive(id, read.bytes, now);
            }
            if (read.handshakeFailed) {
                ++tlsHandshakeFailures_;
            }
            hub_->closed(id, read.why, now);
            if (connection.transport->pendingOutput()) {
                lingerForTransport(id, connection, now);
            } else {
                drop(id);
            }
            return;
    }
    if (connection.transport->pendingOutput() && !connection.writeArmed &&
        !connection.pacer.holding()) {
        armWrite(id, connection, true);  // a pong: written when the socket says writable
    }
}

bool EventLoop::writeTo(SessionId id, Connection& connection, TimePoint now) {
    loopThread_.check("EventLoop::writeTo");
    // The queue is a few segments (shared room blocks, the session's own
    // frames): one gathered write sends them all without joining them first.
    // The transport's own bytes (a WebSocket pong) go even when the hub has
    // nothing for the session.
    ClientConnection& transport = *connection.transport;
    // A paced member (IRC) written less than its interval ago waits: its
    // output stays in the hub's queue, seen there by the queue rules, and
    // servicePaced() writes all of it when the interval is over.
    TimePoint pacedAt{};
    if (connection.pacer.enabled()) {
        pacedAt = Clock::now();
        switch (connection.pacer.ready(pacedAt)) {
            case hermes::irc::IrcSendPacer::Decision::Send:
                break;
            case hermes::irc::IrcSendPacer::Decision::Hold:
                paced_.push_back(id);
                nextPacedDue_ = std::min(nextPacedDue_, connection.pacer.due());
                [[fallthrough]];
            case hermes::irc::IrcSendPacer::Decision::Holding:
                armWrite(id, connection, false);  // the timer, not EPOLLOUT, says when
                return true;
        }
    }
    bool wrote = false;
    std::size_t count = hub_->output(id, writeViews_);
    while (count > 0 || transport.pendingOutput()) {
        const bool own = transport.pendingOutput();
        std::size_t offered = 0;
        for (std::size_t i = 0; i < count; ++i) {
            offered += writeViews_[i].size();
        }
        const ClientConnection::Written written =
            transport.write(std::span<const std::string_view>(writeViews_.data(), count));
        wrote = true;
        if (written.failed) {
            hub_->closed(id, written.why, now);
            drop(id);
            return false;
        }
        if (written.bytes > 0) {
            hub_->consumed(id, written.bytes, now);
        }
        if (written.blocked || (written.bytes == 0 && !own)) {
            break;  // full: EPOLLOUT says when to go on
        }
        // Fewer pieces than asked for were the whole queue: when all of them
        // went, it is empty (the common case, one send per delivery: no
        // second walk of the queue).
        if (count < kMaxPieces && written.bytes == offered) {
            count = 0;
            continue;
        }
        count = hub_->output(id, writeViews_);
    }
    if (wrote && connection.pacer.enabled()) {
        connection.pacer.sent(pacedAt);
    }
    armWrite(id, connection, count > 0 || transport.pendingOutput());
    return false;
}

void EventLoop::servicePaced() {
    loopThread_.check("EventLoop::servicePaced");
    if (paced_.empty()) {
        return;
    }
    const TimePoint now = Clock::now();
    if (now < nextPacedDue_) {
        return;
    }
    // The due ones apart first: a write may drop its connection.
    pacedDue_.clear();
    TimePoint next = TimePoint::max();
    std::size_t kept = 0;
    for (const SessionId id : paced_) {
        const auto it = connections_.find(id);
        if (it == connections_.end() || it->second.lingering || !it->second.pacer.holding()) {
            continue;  // gone, closing (the linger writes its rest), or written since
        }
        const TimePoint due = it->second.pacer.due();
        if (due <= now) {
            pacedDue_.push_back(id);
        } else {
            paced_[kept++] = id;
            next = std::min(next, due);
        }
    }
    paced_.resize(kept);
    nextPacedDue_ = next;
    for (const SessionId id : pacedDue_) {
        const auto it = connections_.find(id);
        if (it != connections_.end() && it->second.pacer.holding()) {
            writeTo(id, it->second, now);
        }
    }
}

void EventLoop::serviceReady(TimePoint now) {
    loopThread_.check("EventLoop::serviceReady");
    writable_.clear();
    closing_.clear();
    hub_->takeReady(writable_, closing_);
    // Indexed: a look at the input may append sessions it gave output to.
    // Only the sessions the pass began with are followed by such looks, so a
    // pass ends even while input keeps arriving.
    // A session its pacer holds costs no send, so it does not count towards
    // the next look: a pass over a room of held IRC members is quick.
    const std::size_t lookUntil = shuttingDown_ ? 0 : writable_.size();
    std::size_t counted = 0;
    for (std::size_t i = 0; i < writable_.size(); ++i) {
        const SessionId id = writable_[i];
        auto it = connections_.find(id);
        if (it != connections_.end() && !it->second.lingering && writeTo(id, it->second, now)) {
            continue;
        }
        ++counted;
        if (i + 1 < lookUntil && counted % kWritesPerInputLook == 0) {
            now = takeInputDuringPass(now);
        }
    }
    for (auto& closing : closing_) {
        startLinger(closing, now);
    }
}

EventLoop::TimePoint EventLoop::takeInputDuringPass(TimePoint now) {
    if (hub_->inputPaused()) {
        return now;
    }
    const int count = epoll_wait(epollFd_, events_.data(), kMaxEvents, 0);
    if (count <= 0) {
        return now;
    }
    now = Clock::now();
    handleEvents(count, now);
    hub_->flush();
    hub_->takeReady(writable_, closing_);
    return now;
}

void EventLoop::startLinger(hermes::hub::Closing& closing, TimePoint now) {
    auto it = connections_.find(closing.id);
    if (it == connections_.end()) {
        return;
    }
    Connection& connection = it->second;
    if (connection.lingering) {
        // The transport ended the session in the same read in which the hub
        // decided to close it (a WebSocket's Bye, then its close frame): the
        // transport's last words are queued already, and nothing of the
        // hub's may follow them.
        return;
    }
    log_.debug("session %?u: closing (%s)", closing.id, std::string(closing.reason));
    connection.lingering = true;
    if (!connection.reading) {
        watch(closing.id, connection, true, connection.writeArmed);  // to see the peer's close
    }
    connection.rest = std::move(closing.lastBytes);
    connection.cause = closing.cause;
    connection.lingerDeadline = now + config_.lingerTimeout;
    lingering_.push_back(closing.id);
    continueLinger(closing.id, connection);
}

void EventLoop::lingerForTransport(SessionId id, Connection& connection, TimePoint now) {
    loopThread_.check("EventLoop::lingerForTransport");
    connection.lingering = true;
    connection.farewellSaid = true;  // the transport queued its own last words
    connection.rest.clear();
    connection.lingerDeadline = now + config_.lingerTimeout;
    if (!connection.reading) {
        watch(id, connection, true, connection.writeArmed);  // to see the peer's close
    }
    lingering_.push_back(id);
    continueLinger(id, connection);
}

void EventLoop::continueLinger(SessionId id, Connection& connection) {
    loopThread_.check("EventLoop::continueLinger");
    ClientConnection& transport = *connection.transport;
    // Write what is left, then the transport's own last words (farewell: a
    // WebSocket close frame); then half-close, and wait for the peer's close
    // so that our last frame is not destroyed by a reset.
    while (!connection.writeClosed) {
        if (connection.rest.empty() && !transport.pendingOutput()) {
            if (!connection.farewellSaid) {
                connection.farewellSaid = true;
                transport.farewell(connection.cause);
                continue;
            }
            armWrite(id, connection, false);
            transport.closeWrite();
            connection.writeClosed = true;
            break;
        }
        const bool own = transport.pendingOutput();
        const std::string_view rest = connection.rest;
        const ClientConnection::Written written =
            transport.write(std::span<const std::string_view>(&rest, rest.empty() ? 0 : 1));
        if (written.failed) {
            drop(id);
            return;
        }
        connection.rest.erase(0, written.bytes);
        if (written.blocked) {
            armWrite(id, connection, true);
            break;
        }
        if (written.bytes == 0 && !own) {
            drop(id);  // the transport cannot take these bytes at all
            return;
        }
    }
    // Discard whatever the peer still sends; its close ends the linger.
    // Bounded: each pass takes a read's worth, and the peer's close ends it.
    while (true) {
        const ClientConnection::Read read = transport.read(readBuffer_);
        if (read.status == ClientConnection::Read::Status::Bytes) {
            continue;
        }
        if (read.status == ClientConnection::Read::Status::Nothing) {
            return;
        }
        drop(id);
        return;
    }
}

void EventLoop::expireLingering(TimePoint now) {
    if (lingering_.empty()) {
        return;
    }
    std::erase_if(lingering_, [&](SessionId id) {
        auto it = connections_.find(id);
        if (it == connections_.end()) {
            return true;
        }
        if (now >= it->second.lingerDeadline) {
            drop(id);
            return true;
        }
        return false;
    });
}

void EventLoop::armWrite(SessionId id, Connection& connection, bool wantWrite) {
    if (connection.writeArmed != wantWrite) {
        watch(id, connection, connection.reading, wantWrite);
    }
}

bool EventLoop::watch(SessionId id, Connection& connection, bool reading, bool writing) {
    epoll_event event{};
    event.events = (reading ? EPOLLIN | EPOLLRDHUP : 0u) | (writing ? EPOLLOUT : 0u);
    event.data.u64 = id;
    if (epoll_ctl(epollFd_, EPOLL_CTL_MOD, connection.transport->fd(), &event) != 0) {
        return false;
    }
    connection.reading = reading;
    connection.writeArmed = writing;
    return true;
}

void EventLoop::followInputPause(TimePoint now) {
    const bool paused = hub_->inputPaused();
    if (paused == inputPaused_) {
        return;
    }
    inputPaused_ = paused;
    if (!paused) {
        nextTick_ = now;  // what waited undecoded goes on at the next turn, not the next timer
    }
    // One epoll_ctl per connection (about a microsecond each); pauses are
    // rare, and the hub's hysteresis keeps them apart. A connection whose
    // interest cannot be changed is closed: left reading while paused, its
    // level-triggered EPOLLIN would wake the loop in a spin; left unread
    // after a resume, it would never be heard again.
    std::vector<std::pair<SessionId, int>> failed;
    for (auto& [id, connection] : connections_) {
        if (!connection.lingering && !watch(id, connection, !paused, connection.writeArmed)) {
            failed.emplace_back(id, errno);
        }
    }
    log_.information("%s reading %z connections", std::string(paused ? "stopped" : "resumed"),
                     connections_.size() - failed.size());
    for (const auto& [id, error] : failed) {
        log_.error(
            "session %?u: cannot %s watching its socket for input (epoll_ctl: %s); closing it", id,
            std::string(paused ? "stop" : "resume"), errnoText(error));
        hub_->closed(id, "internal error", now);
        drop(id);
    }
    if (!paused) {
        readBufferedInput(now);
    }
}

void EventLoop::readBufferedInput(TimePoint now) {
    // A connection adopted while input was paused may hold bytes it read
    // before the loop had it (a WebSocket's Hello sent with its upgrade):
    // they are not in the socket, so no EPOLLIN will say so. Read them now.
    // Ids first: a read may end a session and drop its connection.
    std::vector<SessionId> buffered;
    for (const auto& [id, connection] : connections_) {
        if (!connection.lingering && connection.reading && connection.transport->bufferedInput()) {
            buffered.push_back(id);
        }
    }
    for (const SessionId id : buffered) {
        auto it = connections_.find(id);
        if (it == connections_.end()) {
            continue;
        }
        // Caught as a connection event is.
        try {
            readFrom(id, it->second, now);
        } catch (const Poco::Exception& error) {
            failConnection(id, error.displayText().c_str());
        } catch (const std::exception& error) {
            failConnection(id, error.what());
        }
    }
}

void EventLoop::drop(SessionId id) {
    auto it = connections_.find(id);
    if (it == connections_.end()) {
        return;
    }
    epoll_ctl(epollFd_, EPOLL_CTL_DEL, it->second.transport->fd(), nullptr);
    connections_.erase(it);  // the connection closes its descriptor
    connectionCount_.store(connections_.size(), std::memory_order_relaxed);
}

void EventLoop::trimHeap(TimePoint now) {
    // Idle sessions free their buffers, but glibc keeps freed memory in the
    // heap: after a burst (a join storm, a big broadcast) thousands of idle
    // clients would keep the hub's peak size. Hand it back to the kernel.
    const std::uint64_t released = hub_->stats().bytesReleased;
    if (released - releasedAtTrim_ < kTrimAfterBytes || now < nextTrim_) {
        return;
    }
#ifdef __GLIBC__
    malloc_trim(0);
#endif
    releasedAtTrim_ = released;
    nextTrim_ = now + std::chrono::seconds(1);
}

void EventLoop::logStats(TimePoint now) {
    const auto& stats = hub_->stats();
    const hermes::hub::Rates rates = statsRates_.sample(now, stats);
    std::ostringstream disconnects;
    for (const auto& [reason, count] : stats.disconnects) {
        disconnects << (disconnects.tellp() > 0 ? "," : "") << reason << '=' << count;
    }
    const auto& memory = hub_->outputMemory();
    log_.information(
        "stats: clients=%?u connections=%?u rooms=%?u in=%.1f/s deliveries=%.1f/s queued=%?uB "
        "output_memory=%zB peak=%zB input_pauses=%?u typing=%?u dropped=%?u skipped_slow=%?u "
        "disconnects={%s}",
        stats.clients, stats.connections, stats.rooms, rates.messagesInPerSecond,
        rates.deliveriesPerSecond, stats.bytesQueued, memory.bytes(), memory.peak(),
        stats.inputPauses, stats.typingNotices, stats.typingDropped, stats.typingSkippedSlow,
        disconnects.str());
    nextStats_ = now + config_.statsInterval;
}

void EventLoop::publishMetrics(TimePoint now) {
    loopThread_.check("EventLoop::publishMetrics");
    auto figures = std::make_shared<MetricsSnapshot>();
    figures->stats = hub_->stats();
    for (const auto& [id, connection] : connections_) {
        if (!connection.lingering) {
            ++figures->connections[static_cast<std::size_t>(
                transportOf(connection.transport->kind()))];
        }
    }
    figures->loopLag = lag_;
    figures->tlsHandshakeFailures = tlsHandshakeFailures_;
    figures->commitLatency = hub_->storeCommitLatency();
    figures->storeBacklog = hub_->storeBacklog();
    figures->heldMessages = hub_->heldMessages();
    figures->outputMemoryBytes = hub_->outputMemory().bytes();
    figures->persistent = hub_->storeCommitFd() >= 0;
    metrics_->publish(std::move(figures));
    nextPublish_ = now + std::chrono::seconds(1);
}

}  // namespace hermesd

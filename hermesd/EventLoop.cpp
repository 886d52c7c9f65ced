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
constexpr std::size_t kReadChunk = 64 * 1024;
constexpr int kMaxEvents = 256;
// A write pass looks at the sockets' input after this many sessions (see
// takeInputDuringPass): one epoll_wait(0), ~1 % of eight sends.
constexpr std::size_t kWritesPerInputLook = 8;

std::system_error systemError(const char* what) {
    return std::system_error(errno, std::generic_category(), what);
}

std::string errnoText(int error) {
    return std::generic_category().message(error);
}

}  // namespace

EventLoop::EventLoop(std::unique_ptr<hermes::hub::Hub> hub, EdgeConfig config)
    : hub_(std::move(hub)),
      config_(std::move(config)),
      log_(Poco::Logger::get("hermesd.loop")),
      readBuffer_(kReadChunk),
      events_(kMaxEvents) {
    epollFd_ = epoll_create1(EPOLL_CLOEXEC);
    if (epollFd_ < 0) {
        throw systemError("epoll_create1");
    }
    wakeFd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (wakeFd_ < 0) {
        close(epollFd_);
        throw systemError("eventfd");
    }
    epoll_event event{};
    event.events = EPOLLIN;
    event.data.u64 = kWakeToken;
    if (epoll_ctl(epollFd_, EPOLL_CTL_ADD, wakeFd_, &event) != 0) {
        close(wakeFd_);
        close(epollFd_);
        throw systemError("epoll_ctl(eventfd)");
    }
    if (const int commitFd = hub_->storeCommitFd(); commitFd >= 0) {
        epoll_event commit{};
        commit.events = EPOLLIN;
        commit.data.u64 = kCommitToken;
        if (epoll_ctl(epollFd_, EPOLL_CTL_ADD, commitFd, &commit) != 0) {
            close(wakeFd_);
            close(epollFd_);
            throw systemError("epoll_ctl(history commit eventfd)");
        }
    }
    if (const int readFd = hub_->storeReadFd(); readFd >= 0) {
        epoll_event reads{};
        reads.events = EPOLLIN;
        reads.data.u64 = kReadsToken;
        if (epoll_ctl(epollFd_, EPOLL_CTL_ADD, readFd, &reads) != 0) {
            close(wakeFd_);
            close(epollFd_);
            throw systemError("epoll_ctl(history reads eventfd)");
        }
    }
}

EventLoop::~EventLoop() {
    connections_.clear();
    close(wakeFd_);
    close(epollFd_);
}

void EventLoop::adopt(Poco::Net::StreamSocket socket, std::string peer) {
    {
        std::lock_guard lock(pendingMutex_);
        pending_.emplace_back(std::move(socket), std::move(peer));
    }
    const std::uint64_t one = 1;
    [[maybe_unused]] const auto written = write(wakeFd_, &one, sizeof one);
}

void EventLoop::stop(std::string reason) {
    {
        std::lock_guard lock(pendingMutex_);
        stopReason_ = std::move(reason);
    }
    stopRequested_.store(true);
    const std::uint64_t one = 1;
    [[maybe_unused]] const auto written = write(wakeFd_, &one, sizeof one);
}

void EventLoop::run() {
    TimePoint now = Clock::now();
    nextTick_ = now;
    statsSince_ = now;
    nextStats_ = now + config_.statsInterval;
    while (true) {
        if (stopRequested_.load() && !shuttingDown_) {
            adoptPending(now);
            std::string reason;
            {
                std::lock_guard lock(pendingMutex_);
                reason = stopReason_;
            }
            log_.information("shutting down: saying bye to %z connections", connections_.size());
            hub_->shutdown(reason);
            shuttingDown_ = true;
            shutdownDeadline_ = now + config_.lingerTimeout;
            serviceReady(now);
        }
        if (shuttingDown_ && (connections_.empty() || now >= shutdownDeadline_)) {
            break;
        }
        const int count = epoll_wait(epollFd_, events_.data(), kMaxEvents, waitTimeoutMs(now));
        if (count < 0 && errno != EINTR) {
            throw systemError("epoll_wait");
        }
        now = Clock::now();
        handleEvents(count, now);
        hub_->flush();
        // Cheap when nothing is due; it also releases rate-limited frames.
        nextTick_ = hub_->tick(now);
        serviceReady(now);
        followInputPause();
        expireLingering(now);
        trimHeap(now);
        if (config_.statsInterval.count() > 0 && now >= nextStats_) {
            logStats(now);
        }
    }
    if (!connections_.empty()) {
        log_.warning("closing %z connections that did not finish within the linger time",
                     connections_.size());
    }
    connections_.clear();
    connectionCount_.store(0);
}

int EventLoop::waitTimeoutMs(TimePoint now) const {
    TimePoint wake = nextTick_;
    if (config_.statsInterval.count() > 0) {
        wake = std::min(wake, nextStats_);
    }
    if (!lingering_.empty()) {
        wake = std::min(wake, now + std::chrono::milliseconds(100));
    }
    if (shuttingDown_) {
        wake = std::min(wake, shutdownDeadline_);
    }
    if (wake <= now) {
        return 0;
    }
    const auto ms = std::chrono::ceil<std::chrono::milliseconds>(wake - now).count();
    return static_cast<int>(std::min<long long>(ms, 60'000));
}

void EventLoop::adoptPending(TimePoint now) {
    std::vector<std::pair<Poco::Net::StreamSocket, std::string>> accepted;
    {
        std::lock_guard lock(pendingMutex_);
        accepted.swap(pending_);
    }
    for (auto& [socket, peer] : accepted) {
        const SessionId id = hub_->open(peer, now);
        Connection connection;
        connection.fd = socket.impl()->sockfd();
        connection.socket = std::move(socket);
        connection.reading = !inputPaused_;
        epoll_event event{};
        event.events = connection.reading ? EPOLLIN | EPOLLRDHUP : 0u;
        event.data.u64 = id;
        if (epoll_ctl(epollFd_, EPOLL_CTL_ADD, connection.fd, &event) != 0) {
            const int error = errno;
            log_.error("session %?u (%s): cannot watch socket: %s", id, peer, errnoText(error));
            hub_->closed(id, "internal error", now);
            continue;
        }
        connections_.emplace(id, std::move(connection));
    }
    connectionCount_.store(connections_.size(), std::memory_order_relaxed);
}

void EventLoop::handleEvents(int count, TimePoint now) {
    for (int i = 0; i < count; ++i) {
        const epoll_event& event = events_[static_cast<std::size_t>(i)];
        onEvent(event.data.u64, event.events, now);
    }
}

void EventLoop::onEvent(std::uint64_t token, std::uint32_t events, TimePoint now) {
    if (token == kWakeToken) {
        std::uint64_t value = 0;
        [[maybe_unused]] const auto got = read(wakeFd_, &value, sizeof value);
        if (!shuttingDown_) {
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
    const ssize_t n = recv(connection.fd, readBuffer_.data(), readBuffer_.size(), 0);
    if (n > 0) {
        hub_->receive(id, std::string_view(readBuffer_.data(), static_cast<std::size_t>(n)), now);
        return;
    }
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
        return;
    }
    const std::string why = n == 0 ? "connection closed" : errnoText(errno);
    hub_->closed(id, why, now);
    drop(id);
}

void EventLoop::writeTo(SessionId id, Connection& connection, TimePoint now) {
    // The queue is a few segments (shared room blocks, the session's own
    // frames): one gathered write sends them all without joining them first.
    std::size_t count = hub_->output(id, writeViews_);
    while (count > 0) {
        ssize_t n = 0;
        if (count == 1) {
            // The common case (one room's run of frames): skip the iovec import.
            n = send(connection.fd, writeViews_[0].data(), writeViews_[0].size(), MSG_NOSIGNAL);
        } else {
            for (std::size_t i = 0; i < count; ++i) {
                writeIovecs_[i].iov_base = const_cast<char*>(writeViews_[i].data());
                writeIovecs_[i].iov_len = writeViews_[i].size();
            }
            msghdr message{};
            message.msg_iov = writeIovecs_.data();
            message.msg_iovlen = count;
            n = sendmsg(connection.fd, &message, MSG_NOSIGNAL);
        }
        if (n > 0) {
            hub_->consumed(id, static_cast<std::size_t>(n), now);
            count = hub_->output(id, writeViews_);
            continue;
        }
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            break;
        }
        hub_->closed(id, errnoText(errno), now);
        drop(id);
        return;
    }
    armWrite(id, connection, count > 0);
}

void EventLoop::serviceReady(TimePoint now) {
    writable_.clear();
    closing_.clear();
    hub_->takeReady(writable_, closing_);
    // Indexed: a look at the input may append sessions it gave output to.
    // Only the sessions the pass began with are followed by such looks, so a
    // pass ends even while input keeps arriving.
    const std::size_t lookUntil = shuttingDown_ ? 0 : writable_.size();
    for (std::size_t i = 0; i < writable_.size(); ++i) {
        const SessionId id = writable_[i];
        auto it = connections_.find(id);
        if (it != connections_.end() && !it->second.lingering) {
            writeTo(id, it->second, now);
        }
        if (i + 1 < lookUntil && (i + 1) % kWritesPerInputLook == 0) {
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
    log_.debug("session %?u: closing (%s)", closing.id, std::string(closing.reason));
    connection.lingering = true;
    if (!connection.reading) {
        watch(closing.id, connection, true, connection.writeArmed);  // to see the peer's close
    }
    connection.rest = std::move(closing.lastBytes);
    connection.lingerDeadline = now + config_.lingerTimeout;
    lingering_.push_back(closing.id);
    continueLinger(closing.id, connection);
}

void EventLoop::continueLinger(SessionId id, Connection& connection) {
    // Write what is left; then half-close, and wait for the peer's close so
    // that our last frame is not destroyed by a reset.
    while (!connection.rest.empty()) {
        const ssize_t n =
            send(connection.fd, connection.rest.data(), connection.rest.size(), MSG_NOSIGNAL);
        if (n > 0) {
            connection.rest.erase(0, static_cast<std::size_t>(n));
            if (connection.rest.empty()) {
                ::shutdown(connection.fd, SHUT_WR);
            }
            continue;
        }
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
            armWrite(id, connection, true);
            break;
        }
        drop(id);
        return;
    }
    if (connection.rest.empty()) {
        armWrite(id, connection, false);
        ::shutdown(connection.fd, SHUT_WR);
    }
    // Discard whatever the peer still sends; its close ends the linger.
    while (true) {
        const ssize_t n = recv(connection.fd, readBuffer_.data(), readBuffer_.size(), 0);
        if (n > 0) {
            continue;
        }
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
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
    if (epoll_ctl(epollFd_, EPOLL_CTL_MOD, connection.fd, &event) != 0) {
        return false;
    }
    connection.reading = reading;
    connection.writeArmed = writing;
    return true;
}

void EventLoop::followInputPause() {
    const bool paused = hub_->inputPaused();
    if (paused == inputPaused_) {
        return;
    }
    inputPaused_ = paused;
    // One epoll_ctl per connection (about a microsecond each); pauses are
    // rare, and the hub's hysteresis keeps them apart.
    for (auto& [id, connection] : connections_) {
        if (!connection.lingering) {
            watch(id, connection, !paused, connection.writeArmed);
        }
    }
    log_.information("%s reading %z connections", std::string(paused ? "stopped" : "resumed"),
                     connections_.size());
}

void EventLoop::drop(SessionId id) {
    auto it = connections_.find(id);
    if (it == connections_.end()) {
        return;
    }
    epoll_ctl(epollFd_, EPOLL_CTL_DEL, it->second.fd, nullptr);
    connections_.erase(it);  // the StreamSocket closes the descriptor
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
    const double seconds = std::chrono::duration<double>(now - statsSince_).count();
    const double inRate =
        seconds > 0 ? static_cast<double>(stats.messagesIn - statsMessagesIn_) / seconds : 0.0;
    const double outRate =
        seconds > 0 ? static_cast<double>(stats.deliveries - statsDeliveries_) / seconds : 0.0;
    std::ostringstream disconnects;
    for (const auto& [reason, count] : stats.disconnects) {
        disconnects << (disconnects.tellp() > 0 ? "," : "") << reason << '=' << count;
    }
    const auto& memory = hub_->outputMemory();
    log_.information(
        "stats: clients=%?u connections=%?u rooms=%?u in=%.1f/s deliveries=%.1f/s queued=%?uB "
        "output_memory=%zB peak=%zB input_pauses=%?u disconnects={%s}",
        stats.clients, stats.connections, stats.rooms, inRate, outRate, stats.bytesQueued,
        memory.bytes(), memory.peak(), stats.inputPauses, disconnects.str());
    statsSince_ = now;
    statsMessagesIn_ = stats.messagesIn;
    statsDeliveries_ = stats.deliveries;
    nextStats_ = now + config_.statsInterval;
}

}  // namespace hermesd

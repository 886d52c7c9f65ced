#include "LoadGenerator.hpp"

#include <arpa/inet.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <iostream>
#include <set>
#include <stdexcept>
#include <system_error>

#include "EnvelopeScan.hpp"
#include "Payload.hpp"
#include "ProcSample.hpp"
#include "hermes/codec/FrameDecoder.hpp"
#include "hermes/protocol/Limits.hpp"

namespace hermes::bench {

namespace {

constexpr std::uint64_t kTimerTag = UINT64_MAX;
constexpr std::uint64_t kNsPerSecond = 1'000'000'000;
constexpr double kMaxQuietWaitSeconds = 60;
constexpr double kWhoWaitSeconds = 10;
constexpr std::size_t kScratchBytes = 256 * 1024;

std::uint64_t monotonicNs() {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<std::uint64_t>(ts.tv_sec) * kNsPerSecond +
           static_cast<std::uint64_t>(ts.tv_nsec);
}

double seconds(std::uint64_t ns) {
    return static_cast<double>(ns) / 1e9;
}
double millis(std::uint64_t ns) {
    return static_cast<double>(ns) / 1e6;
}

double ownCpuSeconds() {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
           static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

// The room name check runs per delivery: a byte loop over a few bytes is
// cheaper than the memcmp call that string equality makes.
bool sameBytes(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) {
        return false;
    }
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (a[i] != b[i]) {
            return false;
        }
    }
    return true;
}

std::runtime_error systemError(const std::string& what) {
    return std::runtime_error(what + ": " + std::strerror(errno));
}

}  // namespace

LoadGenerator::LoadGenerator(BenchOptions options)
    : options_(std::move(options)), scratch_(kScratchBytes) {
    if (options_.nickPrefix == "b") {
        // Distinct per process, so that a run right after another on the same
        // hub does not collide with nicks the hub has not yet released.
        options_.nickPrefix = "b" + std::to_string(getpid() % 100000) + "_";
    }
    if (options_.tls) {
        tlsContext_.emplace(hermes::tls::TlsContext::client());
    }
}

LoadGenerator::~LoadGenerator() {
    clients_.clear();
    if (timer_ >= 0) {
        ::close(timer_);
    }
    if (epoll_ >= 0) {
        ::close(epoll_);
    }
}

void LoadGenerator::note(const std::string& text) {
    notes_.push_back(text);
    if (options_.verbose) {
        std::cerr << "hermes-bench: " << text << '\n';
    }
}

void LoadGenerator::raiseFileLimit(int sockets) {
    const auto need = static_cast<rlim_t>(sockets) + 64;
    rlimit limit{};
    if (getrlimit(RLIMIT_NOFILE, &limit) != 0) {
        throw systemError("getrlimit(RLIMIT_NOFILE)");
    }
    if (limit.rlim_cur >= need) {
        return;
    }
    rlimit wanted{need, std::max(need, limit.rlim_max)};
    if (setrlimit(RLIMIT_NOFILE, &wanted) != 0) {
        // Not privileged to raise the hard limit: take what it allows.
        wanted = rlimit{std::min(need, limit.rlim_max), limit.rlim_max};
        setrlimit(RLIMIT_NOFILE, &wanted);
    }
    getrlimit(RLIMIT_NOFILE, &limit);
    if (limit.rlim_cur < need) {
        throw std::runtime_error("need " + std::to_string(need) +
                                 " file descriptors, RLIMIT_NOFILE allows " +
                                 std::to_string(limit.rlim_cur) + " (raise it with ulimit -n)");
    }
}

void LoadGenerator::resolveAddress() {
    const std::string host = options_.host == "localhost" ? "127.0.0.1" : options_.host;
    for (const std::uint16_t port : options_.ports) {
        Address address;
        auto* v4 = reinterpret_cast<sockaddr_in*>(&address.storage);
        auto* v6 = reinterpret_cast<sockaddr_in6*>(&address.storage);
        if (inet_pton(AF_INET, host.c_str(), &v4->sin_addr) == 1) {
            v4->sin_family = AF_INET;
            v4->sin_port = htons(port);
            address.length = sizeof(sockaddr_in);
        } else if (inet_pton(AF_INET6, host.c_str(), &v6->sin6_addr) == 1) {
            v6->sin6_family = AF_INET6;
            v6->sin6_port = htons(port);
            address.length = sizeof(sockaddr_in6);
        } else {
            throw std::runtime_error("--host wants a numeric IP address, not '" + options_.host +
                                     "'");
        }
        addresses_.push_back(address);
    }
}

bool LoadGenerator::pastDeadline() const {
    return monotonicNs() >= deadlineNs_;
}

int LoadGenerator::msUntilDeadline(int capMs) const {
    const std::uint64_t now = monotonicNs();
    if (now >= deadlineNs_) {
        return 0;
    }
    const std::uint64_t left = (deadlineNs_ - now) / 1'000'000 + 1;
    return static_cast<int>(std::min<std::uint64_t>(left, static_cast<std::uint64_t>(capMs)));
}

BenchResult LoadGenerator::run() {
    resolveAddress();
    raiseFileLimit(options_.clients);
    epoll_ = epoll_create1(EPOLL_CLOEXEC);
    if (epoll_ < 0) {
        throw systemError("epoll_create1");
    }
    timer_ = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    if (timer_ < 0) {
        throw systemError("timerfd_create");
    }
    epoll_event event{};
    event.events = EPOLLIN;
    event.data.u64 = kTimerTag;
    if (epoll_ctl(epoll_, EPOLL_CTL_ADD, timer_, &event) != 0) {
        throw systemError("epoll_ctl(timerfd)");
    }
    clients_.reserve(static_cast<std::size_t>(options_.clients));
    for (int i = 0; i < options_.clients; ++i) {
        clients_.push_back(std::make_unique<BenchClient>(i));
    }

    startNs_ = monotonicNs();
    deadlineNs_ = startNs_ + static_cast<std::uint64_t>(options_.timeout * 1e9);
    const double cpu0 = ownCpuSeconds();
    BenchResult result;
    result.options = options_;
    if (options_.mode == Mode::Idle) {
        runIdle(result);
    } else {
        runFanout(result);
    }
    result.benchCpuSeconds = ownCpuSeconds() - cpu0;
    result.errors = errors_;
    result.disconnects = disconnects_;
    result.connectFailures = connectFailures_;
    result.joined = joined_;
    for (const auto& client : clients_) {
        result.connected += client->state == ClientState::Joined ? 1 : 0;
    }
    result.notes = notes_;
    measuring_ = false;
    for (auto& client : clients_) {
        client->close();
    }
    return result;
}

// ---------------------------------------------------------------------------
// connections
// ---------------------------------------------------------------------------

bool LoadGenerator::openClient(BenchClient& client) {
    const Address& hub = addresses_[static_cast<std::size_t>(client.index()) % addresses_.size()];
    if (!client.startConnect(hub.storage, hub.length)) {
        ++connectFailures_;
        if (reported_++ < kMaxReportedErrors) {
            std::cerr << "hermes-bench: client " << client.index()
                      << ": connect: " << std::strerror(errno) << '\n';
        }
        client.close();
        return false;
    }
    epoll_event event{};
    event.events = EPOLLIN | EPOLLOUT;
    event.data.u64 = static_cast<std::uint64_t>(client.index());
    if (epoll_ctl(epoll_, EPOLL_CTL_ADD, client.fd(), &event) != 0) {
        throw systemError("epoll_ctl(ADD)");
    }
    client.wantWrite = true;
    ++handshaking_;
    return true;
}

void LoadGenerator::updateInterest(BenchClient& client, bool wantWrite) {
    if (client.fd() < 0 || client.wantWrite == wantWrite) {
        return;
    }
    epoll_event event{};
    event.events = EPOLLIN | (wantWrite ? EPOLLOUT : 0u);
    event.data.u64 = static_cast<std::uint64_t>(client.index());
    epoll_ctl(epoll_, EPOLL_CTL_MOD, client.fd(), &event);
    client.wantWrite = wantWrite;
}

void LoadGenerator::fail(BenchClient& client, const std::string& why) {
    if (client.state == ClientState::Closed) {
        return;
    }
    if (client.state == ClientState::Connecting || client.state == ClientState::Handshaking ||
        client.state == ClientState::Joining) {
        --handshaking_;
    } else if (client.state == ClientState::Joined) {
        --joined_;
    }
    ++disconnects_;
    if (reported_++ < kMaxReportedErrors) {
        std::cerr << "hermes-bench: client " << client.index() << " (" << options_.nickPrefix
                  << client.index() << "): " << why << '\n';
    }
    client.close();
}

void LoadGenerator::markDirty(BenchClient& client) {
    if (!client.dirty) {
        client.dirty = true;
        dirty_.push_back(&client);
    }
}

void LoadGenerator::flushDirty() {
    for (BenchClient* client : dirty_) {
        client->dirty = false;
        if (client->fd() < 0 || client->state == ClientState::Connecting) {
            continue;
        }
        bool blocked = false;
        if (!client->flush(blocked)) {
            fail(*client, std::string("send: ") + std::strerror(errno));
            continue;
        }
        updateInterest(*client, blocked);
    }
    dirty_.clear();
}

bool LoadGenerator::connectAndJoin(int count) {
    int next = 0;
    std::uint64_t lastReport = monotonicNs();
    for (;;) {
        while (next < count && handshaking_ < options_.concurrency) {
            openClient(*clients_[static_cast<std::size_t>(next++)]);
        }
        int closed = 0;
        if (next == count) {
            for (int i = 0; i < count; ++i) {
                closed += clients_[static_cast<std::size_t>(i)]->state == ClientState::Closed;
            }
            if (joined_ + closed >= count) {
                break;
            }
        }
        if (pastDeadline()) {
            note("join phase timed out: " + std::to_string(joined_) + " of " +
                 std::to_string(count) + " joined");
            return false;
        }
        loopOnce(msUntilDeadline(50));
        const std::uint64_t now = monotonicNs();
        if (options_.verbose && now - lastReport > kNsPerSecond) {
            std::cerr << "hermes-bench: " << next << " opened, " << joined_ << " joined\n";
            lastReport = now;
        }
    }
    return joined_ == count;
}

// ---------------------------------------------------------------------------
// the loop
// ---------------------------------------------------------------------------

void LoadGenerator::loopOnce(int timeoutMs) {
    epoll_event events[kEpollBatch];
    const int n = epoll_wait(epoll_, events, kEpollBatch, timeoutMs);
    if (n < 0 && errno != EINTR) {
        throw systemError("epoll_wait");
    }
    for (int i = 0; i < n; ++i) {
        if (events[i].data.u64 == kTimerTag) {
            std::uint64_t expirations = 0;
            [[maybe_unused]] const ssize_t r = ::read(timer_, &expirations, sizeof expirations);
            continue;  // the pump below sends what is due
        }
        auto& client = *clients_[static_cast<std::size_t>(events[i].data.u64)];
        onEvent(client, events[i].events);
    }
    if (measuring_) {
        if (options_.mode == Mode::Throughput) {
            pumpThroughput();
        } else if (options_.mode == Mode::Latency) {
            pumpLatency();
        }
    }
    flushDirty();
}

void LoadGenerator::onEvent(BenchClient& client, std::uint32_t events) {
    if (client.state == ClientState::Closed) {
        return;
    }
    if (client.state == ClientState::Connecting) {
        if ((events & (EPOLLOUT | EPOLLERR | EPOLLHUP)) == 0) {
            return;
        }
        if (const int error = client.connectResult(); error != 0) {
            ++connectFailures_;
            fail(client, std::string("connect: ") + std::strerror(error));
            return;
        }
        client.state = ClientState::Handshaking;
        if (tlsContext_) {
            client.startTls(*tlsContext_);
        }
        if (options_.webSocket) {
            client.startWebSocket(WebSocketStream::upgradeRequest(
                options_.host,
                options_.ports[static_cast<std::size_t>(client.index()) % options_.ports.size()]));
        }
        hermes::v1::Envelope hello;
        auto* body = hello.mutable_hello();
        body->set_protocol_version(hermes::protocol::kProtocolVersion);
        body->set_nick(options_.nickPrefix + std::to_string(client.index()));
        body->set_client_name("hermes-bench");
        client.queue(hello);
        markDirty(client);
        return;
    }
    if ((events & (EPOLLIN | EPOLLHUP | EPOLLERR)) != 0) {
        onReadable(client);
    }
    if ((events & EPOLLOUT) != 0 && client.state != ClientState::Closed) {
        markDirty(client);
    }
}

void LoadGenerator::onReadable(BenchClient& client) {
    // Frames are handled straight from scratch_ after each recv(), and the
    // clock is read once per recv() for every frame in it.
    const auto onFrame = [this, &client](std::string_view payload) {
        handleFrame(client, payload);
        return client.state != ClientState::Closed;
    };
    std::size_t total = 0;
    while (total < kReadBudget) {
        const long n = client.receive(scratch_.data(), scratch_.size());
        if (n > 0) {
            nowNs_ = monotonicNs();
            lastRxNs_ = nowNs_;
            const auto got = static_cast<std::size_t>(n);
            total += got;
            client.feed(std::string_view(scratch_.data(), got), onFrame);
            if (client.state == ClientState::Closed) {
                return;
            }
            if (client.failed()) {
                fail(client, client.failure());
                return;
            }
            if (client.hasOutput()) {
                markDirty(client);  // --ws: what waited for the 101
            }
            if (got < scratch_.size()) {
                return;  // drained; save a recv() that would fail
            }
            continue;
        }
        if (n == 0) {
            fail(client, "connection closed by the hub");
        } else if (errno != EAGAIN && errno != EWOULDBLOCK) {
            fail(client, std::string("recv: ") + std::strerror(errno));
        }
        return;
    }
}

void LoadGenerator::handleFrame(BenchClient& client, std::string_view payload) {
    ScannedBody body;
    if (!scanEnvelope(payload, body)) {
        fail(client, "undecodable frame from the hub");
        return;
    }
    switch (static_cast<BodyType>(body.field)) {
        case BodyType::Message:
            handleMessage(client, body.bytes);
            return;
        case BodyType::MembersPage:
            handleMembersPage(client, body.bytes);
            return;
        case BodyType::Presence:
        case BodyType::HistoryPage:
        case BodyType::Pong:
            return;  // join storms send O(N^2) presence: never parsed
        case BodyType::Welcome: {
            if (client.state != ClientState::Handshaking) {
                return;
            }
            client.state = ClientState::Joining;
            hermes::v1::Envelope join;
            join.mutable_join()->set_room(options_.room);
            join.mutable_join()->set_skip_backlog(true);
            join.mutable_join()->set_all_presence(options_.allPresence);
            client.queue(join);
            markDirty(client);
            return;
        }
        case BodyType::Members:
            if (client.state == ClientState::Joining) {
                client.state = ClientState::Joined;
                --handshaking_;
                ++joined_;
            } else if (awaitingWho_ && client.index() == 0) {
                hermes::v1::Envelope envelope;
                if (hermes::codec::parseEnvelope(payload, envelope) && envelope.has_members()) {
                    whoAnswer_ = envelope.members();
                    awaitingWho_ = false;
                }
            }
            return;
        default:
            handleOther(client, body.field, payload);
    }
}

void LoadGenerator::handleOther(BenchClient& client, std::uint32_t field,
                                std::string_view payload) {
    const auto type = static_cast<BodyType>(field);
    if (type != BodyType::Ping && type != BodyType::Error && type != BodyType::Bye) {
        return;  // Topic, RoomList, Stats, ...: nothing the bench asked for
    }
    hermes::v1::Envelope envelope;
    if (!hermes::codec::parseEnvelope(payload, envelope)) {
        fail(client, "undecodable frame from the hub");
        return;
    }
    if (envelope.has_ping()) {
        hermes::v1::Envelope pong;
        pong.mutable_pong()->set_nonce(envelope.ping().nonce());
        client.queue(pong);
        markDirty(client);
    } else if (envelope.has_error()) {
        ++errors_;
        const auto& error = envelope.error();
        const auto slot = static_cast<std::size_t>(client.index());
        if (error.code() == hermes::v1::ERROR_CODE_UNSUPPORTED && slot < views_.size() &&
            views_[slot].waiting) {
            viewsUnsupported_ = true;  // an older hub: no MembersRequest
            views_[slot].waiting = false;
            views_[slot].done = true;
            --viewsInFlight_;
            ++viewsDone_;
            return;
        }
        if (reported_++ < kMaxReportedErrors) {
            std::cerr << "hermes-bench: client " << client.index() << " got Error "
                      << hermes::v1::ErrorCode_Name(error.code())
                      << (error.fatal() ? " (fatal)" : "") << ": " << error.text() << '\n';
        }
        // A refused handshake or join leaves the client useless for the run.
        if (client.state == ClientState::Handshaking || client.state == ClientState::Joining) {
            fail(client,
                 "refused during handshake or join: " + hermes::v1::ErrorCode_Name(error.code()));
        }
    } else if (envelope.has_bye()) {
        fail(client, "hub said Bye: " + hermes::v1::ByeReason_Name(envelope.bye().reason()) + " " +
                         envelope.bye().text());
    }
}

void LoadGenerator::handleMessage(BenchClient& client, std::string_view bytes) {
    if (!measuring_ || !ledger_) {
        return;  // a message from before the measured phase is not ours
    }
    ScannedMessage message;
    PayloadFields fields;
    if (!scanChatMessage(bytes, message) || !sameBytes(message.room, options_.room) ||
        !parsePayload(message.text, fields)) {
        ledger_->recordUnexpected();
        return;
    }
    ledger_->recordSeq(client.index(), message.seq);
    const bool fresh = ledger_->record(client.index(), fields, nowNs_);
    if (fresh && fields.sender == static_cast<std::uint32_t>(client.index())) {
        ++client.acked;
        if (options_.mode == Mode::Throughput && !client.readyToSend &&
            client.sent < perSender_[static_cast<std::size_t>(client.index())]) {
            client.readyToSend = true;
            ready_.push_back(client.index());
        }
    }
}

void LoadGenerator::waitQuiet(double quietSeconds) {
    const std::uint64_t begin = monotonicNs();
    lastRxNs_ = begin;
    const auto quietNs = static_cast<std::uint64_t>(quietSeconds * 1e9);
    const auto capNs = static_cast<std::uint64_t>(kMaxQuietWaitSeconds * 1e9);
    for (;;) {
        const std::uint64_t now = monotonicNs();
        if (now - lastRxNs_ >= quietNs || pastDeadline()) {
            return;
        }
        if (now - begin >= capNs) {
            note("the hub was still sending after " + std::to_string(kMaxQuietWaitSeconds) +
                 " s of waiting for quiet");
            return;
        }
        loopOnce(msUntilDeadline(50));
    }
}

// ---------------------------------------------------------------------------
// sending
// ---------------------------------------------------------------------------

void LoadGenerator::sendMessage(BenchClient& sender, std::uint64_t stampNs) {
    PayloadFields fields;
    fields.sender = static_cast<std::uint32_t>(sender.index());
    fields.counter = sender.sent;
    fields.sentNs = stampNs;
    ++sender.sent;
    ++totalSent_;
    if (firstSendNs_ == 0) {
        firstSendNs_ = stampNs;
    }
    if (sender.state != ClientState::Joined) {
        return;  // gone: its messages count as lost
    }
    formatPayload(fields, static_cast<std::size_t>(options_.size), payload_);
    auto* say = say_.mutable_say();
    say->set_client_msg_id(sender.sent);
    say->set_text(payload_);
    sender.queue(say_);
    markDirty(sender);
}

void LoadGenerator::pumpThroughput() {
    if (ready_.empty()) {
        return;
    }
    std::vector<int> batch;
    batch.swap(ready_);
    const std::uint64_t now = monotonicNs();
    const auto window = static_cast<std::uint32_t>(options_.window);
    for (const int index : batch) {
        BenchClient& sender = *clients_[static_cast<std::size_t>(index)];
        sender.readyToSend = false;
        const std::uint32_t total = perSender_[static_cast<std::size_t>(index)];
        while (sender.sent < total && sender.sent - sender.acked < window) {
            sendMessage(sender, now);
        }
    }
}

void LoadGenerator::armTimer(std::uint64_t atNs) {
    itimerspec spec{};
    spec.it_value.tv_sec = static_cast<time_t>(atNs / kNsPerSecond);
    spec.it_value.tv_nsec = static_cast<long>(atNs % kNsPerSecond);
    timerfd_settime(timer_, TFD_TIMER_ABSTIME, &spec, nullptr);
}

void LoadGenerator::pumpLatency() {
    const std::uint64_t now = monotonicNs();
    const auto senders = static_cast<std::uint64_t>(options_.senders);
    const double interval = 1e9 / options_.rate;
    while (totalSent_ < totalToSend_) {
        const std::uint64_t due = latencyStartNs_ + static_cast<std::uint64_t>(
                                                        static_cast<double>(totalSent_) * interval);
        if (due > now) {
            armTimer(due);
            return;
        }
        maxSendLagNs_ = std::max(maxSendLagNs_, now - due);
        sendMessage(*clients_[static_cast<std::size_t>(totalSent_ % senders)], due);
    }
}

// ---------------------------------------------------------------------------
// scenarios
// ---------------------------------------------------------------------------

void LoadGenerator::runFanout(BenchResult& result) {
    const int senders = options_.senders;
    perSender_.assign(static_cast<std::size_t>(senders), 0);
    if (options_.mode == Mode::Throughput) {
        std::fill(perSender_.begin(), perSender_.end(),
                  static_cast<std::uint32_t>(options_.messages));
        totalToSend_ =
            static_cast<std::uint64_t>(senders) * static_cast<std::uint64_t>(options_.messages);
    } else {
        totalToSend_ = static_cast<std::uint64_t>(std::llround(options_.rate * options_.duration));
        for (std::uint64_t j = 0; j < totalToSend_; ++j) {
            ++perSender_[static_cast<std::size_t>(j % static_cast<std::uint64_t>(senders))];
        }
    }
    if (totalToSend_ == 0 || *std::min_element(perSender_.begin(), perSender_.end()) == 0) {
        throw std::runtime_error(
            "rate x duration gives some sender no message: raise them or lower --senders");
    }
    ledger_ = std::make_unique<DeliveryLedger>(options_.clients, perSender_);
    if (options_.mode == Mode::Latency) {
        result.options.messages = static_cast<int>(perSender_.front());  // for the report
    }
    say_.mutable_say()->set_room(options_.room);
    say_.mutable_say()->set_kind(hermes::v1::MESSAGE_KIND_TEXT);

    const std::uint64_t joinStart = monotonicNs();
    const bool allJoined = connectAndJoin(options_.clients);
    result.joinSeconds = seconds(monotonicNs() - joinStart);
    if (!allJoined) {
        result.timedOut = pastDeadline();
        note("only " + std::to_string(joined_) + " of " + std::to_string(options_.clients) +
             " clients joined; nothing was measured");
        result.completeness = ledger_->completeness();
        return;
    }
    waitQuiet(options_.quiet);

    const ProcSample before = sampleProcesses(options_.hubPids);
    const double benchCpuBefore = ownCpuSeconds();
    measuring_ = true;
    const std::uint64_t start = monotonicNs();
    lastRxNs_ = start;
    if (options_.mode == Mode::Throughput) {
        for (int s = 0; s < senders; ++s) {
            clients_[static_cast<std::size_t>(s)]->readyToSend = true;
            ready_.push_back(s);
        }
    } else {
        latencyStartNs_ = start + 1'000'000;  // the first message 1 ms from now
        armTimer(latencyStartNs_);
    }
    const auto stallNs = static_cast<std::uint64_t>(options_.stall * 1e9);
    while (!ledger_->complete()) {
        loopOnce(msUntilDeadline(options_.mode == Mode::Throughput ? 100 : 20));
        const std::uint64_t now = monotonicNs();
        if (now >= deadlineNs_) {
            result.timedOut = true;
            note("the measured phase hit --timeout");
            break;
        }
        // A throughput sender waits for its echoes, so silence there means a
        // stuck run even before everything was sent.
        const bool allSent = totalSent_ >= totalToSend_;
        if ((allSent || options_.mode == Mode::Throughput) && now - lastRxNs_ > stallNs) {
            note("nothing arrived for " + std::to_string(options_.stall) + " s" +
                 (allSent ? " after the last send" : "") + ": stopped waiting");
            break;
        }
        if (joined_ == 0) {
            note("every client was disconnected");
            break;
        }
    }
    const ProcSample after = sampleProcesses(options_.hubPids);
    result.benchPhaseCpuSeconds = ownCpuSeconds() - benchCpuBefore;
    measuring_ = false;

    result.sent = totalSent_;
    result.completeness = ledger_->completeness();
    const std::uint64_t end = ledger_->lastDeliveryNs() ? ledger_->lastDeliveryNs() : monotonicNs();
    const std::uint64_t first = firstSendNs_ ? firstSendNs_ : start;
    result.wallSeconds = end > first ? seconds(end - first) : 0;
    const auto received = static_cast<double>(result.completeness.received);
    result.deliveriesPerSecond = result.wallSeconds > 0 ? received / result.wallSeconds : 0;
    result.payloadMBps = result.deliveriesPerSecond * options_.size / 1e6;
    const LatencyHistogram& latencies = ledger_->latencies();
    result.latencyP50Ms = millis(latencies.percentile(50));
    result.latencyP90Ms = millis(latencies.percentile(90));
    result.latencyP99Ms = millis(latencies.percentile(99));
    result.latencyP999Ms = millis(latencies.percentile(99.9));
    result.latencyMaxMs = millis(latencies.max());
    result.maxSendLagMs = millis(maxSendLagNs_);
    result.benchCpuSecondsPerMillion =
        received > 0 ? result.benchPhaseCpuSeconds / (received / 1e6) : 0;
    if (before.ok && after.ok) {
        result.hubSampled = true;
        result.hubCpuSeconds = after.cpuSeconds - before.cpuSeconds;
        result.hubThreadCpuSeconds = threadCpuBetween(before, after);
        result.hubCpuSecondsPerMillion = received > 0 ? result.hubCpuSeconds / (received / 1e6) : 0;
        result.hubPeakRssMiB = static_cast<double>(after.peakRssKiB) / 1024;
        result.hubRssBeforeMiB = static_cast<double>(before.rssKiB) / 1024;
        result.hubRssAfterMiB = static_cast<double>(after.rssKiB) / 1024;
    } else if (!options_.hubPids.empty()) {
        note("could not read every --hub-pid's /proc/PID");
    }
}

int LoadGenerator::membersViaWho() {
    BenchClient& asker = *clients_.front();
    if (asker.state != ClientState::Joined) {
        note("client 0 is not joined: the member list was not checked");
        return -1;
    }
    awaitingWho_ = true;
    whoAnswer_.reset();
    hermes::v1::Envelope who;
    who.mutable_who()->set_room(options_.room);
    asker.queue(who);
    markDirty(asker);
    flushDirty();
    const std::uint64_t give = monotonicNs() + static_cast<std::uint64_t>(kWhoWaitSeconds * 1e9);
    while (!whoAnswer_ && monotonicNs() < give && !pastDeadline() &&
           asker.state == ClientState::Joined) {
        loopOnce(msUntilDeadline(50));
    }
    awaitingWho_ = false;
    if (!whoAnswer_) {
        note("no answer to Who within " + std::to_string(kWhoWaitSeconds) + " s");
        return -1;
    }
    std::set<std::string> ours;
    for (int i = 0; i < options_.clients; ++i) {
        ours.insert(options_.nickPrefix + std::to_string(i));
    }
    int found = 0;
    for (const auto& nick : whoAnswer_->nicks()) {
        found += ours.erase(nick) > 0 ? 1 : 0;
    }
    if (!ours.empty()) {
        note(std::to_string(ours.size()) +
             " of our clients missing from the final member list, e.g. " + *ours.begin());
    }
    return found;
}

void LoadGenerator::requestView(BenchClient& client, std::string_view after) {
    hermes::v1::Envelope request;
    auto* members = request.mutable_members_request();
    members->set_room(options_.room);
    members->set_after(std::string(after));
    client.queue(request);
    markDirty(client);
    views_[static_cast<std::size_t>(client.index())].waiting = true;
}

void LoadGenerator::handleMembersPage(BenchClient& client, std::string_view bytes) {
    const auto slot = static_cast<std::size_t>(client.index());
    if (slot >= views_.size() || !views_[slot].waiting) {
        return;  // not asked
    }
    ViewCheck& view = views_[slot];
    view.waiting = false;
    std::string_view nextAfter;
    const bool wellFormed = scanMembersPage(bytes, nextAfter, [&](std::string_view nick) {
        if (view.matched < expectedNicks_.size() && nick == expectedNicks_[view.matched]) {
            ++view.matched;
        } else {
            view.wrong = true;
        }
    });
    if (wellFormed && !view.wrong && !nextAfter.empty()) {
        requestView(client, nextAfter);
        return;
    }
    view.wrong = view.wrong || !wellFormed || view.matched != expectedNicks_.size();
    view.done = true;
    --viewsInFlight_;
    ++viewsDone_;
}

// Every member (or the first --check-views) asks for the member list as a
// client of a large room does, page by page, and it must be exactly the
// clients that joined. At most kViewsInFlight walks at once, so the hub's
// output stays bounded; the whole check is bounded by kViewsWaitSeconds.
void LoadGenerator::checkViews(BenchResult& result) {
    constexpr int kViewsInFlight = 64;
    constexpr double kViewsWaitSeconds = 300;
    const int count = options_.checkViews < 0 ? options_.clients
                                              : std::min(options_.checkViews, options_.clients);
    if (count == 0) {
        return;
    }
    expectedNicks_.clear();
    for (const auto& client : clients_) {
        if (client->state == ClientState::Joined) {
            expectedNicks_.push_back(options_.nickPrefix + std::to_string(client->index()));
        }
    }
    std::sort(expectedNicks_.begin(), expectedNicks_.end());
    views_.assign(clients_.size(), ViewCheck{});
    viewsInFlight_ = 0;
    viewsDone_ = 0;
    int next = 0;
    const std::uint64_t begin = monotonicNs();
    const std::uint64_t give = begin + static_cast<std::uint64_t>(kViewsWaitSeconds * 1e9);
    while (viewsDone_ < count && monotonicNs() < give && !pastDeadline() && !viewsUnsupported_) {
        while (next < count && viewsInFlight_ < kViewsInFlight) {
            BenchClient& client = *clients_[static_cast<std::size_t>(next++)];
            if (client.state != ClientState::Joined) {
                ViewCheck& view = views_[static_cast<std::size_t>(client.index())];
                view.wrong = true;
                view.done = true;
                ++viewsDone_;
                continue;
            }
            ++viewsInFlight_;
            requestView(client, {});
        }
        flushDirty();
        loopOnce(msUntilDeadline(50));
    }
    result.viewsSeconds = seconds(monotonicNs() - begin);
    if (viewsUnsupported_) {
        note("the hub does not answer MembersRequest: members' views not checked");
        return;
    }
    result.viewsChecked = count;
    result.viewsCorrect = 0;
    for (int i = 0; i < count; ++i) {
        const ViewCheck& view = views_[static_cast<std::size_t>(i)];
        result.viewsCorrect += view.done && !view.wrong ? 1 : 0;
    }
    if (viewsDone_ < count) {
        note(std::to_string(count - viewsDone_) + " members' views not fetched within " +
             std::to_string(kViewsWaitSeconds) + " s");
    } else if (result.viewsCorrect < count) {
        note(std::to_string(count - result.viewsCorrect) +
             " members saw a member list other than the clients joined");
    }
}

void LoadGenerator::runIdle(BenchResult& result) {
    const ProcSample before = sampleProcesses(options_.hubPids);
    const std::uint64_t joinStart = monotonicNs();
    const bool allJoined = connectAndJoin(options_.clients);
    result.joinSeconds = seconds(monotonicNs() - joinStart);
    if (!allJoined) {
        result.timedOut = pastDeadline();
        note("only " + std::to_string(joined_) + " of " + std::to_string(options_.clients) +
             " clients joined");
    }
    // The join presence may still be on its way to the members.
    waitQuiet(options_.quiet);
    const ProcSample after = sampleProcesses(options_.hubPids);
    result.membersListed = membersViaWho();
    checkViews(result);
    int connected = 0;
    for (const auto& client : clients_) {
        connected += client->state == ClientState::Joined ? 1 : 0;
    }
    if (before.ok && after.ok) {
        result.hubSampled = true;
        result.hubCpuSeconds = after.cpuSeconds - before.cpuSeconds;
        result.hubThreadCpuSeconds = threadCpuBetween(before, after);
        result.hubPeakRssMiB = static_cast<double>(after.peakRssKiB) / 1024;
        result.hubRssBeforeMiB = static_cast<double>(before.rssKiB) / 1024;
        result.hubRssAfterMiB = static_cast<double>(after.rssKiB) / 1024;
        result.hubKiBPerClient =
            connected > 0 ? static_cast<double>(after.rssKiB - before.rssKiB) / connected : 0;
    } else if (!options_.hubPids.empty()) {
        note("could not read every --hub-pid's /proc/PID");
    }
}

}  // namespace hermes::bench

// The event loop with connections the test scripts (a socket pair each, no
// TCP): when the hub pauses its input the loop takes EPOLLIN off every
// connection, and a connection whose interest cannot be changed is logged
// with its session id and closed, while the others go on; a connection
// adopted during a pause with bytes of its own is read when it ends.
#define BOOST_TEST_MODULE hermesd_event_loop
#include <boost/test/unit_test.hpp>

#include <poll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <Poco/AutoPtr.h>
#include <Poco/Channel.h>
#include <Poco/Logger.h>
#include <Poco/Message.h>

#include "ClientConnection.hpp"
#include "DaemonConfig.hpp"
#include "EventLoop.hpp"
#include "hermes/codec/FrameDecoder.hpp"
#include "hermes/codec/FrameEncoder.hpp"
#include "hermes/hub/Hub.hpp"

namespace {

namespace v1 = hermes::v1;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// What a scripted connection shares with the test thread.
struct Wire {
    std::atomic<bool> broken{false};     // fd() names no descriptor: epoll_ctl fails
    std::atomic<bool> destroyed{false};  // the loop let go of the connection
};

// The loop's end of a socket pair. `early`: bytes it had before the loop
// got it (as a WebSocket's, read with its upgrade request), given first.
class ScriptedConnection final : public hermesd::ClientConnection {
public:
    ScriptedConnection(int fd, std::shared_ptr<Wire> wire, std::string early = {})
        : fd_(fd), wire_(std::move(wire)), early_(std::move(early)) {}
    ~ScriptedConnection() override {
        ::close(fd_);
        wire_->destroyed = true;
    }

    std::string_view kind() const override { return "scripted"; }
    int fd() const override { return wire_->broken ? -1 : fd_; }

    bool bufferedInput() const override { return !early_.empty(); }

    Read read(std::span<char> scratch) override {
        Read result;
        if (!early_.empty()) {
            given_.swap(early_);
            early_.clear();
            result.status = Read::Status::Bytes;
            result.bytes = given_;
            return result;
        }
        const ssize_t n = ::read(fd_, scratch.data(), scratch.size());
        if (n > 0) {
            result.status = Read::Status::Bytes;
            result.bytes = std::string_view(scratch.data(), static_cast<std::size_t>(n));
        } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
            result.status = Read::Status::Nothing;
        } else {
            result.status = Read::Status::Closed;
            result.why = n == 0 ? "connection closed" : std::strerror(errno);
        }
        return result;
    }

    Written write(std::span<const std::string_view> pieces) override {
        std::vector<iovec> iov;
        for (const std::string_view piece : pieces) {
            iov.push_back(iovec{const_cast<char*>(piece.data()), piece.size()});
        }
        Written written;
        const ssize_t n = ::writev(fd_, iov.data(), static_cast<int>(iov.size()));
        if (n >= 0) {
            written.bytes = static_cast<std::size_t>(n);
        } else if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
            written.blocked = true;
        } else {
            written.failed = true;
            written.why = std::strerror(errno);
        }
        return written;
    }

    void closeWrite() override { ::shutdown(fd_, SHUT_WR); }

private:
    int fd_;
    std::shared_ptr<Wire> wire_;
    std::string early_;
    std::string given_;  // what the last read() of early_ returned
};

// The test's end: frames out, frames in.
class Peer {
public:
    // A new connection handed to the loop, as an acceptor thread would.
    // `sendBuffer` > 0 makes the loop's side small, so a peer that does not
    // read stalls the hub's writes to it soon.
    // `early`: bytes the connection holds when the loop gets it.
    Peer(hermesd::EventLoop& loop, const std::string& address, int sendBuffer = 0,
         std::string early = {})
        : wire_(std::make_shared<Wire>()) {
        int fds[2];
        BOOST_TEST_REQUIRE(
            ::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds) == 0);
        if (sendBuffer > 0) {
            ::setsockopt(fds[0], SOL_SOCKET, SO_SNDBUF, &sendBuffer, sizeof sendBuffer);
            ::setsockopt(fds[1], SOL_SOCKET, SO_RCVBUF, &sendBuffer, sizeof sendBuffer);
        }
        fd_ = fds[1];
        loop.adopt(std::make_unique<ScriptedConnection>(fds[0], wire_, std::move(early)), address,
                   hermes::hub::Registry::Admission::Admitted);
    }
    ~Peer() { ::close(fd_); }
    Peer(const Peer&) = delete;
    Peer& operator=(const Peer&) = delete;

    Wire& wire() { return *wire_; }

    // Queues bytes to send; pump() sends what the socket takes.
    void queue(const v1::Envelope& envelope) { out_ += hermes::codec::encodeFrame(envelope); }
    bool allSent() const { return out_.empty(); }

    // Sends what it can and reads what is there, without blocking.
    void pump() {
        if (!out_.empty()) {
            const ssize_t n = ::write(fd_, out_.data(), out_.size());
            if (n > 0) {
                out_.erase(0, static_cast<std::size_t>(n));
            }
        }
        char buffer[65536];
        for (;;) {
            const ssize_t n = ::read(fd_, buffer, sizeof buffer);
            if (n <= 0) {
                break;
            }
            decoder_.feed(std::string_view(buffer, static_cast<std::size_t>(n)));
            std::string_view payload;
            while (decoder_.nextPayload(payload)) {
                v1::Envelope envelope;
                BOOST_TEST_REQUIRE(hermes::codec::parseEnvelope(payload, envelope));
                received.push_back(std::move(envelope));
            }
        }
    }

    std::vector<v1::Envelope> received;

private:
    std::shared_ptr<Wire> wire_;
    int fd_ = -1;
    std::string out_;
    hermes::codec::FrameDecoder decoder_{1u << 20};
};

// Pumps every peer until `done()` or the deadline; poll()s briefly between
// rounds, so the wait is on the sockets, not a sleep.
bool pumpUntil(std::vector<Peer*> peers, Clock::duration timeout,
               const std::function<bool()>& done) {
    const auto deadline = Clock::now() + timeout;
    while (!done()) {
        if (Clock::now() >= deadline) {
            return false;
        }
        for (Peer* peer : peers) {
            peer->pump();
        }
        ::poll(nullptr, 0, 1);
    }
    return true;
}

// Keeps what the loop logs.
class Capture : public Poco::Channel {
public:
    void log(const Poco::Message& message) override {
        const std::lock_guard lock(mutex_);
        lines_.push_back(message.getText());
    }
    bool contains(const std::string& a, const std::string& b) const {
        const std::lock_guard lock(mutex_);
        for (const std::string& line : lines_) {
            if (line.find(a) != std::string::npos && line.find(b) != std::string::npos) {
                return true;
            }
        }
        return false;
    }

private:
    mutable std::mutex mutex_;
    std::vector<std::string> lines_;
};

// Captures the loop's log for its lifetime; declared before the loop, so it
// outlives the loop's thread.
struct LoopLog {
    LoopLog() : capture(new Capture) { Poco::Logger::get("hermesd.loop").setChannel(capture); }
    ~LoopLog() { Poco::Logger::get("hermesd.loop").setChannel(nullptr); }
    LoopLog(const LoopLog&) = delete;
    LoopLog& operator=(const LoopLog&) = delete;
    Poco::AutoPtr<Capture> capture;
};

// The loop on its own thread; always stopped and joined, also when a check fails.
class RunningLoop {
public:
    explicit RunningLoop(const hermes::hub::HubConfig& config)
        : loop(std::make_unique<hermes::hub::Hub>(config, 1), edgeConfig()),
          thread_([this] { loop.run(); }) {}
    ~RunningLoop() {
        loop.stop("test over");
        thread_.join();
    }
    RunningLoop(const RunningLoop&) = delete;
    RunningLoop& operator=(const RunningLoop&) = delete;

    hermesd::EventLoop loop;

private:
    static hermesd::EdgeConfig edgeConfig() {
        hermesd::EdgeConfig edge;
        edge.statsInterval = std::chrono::seconds(0);
        return edge;
    }
    std::thread thread_;
};

v1::Envelope hello(const std::string& nick) {
    v1::Envelope e;
    e.mutable_hello()->set_protocol_version(1);
    e.mutable_hello()->set_nick(nick);
    return e;
}
v1::Envelope join(const std::string& room) {
    v1::Envelope e;
    e.mutable_join()->set_room(room);
    return e;
}
v1::Envelope say(const std::string& room, std::uint64_t id, std::size_t textBytes) {
    v1::Envelope e;
    e.mutable_say()->set_room(room);
    e.mutable_say()->set_client_msg_id(id);
    std::string text = "m" + std::to_string(id) + " ";
    text.resize(textBytes, '.');
    e.mutable_say()->set_text(text);
    return e;
}

bool sawMember(const Peer& peer, const std::string& nick) {
    for (const auto& e : peer.received) {
        if (e.has_members()) {
            for (const auto& member : e.members().nicks()) {
                if (member == nick) {
                    return true;
                }
            }
        }
        if (e.has_presence() && e.presence().kind() == v1::PRESENCE_KIND_JOINED) {
            for (const auto& joined : e.presence().nicks()) {
                if (joined == nick) {
                    return true;
                }
            }
        }
    }
    return false;
}

std::size_t echoes(const Peer& peer) {
    std::size_t count = 0;
    for (const auto& e : peer.received) {
        count += e.has_message() ? 1 : 0;
    }
    return count;
}

}  // namespace

BOOST_AUTO_TEST_CASE(a_connection_whose_input_watch_cannot_change_is_closed) {
    LoopLog log;
    hermes::hub::HubConfig config;
    config.defaultRoom = "";
    config.ratePerSecond = 0.0;
    config.maxQueuedBytes = 1024 * 1024;  // input pauses at 768 KiB
    RunningLoop running(config);

    // bob joins and never reads: what ana says piles up for him.
    Peer bob(running.loop, "127.0.0.1:1", 4096);
    bob.queue(hello("bob"));
    bob.queue(join("r"));
    Peer ana(running.loop, "127.0.0.1:2");
    ana.queue(hello("ana"));
    ana.queue(join("r"));
    BOOST_TEST_REQUIRE(pumpUntil({&bob, &ana}, 20s, [&] { return sawMember(ana, "bob"); }));
    // cy is welcomed, then its descriptor can no longer be watched.
    Peer cy(running.loop, "127.0.0.1:3");
    cy.queue(hello("cy"));
    BOOST_TEST_REQUIRE(pumpUntil(
        {&cy}, 20s, [&] { return !cy.received.empty() && cy.received.front().has_welcome(); }));
    const std::uint64_t cyId = cy.received.front().welcome().session_id();
    cy.wire().broken = true;

    // 300 messages of 4,000 bytes: past the budget while bob holds them.
    constexpr std::size_t kSays = 300;
    for (std::uint64_t id = 1; id <= kSays; ++id) {
        ana.queue(say("r", id, 4000));
    }
    // The pause takes EPOLLIN off every connection; cy's cannot be changed,
    // so the loop closes it rather than leave it as it was.
    const bool cyClosed = pumpUntil({&ana}, 20s, [&] { return cy.wire().destroyed.load(); });
    BOOST_TEST(cyClosed, "the loop kept the connection it could not stop reading");
    BOOST_TEST(log.capture->contains("session " + std::to_string(cyId) + ":",
                                     "cannot stop watching its socket for input"));
    // The others go on: bob is cut for holding the budget, input resumes,
    // and ana gets every echo.
    BOOST_TEST(pumpUntil({&ana}, 30s, [&] { return ana.allSent() && echoes(ana) == kSays; }),
               "ana has " << echoes(ana) << " of " << kSays << " echoes");
    BOOST_TEST(!ana.wire().destroyed.load());
}

BOOST_AUTO_TEST_CASE(input_a_connection_brought_along_is_read_when_a_pause_ends) {
    // A WebSocket's Hello may come with its upgrade request: the connection
    // holds it (bufferedInput()), and the socket will not be readable for it.
    // Adopted while input is paused, it must be read when input resumes.
    LoopLog log;
    hermes::hub::HubConfig config;
    config.defaultRoom = "";
    config.ratePerSecond = 0.0;
    config.maxQueuedBytes = 1024 * 1024;  // input pauses at 768 KiB
    config.handshakeTimeout = 60s;        // the Welcome cannot be a timeout's doing
    RunningLoop running(config);

    // bob joins and never reads: ana's messages fill the budget until he
    // is cut for it (kPausedStall, 1 s), and input resumes.
    Peer bob(running.loop, "127.0.0.1:1", 4096);
    bob.queue(hello("bob"));
    bob.queue(join("r"));
    Peer ana(running.loop, "127.0.0.1:2");
    ana.queue(hello("ana"));
    ana.queue(join("r"));
    BOOST_TEST_REQUIRE(pumpUntil({&bob, &ana}, 20s, [&] { return sawMember(ana, "bob"); }));
    constexpr std::size_t kSays = 300;
    for (std::uint64_t id = 1; id <= kSays; ++id) {
        ana.queue(say("r", id, 4000));
    }
    BOOST_TEST_REQUIRE(
        pumpUntil({&ana}, 20s, [&] { return log.capture->contains("stopped reading", ""); }));

    Peer eager(running.loop, "127.0.0.1:3", 0, hermes::codec::encodeFrame(hello("eager")));
    BOOST_TEST_REQUIRE(pumpUntil({&ana}, 20s, [&] { return running.loop.connections() == 3u; }));
    // Adopted while input was still paused.
    BOOST_TEST_REQUIRE(!log.capture->contains("resumed reading", ""));

    BOOST_TEST_REQUIRE(
        pumpUntil({&ana}, 20s, [&] { return log.capture->contains("resumed reading", ""); }));
    const bool welcomed = pumpUntil({&eager, &ana}, 10s, [&] {
        return !eager.received.empty() && eager.received.front().has_welcome();
    });
    BOOST_TEST(welcomed, "the Hello that came with the connection was never read");
    BOOST_TEST(!eager.wire().destroyed.load());
}

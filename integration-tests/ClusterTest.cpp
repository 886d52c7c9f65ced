// The cluster (docs/CLUSTER.md, issue 20): several real hermesd sharing rooms
// through a real redis-server on 127.0.0.1.
//
//   fanout         3 hubs x 60 clients in one room, everyone sending at once:
//                  at every member of every hub, every message once, each
//                  sender's in order, gapless seqs, the same bytes
//                  (FanOutCheck), and each sender's echo only from the backplane
//   redis_restart  Redis stopped mid-conversation: Says refused with
//                  CLUSTER_UNAVAILABLE, nothing acked lost; Redis back (its
//                  AOF): the hubs resume, seqs go on where they were
//   redis_hangs    Redis paused (CLIENT PAUSE, as a hang or a partition looks
//                  from the hub): no answer within cluster.timeout_ms, the
//                  hub drops Redis and refuses; after the pause both hubs
//                  have one order again, the same seqs and bytes
//   nicks          a nick is unique across hubs; freed when its session ends,
//                  and when its hub is killed (kill -9) once its lease expires;
//                  the killed hub's acked messages are in the other's history
//   sentinel_failover  Redis under three Sentinels (a master, a replica):
//                  the hubs find the master through them; SENTINEL FAILOVER
//                  mid-conversation: the hubs follow the promoted replica,
//                  messages after it are delivered, nothing acked is lost
//   presence       member lists union across hubs (a joiner's list, and a
//                  JOINED for whom its hub had not heard of yet); a member on
//                  one hub sees the others' joiners and leavers; a hub kill -9ed: the
//                  members of the others see QUIT for its members within its
//                  lease and a bound
//
// The redis-server here is the test's own (RedisServer below: a free port, AOF
// with appendfsync always in a temp dir, stopped by PID); the cluster-clients
// stream's harness fixture replaces it.
#define BOOST_TEST_MODULE ClusterTest
#include <boost/test/unit_test.hpp>

#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "BoostSupport.hpp"
#include "ClientSwarm.hpp"
#include "FanOutCheck.hpp"
#include "Frames.hpp"
#include "RawClient.hpp"
#include "hermes/codec/FrameDecoder.hpp"

using namespace std::chrono_literals;
namespace it = hermes::it;
namespace v1 = hermes::v1;

namespace {

// A free TCP port on 127.0.0.1 (bound and released: a small race, as for
// any tool that cannot report the port it took).
std::uint16_t freePort() {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address);
    socklen_t length = sizeof address;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
    ::close(fd);
    return ntohs(address.sin_port);
}

bool accepts(std::uint16_t port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    const bool ok = ::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) == 0;
    ::close(fd);
    return ok;
}

// redis-server on 127.0.0.1:port(), AOF (appendfsync always) in its own
// directory; always stopped by PID (SIGTERM, then SIGKILL), also when the
// test fails; PR_SET_PDEATHSIG if the test dies first.
// replicaOf: a replica of the master on that port. sentinelOf: a Redis
// Sentinel (redis-server --sentinel) monitoring that master as "hermes".
struct RedisOptions {
    std::uint16_t replicaOf = 0;
    std::uint16_t sentinelOf = 0;
};

class RedisServer {
public:
    explicit RedisServer(RedisOptions options = {}) : options_(options), port_(freePort()) {
        dir_ = std::filesystem::temp_directory_path() /
               ("hermes-redis-" + std::to_string(::getpid()) + "-" + std::to_string(port_));
        std::filesystem::create_directories(dir_);
        start();
    }
    ~RedisServer() {
        stop();
        std::error_code ignored;
        std::filesystem::remove_all(dir_, ignored);
    }
    RedisServer(const RedisServer&) = delete;
    RedisServer& operator=(const RedisServer&) = delete;

    std::uint16_t port() const { return port_; }
    // redis-cli against it (a test's own command, bounded by Redis's reply).
    // redis-cli's raw output (not a terminal: one value a line).
    std::string query(const std::string& arguments) const {
        std::string out;
        FILE* pipe = ::popen(
            ("redis-cli -p " + std::to_string(port_) + " " + arguments + " 2>&1").c_str(), "r");
        if (pipe == nullptr) {
            return out;
        }
        char buffer[4096];
        std::size_t got = 0;
        while ((got = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) {
            out.append(buffer, got);
        }
        ::pclose(pipe);
        return out;
    }
    int cli(const std::string& arguments) const {
        return std::system(
            ("redis-cli -p " + std::to_string(port_) + " " + arguments + " > /dev/null 2>&1")
                .c_str());
    }
    std::string address() const { return "127.0.0.1:" + std::to_string(port_); }

    void start() {
        const std::string port = std::to_string(port_);
        const std::string log = (dir_ / "redis.log").string();
        const std::string config = (dir_ / "sentinel.conf").string();
        if (options_.sentinelOf != 0) {
            // Sentinel rewrites its config file: one of its own, quick to act.
            std::FILE* file = std::fopen(config.c_str(), "w");
            BOOST_TEST_REQUIRE(file != nullptr);
            const std::string text = "port " + port + "\nbind 127.0.0.1\ndir " + dir_.string() +
                                     "\nlogfile " + log + "\nsentinel monitor hermes 127.0.0.1 " +
                                     std::to_string(options_.sentinelOf) +
                                     " 2\nsentinel down-after-milliseconds hermes 1000\n"
                                     "sentinel failover-timeout hermes 5000\n";
            std::fwrite(text.data(), 1, text.size(), file);
            std::fclose(file);
        }
        const pid_t parent = ::getpid();
        pid_ = ::fork();
        if (pid_ == 0) {
            ::prctl(PR_SET_PDEATHSIG, SIGKILL);
            if (::getppid() != parent) {
                ::_exit(127);
            }
            std::vector<std::string> args;
            if (options_.sentinelOf != 0) {
                args = {"redis-server", config, "--sentinel"};
            } else {
                args = {
                    "redis-server", "--port",    port, "--bind",       "127.0.0.1", "--dir",
                    dir_.string(),  "--save",    "",   "--appendonly", "yes",       "--appendfsync",
                    "always",       "--logfile", log,  "--daemonize",  "no"};
                if (options_.replicaOf != 0) {
                    args.insert(args.end(),
                                {"--replicaof", "127.0.0.1", std::to_string(options_.replicaOf)});
                }
            }
            std::vector<char*> argv;
            for (std::string& arg : args) {
                argv.push_back(arg.data());
            }
            argv.push_back(nullptr);
            ::execvp("redis-server", argv.data());
            ::_exit(127);
        }
        const auto deadline = it::after(10s);
        while (!accepts(port_)) {
            int status = 0;
            if (::waitpid(pid_, &status, WNOHANG) == pid_) {
                pid_ = -1;
                throw std::runtime_error("redis-server exited at start (is it installed?)");
            }
            if (it::Clock::now() > deadline) {
                throw std::runtime_error("redis-server did not listen within 10 s");
            }
            std::this_thread::sleep_for(10ms);  // polling a condition with a deadline
        }
    }

    void stop() {
        if (pid_ <= 0) {
            return;
        }
        ::kill(pid_, SIGTERM);
        const auto deadline = it::after(10s);
        int status = 0;
        while (::waitpid(pid_, &status, WNOHANG) == 0) {
            if (it::Clock::now() > deadline) {
                ::kill(pid_, SIGKILL);
                ::waitpid(pid_, &status, 0);
                break;
            }
            std::this_thread::sleep_for(10ms);
        }
        pid_ = -1;
    }

private:
    RedisOptions options_;
    std::uint16_t port_;
    std::filesystem::path dir_;
    pid_t pid_ = -1;
};

it::HubProcess::Settings clusterHub(const RedisServer& redis, const std::string& name) {
    return {{"default_room", ""},
            {"rate_per_second", "1000000"},
            {"rate_burst", "1000000"},
            {"flood_backlog", "1000000"},
            {"outbound_queue_bytes", std::to_string(64 * 1024 * 1024)},
            {"max_clients", "2048"},
            {"cluster.redis", redis.address()},
            {"cluster.hub_name", name},
            {"cluster.timeout_ms", "1000"},
            {"cluster.reconnect_ms", "100"}};
}

// Each hub says it joined the backplane (both connections ready).
void waitJoined(const std::vector<std::unique_ptr<it::HubGuard>>& hubs) {
    const auto deadline = it::after(15s);
    for (const auto& guard : hubs) {
        while (guard->hub.log().find("joined the backplane") == std::string::npos) {
            BOOST_TEST_REQUIRE((it::Clock::now() < deadline), "hub did not join the backplane:\n"
                                                                  << guard->hub.logTail());
            std::this_thread::sleep_for(20ms);  // polling a condition with a deadline
        }
    }
}

}  // namespace

BOOST_AUTO_TEST_CASE(fanout) {
    RedisServer redis;
    constexpr std::size_t kHubs = 3;
    const it::FanOutPlan plan{1, 60 * kHubs, 20};
    std::vector<std::unique_ptr<it::HubGuard>> hubs;
    for (std::size_t i = 0; i < kHubs; ++i) {
        hubs.push_back(
            std::make_unique<it::HubGuard>(clusterHub(redis, "hub" + std::to_string(i))));
    }
    waitJoined(hubs);
    const std::size_t total = plan.rooms * plan.clientsPerRoom;
    it::ClientSwarm swarm(hubs[0]->hub.port());
    it::FanOutCheck check(plan);
    std::vector<bool> joined(total, false);
    std::size_t joinedCount = 0;
    auto onClose = [&](std::size_t client, const std::string& why) {
        check.fail(it::nickOf(client) + " was disconnected: " + why);
    };
    auto onSetupFrame = [&](std::size_t client, std::string_view payload) {
        v1::Envelope envelope;
        if (!hermes::codec::parseEnvelope(payload, envelope)) {
            check.fail(it::nickOf(client) + " got an undecodable frame");
        } else if (envelope.has_members() && !joined[client]) {
            joined[client] = true;
            ++joinedCount;
        } else if (envelope.has_error() || envelope.has_bye() || envelope.has_message()) {
            check.fail(it::nickOf(client) + " during setup: " + it::describe(envelope));
        }
    };
    // Client i on hub i % 3: every hub has senders and members of the room.
    for (std::size_t client = 0; client < total; ++client) {
        swarm.add(0, hubs[client % kHubs]->hub.port());
        swarm.queue(client, it::helloEnvelope(it::nickOf(client)));
        swarm.queue(client, it::joinEnvelope(it::FanOutCheck::roomName(0)));
    }
    BOOST_TEST_REQUIRE(swarm.run(
        it::after(60s), onSetupFrame, [&] { return joinedCount == total || check.failures() > 0; },
        onClose));
    BOOST_TEST_REQUIRE(joinedCount == total);

    for (std::size_t client = 0; client < total; ++client) {
        std::string frames;
        for (std::uint64_t id = 1; id <= plan.messagesPerClient; ++id) {
            frames += it::frameOf(
                it::sayEnvelope(it::FanOutCheck::roomName(0), it::textOf(client, id), id));
        }
        swarm.queue(client, frames);
    }
    auto onFrame = [&](std::size_t client, std::string_view payload) {
        if (!payload.empty() && payload[0] == it::kChatMessageTag) {
            check.onChat(client, payload);
            return;
        }
        v1::Envelope envelope;
        if (!hermes::codec::parseEnvelope(payload, envelope)) {
            check.fail(it::nickOf(client) + " got an undecodable frame");
        } else if (envelope.has_error() || envelope.has_bye() || envelope.has_history_page()) {
            check.fail(it::nickOf(client) + ": " + it::describe(envelope));
        }
    };
    const auto sendStart = it::Clock::now();
    const bool complete = swarm.run(
        it::after(90s), onFrame, [&] { return check.allComplete() || check.failures() > 0; },
        onClose);
    BOOST_TEST_MESSAGE(total * check.perRoom()
                       << " deliveries across " << kHubs << " hubs in "
                       << std::chrono::duration_cast<std::chrono::milliseconds>(it::Clock::now() -
                                                                                sendStart)
                              .count()
                       << " ms");
    // Nothing more may come: a ping round trip per client.
    std::size_t pongs = 0;
    for (std::size_t client = 0; client < total; ++client) {
        swarm.queue(client, it::pingEnvelope(client + 1));
    }
    swarm.run(
        it::after(20s),
        [&](std::size_t client, std::string_view payload) {
            v1::Envelope envelope;
            if (!payload.empty() && payload[0] == it::kChatMessageTag) {
                check.onChat(client, payload);
            } else if (hermes::codec::parseEnvelope(payload, envelope) && envelope.has_pong()) {
                ++pongs;
            }
        },
        [&] { return pongs == total; }, onClose);
    check.checkSenders();
    for (const auto& failure : check.firstFailures()) {
        BOOST_TEST_MESSAGE("failure: " << failure);
    }
    BOOST_TEST(check.failures() == 0u);
    BOOST_TEST(complete);
    BOOST_TEST(pongs == total);
    swarm.closeAll();
    for (auto& guard : hubs) {
        guard->expectCleanStop();
    }
}

BOOST_AUTO_TEST_CASE(redis_restart) {
    RedisServer redis;
    std::vector<std::unique_ptr<it::HubGuard>> hubs;
    hubs.push_back(std::make_unique<it::HubGuard>(clusterHub(redis, "east")));
    hubs.push_back(std::make_unique<it::HubGuard>(clusterHub(redis, "west")));
    waitJoined(hubs);
    it::RawClient ana(hubs[0]->hub.port(), "ana");
    it::RawClient bob(hubs[1]->hub.port(), "bob");
    ana.hello("ana", it::after(5s));
    bob.hello("bob", it::after(5s));
    for (it::RawClient* c : {&ana, &bob}) {
        c->send(it::joinEnvelope("#r"));
        c->expect([](const it::Frame& f) { return f.envelope.has_members(); }, it::after(5s),
                  "member list of #r");
    }
    const auto chatFrom = [](std::uint64_t id) {
        return [id](const it::Frame& f) {
            return f.envelope.has_message() && f.envelope.message().client_msg_id() == id;
        };
    };
    // Acked before the restart: 1..5 (each echo seen by ana, and by bob).
    std::vector<std::string> seenByBob;
    for (std::uint64_t id = 1; id <= 5; ++id) {
        ana.send(it::sayEnvelope("#r", "before " + std::to_string(id), id));
        const it::Frame echo = ana.expect(chatFrom(id), it::after(5s), "echo");
        BOOST_TEST(echo.envelope.message().seq() == id);
        seenByBob.push_back(bob.expect(chatFrom(id), it::after(5s), "at bob").payload);
    }
    redis.stop();
    // The hub hears the connection close: refused, not ordered locally.
    bool refused = false;
    for (std::uint64_t id = 100; id < 200 && !refused; ++id) {
        ana.send(it::sayEnvelope("#r", "while Redis is down", id));
        const it::Frame answer = ana.expect(
            [id](const it::Frame& f) {
                return (f.envelope.has_error() && f.envelope.error().client_msg_id() == id) ||
                       (f.envelope.has_message() && f.envelope.message().client_msg_id() == id);
            },
            it::after(5s), "an answer while Redis is down");
        BOOST_TEST_REQUIRE(!answer.envelope.has_message(),
                           "ordered while Redis was down: " << it::describe(answer.envelope));
        refused = answer.envelope.error().code() == v1::ERROR_CODE_CLUSTER_UNAVAILABLE;
    }
    BOOST_TEST_REQUIRE(refused);
    redis.start();  // the same port and AOF: seqs go on
    const auto deadline = it::after(15s);
    std::uint64_t id = 6;
    std::uint64_t expectedSeq = 6;
    for (;;) {
        bob.send(it::sayEnvelope("#r", "after " + std::to_string(id), 1000 + id));
        const it::Frame answer = bob.expect(
            [id](const it::Frame& f) {
                return (f.envelope.has_error() &&
                        f.envelope.error().client_msg_id() == 1000 + id) ||
                       (f.envelope.has_message() &&
                        f.envelope.message().client_msg_id() == 1000 + id);
            },
            it::after(5s), "an answer after Redis restarted");
        if (answer.envelope.has_message()) {
            BOOST_TEST(answer.envelope.message().seq() == expectedSeq);
            const it::Frame atAna = ana.expect(chatFrom(1000 + id), it::after(5s), "at ana");
            BOOST_TEST(atAna.payload == answer.payload);
            break;
        }
        BOOST_TEST_REQUIRE(answer.envelope.error().code() == v1::ERROR_CODE_CLUSTER_UNAVAILABLE);
        BOOST_TEST_REQUIRE((it::Clock::now() < deadline), "the hubs did not resume");
        ++id;
        std::this_thread::sleep_for(50ms);  // a person's retry, bounded by the deadline
    }
    // What was acked before is in each hub's history, same bytes.
    bob.send(it::historyEnvelope("#r", 0, 50));
    const it::Frame page =
        bob.expect([](const it::Frame& f) { return f.envelope.has_history_page(); }, it::after(5s),
                   "history page");
    BOOST_TEST_REQUIRE(page.envelope.history_page().messages_size() >= 5);
    for (int i = 0; i < 5; ++i) {
        BOOST_TEST(page.envelope.history_page().messages(i).seq() ==
                   static_cast<std::uint64_t>(i + 1));
    }
    for (auto& guard : hubs) {
        guard->expectCleanStop();
    }
}

BOOST_AUTO_TEST_CASE(nicks) {
    RedisServer redis;
    std::vector<std::unique_ptr<it::HubGuard>> hubs;
    for (const char* name : {"east", "west"}) {
        auto settings = clusterHub(redis, name);
        settings["cluster.lease_ms"] = "600";
        hubs.push_back(std::make_unique<it::HubGuard>(settings));
    }
    waitJoined(hubs);
    it::RawClient ana(hubs[0]->hub.port(), "ana");
    ana.hello("ana", it::after(5s));
    const auto helloAnswer = [](it::RawClient& c) {
        return c.expect(
            [](const it::Frame& f) { return f.envelope.has_welcome() || f.envelope.has_error(); },
            it::after(5s), "Welcome or Error");
    };
    it::RawClient other(hubs[1]->hub.port(), "other");
    other.send(it::helloEnvelope("ANA"));  // folds to ana's key
    it::Frame answer = helloAnswer(other);
    BOOST_TEST_REQUIRE(answer.envelope.has_error());
    BOOST_TEST(answer.envelope.error().code() == v1::ERROR_CODE_NICK_TAKEN);
    // ana says something in #r, acked: then her hub dies without a word.
    it::RawClient bob(hubs[1]->hub.port(), "bob");
    bob.hello("bob", it::after(5s));
    for (it::RawClient* c : {&ana, &bob}) {
        c->send(it::joinEnvelope("#r"));
        c->expect([](const it::Frame& f) { return f.envelope.has_members(); }, it::after(5s),
                  "member list");
    }
    ana.send(it::sayEnvelope("#r", "last words", 7));
    ana.expect(
        [](const it::Frame& f) {
            return f.envelope.has_message() && f.envelope.message().client_msg_id() == 7;
        },
        it::after(5s), "ana's echo");
    // West has it once bob is shown it (a hub delivers after it stores).
    bob.expect(it::isChatText("r", "last words"), it::after(10s), "ana's line at west");
    hubs[0]->hub.signal(SIGKILL);
    BOOST_TEST_REQUIRE(hubs[0]->hub.waitExit(5s).has_value());
    // The nick is free once east's lease (600 ms) has expired.
    const auto deadline = it::after(10s);
    for (;;) {
        other.send(it::helloEnvelope("ANA"));
        answer = helloAnswer(other);
        if (answer.envelope.has_welcome()) {
            break;
        }
        BOOST_TEST_REQUIRE(answer.envelope.error().code() == v1::ERROR_CODE_NICK_TAKEN);
        BOOST_TEST_REQUIRE((it::Clock::now() < deadline), "east's nicks were never freed");
        std::this_thread::sleep_for(100ms);  // retrying a condition with a deadline
    }
    BOOST_TEST(answer.envelope.welcome().nick() == "ANA");
    // What ana had acked is at west, in its history.
    bob.send(it::historyEnvelope("#r", 0, 50));
    const it::Frame page =
        bob.expect([](const it::Frame& f) { return f.envelope.has_history_page(); }, it::after(5s),
                   "history page");
    BOOST_TEST_REQUIRE(page.envelope.history_page().messages_size() == 1);
    BOOST_TEST(page.envelope.history_page().messages(0).text() == "last words");
    hubs[1]->expectCleanStop();
}

BOOST_AUTO_TEST_CASE(redis_hangs) {
    RedisServer redis;
    std::vector<std::unique_ptr<it::HubGuard>> hubs;
    for (const char* name : {"north", "south"}) {
        auto settings = clusterHub(redis, name);
        settings["cluster.timeout_ms"] = "300";
        settings["cluster.lease_ms"] = "900";  // an idle hub asks every 300 ms
        hubs.push_back(std::make_unique<it::HubGuard>(settings));
    }
    waitJoined(hubs);
    it::RawClient ana(hubs[0]->hub.port(), "ana");
    it::RawClient bob(hubs[1]->hub.port(), "bob");
    ana.hello("ana", it::after(5s));
    bob.hello("bob", it::after(5s));
    for (it::RawClient* c : {&ana, &bob}) {
        c->send(it::joinEnvelope("#r"));
        c->expect([](const it::Frame& f) { return f.envelope.has_members(); }, it::after(5s),
                  "member list");
    }
    const auto answerTo = [](std::uint64_t id) {
        return [id](const it::Frame& f) {
            return (f.envelope.has_error() && f.envelope.error().client_msg_id() == id) ||
                   (f.envelope.has_message() && f.envelope.message().client_msg_id() == id);
        };
    };
    ana.send(it::sayEnvelope("#r", "before", 1));
    BOOST_TEST_REQUIRE(ana.expect(answerTo(1), it::after(5s), "echo").envelope.has_message());
    // Redis stops answering anyone for 4 s (well past the hubs' 300 ms
    // timeout, however slowly this machine gets ana's Say to her hub).
    BOOST_TEST_REQUIRE(redis.cli("CLIENT PAUSE 4000 ALL") == 0);
    ana.send(it::sayEnvelope("#r", "during the pause", 2));
    const it::Frame during = ana.expect(answerTo(2), it::after(5s), "an answer during the pause");
    BOOST_TEST_REQUIRE(during.envelope.has_error(), it::describe(during.envelope));
    BOOST_TEST(during.envelope.error().code() == v1::ERROR_CODE_CLUSTER_UNAVAILABLE);
    // After the pause: the hubs are back, one order at both.
    const auto deadline = it::after(15s);
    std::uint64_t afterSeq = 0;
    for (std::uint64_t id = 10;; ++id) {
        ana.send(it::sayEnvelope("#r", "after", id));
        const it::Frame answer = ana.expect(answerTo(id), it::after(5s), "an answer");
        if (answer.envelope.has_message()) {
            afterSeq = answer.envelope.message().seq();
            break;
        }
        BOOST_TEST_REQUIRE(answer.envelope.error().code() == v1::ERROR_CODE_CLUSTER_UNAVAILABLE);
        BOOST_TEST_REQUIRE((it::Clock::now() < deadline), "the hubs did not come back");
        std::this_thread::sleep_for(50ms);  // a person's retry, bounded by the deadline
    }
    // South may rejoin the backplane after north did: its history is
    // compared once it has the message live, as bob sees it.
    bob.expect(
        [afterSeq](const it::Frame& f) {
            return f.envelope.has_message() && f.envelope.message().seq() == afterSeq;
        },
        it::after(15s), "the message after the pause, at south");
    // Both hubs' histories: the same seqs, gapless, the same messages
    // (message 2, whose fate was unknown, at both or at neither).
    std::vector<std::string> pages;
    for (it::RawClient* c : {&ana, &bob}) {
        c->send(it::historyEnvelope("#r", 0, 50));
        const it::Frame page =
            c->expect([](const it::Frame& f) { return f.envelope.has_history_page(); },
                      it::after(5s), "history page");
        const auto& messages = page.envelope.history_page().messages();
        BOOST_TEST_REQUIRE(messages.size() >= 2, it::describe(page.envelope));
        std::string all;
        for (int i = 0; i < messages.size(); ++i) {
            BOOST_TEST(messages[i].seq() == static_cast<std::uint64_t>(i + 1));
            all += messages[i].SerializeAsString();
        }
        pages.push_back(all);
    }
    BOOST_TEST(pages[0] == pages[1]);
    for (auto& guard : hubs) {
        guard->expectCleanStop();
    }
}

namespace {

bool presenceOf(const it::Frame& f, v1::PresenceKind kind, const std::string& nick) {
    if (!f.envelope.has_presence() || f.envelope.presence().kind() != kind) {
        return false;
    }
    const auto& nicks = f.envelope.presence().nicks();
    return std::find(nicks.begin(), nicks.end(), nick) != nicks.end();
}

std::vector<std::string> whoIs(it::RawClient& c, const std::string& room) {
    return it::whoNicks(c, room, it::after(5s));
}

}  // namespace

BOOST_AUTO_TEST_CASE(presence) {
    RedisServer redis;
    constexpr int kLeaseMs = 600;
    std::vector<std::unique_ptr<it::HubGuard>> hubs;
    for (const char* name : {"a", "b", "c"}) {
        auto settings = clusterHub(redis, name);
        settings["cluster.lease_ms"] = std::to_string(kLeaseMs);
        hubs.push_back(std::make_unique<it::HubGuard>(settings));
    }
    waitJoined(hubs);
    it::RawClient ana(hubs[0]->hub.port(), "ana");
    ana.hello("ana", it::after(5s));
    ana.send(it::joinEnvelope("#r"));
    ana.expect([](const it::Frame& f) { return f.envelope.has_members(); }, it::after(5s),
               "ana's member list");
    // Joiners on b and c: ana (on a) sees them join, and each joiner's
    // list has everyone so far, on every hub.
    std::vector<std::unique_ptr<it::RawClient>> others;
    const std::pair<std::size_t, const char*> joiners[] = {
        {1, "bob"}, {1, "ben"}, {2, "cid"}, {2, "cy"}};
    std::vector<std::string> expected{"ana"};
    for (const auto& [hub, nick] : joiners) {
        auto c = std::make_unique<it::RawClient>(hubs[hub]->hub.port(), nick);
        c->hello(nick, it::after(5s));
        c->send(it::joinEnvelope("#r"));
        const it::Frame list =
            c->expect([](const it::Frame& f) { return f.envelope.has_members(); }, it::after(5s),
                      std::string(nick) + "'s member list");
        expected.push_back(nick);
        std::vector<std::string> listed(list.envelope.members().nicks().begin(),
                                        list.envelope.members().nicks().end());
        // Another hub's JOINED reaches this hub through Redis, on its own
        // time: a member it has not heard of yet at this join is told to
        // the joiner as JOINED when the notice comes (bounded wait).
        const auto missing = [&] {
            for (const std::string& member : expected) {
                if (std::find(listed.begin(), listed.end(), member) == listed.end()) {
                    return member;
                }
            }
            return std::string();
        };
        for (std::string member = missing(); !member.empty(); member = missing()) {
            // One frame may tell several joins (coalesced): all are taken.
            const it::Frame joined = c->expect(
                [&](const it::Frame& f) { return presenceOf(f, v1::PRESENCE_KIND_JOINED, member); },
                it::after(5s), "JOINED " + member + " at " + nick + ", not in its list");
            for (const std::string& told : joined.envelope.presence().nicks()) {
                if (std::find(listed.begin(), listed.end(), told) == listed.end()) {
                    listed.push_back(told);
                }
            }
        }
        std::sort(listed.begin(), listed.end());
        std::sort(expected.begin(), expected.end());
        BOOST_TEST(listed == expected, boost::test_tools::per_element());
        const std::string who = nick;
        ana.expect([&](const it::Frame& f) { return presenceOf(f, v1::PRESENCE_KIND_JOINED, who); },
                   it::after(5s), "JOINED " + who + " at ana");
        others.push_back(std::move(c));
    }
    it::RawClient& bob = *others[0];
    it::RawClient& ben = *others[1];
    BOOST_TEST(whoIs(ana, "#r") == expected, boost::test_tools::per_element());
    // A leaver on b: ana sees it with its reason, and it is off her list.
    v1::Envelope leave;
    leave.mutable_leave()->set_room("#r");
    leave.mutable_leave()->set_reason("lunch");
    bob.send(leave);
    const it::Frame left =
        ana.expect([](const it::Frame& f) { return presenceOf(f, v1::PRESENCE_KIND_LEFT, "bob"); },
                   it::after(5s), "LEFT bob at ana");
    BOOST_TEST(left.envelope.presence().reason() == "lunch");
    BOOST_TEST(whoIs(ana, "#r") == (std::vector<std::string>{"ana", "ben", "cid", "cy"}),
               boost::test_tools::per_element());
    // c dies without a word: once its lease has expired a surviving hub
    // reaps it, and ana (a) and ben (b) see QUIT for cid and cy.
    hubs[2]->hub.signal(SIGKILL);
    const auto killed = it::Clock::now();
    BOOST_TEST_REQUIRE(hubs[2]->hub.waitExit(5s).has_value());
    // Expected after the lease and at most a third of it more (a
    // survivor's next renewal runs the reap); the bound is generous for a
    // loaded machine, and the time taken is reported below.
    const auto bound = std::chrono::milliseconds(15000);
    for (it::RawClient* c : {&ana, &ben}) {
        // Both may come in one Presence (one turn's quits are coalesced).
        std::vector<std::string> quit;
        while (quit.size() < 2) {
            const it::Frame f = c->expect(
                [](const it::Frame& frame) {
                    return frame.envelope.has_presence() &&
                           frame.envelope.presence().kind() == v1::PRESENCE_KIND_QUIT;
                },
                killed + bound, "QUIT for c's members at " + c->name());
            BOOST_TEST(f.envelope.presence().reason().find("stopped answering") !=
                       std::string::npos);
            quit.insert(quit.end(), f.envelope.presence().nicks().begin(),
                        f.envelope.presence().nicks().end());
        }
        std::sort(quit.begin(), quit.end());
        BOOST_TEST(quit == (std::vector<std::string>{"cid", "cy"}),
                   boost::test_tools::per_element());
    }
    BOOST_TEST_MESSAGE(
        "QUIT of c's members seen at a and b "
        << std::chrono::duration_cast<std::chrono::milliseconds>(it::Clock::now() - killed).count()
        << " ms after kill -9 (lease " << kLeaseMs << " ms)");
    BOOST_TEST(whoIs(ana, "#r") == (std::vector<std::string>{"ana", "ben"}),
               boost::test_tools::per_element());
    BOOST_TEST(whoIs(ben, "#r") == (std::vector<std::string>{"ana", "ben"}),
               boost::test_tools::per_element());
    // Exactly one hub reaped: no second QUIT for cid anywhere.
    ana.sync(it::after(5s));
    for (const it::Frame& f : ana.inbox()) {
        BOOST_TEST(!presenceOf(f, v1::PRESENCE_KIND_QUIT, "cid"), "a second QUIT for cid");
    }
    hubs[0]->expectCleanStop();
    hubs[1]->expectCleanStop();
}

namespace {

// Polls `done` until it holds or `timeout` passes.
bool waitFor(std::chrono::milliseconds timeout, const std::function<bool()>& done) {
    const auto deadline = it::after(timeout);
    while (!done()) {
        if (it::Clock::now() > deadline) {
            return false;
        }
        std::this_thread::sleep_for(50ms);  // polling a condition with a deadline
    }
    return true;
}

// `c` says `text` (client_msg_id `id`) until it is acked (its echo): a Say
// refused CLUSTER_UNAVAILABLE meanwhile (the backplane switching masters)
// is sent again. False at the deadline.
bool sayAcked(it::RawClient& c, std::uint64_t id, const std::string& text, it::Deadline deadline) {
    while (it::Clock::now() < deadline) {
        c.send(it::sayEnvelope("#r", text, id));
        const auto answer = c.tryExpect(
            [id](const it::Frame& f) {
                return (f.envelope.has_message() && f.envelope.message().client_msg_id() == id) ||
                       (f.envelope.has_error() && f.envelope.error().client_msg_id() == id);
            },
            deadline);
        if (!answer) {
            return false;
        }
        if (answer->envelope.has_message()) {
            return true;
        }
        BOOST_TEST_REQUIRE(answer->envelope.error().code() == v1::ERROR_CODE_CLUSTER_UNAVAILABLE);
        std::this_thread::sleep_for(100ms);  // retrying a condition with a deadline
    }
    return false;
}

}  // namespace

BOOST_AUTO_TEST_CASE(sentinel_failover) {
    RedisServer master;
    RedisServer replica(RedisOptions{master.port(), 0});
    BOOST_TEST_REQUIRE(waitFor(10s, [&] {
        return replica.query("INFO replication").find("master_link_status:up") != std::string::npos;
    }));
    std::vector<std::unique_ptr<RedisServer>> sentinels;
    std::string addresses;
    for (int i = 0; i < 3; ++i) {
        sentinels.push_back(std::make_unique<RedisServer>(RedisOptions{0, master.port()}));
        addresses += (i == 0 ? "" : ",") + sentinels.back()->address();
    }
    // The replica known to the sentinel asked to fail over (else there is
    // nothing to promote).
    BOOST_TEST_REQUIRE(waitFor(20s, [&] {
        return sentinels[0]
                   ->query("SENTINEL replicas hermes")
                   .find(std::to_string(replica.port())) != std::string::npos;
    }));
    std::vector<std::unique_ptr<it::HubGuard>> hubs;
    for (const char* name : {"east", "west"}) {
        auto settings = clusterHub(master, name);
        settings["cluster.redis"] = "";
        settings["cluster.sentinels"] = addresses;
        settings["cluster.master_name"] = "hermes";
        settings["cluster.lease_ms"] = "600";  // the master checked every 200 ms
        hubs.push_back(std::make_unique<it::HubGuard>(settings));
    }
    waitJoined(hubs);
    it::RawClient ana(hubs[0]->hub.port(), "ana");
    ana.hello("ana", it::after(5s));
    it::RawClient bob(hubs[1]->hub.port(), "bob");
    bob.hello("bob", it::after(5s));
    for (it::RawClient* c : {&ana, &bob}) {
        c->send(it::joinEnvelope("#r"));
        c->expect([](const it::Frame& f) { return f.envelope.has_members(); }, it::after(5s),
                  "member list");
    }
    std::vector<std::string> acked;
    for (std::uint64_t id = 1; id <= 5; ++id) {
        acked.push_back("before " + std::to_string(id));
        BOOST_TEST_REQUIRE(sayAcked(ana, id, acked.back(), it::after(5s)));
    }
    const auto failoverStart = it::Clock::now();
    // Refused (NOGOODSLAVE) until the sentinel has the replica's own INFO.
    BOOST_TEST_REQUIRE(waitFor(
        20s, [&] { return sentinels[0]->query("SENTINEL FAILOVER hermes").starts_with("OK"); }));
    BOOST_TEST_REQUIRE(waitFor(20s, [&] { return replica.query("ROLE").starts_with("master"); }));
    // Both hubs follow (the old master may take writes for some seconds
    // before Sentinel demotes it: the hubs must not stay with it).
    for (const auto& guard : hubs) {
        BOOST_TEST_REQUIRE(
            waitFor(10s,
                    [&] {
                        return guard->hub.log().find("joined the backplane at Redis 127.0.0.1:" +
                                                     std::to_string(replica.port())) !=
                               std::string::npos;
                    }),
            guard->hub.logTail());
    }
    // ana's and bob's messages are acked again.
    for (std::uint64_t id = 6; id <= 10; ++id) {
        acked.push_back("after " + std::to_string(id));
        BOOST_TEST_REQUIRE(sayAcked(id % 2 == 0 ? ana : bob, id, acked.back(), it::after(30s)));
    }
    BOOST_TEST_MESSAGE(
        "both hubs on the promoted replica and 5 messages acked there "
        << std::chrono::duration_cast<std::chrono::milliseconds>(it::Clock::now() - failoverStart)
               .count()
        << " ms after SENTINEL FAILOVER");
    for (const auto& guard : hubs) {
        // How the hub learnt of it (the sentinels asked, a closed
        // connection, or READONLY): said, not checked.
        const std::string log = guard->hub.log();
        const std::size_t lost = log.find("cluster: lost Redis");
        if (lost != std::string::npos) {
            BOOST_TEST_MESSAGE(log.substr(lost, log.find('\n', lost) - lost));
        }
    }
    // Every acked message is on the new master too (its room stream).
    const std::string stream = replica.query("XRANGE hermes:stream:r - +");
    for (const std::string& text : acked) {
        BOOST_TEST(stream.find(text) != std::string::npos, "the new master lacks " << text);
    }
    // Every acked message is in both hubs' history, in one order, seqs
    // unique (a Say retried after an unknown fate may be there twice).
    // ana's echo of the last one says her hub has it; bob's hub has it
    // once he sees it live (a hub delivers after its store commits).
    bob.expect(it::isChatText("r", acked.back()), it::after(15s),
               "the last acked message, live at bob's hub");
    for (it::RawClient* c : {&ana, &bob}) {
        c->send(it::historyEnvelope("#r", 0, 100));
        const it::Frame page =
            c->expect([](const it::Frame& f) { return f.envelope.has_history_page(); },
                      it::after(5s), "history page");
        std::vector<std::string> texts;
        std::uint64_t lastSeq = 0;
        for (const auto& m : page.envelope.history_page().messages()) {
            BOOST_TEST(m.seq() > lastSeq);
            lastSeq = m.seq();
            texts.push_back(m.text());
        }
        std::size_t at = 0;
        for (const std::string& text : acked) {
            const auto found =
                std::find(texts.begin() + static_cast<std::ptrdiff_t>(at), texts.end(), text);
            BOOST_TEST((found != texts.end()), c->name() << "'s history lacks acked " << text);
            if (found != texts.end()) {
                at = static_cast<std::size_t>(found - texts.begin()) + 1;
            }
        }
    }
    hubs[0]->expectCleanStop();
    hubs[1]->expectCleanStop();
}

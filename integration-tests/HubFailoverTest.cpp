// A client with a hub list (issue 20, docs/CLUSTER.md "Clients"): when its
// hub dies or refuses the connect, the client core and hermes-cat move to
// the next hub of the list, rejoin, catch up and deliver what was pending,
// once. Two plain single hubs are enough for the rotation itself: they are
// not a cluster (another epoch each), so the move also shows that cursors
// from one hub are not applied to another's seqs. The cluster's own
// failover (the same epoch, cursors kept) is ClusterFailureTest's.
#define BOOST_TEST_MODULE HubFailoverTest
#include <boost/test/unit_test.hpp>

#include <poll.h>
#include <signal.h>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "BoostSupport.hpp"
#include "Frames.hpp"
#include "RawClient.hpp"
#include "RedisServer.hpp"
#include "ToolProcess.hpp"
#include "hermes/client/ClientCore.hpp"
#include "hermes/test/TempDir.hpp"

using namespace std::chrono_literals;
namespace it = hermes::it;
namespace v1 = hermes::v1;
using hermes::client::ClientCore;
using hermes::client::Event;
using hermes::client::EventKind;

namespace {

hermes::client::ClientOptions listOptions(std::uint16_t first, std::uint16_t second,
                                          const std::string& nick) {
    hermes::client::ClientOptions options;
    options.host = "127.0.0.1";
    options.port = first;
    options.moreHubs = {{"127.0.0.1", second}};
    options.nick = nick;
    options.clientName = "integration HubFailoverTest";
    options.backoffInitial = 50ms;
    options.backoffMax = 200ms;
    options.connectTimeout = 2000ms;
    return options;
}

// Pops events until one satisfies `wanted` (returned) or the deadline passes
// (nullptr). Every event popped is also given to `seen`, if set.
std::unique_ptr<Event> waitFor(ClientCore& core, const std::function<bool(const Event&)>& wanted,
                               it::Deadline deadline,
                               const std::function<void(const Event&)>& seen = {}) {
    for (;;) {
        auto event = std::make_unique<Event>();
        while (core.pollEvent(*event)) {
            if (seen) {
                seen(*event);
            }
            if (wanted(*event)) {
                return event;
            }
            event = std::make_unique<Event>();
        }
        const int timeout = it::pollTimeoutMs(deadline);
        if (timeout == 0) {
            return nullptr;
        }
        pollfd fd{core.wakeFd(), POLLIN, 0};
        ::poll(&fd, 1, timeout);
    }
}

std::function<bool(const Event&)> isKind(EventKind kind) {
    return [kind](const Event& event) { return event.kind == kind; };
}

std::function<bool(const Event&)> isAck(std::uint64_t id) {
    return [id](const Event& event) {
        return event.kind == EventKind::SendAcked && event.clientMsgId == id;
    };
}

// The texts `nick` said in `room`, oldest first, through the whole history.
std::vector<std::string> historyOf(std::uint16_t port, const std::string& room,
                                   const std::string& nick) {
    it::RawClient reader(port, "reader");
    reader.hello("reader", it::after(5s));
    std::vector<std::string> texts;
    std::uint64_t after = 0;
    for (int page = 0; page < 100; ++page) {
        reader.send(it::historyEnvelope(room, after, 0));
        const auto got = reader.expect(
            [](const it::Frame& f) {
                return f.envelope.has_history_page() && !f.envelope.history_page().backlog();
            },
            it::after(5s), "HistoryPage");
        const auto& history = got.envelope.history_page();
        for (const auto& m : history.messages()) {
            if (m.from() == nick) {
                texts.push_back(m.text());
            }
            after = m.seq();
        }
        if (!history.has_more()) {
            break;
        }
    }
    return texts;
}

std::vector<std::string> catArgs(const std::string& hosts, const std::string& nick) {
    return {HERMES_IT_HERMES_CAT, "--host", hosts, "--nick", nick, "--room", "dev",
            "--timeout",          "15"};
}

}  // namespace

BOOST_AUTO_TEST_CASE(the_core_moves_to_the_next_hub_when_its_hub_is_killed) {
    const it::HubProcess::Settings settings{{"default_room", ""}};
    auto first = std::make_unique<it::HubGuard>(settings);
    it::HubGuard second(settings);
    ClientCore ana(listOptions(first->hub.port(), second.hub.port(), "ana"));
    BOOST_TEST_REQUIRE(ana.start());
    auto welcome = waitFor(ana, isKind(EventKind::Welcomed), it::after(5s));
    BOOST_TEST_REQUIRE(welcome != nullptr);
    BOOST_TEST(ana.join("dev"));
    const auto one = ana.say("dev", "one, on the first hub");
    BOOST_TEST_REQUIRE(waitFor(ana, isAck(one), it::after(5s)) != nullptr);

    it::RawClient bob(second.hub.port(), "bob");
    bob.hello("bob", it::after(5s));
    bob.send(it::joinEnvelope("dev"));
    bob.expect(it::isBody(v1::Envelope::kMembers), it::after(5s), "bob's MemberList");

    // kill -9: no Bye, no FIN from a goodbye; a say made at once is in doubt
    // or queued, and must arrive once, on the second hub.
    first->hub.signal(SIGKILL);
    BOOST_TEST_REQUIRE(first->hub.waitExit(5s).has_value());
    const auto two = ana.say("dev", "two, made as the hub died");
    BOOST_TEST_REQUIRE(two != 0u);

    std::string connectingTo;
    auto moved = waitFor(ana, isKind(EventKind::Welcomed), it::after(15s), [&](const Event& e) {
        if (e.kind == EventKind::Connecting) {
            connectingTo = e.text;
        }
    });
    BOOST_TEST_REQUIRE(moved != nullptr);
    BOOST_TEST(connectingTo == "127.0.0.1:" + std::to_string(second.hub.port()));
    // Two single hubs: another epoch, another history; the client says so.
    BOOST_TEST(moved->text.find("not of the same cluster") != std::string::npos, moved->text);
    bob.expect(
        [](const it::Frame& f) {
            return f.envelope.has_presence() && f.envelope.presence().room() == "dev" &&
                   f.envelope.presence().kind() == v1::PRESENCE_KIND_JOINED &&
                   f.envelope.presence().nicks_size() == 1 &&
                   f.envelope.presence().nicks(0) == "ana";
        },
        it::after(5s), "ana rejoining dev on the second hub by herself");
    BOOST_TEST_REQUIRE(waitFor(ana, isAck(two), it::after(10s)) != nullptr);
    bob.expect(it::isChatText("dev", "two, made as the hub died"), it::after(5s), "two");
    BOOST_TEST(ana.pendingCount() == 0u);
    BOOST_TEST(historyOf(second.hub.port(), "dev", "ana") ==
                   std::vector<std::string>{"two, made as the hub died"},
               boost::test_tools::per_element());
    ana.stop();
    second.expectCleanStop();
}

BOOST_AUTO_TEST_CASE(a_refused_connect_moves_on_to_the_next_hub) {
    it::HubGuard live(it::HubProcess::Settings{{"default_room", ""}});
    const std::uint16_t dead = it::freeLoopbackPort();  // nothing listens there
    ClientCore ana(listOptions(dead, live.hub.port(), "ana"));
    std::vector<std::string> attempts;
    std::string nextHub;
    const auto watch = [&](const Event& e) {
        if (e.kind == EventKind::Connecting) {
            attempts.push_back(e.text);
        } else if (e.kind == EventKind::ReconnectScheduled && nextHub.empty()) {
            nextHub = e.hub;
        }
    };
    BOOST_TEST_REQUIRE(ana.start());
    BOOST_TEST_REQUIRE(waitFor(ana, isKind(EventKind::Welcomed), it::after(10s), watch) != nullptr);
    const std::string liveAddress = "127.0.0.1:" + std::to_string(live.hub.port());
    BOOST_TEST_REQUIRE(attempts.size() == 2u);
    BOOST_TEST(attempts[0] == "127.0.0.1:" + std::to_string(dead));
    BOOST_TEST(attempts[1] == liveAddress);
    BOOST_TEST(nextHub == liveAddress);
    BOOST_TEST(ana.join("dev"));
    const auto id = ana.say("dev", "through the live hub");
    BOOST_TEST(waitFor(ana, isAck(id), it::after(5s)) != nullptr);
    ana.stop();
    live.expectCleanStop();
}

BOOST_AUTO_TEST_CASE(hermes_cat_with_a_hub_list_delivers_through_the_one_that_answers) {
    it::HubGuard live(it::HubProcess::Settings{{"default_room", ""}});
    const std::uint16_t dead = it::freeLoopbackPort();
    it::ToolProcess cat(catArgs("127.0.0.1:" + std::to_string(dead) +
                                    ",127.0.0.1:" + std::to_string(live.hub.port()),
                                "ana"),
                        "a\nb\nc\n");
    const auto exit = cat.waitExit(30s);
    BOOST_TEST_REQUIRE(exit.has_value());
    BOOST_TEST(exit->code == 0, cat.err());
    BOOST_TEST(
        historyOf(live.hub.port(), "dev", "ana") == (std::vector<std::string>{"a", "b", "c"}),
        boost::test_tools::per_element());
    live.expectCleanStop();
}

BOOST_AUTO_TEST_CASE(hermes_cat_moves_on_when_its_hub_dies_mid_pipe) {
    // The first hub paces at the shipped 5 lines/s, so the pipe of 40 lines
    // is still running when it is killed; the second takes the rest.
    hermes::test::TempDir dir("hermes-failover");
    const it::HubProcess::Settings firstSettings{{"default_room", ""},
                                                 {"rate_per_second", "5"},
                                                 {"rate_burst", "10"},
                                                 {"history.path", dir.file("first.db")}};
    auto first = std::make_unique<it::HubGuard>(firstSettings);
    it::HubGuard second(it::HubProcess::Settings{{"default_room", ""}});
    std::string input;
    constexpr int kLines = 40;
    for (int i = 1; i <= kLines; ++i) {
        input += "line " + std::to_string(i) + "\n";
    }
    it::RawClient watcher(first->hub.port(), "watcher");
    watcher.hello("watcher", it::after(5s));
    watcher.send(it::joinEnvelope("dev"));
    watcher.expect(it::isBody(v1::Envelope::kMembers), it::after(5s), "watcher's MemberList");
    it::ToolProcess cat(catArgs("127.0.0.1:" + std::to_string(first->hub.port()) +
                                    ",127.0.0.1:" + std::to_string(second.hub.port()),
                                "ana"),
                        input);
    watcher.expect(it::isChatText("dev", "line 3"), it::after(10s), "the pipe under way");
    first->hub.signal(SIGKILL);
    BOOST_TEST_REQUIRE(first->hub.waitExit(5s).has_value());
    first.reset();
    const auto exit = cat.waitExit(60s);
    BOOST_TEST_REQUIRE(exit.has_value());
    BOOST_TEST(exit->code == 0, cat.err());
    BOOST_TEST(cat.err().find("trying the next hub") != std::string::npos, cat.err());
    // On the second hub: a run of lines to the end, in order, each once.
    const auto onSecond = historyOf(second.hub.port(), "dev", "ana");
    BOOST_TEST_REQUIRE(!onSecond.empty());
    BOOST_TEST(onSecond.back() == "line " + std::to_string(kLines));
    const int from = std::stoi(onSecond.front().substr(5));
    for (std::size_t i = 0; i < onSecond.size(); ++i) {
        BOOST_TEST(onSecond[i] == "line " + std::to_string(from + static_cast<int>(i)));
    }
    // The first hub's database (read by a hub started on it) has the lines
    // before: together nothing is missing. A line the dead hub committed but
    // never echoed is on both: two single hubs share nothing to tell.
    it::HubGuard again(firstSettings);
    const auto onFirst = historyOf(again.hub.port(), "dev", "ana");
    BOOST_TEST_REQUIRE(!onFirst.empty());
    for (std::size_t i = 0; i < onFirst.size(); ++i) {
        BOOST_TEST(onFirst[i] == "line " + std::to_string(1 + i));
    }
    BOOST_TEST(onFirst.size() + 1 >= static_cast<std::size_t>(from),
               "lines " << onFirst.size() + 1 << " to " << from - 1 << " are on neither hub");
    again.expectCleanStop();
    second.expectCleanStop();
}

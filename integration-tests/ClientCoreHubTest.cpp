// The client core (hermes::client::ClientCore) against a real hub: the
// acknowledgement of sends by their echo, quitting, and reconnecting after
// the hub restarts (new epoch, rooms rejoined, sends queued while away, and
// lines pending at the restart delivered exactly once however much the
// room's history looks like them).
#define BOOST_TEST_MODULE ClientCoreHubTest
#include <boost/test/unit_test.hpp>

#include <poll.h>
#include <signal.h>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "BoostSupport.hpp"
#include "Frames.hpp"
#include "RawClient.hpp"
#include "hermes/client/ClientCore.hpp"
#include "hermes/test/TempDir.hpp"

using namespace std::chrono_literals;
namespace it = hermes::it;
namespace v1 = hermes::v1;
using hermes::client::ClientCore;
using hermes::client::Event;
using hermes::client::EventKind;

namespace {

hermes::client::ClientOptions optionsFor(std::uint16_t port, const std::string& nick) {
    hermes::client::ClientOptions options;
    options.host = "127.0.0.1";
    options.port = port;
    options.nick = nick;
    options.clientName = "integration ClientCoreTest";
    options.backoffInitial = 50ms;
    options.backoffMax = 200ms;
    return options;
}

// Pops events until one satisfies `wanted` (returned) or the deadline passes
// (nullopt). Events before it are dropped.
std::unique_ptr<Event> waitFor(ClientCore& core, const std::function<bool(const Event&)>& wanted,
                               it::Deadline deadline) {
    for (;;) {
        auto event = std::make_unique<Event>();
        while (core.pollEvent(*event)) {
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

// Every message of `room` from `nick`, oldest first, paging through its
// whole history.
std::vector<std::string> historyOf(it::RawClient& reader, const std::string& room,
                                   const std::string& nick) {
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

std::function<bool(const Event&)> isKind(EventKind kind) {
    return [kind](const Event& event) { return event.kind == kind; };
}

std::function<bool(const Event&)> isChat(const std::string& text) {
    return [text](const Event& event) {
        return event.kind == EventKind::Envelope && event.envelope &&
               event.envelope->has_message() && event.envelope->message().text() == text;
    };
}

}  // namespace

BOOST_AUTO_TEST_CASE(say_is_acknowledged_by_its_echo_and_quit_is_seen) {
    it::HubGuard guard;
    ClientCore ana(optionsFor(guard.hub.port(), "ana"));
    it::RawClient bob(guard.hub.port(), "bob");
    bob.hello("bob", it::after(5s));
    BOOST_TEST_REQUIRE(ana.start());
    BOOST_TEST_REQUIRE(waitFor(ana, isKind(EventKind::Welcomed), it::after(5s)) != nullptr);
    BOOST_TEST(ana.say("lobby", "from the core") != 0u);
    BOOST_TEST_REQUIRE(waitFor(ana, isChat("from the core"), it::after(5s)) != nullptr);
    BOOST_TEST(ana.pendingCount() == 0u, "the echo acknowledges the say");
    bob.expect(it::isChatText("lobby", "from the core"), it::after(5s), "ana's message");
    bob.send(it::sayEnvelope("lobby", "to the core", 1));
    BOOST_TEST(waitFor(ana, isChat("to the core"), it::after(5s)) != nullptr);
    ana.stop("bye now");
    bob.expect(
        [](const it::Frame& f) {
            return f.envelope.has_presence() &&
                   f.envelope.presence().kind() == v1::PRESENCE_KIND_QUIT &&
                   f.envelope.presence().nicks_size() == 1 &&
                   f.envelope.presence().nicks(0) == "ana" &&
                   f.envelope.presence().reason() == "bye now";
        },
        it::after(5s), "ana's QUIT with her message");
    guard.expectCleanStop();
}

BOOST_AUTO_TEST_CASE(reconnects_after_hub_restart_and_rejoins) {
    auto first = std::make_unique<it::HubGuard>(
        it::HubProcess::Settings{{"default_room", ""}, {"hermesd.linger_ms", "100"}});
    const std::uint16_t port = first->hub.port();
    ClientCore ana(optionsFor(port, "ana"));
    BOOST_TEST_REQUIRE(ana.start());
    auto welcome = waitFor(ana, isKind(EventKind::Welcomed), it::after(5s));
    BOOST_TEST_REQUIRE(welcome != nullptr);
    const auto firstEpoch = welcome->envelope->welcome().epoch();
    BOOST_TEST(ana.join("kitchen"));
    BOOST_TEST(ana.say("kitchen", "before the restart") != 0u);
    BOOST_TEST_REQUIRE(waitFor(ana, isChat("before the restart"), it::after(5s)) != nullptr);

    first->expectCleanStop();
    auto lost = waitFor(ana, isKind(EventKind::Disconnected), it::after(5s));
    BOOST_TEST_REQUIRE(lost != nullptr);
    BOOST_TEST(lost->willRetry);
    first.reset();

    // The same port again, so the core's retries find the new hub.
    it::HubGuard second(
        it::HubProcess::Settings{{"default_room", ""}, {"hermesd.port", std::to_string(port)}});
    BOOST_TEST_REQUIRE(second.hub.port() == port);
    // A say accepted while away goes out after the rejoin.
    BOOST_TEST(ana.say("kitchen", "after the restart") != 0u);
    auto again = waitFor(ana, isKind(EventKind::Welcomed), it::after(10s));
    BOOST_TEST_REQUIRE(again != nullptr);
    BOOST_TEST(again->envelope->welcome().epoch() != firstEpoch);
    it::RawClient bob(port, "bob");
    bob.hello("bob", it::after(5s));
    bob.send(it::joinEnvelope("kitchen"));
    auto members = bob.expect(it::isBody(v1::Envelope::kMembers), it::after(5s), "MemberList");
    // ana rejoined on her own; her queued say may have arrived before bob.
    BOOST_TEST(members.envelope.members().nicks_size() == 2);
    BOOST_TEST(waitFor(ana, isChat("after the restart"), it::after(5s)) != nullptr);
    BOOST_TEST(ana.pendingCount() == 0u);
    ana.stop();
    second.expectCleanStop();
}

BOOST_AUTO_TEST_CASE(pending_lines_survive_a_restart_exactly_once_whatever_the_backlog_holds) {
    // The shipped rate limit (5/s, bursts of 10), so lines are still pending
    // when the hub restarts; one database for both hubs (durable history).
    hermes::test::TempDir dir("hermes-acks");
    it::HubProcess::Settings settings{
        {"default_room", "lobby"},    {"rate_per_second", "5"},
        {"rate_burst", "10"},         {"flood_backlog", "20"},
        {"hermesd.linger_ms", "100"}, {"history.path", dir.file("history.db")}};
    auto first = std::make_unique<it::HubGuard>(settings);
    const std::uint16_t port = first->hub.port();
    constexpr std::uint64_t kBase = 0x4ACC'0000'0000;
    constexpr std::uint64_t kLines = 20;

    // An earlier run of "hs" said 20 lines with exactly the ids this one will
    // use: the backlog of every join now holds them.
    {
        it::RawClient earlier(port, "earlier");
        earlier.hello("hs", it::after(5s));
        std::string frames;
        for (std::uint64_t i = 1; i <= kLines; ++i) {
            frames +=
                it::frameOf(it::sayEnvelope("lobby", "earlier " + std::to_string(i), kBase + i));
        }
        earlier.sendBytes(frames);
        earlier.expect(it::isChatText("lobby", "earlier 20"), it::after(15s), "the last echo");
        earlier.send(it::byeEnvelope("done"));
        BOOST_TEST_REQUIRE(earlier.waitClosed(it::after(5s)));
    }

    auto options = optionsFor(port, "hs");
    options.clientMsgIdBase = kBase;
    ClientCore hs(options);
    // Said before the connection exists: pending while the backlog arrives.
    for (std::uint64_t i = 1; i <= kLines; ++i) {
        BOOST_TEST_REQUIRE(hs.say("lobby", "now " + std::to_string(i)) == kBase + i);
    }
    BOOST_TEST_REQUIRE(hs.start());

    // Every ack must follow its own line: its live echo, or (a line whose
    // echo the crash took) that line in the core's catch-up, never a backlog.
    std::map<std::uint64_t, int> acks;
    std::set<std::uint64_t> echoed;
    std::size_t failures = 0;
    std::string misacked;
    const auto ours = [](const v1::ChatMessage& m) {
        return m.from() == "hs" && m.text().rfind("now ", 0) == 0;
    };
    const auto watch = [&](const Event& e) {
        if (e.kind == EventKind::Envelope && e.envelope->has_message()) {
            if (ours(e.envelope->message())) {
                echoed.insert(e.envelope->message().client_msg_id());
            }
        } else if (e.kind == EventKind::Envelope && e.envelope->has_history_page() &&
                   !e.envelope->history_page().backlog()) {
            for (const auto& m : e.envelope->history_page().messages()) {
                if (ours(m)) {
                    echoed.insert(m.client_msg_id());
                }
            }
        } else if (e.kind == EventKind::SendAcked) {
            ++acks[e.clientMsgId];
            if (echoed.count(e.clientMsgId) == 0) {
                misacked += " " + std::to_string(e.clientMsgId - kBase);
            }
        } else if (e.kind == EventKind::SendFailed) {
            ++failures;
        }
        return false;
    };
    // Half of them in, then the hub goes down with the rest pending.
    BOOST_TEST_REQUIRE(waitFor(
                           hs,
                           [&](const Event& e) {
                               watch(e);
                               return acks.size() >= kLines / 2;
                           },
                           it::after(15s)) != nullptr);
    const std::size_t pendingAtStop = hs.pendingCount();
    BOOST_TEST_MESSAGE(pendingAtStop << " lines pending when the hub crashes");
    BOOST_TEST(pendingAtStop > 0u);
    // A crash (SIGKILL): committed lines whose echo never left are in the
    // database; lines it had not taken are not.
    first->hub.signal(SIGKILL);
    BOOST_TEST_REQUIRE(first->hub.waitExit(5s).has_value());
    first.reset();

    settings["hermesd.port"] = std::to_string(port);
    it::HubGuard second(settings);
    BOOST_TEST_REQUIRE(second.hub.port() == port);
    waitFor(
        hs,
        [&](const Event& e) {
            watch(e);
            return acks.size() == kLines;
        },
        it::after(30s));
    BOOST_TEST(acks.size() == kLines);
    BOOST_TEST(misacked.empty(), "acknowledged without their own echo:" << misacked);
    BOOST_TEST(failures == 0u);
    for (const auto& [id, count] : acks) {
        BOOST_TEST(count == 1, "id +" << id - kBase << " acknowledged " << count << " times");
    }
    BOOST_TEST(hs.pendingCount() == 0u);

    // The room's history: the earlier run's 20, then these 20, each once, in order.
    it::RawClient reader(port, "reader");
    reader.hello("reader", it::after(5s));
    const auto texts = historyOf(reader, "lobby", "hs");
    std::vector<std::string> expected;
    for (const char* run : {"earlier ", "now "}) {
        for (std::uint64_t i = 1; i <= kLines; ++i) {
            expected.push_back(run + std::to_string(i));
        }
    }
    BOOST_TEST(texts == expected, boost::test_tools::per_element());
    hs.stop();
    second.expectCleanStop();
}

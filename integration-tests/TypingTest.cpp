// Typing notices against a real hermesd: relayed to a room's other members
// and to a private peer, never to the sender; a flood of them is cut to the
// typing rate at the hub without touching the sender's message bucket or
// closing it; off with typing.enabled = false (and the Welcome says so); a
// Typing that is wrong in itself answered, not fatal.
#define BOOST_TEST_MODULE TypingTest
#include <boost/test/unit_test.hpp>

#include <poll.h>

#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

#include "BoostSupport.hpp"
#include "Frames.hpp"
#include "HubProcess.hpp"
#include "RawClient.hpp"
#include "ToolProcess.hpp"

using namespace std::chrono_literals;
namespace it = hermes::it;
namespace v1 = hermes::v1;

namespace {

v1::Envelope typingEnvelope(const std::string& room, const std::string& to, bool stopped = false) {
    v1::Envelope envelope;
    auto* typing = envelope.mutable_typing();
    typing->set_room(room);
    typing->set_to(to);
    typing->set_stopped(stopped);
    return envelope;
}

it::RawClient::Predicate isNotice(const std::string& room, const std::string& from) {
    return [room, from](const it::Frame& f) {
        return f.envelope.has_typing_notice() && f.envelope.typing_notice().room() == room &&
               f.envelope.typing_notice().from() == from;
    };
}

// Polls `tool`'s standard output until it contains `text`, or the deadline.
bool outputShows(const it::ToolProcess& tool, const std::string& text, it::Deadline deadline) {
    while (tool.out().find(text) == std::string::npos) {
        if (it::pollTimeoutMs(deadline) == 0) {
            return false;
        }
        ::poll(nullptr, 0, 20);  // a file, not a socket: look again shortly
    }
    return true;
}

std::vector<std::string> catArgs(std::uint16_t port, const std::string& nick, bool typing) {
    std::vector<std::string> args{HERMES_IT_HERMES_CAT,
                                  "--host",
                                  "127.0.0.1",
                                  "--port",
                                  std::to_string(port),
                                  "--nick",
                                  nick,
                                  "--room",
                                  "lobby",
                                  "--json",
                                  "--follow"};
    if (typing) {
        args.emplace_back("--typing");
    }
    return args;
}

std::size_t countNotices(it::RawClient& client) {
    std::size_t n = 0;
    for (const it::Frame& f : client.inbox()) {
        n += f.envelope.has_typing_notice() ? 1 : 0;
    }
    return n;
}

}  // namespace

BOOST_AUTO_TEST_CASE(typing_goes_to_the_others_and_to_the_private_peer_only) {
    it::HubProcess hub;
    it::RawClient ana(hub.port(), "ana");
    it::RawClient bob(hub.port(), "bob");
    it::RawClient carol(hub.port(), "carol");
    BOOST_TEST(ana.hello("ana", it::after(5s)).typing());
    bob.hello("bob", it::after(5s));
    carol.hello("carol", it::after(5s));
    bob.sync(it::after(5s));  // everyone's joins are in

    ana.send(typingEnvelope("lobby", {}));
    const auto bobs = bob.expect(isNotice("lobby", "ana"), it::after(5s), "ana typing in lobby");
    BOOST_TEST(bobs.envelope.typing_notice().expires_ms() == 6000u);
    BOOST_TEST(!bobs.envelope.typing_notice().stopped());
    carol.expect(isNotice("lobby", "ana"), it::after(5s), "ana typing, to carol");

    ana.send(typingEnvelope({}, "BOB", true));  // any case, and stopped
    const auto privately = bob.expect(isNotice("", "ana"), it::after(5s), "ana typing to bob");
    BOOST_TEST(privately.envelope.typing_notice().stopped());
    // bob has it, so ana's Typing was handled: carol's sync covers it.
    carol.sync(it::after(5s));
    BOOST_TEST(!carol.tryExpect(isNotice("", "ana"), it::after(0ms)).has_value());
    ana.sync(it::after(5s));
    BOOST_TEST(countNotices(ana) == 0u, ana.inboxSummary());

    // Never stored: the room's history has no trace of it.
    ana.send(it::historyEnvelope("lobby", 0, 0));
    const auto page =
        ana.expect(it::isBody(v1::Envelope::kHistoryPage), it::after(5s), "lobby's history");
    BOOST_TEST(page.envelope.history_page().messages_size() == 0);
}

BOOST_AUTO_TEST_CASE(a_typing_flood_is_cut_quietly_and_spends_no_message_token) {
    // A tight message bucket and a short backlog: 300 frames through it would
    // be a FLOOD; typing has its own bucket (burst 4, 1/s).
    it::HubProcess hub(it::HubProcess::Settings{
        {"hub.rate_per_second", "5"}, {"hub.rate_burst", "10"}, {"hub.flood_backlog", "20"}});
    it::RawClient ana(hub.port(), "ana");
    it::RawClient bob(hub.port(), "bob");
    ana.hello("ana", it::after(5s));
    bob.hello("bob", it::after(5s));
    bob.sync(it::after(5s));
    const auto start = std::chrono::steady_clock::now();
    std::string burst;
    for (int i = 0; i < 300; ++i) {
        burst += it::frameOf(typingEnvelope("lobby", {}));
    }
    ana.sendBytes(burst);
    ana.send(it::sayEnvelope("lobby", "still here", 1));
    ana.expect(it::isChatText("lobby", "still here"), it::after(5s), "ana's own echo");
    bob.expect(it::isChatText("lobby", "still here"), it::after(5s), "ana's line after the flood");
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const std::size_t got = countNotices(bob);
    BOOST_TEST(got >= 1u);
    BOOST_TEST(got <= 4u + static_cast<std::size_t>(seconds) + 1u,
               got << " in " << seconds << " s");
    BOOST_TEST(!ana.closedByPeer());
    ana.send(it::statsRequestEnvelope());
    const auto stats = ana.expect(it::isBody(v1::Envelope::kStats), it::after(5s), "stats");
    BOOST_TEST(stats.envelope.stats().typing_dropped() >= 300u - got);
    BOOST_TEST(stats.envelope.stats().disconnects().count("flood") == 0u);
    BOOST_TEST_MESSAGE("typing flood: 300 Typing frames at once; bob got "
                       << got << " notices in " << seconds << " s; the hub dropped "
                       << stats.envelope.stats().typing_dropped() << "; ana's line still arrived");
}

BOOST_AUTO_TEST_CASE(typing_off_at_the_hub) {
    it::HubProcess hub(it::HubProcess::Settings{{"typing.enabled", "false"}});
    it::RawClient ana(hub.port(), "ana");
    it::RawClient bob(hub.port(), "bob");
    BOOST_TEST(!ana.hello("ana", it::after(5s)).typing());
    bob.hello("bob", it::after(5s));
    bob.sync(it::after(5s));
    ana.send(typingEnvelope("lobby", {}));
    ana.send(typingEnvelope({}, "bob"));
    ana.send(it::sayEnvelope("lobby", "after typing", 1));
    bob.expect(it::isChatText("lobby", "after typing"), it::after(5s), "ana's line");
    BOOST_TEST(countNotices(bob) == 0u, bob.inboxSummary());
}

BOOST_AUTO_TEST_CASE(a_wrong_typing_is_answered_and_not_fatal) {
    it::HubProcess hub;
    it::RawClient ana(hub.port(), "ana");
    ana.hello("ana", it::after(5s));
    ana.send(typingEnvelope("elsewhere", {}));
    ana.expect(it::isError(v1::ERROR_CODE_NOT_IN_ROOM), it::after(5s), "not in that room");
    ana.send(typingEnvelope("lobby", "bob"));
    ana.expect(it::isError(v1::ERROR_CODE_UNSUPPORTED), it::after(5s), "both targets");
    ana.send(typingEnvelope({}, "nobody-here"));  // gone: quietly nothing
    ana.sync(it::after(5s));
    BOOST_TEST(!ana.closedByPeer());
}

BOOST_AUTO_TEST_CASE(hermes_cat_prints_typing_in_json_only_when_asked) {
    it::HubProcess hub;
    it::ToolProcess asked(catArgs(hub.port(), "watcher", true), "");
    it::ToolProcess plain(catArgs(hub.port(), "reader", false), "");
    BOOST_TEST_REQUIRE(outputShows(asked, "\"type\":\"members\"", it::after(10s)), asked.err());
    BOOST_TEST_REQUIRE(outputShows(plain, "\"type\":\"members\"", it::after(10s)), plain.err());
    it::RawClient ana(hub.port(), "ana");
    ana.hello("ana", it::after(5s));
    ana.send(typingEnvelope("lobby", {}));
    ana.send(it::sayEnvelope("lobby", "typed it", 1));
    BOOST_TEST(outputShows(asked,
                           "{\"type\":\"typing\",\"room\":\"lobby\",\"from\":\"ana\","
                           "\"stopped\":false,\"expires_ms\":6000}",
                           it::after(10s)),
               asked.out());
    BOOST_TEST_REQUIRE(outputShows(plain, "typed it", it::after(10s)), plain.out());
    BOOST_TEST(plain.out().find("\"type\":\"typing\"") == std::string::npos, plain.out());
}

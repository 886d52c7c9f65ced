// The client core (hermes::client::ClientCore) against a real hub: the
// acknowledgement of sends by their echo, quitting, and reconnecting after
// the hub restarts (new epoch, rooms rejoined, sends queued while away).
#define BOOST_TEST_MODULE ClientCoreHubTest
#include <boost/test/unit_test.hpp>

#include <poll.h>

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "BoostSupport.hpp"
#include "Frames.hpp"
#include "RawClient.hpp"
#include "hermes/client/ClientCore.hpp"

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

// Presence across hubs when a hub loses Redis and comes back (issue 20,
// docs/CLUSTER.md "Presence after a hub was away"), with a real
// redis-server and two hubs; hub-2 reaches Redis through a TcpProxy, so
// that it alone can be cut.
//
//   cut     hub-2 is cut for less than its lease: a leave, a quit and an
//           away on hub-2, and a join on hub-1, whose notices the cut lost,
//           are shown on the other hub once hub-2 is back, and both hubs
//           list the same members
//   reaped  hub-2 is cut for longer than its lease: hub-1 reaps it (its
//           members QUIT there); once hub-2 is back its members still
//           connected are listed on hub-1 again, with a JOINED
//
// Each case is its own CTest test (integration.cluster.presence.<case>).
#define BOOST_TEST_MODULE ClusterPresenceTest
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <chrono>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "BoostSupport.hpp"
#include "ClusterHubs.hpp"
#include "Frames.hpp"
#include "RawClient.hpp"
#include "RedisRequired.hpp"
#include "RedisServer.hpp"
#include "TcpProxy.hpp"

using namespace std::chrono_literals;
namespace it = hermes::it;
namespace v1 = hermes::v1;

namespace {

constexpr const char* kRoom = "#r";

// Redis, and two hubs of which hub-2 (index 1) reaches it through `link`.
struct CutCluster {
    it::RedisRequired redisRequired;
    it::RedisServer redis;
    it::TcpProxy link{redis.port()};
    it::ClusterHubs hubs{
        2, [this](std::size_t i) { return i == 1 ? link.address() : redis.address(); },
        it::ClusterHubs::quickSettings()};

    ~CutCluster() {
        if (it::currentTestFailed()) {
            hubs.markFailed();
        }
    }

    // A member of #r on hub `i`.
    std::unique_ptr<it::RawClient> member(std::size_t i, const std::string& nick) {
        auto c = std::make_unique<it::RawClient>(hubs[i].port(), nick);
        c->hello(nick, it::after(10s));
        c->send(it::joinEnvelope(kRoom));
        c->expect(it::isBody(v1::Envelope::kMembers), it::after(10s), nick + "'s member list");
        return c;
    }

    // Until hub-2 refuses a Say: it knows it has lost Redis.
    void waitUntilCut(it::RawClient& onHub2) {
        const auto deadline = it::after(15s);
        for (std::uint64_t id = 1; it::Clock::now() < deadline; ++id) {
            onHub2.send(it::sayEnvelope(kRoom, "are you there?", id));
            const auto answer = onHub2.tryExpect(
                [id](const it::Frame& f) {
                    return (f.envelope.has_error() && f.envelope.error().client_msg_id() == id) ||
                           (f.envelope.has_message() && f.envelope.message().client_msg_id() == id);
                },
                deadline);
            if (answer && answer->envelope.has_error()) {
                BOOST_TEST_REQUIRE(answer->envelope.error().code() ==
                                   v1::ERROR_CODE_CLUSTER_UNAVAILABLE);
                return;
            }
        }
        BOOST_FAIL("hub-2 never noticed it was cut from Redis");
    }
};

// Waits for `c` to see each of `nicks` join (JOINEDs are coalesced: one
// frame may name several).
void expectJoined(it::RawClient& c, std::set<std::string> nicks) {
    const auto deadline = it::after(10s);
    while (!nicks.empty()) {
        const it::Frame f = c.expect(
            [&nicks](const it::Frame& frame) {
                return frame.envelope.has_presence() &&
                       frame.envelope.presence().kind() == v1::PRESENCE_KIND_JOINED &&
                       std::any_of(frame.envelope.presence().nicks().begin(),
                                   frame.envelope.presence().nicks().end(),
                                   [&nicks](const std::string& n) { return nicks.contains(n); });
            },
            deadline, "JOINED of " + std::to_string(nicks.size()) + " more");
        for (const std::string& n : f.envelope.presence().nicks()) {
            nicks.erase(n);
        }
    }
}

// Waits for `c` to see `nick` leave (LEFT or QUIT).
void expectGone(it::RawClient& c, const std::string& nick) {
    c.expect(
        [&nick](const it::Frame& f) {
            return it::isPresence(v1::PRESENCE_KIND_LEFT, nick)(f) ||
                   it::isPresence(v1::PRESENCE_KIND_QUIT, nick)(f);
        },
        it::after(15s), nick + " gone");
}

}  // namespace

BOOST_AUTO_TEST_CASE(cut) {
    CutCluster c;
    auto ana = c.member(0, "ana");
    auto bob = c.member(1, "bob");
    auto cid = c.member(1, "cid");
    auto dan = c.member(1, "dan");
    expectJoined(*ana, {"bob", "cid", "dan"});
    c.link.cut();
    c.waitUntilCut(*dan);
    // Lost with the link: cid leaves, bob quits (hub-2's notices), and eve
    // joins on hub-1 while hub-2 is not listening.
    cid->send(it::leaveEnvelope(kRoom, "lunch"));
    dan->expect(it::isPresence(v1::PRESENCE_KIND_LEFT, "cid"), it::after(10s), "LEFT cid");
    bob->close();
    dan->expect(it::isPresence(v1::PRESENCE_KIND_QUIT, "bob"), it::after(10s), "QUIT bob");
    dan->send(it::setAwayEnvelope("in a meeting"));
    dan->sync(it::after(10s));
    auto eve = c.member(0, "eve");
    c.link.heal();
    // hub-2 is back: hub-1's members see what they missed, and hub-2's.
    expectGone(*ana, "cid");
    expectGone(*ana, "bob");
    dan->expect(it::isPresence(v1::PRESENCE_KIND_JOINED, "eve"), it::after(15s), "JOINED eve");
    const it::Frame away =
        ana->expect(it::isPresence(v1::PRESENCE_KIND_AWAY, "dan"), it::after(15s), "AWAY dan");
    BOOST_TEST(away.envelope.presence().reason() == "in a meeting");
    const std::vector<std::string> expected{"ana", "dan", "eve"};
    BOOST_TEST(it::whoNicks(*ana, kRoom, it::after(10s)) == expected,
               boost::test_tools::per_element());
    BOOST_TEST(it::whoNicks(*dan, kRoom, it::after(10s)) == expected,
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(reaped) {
    CutCluster c;
    auto ana = c.member(0, "ana");
    auto dan = c.member(1, "dan");
    ana->expect(it::isPresence(v1::PRESENCE_KIND_JOINED, "dan"), it::after(10s), "JOINED dan");
    c.link.cut();
    c.waitUntilCut(*dan);
    // Past hub-2's lease (cluster.lease_ms 1500): hub-1 reaps it.
    ana->expect(it::isPresence(v1::PRESENCE_KIND_QUIT, "dan"), it::after(15s), "QUIT dan (reaped)");
    BOOST_TEST(it::whoNicks(*ana, kRoom, it::after(10s)) == std::vector<std::string>{"ana"},
               boost::test_tools::per_element());
    c.link.heal();
    // dan never left hub-2: listed on hub-1 again.
    ana->expect(it::isPresence(v1::PRESENCE_KIND_JOINED, "dan"), it::after(15s),
                "JOINED dan again");
    BOOST_TEST(
        it::whoNicks(*ana, kRoom, it::after(10s)) == (std::vector<std::string>{"ana", "dan"}),
        boost::test_tools::per_element());
}

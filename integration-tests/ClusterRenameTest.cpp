// Nick changes and away across the hubs of a cluster (docs/CLUSTER.md
// "Nick changes and away"): a real redis-server and real hermesd on
// 127.0.0.1 (harness RedisServer, ClusterHubs), clients over TCP.
//
//   seen        3 hubs, ana (hub-1), bob (hub-2), cyd (hub-3) in #r: ana
//               renames herself anna; her own confirmation, and bob and cyd
//               see NICK_CHANGED ana -> anna in #r; every hub's Who lists
//               anna, not ana; what she says next is from anna
//   taken       ana renames herself to bob's nick (another hub's, in another
//               spelling): NICK_TAKEN, as on one hub; she is still ana (what
//               she says is from ana, Who lists ana) and still holds it (a
//               Hello for ana on another hub is refused)
//   old_free    after ana -> anna, the old nick is free across the cluster
//               (a Hello for ana on hub-2 is welcomed) and the new one is
//               not (a Hello for anna on hub-2 is refused NICK_TAKEN)
//   away        ana away on hub-1: bob (hub-2) sees AWAY ana with its text in
//               #r, Who there marks her away, Whois has her text (and her
//               sign-on time, client name and idle time, from her JOINED) and a
//               private message to her gets her away reply; then back:
//               BACK, and Whois has no text
//   redis_down  Redis stopped: a rename is refused CLUSTER_UNAVAILABLE and
//               the nick kept; Redis back: the rename goes through
//   race        ana (hub-1) and bob (hub-2) rename themselves zed at once:
//               exactly one is renamed, the other gets NICK_TAKEN; a Hello
//               for zed on either hub is then refused
//
// Each case is its own CTest test (integration.cluster.rename.<case>).
#define BOOST_TEST_MODULE ClusterRenameTest
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "ClusterGuard.hpp"
#include "ClusterHubs.hpp"
#include "Frames.hpp"
#include "RawClient.hpp"
#include "RedisServer.hpp"

using namespace std::chrono_literals;
namespace it = hermes::it;
namespace v1 = hermes::v1;

namespace {

// One member per hub, all in #r, each having seen every other's JOINED (so
// that every hub lists every member before the test starts).
struct Members {
    std::vector<std::unique_ptr<it::RawClient>> clients;
    Members(it::ClusterHubs& hubs, const std::vector<std::string>& nicks) {
        for (std::size_t i = 0; i < nicks.size(); ++i) {
            auto c = std::make_unique<it::RawClient>(hubs[i].port(), nicks[i]);
            c->hello(nicks[i], it::after(10s));
            c->send(it::joinEnvelope("#r"));
            c->expect(it::isBody(v1::Envelope::kMembers), it::after(10s), "member list");
            clients.push_back(std::move(c));
        }
        // Joins close together may come in one coalesced frame.
        for (std::size_t i = 0; i < nicks.size(); ++i) {
            it::expectJoins(*clients[i],
                            {nicks.begin() + static_cast<std::ptrdiff_t>(i) + 1, nicks.end()},
                            it::after(10s));
        }
    }
    it::RawClient& operator[](std::size_t i) { return *clients.at(i); }
};

v1::MemberList who(it::RawClient& c, const std::string& room) {
    v1::Envelope request;
    request.mutable_who()->set_room(room);
    c.send(request);
    return c.expect(it::isBody(v1::Envelope::kMembers), it::after(10s), "member list")
        .envelope.members();
}

std::vector<std::string> sorted(const google::protobuf::RepeatedPtrField<std::string>& nicks) {
    std::vector<std::string> out(nicks.begin(), nicks.end());
    std::sort(out.begin(), out.end());
    return out;
}

bool nickChanged(const it::Frame& f, const std::string& room, const std::string& from,
                 const std::string& to) {
    return f.envelope.has_presence() &&
           f.envelope.presence().kind() == v1::PRESENCE_KIND_NICK_CHANGED &&
           f.envelope.presence().room() == room && f.envelope.presence().nicks_size() == 1 &&
           f.envelope.presence().nicks(0) == from && f.envelope.presence().new_nick() == to;
}

// The sender of `text` in #r as `c` sees it.
std::string fromOf(it::RawClient& c, const std::string& text) {
    return c.expect(it::isChatText("r", text), it::after(10s), "'" + text + "' in #r")
        .envelope.message()
        .from();
}

// A Hello for `nick` on `port`, until welcomed or `deadline` (a nick let go
// by one hub is free once its release reaches Redis, which the client of
// that hub does not wait for): true when welcomed. `held` keeps the client.
bool helloUntilWelcomed(std::uint16_t port, const std::string& nick, it::Deadline deadline,
                        std::unique_ptr<it::RawClient>& held) {
    while (it::Clock::now() < deadline) {
        held = std::make_unique<it::RawClient>(port, nick);
        held->send(it::helloEnvelope(nick));
        const auto answer = held->tryExpect(
            [](const it::Frame& f) { return f.envelope.has_welcome() || f.envelope.has_error(); },
            deadline);
        if (answer && answer->envelope.has_welcome()) {
            return true;
        }
    }
    return false;
}

}  // namespace

BOOST_AUTO_TEST_CASE(seen) {
    it::ClusterGuard c(3);
    Members m(c.hubs, {"ana", "bob", "cyd"});
    const auto asked = it::Clock::now();
    m[0].send(it::setNickEnvelope("anna"));
    // Her confirmation, as on one hub (room ""), then the others' NICK_CHANGED.
    m[0].expect([](const it::Frame& f) { return nickChanged(f, "", "ana", "anna"); },
                it::after(10s), "ana's own NICK_CHANGED");
    const auto confirmed = it::Clock::now();
    for (std::size_t i : {1u, 2u}) {
        m[i].expect([](const it::Frame& f) { return nickChanged(f, "r", "ana", "anna"); },
                    it::after(10s), "NICK_CHANGED ana -> anna in #r at " + m[i].name());
    }
    const auto ms = [asked](it::Clock::time_point t) {
        return std::chrono::duration_cast<std::chrono::microseconds>(t - asked).count() / 1000.0;
    };
    BOOST_TEST_MESSAGE("rename: confirmed after " << ms(confirmed) << " ms (its claim in Redis), "
                                                  << "seen on both other hubs after "
                                                  << ms(it::Clock::now()) << " ms");
    const std::vector<std::string> expected{"anna", "bob", "cyd"};
    for (std::size_t i : {0u, 1u, 2u}) {
        BOOST_TEST(sorted(who(m[i], "#r").nicks()) == expected, boost::test_tools::per_element());
    }
    m[0].send(it::sayEnvelope("#r", "as anna", 1));
    BOOST_TEST(fromOf(m[1], "as anna") == "anna");
    BOOST_TEST(fromOf(m[2], "as anna") == "anna");
}

BOOST_AUTO_TEST_CASE(taken) {
    it::ClusterGuard c(2);
    Members m(c.hubs, {"ana", "bob"});
    m[0].send(it::setNickEnvelope("BOB"));
    const it::Frame refused =
        m[0].expect(it::isError(v1::ERROR_CODE_NICK_TAKEN), it::after(10s), "NICK_TAKEN");
    BOOST_TEST(refused.envelope.error().text().find("still ana") != std::string::npos,
               refused.envelope.error().text());
    m[0].send(it::sayEnvelope("#r", "still ana", 1));
    BOOST_TEST(fromOf(m[1], "still ana") == "ana");
    BOOST_TEST(sorted(who(m[1], "#r").nicks()) == (std::vector<std::string>{"ana", "bob"}),
               boost::test_tools::per_element());
    // No NICK_CHANGED anywhere (a frame of it would be queued before the Pong).
    for (std::size_t i : {0u, 1u}) {
        m[i].sync(it::after(10s));
        for (const it::Frame& f : m[i].inbox()) {
            BOOST_TEST(!it::isPresence(v1::PRESENCE_KIND_NICK_CHANGED, "ana")(f),
                       m[i].name() << " saw a rename");
        }
    }
    // She still holds her nick across the cluster.
    it::RawClient late(c.hubs[1].port(), "late");
    late.send(it::helloEnvelope("ana"));
    late.expect(it::isError(v1::ERROR_CODE_NICK_TAKEN), it::after(10s), "ana taken on hub-2");
}

BOOST_AUTO_TEST_CASE(old_free) {
    it::ClusterGuard c(2);
    it::RawClient ana(c.hubs[0].port(), "ana");
    ana.hello("ana", it::after(10s));
    ana.send(it::setNickEnvelope("anna"));
    ana.expect([](const it::Frame& f) { return nickChanged(f, "", "ana", "anna"); }, it::after(10s),
               "ana's own NICK_CHANGED");
    BOOST_TEST(c.redis.command({"HGET", "hermes:nicks", "anna"}) == it::ClusterHubs::hubName(0));
    // The old nick: free on the other hub once hub-1's release is in Redis.
    std::unique_ptr<it::RawClient> second;
    BOOST_TEST(helloUntilWelcomed(c.hubs[1].port(), "ana", it::after(10s), second),
               "a Hello for the old nick on hub-2 was never welcomed");
    BOOST_TEST(c.redis.command({"HGET", "hermes:nicks", "ana"}) == it::ClusterHubs::hubName(1));
    // The new one is held.
    it::RawClient late(c.hubs[1].port(), "late");
    late.send(it::helloEnvelope("Anna"));
    late.expect(it::isError(v1::ERROR_CODE_NICK_TAKEN), it::after(10s), "anna taken on hub-2");
}

BOOST_AUTO_TEST_CASE(away) {
    it::ClusterGuard c(2);
    const auto wallMs = [] {
        return std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::system_clock::now().time_since_epoch())
            .count();
    };
    const std::int64_t before = wallMs();
    Members m(c.hubs, {"ana", "bob"});
    m[0].send(it::setAwayEnvelope("at lunch"));
    const it::Frame shown =
        m[1].expect(it::isPresence(v1::PRESENCE_KIND_AWAY, "ana"), it::after(10s), "AWAY ana");
    BOOST_TEST(shown.envelope.presence().room() == "r");
    BOOST_TEST(shown.envelope.presence().reason() == "at lunch");
    BOOST_TEST(sorted(who(m[1], "#r").away()) == std::vector<std::string>{"ana"},
               boost::test_tools::per_element());
    m[1].send(it::whoisEnvelope("ana"));
    const it::Frame whois =
        m[1].expect(it::isBody(v1::Envelope::kWhoisReply), it::after(10s), "Whois ana");
    BOOST_TEST(whois.envelope.whois_reply().nick() == "ana");
    BOOST_TEST(whois.envelope.whois_reply().away() == "at lunch");
    BOOST_TEST(sorted(whois.envelope.whois_reply().rooms()) == std::vector<std::string>{"r"},
               boost::test_tools::per_element());
    // Her sign-on and client, as hub-1 told them with her JOINED; idle
    // since then (she has not spoken). Both hubs share this machine's clock.
    const std::int64_t after = wallMs();
    const auto& profile = whois.envelope.whois_reply();
    BOOST_TEST(profile.client_name() == "hermes integration harness");
    BOOST_TEST(profile.signed_on_ms() >= before);
    BOOST_TEST(profile.signed_on_ms() <= after);
    BOOST_TEST(static_cast<std::int64_t>(profile.idle_ms()) <= after - profile.signed_on_ms());
    // A private message across gets the away reply, as on one hub.
    m[1].send(it::privateEnvelope("ana", "are you there?", 7));
    const it::Frame reply = m[1].expect(it::isChatText("", "ana is away: at lunch"), it::after(10s),
                                        "ana's away reply");
    BOOST_TEST(reply.envelope.message().kind() == v1::MESSAGE_KIND_NOTICE);
    BOOST_TEST(reply.envelope.message().from() == "ana");
    BOOST_TEST(reply.envelope.message().away() == "at lunch");
    m[0].send(it::setAwayEnvelope(""));
    m[1].expect(it::isPresence(v1::PRESENCE_KIND_BACK, "ana"), it::after(10s), "BACK ana");
    BOOST_TEST(who(m[1], "#r").away().empty());
    m[1].send(it::whoisEnvelope("ana"));
    BOOST_TEST(m[1].expect(it::isBody(v1::Envelope::kWhoisReply), it::after(10s), "Whois ana")
                   .envelope.whois_reply()
                   .away()
                   .empty());
}

BOOST_AUTO_TEST_CASE(redis_down) {
    it::ClusterGuard c(2);
    Members m(c.hubs, {"ana", "bob"});
    c.redis.stop();
    m[0].send(it::setNickEnvelope("anna"));
    const it::Frame refused = m[0].expect(it::isError(v1::ERROR_CODE_CLUSTER_UNAVAILABLE),
                                          it::after(10s), "CLUSTER_UNAVAILABLE");
    BOOST_TEST(refused.envelope.error().text().find("still ana") != std::string::npos,
               refused.envelope.error().text());
    m[0].sync(it::after(10s));
    for (const it::Frame& f : m[0].inbox()) {
        BOOST_TEST(!nickChanged(f, "", "ana", "anna"), "renamed without Redis");
    }
    c.redis.restart();
    // bob's hub back first: a rename made before it listens again is shown
    // there as QUIT ana, JOINED anna (docs/CLUSTER.md, "What is not done").
    // Its echo comes after the member list it reads on joining (one
    // connection, in order), so the rename below is heard, not read.
    const auto deadline = it::after(15s);
    BOOST_TEST_REQUIRE(it::sayUntilEchoed(m[1], "#r", "bob is back", deadline));
    // ana's hub reconnects within cluster.reconnect_ms: asked again until the
    // rename is confirmed (each attempt waits for its answer; a deadline).
    bool renamed = false;
    while (!renamed && it::Clock::now() < deadline) {
        m[0].send(it::setNickEnvelope("anna"));
        const auto answer = m[0].tryExpect(
            [](const it::Frame& f) {
                return f.envelope.has_error() || nickChanged(f, "", "ana", "anna");
            },
            deadline);
        renamed = answer && answer->envelope.has_presence();
    }
    BOOST_TEST_REQUIRE(renamed);
    m[1].expect([](const it::Frame& f) { return nickChanged(f, "r", "ana", "anna"); },
                it::after(10s), "NICK_CHANGED at bob after Redis is back");
}

BOOST_AUTO_TEST_CASE(race) {
    it::ClusterGuard c(2);
    Members m(c.hubs, {"ana", "bob"});
    m[0].send(it::setNickEnvelope("zed"));
    m[1].send(it::setNickEnvelope("zed"));
    int renamed = 0;
    int taken = 0;
    for (std::size_t i : {0u, 1u}) {
        const std::string old = m[i].name();
        const it::Frame answer = m[i].expect(
            [&old](const it::Frame& f) {
                return nickChanged(f, "", old, "zed") || it::isError(v1::ERROR_CODE_NICK_TAKEN)(f);
            },
            it::after(10s), "renamed or NICK_TAKEN at " + old);
        if (answer.envelope.has_error()) {
            ++taken;
        } else {
            ++renamed;
        }
    }
    BOOST_TEST(renamed == 1);
    BOOST_TEST(taken == 1);
    for (std::size_t i : {0u, 1u}) {
        it::RawClient late(c.hubs[i].port(), "late");
        late.send(it::helloEnvelope("zed"));
        late.expect(it::isError(v1::ERROR_CODE_NICK_TAKEN), it::after(10s),
                    "zed taken on hub-" + std::to_string(i + 1));
    }
}

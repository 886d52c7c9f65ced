// Private messages across the hubs of a cluster (docs/CLUSTER.md "Private
// messages across hubs"): a real redis-server and real hermesd on
// 127.0.0.1 (harness RedisServer, ClusterHubs), clients over TCP.
//
//   both_ways      3 hubs, one member on each: private messages between
//                  members of different hubs, both ways, each delivered once
//                  and in the order sent, each sender's echo once; Redis
//                  numbered every one for its recipient's hub (hermes:pmseq),
//                  and each hub then trims what it delivered from its stream
//   no_such_nick   a private message to a nick no hub holds: NO_SUCH_NICK,
//                  as on a hub alone
//   redis_down     Redis stopped: a private message to another hub's member
//                  is refused CLUSTER_UNAVAILABLE, never echoed nor
//                  delivered; Redis back: they go through again
//   partition      the recipient's hub cut from Redis by a blackholed
//                  loopback proxy (Redis does not notice): the messages are
//                  echoed (Redis keeps them in that hub's stream) and, once
//                  healed, delivered in order, once
//
//   history        ana registered on hub 1, bob on hub 2 (accounts are the
//                  cluster's): a message each way goes across, live
//                  (private_seq 0) and kept by neither hub; with ana gone,
//                  bob's next waits on his hub for her account, and she
//                  gets it there when she signs in on his hub
//                  (docs/CLUSTER.md: what history shows)
//   waiting_moves  ana, signed in on hub 1, writes to bob, registered and
//                  offline: it waits on hub 1. bob signs in on hub 2 and gets
//                  it there (live, private_seq 0); signing in on hub 1 later
//                  he does not get it again
//   waiting_missed hub 1 is cut from Redis (a loopback proxy closes its
//                  connections) while bob signs in on hub 2, so it misses
//                  the notice; back on Redis it asks about bob, and bob gets
//                  what waited for him on hub 1
//   latency        (disabled: a measurement, run by hand with
//                  --run_test=latency) the echo's round trip of private
//                  messages sent one at a time, to a member of another hub
//                  and to one of the same hub, medians printed; it asserts
//                  only that each was echoed and delivered
//
// Each case is its own CTest test (integration.cluster.private.<case>).
#define BOOST_TEST_MODULE ClusterPrivateTest
#include <poll.h>

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "BoostSupport.hpp"
#include "ClusterGuard.hpp"
#include "ClusterHubs.hpp"
#include "Frames.hpp"
#include "HubLog.hpp"
#include "RawClient.hpp"
#include "RedisRequired.hpp"
#include "RedisServer.hpp"
#include "TcpProxy.hpp"

using namespace std::chrono_literals;
namespace it = hermes::it;
namespace v1 = hermes::v1;

namespace {

// Takes the ChatMessages of `client`'s inbox (leaving the other frames),
// reading until it holds at least `count` or the deadline passes.
std::vector<v1::ChatMessage> takeMessages(it::RawClient& client, std::size_t count,
                                          it::Deadline deadline) {
    std::vector<v1::ChatMessage> out;
    for (;;) {
        auto& inbox = client.inbox();
        for (auto frame = inbox.begin(); frame != inbox.end();) {
            if (frame->envelope.has_message()) {
                out.push_back(frame->envelope.message());
                frame = inbox.erase(frame);
            } else {
                ++frame;
            }
        }
        if (out.size() >= count || !client.readSome(deadline)) {
            return out;
        }
    }
}

// The messages of `messages` from `from`, as "text".
std::vector<std::string> textsFrom(const std::vector<v1::ChatMessage>& messages,
                                   const std::string& from) {
    std::vector<std::string> out;
    for (const v1::ChatMessage& m : messages) {
        if (m.from() == from) {
            out.push_back(m.text());
        }
    }
    return out;
}

std::vector<std::string> numbered(const std::string& prefix, int count) {
    std::vector<std::string> out;
    for (int i = 1; i <= count; ++i) {
        out.push_back(prefix + " " + std::to_string(i));
    }
    return out;
}

}  // namespace

BOOST_AUTO_TEST_CASE(both_ways) {
    it::ClusterGuard c(3);
    it::RawClient ana(c.hubs[0].port(), "ana");
    it::RawClient bob(c.hubs[1].port(), "bob");
    it::RawClient cyd(c.hubs[2].port(), "cyd");
    ana.hello("ana", it::after(10s));
    bob.hello("bob", it::after(10s));
    cyd.hello("cyd", it::after(10s));
    constexpr int kEach = 25;
    const std::vector<std::string> anaToBob = numbered("ana to bob", kEach);
    const std::vector<std::string> bobToAna = numbered("bob to ana", kEach);
    const std::vector<std::string> cydToAna = numbered("cyd to ana", kEach);
    // Interleaved, each sender's own in order.
    for (int i = 0; i < kEach; ++i) {
        const auto id = static_cast<std::uint64_t>(i + 1);
        ana.send(it::privateEnvelope("bob", anaToBob[i], id));
        bob.send(it::privateEnvelope("ANA", bobToAna[i], id));
        cyd.send(it::privateEnvelope("ana", cydToAna[i], id));
    }
    // ana: her echoes and both others'; bob: his echoes and ana's; cyd: echoes.
    const auto atAna = takeMessages(ana, 3 * kEach, it::after(20s));
    const auto atBob = takeMessages(bob, 2 * kEach, it::after(20s));
    const auto atCyd = takeMessages(cyd, kEach, it::after(20s));
    // Nothing more comes (a duplicate would be queued before the Pong).
    ana.sync(it::after(10s));
    bob.sync(it::after(10s));
    cyd.sync(it::after(10s));
    const auto lateAna = takeMessages(ana, 0, it::after(0ms));
    const auto lateBob = takeMessages(bob, 0, it::after(0ms));
    const auto lateCyd = takeMessages(cyd, 0, it::after(0ms));
    BOOST_TEST(lateAna.empty(), "ana got " << lateAna.size() << " more");
    BOOST_TEST(lateBob.empty(), "bob got " << lateBob.size() << " more");
    BOOST_TEST(lateCyd.empty(), "cyd got " << lateCyd.size() << " more");

    BOOST_TEST(textsFrom(atBob, "ana") == anaToBob, boost::test_tools::per_element());
    BOOST_TEST(textsFrom(atAna, "bob") == bobToAna, boost::test_tools::per_element());
    BOOST_TEST(textsFrom(atAna, "cyd") == cydToAna, boost::test_tools::per_element());
    BOOST_TEST(textsFrom(atAna, "ana") == anaToBob, boost::test_tools::per_element());
    BOOST_TEST(textsFrom(atBob, "bob") == bobToAna, boost::test_tools::per_element());
    BOOST_TEST(textsFrom(atCyd, "cyd") == cydToAna, boost::test_tools::per_element());
    for (const auto* messages : {&atAna, &atBob, &atCyd}) {
        for (const v1::ChatMessage& m : *messages) {
            BOOST_TEST(m.room().empty());
            BOOST_TEST(m.seq() == 0u);
            BOOST_TEST(!m.to().empty());
        }
    }
    // Each went through Redis, numbered once for its recipient's hub: 25
    // to hub-2 (bob), 50 to hub-1 (ana), none to hub-3.
    BOOST_TEST(c.redis.command({"GET", "hermes:pmseq:" + it::ClusterHubs::hubName(1)}) == "25");
    BOOST_TEST(c.redis.command({"GET", "hermes:pmseq:" + it::ClusterHubs::hubName(0)}) == "50");
    BOOST_TEST(c.redis.command({"EXISTS", "hermes:pmseq:" + it::ClusterHubs::hubName(2)}) == "0");
    // Delivered, so trimmed from Redis by their hubs (XTRIM MINID, about
    // once a second): bounded by a deadline, each look a redis-cli call.
    const auto trimmedBy = it::after(10s);
    for (std::size_t hub = 0; hub < 2; ++hub) {
        const std::string stream = "hermes:pmstream:" + it::ClusterHubs::hubName(hub);
        while (c.redis.command({"XLEN", stream}) != "0") {
            const bool inTime = it::Clock::now() < trimmedBy;
            BOOST_TEST_REQUIRE(inTime, stream << " still holds delivered messages");
        }
    }
}

BOOST_AUTO_TEST_CASE(no_such_nick) {
    it::ClusterGuard c(2);
    it::RawClient ana(c.hubs[0].port(), "ana");
    it::RawClient bob(c.hubs[1].port(), "bob");
    ana.hello("ana", it::after(10s));
    bob.hello("bob", it::after(10s));
    ana.send(it::privateEnvelope("nobody", "anyone there?", 7));
    const it::Frame refused =
        ana.expect(it::isError(v1::ERROR_CODE_NO_SUCH_NICK), it::after(10s), "NO_SUCH_NICK");
    BOOST_TEST(refused.envelope.error().client_msg_id() == 7u);
    BOOST_TEST(refused.envelope.error().text() == "no one is called nobody");
    // bob quits: his nick is free on every hub, and a message to it is
    // refused the same way.
    bob.send(it::byeEnvelope("gone"));
    BOOST_TEST_REQUIRE(bob.waitClosed(it::after(10s)));
    const auto deadline = it::after(10s);
    bool refusedToo = false;
    std::uint64_t id = 100;
    // Until hub-1 has let the nick go in Redis (bounded: a deadline).
    while (!refusedToo && it::Clock::now() < deadline) {
        ana.send(it::privateEnvelope("bob", "still there?", ++id));
        const auto answer = ana.tryExpect(
            [id](const it::Frame& f) {
                return (f.envelope.has_error() && f.envelope.error().client_msg_id() == id) ||
                       (f.envelope.has_message() && f.envelope.message().client_msg_id() == id);
            },
            it::after(5s));
        BOOST_TEST_REQUIRE(answer.has_value(), "no answer to private message " << id);
        refusedToo = answer->envelope.has_error() &&
                     answer->envelope.error().code() == v1::ERROR_CODE_NO_SUCH_NICK;
    }
    BOOST_TEST(refusedToo);
}

BOOST_AUTO_TEST_CASE(redis_down) {
    it::ClusterGuard c(2);
    it::RawClient ana(c.hubs[0].port(), "ana");
    it::RawClient bob(c.hubs[1].port(), "bob");
    ana.hello("ana", it::after(10s));
    bob.hello("bob", it::after(10s));
    ana.send(it::privateEnvelope("bob", "before", 1));
    BOOST_TEST_REQUIRE(takeMessages(bob, 1, it::after(10s)).size() == 1u);
    BOOST_TEST_REQUIRE(takeMessages(ana, 1, it::after(10s)).size() == 1u);

    c.redis.stop();
    ana.send(it::privateEnvelope("bob", "while Redis is away", 2));
    const it::Frame refused = ana.expect(it::isError(v1::ERROR_CODE_CLUSTER_UNAVAILABLE),
                                         it::after(10s), "CLUSTER_UNAVAILABLE");
    BOOST_TEST(refused.envelope.error().client_msg_id() == 2u);
    ana.sync(it::after(10s));
    bob.sync(it::after(10s));
    BOOST_TEST(takeMessages(ana, 0, it::after(0ms)).empty(), "echoed without Redis");
    BOOST_TEST(takeMessages(bob, 0, it::after(0ms)).empty(), "delivered without Redis");

    c.redis.restart();
    // The hubs reconnect within cluster.reconnect_ms: retried until one is
    // echoed (each attempt waits for its answer; bounded by a deadline).
    const auto deadline = it::after(15s);
    std::uint64_t id = 10;
    bool echoed = false;
    while (!echoed && it::Clock::now() < deadline) {
        ana.send(it::privateEnvelope("bob", "after", ++id));
        const auto answer = ana.tryExpect(
            [id](const it::Frame& f) {
                return (f.envelope.has_error() && f.envelope.error().client_msg_id() == id) ||
                       (f.envelope.has_message() && f.envelope.message().client_msg_id() == id);
            },
            it::after(5s));
        BOOST_TEST_REQUIRE(answer.has_value(), "no answer to private message " << id);
        echoed = answer->envelope.has_message();
        if (!echoed) {
            // ana's hub away, or back before bob's hub has raised its count
            // and subscribed to its private channel (docs/CLUSTER.md), or
            // before bob's hub has claimed its nicks again (Redis restarted
            // past that hub's lease: no live hub holds bob meanwhile).
            const auto code = answer->envelope.error().code();
            BOOST_TEST((code == v1::ERROR_CODE_CLUSTER_UNAVAILABLE ||
                        code == v1::ERROR_CODE_PEER_HUB_UNREACHABLE ||
                        code == v1::ERROR_CODE_NO_SUCH_NICK),
                       it::describe(answer->envelope));
            ::poll(nullptr, 0, 50);  // a person's retry, bounded by the deadline
        }
    }
    BOOST_TEST_REQUIRE(echoed);
    const auto atBob = takeMessages(bob, 1, it::after(10s));
    BOOST_TEST_REQUIRE(atBob.size() == 1u);
    BOOST_TEST(atBob[0].text() == "after");
    BOOST_TEST(atBob[0].client_msg_id() == id);
}

BOOST_AUTO_TEST_CASE(partition) {
    it::RedisRequired redisRequired;
    it::RedisServer redis;
    it::TcpProxy link(redis.port());  // hub index 1 reaches Redis only through it
    // A lease long enough that hub 2's nicks stay its own through the cut.
    it::HubProcess::Settings settings = it::ClusterHubs::quickSettings();
    settings["cluster.lease_ms"] = "8000";
    it::ClusterHubs hubs(
        2, [&](std::size_t i) { return i == 1 ? link.address() : redis.address(); }, settings);
    it::RawClient ana(hubs[0].port(), "ana");
    it::RawClient bob(hubs[1].port(), "bob");
    ana.hello("ana", it::after(10s));
    bob.hello("bob", it::after(10s));
    ana.send(it::privateEnvelope("bob", "before", 1));
    BOOST_TEST_REQUIRE(takeMessages(bob, 1, it::after(10s)).size() == 1u);
    BOOST_TEST_REQUIRE(takeMessages(ana, 1, it::after(10s)).size() == 1u);

    link.blackhole();
    // Hub 2 is cut once a command of its own goes unanswered
    // (cluster.timeout_ms): bob's message to no one is refused then.
    bob.send(it::privateEnvelope("nobody", "is hub 2 cut?", 50));
    const it::Frame cut = bob.expect(it::isError(v1::ERROR_CODE_CLUSTER_UNAVAILABLE),
                                     it::after(10s), "hub 2 cut from Redis");
    BOOST_TEST(cut.envelope.error().client_msg_id() == 50u);
    // Redis still counts hub 2's subscription (the proxy holds it open):
    // the messages are numbered for it and kept in its stream.
    ana.send(it::privateEnvelope("bob", "during 1", 2));
    ana.send(it::privateEnvelope("bob", "during 2", 3));
    const auto echoes = takeMessages(ana, 2, it::after(10s));
    BOOST_TEST_REQUIRE(echoes.size() == 2u, "ana's inbox: " << ana.inboxSummary());
    BOOST_TEST(echoes[0].client_msg_id() == 2u);
    BOOST_TEST(echoes[1].client_msg_id() == 3u);

    link.heal();
    // Hub 2 reconnects and reads its stream from its cursor.
    const auto atBob = takeMessages(bob, 2, it::after(20s));
    BOOST_TEST_REQUIRE(atBob.size() == 2u, "bob's inbox: " << bob.inboxSummary());
    BOOST_TEST(atBob[0].text() == "during 1");
    BOOST_TEST(atBob[1].text() == "during 2");
    // And nothing twice, also for what comes after.
    ana.send(it::privateEnvelope("bob", "after", 4));
    const auto after = takeMessages(bob, 1, it::after(10s));
    BOOST_TEST_REQUIRE(after.size() == 1u);
    BOOST_TEST(after[0].text() == "after");
    bob.sync(it::after(10s));
    BOOST_TEST(takeMessages(bob, 0, it::after(0ms)).empty(), "bob got one twice");
    if (it::currentTestFailed()) {
        hubs.markFailed();
    }
}

namespace {

// Median echo round trip, in microseconds, of `count` private messages from
// `from` to `to`, each sent once the previous one's echo came.
double medianEchoMicros(it::RawClient& from, it::RawClient& to, const std::string& toNick,
                        int count, std::uint64_t firstId) {
    std::vector<double> micros;
    for (int i = 0; i < count; ++i) {
        const std::uint64_t id = firstId + static_cast<std::uint64_t>(i);
        const auto sent = it::Clock::now();
        from.send(it::privateEnvelope(toNick, "ping " + std::to_string(i), id));
        from.expect(
            [id](const it::Frame& f) {
                return f.envelope.has_message() && f.envelope.message().client_msg_id() == id;
            },
            it::after(10s), "echo " + std::to_string(id));
        micros.push_back(
            std::chrono::duration<double, std::micro>(it::Clock::now() - sent).count());
        from.inbox().clear();
    }
    BOOST_TEST(takeMessages(to, static_cast<std::size_t>(count), it::after(10s)).size() ==
               static_cast<std::size_t>(count));
    std::sort(micros.begin(), micros.end());
    return micros[micros.size() / 2];
}

}  // namespace

BOOST_AUTO_TEST_CASE(latency, *boost::unit_test::disabled()) {
    it::ClusterGuard c(2);
    it::RawClient ana(c.hubs[0].port(), "ana");
    it::RawClient amy(c.hubs[0].port(), "amy");
    it::RawClient bob(c.hubs[1].port(), "bob");
    ana.hello("ana", it::after(10s));
    amy.hello("amy", it::after(10s));
    bob.hello("bob", it::after(10s));
    constexpr int kCount = 500;
    // Alternated in rounds, so that the machine's load falls on both alike.
    std::vector<double> across;
    std::vector<double> same;
    for (int round = 0; round < 5; ++round) {
        const auto base = static_cast<std::uint64_t>(round) * 10'000;
        across.push_back(medianEchoMicros(ana, bob, "bob", kCount / 5, base + 1));
        same.push_back(medianEchoMicros(ana, amy, "amy", kCount / 5, base + 5'001));
    }
    std::sort(across.begin(), across.end());
    std::sort(same.begin(), same.end());
    BOOST_TEST_MESSAGE("private message echo, median of 5 rounds of "
                       << kCount / 5 << ": to another hub " << across[2] << " us, on the same hub "
                       << same[2] << " us (rounds: across " << across.front() << "-"
                       << across.back() << ", same " << same.front() << "-" << same.back() << ")");
}

namespace {

// Until no hub holds `nick` in Redis (a session that just ended lets it go
// asynchronously), bounded by a deadline; each look is a redis-cli call.
void waitNickFree(const it::RedisServer& redis, const std::string& nick) {
    const auto deadline = it::after(10s);
    while (redis.command({"HEXISTS", "hermes:nicks", nick}) != "0") {
        const bool inTime = it::Clock::now() < deadline;
        BOOST_TEST_REQUIRE(inTime, nick << " still held in Redis");
        ::poll(nullptr, 0, 20);  // polling a condition with a deadline
    }
}

// A client signed in as `nick` on `port`, once the cluster has let it go.
std::unique_ptr<it::RawClient> signedIn(const it::RedisServer& redis, std::uint16_t port,
                                        const std::string& nick, const std::string& password) {
    waitNickFree(redis, nick);
    auto client = std::make_unique<it::RawClient>(port, nick);
    client->signIn(nick, password, it::after(10s));
    return client;
}

// ana registers on `anaHub`, bob on `bobHub` (the cluster's accounts).
void registerAnaAndBob(const it::RedisServer& redis, std::uint16_t anaHub, std::uint16_t bobHub) {
    waitNickFree(redis, "ana");
    it::registerNick(anaHub, "ana", "ana-pw");
    waitNickFree(redis, "bob");
    it::registerNick(bobHub, "bob", "bob-pw");
}

// ana, signed in on `hub` (which knows bob's account), writes to bob, who
// is offline: the message waits on `hub`, in ana's conversation. Her client.
std::unique_ptr<it::RawClient> anaWritesToOfflineBob(const it::RedisServer& redis,
                                                     it::HubProcess& hub) {
    BOOST_TEST_REQUIRE(
        it::logShows(hub, "account bob is registered in the cluster", it::after(10s)),
        hub.logTail());
    auto ana = signedIn(redis, hub.port(), "ana", "ana-pw");
    waitNickFree(redis, "bob");
    ana->send(it::privateEnvelope("bob", "while you were out", 1));
    const auto echo = takeMessages(*ana, 1, it::after(10s));
    BOOST_TEST_REQUIRE(echo.size() == 1u);
    BOOST_TEST_REQUIRE(echo[0].private_seq() == 1u);  // it waits, in ana's conversation
    return ana;
}

// `client`'s conversation with `peer` as its hub serves it: "text#private_seq".
std::vector<std::string> conversation(it::RawClient& client, const std::string& peer) {
    v1::Envelope request;
    request.mutable_history_request()->set_peer(peer);
    client.send(request);
    const it::Frame page = client.expect(it::isBody(v1::Envelope::kHistoryPage), it::after(10s),
                                         "HistoryPage with " + peer);
    std::vector<std::string> out;
    for (const v1::ChatMessage& m : page.envelope.history_page().messages()) {
        out.push_back(m.text() + "#" + std::to_string(m.private_seq()));
    }
    return out;
}

}  // namespace

BOOST_AUTO_TEST_CASE(history) {
    it::ClusterGuard c(2);
    registerAnaAndBob(c.redis, c.hubs[0].port(), c.hubs[1].port());
    auto ana = signedIn(c.redis, c.hubs[0].port(), "ana", "ana-pw");
    auto bob = signedIn(c.redis, c.hubs[1].port(), "bob", "bob-pw");
    // No session of hub 0 is signed in to bob: across, live only.
    ana->send(it::privateEnvelope("bob", "one", 1));
    const auto atBob = takeMessages(*bob, 1, it::after(10s));
    BOOST_TEST_REQUIRE(atBob.size() == 1u);
    BOOST_TEST(atBob[0].text() == "one");
    BOOST_TEST(atBob[0].private_seq() == 0u);
    const auto echo = takeMessages(*ana, 1, it::after(10s));
    BOOST_TEST_REQUIRE(echo.size() == 1u);
    BOOST_TEST(echo[0].private_seq() == 0u);
    // Nor of hub 1 to ana (registered on hub 0: the cluster's): across too.
    bob->send(it::privateEnvelope("ana", "two", 2));
    const auto atAna = takeMessages(*ana, 1, it::after(10s));
    BOOST_TEST_REQUIRE(atAna.size() == 1u);
    BOOST_TEST(atAna[0].text() == "two");
    BOOST_TEST(atAna[0].private_seq() == 0u);
    BOOST_TEST_REQUIRE(takeMessages(*bob, 1, it::after(10s)).size() == 1u);
    // ana gone from every hub: bob's message waits on hub 1 for the account.
    ana->send(it::byeEnvelope("moving"));
    BOOST_TEST_REQUIRE(ana->waitClosed(it::after(10s)));
    waitNickFree(c.redis, "ana");
    bob->send(it::privateEnvelope("ana", "three", 3));
    const auto bobEcho = takeMessages(*bob, 1, it::after(10s));
    BOOST_TEST_REQUIRE(bobEcho.size() == 1u);
    BOOST_TEST(bobEcho[0].private_seq() == 1u);
    BOOST_TEST(conversation(*bob, "ana") == (std::vector<std::string>{"three#1"}),
               boost::test_tools::per_element());
    // ana signs in on bob's hub: what waited for her account is there.
    ana = signedIn(c.redis, c.hubs[1].port(), "ana", "ana-pw");
    const auto waited = takeMessages(*ana, 1, it::after(10s));
    BOOST_TEST_REQUIRE(waited.size() == 1u);
    BOOST_TEST(waited[0].text() == "three");
    BOOST_TEST(waited[0].waited());
    BOOST_TEST(conversation(*ana, "bob") == (std::vector<std::string>{"three#1"}),
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(waiting_moves) {
    it::ClusterGuard c(2);
    registerAnaAndBob(c.redis, c.hubs[0].port(), c.hubs[1].port());
    auto ana = anaWritesToOfflineBob(c.redis, c.hubs[0]);
    // bob signs in on hub 2: hub 1 hears it and sends the message on.
    auto bob = signedIn(c.redis, c.hubs[1].port(), "bob", "bob-pw");
    const auto atBob = takeMessages(*bob, 1, it::after(10s));
    BOOST_TEST_REQUIRE(atBob.size() == 1u);
    BOOST_TEST(atBob[0].text() == "while you were out");
    BOOST_TEST(atBob[0].from() == "ana");
    BOOST_TEST(atBob[0].private_seq() == 0u);  // across hubs: live, in no conversation
    BOOST_TEST(atBob[0].waited());             // sent while he was away
    BOOST_TEST(it::logShows(c.hubs[0], "that waited here for bob sent on", it::after(10s)),
               c.hubs[0].logTail());
    // It waits nowhere now: bob signing in on hub 1 gets nothing more
    // (the waiting messages of a sign-in come before the Pong).
    bob->send(it::byeEnvelope("moving"));
    BOOST_TEST_REQUIRE(bob->waitClosed(it::after(10s)));
    bob = signedIn(c.redis, c.hubs[0].port(), "bob", "bob-pw");
    bob->sync(it::after(10s));
    BOOST_TEST(takeMessages(*bob, 0, it::after(0ms)).empty(), "delivered twice");
    // And ana's hub keeps her copy of the conversation.
    BOOST_TEST(conversation(*ana, "bob") == (std::vector<std::string>{"while you were out#1"}),
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(waiting_missed) {
    it::RedisRequired redisRequired;
    it::RedisServer redis;
    it::TcpProxy link(redis.port());  // hub index 0 reaches Redis only through it
    it::ClusterHubs hubs(2,
                         [&](std::size_t i) { return i == 0 ? link.address() : redis.address(); });
    registerAnaAndBob(redis, hubs[0].port(), hubs[1].port());
    const auto ana = anaWritesToOfflineBob(redis, hubs[0]);

    // Hub 1 loses Redis; bob signs in on hub 2 meanwhile, and hub 1 does
    // not hear it.
    link.cut();
    BOOST_TEST_REQUIRE(it::logShows(hubs[0], "cluster: lost Redis", it::after(10s)),
                       hubs[0].logTail());
    auto bob = signedIn(redis, hubs[1].port(), "bob", "bob-pw");
    // Back on Redis, hub 1 asks; hub 2 answers with bob's sign-in, and the
    // message goes on to him.
    link.heal();
    const auto atBob = takeMessages(*bob, 1, it::after(20s));
    BOOST_TEST_REQUIRE(atBob.size() == 1u, hubs[0].logTail());
    BOOST_TEST(atBob[0].text() == "while you were out");
    BOOST_TEST(atBob[0].from() == "ana");
    BOOST_TEST(atBob[0].waited());
    BOOST_TEST(it::logShows(hubs[0], "asked the cluster whether 1 accounts", it::after(10s)),
               hubs[0].logTail());
    if (it::currentTestFailed()) {
        hubs.markFailed();
    }
}

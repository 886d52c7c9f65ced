// Accounts across the hubs of a cluster (docs/CLUSTER.md "Accounts across
// hubs"): a real redis-server and real hermesd on 127.0.0.1 (harness
// RedisServer, ClusterHubs), clients over TCP.
//
//   shared      ana registers on hub 1; on hub 2 her password signs her in
//               and she changes it there; hub 1 then refuses the old
//               password and takes the new one
//   redis_down  Redis stopped: a Register is refused CLUSTER_UNAVAILABLE
//               (no hub books it); Redis back, the same Register succeeds
//   redis_lost  Redis loses its data (FLUSHALL, connections cut): the hubs
//               offer it their accounts again, and a sign-in still works
//   ban         bob, operator of a room on hub 1, bans the account ana: her
//               session on hub 2 is removed (BANNED) and her Join refused
//               there; unbanned, she joins (carl joined hub 2's room first:
//               each hub's first joiner is an operator there)
//   op          bob ops the account ana: on hub 2 she is shown OPPED and may
//               kick carl, which she could not before
//
// Each case is its own CTest test (integration.cluster.accounts.<case>).
#define BOOST_TEST_MODULE ClusterAccountsTest
#include <poll.h>

#include <boost/test/unit_test.hpp>

#include <chrono>
#include <string>

#include "BoostSupport.hpp"
#include "ClusterGuard.hpp"
#include "ClusterHubs.hpp"
#include "Frames.hpp"
#include "HubLog.hpp"
#include "RawClient.hpp"
#include "RedisServer.hpp"

using namespace std::chrono_literals;
namespace it = hermes::it;
namespace v1 = hermes::v1;

namespace {

// The first answer to a Hello: a Welcome or an Error.
it::Frame helloAnswer(it::RawClient& client, const std::string& what) {
    return client.expect(
        [](const it::Frame& f) { return f.envelope.has_welcome() || f.envelope.has_error(); },
        it::after(10s), what);
}

// A Hello of `nick` with `password` on `port`, on a new connection each
// time its nick is still held (the registering connection's release
// travels through Redis): its first answer other than NICK_TAKEN.
it::Frame helloWithPassword(std::uint16_t port, const std::string& nick,
                            const std::string& password, const std::string& what) {
    const auto deadline = it::after(10s);
    for (int attempt = 0;; ++attempt) {
        it::RawClient client(port, nick + "-" + std::to_string(attempt));
        client.send(it::helloWithPasswordEnvelope(nick, password));
        it::Frame answer = helloAnswer(client, what);
        // A nick still held, or a hub still reconnecting to Redis: again.
        const bool again = answer.envelope.has_error() &&
                           (answer.envelope.error().code() == v1::ERROR_CODE_NICK_TAKEN ||
                            answer.envelope.error().code() == v1::ERROR_CODE_CLUSTER_UNAVAILABLE);
        if (!again || it::Clock::now() >= deadline) {
            return answer;
        }
        ::poll(nullptr, 0, 50);  // a person's retry, bounded by the deadline
    }
}

bool redisHolds(const it::RedisServer& redis, const std::string& nick) {
    return redis.command({"HEXISTS", "hermes:state", "account " + nick}) == "1";
}

}  // namespace

BOOST_AUTO_TEST_CASE(shared) {
    it::ClusterGuard c(2);
    it::registerNick(c.hubs[0].port(), "ana", "first");
    BOOST_TEST_REQUIRE(
        it::logShows(c.hubs[1], "account ana is registered in the cluster", it::after(10s)),
        c.hubs[1].logTail());
    // A guest Hello of ana on hub 2: the account's.
    {
        it::RawClient guest(c.hubs[1].port(), "guest");
        guest.send(it::helloEnvelope("ana"));
        const it::Frame answer = helloAnswer(guest, "guest Hello of ana");
        BOOST_TEST_REQUIRE(answer.envelope.has_error());
        const auto code = answer.envelope.error().code();
        BOOST_TEST((code == v1::ERROR_CODE_PASSWORD_REQUIRED || code == v1::ERROR_CODE_NICK_TAKEN),
                   guest.inboxSummary());
    }
    {
        const it::Frame welcome = helloWithPassword(c.hubs[1].port(), "ana", "first", "hub 2");
        BOOST_TEST_REQUIRE(welcome.envelope.has_welcome(), welcome.envelope.DebugString());
        BOOST_TEST(welcome.envelope.welcome().account() == "ana");
    }
    {
        it::RawClient ana(c.hubs[1].port(), "ana@2");
        ana.signIn("ana", "first", it::after(15s));
        ana.send(it::changePasswordEnvelope("first", "second"));
        ana.expect(it::isAccountReply(v1::ACCOUNT_EVENT_PASSWORD_CHANGED), it::after(10s),
                   "password changed on hub 2");
        ana.send(it::byeEnvelope("bye"));
        BOOST_TEST_REQUIRE(ana.waitClosed(it::after(5s)));
    }
    BOOST_TEST_REQUIRE(
        it::logShows(c.hubs[0], "account ana has a new password in the cluster", it::after(10s)),
        c.hubs[0].logTail());
    const it::Frame old = helloWithPassword(c.hubs[0].port(), "ana", "first", "old, hub 1");
    BOOST_TEST_REQUIRE(old.envelope.has_error());
    BOOST_TEST(old.envelope.error().code() == v1::ERROR_CODE_WRONG_PASSWORD);
    const it::Frame fresh = helloWithPassword(c.hubs[0].port(), "ana", "second", "new, hub 1");
    BOOST_TEST_REQUIRE(fresh.envelope.has_welcome(), fresh.envelope.DebugString());
    BOOST_TEST(fresh.envelope.welcome().account() == "ana");
}

BOOST_AUTO_TEST_CASE(redis_down) {
    it::ClusterGuard c(2);
    it::RawClient bob(c.hubs[0].port(), "bob");
    bob.hello("bob", it::after(10s));
    c.redis.stop();
    // Refused, whether the hub already saw Redis away or loses it with the
    // request (then of unknown fate: no Redis took it here).
    bob.send(it::registerEnvelope("pw"));
    const it::Frame refused = bob.expect(
        [](const it::Frame& f) { return f.envelope.has_account_reply() || f.envelope.has_error(); },
        it::after(10s), "Register while Redis is stopped");
    BOOST_TEST_REQUIRE(refused.envelope.has_error(), bob.inboxSummary());
    BOOST_TEST(refused.envelope.error().code() == v1::ERROR_CODE_CLUSTER_UNAVAILABLE);
    c.redis.restart();
    // Registered once the hub is back on Redis.
    const auto back = it::after(20s);
    bool registered = false;
    for (std::uint64_t round = 1; !registered && it::Clock::now() < back; ++round) {
        bob.send(it::registerEnvelope("pw"));
        const it::Frame answer = bob.expect(
            [](const it::Frame& f) {
                return f.envelope.has_account_reply() || f.envelope.has_error();
            },
            it::after(10s), "Register after Redis is back");
        registered = answer.envelope.has_account_reply();
        if (!registered) {
            BOOST_TEST_REQUIRE(answer.envelope.error().code() ==
                               v1::ERROR_CODE_CLUSTER_UNAVAILABLE);
            bob.sync(it::after(5s));  // a round trip between attempts, not a sleep
        }
    }
    BOOST_TEST_REQUIRE(registered, c.hubs[0].logTail());
    BOOST_TEST(redisHolds(c.redis, "bob"));
    BOOST_TEST_REQUIRE(
        it::logShows(c.hubs[1], "account bob is registered in the cluster", it::after(10s)),
        c.hubs[1].logTail());
}

BOOST_AUTO_TEST_CASE(redis_lost) {
    it::ClusterGuard c(2);
    it::registerNick(c.hubs[0].port(), "cat", "meow");
    BOOST_TEST_REQUIRE(redisHolds(c.redis, "cat"));
    BOOST_TEST_REQUIRE(
        it::logShows(c.hubs[1], "account cat is registered in the cluster", it::after(10s)),
        c.hubs[1].logTail());
    c.redis.command({"FLUSHALL"});
    BOOST_TEST_REQUIRE(!redisHolds(c.redis, "cat"));
    c.redis.command({"CLIENT", "KILL", "TYPE", "normal"});
    c.redis.command({"CLIENT", "KILL", "TYPE", "pubsub"});
    // Each hub reads the state again once back on Redis; the first to read
    // it offers cat (the other may find it there again).
    const std::string offered = "accounts of this hub that it lacks";
    const auto deadline = it::after(20s);
    bool seen = false;
    while (!seen && it::Clock::now() < deadline) {
        seen = it::logShows(c.hubs[0], offered, it::after(100ms)) ||
               it::logShows(c.hubs[1], offered, it::after(100ms));
    }
    BOOST_TEST_REQUIRE(seen, c.hubs[0].logTail() + c.hubs[1].logTail());
    // Logged when sent: Redis runs it a moment later.
    const auto held = it::after(10s);
    while (!redisHolds(c.redis, "cat") && it::Clock::now() < held) {
        ::poll(nullptr, 0, 20);  // polling a condition with a deadline
    }
    BOOST_TEST_REQUIRE(redisHolds(c.redis, "cat"));
    const it::Frame welcome = helloWithPassword(c.hubs[1].port(), "cat", "meow", "after the loss");
    BOOST_TEST_REQUIRE(welcome.envelope.has_welcome(), welcome.envelope.DebugString());
    BOOST_TEST(welcome.envelope.welcome().account() == "cat");
}

namespace {

const std::string kHall = "hall";

// bob created kHall on hub 1 (its operator there); carl joined it first on
// hub 2 (each hub's first joiner is an operator there, and no ban keeps
// out an operator); ana, registered and signed in on hub 2, joined after.
struct Hall {
    explicit Hall(it::ClusterHubs& hubs)
        : bob(hubs[0].port(), "bob"), carl(hubs[1].port(), "carl"), ana(hubs[1].port(), "ana") {
        bob.hello("bob", it::after(10s));
        it::joinRoom(bob, kHall, it::after(10s));
        carl.hello("carl", it::after(10s));
        it::joinRoom(carl, kHall, it::after(10s));
        it::registerNick(hubs[1].port(), "ana", "pw");
        ana.signIn("ana", "pw", it::after(15s));
        it::joinRoom(ana, kHall, it::after(10s));
        it::expectJoins(bob, {"carl", "ana"}, it::after(10s));
    }
    it::RawClient bob, carl, ana;
};

v1::Envelope byAccount(v1::ModerationAction action, const std::string& account) {
    v1::Envelope e = it::moderationEnvelope(kHall, action, account, "by account", 0);
    e.mutable_moderation_request()->set_target_kind(v1::TARGET_KIND_ACCOUNT);
    return e;
}

}  // namespace

BOOST_AUTO_TEST_CASE(ban) {
    it::ClusterGuard c(2);
    Hall h(c.hubs);
    h.bob.send(byAccount(v1::MODERATION_ACTION_BAN, "ana"));
    h.ana.expect(it::isPresence(v1::PRESENCE_KIND_BANNED, "ana"), it::after(10s),
                 "ana told BANNED on hub 2");
    h.ana.send(it::joinEnvelope(kHall));
    h.ana.expect(it::isError(v1::ERROR_CODE_BANNED), it::after(10s), "ana's Join refused");
    h.bob.send(byAccount(v1::MODERATION_ACTION_UNBAN, "ana"));
    h.bob.expect(it::isPresence(v1::PRESENCE_KIND_UNBANNED, "ana"), it::after(10s), "unbanned");
    // Carried out on hub 2 when Redis publishes it: she joins once it has.
    const auto deadline = it::after(10s);
    bool joined = false;
    while (!joined && it::Clock::now() < deadline) {
        h.ana.send(it::joinEnvelope(kHall));
        const it::Frame answer = h.ana.expect(
            [](const it::Frame& f) {
                return f.envelope.has_error() ||
                       (f.envelope.has_presence() && f.envelope.presence().room() == kHall &&
                        f.envelope.presence().kind() == v1::PRESENCE_KIND_JOINED);
            },
            it::after(10s), "ana's Join after the unban");
        joined = !answer.envelope.has_error();
    }
    BOOST_TEST(joined, h.ana.inboxSummary());
}

BOOST_AUTO_TEST_CASE(op) {
    it::ClusterGuard c(2);
    Hall h(c.hubs);
    h.ana.send(it::moderationEnvelope(kHall, v1::MODERATION_ACTION_KICK, "carl", "", 0));
    h.ana.expect(it::isError(v1::ERROR_CODE_NOT_OPERATOR), it::after(10s), "not yet operator");
    h.bob.send(byAccount(v1::MODERATION_ACTION_OP, "ana"));
    h.ana.expect(it::isPresence(v1::PRESENCE_KIND_OPPED, "ana"), it::after(10s),
                 "ana's account made operator, shown on hub 2");
    h.ana.send(it::moderationEnvelope(kHall, v1::MODERATION_ACTION_KICK, "carl", "", 0));
    h.carl.expect(it::isPresence(v1::PRESENCE_KIND_KICKED, "carl"), it::after(10s),
                  "carl kicked by ana, operator by account");
}

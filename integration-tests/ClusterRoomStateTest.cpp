// Mutes, room operators, invites, room modes and the bans a hub stored
// from the cluster, across the hubs of a cluster (docs/CLUSTER.md "Mutes,
// operators, invites and modes across hubs"): a real redis-server and real
// hermesd on 127.0.0.1 (harness RedisServer, ClusterHubs, HubProcess),
// clients over TCP. ana created the room on hub 1 (its operator there),
// bob on hub 2; carl is on hub 2.
//
//   mute          ana mutes carl on hub 1: hub 2 refuses carl's Say
//                 (MUTED), and every member sees MUTED; unmuted, carl talks
//   op            carl may not kick on hub 2; ana ops him on hub 1; his kick
//                 of bob (hub 2) then removes bob
//   invite_only   ana sets the room invite-only on hub 1: dan's Join on hub
//                 2 is refused INVITE_ONLY; ana invites dan on hub 1: dan is
//                 told, and his Join on hub 2 is taken
//   restart_unban hub 2 has a ban of its own from before the cluster, and
//                 stores the cluster's ban of carl; stopped, the cluster
//                 lifts carl's ban; started again, hub 2 admits carl (the
//                 read of the cluster's state drops the lifted ban) and
//                 still refuses its own ban's nick
//
// Each case is its own CTest test (integration.cluster.roomstate.<case>).
#define BOOST_TEST_MODULE ClusterRoomStateTest
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <optional>
#include <string>

#include "BoostSupport.hpp"
#include "ClusterGuard.hpp"
#include "ClusterHubs.hpp"
#include "Frames.hpp"
#include "HubLog.hpp"
#include "HubProcess.hpp"
#include "RawClient.hpp"
#include "RedisRequired.hpp"
#include "RedisServer.hpp"
#include "hermes/test/TempDir.hpp"

using namespace std::chrono_literals;
namespace it = hermes::it;
namespace v1 = hermes::v1;

namespace {

const std::string kRoom = "ops";

v1::Envelope moderate(v1::ModerationAction action, const std::string& target = {}) {
    return it::moderationEnvelope(kRoom, action, target, "test");
}

// ana (hub 1), bob and carl (hub 2) in kRoom, ana seeing the others join.
struct Three {
    explicit Three(it::ClusterHubs& hubs)
        : ana(hubs[0].port(), "ana"), bob(hubs[1].port(), "bob"), carl(hubs[1].port(), "carl") {
        ana.hello("ana", it::after(10s));
        bob.hello("bob", it::after(10s));
        carl.hello("carl", it::after(10s));
        it::joinRoom(ana, kRoom, it::after(10s));
        it::joinRoom(bob, kRoom, it::after(10s));
        it::joinRoom(carl, kRoom, it::after(10s));
        it::expectJoins(ana, {"bob", "carl"}, it::after(10s));
    }
    it::RawClient ana;
    it::RawClient bob;
    it::RawClient carl;
};

// A hub answers a Hello CLUSTER_UNAVAILABLE until it has joined the
// backplane, a moment after its port opens: Hello again until welcomed.
void helloWhenJoined(it::RawClient& client, const std::string& nick, it::Deadline deadline) {
    for (;;) {
        client.send(it::helloEnvelope(nick));
        const it::Frame answer = client.expect(
            [](const it::Frame& f) { return f.envelope.has_welcome() || f.envelope.has_error(); },
            deadline, client.name() + " welcomed");
        if (answer.envelope.has_welcome()) {
            return;
        }
        BOOST_TEST_REQUIRE(answer.envelope.error().code() == v1::ERROR_CODE_CLUSTER_UNAVAILABLE,
                           it::describe(answer.envelope));
    }
}

it::HubProcess::Settings hubTwo(const std::string& redis, const std::string& db) {
    it::HubProcess::Settings settings = it::ClusterHubs::quickSettings();
    if (!redis.empty()) {
        settings["cluster.redis"] = redis;
        settings["cluster.hub_name"] = "hub-two";
    }
    settings["hub.name"] = "hub-two";
    settings["history.path"] = db;
    return settings;
}

}  // namespace

BOOST_AUTO_TEST_CASE(mute) {
    it::ClusterGuard c(2);
    Three t(c.hubs);
    t.ana.send(moderate(v1::MODERATION_ACTION_MUTE, "carl"));
    const it::Frame seen = t.bob.expect(it::isPresence(v1::PRESENCE_KIND_MUTED, "carl"),
                                        it::after(10s), "bob sees carl muted");
    BOOST_TEST(seen.envelope.presence().by() == "ana");
    t.carl.expect(it::isPresence(v1::PRESENCE_KIND_MUTED, "carl"), it::after(10s),
                  "carl sees he is muted");
    t.ana.expect(it::isPresence(v1::PRESENCE_KIND_MUTED, "carl"), it::after(10s),
                 "ana sees carl muted");
    t.carl.send(it::sayEnvelope(kRoom, "can you hear me", 1));
    const it::Frame refused =
        t.carl.expect(it::isError(v1::ERROR_CODE_MUTED), it::after(10s), "carl's Say refused");
    BOOST_TEST(refused.envelope.error().room() == kRoom);
    t.ana.send(moderate(v1::MODERATION_ACTION_UNMUTE, "carl"));
    t.carl.expect(it::isPresence(v1::PRESENCE_KIND_UNMUTED, "carl"), it::after(10s),
                  "carl unmuted");
    t.carl.send(it::sayEnvelope(kRoom, "back again", 2));
    t.ana.expect(it::isChatText(kRoom, "back again"), it::after(10s), "ana hears carl");
}

BOOST_AUTO_TEST_CASE(op) {
    it::ClusterGuard c(2);
    Three t(c.hubs);
    t.carl.send(moderate(v1::MODERATION_ACTION_KICK, "bob"));
    t.carl.expect(it::isError(v1::ERROR_CODE_NOT_OPERATOR), it::after(10s), "carl no operator yet");
    t.ana.send(moderate(v1::MODERATION_ACTION_OP, "carl"));
    t.carl.expect(it::isPresence(v1::PRESENCE_KIND_OPPED, "carl"), it::after(10s),
                  "carl sees he is an operator");
    t.ana.expect(it::isPresence(v1::PRESENCE_KIND_OPPED, "carl"), it::after(10s),
                 "ana sees carl opped");
    t.carl.send(moderate(v1::MODERATION_ACTION_KICK, "bob"));
    const it::Frame told = t.bob.expect(it::isPresence(v1::PRESENCE_KIND_KICKED, "bob"),
                                        it::after(10s), "bob kicked by carl");
    BOOST_TEST(told.envelope.presence().by() == "carl");
    t.ana.expect(it::isPresence(v1::PRESENCE_KIND_KICKED, "bob"), it::after(10s),
                 "hub 1 sees the kick");
}

BOOST_AUTO_TEST_CASE(invite_only) {
    it::ClusterGuard c(2);
    Three t(c.hubs);
    t.ana.send(moderate(v1::MODERATION_ACTION_INVITE_ONLY));
    const it::Frame mode = t.bob.expect(
        [](const it::Frame& f) {
            return f.envelope.has_presence() &&
                   f.envelope.presence().kind() == v1::PRESENCE_KIND_MODE_CHANGED;
        },
        it::after(10s), "bob sees the mode change");
    BOOST_TEST(mode.envelope.presence().reason() == "invite-only: test");
    BOOST_TEST(mode.envelope.presence().by() == "ana");
    it::RawClient dan(c.hubs[1].port(), "dan");
    dan.hello("dan", it::after(10s));
    dan.send(it::joinEnvelope(kRoom));
    const it::Frame refused =
        dan.expect(it::isError(v1::ERROR_CODE_INVITE_ONLY), it::after(10s), "dan refused");
    BOOST_TEST(refused.envelope.error().room() == kRoom);
    t.ana.send(moderate(v1::MODERATION_ACTION_INVITE, "dan"));
    const it::Frame invited = dan.expect(it::isPresence(v1::PRESENCE_KIND_INVITED, "dan"),
                                         it::after(10s), "dan told of the invite");
    BOOST_TEST(invited.envelope.presence().by() == "ana");
    it::joinRoom(dan, kRoom, it::after(10s));
    it::expectJoins(t.ana, {"dan"}, it::after(10s));
}

BOOST_AUTO_TEST_CASE(restart_unban) {
    it::RedisRequired redisRequired;
    it::RedisServer redis;
    hermes::test::TempDir dir("hermes-roomstate");
    const std::string db = dir.file("hub-two.db");
    {
        // Before the cluster: hub 2 alone bans zed (its own ban).
        it::HubProcess alone(hubTwo("", db));
        it::RawClient bob(alone.port(), "bob");
        bob.hello("bob", it::after(10s));
        it::joinRoom(bob, kRoom, it::after(10s));
        bob.send(moderate(v1::MODERATION_ACTION_BAN, "zed"));
        bob.expect(it::isPresence(v1::PRESENCE_KIND_BANNED, "zed"), it::after(10s), "zed banned");
        BOOST_TEST(alone.stop().clean());
    }
    it::ClusterHubs hubs(1, redis.address(), it::ClusterHubs::quickSettings());
    it::RawClient ana(hubs[0].port(), "ana");
    ana.hello("ana", it::after(10s));
    it::joinRoom(ana, kRoom, it::after(10s));
    {
        it::HubProcess two(hubTwo(redis.address(), db));
        it::RawClient bob(two.port(), "bob");
        helloWhenJoined(bob, "bob", it::after(10s));
        it::joinRoom(bob, kRoom, it::after(10s));
        it::expectJoins(ana, {"bob"}, it::after(10s));
        ana.send(moderate(v1::MODERATION_ACTION_BAN, "carl"));
        bob.expect(it::isPresence(v1::PRESENCE_KIND_BANNED, "carl"), it::after(10s),
                   "hub 2 applies the cluster's ban");
        BOOST_TEST(two.stop().clean());
    }
    ana.send(moderate(v1::MODERATION_ACTION_UNBAN, "carl"));
    ana.expect(it::isPresence(v1::PRESENCE_KIND_UNBANNED, "carl"), it::after(10s), "unbanned");
    it::HubProcess two(hubTwo(redis.address(), db));
    BOOST_TEST(two.log().find("restored 2 bans") != std::string::npos, two.logTail());
    it::RawClient carl(two.port(), "carl");
    helloWhenJoined(carl, "carl", it::after(10s));
    // Its first read of hermes:state lifts the ban Redis no longer has.
    BOOST_TEST_REQUIRE(it::logShows(two, "nick carl unbanned in " + kRoom, it::after(10s)),
                       two.logTail());
    carl.send(it::joinEnvelope(kRoom));
    const it::Frame admitted = carl.expect(
        [](const it::Frame& f) { return it::isMembersOf(kRoom)(f) || f.envelope.has_error(); },
        it::after(10s), "carl joins " + kRoom);
    BOOST_TEST(!admitted.envelope.has_error(), it::describe(admitted.envelope));
    it::RawClient zed(two.port(), "zed");
    helloWhenJoined(zed, "zed", it::after(10s));
    zed.send(it::joinEnvelope(kRoom));
    zed.expect(it::isError(v1::ERROR_CODE_BANNED), it::after(10s), "hub 2's own ban stays");
    if (it::currentTestFailed()) {
        hubs.markFailed();
        two.markFailed();
    }
}

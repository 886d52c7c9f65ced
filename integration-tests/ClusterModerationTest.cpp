// Topics, bans and kicks across the hubs of a cluster (docs/CLUSTER.md
// "Topics, bans and kicks across hubs"): a real redis-server and real
// hermesd on 127.0.0.1 (harness RedisServer, ClusterHubs), clients over TCP.
// Room operators are the rooms' creators on their hubs (ana on hub 1, bob
// on hub 2: each joins the room first there).
//
//   topic        a topic set on hub 1 is shown to a member on hub 2 (and to
//                its setter, once Redis has it), with the setter and time
//   late_hub     a hub started after the topic was set shows it to a joiner
//   ban          a nick ban on hub 1 removes its member on hub 2 (told
//                BANNED, as a local ban), is shown to hub 2's other members,
//                refuses a Join on hub 2 and on hub 1, and is in hub 2's
//                ban list with the same absolute expiry
//   unban        unbanned on hub 2 by its operator: the nick joins on hub 1
//   kick         a kick on hub 1 of a member connected to hub 2 removes it
//                there (told KICKED); both hubs' members see the kick
//   local_kick   a kick on hub 1 of its own member: hub 2's members see the
//                KICKED (by, reason, the nick as shown) and hub 2 lists it no more
//   outside_kick ana, operator of the room on hub 1, leaves it and kicks carl
//                (hub 2): she is told KICKED once hub 2 has removed him
//   redis_down   Redis stopped: a topic and a ban are refused
//                CLUSTER_UNAVAILABLE, and nothing changes on the other hub
//
// Each case is its own CTest test (integration.cluster.moderation.<case>).
#define BOOST_TEST_MODULE ClusterModerationTest
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <set>
#include <string>
#include <utility>

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

const std::string kRoom = "ops";

v1::Envelope moderate(v1::ModerationAction action, const std::string& target,
                      const std::string& reason = {}, std::uint32_t expirySeconds = 0) {
    return it::moderationEnvelope(kRoom, action, target, reason, expirySeconds);
}

it::RawClient::Predicate isTopic(const std::string& text) {
    return [text](const it::Frame& f) {
        return f.envelope.has_topic() && f.envelope.topic().room() == kRoom &&
               f.envelope.topic().text() == text;
    };
}

void join(it::RawClient& client) {
    it::joinRoom(client, kRoom, it::after(10s));
}

void seesJoin(it::RawClient& watcher, std::set<std::string> nicks) {
    it::expectJoins(watcher, std::move(nicks), it::after(10s));
}

// ana (operator, hub 1), bob (operator, hub 2) and carl (hub 2) in kRoom,
// each hub listing the other's members.
struct Three {
    explicit Three(it::ClusterHubs& hubs)
        : ana(hubs[0].port(), "ana"), bob(hubs[1].port(), "bob"), carl(hubs[1].port(), "carl") {
        ana.hello("ana", it::after(10s));
        bob.hello("bob", it::after(10s));
        carl.hello("carl", it::after(10s));
        join(ana);
        join(bob);
        join(carl);
        seesJoin(ana, {"bob", "carl"});
    }
    it::RawClient ana;
    it::RawClient bob;
    it::RawClient carl;
};

}  // namespace

BOOST_AUTO_TEST_CASE(topic) {
    it::ClusterGuard c(2);
    Three t(c.hubs);
    t.ana.send(it::topicEnvelope(kRoom, "release on friday"));
    const it::Frame atBob = t.bob.expect(isTopic("release on friday"), it::after(10s), "topic");
    BOOST_TEST(atBob.envelope.topic().set_by() == "ana");
    BOOST_TEST(atBob.envelope.topic().time_ms() > 0);
    const it::Frame atAna = t.ana.expect(isTopic("release on friday"), it::after(10s), "topic");
    BOOST_TEST(atAna.envelope.topic().time_ms() == atBob.envelope.topic().time_ms());
    // Exactly once each.
    t.ana.sync(it::after(10s));
    t.bob.sync(it::after(10s));
    BOOST_TEST(!t.bob.tryExpect(isTopic("release on friday"), it::after(0ms)));
    BOOST_TEST(!t.ana.tryExpect(isTopic("release on friday"), it::after(0ms)));
}

BOOST_AUTO_TEST_CASE(late_hub) {
    it::ClusterGuard c(1);
    it::RawClient ana(c.hubs[0].port(), "ana");
    ana.hello("ana", it::after(10s));
    join(ana);
    ana.send(it::topicEnvelope(kRoom, "set before hub-late"));
    ana.expect(isTopic("set before hub-late"), it::after(10s), "topic echoed");

    it::HubProcess::Settings settings = it::ClusterHubs::quickSettings();
    settings["cluster.redis"] = c.redis.address();
    settings["cluster.hub_name"] = "hub-late";
    settings["hub.name"] = "hub-late";
    it::HubProcess late(settings);
    // Its port opens before it has joined the backplane, and until then it
    // refuses a Hello (it cannot claim the nick).
    BOOST_TEST_REQUIRE(it::logShows(late, "joined the backplane", it::after(20s)), late.logTail());
    it::RawClient dan(late.port(), "dan");
    dan.hello("dan", it::after(10s));
    // The topics are read once it has joined; the state read may still be
    // under way: a joiner before it is shown the topic when it is read (to
    // the room's members, as any topic change).
    join(dan);
    const it::Frame shown =
        dan.expect(isTopic("set before hub-late"), it::after(10s), "hub-late shows the topic");
    BOOST_TEST(shown.envelope.topic().set_by() == "ana");
    dan.sync(it::after(10s));
    BOOST_TEST(!dan.tryExpect(isTopic("set before hub-late"), it::after(0ms)), "shown twice");
    if (it::currentTestFailed()) {
        late.markFailed();
    }
}

BOOST_AUTO_TEST_CASE(ban) {
    it::ClusterGuard c(2);
    Three t(c.hubs);
    t.ana.send(moderate(v1::MODERATION_ACTION_BAN, "carl", "spam", 3600));
    // carl, on hub 2, is told and leaves the room, as under a local ban.
    const it::Frame told = t.carl.expect(it::isPresence(v1::PRESENCE_KIND_BANNED, "carl"),
                                         it::after(10s), "carl told BANNED");
    BOOST_TEST(told.envelope.presence().by() == "ana");
    BOOST_TEST(told.envelope.presence().reason() == "spam");
    t.bob.expect(it::isPresence(v1::PRESENCE_KIND_BANNED, "carl"), it::after(10s),
                 "bob sees carl banned");
    t.ana.expect(it::isPresence(v1::PRESENCE_KIND_BANNED, "carl"), it::after(10s),
                 "ana sees carl banned");
    t.carl.send(it::sayEnvelope(kRoom, "still here?", 1));
    t.carl.expect(it::isError(v1::ERROR_CODE_NOT_IN_ROOM), it::after(10s), "carl out of the room");
    t.carl.send(it::joinEnvelope(kRoom));
    t.carl.expect(it::isError(v1::ERROR_CODE_BANNED), it::after(10s), "Join refused on hub 2");
    // On hub 1 too.
    it::RawClient carl2(c.hubs[0].port(), "carl on hub 1");
    t.carl.close();
    const auto deadline = it::after(10s);
    bool welcomed = false;
    while (!welcomed && it::Clock::now() < deadline) {
        carl2.send(it::helloEnvelope("carl"));
        const auto answer = carl2.tryExpect(
            [](const it::Frame& f) { return f.envelope.has_welcome() || f.envelope.has_error(); },
            it::after(5s));
        welcomed = answer && answer->envelope.has_welcome();  // else NICK_TAKEN until released
    }
    BOOST_TEST_REQUIRE(welcomed);
    carl2.send(it::joinEnvelope(kRoom));
    carl2.expect(it::isError(v1::ERROR_CODE_BANNED), it::after(10s), "Join refused on hub 1");
    // Hub 2's list shows it, with the expiry hub 1 set.
    v1::Envelope list;
    list.mutable_ban_list_request()->set_room(kRoom);
    t.bob.send(list);
    const it::Frame atBob =
        t.bob.expect(it::isBody(v1::Envelope::kBanList), it::after(10s), "hub 2's ban list");
    t.ana.send(list);
    const it::Frame atAna =
        t.ana.expect(it::isBody(v1::Envelope::kBanList), it::after(10s), "hub 1's ban list");
    BOOST_TEST_REQUIRE(atBob.envelope.ban_list().bans_size() == 1);
    BOOST_TEST_REQUIRE(atAna.envelope.ban_list().bans_size() == 1);
    const auto& b = atBob.envelope.ban_list().bans(0);
    BOOST_TEST(b.target() == "carl");
    BOOST_TEST(b.set_by() == "ana");
    BOOST_TEST(b.expires_ms() > 0);
    BOOST_TEST(b.expires_ms() == atAna.envelope.ban_list().bans(0).expires_ms());
}

BOOST_AUTO_TEST_CASE(unban) {
    it::ClusterGuard c(2);
    Three t(c.hubs);
    t.ana.send(moderate(v1::MODERATION_ACTION_BAN, "carl"));
    t.carl.expect(it::isPresence(v1::PRESENCE_KIND_BANNED, "carl"), it::after(10s), "carl banned");
    t.bob.expect(it::isPresence(v1::PRESENCE_KIND_BANNED, "carl"), it::after(10s),
                 "bob sees the ban");
    t.bob.send(moderate(v1::MODERATION_ACTION_UNBAN, "carl"));
    t.ana.expect(it::isPresence(v1::PRESENCE_KIND_UNBANNED, "carl"), it::after(10s),
                 "hub 1 sees the unban");
    // carl moves to hub 1 and joins there.
    t.carl.close();
    it::RawClient carl2(c.hubs[0].port(), "carl on hub 1");
    const auto deadline = it::after(10s);
    bool welcomed = false;
    while (!welcomed && it::Clock::now() < deadline) {
        carl2.send(it::helloEnvelope("carl"));
        const auto answer = carl2.tryExpect(
            [](const it::Frame& f) { return f.envelope.has_welcome() || f.envelope.has_error(); },
            it::after(5s));
        welcomed = answer && answer->envelope.has_welcome();
    }
    BOOST_TEST_REQUIRE(welcomed);
    join(carl2);
    t.bob.expect(it::isPresence(v1::PRESENCE_KIND_JOINED, "carl"), it::after(10s),
                 "hub 2 sees carl back");
}

BOOST_AUTO_TEST_CASE(kick) {
    it::ClusterGuard c(2);
    Three t(c.hubs);
    t.ana.send(moderate(v1::MODERATION_ACTION_KICK, "carl", "cool off"));
    const it::Frame told = t.carl.expect(it::isPresence(v1::PRESENCE_KIND_KICKED, "carl"),
                                         it::after(10s), "carl told KICKED");
    BOOST_TEST(told.envelope.presence().by() == "ana");
    BOOST_TEST(told.envelope.presence().reason() == "cool off");
    t.bob.expect(it::isPresence(v1::PRESENCE_KIND_KICKED, "carl"), it::after(10s),
                 "bob sees the kick");
    t.ana.expect(it::isPresence(v1::PRESENCE_KIND_KICKED, "carl"), it::after(10s),
                 "ana sees the kick");
    t.carl.send(it::sayEnvelope(kRoom, "still here?", 1));
    t.carl.expect(it::isError(v1::ERROR_CODE_NOT_IN_ROOM), it::after(10s), "carl out of the room");
    // A kick is no ban: carl joins again, and hub 1 lists him again.
    join(t.carl);
    seesJoin(t.ana, {"carl"});
}

BOOST_AUTO_TEST_CASE(local_kick) {
    it::ClusterGuard c(2);
    Three t(c.hubs);
    it::RawClient dora(c.hubs[0].port(), "Dora");
    dora.hello("Dora", it::after(10s));
    join(dora);
    seesJoin(t.bob, {"Dora"});
    t.ana.send(moderate(v1::MODERATION_ACTION_KICK, "dora", "cool off"));
    dora.expect(it::isPresence(v1::PRESENCE_KIND_KICKED, "Dora"), it::after(10s),
                "Dora told KICKED");
    const it::Frame seen = t.bob.expect(it::isPresence(v1::PRESENCE_KIND_KICKED, "Dora"),
                                        it::after(10s), "hub 2 sees Dora kicked");
    BOOST_TEST(seen.envelope.presence().by() == "ana");
    BOOST_TEST(seen.envelope.presence().reason() == "cool off");
    // A joiner on hub 2 is given the room's members: Dora is not one.
    it::RawClient eve(c.hubs[1].port(), "eve");
    eve.hello("eve", it::after(10s));
    eve.send(it::joinEnvelope(kRoom));
    const it::Frame list = eve.expect(it::isMembersOf(kRoom), it::after(10s), "hub 2's list");
    const auto& nicks = list.envelope.members().nicks();
    BOOST_TEST((std::find(nicks.begin(), nicks.end(), "Dora") == nicks.end()));
    BOOST_TEST((std::find(nicks.begin(), nicks.end(), "ana") != nicks.end()));
}

BOOST_AUTO_TEST_CASE(outside_kick) {
    it::ClusterGuard c(2);
    Three t(c.hubs);
    t.ana.send(it::leaveEnvelope(kRoom));
    t.bob.expect(it::isPresence(v1::PRESENCE_KIND_LEFT, "ana"), it::after(10s), "ana left");
    t.ana.send(moderate(v1::MODERATION_ACTION_KICK, "carl", "cool off"));
    t.carl.expect(it::isPresence(v1::PRESENCE_KIND_KICKED, "carl"), it::after(10s),
                  "carl told KICKED");
    const it::Frame told = t.ana.expect(it::isPresence(v1::PRESENCE_KIND_KICKED, "carl"),
                                        it::after(10s), "ana told of her kick");
    BOOST_TEST(told.envelope.presence().room() == kRoom);
    BOOST_TEST(told.envelope.presence().by() == "ana");
    BOOST_TEST(told.envelope.presence().reason() == "cool off");
}

BOOST_AUTO_TEST_CASE(redis_down) {
    it::ClusterGuard c(2);
    Three t(c.hubs);
    c.redis.stop();
    // Wait until hub 1 knows Redis is away (a Say refused), then send.
    const auto down = it::after(10s);
    std::uint64_t id = 1;
    for (bool refused = false; !refused;) {
        BOOST_TEST_REQUIRE((it::Clock::now() < down), "hub 1 never saw Redis down");
        t.ana.send(it::sayEnvelope(kRoom, "probe", id++));
        refused = t.ana.tryExpect(it::isError(v1::ERROR_CODE_CLUSTER_UNAVAILABLE), it::after(200ms))
                      .has_value();
    }
    // A probe answered after its 200 ms was followed by another: their
    // refusals are all in before the Pong, and none may pass for the
    // topic's or the ban's below.
    t.ana.sync(it::after(10s));
    t.ana.inbox().clear();
    t.ana.send(it::topicEnvelope(kRoom, "while Redis is away"));
    const it::Frame refused = t.ana.expect(it::isError(v1::ERROR_CODE_CLUSTER_UNAVAILABLE),
                                           it::after(10s), "topic refused");
    BOOST_TEST(refused.envelope.error().room() == kRoom);
    t.ana.send(moderate(v1::MODERATION_ACTION_BAN, "carl"));
    t.ana.expect(it::isError(v1::ERROR_CODE_CLUSTER_UNAVAILABLE), it::after(10s), "ban refused");
    t.ana.sync(it::after(10s));
    t.bob.sync(it::after(10s));
    t.carl.sync(it::after(10s));
    BOOST_TEST(!t.ana.tryExpect(isTopic("while Redis is away"), it::after(0ms)));
    BOOST_TEST(!t.bob.tryExpect(isTopic("while Redis is away"), it::after(0ms)));
    BOOST_TEST(!t.carl.tryExpect(it::isPresence(v1::PRESENCE_KIND_BANNED, "carl"), it::after(0ms)));
}

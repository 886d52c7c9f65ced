#define BOOST_TEST_MODULE hub_rooms
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <set>

#include "HubTestHarness.hpp"

using namespace hermes;
using namespace hermes::hub;
using namespace hermes::hub::test;

namespace {
std::vector<std::string> nicksOf(const google::protobuf::RepeatedPtrField<std::string>& field) {
    return {field.begin(), field.end()};
}
std::set<std::string> setOf(const google::protobuf::RepeatedPtrField<std::string>& field) {
    return {field.begin(), field.end()};
}
}  // namespace

BOOST_AUTO_TEST_CASE(join_sends_presence_then_member_list) {
    HubHarness h;
    const SessionId ana = h.login("ana");
    h.send(ana, join("#Chat"));
    const v1::Envelope list = h.next(ana);
    BOOST_TEST_REQUIRE(list.has_members());
    BOOST_TEST(list.members().room() == "chat");
    BOOST_TEST(nicksOf(list.members().nicks()) == std::vector<std::string>{"ana"});
    const v1::Envelope joined = h.next(ana);
    BOOST_TEST_REQUIRE(joined.has_presence());
    BOOST_TEST(joined.presence().room() == "chat");
    BOOST_TEST(joined.presence().kind() == v1::PRESENCE_KIND_JOINED);
    BOOST_TEST(nicksOf(joined.presence().nicks()) == std::vector<std::string>{"ana"});
    BOOST_TEST(joined.presence().time_ms() == h.wallMs);
    BOOST_TEST(h.take(ana).empty());  // no topic, no backlog

    const SessionId bob = h.login("bob");
    h.send(bob, join("chat"));
    BOOST_TEST(setOf(h.next(bob).members().nicks()) == (std::set<std::string>{"ana", "bob"}));
    BOOST_TEST(h.next(bob).presence().nicks(0) == "bob");
    const v1::Envelope seen = h.next(ana);
    BOOST_TEST(seen.presence().kind() == v1::PRESENCE_KIND_JOINED);
    BOOST_TEST(nicksOf(seen.presence().nicks()) == std::vector<std::string>{"bob"});
    BOOST_TEST(h.hub.stats().rooms == 1u);
}

BOOST_AUTO_TEST_CASE(joins_in_one_turn_are_coalesced_in_order) {
    HubHarness h;
    const SessionId watcher = h.login("watcher");
    h.send(watcher, join("r"));
    h.clear(watcher);
    std::vector<SessionId> ids;
    for (const char* nick : {"n1", "n2", "n3"}) {
        ids.push_back(h.login(nick));
    }
    // One edge batch: all three joins are received before one flush().
    for (const SessionId id : ids) {
        h.hub.receive(id, codec::encodeFrame(join("r")), h.now);
    }
    h.hub.flush();
    h.pump();
    const auto got = h.take(watcher);
    BOOST_TEST_REQUIRE(got.size() == 1u);
    BOOST_TEST(got[0].presence().kind() == v1::PRESENCE_KIND_JOINED);
    BOOST_TEST(nicksOf(got[0].presence().nicks()) == (std::vector<std::string>{"n1", "n2", "n3"}));
    // Every joiner gets the coalesced presence once, after its member list.
    for (const SessionId id : ids) {
        const auto mine = h.take(id);
        BOOST_TEST_REQUIRE(mine.size() == 2u);
        BOOST_TEST(mine[0].has_members());
        BOOST_TEST(mine[1].presence().nicks_size() == 3);
    }
}

BOOST_AUTO_TEST_CASE(presence_of_another_kind_goes_out_first) {
    HubHarness h;
    const SessionId watcher = h.login("watcher");
    const SessionId a = h.login("a");
    const SessionId b = h.login("b");
    for (const SessionId id : {watcher, a}) {
        h.send(id, join("r"));
    }
    h.clear(watcher);
    h.clear(a);
    // One turn: b joins, a leaves, then a message: order must hold.
    h.hub.receive(b, codec::encodeFrame(join("r")), h.now);
    h.hub.receive(a, codec::encodeFrame(leave("r", "bye")), h.now);
    h.hub.receive(b, codec::encodeFrame(say("r", 5, "hi")), h.now);
    h.hub.flush();
    h.pump();
    const auto got = h.take(watcher);
    BOOST_TEST_REQUIRE(got.size() == 3u);
    BOOST_TEST(got[0].presence().kind() == v1::PRESENCE_KIND_JOINED);
    BOOST_TEST(got[0].presence().nicks(0) == "b");
    BOOST_TEST(got[1].presence().kind() == v1::PRESENCE_KIND_LEFT);
    BOOST_TEST(got[1].presence().nicks(0) == "a");
    BOOST_TEST(got[1].presence().reason() == "bye");
    BOOST_TEST(got[2].message().text() == "hi");
    // The leaver saw the join that happened before it left, then its own leave.
    const auto leaver = h.take(a);
    BOOST_TEST_REQUIRE(leaver.size() == 2u);
    BOOST_TEST(leaver[0].presence().kind() == v1::PRESENCE_KIND_JOINED);
    BOOST_TEST(leaver[1].presence().kind() == v1::PRESENCE_KIND_LEFT);
    BOOST_TEST(leaver[1].presence().nicks(0) == "a");
}

BOOST_AUTO_TEST_CASE(leave_and_not_in_room) {
    HubHarness h;
    const SessionId ana = h.login("ana");
    const SessionId bob = h.login("bob");
    h.send(ana, join("r"));
    h.send(bob, join("r"));
    h.clear(ana);
    h.clear(bob);
    h.send(ana, leave("R", "later"));
    const v1::Envelope own = h.next(ana);
    BOOST_TEST(own.presence().kind() == v1::PRESENCE_KIND_LEFT);
    BOOST_TEST(own.presence().reason() == "later");
    BOOST_TEST(h.take(ana).empty());
    const v1::Envelope seen = h.next(bob);
    BOOST_TEST(seen.presence().kind() == v1::PRESENCE_KIND_LEFT);
    BOOST_TEST(seen.presence().nicks(0) == "ana");
    h.send(ana, leave("r"));
    const v1::Envelope e = h.next(ana);
    BOOST_TEST(e.error().code() == v1::ERROR_CODE_NOT_IN_ROOM);
    BOOST_TEST(e.error().room() == "r");
    h.send(ana, leave("bad room!"));
    BOOST_TEST(h.next(ana).error().code() == v1::ERROR_CODE_INVALID_ROOM);
    // The room lives on, empty of ana.
    h.send(ana, v1::Envelope());  // empty body: unsupported
    BOOST_TEST(h.next(ana).error().code() == v1::ERROR_CODE_UNSUPPORTED);
}

BOOST_AUTO_TEST_CASE(rejoin_resends_without_presence) {
    HubHarness h;
    const SessionId ana = h.login("ana");
    const SessionId bob = h.login("bob");
    h.send(ana, join("r"));
    h.send(bob, join("r"));
    h.clear(ana);
    h.clear(bob);
    h.send(ana, join("r"));
    const auto got = h.take(ana);
    BOOST_TEST_REQUIRE(got.size() == 1u);
    BOOST_TEST(got[0].members().nicks_size() == 2);
    BOOST_TEST(h.take(bob).empty());
}

BOOST_AUTO_TEST_CASE(too_many_rooms) {
    HubConfig config = testConfig();
    config.maxRoomsPerClient = 2;
    HubHarness h(config);
    const SessionId ana = h.login("ana");
    h.send(ana, join("a"));
    h.send(ana, join("b"));
    h.clear(ana);
    h.send(ana, join("c"));
    const v1::Envelope e = h.next(ana);
    BOOST_TEST(e.error().code() == v1::ERROR_CODE_TOO_MANY_ROOMS);
    BOOST_TEST(!e.error().fatal());
    h.send(ana, leave("a"));
    h.clear(ana);
    h.send(ana, join("c"));
    BOOST_TEST(h.next(ana).has_members());
}

BOOST_AUTO_TEST_CASE(quit_and_drop_give_quit_presence) {
    HubHarness h;
    const SessionId ana = h.login("ana");
    const SessionId bob = h.login("bob");
    const SessionId carol = h.login("carol");
    for (const SessionId id : {ana, bob, carol}) {
        h.send(id, join("r"));
    }
    h.clear(ana);
    v1::Envelope bye;
    bye.mutable_bye()->set_reason(v1::BYE_REASON_CLIENT_QUIT);
    bye.mutable_bye()->set_text("gone fishing");
    h.send(bob, bye);
    BOOST_TEST(h.closed(bob));
    BOOST_TEST(h.peers[bob].closeReason == "client_quit");
    const v1::Envelope q1 = h.next(ana);
    BOOST_TEST(q1.presence().kind() == v1::PRESENCE_KIND_QUIT);
    BOOST_TEST(q1.presence().reason() == "gone fishing");
    BOOST_TEST(q1.presence().nicks(0) == "bob");
    h.hub.closed(carol, "", h.now);
    h.hub.flush();
    h.pump();
    const v1::Envelope q2 = h.next(ana);
    BOOST_TEST(q2.presence().reason() == "connection closed");
    BOOST_TEST(q2.presence().nicks(0) == "carol");
    BOOST_TEST(!h.hub.registry().find("bob").has_value());
    BOOST_TEST(h.hub.stats().clients == 1u);
    BOOST_TEST(h.hub.stats().disconnects.at("client_quit") == 1u);
    BOOST_TEST(h.hub.stats().disconnects.at("connection_closed") == 1u);
    // The nick is free again.
    const SessionId bob2 = h.login("BOB");
    BOOST_TEST(!h.closed(bob2));
}

BOOST_AUTO_TEST_CASE(topic_set_and_sent_on_join) {
    HubHarness h;
    const SessionId ana = h.login("ana");
    const SessionId bob = h.login("bob");
    h.send(ana, join("r"));
    h.send(bob, join("r"));
    h.clear(ana);
    h.clear(bob);
    v1::Envelope topic;
    topic.mutable_topic()->set_room("#R");
    topic.mutable_topic()->set_text("plans for friday");
    topic.mutable_topic()->set_set_by("forged");
    h.send(ana, topic);
    for (const SessionId id : {ana, bob}) {
        const v1::Envelope e = h.next(id);
        BOOST_TEST_REQUIRE(e.has_topic());
        BOOST_TEST(e.topic().room() == "r");
        BOOST_TEST(e.topic().text() == "plans for friday");
        BOOST_TEST(e.topic().set_by() == "ana");
        BOOST_TEST(e.topic().time_ms() == h.wallMs);
    }
    const SessionId carol = h.login("carol");
    h.send(carol, join("r"));
    h.next(carol);  // member list
    BOOST_TEST(h.next(carol).topic().text() == "plans for friday");
    // Not a member: refused.
    const SessionId dave = h.login("dave");
    h.send(dave, topic);
    BOOST_TEST(h.next(dave).error().code() == v1::ERROR_CODE_NOT_IN_ROOM);
    // Control characters are refused.
    h.clear(ana);
    topic.mutable_topic()->set_text("bad\x1b[2J");
    h.send(ana, topic);
    BOOST_TEST(h.next(ana).error().code() == v1::ERROR_CODE_INVALID_TEXT);
}

BOOST_AUTO_TEST_CASE(who_and_room_list) {
    HubHarness h;
    const SessionId ana = h.login("ana");
    const SessionId bob = h.login("bob");
    h.send(ana, join("zeta"));
    h.send(ana, join("alpha"));
    h.send(bob, join("alpha"));
    h.clear(ana);
    h.clear(bob);
    v1::Envelope who;
    who.mutable_who()->set_room("ZETA");
    h.send(bob, who);  // membership not required
    const v1::Envelope list = h.next(bob);
    BOOST_TEST(list.members().room() == "zeta");
    BOOST_TEST(nicksOf(list.members().nicks()) == std::vector<std::string>{"ana"});
    who.mutable_who()->set_room("nowhere");
    h.send(bob, who);
    BOOST_TEST(h.next(bob).error().code() == v1::ERROR_CODE_INVALID_ROOM);

    v1::Envelope request;
    request.mutable_room_list_request();
    h.send(bob, request);
    const v1::Envelope rooms = h.next(bob);
    BOOST_TEST_REQUIRE(rooms.room_list().rooms_size() == 2);
    BOOST_TEST(rooms.room_list().rooms(0).name() == "alpha");
    BOOST_TEST(rooms.room_list().rooms(0).members() == 2u);
    BOOST_TEST(rooms.room_list().rooms(1).name() == "zeta");
    BOOST_TEST(rooms.room_list().rooms(1).members() == 1u);
}

BOOST_AUTO_TEST_CASE(nick_change) {
    HubHarness h;
    const SessionId ana = h.login("ana");
    const SessionId bob = h.login("bob");
    h.send(ana, join("r1"));
    h.send(ana, join("r2"));
    h.send(bob, join("r1"));
    h.clear(ana);
    h.clear(bob);
    v1::Envelope setNick;
    setNick.mutable_set_nick()->set_nick("BOB");
    h.send(ana, setNick);
    BOOST_TEST(h.next(ana).error().code() == v1::ERROR_CODE_NICK_TAKEN);
    setNick.mutable_set_nick()->set_nick("9lives");
    h.send(ana, setNick);
    BOOST_TEST(h.next(ana).error().code() == v1::ERROR_CODE_INVALID_NICK);

    setNick.mutable_set_nick()->set_nick("anna");
    h.send(ana, setNick);
    const auto got = h.take(ana);
    BOOST_TEST_REQUIRE(got.size() == 3u);  // r1, r2, then the confirmation
    std::set<std::string> rooms;
    for (int i = 0; i < 2; ++i) {
        BOOST_TEST(got[i].presence().kind() == v1::PRESENCE_KIND_NICK_CHANGED);
        BOOST_TEST(got[i].presence().nicks(0) == "ana");
        BOOST_TEST(got[i].presence().new_nick() == "anna");
        rooms.insert(got[i].presence().room());
    }
    BOOST_TEST(rooms == (std::set<std::string>{"r1", "r2"}));
    BOOST_TEST(got[2].presence().room() == "");
    BOOST_TEST(got[2].presence().new_nick() == "anna");
    const v1::Envelope seen = h.next(bob);
    BOOST_TEST(seen.presence().new_nick() == "anna");
    BOOST_TEST(h.take(bob).empty());
    BOOST_TEST(!h.hub.registry().find("ana").has_value());
    BOOST_TEST(h.hub.registry().find("anna").value() == ana);
    // A change of case only is allowed.
    setNick.mutable_set_nick()->set_nick("Anna");
    h.send(ana, setNick);
    BOOST_TEST(h.take(ana).back().presence().new_nick() == "Anna");
    h.clear(bob);
    // Messages now come from the new nick.
    h.send(ana, say("r1", 1, "x"));
    BOOST_TEST(h.next(bob).message().from() == "Anna");
}

BOOST_AUTO_TEST_CASE(large_room_presence_waits_for_the_coalescing_delay) {
    HubConfig config = testConfig();
    config.presenceCoalesceMembers = 3;
    config.presenceCoalesceDelay = 100ms;
    HubHarness h(config);
    const SessionId watcher = h.login("watcher");
    h.send(watcher, join("big"));
    for (const char* nick : {"m1", "m2"}) {
        h.send(h.login(nick), join("big"));
    }
    h.advance(100ms);  // the room now has 3 members: large from here on
    h.clear(watcher);

    // Two joins in two separate turns: nothing goes out yet...
    h.send(h.login("late1"), join("big"));
    h.send(h.login("late2"), join("big"));
    BOOST_TEST(h.take(watcher).empty());
    // ...and tick() asks to be called when the batch is due.
    BOOST_TEST((h.tick() <= h.now + 100ms));
    h.advance(100ms);
    const auto got = h.take(watcher);
    BOOST_TEST_REQUIRE(got.size() == 1u);
    BOOST_TEST(got[0].presence().kind() == v1::PRESENCE_KIND_JOINED);
    BOOST_TEST(nicksOf(got[0].presence().nicks()) == (std::vector<std::string>{"late1", "late2"}));
}

BOOST_AUTO_TEST_CASE(large_room_presence_goes_out_before_a_message) {
    HubConfig config = testConfig();
    config.presenceCoalesceMembers = 2;
    config.presenceCoalesceDelay = 10s;
    HubHarness h(config);
    const SessionId watcher = h.login("watcher");
    h.send(watcher, join("big"));
    const SessionId talker = h.login("talker");
    h.send(talker, join("big"));
    h.advance(10s);
    h.clear(watcher);
    h.send(h.login("late"), join("big"));
    BOOST_TEST(h.take(watcher).empty());
    h.send(talker, say("big", 7, "hi"));
    const auto got = h.take(watcher);
    BOOST_TEST_REQUIRE(got.size() == 2u);
    BOOST_TEST(got[0].presence().nicks(0) == "late");
    BOOST_TEST(got[1].message().text() == "hi");
}

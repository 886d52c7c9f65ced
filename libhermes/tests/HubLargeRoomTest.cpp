// Large rooms, sans-io (docs/HUB.md "Large rooms"): above
// presenceFullMaxMembers a joiner gets a sample, presence goes to followers
// and (for members who spoke) everyone; MembersRequest pages stay right
// across joins, renames and away changes.
#define BOOST_TEST_MODULE hub_large_rooms
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <string>
#include <vector>

#include "HubTestHarness.hpp"

using namespace hermes;
using namespace hermes::hub;
using namespace hermes::hub::test;

namespace {

HubConfig largeAbove(std::size_t members) {
    HubConfig config = testConfig();
    config.presenceFullMaxMembers = members;
    return config;
}

v1::Envelope follow(const std::string& room) {
    v1::Envelope envelope = join(room);
    envelope.mutable_join()->set_all_presence(true);
    return envelope;
}

v1::Envelope membersRequest(const std::string& room, const std::string& after,
                            std::uint32_t limit) {
    v1::Envelope envelope;
    envelope.mutable_members_request()->set_room(room);
    envelope.mutable_members_request()->set_after(after);
    envelope.mutable_members_request()->set_limit(limit);
    return envelope;
}

v1::Envelope setNick(const std::string& nick) {
    v1::Envelope envelope;
    envelope.mutable_set_nick()->set_nick(nick);
    return envelope;
}

v1::Envelope setAway(const std::string& text) {
    v1::Envelope envelope;
    envelope.mutable_set_away()->set_text(text);
    return envelope;
}

// The presence of `kind` naming `nick` among the frames.
bool heard(const std::vector<v1::Envelope>& frames, v1::PresenceKind kind,
           const std::string& nick) {
    return std::any_of(frames.begin(), frames.end(), [&](const v1::Envelope& e) {
        return e.has_presence() && e.presence().kind() == kind &&
               std::find(e.presence().nicks().begin(), e.presence().nicks().end(), nick) !=
                   e.presence().nicks().end();
    });
}

v1::MembersPage page(HubHarness& h, SessionId id, const std::string& after, std::uint32_t limit) {
    h.send(id, membersRequest("big", after, limit));
    const v1::Envelope answer = h.next(id);
    BOOST_TEST_REQUIRE(answer.has_members_page());
    return answer.members_page();
}

}  // namespace

BOOST_AUTO_TEST_CASE(presence_reaches_followers_and_members_who_spoke) {
    HubHarness h(largeAbove(2));
    const SessionId a = h.login("a");
    const SessionId b = h.login("b");
    const SessionId f = h.login("f");
    h.send(a, join("big"));
    h.send(b, join("big"));
    h.send(f, follow("big"));  // the third: large from here
    h.clear(a);
    h.clear(b);
    h.clear(f);

    const SessionId d = h.login("d");
    h.send(d, join("big"));
    const auto mine = h.take(d);
    BOOST_TEST_REQUIRE(!mine.empty());
    BOOST_TEST_REQUIRE(mine[0].has_members());
    BOOST_TEST(mine[0].members().partial());
    BOOST_TEST(mine[0].members().total() == 4u);
    BOOST_TEST(mine[0].members().nicks_size() == 3);  // a sample of 2 and the joiner
    BOOST_TEST(heard(mine, v1::PRESENCE_KIND_JOINED, "d"), "the joiner hears its own JOINED");
    BOOST_TEST(heard(h.take(f), v1::PRESENCE_KIND_JOINED, "d"));
    BOOST_TEST(h.take(a).empty());

    // A silent member's away and quit: the follower only.
    h.send(b, setAway("out"));
    BOOST_TEST(heard(h.take(f), v1::PRESENCE_KIND_AWAY, "b"));
    BOOST_TEST(!heard(h.take(a), v1::PRESENCE_KIND_AWAY, "b"));

    // d speaks: from now on everyone hears of it.
    h.send(d, say("big", 1, "hi"));
    h.clear(a);
    h.clear(f);
    h.send(d, setNick("dee"));
    const auto seen = h.take(a);
    BOOST_TEST(std::any_of(seen.begin(), seen.end(), [](const v1::Envelope& e) {
        return e.has_presence() && e.presence().kind() == v1::PRESENCE_KIND_NICK_CHANGED &&
               e.presence().new_nick() == "dee";
    }));
    h.send(d, leave("big"));
    BOOST_TEST(heard(h.take(a), v1::PRESENCE_KIND_LEFT, "dee"));
    BOOST_TEST(heard(h.take(f), v1::PRESENCE_KIND_LEFT, "dee"));
}

BOOST_AUTO_TEST_CASE(a_small_room_tells_everyone) {
    HubHarness h(largeAbove(3));
    const SessionId a = h.login("a");
    const SessionId b = h.login("b");
    h.send(a, join("big"));
    h.clear(a);
    h.send(b, join("big"));
    const auto joinerGot = h.take(b);
    BOOST_TEST(!joinerGot.front().members().partial());
    BOOST_TEST(joinerGot.front().members().total() == 2u);
    BOOST_TEST(heard(h.take(a), v1::PRESENCE_KIND_JOINED, "b"));
    const SessionId c = h.login("c");
    h.send(c, join("big"));  // three: still small
    BOOST_TEST(heard(h.take(a), v1::PRESENCE_KIND_JOINED, "c"));
    const SessionId d = h.login("d");
    h.send(d, join("big"));  // joins a room of three: told to everyone
    BOOST_TEST(heard(h.take(a), v1::PRESENCE_KIND_JOINED, "d"));
    const SessionId e = h.login("e");
    h.send(e, join("big"));  // joins a room of four: large
    BOOST_TEST(!heard(h.take(a), v1::PRESENCE_KIND_JOINED, "e"));
}

BOOST_AUTO_TEST_CASE(pages_follow_joins_renames_and_away) {
    HubHarness h(largeAbove(2));
    std::vector<SessionId> ids;
    for (const char* nick : {"delta", "alpha", "echo", "charlie", "bravo"}) {
        ids.push_back(h.login(nick));
        h.send(ids.back(), join("big"));
    }
    const SessionId asker = ids.front();
    h.clear(asker);  // the joins of the room's first, small, days
    v1::MembersPage first = page(h, asker, "", 2);
    BOOST_TEST((std::vector<std::string>(first.nicks().begin(), first.nicks().end()) ==
                std::vector<std::string>{"alpha", "bravo"}));
    BOOST_TEST(first.total() == 5u);
    BOOST_TEST(first.next_after() == "bravo");
    // Asked again: the same bytes (from the cache), the same answer.
    BOOST_TEST(page(h, asker, "", 2).SerializeAsString() == first.SerializeAsString());

    // A rename moves the nick in the order.
    h.send(ids[1], setNick("zulu"));  // alpha -> zulu
    h.clear(asker);
    first = page(h, asker, "", 2);
    BOOST_TEST((std::vector<std::string>(first.nicks().begin(), first.nicks().end()) ==
                std::vector<std::string>{"bravo", "charlie"}));
    const v1::MembersPage rest = page(h, asker, "charlie", 0);
    BOOST_TEST((std::vector<std::string>(rest.nicks().begin(), rest.nicks().end()) ==
                std::vector<std::string>{"delta", "echo", "zulu"}));
    BOOST_TEST(rest.next_after().empty());

    // Away changes what a page says without changing the order.
    h.send(ids[2], setAway("lunch"));  // echo
    h.clear(asker);
    const v1::MembersPage away = page(h, asker, "charlie", 0);
    BOOST_TEST((std::vector<std::string>(away.away().begin(), away.away().end()) ==
                std::vector<std::string>{"echo"}));

    // A leaver is gone from the next page; a joiner is in it.
    h.send(ids[3], leave("big"));  // charlie
    const SessionId late = h.login("able");
    h.send(late, join("big"));
    h.clear(asker);
    const v1::MembersPage now = page(h, asker, "", 0);
    BOOST_TEST((std::vector<std::string>(now.nicks().begin(), now.nicks().end()) ==
                std::vector<std::string>{"able", "bravo", "delta", "echo", "zulu"}));
    BOOST_TEST(now.total() == 5u);

    // Any room may be asked about; an unknown one is refused.
    const SessionId outsider = h.login("outsider");
    BOOST_TEST(page(h, outsider, "", 1).nicks(0) == "able");
    h.send(outsider, membersRequest("nowhere", "", 0));
    const v1::Envelope refused = h.next(outsider);
    BOOST_TEST_REQUIRE(refused.has_error());
    BOOST_TEST(refused.error().code() == v1::ERROR_CODE_INVALID_ROOM);
}

// Large rooms against a real hermesd (docs/HUB.md "Large rooms"), with a low
// hub.presence_full_max_members so that a handful of clients make a room
// large: the joiner's MemberList is a sample, presence reaches those who
// follow the room (Join.all_presence) and, for members who have spoken,
// everyone; MembersRequest pages through the whole list; a small room still
// tells everyone everything; the IRC gateway follows, so NAMES stays
// complete; and after a join storm every member's view, fetched page by
// page, is exactly the members.
#define BOOST_TEST_MODULE LargeRoomsTest
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "BoostSupport.hpp"
#include "ClientSwarm.hpp"
#include "Frames.hpp"
#include "HubProcess.hpp"
#include "IrcClient.hpp"
#include "RawClient.hpp"
#include "hermes/codec/FrameDecoder.hpp"

using namespace std::chrono_literals;
namespace it = hermes::it;
namespace v1 = hermes::v1;

namespace {

constexpr auto kWait = 10s;

// A hub where rooms of more than `threshold` members are large; presence
// is sent every turn, so a sync() after an event proves what was not sent.
it::HubProcess::Settings largeRoomHub(std::size_t threshold) {
    return {{"default_room", ""},
            {"presence_full_max_members", std::to_string(threshold)},
            {"presence_coalesce_ms", "0"}};
}

v1::Envelope joinRoom(const std::string& room, bool allPresence) {
    v1::Envelope envelope = it::joinEnvelope(room, true);
    envelope.mutable_join()->set_all_presence(allPresence);
    return envelope;
}

v1::Envelope membersRequest(const std::string& room, const std::string& after,
                            std::uint32_t limit) {
    v1::Envelope envelope;
    auto* request = envelope.mutable_members_request();
    request->set_room(room);
    request->set_after(after);
    request->set_limit(limit);
    return envelope;
}

// Connects, says Hello and joins; returns the joiner's MemberList.
v1::MemberList join(it::RawClient& client, const std::string& nick, const std::string& room,
                    bool allPresence = false) {
    client.hello(nick, it::after(kWait));
    client.send(joinRoom(room, allPresence));
    return client
        .expect(it::isBody(v1::Envelope::kMembers), it::after(kWait), nick + "'s MemberList")
        .envelope.members();
}

// Presence of `kind` naming `nick` in the inbox (after a sync(): all of it).
bool heard(it::RawClient& client, v1::PresenceKind kind, const std::string& nick) {
    const auto matches = it::isPresence(kind, nick);
    return std::any_of(client.inbox().begin(), client.inbox().end(), matches);
}

// Walks the room's list page by page; every page's total and order checked.
std::vector<std::string> fetchAll(it::RawClient& client, const std::string& room,
                                  std::uint32_t limit, std::size_t& pages) {
    std::vector<std::string> nicks;
    std::string after;
    pages = 0;
    for (;;) {
        client.send(membersRequest(room, after, limit));
        const v1::MembersPage page =
            client
                .expect(it::isBody(v1::Envelope::kMembersPage), it::after(kWait),
                        "MembersPage after '" + after + "'")
                .envelope.members_page();
        client.inbox().clear();
        ++pages;
        BOOST_TEST_REQUIRE(pages <= 1000u);  // bounded whatever the hub answers
        BOOST_TEST(page.room() == room);
        if (limit != 0) {
            BOOST_TEST(static_cast<std::uint32_t>(page.nicks_size()) <= limit);
        }
        nicks.insert(nicks.end(), page.nicks().begin(), page.nicks().end());
        if (page.next_after().empty()) {
            return nicks;
        }
        BOOST_TEST(page.next_after() == page.nicks(page.nicks_size() - 1));
        after = page.next_after();
    }
}

std::string nickOf(std::size_t i) {
    return "m" + std::to_string(i);
}

}  // namespace

BOOST_AUTO_TEST_CASE(a_joiner_of_a_large_room_gets_a_sample_and_pages_the_rest) {
    it::HubGuard guard(largeRoomHub(3));
    std::vector<std::unique_ptr<it::RawClient>> clients;
    for (std::size_t i = 0; i < 6; ++i) {
        clients.push_back(std::make_unique<it::RawClient>(guard.hub.port(), nickOf(i)));
        const v1::MemberList list = join(*clients.back(), nickOf(i), "big");
        BOOST_TEST(list.total() == i + 1);
        // Up to 3 members the room is small: the whole list.
        BOOST_TEST(list.partial() == (i + 1 > 3));
        const std::set<std::string> named(list.nicks().begin(), list.nicks().end());
        BOOST_TEST(named.count(nickOf(i)) == 1u, "the joiner is always named");
        BOOST_TEST(named.size() <= 4u, "at most the threshold's nicks and the joiner");
    }
    // Pages of 2, in byte order, every member once.
    std::size_t pages = 0;
    const std::vector<std::string> all = fetchAll(*clients.front(), "big", 2, pages);
    const std::vector<std::string> expected{"m0", "m1", "m2", "m3", "m4", "m5"};
    BOOST_TEST(all == expected, boost::test_tools::per_element());
    BOOST_TEST(pages == 3u);
    // One page of everything by default; `after` a nick that is not there.
    BOOST_TEST(fetchAll(*clients[3], "big", 0, pages) == expected,
               boost::test_tools::per_element());
    BOOST_TEST(pages == 1u);
    clients[3]->send(membersRequest("big", "m25", 0));
    const v1::MembersPage tail =
        clients[3]
            ->expect(it::isBody(v1::Envelope::kMembersPage), it::after(kWait), "page after m25")
            .envelope.members_page();
    BOOST_TEST(tail.total() == 6u);
    BOOST_TEST(tail.nicks_size() == 3);  // m3, m4, m5
    BOOST_TEST(tail.next_after().empty());
    // Who still answers with the whole list (old clients' /names).
    clients[5]->send([] {
        v1::Envelope who;
        who.mutable_who()->set_room("big");
        return who;
    }());
    const v1::MemberList whole =
        clients[5]
            ->expect(it::isBody(v1::Envelope::kMembers), it::after(kWait), "Who answer")
            .envelope.members();
    BOOST_TEST(whole.nicks_size() == 6);
    BOOST_TEST(!whole.partial());
    // A room that does not exist.
    clients[0]->send(membersRequest("nowhere", "", 0));
    clients[0]->expect(it::isError(v1::ERROR_CODE_INVALID_ROOM), it::after(kWait),
                       "INVALID_ROOM for an unknown room");
    guard.expectCleanStop();
}

BOOST_AUTO_TEST_CASE(a_follower_gets_the_whole_list_and_every_presence_event) {
    it::HubGuard guard(largeRoomHub(2));
    it::RawClient a(guard.hub.port(), "a");
    it::RawClient b(guard.hub.port(), "b");
    it::RawClient c(guard.hub.port(), "c");
    join(a, "a", "big");
    join(b, "b", "big");
    join(c, "c", "big");  // three members: large from here on
    it::RawClient f(guard.hub.port(), "f");
    const v1::MemberList full = join(f, "f", "big", true);
    BOOST_TEST(!full.partial());
    BOOST_TEST(full.nicks_size() == 4);
    BOOST_TEST(full.total() == 4u);

    // A silent joiner: the follower hears of it, the others do not.
    it::RawClient d(guard.hub.port(), "d");
    join(d, "d", "big");
    f.expect(it::isPresence(v1::PRESENCE_KIND_JOINED, "d"), it::after(kWait), "f hears d join");
    a.sync(it::after(kWait));
    BOOST_TEST(!heard(a, v1::PRESENCE_KIND_JOINED, "d"));

    // It speaks: everyone sees the message, and from then on its presence.
    d.send(it::sayEnvelope("big", "hello all", 1));
    a.expect(it::isChatText("big", "hello all"), it::after(kWait), "d's message");
    d.send(it::setAwayEnvelope("lunch"));
    a.expect(it::isPresence(v1::PRESENCE_KIND_AWAY, "d"), it::after(kWait), "a hears d away");
    d.send(it::leaveEnvelope("big", "bye"));
    a.expect(it::isPresence(v1::PRESENCE_KIND_LEFT, "d"), it::after(kWait), "a hears d leave");
    f.expect(it::isPresence(v1::PRESENCE_KIND_LEFT, "d"), it::after(kWait), "f hears d leave");

    // A silent member quits: only the follower is told.
    a.inbox().clear();
    c.close();
    f.expect(it::isPresence(v1::PRESENCE_KIND_QUIT, "c"), it::after(kWait), "f hears c quit");
    a.sync(it::after(kWait));
    BOOST_TEST(!heard(a, v1::PRESENCE_KIND_QUIT, "c"));

    // b leaves: the room (a, f) is small again, so everyone hears it.
    b.send(it::leaveEnvelope("big", "later"));
    a.expect(it::isPresence(v1::PRESENCE_KIND_LEFT, "b"), it::after(kWait),
             "a hears b leave a room that is small again");
    // A join queued while the room is small reaches everyone.
    it::RawClient e(guard.hub.port(), "e");
    const v1::MemberList sample = join(e, "e", "big");
    BOOST_TEST(sample.total() == 3u);
    BOOST_TEST(sample.partial());
    a.expect(it::isPresence(v1::PRESENCE_KIND_JOINED, "e"), it::after(kWait),
             "a hears e join a small room");
    // Joining again with all_presence makes a follower of a member.
    a.inbox().clear();
    a.send(joinRoom("big", true));
    const v1::MemberList again =
        a.expect(it::isBody(v1::Envelope::kMembers), it::after(kWait), "a's MemberList again")
            .envelope.members();
    BOOST_TEST(!again.partial());
    BOOST_TEST(again.nicks_size() == 3);  // a, f, e
    it::RawClient g(guard.hub.port(), "g");
    join(g, "g", "big");  // joins a room of three: large
    a.expect(it::isPresence(v1::PRESENCE_KIND_JOINED, "g"), it::after(kWait),
             "a, now a follower, hears g join");
    e.sync(it::after(kWait));
    BOOST_TEST(!heard(e, v1::PRESENCE_KIND_JOINED, "g"));
    guard.expectCleanStop();
}

BOOST_AUTO_TEST_CASE(irc_names_stay_complete_in_a_large_room) {
    it::IrcHub hub(largeRoomHub(2));
    std::vector<std::unique_ptr<it::RawClient>> clients;
    for (std::size_t i = 0; i < 4; ++i) {
        clients.push_back(std::make_unique<it::RawClient>(hub.hub().port(), nickOf(i)));
        join(*clients.back(), nickOf(i), "big");
    }
    it::IrcClient ana(hub.ircPort(), "ana");
    ana.registerAs("ana", "", it::after(kWait));
    ana.send("JOIN #big");
    std::string names;
    for (;;) {  // 353 lines up to 366
        const std::string line = ana.expect(" 3", it::after(kWait));
        if (line.find(" 366 ") != std::string::npos) {
            break;
        }
        if (line.find(" 353 ") != std::string::npos) {
            names += line;
        }
    }
    for (std::size_t i = 0; i < 4; ++i) {
        BOOST_TEST(names.find(nickOf(i)) != std::string::npos, nickOf(i) << " in NAMES");
    }
    // A silent joiner's JOIN still reaches the IRC client (it follows).
    it::RawClient late(hub.hub().port(), "late");
    join(late, "late", "big");
    ana.expect("late!", it::after(kWait));
    hub.hub().stop();
}

// A join storm of 150 clients into a room large above 10: each gets a
// bounded MemberList (so the bytes grow as N, not N^2), and afterwards
// every member's own view, fetched with MembersRequest, is exactly the 150.
BOOST_AUTO_TEST_CASE(after_a_join_storm_every_members_view_is_correct) {
    constexpr std::size_t kClients = 150;
    constexpr std::size_t kThreshold = 10;
    it::HubGuard guard({{"default_room", ""},
                        {"presence_full_max_members", std::to_string(kThreshold)},
                        {"max_clients", "512"}});
    it::ClientSwarm swarm(guard.hub.port());
    std::vector<bool> joined(kClients, false);
    std::size_t joinedCount = 0;
    std::size_t listedNicks = 0;  // over every joiner's MemberList
    std::size_t failures = 0;
    std::string firstFailure;
    auto fail = [&](const std::string& why) {
        if (failures++ == 0) {
            firstFailure = why;
        }
    };
    auto onClose = [&](std::size_t client, const std::string& why) {
        fail(nickOf(client) + " was disconnected: " + why);
    };
    auto onJoinFrame = [&](std::size_t client, std::string_view payload) {
        v1::Envelope envelope;
        if (!hermes::codec::parseEnvelope(payload, envelope)) {
            fail(nickOf(client) + " got an undecodable frame");
        } else if (envelope.has_members() && !joined[client]) {
            joined[client] = true;
            ++joinedCount;
            listedNicks += static_cast<std::size_t>(envelope.members().nicks_size());
        } else if (envelope.has_error() || envelope.has_bye()) {
            fail(nickOf(client) + ": " + it::describe(envelope));
        }
    };
    for (std::size_t client = 0; client < kClients; ++client) {
        swarm.add();
        swarm.queue(client, it::helloEnvelope(nickOf(client)));
        swarm.queue(client, joinRoom("storm", false));
    }
    BOOST_TEST_REQUIRE(swarm.run(
                           it::after(60s), onJoinFrame,
                           [&] { return joinedCount == kClients || failures > 0; }, onClose),
                       firstFailure);
    BOOST_TEST_REQUIRE(failures == 0u, firstFailure);
    // The first kThreshold joiners got whole lists (1 + 2 + ... + 10); every
    // later one at most the threshold's nicks and itself.
    BOOST_TEST(listedNicks <=
               kThreshold * (kThreshold + 1) / 2 + (kClients - kThreshold) * (kThreshold + 1));

    std::vector<std::string> expected;
    for (std::size_t i = 0; i < kClients; ++i) {
        expected.push_back(nickOf(i));
    }
    std::sort(expected.begin(), expected.end());
    // Every member walks the list in pages of 40 (4 pages each).
    std::vector<std::vector<std::string>> views(kClients);
    std::vector<bool> done(kClients, false);
    std::size_t doneCount = 0;
    for (std::size_t client = 0; client < kClients; ++client) {
        swarm.queue(client, membersRequest("storm", "", 40));
    }
    auto onPage = [&](std::size_t client, std::string_view payload) {
        v1::Envelope envelope;
        if (!hermes::codec::parseEnvelope(payload, envelope)) {
            fail(nickOf(client) + " got an undecodable frame");
            return;
        }
        if (!envelope.has_members_page()) {
            if (envelope.has_error() || envelope.has_bye()) {
                fail(nickOf(client) + ": " + it::describe(envelope));
            }
            return;  // presence of the storm's tail: not for this check
        }
        const v1::MembersPage& page = envelope.members_page();
        views[client].insert(views[client].end(), page.nicks().begin(), page.nicks().end());
        if (page.total() != kClients) {
            fail(nickOf(client) + " was told the room has " + std::to_string(page.total()));
        }
        if (!page.next_after().empty() && views[client].size() <= kClients) {
            swarm.queue(client, membersRequest("storm", page.next_after(), 40));
        } else if (!done[client]) {
            done[client] = true;
            ++doneCount;
        }
    };
    BOOST_TEST_REQUIRE(
        swarm.run(
            it::after(60s), onPage, [&] { return doneCount == kClients || failures > 0; }, onClose),
        firstFailure);
    BOOST_TEST(failures == 0u, firstFailure);
    std::size_t correct = 0;
    for (const auto& view : views) {
        correct += view == expected ? 1 : 0;
    }
    BOOST_TEST(correct == kClients);
    swarm.closeAll();
    guard.expectCleanStop();
}

// Read markers against a real hermesd: an account's markers survive a hub
// restart (SQLite, the history database's file) and come back at the join;
// they only move forward and never past the room's newest seq; another
// session of the same account is told when one moves; nobody else can read
// or move them; an unregistered nick's last for its session only.
#define BOOST_TEST_MODULE ReadMarkersTest
#include <boost/test/unit_test.hpp>

#include <poll.h>

#include <chrono>
#include <cstdint>
#include <fstream>
#include <string>

#include "BoostSupport.hpp"
#include "Frames.hpp"
#include "HubProcess.hpp"
#include "RawClient.hpp"
#include "ToolProcess.hpp"
#include "hermes/test/TempDir.hpp"

using namespace std::chrono_literals;
namespace it = hermes::it;
namespace v1 = hermes::v1;

namespace {

v1::Envelope markReadEnvelope(const std::string& room, std::uint64_t seq,
                              const std::string& peer = {}) {
    v1::Envelope envelope;
    envelope.mutable_mark_read()->set_room(room);
    envelope.mutable_mark_read()->set_peer(peer);
    envelope.mutable_mark_read()->set_seq(seq);
    return envelope;
}

v1::Envelope markersRequestEnvelope(const std::string& room = {}) {
    v1::Envelope envelope;
    envelope.mutable_read_markers_request()->set_room(room);
    return envelope;
}

v1::ReadMarkers nextMarkers(it::RawClient& client, const std::string& what) {
    return client.expect(it::isBody(v1::Envelope::kReadMarkers), it::after(5s), what)
        .envelope.read_markers();
}

// The seq of `room`'s marker in `markers`, 0 if none.
std::uint64_t seqOf(const v1::ReadMarkers& markers, const std::string& room) {
    for (const auto& marker : markers.markers()) {
        if (marker.room() == room) {
            return marker.seq();
        }
    }
    return 0;
}

void say(it::RawClient& client, const std::string& text, std::uint64_t id) {
    client.send(it::sayEnvelope("lobby", text, id));
    client.expect(it::isChatText("lobby", text), it::after(5s), "echo of " + text);
}

}  // namespace

BOOST_AUTO_TEST_CASE(an_accounts_markers_survive_a_restart_and_come_back_at_the_join) {
    hermes::test::TempDir dir("hermes-markers");
    const std::string db = dir.file("hub.db");
    {
        it::HubProcess hub(it::HubProcess::Settings{{"history.path", db}});
        it::registerNick(hub.port(), "ana", "s3cret");
        it::RawClient ana(hub.port(), "ana");
        ana.signIn("ana", "s3cret", it::after(5s));
        say(ana, "one", 1);
        say(ana, "two", 2);
        say(ana, "three", 3);
        ana.send(markReadEnvelope("lobby", 2));
        const auto answer = nextMarkers(ana, "the marker as moved");
        BOOST_TEST(seqOf(answer, "lobby") == 2u);
        BOOST_TEST(answer.durable());
        BOOST_TEST(hub.stop().clean());
    }
    it::HubProcess hub(it::HubProcess::Settings{{"history.path", db}});
    it::RawClient ana(hub.port(), "ana");
    ana.signIn("ana", "s3cret", it::after(5s));
    // Joined to the default room at the Welcome: its marker follows.
    BOOST_TEST(seqOf(nextMarkers(ana, "lobby's marker at the join"), "lobby") == 2u);
    ana.send(markersRequestEnvelope());
    const auto all = nextMarkers(ana, "every marker");
    BOOST_TEST(all.all());
    BOOST_TEST(all.markers_size() == 1);
    BOOST_TEST(seqOf(all, "lobby") == 2u);
}

BOOST_AUTO_TEST_CASE(a_marker_moves_forward_only_and_not_past_the_newest) {
    it::HubProcess hub;
    it::RawClient ana(hub.port(), "ana");
    ana.hello("ana", it::after(5s));
    say(ana, "one", 1);
    say(ana, "two", 2);
    ana.send(markReadEnvelope("lobby", 2));
    BOOST_TEST(seqOf(nextMarkers(ana, "moved to 2"), "lobby") == 2u);
    ana.send(markReadEnvelope("lobby", 1));
    BOOST_TEST(seqOf(nextMarkers(ana, "not back to 1"), "lobby") == 2u);
    ana.send(markReadEnvelope("lobby", 3));
    ana.expect(it::isError(v1::ERROR_CODE_INVALID_MARKER), it::after(5s), "past the newest");
    ana.send(markReadEnvelope("nowhere", 1));
    ana.expect(it::isError(v1::ERROR_CODE_NOT_IN_ROOM), it::after(5s), "a room not joined");
    ana.send(markReadEnvelope("lobby", 1, "bob"));
    ana.expect(it::isError(v1::ERROR_CODE_INVALID_MARKER), it::after(5s), "room and peer");
    // A private conversation's marker is kept by the peer's nick key.
    ana.send(markReadEnvelope({}, 7, "Bob"));
    const auto peer = nextMarkers(ana, "bob's conversation");
    BOOST_TEST_REQUIRE(peer.markers_size() == 1);
    BOOST_TEST(peer.markers(0).peer() == "bob");
    BOOST_TEST(peer.markers(0).seq() == 7u);
    BOOST_TEST(!peer.durable());  // not signed in: for this session only
    BOOST_TEST(!ana.closedByPeer());
}

BOOST_AUTO_TEST_CASE(the_accounts_other_session_follows_and_nobody_else_sees_them) {
    it::HubProcess hub;
    it::registerNick(hub.port(), "ana", "s3cret");
    it::registerNick(hub.port(), "carol", "other");
    it::RawClient laptop(hub.port(), "laptop");
    laptop.signIn("ana", "s3cret", it::after(5s));
    it::RawClient phone(hub.port(), "phone");
    phone.hello("ana-phone", it::after(5s));
    phone.send(it::identifyEnvelope("ana", "s3cret"));
    phone.expect(it::isAccountReply(v1::ACCOUNT_EVENT_IDENTIFIED), it::after(5s), "identified");
    it::RawClient bob(hub.port(), "bob");
    bob.hello("bob", it::after(5s));
    it::RawClient carol(hub.port(), "carol");
    carol.signIn("carol", "other", it::after(5s));
    say(laptop, "one", 1);
    say(laptop, "two", 2);
    phone.sync(it::after(5s));
    phone.inbox().clear();

    laptop.send(markReadEnvelope("lobby", 2));
    BOOST_TEST(seqOf(nextMarkers(laptop, "laptop's answer"), "lobby") == 2u);
    BOOST_TEST(seqOf(nextMarkers(phone, "the phone follows"), "lobby") == 2u);

    // bob and carol have none of ana's; moving their own leaves hers.
    for (it::RawClient* other : {&bob, &carol}) {
        other->send(markersRequestEnvelope());
        BOOST_TEST(nextMarkers(*other, other->name() + "'s markers").markers_size() == 0);
        other->send(markReadEnvelope("lobby", 1));
        BOOST_TEST(seqOf(nextMarkers(*other, other->name() + "'s own"), "lobby") == 1u);
    }
    laptop.sync(it::after(5s));
    BOOST_TEST(!laptop.tryExpect(it::isBody(v1::Envelope::kReadMarkers), it::after(0ms)));
    laptop.send(markersRequestEnvelope("lobby"));
    BOOST_TEST(seqOf(nextMarkers(laptop, "ana's, unmoved"), "lobby") == 2u);
}

BOOST_AUTO_TEST_CASE(an_unregistered_nicks_markers_end_with_its_session) {
    it::HubProcess hub;
    {
        it::RawClient bob(hub.port(), "bob");
        bob.hello("bob", it::after(5s));
        say(bob, "one", 1);
        bob.send(markReadEnvelope("lobby", 1));
        BOOST_TEST(seqOf(nextMarkers(bob, "bob's marker"), "lobby") == 1u);
        bob.send(it::byeEnvelope("bye"));
        BOOST_TEST(bob.waitClosed(it::after(5s)));
    }
    it::RawClient again(hub.port(), "bob again");
    again.hello("bob", it::after(5s));
    again.send(markersRequestEnvelope());
    BOOST_TEST(nextMarkers(again, "a new session's markers").markers_size() == 0);
}

BOOST_AUTO_TEST_CASE(hermes_cat_prints_the_accounts_marker_in_json) {
    it::HubProcess hub;
    it::registerNick(hub.port(), "ana", "s3cret");
    {
        it::RawClient ana(hub.port(), "ana");
        ana.signIn("ana", "s3cret", it::after(5s));
        say(ana, "one", 1);
        ana.send(markReadEnvelope("lobby", 1));
        BOOST_TEST(seqOf(nextMarkers(ana, "marked"), "lobby") == 1u);
        ana.send(it::byeEnvelope("bye"));
        BOOST_TEST(ana.waitClosed(it::after(5s)));
    }
    hermes::test::TempDir dir("hermes-cat-markers");
    const std::string passwordFile = dir.file("password");
    std::ofstream(passwordFile) << "s3cret\n";
    it::ToolProcess cat(
        {HERMES_IT_HERMES_CAT, "--host", "127.0.0.1", "--port", std::to_string(hub.port()),
         "--nick", "ana", "--password-file", passwordFile, "--room", "lobby", "--json", "--follow"},
        "");
    const std::string want =
        "{\"type\":\"read_markers\",\"markers\":[{\"room\":\"lobby\","
        "\"seq\":1}],\"all\":false,\"durable\":true}";
    const it::Deadline deadline = it::after(10s);
    while (cat.out().find(want) == std::string::npos && it::pollTimeoutMs(deadline) > 0) {
        ::poll(nullptr, 0, 20);  // a file, not a socket: look again shortly
    }
    BOOST_TEST(cat.out().find(want) != std::string::npos, cat.out() << cat.err());
}

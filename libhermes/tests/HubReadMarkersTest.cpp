// Read markers in the hub (ReadMarkers.cpp) and their store
// (SqliteReadMarkers.cpp): forward only, never past the room's newest seq;
// an account's shared by its sessions, each told when another moves one;
// nobody else's; sent after a join; written to SQLite off the hub's thread,
// forward only there too, and read back by the next hub.
#define BOOST_TEST_MODULE hub_read_markers
#include <boost/test/unit_test.hpp>

#include <cstdint>
#include <memory>
#include <string>

#include "HubTestHarness.hpp"
#include "hermes/hub/SqliteReadMarkers.hpp"
#include "hermes/test/TempDir.hpp"

using namespace hermes;
using namespace hermes::hub;
using namespace hermes::hub::test;

namespace {

v1::Envelope markRead(const std::string& room, std::uint64_t seq, const std::string& peer = {}) {
    v1::Envelope e;
    e.mutable_mark_read()->set_room(room);
    e.mutable_mark_read()->set_peer(peer);
    e.mutable_mark_read()->set_seq(seq);
    return e;
}

v1::Envelope markersRequest(const std::string& room = {}) {
    v1::Envelope e;
    e.mutable_read_markers_request()->set_room(room);
    return e;
}

std::uint64_t roomSeq(const v1::Envelope& e, const std::string& room) {
    BOOST_TEST_REQUIRE(e.has_read_markers());
    for (const auto& marker : e.read_markers().markers()) {
        if (marker.room() == room) {
            return marker.seq();
        }
    }
    return 0;
}

void sayN(HubHarness& h, SessionId id, const std::string& room, int n) {
    for (int i = 1; i <= n; ++i) {
        h.send(id, say(room, static_cast<std::uint64_t>(i), "line " + std::to_string(i)));
    }
}

}  // namespace

BOOST_AUTO_TEST_CASE(forward_only_and_never_past_the_newest) {
    HubHarness h;
    const SessionId ana = h.login("ana");
    h.send(ana, join("r"));
    sayN(h, ana, "r", 3);
    h.clear(ana);
    h.send(ana, markRead("r", 2));
    BOOST_TEST(roomSeq(h.next(ana), "r") == 2u);
    h.send(ana, markRead("r", 1));
    const v1::Envelope back = h.next(ana);
    BOOST_TEST(roomSeq(back, "r") == 2u);
    BOOST_TEST(!back.read_markers().durable());  // not signed in
    h.send(ana, markRead("r", 4));
    BOOST_TEST(h.next(ana).error().code() == v1::ERROR_CODE_INVALID_MARKER);
    h.send(ana, markRead({}, 1));
    BOOST_TEST(h.next(ana).error().code() == v1::ERROR_CODE_INVALID_MARKER);
    h.send(ana, markRead({}, 1, "not a nick!"));
    BOOST_TEST(h.next(ana).error().code() == v1::ERROR_CODE_INVALID_MARKER);
    h.send(ana, markRead("q", 1));
    BOOST_TEST(h.next(ana).error().code() == v1::ERROR_CODE_NOT_IN_ROOM);
    BOOST_TEST(!h.closed(ana));
}

BOOST_AUTO_TEST_CASE(a_join_brings_the_marker_and_a_leave_keeps_it) {
    HubHarness h;
    const SessionId ana = h.login("ana");
    h.send(ana, join("r"));
    sayN(h, ana, "r", 2);
    h.send(ana, markRead("r", 2));
    h.send(ana, leave("r"));
    h.clear(ana);
    h.send(ana, join("r"));
    bool seen = false;
    for (const v1::Envelope& e : h.take(ana)) {
        if (e.has_read_markers()) {
            seen = true;
            BOOST_TEST(roomSeq(e, "r") == 2u);
        }
    }
    BOOST_TEST(seen);
}

BOOST_AUTO_TEST_CASE(an_accounts_sessions_share_them_and_nobody_else_sees_them) {
    HubHarness h;
    const SessionId laptop = h.login("ana");
    const SessionId phone = h.login("ana-phone");
    const SessionId bob = h.login("bob");
    h.hub.testSignIn(laptop, "Ana", h.now);
    h.hub.testSignIn(phone, "ana", h.now);
    for (const SessionId id : {laptop, phone, bob}) {
        h.send(id, join("r"));
    }
    sayN(h, bob, "r", 3);
    for (const SessionId id : {laptop, phone, bob}) {
        h.clear(id);
    }
    h.send(laptop, markRead("r", 3));
    BOOST_TEST(roomSeq(h.next(laptop), "r") == 3u);
    const v1::Envelope told = h.next(phone);
    BOOST_TEST(roomSeq(told, "r") == 3u);
    BOOST_TEST(h.take(bob).empty());
    h.send(bob, markersRequest());
    const v1::Envelope bobs = h.next(bob);
    BOOST_TEST(bobs.read_markers().all());
    BOOST_TEST(bobs.read_markers().markers_size() == 0);
    h.send(phone, markersRequest("R"));
    BOOST_TEST(roomSeq(h.next(phone), "r") == 3u);
}

BOOST_AUTO_TEST_CASE(an_unsigned_sessions_markers_go_with_it) {
    HubHarness h;
    SessionId ana = h.login("ana");
    h.send(ana, join("r"));
    sayN(h, ana, "r", 1);
    h.send(ana, markRead("r", 1));
    h.hub.closed(ana, "connection closed", h.now);
    h.pump();
    ana = h.login("ana");
    h.send(ana, markersRequest());
    BOOST_TEST(h.next(ana).read_markers().markers_size() == 0);
}

BOOST_AUTO_TEST_CASE(the_store_keeps_them_forward_only_for_the_next_hub) {
    hermes::test::TempDir dir("hermes-markers");
    const std::string path = dir.file("hub.db");
    {
        SqliteReadMarkers store(path);
        store.put({"ana", "r", "", 5});
        store.flush();
        store.put({"ana", "r", "", 3});  // a late, lower write: the row keeps 5
        store.put({"ana", "", "bob", 7});
        store.flush();
    }
    {
        HubHarness h(testConfig(), 78, nullptr, std::make_unique<SqliteReadMarkers>(path));
        const SessionId ana = h.login("ana");
        h.hub.testSignIn(ana, "ana", h.now);
        h.send(ana, join("r"));
        sayN(h, ana, "r", 6);
        h.clear(ana);
        h.send(ana, markersRequest());
        const v1::Envelope all = h.next(ana);
        BOOST_TEST(all.read_markers().durable());
        BOOST_TEST(all.read_markers().markers_size() == 2);
        BOOST_TEST(roomSeq(all, "r") == 5u);
        h.send(ana, markRead("r", 6));
        BOOST_TEST(roomSeq(h.next(ana), "r") == 6u);
    }  // the hub's store writes what is pending as it goes
    SqliteReadMarkers reread(path);
    std::uint64_t room = 0, peer = 0;
    for (const StoredReadMarker& m : reread.load()) {
        BOOST_TEST(m.account == "ana");
        (m.room == "r" ? room : peer) = m.seq;
    }
    BOOST_TEST(room == 6u);
    BOOST_TEST(peer == 7u);
}

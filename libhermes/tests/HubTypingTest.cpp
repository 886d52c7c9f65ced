// Typing notices in the hub (TypingRelay.cpp): relayed to the others, never
// the sender; a bucket of their own, apart from the message rate, dropped
// quietly past it; skipped for a member whose output is backed up; none in
// rooms above typing.max_room_members; none with typing off.
#define BOOST_TEST_MODULE hub_typing
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <cstddef>
#include <string>

#include "HubTestHarness.hpp"

using namespace hermes;
using namespace hermes::hub;
using namespace hermes::hub::test;
using namespace std::chrono_literals;

namespace {

v1::Envelope typing(const std::string& room, const std::string& to = {}, bool stopped = false) {
    v1::Envelope e;
    e.mutable_typing()->set_room(room);
    e.mutable_typing()->set_to(to);
    e.mutable_typing()->set_stopped(stopped);
    return e;
}

std::size_t notices(HubHarness& h, SessionId id) {
    std::size_t n = 0;
    for (const v1::Envelope& e : h.take(id)) {
        n += e.has_typing_notice() ? 1 : 0;
    }
    return n;
}

struct Room3 {
    explicit Room3(HubConfig config = testConfig()) : h(std::move(config)) {
        for (const SessionId id : {ana, bob, cat}) {
            h.send(id, join("r"));
        }
        for (const SessionId id : {ana, bob, cat}) {
            h.clear(id);
        }
    }
    HubHarness h;
    SessionId ana = h.login("ana");
    SessionId bob = h.login("bob");
    SessionId cat = h.login("cat");
};

}  // namespace

BOOST_AUTO_TEST_CASE(a_notice_goes_to_the_others_with_its_expiry) {
    Room3 t;
    t.h.send(t.ana, typing("R"));  // any case: the canonical name comes back
    for (const SessionId id : {t.bob, t.cat}) {
        const v1::Envelope e = t.h.next(id);
        BOOST_TEST_REQUIRE(e.has_typing_notice());
        BOOST_TEST(e.typing_notice().room() == "r");
        BOOST_TEST(e.typing_notice().from() == "ana");
        BOOST_TEST(e.typing_notice().expires_ms() == 6000u);
    }
    BOOST_TEST(t.h.take(t.ana).empty());
    t.h.send(t.ana, typing({}, "Cat", true));
    BOOST_TEST(notices(t.h, t.bob) == 0u);
    const v1::Envelope e = t.h.next(t.cat);
    BOOST_TEST(e.typing_notice().room().empty());
    BOOST_TEST(e.typing_notice().stopped());
    BOOST_TEST(t.h.hub.stats().typingNotices == 3u);
}

BOOST_AUTO_TEST_CASE(the_typing_bucket_is_its_own_and_drops_quietly) {
    HubConfig config = testConfig();
    config.ratePerSecond = 1;  // a tight message rate: 60 frames through it would be a FLOOD
    config.rateBurst = 3;      // Hello and Join take two: one is left for the say below
    config.floodBacklog = 5;
    Room3 t(config);
    for (int i = 0; i < 60; ++i) {
        t.h.send(t.ana, typing("r"));
    }
    BOOST_TEST(notices(t.h, t.bob) == 4u);  // typing.burst
    BOOST_TEST(t.h.hub.stats().typingDropped == 56u);
    BOOST_TEST(!t.h.closed(t.ana));
    // The message bucket is untouched: a say goes at once.
    t.h.send(t.ana, say("r", 1, "still here"));
    BOOST_TEST(t.h.next(t.ana).has_message());
    t.h.clear(t.bob);
    // One a second comes back.
    t.h.advance(1s);
    t.h.send(t.ana, typing("r"));
    t.h.send(t.ana, typing("r"));
    BOOST_TEST(notices(t.h, t.bob) == 1u);
}

BOOST_AUTO_TEST_CASE(a_backed_up_member_gets_no_notices) {
    HubConfig config = testConfig();
    config.typingSkipQueueBytes = 256;
    Room3 t(config);
    t.h.peers[t.bob].reading = false;
    t.h.send(t.ana, say("r", 1, std::string(300, 'x')));
    t.h.send(t.ana, typing("r"));
    BOOST_TEST(notices(t.h, t.cat) == 1u);
    BOOST_TEST(t.h.hub.stats().typingSkippedSlow == 1u);
    t.h.readNow(t.bob);
    std::size_t got = 0;
    for (const v1::Envelope& e : t.h.take(t.bob)) {
        got += e.has_typing_notice() ? 1 : 0;
    }
    BOOST_TEST(got == 0u);
    // Caught up: it gets them again.
    t.h.peers[t.bob].reading = true;
    t.h.send(t.ana, typing("r"));
    BOOST_TEST(notices(t.h, t.bob) == 1u);
}

BOOST_AUTO_TEST_CASE(large_rooms_and_typing_off_relay_none) {
    HubConfig big = testConfig();
    big.typingMaxRoomMembers = 2;
    Room3 crowd(big);
    crowd.h.send(crowd.ana, typing("r"));
    BOOST_TEST(notices(crowd.h, crowd.bob) == 0u);
    crowd.h.send(crowd.ana, typing({}, "bob"));  // private still goes
    BOOST_TEST(notices(crowd.h, crowd.bob) == 1u);

    HubConfig off = testConfig();
    off.typingEnabled = false;
    Room3 quiet(off);
    quiet.h.send(quiet.ana, typing("r"));
    quiet.h.send(quiet.ana, typing({}, "bob"));
    BOOST_TEST(notices(quiet.h, quiet.bob) == 0u);
    BOOST_TEST(quiet.h.take(quiet.ana).empty());  // dropped without an answer
    BOOST_TEST(quiet.h.hub.stats().typingDropped == 2u);
}

BOOST_AUTO_TEST_CASE(wrong_requests_are_answered_and_not_fatal) {
    Room3 t;
    t.h.send(t.ana, typing("elsewhere"));
    BOOST_TEST(t.h.next(t.ana).error().code() == v1::ERROR_CODE_NOT_IN_ROOM);
    t.h.send(t.ana, typing("r", "bob"));
    BOOST_TEST(t.h.next(t.ana).error().code() == v1::ERROR_CODE_UNSUPPORTED);
    t.h.send(t.ana, typing({}, {}));
    BOOST_TEST(t.h.next(t.ana).error().code() == v1::ERROR_CODE_UNSUPPORTED);
    t.h.send(t.ana, typing("bad room name!"));
    BOOST_TEST(t.h.next(t.ana).error().code() == v1::ERROR_CODE_INVALID_ROOM);
    t.h.send(t.ana, typing({}, "nobody"));
    t.h.send(t.ana, typing({}, "ana"));  // to oneself: nothing
    BOOST_TEST(t.h.take(t.ana).empty());
    BOOST_TEST(!t.h.closed(t.ana));
    BOOST_TEST(notices(t.h, t.bob) == 0u);
}

BOOST_AUTO_TEST_CASE(typing_before_welcome_is_a_handshake_error) {
    HubHarness h;
    const SessionId id = h.connect();
    h.send(id, typing("r"));
    BOOST_TEST(h.closed(id));
    BOOST_TEST(h.next(id).error().code() == v1::ERROR_CODE_HANDSHAKE_REQUIRED);
}

#define BOOST_TEST_MODULE hub_messages
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include "HubTestHarness.hpp"

using namespace hermes;
using namespace hermes::hub;
using namespace hermes::hub::test;
namespace data = boost::unit_test::data;

namespace {
// Three members of room "r", inboxes empty.
struct Room3 {
    HubHarness h;
    SessionId ana = 0, bob = 0, carol = 0;
    explicit Room3(HubConfig config = testConfig()) : h(config) {
        ana = h.login("ana");
        bob = h.login("bob");
        carol = h.login("carol");
        for (const SessionId id : {ana, bob, carol}) {
            h.send(id, join("r"));
        }
        for (const SessionId id : {ana, bob, carol}) {
            h.clear(id);
        }
    }
};
}  // namespace

BOOST_AUTO_TEST_CASE(say_fans_out_identical_bytes_with_gapless_seq) {
    Room3 f;
    HubHarness& h = f.h;
    const std::uint64_t deliveriesBefore = h.hub.stats().deliveries;
    for (std::uint64_t i = 1; i <= 5; ++i) {
        h.send(i % 2 ? f.ana : f.bob,
               say("#R", 100 + i, "message " + std::to_string(i),
                   i == 3 ? v1::MESSAGE_KIND_ACTION : v1::MESSAGE_KIND_TEXT));
    }
    BOOST_TEST(h.hub.stats().deliveries - deliveriesBefore == 15u);
    for (const SessionId id : {f.ana, f.bob, f.carol}) {
        BOOST_TEST_REQUIRE(h.peers[id].frames.size() == 5u);
        // Byte for byte what ana received: one serialization for all.
        BOOST_TEST(h.peers[id].frames == h.peers[f.ana].frames, boost::test_tools::per_element());
        const auto got = h.take(id);
        for (std::size_t i = 0; i < got.size(); ++i) {
            const v1::ChatMessage& m = got[i].message();
            BOOST_TEST(m.room() == "r");
            BOOST_TEST(m.seq() == i + 1);
            BOOST_TEST(m.epoch() == 77u);
            BOOST_TEST(m.time_ms() == h.wallMs);
            BOOST_TEST(m.from() == ((i + 1) % 2 ? "ana" : "bob"));
            BOOST_TEST(m.client_msg_id() == 101 + i);
            BOOST_TEST(m.text() == "message " + std::to_string(i + 1));
            BOOST_TEST(m.to().empty());
        }
        BOOST_TEST(got[2].message().kind() == v1::MESSAGE_KIND_ACTION);
    }
}

namespace {
struct SayErrorCase {
    const char* name;
    std::string room;
    std::string text;
    v1::MessageKind kind;
    v1::ErrorCode code;
};
std::ostream& operator<<(std::ostream& os, const SayErrorCase& c) {
    return os << c.name;
}
const SayErrorCase kSayErrors[] = {
    {"not in room", "other", "hi", v1::MESSAGE_KIND_TEXT, v1::ERROR_CODE_NOT_IN_ROOM},
    {"unknown room", "nowhere", "hi", v1::MESSAGE_KIND_TEXT, v1::ERROR_CODE_NOT_IN_ROOM},
    {"invalid room", "no spaces", "hi", v1::MESSAGE_KIND_TEXT, v1::ERROR_CODE_INVALID_ROOM},
    {"empty text", "r", "", v1::MESSAGE_KIND_TEXT, v1::ERROR_CODE_INVALID_TEXT},
    {"newline", "r", "two\nlines", v1::MESSAGE_KIND_TEXT, v1::ERROR_CODE_INVALID_TEXT},
    {"escape", "r", "\x1b[31mred", v1::MESSAGE_KIND_TEXT, v1::ERROR_CODE_INVALID_TEXT},
    {"too long", "r", std::string(5000, 'a'), v1::MESSAGE_KIND_TEXT, v1::ERROR_CODE_INVALID_TEXT},
    {"notice kind", "r", "hi", v1::MESSAGE_KIND_NOTICE, v1::ERROR_CODE_UNSUPPORTED},
};
}  // namespace

BOOST_DATA_TEST_CASE(say_errors_carry_client_msg_id, data::make(kSayErrors), c) {
    Room3 f;
    HubHarness& h = f.h;
    h.send(f.bob, join("other"));
    h.send(f.ana, join("other"));
    h.send(f.bob, leave("other"));  // "other" exists; ana is in it, carol is not
    h.clear(f.carol);
    h.send(f.carol, say(c.room, 4711, c.text, c.kind));
    const auto got = h.take(f.carol);
    BOOST_TEST_REQUIRE(got.size() == 1u);
    BOOST_TEST_REQUIRE(got[0].has_error());
    BOOST_TEST(got[0].error().code() == c.code);
    BOOST_TEST(got[0].error().client_msg_id() == 4711u);
    BOOST_TEST(!got[0].error().room().empty());
    BOOST_TEST(!got[0].error().fatal());
    BOOST_TEST(!h.closed(f.carol));
}

// proto3 refuses invalid UTF-8 while parsing, so the hub never sees the text;
// the frame is still well framed wire format: a non-fatal INVALID_TEXT that
// names the say, and the client stays.
BOOST_AUTO_TEST_CASE(invalid_utf8_is_invalid_text_and_not_fatal) {
    Room3 f;
    HubHarness& h = f.h;
    h.send(f.carol, say("r", 31, "\xc3\x28"));
    BOOST_TEST_REQUIRE(!h.closed(f.carol));
    const v1::Error error = h.next(f.carol).error();
    BOOST_TEST(error.code() == v1::ERROR_CODE_INVALID_TEXT);
    BOOST_TEST(!error.fatal());
    BOOST_TEST(error.client_msg_id() == 31u);
    BOOST_TEST(error.room() == "r");
    BOOST_TEST(h.take(f.ana).empty());  // nothing relayed
    h.send(f.carol, say("r", 32, "fine"));
    BOOST_TEST(h.next(f.ana).message().client_msg_id() == 32u);
}

// A payload that is not protobuf wire format at all cannot be trusted.
BOOST_AUTO_TEST_CASE(garbage_payload_is_a_fatal_bad_frame) {
    Room3 f;
    HubHarness& h = f.h;
    h.sendRaw(f.carol, std::string("\x03\xff\xff\xff", 4));
    BOOST_TEST_REQUIRE(h.closed(f.carol));
    BOOST_TEST(h.next(f.carol).error().code() == v1::ERROR_CODE_BAD_FRAME);
    BOOST_TEST(h.hub.stats().disconnects.at("bad_frame") == 1u);
    BOOST_TEST(h.next(f.ana).presence().kind() == v1::PRESENCE_KIND_QUIT);
}

BOOST_AUTO_TEST_CASE(private_message_echo_and_no_such_nick) {
    Room3 f;
    HubHarness& h = f.h;
    h.send(f.ana, privateMessage("BOB", 9, "psst"));
    const v1::Envelope got = h.next(f.bob);
    const v1::Envelope echo = h.next(f.ana);
    BOOST_TEST(h.peers[f.bob].frames == h.peers[f.ana].frames, boost::test_tools::per_element());
    const v1::ChatMessage& m = got.message();
    BOOST_TEST(m.room() == "");
    BOOST_TEST(m.seq() == 0u);
    BOOST_TEST(m.from() == "ana");
    BOOST_TEST(m.to() == "bob");
    BOOST_TEST(m.client_msg_id() == 9u);
    BOOST_TEST(m.text() == "psst");
    BOOST_TEST(echo.message().text() == "psst");
    BOOST_TEST(h.take(f.carol).empty());
    // To oneself: once.
    h.send(f.ana, privateMessage("ana", 10, "note to self"));
    BOOST_TEST(h.take(f.ana).size() == 1u);
    h.send(f.ana, privateMessage("nobody", 11, "hello?"));
    const v1::Envelope e = h.next(f.ana);
    BOOST_TEST(e.error().code() == v1::ERROR_CODE_NO_SUCH_NICK);
    BOOST_TEST(e.error().client_msg_id() == 11u);
}

BOOST_AUTO_TEST_CASE(hub_only_messages_are_unsupported_and_never_relayed) {
    Room3 f;
    HubHarness& h = f.h;
    v1::Envelope forged;
    auto* m = forged.mutable_message();
    m->set_room("r");
    m->set_from("bob");
    m->set_text("I am bob");
    m->set_seq(99);
    h.send(f.ana, forged);
    const v1::Envelope e = h.next(f.ana);
    BOOST_TEST(e.error().code() == v1::ERROR_CODE_UNSUPPORTED);
    BOOST_TEST(!e.error().fatal());
    BOOST_TEST(h.take(f.bob).empty());
    BOOST_TEST(h.take(f.carol).empty());
    // The next real message still gets seq 1.
    h.send(f.ana, say("r", 1, "real"));
    BOOST_TEST(h.next(f.bob).message().seq() == 1u);
    v1::Envelope welcome;
    welcome.mutable_welcome()->set_nick("x");
    h.send(f.ana, welcome);
    BOOST_TEST(h.take(f.ana).back().error().code() == v1::ERROR_CODE_UNSUPPORTED);
}

BOOST_AUTO_TEST_CASE(unknown_fields_are_not_relayed) {
    Room3 f;
    HubHarness& h = f.h;
    v1::Envelope e = say("r", 1, "hi");
    // Field 15 of Say is unknown to this protocol version.
    e.mutable_say()
        ->GetReflection()
        ->MutableUnknownFields(e.mutable_say())
        ->AddLengthDelimited(15, "secret");
    h.send(f.ana, e);
    BOOST_TEST_REQUIRE(h.peers[f.bob].frames.size() == 1u);
    BOOST_TEST(h.peers[f.bob].frames[0].find("secret") == std::string::npos);
    BOOST_TEST(h.next(f.bob).message().text() == "hi");
}

BOOST_AUTO_TEST_CASE(stats_request) {
    Room3 f;
    HubHarness& h = f.h;
    h.send(f.ana, say("r", 1, "hi"));
    h.hub.closed(h.login("dave"), "reset by peer", h.now);
    h.advance(2s);
    h.clear(f.ana);
    v1::Envelope request;
    request.mutable_stats_request();
    h.send(f.ana, request);
    const v1::Envelope reply = h.next(f.ana);
    const v1::Stats& s = reply.stats();

    BOOST_TEST(s.rooms() == 1u);
    BOOST_TEST(s.clients() == 3u);
    BOOST_TEST(s.deliveries_total() == 3u);
    BOOST_TEST(s.messages_in_total() == h.hub.stats().messagesIn);
    BOOST_TEST(s.messages_in_total() >= 8u);
    BOOST_TEST(s.uptime_seconds() == 2u);
    BOOST_TEST(s.disconnects().at("connection_closed") == 1u);
    BOOST_TEST(s.queued_bytes() == 0u);
}

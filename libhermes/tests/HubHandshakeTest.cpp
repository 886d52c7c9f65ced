#define BOOST_TEST_MODULE hub_handshake
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include "HubTestHarness.hpp"

using namespace hermes;
using namespace hermes::hub;
using namespace hermes::hub::test;
namespace data = boost::unit_test::data;

BOOST_AUTO_TEST_CASE(welcome_carries_session_and_limits) {
    HubConfig config = testConfig();
    config.ratePerSecond = 5;
    config.rateBurst = 10;
    HubHarness h(config, 4242);
    const SessionId id = h.connect();
    BOOST_TEST(h.hub.stats().connections == 1u);
    BOOST_TEST(h.hub.stats().clients == 0u);
    h.send(id, hello("Ana"));
    const v1::Envelope e = h.next(id);
    BOOST_TEST_REQUIRE(e.has_welcome());
    const v1::Welcome& w = e.welcome();
    BOOST_TEST(w.session_id() == id);
    BOOST_TEST(w.nick() == "Ana");
    BOOST_TEST(w.server_name() == "test-hub");
    BOOST_TEST(w.motd() == "hello there");
    BOOST_TEST(w.epoch() == 4242u);
    BOOST_TEST(w.limits().max_frame_bytes() == config.maxFrameBytes);
    BOOST_TEST(w.limits().max_text_bytes() == config.maxTextBytes);
    BOOST_TEST(w.limits().rate_per_second() == 5u);
    BOOST_TEST(w.limits().rate_burst() == 10u);
    BOOST_TEST(w.limits().history_page_max() == config.historyPageMax);
    BOOST_TEST(w.limits().max_rooms_per_client() == config.maxRoomsPerClient);
    BOOST_TEST(w.limits().ping_interval_ms() == 30000u);
    BOOST_TEST(h.hub.stats().clients == 1u);
    BOOST_TEST(h.hub.registry().find("ana").value() == id);
    BOOST_TEST(!h.closed(id));
}

BOOST_AUTO_TEST_CASE(default_room_is_joined_after_welcome) {
    HubConfig config = testConfig();
    config.defaultRoom = "#Lobby";
    HubHarness h(config);
    const SessionId id = h.connect();
    h.send(id, hello("ana"));
    BOOST_TEST(h.next(id).has_welcome());
    const v1::Envelope members = h.next(id);
    BOOST_TEST_REQUIRE(members.has_members());
    BOOST_TEST(members.members().room() == "lobby");
    BOOST_TEST(members.members().nicks_size() == 1);
    const v1::Envelope joined = h.next(id);
    BOOST_TEST_REQUIRE(joined.has_presence());
    BOOST_TEST(joined.presence().kind() == v1::PRESENCE_KIND_JOINED);
}

BOOST_AUTO_TEST_CASE(nick_taken_ignoring_case_then_retry) {
    HubHarness h;
    h.login("Ana");
    const SessionId id = h.connect();
    h.send(id, hello("aNA"));
    const v1::Envelope e = h.next(id);
    BOOST_TEST_REQUIRE(e.has_error());
    BOOST_TEST(e.error().code() == v1::ERROR_CODE_NICK_TAKEN);
    BOOST_TEST(!e.error().fatal());
    BOOST_TEST(!h.closed(id));
    h.send(id, hello("bob"));
    BOOST_TEST(h.next(id).welcome().nick() == "bob");
}

const char* const kInvalidNicks[] = {
    "", "1abc", "-abc", "has space", "toolong_toolong_toolong_toolong_x", "caf\xc3\xa9"};

BOOST_DATA_TEST_CASE(invalid_nick_is_not_fatal, data::make(kInvalidNicks), nick) {
    HubHarness h;
    const SessionId id = h.connect();
    h.send(id, hello(nick));
    const v1::Envelope e = h.next(id);
    BOOST_TEST_REQUIRE(e.has_error());
    BOOST_TEST(e.error().code() == v1::ERROR_CODE_INVALID_NICK);
    BOOST_TEST(!e.error().fatal());
    BOOST_TEST(!h.closed(id));
    h.send(id, hello("fine"));
    BOOST_TEST(h.next(id).has_welcome());
}

namespace {
struct FatalCase {
    const char* name;
    std::string bytes;  // what the client sends first
    v1::ErrorCode code;
    const char* reason;
};
std::ostream& operator<<(std::ostream& os, const FatalCase& c) {
    return os << c.name;
}

std::vector<FatalCase> fatalCases() {
    std::vector<FatalCase> cases;
    cases.push_back({"wrong protocol version", codec::encodeFrame(hello("ana", 2)),
                     v1::ERROR_CODE_PROTOCOL_VERSION, "protocol_version"});
    cases.push_back({"join before hello", codec::encodeFrame(join("lobby")),
                     v1::ERROR_CODE_HANDSHAKE_REQUIRED, "handshake_required"});
    cases.push_back({"ping before hello", codec::encodeFrame(ping(1)),
                     v1::ERROR_CODE_HANDSHAKE_REQUIRED, "handshake_required"});
    // A 5 KiB length prefix: above the 4 KiB handshake cap.
    cases.push_back({"oversize handshake frame", std::string("\x80\x28", 2),
                     v1::ERROR_CODE_FRAME_TOO_LARGE, "frame_too_large"});
    cases.push_back({"varint too long", std::string("\xff\xff\xff\xff\xff\x01", 6),
                     v1::ERROR_CODE_BAD_FRAME, "bad_frame"});
    cases.push_back({"undecodable payload", std::string("\x02\xff\xff", 3),
                     v1::ERROR_CODE_BAD_FRAME, "bad_frame"});
    return cases;
}
}  // namespace

BOOST_DATA_TEST_CASE(fatal_handshake_errors_close, data::make(fatalCases()), c) {
    HubHarness h;
    const SessionId id = h.connect();
    h.sendRaw(id, c.bytes);
    BOOST_TEST_REQUIRE(h.closed(id));
    BOOST_TEST(h.peers[id].closeReason == c.reason);
    const v1::Envelope e = h.next(id);
    BOOST_TEST_REQUIRE(e.has_error());
    BOOST_TEST(e.error().code() == c.code);
    BOOST_TEST(e.error().fatal());
    BOOST_TEST(h.hub.stats().disconnects.at(c.reason) == 1u);
    BOOST_TEST(h.hub.stats().connections == 0u);
    BOOST_TEST(outputBytes(h.hub, id).empty());
}

BOOST_AUTO_TEST_CASE(frames_split_anywhere_are_reassembled) {
    HubHarness h;
    const SessionId id = h.connect();
    const std::string bytes = codec::encodeFrame(hello("ana")) + codec::encodeFrame(ping(9));
    for (char c : bytes) {
        h.sendRaw(id, std::string_view(&c, 1));
    }
    BOOST_TEST(h.next(id).has_welcome());
    BOOST_TEST(h.next(id).pong().nonce() == 9u);
}

BOOST_AUTO_TEST_CASE(handshake_timeout) {
    HubHarness h;
    const SessionId id = h.connect();
    h.advance(5s);
    BOOST_TEST(!h.closed(id));
    h.advance(5s);
    BOOST_TEST_REQUIRE(h.closed(id));
    BOOST_TEST(h.peers[id].closeReason == "handshake_timeout");
    BOOST_TEST(h.next(id).error().code() == v1::ERROR_CODE_HANDSHAKE_TIMEOUT);
    // A welcomed session is not subject to it.
    const SessionId ok = h.login("ana");
    h.advance(11s);
    BOOST_TEST(!h.closed(ok));
}

BOOST_AUTO_TEST_CASE(hub_full) {
    HubConfig config = testConfig();
    config.maxClients = 2;
    HubHarness h(config);
    const SessionId a = h.connect();
    const SessionId b = h.connect();
    const SessionId c = h.connect();
    BOOST_TEST(!h.closed(a));
    BOOST_TEST(!h.closed(b));
    BOOST_TEST_REQUIRE(h.closed(c));
    BOOST_TEST(h.next(c).error().code() == v1::ERROR_CODE_HUB_FULL);
    BOOST_TEST(h.hub.stats().disconnects.at("hub_full") == 1u);
    BOOST_TEST(h.hub.stats().connections == 2u);
    h.hub.closed(a, "", h.now);
    const SessionId d = h.connect();
    BOOST_TEST(!h.closed(d));
    BOOST_TEST(h.hub.stats().disconnects.at("connection_closed") == 1u);
}

BOOST_AUTO_TEST_CASE(second_hello_is_already_welcomed) {
    HubHarness h;
    const SessionId id = h.login("ana");
    h.send(id, hello("bob"));
    const v1::Envelope e = h.next(id);
    BOOST_TEST(e.error().code() == v1::ERROR_CODE_ALREADY_WELCOMED);
    BOOST_TEST(!e.error().fatal());
}

BOOST_AUTO_TEST_CASE(larger_frames_allowed_after_welcome) {
    HubHarness h;
    const SessionId id = h.login("ana");
    h.send(id, join("r"));
    h.clear(id);
    h.send(id, say("r", 1, std::string(4000, 'x') + std::string(90, 'y')));
    BOOST_TEST(h.next(id).has_message());
    BOOST_TEST(!h.closed(id));
}

// Whois and away (HubWhois.cpp, HubAway.cpp): what the hub tells about a
// nick, away presence to rooms, MemberList marks, the away reply to a
// private message, and the limits on both requests.
#define BOOST_TEST_MODULE hub_people
#include <boost/test/unit_test.hpp>

#include <string>
#include <vector>

#include "HubTestHarness.hpp"

using namespace hermes;
using namespace hermes::hub;
using namespace hermes::hub::test;

namespace {

v1::Envelope whois(const std::string& nick) {
    v1::Envelope e;
    e.mutable_whois_request()->set_nick(nick);
    return e;
}

v1::Envelope setAway(const std::string& text) {
    v1::Envelope e;
    e.mutable_set_away()->set_text(text);
    return e;
}

v1::Envelope who(const std::string& room) {
    v1::Envelope e;
    e.mutable_who()->set_room(room);
    return e;
}

v1::Envelope helloFrom(const std::string& nick, const std::string& clientName) {
    v1::Envelope e = hello(nick);
    e.mutable_hello()->set_client_name(clientName);
    return e;
}

std::string frames(const std::vector<v1::Envelope>& envelopes) {
    std::string out;
    for (const auto& e : envelopes) {
        codec::appendFrame(e, out);
    }
    return out;
}

std::vector<std::string> listOf(const google::protobuf::RepeatedPtrField<std::string>& field) {
    return {field.begin(), field.end()};
}

// ana, bob and cat, each in room "r", inboxes empty.
struct Trio {
    HubHarness h;
    SessionId ana = h.login("ana");
    SessionId bob = h.login("bob");
    SessionId cat = h.login("cat");
    Trio() {
        for (const SessionId id : {ana, bob, cat}) {
            h.send(id, join("r"));
        }
        for (const SessionId id : {ana, bob, cat}) {
            h.clear(id);
        }
    }
};

}  // namespace

BOOST_AUTO_TEST_CASE(whois_tells_rooms_sign_on_idle_away_and_client) {
    HubHarness h;
    const SessionId ana = h.login("ana");
    const std::int64_t signedOn = h.wallMs;
    const SessionId bob = h.connect("192.168.7.42:50123");
    h.send(bob, helloFrom("Bob", "hermes-tui 0.1"));
    h.clear(bob);
    for (const char* room : {"zeta", "alpha", "mid"}) {
        h.send(bob, join(room));
    }
    h.wallMs += 60'000;
    h.advance(std::chrono::seconds(60));
    h.send(bob, say("mid", 1, "hello"));
    h.advance(std::chrono::milliseconds(4'500));
    h.send(bob, setAway("lunch"));  // neither away nor whois counts as speaking
    h.clear(ana);
    h.send(ana, whois("BOB"));
    const v1::Envelope e = h.next(ana);
    BOOST_TEST_REQUIRE(e.has_whois_reply());
    const v1::WhoisReply& reply = e.whois_reply();
    BOOST_TEST(reply.nick() == "Bob");  // as its holder spells it
    BOOST_TEST(listOf(reply.rooms()) == (std::vector<std::string>{"alpha", "mid", "zeta"}));
    BOOST_TEST(reply.signed_on_ms() == signedOn);
    BOOST_TEST(reply.idle_ms() == 4'500u);
    BOOST_TEST(reply.away() == "lunch");
    BOOST_TEST(reply.client_name() == "hermes-tui 0.1");
    // What is private stays private: no peer address, no session id.
    BOOST_TEST(h.peers[ana].frames.back().find("192.168.7.42") == std::string::npos);
    BOOST_TEST(h.take(ana).empty());
}

BOOST_AUTO_TEST_CASE(whois_idle_counts_from_sign_on_and_resets_on_private_message) {
    HubHarness h;
    const SessionId ana = h.login("ana");
    const SessionId bob = h.login("bob");
    h.advance(std::chrono::seconds(3));
    h.send(ana, whois("bob"));
    const v1::Envelope first = h.next(ana);
    BOOST_TEST(first.whois_reply().idle_ms() == 3'000u);
    BOOST_TEST(first.whois_reply().rooms_size() == 0);
    h.send(bob, privateMessage("ana", 1, "hi"));
    h.advance(std::chrono::milliseconds(250));
    h.clear(ana);
    h.send(ana, whois("bob"));
    BOOST_TEST(h.next(ana).whois_reply().idle_ms() == 250u);
}

BOOST_AUTO_TEST_CASE(whois_of_nobody_is_no_such_nick_and_not_fatal) {
    HubHarness h;
    const SessionId ana = h.login("ana");
    const SessionId bob = h.login("bob");
    const std::vector<std::string> nobody = {"carol", "", "2bad", std::string(200, 'x')};
    for (const std::string& nick : nobody) {
        BOOST_TEST_CONTEXT("whois \"" << nick.substr(0, 20) << "\"") {
            h.send(ana, whois(nick));
            const v1::Envelope e = h.next(ana);
            BOOST_TEST_REQUIRE(e.has_error());
            BOOST_TEST(e.error().code() == v1::ERROR_CODE_NO_SUCH_NICK);
            BOOST_TEST(!e.error().fatal());
        }
    }
    h.send(bob, [] {
        v1::Envelope bye;
        bye.mutable_bye()->set_reason(v1::BYE_REASON_CLIENT_QUIT);
        return bye;
    }());
    h.send(ana, whois("bob"));  // gone
    BOOST_TEST(h.next(ana).error().code() == v1::ERROR_CODE_NO_SUCH_NICK);
    BOOST_TEST(!h.closed(ana));
}

BOOST_AUTO_TEST_CASE(whois_shows_no_client_name_that_breaks_the_text_rules) {
    HubHarness h;
    const SessionId ana = h.login("ana");
    const SessionId bob = h.connect();
    h.send(bob, helloFrom("bob", "evil\x1b[2Jclient"));
    const SessionId cat = h.connect();
    h.send(cat, helloFrom("cat", std::string(65, 'c')));
    h.send(ana, whois("bob"));
    h.send(ana, whois("cat"));
    const auto got = h.take(ana);
    BOOST_TEST_REQUIRE(got.size() == 2u);
    BOOST_TEST(got[0].whois_reply().nick() == "bob");
    BOOST_TEST(got[0].whois_reply().client_name().empty());
    BOOST_TEST(got[1].whois_reply().client_name().empty());
}

BOOST_AUTO_TEST_CASE(away_is_confirmed_and_told_to_the_rooms_once) {
    Trio t;
    t.h.send(t.bob, join("other"));
    t.h.clear(t.bob);
    t.h.send(t.bob, setAway("lunch"));
    // The requester: its confirmation (room ""), then each room's presence.
    auto mine = t.h.take(t.bob);
    BOOST_TEST_REQUIRE(mine.size() == 3u);
    BOOST_TEST(mine[0].presence().room() == "");
    BOOST_TEST(mine[0].presence().kind() == v1::PRESENCE_KIND_AWAY);
    BOOST_TEST(mine[0].presence().reason() == "lunch");
    BOOST_TEST(listOf(mine[0].presence().nicks()) == std::vector<std::string>{"bob"});
    for (const v1::Envelope& e : {mine[1], mine[2]}) {
        BOOST_TEST(e.presence().kind() == v1::PRESENCE_KIND_AWAY);
        BOOST_TEST(e.presence().reason() == "lunch");
    }
    for (const SessionId id : {t.ana, t.cat}) {
        const auto seen = t.h.take(id);
        BOOST_TEST_REQUIRE(seen.size() == 1u);
        BOOST_TEST(seen[0].presence().room() == "r");
        BOOST_TEST(seen[0].presence().kind() == v1::PRESENCE_KIND_AWAY);
        BOOST_TEST(seen[0].presence().reason() == "lunch");
        BOOST_TEST(listOf(seen[0].presence().nicks()) == std::vector<std::string>{"bob"});
    }
    // The same text again changes nothing: a confirmation only.
    t.h.send(t.bob, setAway("lunch"));
    mine = t.h.take(t.bob);
    BOOST_TEST_REQUIRE(mine.size() == 1u);
    BOOST_TEST(mine[0].presence().room() == "");
    BOOST_TEST(t.h.take(t.ana).empty());
    // A new text is told again; back is BACK with no reason.
    t.h.send(t.bob, setAway("meeting"));
    BOOST_TEST(t.h.take(t.ana).at(0).presence().reason() == "meeting");
    BOOST_TEST(t.h.take(t.bob).size() == 3u);
    t.h.send(t.bob, setAway(""));
    mine = t.h.take(t.bob);
    BOOST_TEST_REQUIRE(mine.size() == 3u);
    BOOST_TEST(mine[0].presence().kind() == v1::PRESENCE_KIND_BACK);
    BOOST_TEST(mine[0].presence().room() == "");
    const auto back = t.h.take(t.ana);
    BOOST_TEST_REQUIRE(back.size() == 1u);
    BOOST_TEST(back[0].presence().kind() == v1::PRESENCE_KIND_BACK);
    BOOST_TEST(back[0].presence().reason() == "");
    // Back while back: a confirmation only.
    t.h.send(t.bob, setAway(""));
    BOOST_TEST(t.h.take(t.bob).size() == 1u);
    BOOST_TEST(t.h.take(t.ana).empty());
}

BOOST_AUTO_TEST_CASE(away_presence_is_coalesced_per_reason_in_order) {
    Trio t;
    const SessionId dan = t.h.login("dan");
    t.h.send(dan, join("r"));
    t.h.clear(t.ana);
    // One turn: bob and cat go away for lunch, dan for a meeting, then a message.
    t.h.hub.receive(t.bob, codec::encodeFrame(setAway("lunch")), t.h.now);
    t.h.hub.receive(t.cat, codec::encodeFrame(setAway("lunch")), t.h.now);
    t.h.hub.receive(dan, codec::encodeFrame(setAway("meeting")), t.h.now);
    t.h.hub.receive(t.bob, codec::encodeFrame(say("r", 1, "brb")), t.h.now);
    t.h.hub.flush();
    t.h.pump();
    const auto seen = t.h.take(t.ana);
    BOOST_TEST_REQUIRE(seen.size() == 3u);
    BOOST_TEST(seen[0].presence().kind() == v1::PRESENCE_KIND_AWAY);
    BOOST_TEST(listOf(seen[0].presence().nicks()) == (std::vector<std::string>{"bob", "cat"}));
    BOOST_TEST(seen[0].presence().reason() == "lunch");
    BOOST_TEST(listOf(seen[1].presence().nicks()) == std::vector<std::string>{"dan"});
    BOOST_TEST(seen[1].presence().reason() == "meeting");
    BOOST_TEST(seen[2].message().text() == "brb");
}

BOOST_AUTO_TEST_CASE(member_list_marks_away_members) {
    Trio t;
    t.h.send(t.bob, setAway("lunch"));
    t.h.clear(t.ana);
    t.h.send(t.ana, who("r"));
    v1::Envelope list = t.h.next(t.ana);
    BOOST_TEST_REQUIRE(list.has_members());
    BOOST_TEST(list.members().nicks_size() == 3);
    BOOST_TEST(listOf(list.members().away()) == std::vector<std::string>{"bob"});
    // A joiner's member list says it too.
    const SessionId dan = t.h.login("dan");
    t.h.send(dan, join("r"));
    list = t.h.next(dan);
    BOOST_TEST(listOf(list.members().away()) == std::vector<std::string>{"bob"});
    t.h.send(t.bob, setAway(""));
    t.h.clear(t.ana);
    t.h.send(t.ana, who("r"));
    BOOST_TEST(t.h.next(t.ana).members().away_size() == 0);
}

BOOST_AUTO_TEST_CASE(private_message_to_an_away_nick_is_delivered_and_answered) {
    HubHarness h;
    const SessionId ana = h.login("ana");
    const SessionId bob = h.login("bob");
    h.send(bob, setAway("gone fishing"));
    h.clear(bob);
    h.send(ana, privateMessage("BOB", 5, "are you there?"));
    // bob gets the message, and nothing else.
    const auto got = h.take(bob);
    BOOST_TEST_REQUIRE(got.size() == 1u);
    BOOST_TEST(got[0].message().text() == "are you there?");
    BOOST_TEST(got[0].message().away() == "");
    // ana gets her echo, then the away reply.
    const auto mine = h.take(ana);
    BOOST_TEST_REQUIRE(mine.size() == 2u);
    BOOST_TEST(mine[0].message().client_msg_id() == 5u);
    BOOST_TEST(mine[0].message().away() == "");
    const v1::ChatMessage& reply = mine[1].message();
    BOOST_TEST(reply.room() == "");
    BOOST_TEST(reply.seq() == 0u);
    BOOST_TEST(reply.kind() == v1::MESSAGE_KIND_NOTICE);
    BOOST_TEST(reply.from() == "bob");
    BOOST_TEST(reply.to() == "ana");
    BOOST_TEST(reply.client_msg_id() == 0u);
    BOOST_TEST(reply.away() == "gone fishing");
    BOOST_TEST(reply.text() == "bob is away: gone fishing");
    BOOST_TEST(reply.time_ms() == h.wallMs);
    // Room messages after it carry no leftover away text.
    h.send(ana, join("r"));
    h.send(bob, join("r"));
    h.clear(ana);
    h.send(ana, say("r", 6, "later"));
    BOOST_TEST(h.next(ana).message().away() == "");
    // Writing to yourself while away gets no reply; nor does anyone once back.
    h.clear(bob);
    h.send(bob, privateMessage("bob", 7, "note to self"));
    BOOST_TEST(h.take(bob).size() == 1u);
    h.send(bob, setAway(""));
    h.clear(ana);
    h.send(ana, privateMessage("bob", 8, "welcome back"));
    BOOST_TEST(h.take(ana).size() == 1u);
}

BOOST_AUTO_TEST_CASE(away_text_obeys_the_reason_rules) {
    HubHarness h;
    const SessionId bob = h.login("bob");
    h.send(bob, setAway(std::string(protocol::kMaxAwayBytes, 'z')));
    BOOST_TEST(h.next(bob).presence().kind() == v1::PRESENCE_KIND_AWAY);
    struct Case {
        const char* name;
        std::string text;
    };
    const std::vector<Case> bad = {
        {"one byte too long", std::string(protocol::kMaxAwayBytes + 1, 'z')},
        {"a line feed", "out\nnow"},
        {"an escape", "\x1b[31mred"},
        {"a C1 control", "x\xc2\x85y"},
    };
    for (const Case& c : bad) {
        BOOST_TEST_CONTEXT(c.name) {
            h.send(bob, setAway(c.text));
            const v1::Envelope e = h.next(bob);
            BOOST_TEST_REQUIRE(e.has_error());
            BOOST_TEST(e.error().code() == v1::ERROR_CODE_INVALID_TEXT);
            BOOST_TEST(!e.error().fatal());
        }
    }
    // Invalid UTF-8 cannot even be parsed: the frame is refused the same way.
    h.sendRaw(bob, std::string("\x06\xd2\x02\x03\x0a\x01\xff", 7));
    BOOST_TEST(h.next(bob).error().code() == v1::ERROR_CODE_INVALID_TEXT);
    BOOST_TEST(!h.closed(bob));
    // None of them changed the away text.
    const SessionId ana = h.login("ana");
    h.send(ana, whois("bob"));
    BOOST_TEST(h.next(ana).whois_reply().away() == std::string(protocol::kMaxAwayBytes, 'z'));
}

BOOST_AUTO_TEST_CASE(set_away_and_whois_take_tokens_like_every_frame) {
    HubConfig config = testConfig();
    config.ratePerSecond = 1;
    config.rateBurst = 2;
    config.floodBacklog = 3;
    HubHarness h(config);
    const SessionId ana = h.connect();
    h.send(ana, hello("ana"));  // one token
    h.clear(ana);
    // One token left: the first SetAway runs, the Whois and the next wait.
    h.sendRaw(ana, frames({setAway("a"), whois("ana"), setAway("b")}));
    auto got = h.take(ana);
    BOOST_TEST_REQUIRE(got.size() == 1u);
    BOOST_TEST(got[0].presence().reason() == "a");
    h.advance(std::chrono::seconds(1));
    got = h.take(ana);
    BOOST_TEST_REQUIRE(got.size() == 1u);
    BOOST_TEST(got[0].whois_reply().away() == "a");
    // "b" still waits; "c" and "d" wait behind it (3 may wait); "e" is a flood.
    h.sendRaw(ana, frames({setAway("c"), setAway("d")}));
    BOOST_TEST(!h.closed(ana));
    h.sendRaw(ana, frames({setAway("e")}));
    BOOST_TEST_REQUIRE(h.closed(ana));
    BOOST_TEST(h.take(ana).back().error().code() == v1::ERROR_CODE_FLOOD);
}

BOOST_AUTO_TEST_CASE(away_follows_the_session_not_the_nick) {
    Trio t;
    t.h.send(t.bob, setAway("lunch"));
    v1::Envelope nick;
    nick.mutable_set_nick()->set_nick("robert");
    t.h.send(t.bob, nick);
    t.h.clear(t.ana);
    t.h.send(t.ana, whois("robert"));
    BOOST_TEST(t.h.next(t.ana).whois_reply().away() == "lunch");
    // A new session under the old nick starts back.
    t.h.hub.closed(t.bob, "connection closed", t.h.now);
    t.h.pump();
    t.h.login("robert");
    t.h.clear(t.ana);
    t.h.send(t.ana, whois("robert"));
    BOOST_TEST(t.h.next(t.ana).whois_reply().away() == "");
}

BOOST_AUTO_TEST_CASE(whois_reply_and_set_away_from_the_wrong_side) {
    HubHarness h;
    const SessionId ana = h.connect();
    h.send(ana, whois("ana"));  // before Welcome: only Hello
    BOOST_TEST(h.take(ana).back().error().code() == v1::ERROR_CODE_HANDSHAKE_REQUIRED);
    BOOST_TEST(h.closed(ana));
    const SessionId bob = h.login("bob");
    v1::Envelope reply;
    reply.mutable_whois_reply()->set_nick("bob");
    h.send(bob, reply);  // a hub-only message
    const v1::Envelope e = h.next(bob);
    BOOST_TEST(e.error().code() == v1::ERROR_CODE_UNSUPPORTED);
    BOOST_TEST(!e.error().fatal());
}

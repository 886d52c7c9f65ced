#define BOOST_TEST_MODULE IrcRenderCacheTest
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "hermes/codec/FrameDecoder.hpp"
#include "hermes/irc/IrcRenderCache.hpp"
#include "hermes/irc/IrcSession.hpp"

// The loop-wide cache of rendered room messages (docs/IRC.md "Cost"): the
// same payload bytes for several IRC members are parsed and rendered once
// per capability set; the lines are always exactly what IrcSession::deliver
// renders for that member.

using hermes::irc::IrcRenderCache;
using hermes::irc::IrcSession;
using hermes::v1::Envelope;

namespace {

// A registered IRC member with the capabilities `caps` (empty: none), in #dev.
struct Member {
    std::unique_ptr<IrcSession> session;
    Envelope scratch;
    std::string out;

    Member(const std::string& nick, const std::string& caps) {
        hermes::irc::IrcSessionSettings settings;
        settings.serverName = "hub";
        settings.msgIdBase = 1000;
        session = std::make_unique<IrcSession>(settings);
        std::string toHub, toClient;
        const auto now = std::chrono::steady_clock::now();
        if (!caps.empty()) {
            session->receive("CAP REQ :" + caps + "\r\n", now, toHub, toClient);
        }
        session->receive("NICK " + nick + "\r\nUSER u 0 * :U\r\nCAP END\r\nJOIN #dev\r\n", now,
                         toHub, toClient);
        Envelope welcome;
        welcome.mutable_welcome()->set_nick(nick);
        welcome.mutable_welcome()->set_server_name("hub");
        session->deliver(welcome, toClient);
        Envelope members;
        members.mutable_members()->set_room("dev");
        members.mutable_members()->add_nicks(nick);
        session->deliver(members, toClient);
        Envelope presence;
        presence.mutable_presence()->set_room("dev");
        presence.mutable_presence()->set_kind(hermes::v1::PRESENCE_KIND_JOINED);
        presence.mutable_presence()->add_nicks(nick);
        session->deliver(presence, toClient);
    }
    std::uint32_t key() const { return IrcRenderCache::renderKey(*session); }
    // The frame through the cache; returns what it appended.
    std::string through(IrcRenderCache& cache, std::string_view payload, bool inPlace = true) {
        out.clear();
        BOOST_REQUIRE(cache.deliver(*session, key(), payload, inPlace, scratch, out));
        return out;
    }
    // The frame through the session alone (no cache): the reference.
    std::string direct(std::string_view payload) {
        Envelope envelope;
        BOOST_REQUIRE(hermes::codec::parseEnvelope(payload, envelope));
        std::string lines;
        session->deliver(envelope, lines);
        return lines;
    }
};

std::string chatPayload(const std::string& from, const std::string& text, std::uint64_t seq,
                        std::uint64_t id = 0) {
    Envelope envelope;
    auto& message = *envelope.mutable_message();
    message.set_room("dev");
    message.set_from(from);
    message.set_text(text);
    message.set_seq(seq);
    message.set_client_msg_id(id);
    message.set_kind(hermes::v1::MESSAGE_KIND_TEXT);
    message.set_time_ms(1'764'925'200'123);
    return envelope.SerializeAsString();
}

}  // namespace

// One member renders (a miss, kept); the next with the same capabilities
// gets the same lines from the cache (a hit), equal to its own rendering.
BOOST_AUTO_TEST_CASE(hit_for_a_second_member_with_the_same_capabilities) {
    IrcRenderCache cache;
    Member bob("bob", ""), carol("carol", ""), dan("dan", "");
    const std::string block = chatPayload("ana", "hello all", 7);
    const std::string first = bob.through(cache, block);
    BOOST_TEST(first == ":ana!ana@hermes PRIVMSG #dev :hello all\r\n");
    BOOST_TEST(cache.stats().misses == 1u);
    BOOST_TEST(cache.stats().stores == 1u);
    BOOST_TEST(carol.through(cache, block) == first);
    BOOST_TEST(dan.through(cache, block) == dan.direct(block));
    BOOST_TEST(cache.stats().hits == 2u);
    BOOST_TEST(cache.stats().misses == 1u);
    BOOST_TEST(cache.stats().bytes > 0u);
}

// The same bytes for a member with other capabilities: a miss, rendered
// with its tags, kept beside the first.
BOOST_AUTO_TEST_CASE(miss_on_other_capabilities) {
    IrcRenderCache cache;
    Member bob("bob", ""), tagged("tagged", "message-tags server-time"),
        tagged2("tagged2", "server-time message-tags");
    BOOST_TEST(bob.key() != tagged.key());
    BOOST_TEST(tagged.key() == tagged2.key());
    const std::string block = chatPayload("ana", "hello all", 7);
    bob.through(cache, block);
    const std::string withTags = tagged.through(cache, block);
    BOOST_TEST(withTags ==
               "@time=2025-12-05T09:00:00.123Z;msgid=dev:7;hermes/seq=7 "
               ":ana!ana@hermes PRIVMSG #dev :hello all\r\n");
    BOOST_TEST(cache.stats().misses == 2u);
    BOOST_TEST(tagged2.through(cache, block) == withTags);
    BOOST_TEST(bob.through(cache, block) == ":ana!ana@hermes PRIVMSG #dev :hello all\r\n");
    BOOST_TEST(cache.stats().hits == 2u);
}

// The sender's echo is its own: without echo-message it is dropped (the
// session clears its pending send), with it the session renders it. Never
// the cached lines of another member.
BOOST_AUTO_TEST_CASE(sender_echo_is_not_served_from_the_cache) {
    IrcRenderCache cache;
    Member ana("ana", ""), bob("bob", "");
    std::string toHub, toClient;
    ana.session->receive("PRIVMSG #dev :hello all\r\n", std::chrono::steady_clock::now(), toHub,
                         toClient);
    hermes::codec::FrameDecoder decoder(1 << 20);
    decoder.feed(toHub);
    Envelope say;
    BOOST_REQUIRE(decoder.next(say));
    const std::string block = chatPayload("ana", "hello all", 7, say.say().client_msg_id());
    BOOST_TEST(!bob.through(cache, block).empty());  // kept
    BOOST_TEST(ana.through(cache, block).empty());   // the echo, dropped
    BOOST_TEST(cache.stats().hits == 0u);

    Member echo("echo", "echo-message"), other("other", "echo-message");
    const std::string own = chatPayload("echo", "mine", 8);
    BOOST_TEST(other.through(cache, own) == ":echo!echo@hermes PRIVMSG #dev :mine\r\n");
    BOOST_TEST(echo.through(cache, own) == echo.direct(own));
    BOOST_TEST(cache.stats().hits == 0u);
}

// Memory reused for another frame (a room's block starting over) is never
// served stale; a full set gives up the frame it kept longest ago.
BOOST_AUTO_TEST_CASE(reused_memory_and_eviction) {
    IrcRenderCache cache(IrcRenderCache::kWays);  // one set: every fifth frame evicts
    Member bob("bob", ""), carol("carol", "");
    std::string block = chatPayload("ana", "first text", 7);
    bob.through(cache, block);
    // The same address, the same length, other bytes.
    const std::string second = chatPayload("ana", "other text", 8);
    BOOST_REQUIRE_EQUAL(second.size(), block.size());
    block.replace(0, block.size(), second);
    BOOST_TEST(carol.through(cache, block) == ":ana!ana@hermes PRIVMSG #dev :other text\r\n");
    BOOST_TEST(cache.stats().hits == 0u);
    BOOST_TEST(cache.stats().stores == 2u);
    BOOST_TEST(cache.stats().evictions == 0u);  // the stale lines were replaced in place

    std::vector<std::string> others;
    for (int i = 0; i < 4; ++i) {
        others.push_back(chatPayload("dan", "text " + std::to_string(i), 10 + i));
    }
    for (const std::string& other : others) {
        bob.through(cache, other);
    }
    BOOST_TEST(cache.stats().evictions == 1u);  // the fourth took block's way
    BOOST_TEST(carol.through(cache, others[3]) == ":dan!dan@hermes PRIVMSG #dev :text 3\r\n");
    BOOST_TEST(cache.stats().hits == 1u);
    BOOST_TEST(bob.through(cache, block) == ":ana!ana@hermes PRIVMSG #dev :other text\r\n");
    BOOST_TEST(cache.stats().hits == 1u);  // evicted: rendered again
}

// The memory bound: a store that would pass it is skipped (rendered per
// member, still right); frames copied out of place are never looked up.
BOOST_AUTO_TEST_CASE(bounded_and_in_place_only) {
    IrcRenderCache cache(16, 64);
    Member bob("bob", ""), carol("carol", "");
    const std::string block = chatPayload("ana", std::string(100, 'x'), 7);
    bob.through(cache, block);
    BOOST_TEST(carol.through(cache, block) == carol.direct(block));
    BOOST_TEST(cache.stats().stores == 0u);
    BOOST_TEST(cache.stats().bytes <= 64u);

    IrcRenderCache roomy;
    bob.through(roomy, block, false);
    carol.through(roomy, block, false);
    BOOST_TEST(roomy.stats().hits + roomy.stats().misses + roomy.stats().stores == 0u);
}

// Only room messages are kept: private messages and presence take the
// session's path for every member.
BOOST_AUTO_TEST_CASE(member_specific_frames_are_not_kept) {
    IrcRenderCache cache;
    Member bob("bob", ""), carol("carol", "");
    Envelope priv;
    priv.mutable_message()->set_from("ana");
    priv.mutable_message()->set_to("bob");
    priv.mutable_message()->set_text("psst");
    priv.mutable_message()->set_seq(3);
    const std::string privBytes = priv.SerializeAsString();
    BOOST_TEST(bob.through(cache, privBytes) == ":ana!ana@hermes PRIVMSG bob :psst\r\n");
    Envelope part;
    part.mutable_presence()->set_room("dev");
    part.mutable_presence()->set_kind(hermes::v1::PRESENCE_KIND_LEFT);
    part.mutable_presence()->add_nicks("ana");
    const std::string partBytes = part.SerializeAsString();
    bob.through(cache, partBytes);
    carol.through(cache, partBytes);
    BOOST_TEST(cache.stats().stores == 0u);
    BOOST_TEST(cache.stats().hits == 0u);
}

// A hit still counts the message's time for the member: CHATHISTORY TARGETS
// lists the room as active at it.
BOOST_AUTO_TEST_CASE(a_hit_counts_the_time_for_chathistory_targets) {
    IrcRenderCache cache;
    Member bob("bob", "batch draft/chathistory"), carol("carol", "batch draft/chathistory");
    const std::string block = chatPayload("ana", "hello", 40);
    bob.through(cache, block);
    carol.through(cache, block);
    BOOST_REQUIRE(cache.stats().hits == 1u);
    std::string toHub, toClient;
    carol.session->receive(
        "CHATHISTORY TARGETS timestamp=2025-01-01T00:00:00.000Z "
        "timestamp=2026-01-01T00:00:00.000Z 5\r\n",
        std::chrono::steady_clock::now(), toHub, toClient);
    BOOST_TEST(toHub.empty());
    // The message's time (chatPayload's), not the time of the member's join.
    BOOST_TEST(
        toClient.find("CHATHISTORY TARGETS #dev 2025-12-05T09:00:00.123Z") != std::string::npos,
        toClient);
}

BOOST_AUTO_TEST_CASE(a_bad_payload_is_refused) {
    IrcRenderCache cache;
    Member bob("bob", "");
    std::string out;
    Envelope scratch;
    BOOST_TEST(!cache.deliver(*bob.session, bob.key(), "\xff\xff\xff", true, scratch, out));
    BOOST_TEST(out.empty());
}

// A session a SASL sign-in welcomed before CAP END holds the hub's lines
// (IrcSasl.cpp): the cache must not append a room message ahead of its 001.
BOOST_AUTO_TEST_CASE(a_session_holding_for_cap_end_is_not_served_from_the_cache) {
    IrcRenderCache cache;
    Member ana("ana", "");
    const std::string payload = chatPayload("bob", "early", 1);
    BOOST_TEST(!ana.through(cache, payload).empty());  // kept for the key without caps

    hermes::irc::IrcSessionSettings settings;
    settings.serverName = "hub";
    IrcSession carol(settings);
    std::string toHub, toClient;
    const auto now = std::chrono::steady_clock::now();
    carol.receive(
        "CAP LS 302\r\nNICK carol\r\nUSER u 0 * :U\r\nCAP REQ :sasl\r\nAUTHENTICATE PLAIN\r\n"
        "AUTHENTICATE AGNhcm9sAHB3\r\n",
        now, toHub, toClient);
    carol.receive("CAP REQ :-sasl\r\n", now, toHub, toClient);  // the key without caps, as ana's
    Envelope welcome;
    welcome.mutable_welcome()->set_nick("carol");
    welcome.mutable_welcome()->set_account("carol");
    carol.deliver(welcome, toClient);
    BOOST_REQUIRE(carol.holding());
    BOOST_REQUIRE(IrcRenderCache::renderKey(carol) == ana.key());
    std::string out;
    Envelope scratch;
    BOOST_REQUIRE(
        cache.deliver(carol, IrcRenderCache::renderKey(carol), payload, true, scratch, out));
    BOOST_TEST(out.empty(), out);  // held in the session
    carol.receive("CAP END\r\n", now, toHub, out);
    BOOST_TEST(out.find(" 001 carol ") < out.find("PRIVMSG #dev :early"), out);
}

// The key is the session's capability bits (IrcSession::capBits), kept as
// CAP REQs add and take off capabilities rather than searched for at each
// write (one bit per word of kCapabilities, in its order), less those not in
// kKeyCapabilities. A refused request (NAK: all or nothing) changes nothing.
BOOST_AUTO_TEST_CASE(the_key_follows_cap_requests) {
    const auto bitOf = [](std::string_view cap) {
        std::uint32_t bit = 1;
        std::string_view offered = IrcSession::kCapabilities;
        while (offered.substr(0, offered.find(' ')) != cap) {
            BOOST_REQUIRE(offered.find(' ') != std::string_view::npos);
            offered.remove_prefix(offered.find(' ') + 1);
            bit <<= 1;
        }
        return bit;
    };
    Member plain("plain", "");
    BOOST_TEST(plain.key() == 0u);
    Member m("m", "account-tag server-time");
    BOOST_TEST(m.key() == (bitOf("account-tag") | bitOf("server-time")));
    std::string toHub, toClient;
    const auto now = std::chrono::steady_clock::now();
    m.session->receive("CAP REQ :-account-tag\r\n", now, toHub, toClient);
    BOOST_TEST(m.key() == bitOf("server-time"));
    toClient.clear();
    m.session->receive("CAP REQ :message-tags no-such-cap\r\n", now, toHub, toClient);
    BOOST_TEST(toClient.find("NAK") != std::string::npos);
    BOOST_TEST(m.key() == bitOf("server-time"));
    m.session->receive("CAP REQ :message-tags\r\n", now, toHub, toClient);
    BOOST_TEST(m.key() == (bitOf("message-tags") | bitOf("server-time")));
    m.session->receive("CAP REQ :echo-message\r\n", now, toHub, toClient);
    BOOST_TEST(m.session->hasCap("echo-message"));
    BOOST_TEST(m.key() == (bitOf("message-tags") | bitOf("server-time")));
}

namespace {

// Room messages from another member, in the shapes a live message takes:
// text, an action, a reply, an account's, several lines, one too long for
// a line, a deletion.
std::vector<std::string> roomMessageShapes() {
    std::vector<std::string> payloads;
    payloads.push_back(chatPayload("ana", "hello all", 7));
    Envelope action;
    action.ParseFromString(chatPayload("ana", "waves", 8));
    action.mutable_message()->set_kind(hermes::v1::MESSAGE_KIND_ACTION);
    payloads.push_back(action.SerializeAsString());
    Envelope reply;
    reply.ParseFromString(chatPayload("ana", "yes", 9));
    reply.mutable_message()->set_reply_to(7);
    payloads.push_back(reply.SerializeAsString());
    Envelope account;
    account.ParseFromString(chatPayload("ana", "signed in", 10));
    account.mutable_message()->set_from_account("ana");
    payloads.push_back(account.SerializeAsString());
    payloads.push_back(chatPayload("ana", "one\ntwo\nthree", 11));
    payloads.push_back(chatPayload("ana", std::string(900, 'x'), 12));
    Envelope deleted;
    deleted.ParseFromString(chatPayload("ana", "", 13));
    payloads.push_back(deleted.SerializeAsString());
    return payloads;
}

}  // namespace

// Capabilities that never change a room message's lines (sasl, multi-prefix,
// away-notify, echo-message, draft/chathistory) are not in the key: members
// that differ only in them share one render.
BOOST_AUTO_TEST_CASE(capabilities_that_change_no_room_line_share_renders) {
    IrcRenderCache cache;
    Member plain("bob", ""), busy("carol", "sasl multi-prefix away-notify echo-message");
    Member history("dan", "draft/chathistory batch message-tags"),
        tags("eve", "batch message-tags");
    BOOST_TEST(plain.key() == busy.key());
    BOOST_TEST(history.key() == tags.key());
    BOOST_TEST(plain.key() != tags.key());
    const std::string block = chatPayload("ana", "hello all", 7);
    const std::string first = plain.through(cache, block);
    BOOST_TEST(busy.through(cache, block) == first);
    BOOST_TEST(busy.direct(block) == first);
    BOOST_TEST(cache.stats().hits == 1u);
    const std::string tagged = tags.through(cache, block);
    BOOST_TEST(history.through(cache, block) == tagged);
    BOOST_TEST(cache.stats().hits == 2u);
    BOOST_TEST(cache.stats().misses == 2u);
}

// The guard of kKeyCapabilities: each offered capability left out of the key
// renders every shape of room message exactly as a member without it does
// (alone, and beside all the key's capabilities).
BOOST_AUTO_TEST_CASE(capabilities_left_out_of_the_key_change_no_line) {
    std::string keyed;
    for (const std::string_view cap : IrcRenderCache::kKeyCapabilities) {
        keyed += (keyed.empty() ? "" : " ") + std::string(cap);
    }
    std::string_view offered = IrcSession::kCapabilities;
    std::size_t leftOut = 0;
    while (!offered.empty()) {
        const std::size_t space = offered.find(' ');
        const std::string cap(offered.substr(0, space));
        offered = space == std::string_view::npos ? std::string_view{} : offered.substr(space + 1);
        if (std::find(IrcRenderCache::kKeyCapabilities.begin(),
                      IrcRenderCache::kKeyCapabilities.end(),
                      cap) != IrcRenderCache::kKeyCapabilities.end()) {
            continue;
        }
        ++leftOut;
        for (const std::string& base : {std::string(), keyed}) {
            BOOST_TEST_CONTEXT(cap << " beside '" << base << "'") {
                Member without("bob", base), with("bob", base.empty() ? cap : base + " " + cap);
                BOOST_TEST(without.key() == with.key());
                for (const std::string& payload : roomMessageShapes()) {
                    BOOST_TEST(with.direct(payload) == without.direct(payload));
                }
            }
        }
    }
    BOOST_TEST(leftOut == 5u);  // sasl, multi-prefix, away-notify, echo-message, draft/chathistory
}

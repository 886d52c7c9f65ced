// Where a private message between accounts goes, against a real hermesd: to
// every session signed in to the recipient's account, whatever its nick
// (two sessions of one account both get it live, and nothing waits while
// one of them is signed in), with a copy to the sender's other sessions;
// waiting messages arrive before any live one of the same conversation; one
// sender fills only its share of a recipient's mailbox
// (private.max_waiting_per_sender) and is told so, alone; and a third party,
// signed in or not, never sees any of it: not live, not waited, not in
// history, search or read markers.
#define BOOST_TEST_MODULE PrivateDeliveryTest
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "BoostSupport.hpp"
#include "Frames.hpp"
#include "HubProcess.hpp"
#include "RawClient.hpp"

using namespace std::chrono_literals;
namespace it = hermes::it;
namespace v1 = hermes::v1;

namespace {

// A private message whose text is `text`, from anyone.
it::RawClient::Predicate isPrivate(const std::string& text) {
    return [text](const it::Frame& f) {
        return f.envelope.has_message() && f.envelope.message().room().empty() &&
               f.envelope.message().text() == text;
    };
}

// Any private message.
bool anyPrivate(const it::Frame& f) {
    return f.envelope.has_message() && f.envelope.message().room().empty();
}

// How many frames in the inbox (after a sync) match.
std::size_t count(it::RawClient& client, const it::RawClient::Predicate& matches) {
    client.sync(it::after(5s));
    std::size_t n = 0;
    for (const it::Frame& f : client.inbox()) {
        n += matches(f) ? 1 : 0;
    }
    return n;
}

v1::Envelope peerHistory(const std::string& peer) {
    v1::Envelope e;
    e.mutable_history_request()->set_peer(peer);
    return e;
}

v1::Envelope peerSearch(const std::string& peer, const std::string& query) {
    v1::Envelope e;
    e.mutable_search_request()->set_peer(peer);
    e.mutable_search_request()->set_query(query);
    return e;
}

v1::Envelope markPeerRead(const std::string& peer, std::uint64_t seq) {
    v1::Envelope e;
    e.mutable_mark_read()->set_peer(peer);
    e.mutable_mark_read()->set_seq(seq);
    return e;
}

v1::Error error(it::RawClient& client, const std::string& what) {
    return client.expect(it::isBody(v1::Envelope::kError), it::after(5s), what).envelope.error();
}

// A second session of `account`: nick `nick`, then Identify.
void identifyAs(it::RawClient& client, const std::string& nick, const std::string& account) {
    client.hello(nick, it::after(5s));
    client.send(it::identifyEnvelope(account, account + "-pw"));
    client.expect(it::isAccountReply(v1::ACCOUNT_EVENT_IDENTIFIED), it::after(10s),
                  nick + " identified as " + account);
}

// The third parties every case checks: carol (another account) and dave
// (no account) see no private message, whatever they ask.
void seesNothing(it::RawClient& client, const std::string& who) {
    BOOST_TEST(count(client, anyPrivate) == 0u, who + ": " + client.inboxSummary());
    for (const char* peer : {"ana", "bob"}) {
        client.send(peerHistory(peer));
        const it::Frame f = client.expect(
            [](const it::Frame& g) {
                return g.envelope.has_history_page() || g.envelope.has_error();
            },
            it::after(5s), who + " asks history of " + peer);
        if (f.envelope.has_history_page()) {
            BOOST_TEST(f.envelope.history_page().messages_size() == 0, who << " " << peer);
        } else {
            BOOST_TEST(f.envelope.error().code() == v1::ERROR_CODE_NOT_A_PARTY);
        }
        client.send(peerSearch(peer, "secret"));
        const it::Frame s = client.expect(
            [](const it::Frame& g) {
                return g.envelope.has_search_results() || g.envelope.has_error();
            },
            it::after(5s), who + " searches " + peer);
        if (s.envelope.has_search_results()) {
            BOOST_TEST(s.envelope.search_results().messages_size() == 0, who << " " << peer);
        }
    }
}

}  // namespace

BOOST_AUTO_TEST_CASE(every_session_of_the_account_gets_it_and_nothing_waits) {
    it::HubProcess hub;
    for (const char* nick : {"ana", "bob", "carol"}) {
        it::registerNick(hub.port(), nick, std::string(nick) + "-pw");
    }
    it::RawClient ana(hub.port(), "ana");
    ana.signIn("ana", "ana-pw", it::after(10s));
    it::RawClient anaPhone(hub.port(), "ana-phone");
    identifyAs(anaPhone, "ana_phone", "ana");
    it::RawClient bob(hub.port(), "bob");
    bob.signIn("bob", "bob-pw", it::after(10s));
    it::RawClient bobPhone(hub.port(), "bob-phone");
    identifyAs(bobPhone, "bob_phone", "bob");
    it::RawClient carol(hub.port(), "carol");
    carol.signIn("carol", "carol-pw", it::after(10s));
    it::RawClient dave(hub.port(), "dave");
    dave.hello("dave", it::after(5s));

    // Both of bob's sessions get it live, with the same private_seq.
    ana.send(it::privateEnvelope("bob", "secret one", 11));
    const v1::ChatMessage echo =
        ana.expect(isPrivate("secret one"), it::after(5s), "echo").envelope.message();
    BOOST_TEST(!echo.offline());
    BOOST_TEST(echo.client_msg_id() == 11u);
    BOOST_TEST(echo.private_seq() == 1u);
    for (it::RawClient* session : {&bob, &bobPhone}) {
        const v1::ChatMessage m =
            session->expect(isPrivate("secret one"), it::after(5s), "bob live").envelope.message();
        BOOST_TEST(m.private_seq() == 1u);
        BOOST_TEST(!m.waited());
        BOOST_TEST(m.from() == "ana");
        BOOST_TEST(m.to() == "bob");
    }
    // ana's other session gets a copy, without the sender's client_msg_id.
    const v1::ChatMessage copy =
        anaPhone.expect(isPrivate("secret one"), it::after(5s), "copy").envelope.message();
    BOOST_TEST(copy.private_seq() == 1u);
    BOOST_TEST(copy.client_msg_id() == 0u);
    BOOST_TEST(copy.from() == "ana");
    BOOST_TEST(copy.to() == "bob");

    // A reply from bob's phone: a session under another nick than its
    // account's is no party (its `from` is not the account), so it is
    // relayed to the nick it names, as before, and not kept.
    bobPhone.send(it::privateEnvelope("ana", "secret two", 12));
    const v1::ChatMessage reply =
        bobPhone.expect(isPrivate("secret two"), it::after(5s), "reply echo").envelope.message();
    BOOST_TEST(reply.private_seq() == 0u);
    ana.expect(isPrivate("secret two"), it::after(5s), "ana gets the reply");
    BOOST_TEST(count(anaPhone, isPrivate("secret two")) == 0u);
    BOOST_TEST(count(bob, isPrivate("secret two")) == 0u);

    // bob's laptop leaves: bob is still signed in (the phone), so a new
    // message is delivered live there, and nothing waits.
    bob.send(it::byeEnvelope("lunch"));
    BOOST_TEST(bob.waitClosed(it::after(5s)));
    ana.send(it::privateEnvelope("bob", "secret three", 13));
    const v1::ChatMessage live =
        ana.expect(isPrivate("secret three"), it::after(5s), "echo 3").envelope.message();
    BOOST_TEST(!live.offline());
    BOOST_TEST(live.private_seq() == 2u);
    BOOST_TEST(bobPhone.expect(isPrivate("secret three"), it::after(5s), "phone live")
                   .envelope.message()
                   .private_seq() == 2u);
    it::RawClient bobAgain(hub.port(), "bob-again");
    bobAgain.signIn("bob", "bob-pw", it::after(10s));
    BOOST_TEST(count(bobAgain, isPrivate("secret three")) == 0u);  // it did not wait

    // Read markers: bob's phone moves one; bob's new session follows, ana
    // and the third parties hear nothing.
    bobPhone.send(markPeerRead("ana", 2));
    bobPhone.expect(it::isBody(v1::Envelope::kReadMarkers), it::after(5s), "marker answer");
    const v1::ReadMarkers followed =
        bobAgain.expect(it::isBody(v1::Envelope::kReadMarkers), it::after(5s), "marker follows")
            .envelope.read_markers();
    BOOST_TEST(followed.markers_size() == 1);
    BOOST_TEST(followed.markers(0).seq() == 2u);
    for (it::RawClient* other : {&ana, &carol, &dave}) {
        BOOST_TEST(count(*other, it::isBody(v1::Envelope::kReadMarkers)) == 0u);
    }

    // Every session of the two accounts reads the conversation; no one else.
    for (it::RawClient* party : {&anaPhone, &bobAgain}) {
        party->send(peerHistory(party == &anaPhone ? "bob" : "ana"));
        const v1::HistoryPage page =
            party->expect(it::isBody(v1::Envelope::kHistoryPage), it::after(5s), "party history")
                .envelope.history_page();
        BOOST_TEST(page.messages_size() == 2);
    }
    seesNothing(carol, "carol");
    seesNothing(dave, "dave");
}

BOOST_AUTO_TEST_CASE(waiting_messages_arrive_before_live_ones_on_every_session) {
    // Enough waiting that their read (off the hub's thread) is still under
    // way when ana's live message comes, most runs.
    it::HubProcess hub(it::HubProcess::Settings{{"private.max_waiting_per_sender", "200"}});
    for (const char* nick : {"ana", "bob", "carol"}) {
        it::registerNick(hub.port(), nick, std::string(nick) + "-pw");
    }
    it::RawClient ana(hub.port(), "ana");
    ana.signIn("ana", "ana-pw", it::after(10s));
    constexpr std::uint64_t kWaiting = 200;
    for (std::uint64_t i = 1; i <= kWaiting; ++i) {
        ana.send(it::privateEnvelope("bob", "secret waits " + std::to_string(i), i));
    }
    ana.expect(isPrivate("secret waits " + std::to_string(kWaiting)), it::after(10s), "last echo");
    it::RawClient carol(hub.port(), "carol");
    carol.signIn("carol", "carol-pw", it::after(10s));

    // bob signs in under another nick; ana writes again as soon as he is.
    // Whatever the timing, bob reads 1..kWaiting (waited), then the live one.
    it::RawClient bob(hub.port(), "bob");
    bob.hello("bob_desk", it::after(5s));
    bob.send(it::identifyEnvelope("bob", "bob-pw"));
    bob.expect(it::isAccountReply(v1::ACCOUNT_EVENT_IDENTIFIED), it::after(10s), "identified");
    ana.send(it::privateEnvelope("bob", "secret live", kWaiting + 1));
    bob.expect(isPrivate("secret live"), it::after(10s), "live after the waited");
    std::vector<std::uint64_t> order;
    std::size_t waited = 0;
    for (const it::Frame& f : bob.inbox()) {
        if (anyPrivate(f)) {
            order.push_back(f.envelope.message().private_seq());
            waited += f.envelope.message().waited() ? 1 : 0;
        }
    }
    order.push_back(kWaiting + 1);  // the one expect() took
    std::vector<std::uint64_t> expected;
    for (std::uint64_t i = 1; i <= kWaiting + 1; ++i) {
        expected.push_back(i);
    }
    BOOST_TEST(order == expected, bob.inboxSummary());
    BOOST_TEST(waited == kWaiting);
    // Delivered once: a later session of bob's finds nothing waiting.
    it::RawClient bob2(hub.port(), "bob2");
    bob2.signIn("bob", "bob-pw", it::after(10s));
    BOOST_TEST(count(bob2, anyPrivate) == 0u);
    seesNothing(carol, "carol");
}

BOOST_AUTO_TEST_CASE(one_sender_fills_only_its_share_of_a_mailbox) {
    it::HubProcess hub(it::HubProcess::Settings{{"private.max_waiting", "4"},
                                                {"private.max_waiting_per_sender", "2"}});
    for (const char* nick : {"ana", "bob", "carol", "dave", "erin"}) {
        it::registerNick(hub.port(), nick, std::string(nick) + "-pw");
    }
    it::RawClient ana(hub.port(), "ana");
    ana.signIn("ana", "ana-pw", it::after(10s));
    it::RawClient carol(hub.port(), "carol");
    carol.signIn("carol", "carol-pw", it::after(10s));
    it::RawClient dave(hub.port(), "dave");
    dave.signIn("dave", "dave-pw", it::after(10s));

    // ana floods: her share is 2.
    for (std::uint64_t i = 1; i <= 3; ++i) {
        ana.send(it::privateEnvelope("bob", "ana " + std::to_string(i), i));
    }
    ana.expect(isPrivate("ana 2"), it::after(5s), "ana's second kept");
    const v1::Error share = error(ana, "ana's third");
    BOOST_TEST(share.code() == v1::ERROR_CODE_MAILBOX_FULL);
    BOOST_TEST(share.client_msg_id() == 3u);
    BOOST_TEST(share.text().find("private.max_waiting_per_sender") != std::string::npos,
               share.text());
    BOOST_TEST(share.text().find("from you") != std::string::npos, share.text());

    // carol still gets hers in, and hears of no refusal.
    carol.send(it::privateEnvelope("bob", "carol 1", 1));
    carol.send(it::privateEnvelope("bob", "carol 2", 2));
    BOOST_TEST(carol.expect(isPrivate("carol 2"), it::after(5s), "carol kept")
                   .envelope.message()
                   .offline());
    BOOST_TEST(count(carol, it::isBody(v1::Envelope::kError)) == 0u);

    // Now the box (4) is full: dave is refused for that, with its own text.
    dave.send(it::privateEnvelope("bob", "dave 1", 1));
    const v1::Error full = error(dave, "box full");
    BOOST_TEST(full.code() == v1::ERROR_CODE_MAILBOX_FULL);
    BOOST_TEST(full.text().find("(private.max_waiting)") != std::string::npos, full.text());
    BOOST_TEST(count(ana, it::isBody(v1::Envelope::kError)) == 0u);  // ana hears nothing of it

    // The refused ones took no private_seq; bob gets the four, and erin, a
    // third account online meanwhile, none.
    it::RawClient erin(hub.port(), "erin");
    erin.signIn("erin", "erin-pw", it::after(10s));
    it::RawClient bob(hub.port(), "bob");
    bob.signIn("bob", "bob-pw", it::after(10s));
    for (const char* text : {"ana 1", "ana 2", "carol 1", "carol 2"}) {
        const v1::ChatMessage m =
            bob.expect(isPrivate(text), it::after(5s), text).envelope.message();
        BOOST_TEST(m.waited());
        BOOST_TEST(m.private_seq() == (text[0] == 'a' ? (text[4] - '0') : (text[6] - '0')));
    }
    BOOST_TEST(count(bob, anyPrivate) == 0u);
    BOOST_TEST(count(erin, anyPrivate) == 0u);
}

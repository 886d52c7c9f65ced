// Private messages that wait, and private history, against a real hermesd:
// a private message to an offline account is kept on disk and delivered
// exactly once at its next sign-in, across hub restarts; a conversation
// between two accounts has its own gapless private_seq, history and search,
// backfilled after a reconnect; no one but its two accounts can read it
// (another account, a nick without an account, a later holder of a party's
// unregistered nick, forged room and peer names); the offline cap refuses
// with MAILBOX_FULL; an echoed waiting message survives kill -9; a later
// Identify delivers what waited; hermes-cat leaves and reads private
// messages. A v1 client sees seq 0 and an empty room, as before.
#define BOOST_TEST_MODULE PrivateHistoryTest
#include <boost/test/unit_test.hpp>

#include <signal.h>

#include <chrono>
#include <cstdint>
#include <fstream>
#include <string>
#include <vector>

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

v1::Envelope peerHistory(const std::string& peer, std::uint64_t afterSeq,
                         const std::string& room = {}) {
    v1::Envelope e;
    auto* request = e.mutable_history_request();
    request->set_peer(peer);
    request->set_room(room);
    request->set_after_seq(afterSeq);
    return e;
}

v1::Envelope peerSearch(const std::string& peer, const std::string& query,
                        const std::string& room = {}) {
    v1::Envelope e;
    auto* request = e.mutable_search_request();
    request->set_peer(peer);
    request->set_room(room);
    request->set_query(query);
    return e;
}

// A private message whose text is `text`, from anyone.
it::RawClient::Predicate isPrivate(const std::string& text) {
    return [text](const it::Frame& f) {
        return f.envelope.has_message() && f.envelope.message().room().empty() &&
               f.envelope.message().text() == text;
    };
}

v1::HistoryPage page(it::RawClient& client, const std::string& what) {
    return client.expect(it::isBody(v1::Envelope::kHistoryPage), it::after(5s), what)
        .envelope.history_page();
}

v1::Error error(it::RawClient& client, const std::string& what) {
    return client.expect(it::isBody(v1::Envelope::kError), it::after(5s), what).envelope.error();
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

std::vector<std::uint64_t> seqsOf(const v1::HistoryPage& p) {
    std::vector<std::uint64_t> seqs;
    for (const auto& m : p.messages()) {
        seqs.push_back(m.private_seq());
    }
    return seqs;
}

}  // namespace

BOOST_AUTO_TEST_CASE(offline_message_is_delivered_exactly_once_across_restarts) {
    hermes::test::TempDir dir("hermes-private");
    const it::HubProcess::Settings settings{{"history.path", dir.file("hub.db")}};
    std::int64_t sentMs = 0;
    {
        it::HubProcess hub(settings);
        it::registerNick(hub.port(), "ana", "ana-pw");
        it::registerNick(hub.port(), "bob", "bob-pw");
        it::RawClient ana(hub.port(), "ana");
        const v1::Welcome welcome = ana.signIn("ana", "ana-pw", it::after(10s));
        BOOST_TEST(welcome.private_history());
        ana.send(it::privateEnvelope("bob", "while you were out", 7));
        const auto echo = ana.expect(isPrivate("while you were out"), it::after(5s), "echo");
        const v1::ChatMessage& m = echo.envelope.message();
        BOOST_TEST(m.offline());  // it waits: bob is offline
        BOOST_TEST(m.private_seq() == 1u);
        BOOST_TEST(m.seq() == 0u);  // what a v1 client reads: as every private message
        BOOST_TEST(m.to() == "bob");
        BOOST_TEST(m.client_msg_id() == 7u);
        sentMs = m.time_ms();
        BOOST_TEST(hub.stop().clean());
    }
    {
        it::HubProcess hub(settings);
        it::RawClient bob(hub.port(), "bob");
        bob.signIn("bob", "bob-pw", it::after(10s));
        const auto got = bob.expect(isPrivate("while you were out"), it::after(5s), "waited");
        const v1::ChatMessage& m = got.envelope.message();
        BOOST_TEST(m.waited());
        BOOST_TEST(!m.offline());
        BOOST_TEST(m.from() == "ana");
        BOOST_TEST(m.private_seq() == 1u);
        BOOST_TEST(m.time_ms() == sentMs);                              // its original time
        BOOST_TEST(count(bob, isPrivate("while you were out")) == 0u);  // once
        // A conversation is no room: the hub lists none after a restart.
        v1::Envelope list;
        list.mutable_room_list_request();
        bob.send(list);
        const auto rooms =
            bob.expect(it::isBody(v1::Envelope::kRoomList), it::after(5s), "room list");
        for (const auto& room : rooms.envelope.room_list().rooms()) {
            BOOST_TEST(room.name().find('@') == std::string::npos, room.name());
        }
        bob.send(it::byeEnvelope("bye"));
        BOOST_TEST(bob.waitClosed(it::after(5s)));
        BOOST_TEST(hub.stop().clean());
    }
    it::HubProcess hub(settings);
    it::RawClient bob(hub.port(), "bob");
    bob.signIn("bob", "bob-pw", it::after(10s));
    BOOST_TEST(count(bob, isPrivate("while you were out")) == 0u);  // not again
    // It is in the conversation's history, for the party.
    bob.send(peerHistory("ANA", 0));
    const v1::HistoryPage p = page(bob, "bob's history with ana");
    BOOST_TEST(p.room().empty());
    BOOST_TEST(p.peer() == "ANA");
    BOOST_TEST(p.head_seq() == 1u);
    BOOST_TEST_REQUIRE(p.messages_size() == 1);
    BOOST_TEST(p.messages(0).text() == "while you were out");
    BOOST_TEST(p.messages(0).private_seq() == 1u);
    BOOST_TEST(!p.messages(0).waited());
}

// The echo of a waiting message is its acknowledgement: it comes only once
// the message is committed, so a hub killed right after it still has it.
BOOST_AUTO_TEST_CASE(an_echoed_waiting_message_survives_a_kill) {
    hermes::test::TempDir dir("hermes-private-kill");
    const it::HubProcess::Settings settings{{"history.path", dir.file("hub.db")}};
    {
        it::HubProcess hub(settings);
        it::registerNick(hub.port(), "ana", "ana-pw");
        it::registerNick(hub.port(), "bob", "bob-pw");
        it::RawClient ana(hub.port(), "ana");
        ana.signIn("ana", "ana-pw", it::after(10s));
        for (int i = 1; i <= 5; ++i) {
            ana.send(it::privateEnvelope("bob", "note " + std::to_string(i),
                                         static_cast<std::uint64_t>(i)));
        }
        ana.expect(isPrivate("note 5"), it::after(5s), "the last echo");
        hub.signal(SIGKILL);
        BOOST_TEST_REQUIRE(hub.waitExit(5s).has_value());
    }
    it::HubProcess hub(settings);
    it::RawClient bob(hub.port(), "bob");
    bob.signIn("bob", "bob-pw", it::after(10s));
    for (int i = 1; i <= 5; ++i) {
        const std::string text = "note " + std::to_string(i);
        const auto got = bob.expect(isPrivate(text), it::after(5s), text);
        BOOST_TEST(got.envelope.message().waited());
        BOOST_TEST(got.envelope.message().private_seq() == static_cast<std::uint64_t>(i));
    }
}

BOOST_AUTO_TEST_CASE(conversation_backfills_after_a_reconnect) {
    it::HubProcess hub;
    it::registerNick(hub.port(), "ana", "ana-pw");
    it::registerNick(hub.port(), "bob", "bob-pw");
    it::RawClient ana(hub.port(), "ana");
    ana.signIn("ana", "ana-pw", it::after(10s));
    std::uint64_t lastSeen = 0;
    {
        it::RawClient bob(hub.port(), "bob");
        bob.signIn("bob", "bob-pw", it::after(10s));
        for (int i = 1; i <= 3; ++i) {
            const std::string text = "live " + std::to_string(i);
            ana.send(it::privateEnvelope("bob", text, static_cast<std::uint64_t>(i)));
            const auto got = bob.expect(isPrivate(text), it::after(5s), text);
            BOOST_TEST(got.envelope.message().private_seq() == static_cast<std::uint64_t>(i));
            BOOST_TEST(!got.envelope.message().waited());
            lastSeen = got.envelope.message().private_seq();
        }
        // bob answers: the same conversation, the next seq.
        bob.send(it::privateEnvelope("ana", "and back", 9));
        const auto back = ana.expect(isPrivate("and back"), it::after(5s), "bob's answer");
        BOOST_TEST(back.envelope.message().private_seq() == 4u);
        bob.abort();
    }
    ana.sync(it::after(5s));
    // bob's session may still be closing: a message to a holder of the nick
    // is live, one after it waits. Either way it is in the history.
    ana.send(it::privateEnvelope("bob", "after you left", 10));
    ana.expect(isPrivate("after you left"), it::after(5s), "echo");

    it::RawClient bob(hub.port(), "bob");
    bob.signIn("bob", "bob-pw", it::after(10s));
    bob.send(peerHistory("ana", lastSeen - 1));  // the client's cursor, minus a dup
    const v1::HistoryPage p = page(bob, "backfill");
    BOOST_TEST((seqsOf(p) == std::vector<std::uint64_t>{3, 4, 5}));
    BOOST_TEST(p.head_seq() == 5u);
    BOOST_TEST(!p.has_more());
    BOOST_TEST(p.messages(1).from() == "bob");
    BOOST_TEST(p.messages(2).text() == "after you left");
    // Both sides read the same conversation, gapless from 1.
    ana.send(peerHistory("bob", 0));
    BOOST_TEST((seqsOf(page(ana, "ana's history")) == std::vector<std::uint64_t>{1, 2, 3, 4, 5}));
    // And search it.
    bob.send(peerSearch("ana", "live"));
    const auto hits = bob.expect(it::isBody(v1::Envelope::kSearchResults), it::after(5s), "search")
                          .envelope.search_results();
    BOOST_TEST(hits.peer() == "ana");
    BOOST_TEST(hits.room().empty());
    BOOST_TEST_REQUIRE(hits.messages_size() == 3);
    BOOST_TEST(hits.messages(0).private_seq() == 3u);  // newest first
    BOOST_TEST(hits.messages(0).seq() == 0u);
}

BOOST_AUTO_TEST_CASE(no_third_party_reads_a_private_history) {
    it::HubProcess hub;
    for (const char* nick : {"ana", "bob", "carol"}) {
        it::registerNick(hub.port(), nick, std::string(nick) + "-pw");
    }
    it::RawClient ana(hub.port(), "ana");
    ana.signIn("ana", "ana-pw", it::after(10s));
    it::RawClient bob(hub.port(), "bob");
    bob.signIn("bob", "bob-pw", it::after(10s));
    ana.send(it::privateEnvelope("bob", "the secret plan", 1));
    bob.expect(isPrivate("the secret plan"), it::after(5s), "live");

    // Another account reads only its own conversation with either name.
    it::RawClient carol(hub.port(), "carol");
    carol.signIn("carol", "carol-pw", it::after(10s));
    for (const char* peer : {"bob", "ana", "Ana"}) {
        carol.send(peerHistory(peer, 0));
        const v1::HistoryPage p = page(carol, std::string("carol asks for ") + peer);
        BOOST_TEST(p.messages_size() == 0, peer);
        BOOST_TEST(p.head_seq() == 0u, peer);
    }
    carol.send(peerSearch("bob", "secret"));
    BOOST_TEST(carol.expect(it::isBody(v1::Envelope::kSearchResults), it::after(5s), "search")
                   .envelope.search_results()
                   .messages_size() == 0);

    // Forged names: the conversation's key as a room, or as a peer.
    for (const std::string& room : {std::string("@ana bob"), std::string("@bob ana")}) {
        carol.send(it::historyEnvelope(room, 0, 0));
        BOOST_TEST(error(carol, "history of " + room).code() == v1::ERROR_CODE_INVALID_ROOM);
        carol.send(peerSearch({}, "secret", room));
        BOOST_TEST(error(carol, "search of " + room).code() == v1::ERROR_CODE_INVALID_ROOM);
        v1::Envelope join = it::joinEnvelope(room);
        carol.send(join);
        BOOST_TEST(error(carol, "join " + room).code() == v1::ERROR_CODE_INVALID_ROOM);
    }
    carol.send(peerHistory("bob", 0, "@ana bob"));  // both: refused
    BOOST_TEST(error(carol, "room and peer").code() == v1::ERROR_CODE_INVALID_ROOM);
    for (const std::string& peer :
         {std::string("ana bob"), std::string("@ana bob"), std::string("bob\nana")}) {
        carol.send(peerHistory(peer, 0));
        BOOST_TEST(error(carol, "peer " + peer).code() == v1::ERROR_CODE_INVALID_NICK);
    }

    // A session with no account reads nothing, whatever its nick.
    it::RawClient dave(hub.port(), "dave");
    dave.hello("dave", it::after(5s));
    dave.send(peerHistory("ana", 0));
    BOOST_TEST(error(dave, "unsigned").code() == v1::ERROR_CODE_NOT_A_PARTY);
    dave.send(peerSearch("bob", "secret"));
    BOOST_TEST(error(dave, "unsigned search").code() == v1::ERROR_CODE_NOT_A_PARTY);

    // An unregistered nick's messages are not kept: a later holder of the
    // nick, even one who registers it, finds nothing.
    {
        it::RawClient gus(hub.port(), "gus");
        gus.hello("gus", it::after(5s));
        gus.send(it::privateEnvelope("ana", "gus's confession", 2));
        const auto live = ana.expect(isPrivate("gus's confession"), it::after(5s), "gus live");
        BOOST_TEST(live.envelope.message().private_seq() == 0u);
        ana.send(it::privateEnvelope("gus", "ana's answer to gus", 3));
        gus.expect(isPrivate("ana's answer to gus"), it::after(5s), "answer");
        gus.send(it::byeEnvelope("gone"));
        BOOST_TEST(gus.waitClosed(it::after(5s)));
    }
    it::RawClient gus2(hub.port(), "gus2");
    gus2.hello("gus", it::after(5s));
    gus2.send(peerHistory("ana", 0));
    BOOST_TEST(error(gus2, "new gus, unsigned").code() == v1::ERROR_CODE_NOT_A_PARTY);
    gus2.send(it::registerEnvelope("gus-pw"));
    gus2.expect(it::isAccountReply(v1::ACCOUNT_EVENT_REGISTERED), it::after(10s), "registered");
    gus2.send(peerHistory("ana", 0));
    BOOST_TEST(page(gus2, "new gus, registered").messages_size() == 0);
    // ana, a party, reads hers: the plan, and nothing of gus.
    ana.send(peerHistory("gus", 0));
    BOOST_TEST(page(ana, "ana with gus").messages_size() == 0);
    ana.send(peerHistory("bob", 0));
    BOOST_TEST(page(ana, "ana with bob").messages_size() == 1);
}

BOOST_AUTO_TEST_CASE(the_offline_cap_is_refused_with_a_clear_error) {
    it::HubProcess hub(it::HubProcess::Settings{{"private.max_waiting", "2"}});
    it::registerNick(hub.port(), "ana", "ana-pw");
    it::registerNick(hub.port(), "bob", "bob-pw");
    it::RawClient ana(hub.port(), "ana");
    ana.signIn("ana", "ana-pw", it::after(10s));
    ana.send(it::privateEnvelope("bob", "one", 1));
    ana.send(it::privateEnvelope("bob", "two", 2));
    ana.send(it::privateEnvelope("bob", "three", 3));
    ana.expect(isPrivate("two"), it::after(5s), "second kept");
    const v1::Error full = error(ana, "the third");
    BOOST_TEST(full.code() == v1::ERROR_CODE_MAILBOX_FULL);
    BOOST_TEST(full.client_msg_id() == 3u);
    BOOST_TEST(full.text().find("private.max_waiting") != std::string::npos, full.text());
    // The refused one took no seq: the conversation stays gapless.
    ana.send(peerHistory("bob", 0));
    BOOST_TEST((seqsOf(page(ana, "after refusal")) == std::vector<std::uint64_t>{1, 2}));

    // A sender with no account cannot leave a message at all.
    it::RawClient eve(hub.port(), "eve");
    eve.hello("eve", it::after(5s));
    eve.send(it::privateEnvelope("bob", "spam", 4));
    BOOST_TEST(error(eve, "unsigned sender").code() == v1::ERROR_CODE_NO_SUCH_NICK);
    // Nor can anyone write to a nick no account has.
    ana.send(it::privateEnvelope("nobody", "hello?", 5));
    BOOST_TEST(error(ana, "unregistered offline").code() == v1::ERROR_CODE_NO_SUCH_NICK);

    // bob takes his two; the box has room again.
    it::RawClient bob(hub.port(), "bob");
    bob.signIn("bob", "bob-pw", it::after(10s));
    bob.expect(isPrivate("one"), it::after(5s), "one");
    bob.expect(isPrivate("two"), it::after(5s), "two");
    bob.send(it::byeEnvelope("later"));
    BOOST_TEST(bob.waitClosed(it::after(5s)));
    ana.send(it::privateEnvelope("bob", "four", 6));
    BOOST_TEST(ana.expect(isPrivate("four"), it::after(5s), "kept again")
                   .envelope.message()
                   .private_seq() == 3u);
}

BOOST_AUTO_TEST_CASE(without_private_history_nothing_is_kept) {
    it::HubProcess hub(it::HubProcess::Settings{{"private.history", "false"}});
    it::registerNick(hub.port(), "ana", "ana-pw");
    it::registerNick(hub.port(), "bob", "bob-pw");
    it::RawClient ana(hub.port(), "ana");
    BOOST_TEST(!ana.signIn("ana", "ana-pw", it::after(10s)).private_history());
    ana.send(it::privateEnvelope("bob", "are you there", 1));
    BOOST_TEST(error(ana, "offline, not kept").code() == v1::ERROR_CODE_NO_SUCH_NICK);
    it::RawClient bob(hub.port(), "bob");
    bob.signIn("bob", "bob-pw", it::after(10s));
    ana.send(it::privateEnvelope("bob", "now you are", 2));
    BOOST_TEST(bob.expect(isPrivate("now you are"), it::after(5s), "live")
                   .envelope.message()
                   .private_seq() == 0u);
    bob.send(peerHistory("ana", 0));
    BOOST_TEST(error(bob, "no history").code() == v1::ERROR_CODE_UNSUPPORTED);
}

// hermes-cat: --to leaves lines for an offline account; --private-history
// prints the conversation, and its JSON carries the new fields.
BOOST_AUTO_TEST_CASE(hermes_cat_leaves_and_reads_private_messages) {
    it::HubProcess hub;
    it::registerNick(hub.port(), "ana", "ana-pw");
    it::registerNick(hub.port(), "bob", "bob-pw");
    hermes::test::TempDir dir("hermes-private-cat");
    for (const char* nick : {"ana", "bob"}) {
        std::ofstream(dir.file(nick)) << nick << "-pw\n";
    }
    const auto cat = [&](const std::string& nick, std::vector<std::string> extra) {
        std::vector<std::string> args{HERMES_IT_HERMES_CAT,
                                      "--port",
                                      std::to_string(hub.port()),
                                      "--nick",
                                      nick,
                                      "--room",
                                      "lobby",
                                      "--json",
                                      "--password-file",
                                      dir.file(nick)};
        args.insert(args.end(), extra.begin(), extra.end());
        return args;
    };
    {
        it::ToolProcess ana(cat("ana", {"--to", "bob"}), "first note\nsecond note\n");
        const auto exit = ana.waitExit(20s);
        BOOST_TEST_REQUIRE(exit.has_value());
        BOOST_TEST(exit->code == 0, ana.err());
        BOOST_TEST(ana.out().find("\"offline\":true") != std::string::npos, ana.out());
        BOOST_TEST(ana.out().find("\"private_seq\":2") != std::string::npos, ana.out());
    }
    it::ToolProcess bob(cat("bob", {"--private-history", "ana"}), "");
    const auto exit = bob.waitExit(20s);
    BOOST_TEST_REQUIRE(exit.has_value());
    BOOST_TEST(exit->code == 0, bob.err());
    const std::string out = bob.out();
    // Delivered at sign-in, marked, then in the conversation's page.
    const auto waited = out.find("\"waited\":true");
    const auto paged = out.find("\"peer\":\"ana\"");
    BOOST_TEST(waited != std::string::npos, out);
    BOOST_TEST(paged != std::string::npos, out);
    BOOST_TEST(out.find("first note") < out.find("second note"), out);

    // Without an account: a clear refusal, exit 6.
    it::ToolProcess carol({HERMES_IT_HERMES_CAT, "--port", std::to_string(hub.port()), "--nick",
                           "carol", "--room", "lobby", "--private-history", "ana"},
                          "");
    const auto refused = carol.waitExit(20s);
    BOOST_TEST_REQUIRE(refused.has_value());
    BOOST_TEST(refused->code == 6);
    BOOST_TEST(carol.err().find("sign in") != std::string::npos, carol.err());
}

// Signing in later (Identify, under another nick) delivers too: the
// account, not the nick, is what the messages waited for.
BOOST_AUTO_TEST_CASE(identify_delivers_what_waited) {
    it::HubProcess hub;
    it::registerNick(hub.port(), "ana", "ana-pw");
    it::registerNick(hub.port(), "bob", "bob-pw");
    it::RawClient ana(hub.port(), "ana");
    ana.signIn("ana", "ana-pw", it::after(10s));
    ana.send(it::privateEnvelope("bob", "for bob's account", 1));
    ana.expect(isPrivate("for bob's account"), it::after(5s), "echo");
    it::RawClient bob(hub.port(), "bob");
    bob.hello("bob_away", it::after(5s));
    BOOST_TEST(count(bob, isPrivate("for bob's account")) == 0u);  // not signed in: nothing
    bob.send(it::identifyEnvelope("bob", "bob-pw"));
    bob.expect(it::isAccountReply(v1::ACCOUNT_EVENT_IDENTIFIED), it::after(10s), "identified");
    const auto got = bob.expect(isPrivate("for bob's account"), it::after(5s), "waited");
    BOOST_TEST(got.envelope.message().waited());
    BOOST_TEST(got.envelope.message().to() == "bob");
}

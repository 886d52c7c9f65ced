// Replies, edits, deletes and reactions against a real hermesd: the sender
// edits and deletes, a non-sender is refused, an operator deletes anyone's;
// reactions count once per member; a reply to a seq the room does not have is
// refused; an account's author signs in again and edits, a later holder of an
// unregistered nick cannot; the events are in the room's sequence, so a
// client reading history after a hub restart (history.persist) sees them all
// and folds them to the final state. Authors survive a restart (schema
// version 6), reactions count once per account across nicks and devices, and
// a delete erases the text from history and search.
#define BOOST_TEST_MODULE ReactionsTest
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "BoostSupport.hpp"
#include "Frames.hpp"
#include "RawClient.hpp"
#include "ToolProcess.hpp"
#include "hermes/test/TempDir.hpp"

using namespace std::chrono_literals;
namespace it = hermes::it;
namespace v1 = hermes::v1;

using hermes::test::TempDir;

namespace {

const std::string kThumbs = "\xF0\x9F\x91\x8D";
const std::string kParty = "\xF0\x9F\x8E\x89";

it::HubProcess::Settings noLobby(it::HubProcess::Settings extra = {}) {
    extra.try_emplace("default_room", "");
    return extra;
}

using it::eventEnvelope;

v1::Envelope replyEnvelope(const std::string& room, std::uint64_t to, const std::string& text,
                           std::uint64_t id) {
    v1::Envelope e = it::sayEnvelope(room, text, id);
    e.mutable_say()->set_reply_to(to);
    return e;
}

// The ChatMessage echoed for client_msg_id `id`.
v1::ChatMessage echoOf(it::RawClient& client, std::uint64_t id) {
    return client
        .expect(
            [id](const it::Frame& f) {
                return f.envelope.has_message() && f.envelope.message().client_msg_id() == id;
            },
            it::after(10s), "echo of " + std::to_string(id))
        .envelope.message();
}

// The Error answering client_msg_id `id`; the client stays connected.
v1::Error refusalOf(it::RawClient& client, std::uint64_t id) {
    const v1::Error error =
        client
            .expect(
                [id](const it::Frame& f) {
                    return f.envelope.has_error() && f.envelope.error().client_msg_id() == id;
                },
                it::after(10s), "error for " + std::to_string(id))
            .envelope.error();
    BOOST_TEST(!error.fatal());
    client.sync(it::after(5s));
    BOOST_TEST(!client.closedByPeer());
    return error;
}

void join(it::RawClient& client, const std::string& room) {
    client.send(it::joinEnvelope(room));
    client.expect(it::isBody(v1::Envelope::kMembers), it::after(5s), "members of " + room);
}

// join() without the backlog page, so that history() gets its own answer.
void joinQuietly(it::RawClient& client, const std::string& room) {
    v1::Envelope e = it::joinEnvelope(room);
    e.mutable_join()->set_skip_backlog(true);
    client.send(e);
    client.expect(it::isBody(v1::Envelope::kMembers), it::after(5s), "members of " + room);
}

// A room's messages folded as a client shows them: text after edits,
// deleted, reactions counted by (reaction -> members, each by its newest
// nick). A member is its `reactor` (an account, or one connection).
struct Folded {
    std::string text;
    bool edited = false;
    bool deleted = false;
    std::uint64_t replyTo = 0;
    std::map<std::string, std::vector<std::string>> reactions;
    std::map<std::string, std::map<std::string, std::string>>
        reactors;  // reaction -> reactor -> nick
};

std::map<std::uint64_t, Folded> fold(const std::vector<v1::ChatMessage>& messages) {
    std::map<std::uint64_t, Folded> out;
    for (const v1::ChatMessage& m : messages) {
        switch (m.kind()) {
            case v1::MESSAGE_KIND_EDIT:
                out[m.target_seq()].text = m.text();
                out[m.target_seq()].edited = true;
                break;
            case v1::MESSAGE_KIND_DELETE:
                out[m.target_seq()].deleted = true;
                break;
            case v1::MESSAGE_KIND_REACT:
            case v1::MESSAGE_KIND_UNREACT: {
                Folded& target = out[m.target_seq()];
                auto& who = target.reactors[m.reaction()];
                if (m.kind() == v1::MESSAGE_KIND_REACT) {
                    who[m.reactor().empty() ? m.from() : m.reactor()] = m.from();
                } else {
                    who.erase(m.reactor().empty() ? m.from() : m.reactor());
                }
                auto& nicks = target.reactions[m.reaction()];
                nicks.clear();
                for (const auto& [reactor, nick] : who) {
                    nicks.push_back(nick);
                }
                break;
            }
            default:
                out[m.seq()].text = m.text();
                out[m.seq()].replyTo = m.reply_to();
                break;
        }
    }
    return out;
}

std::vector<v1::ChatMessage> history(it::RawClient& client, const std::string& room) {
    client.send(it::historyEnvelope(room, 0, 0));
    const v1::HistoryPage page =
        client.expect(it::isBody(v1::Envelope::kHistoryPage), it::after(10s), "history of " + room)
            .envelope.history_page();
    BOOST_TEST(!page.has_more());
    return {page.messages().begin(), page.messages().end()};
}

}  // namespace

BOOST_AUTO_TEST_CASE(the_sender_edits_and_deletes_a_non_sender_is_refused_an_operator_deletes) {
    it::HubGuard guard(noLobby());
    it::RawClient ana(guard.hub.port(), "ana");
    it::RawClient bob(guard.hub.port(), "bob");
    it::RawClient carol(guard.hub.port(), "carol");
    ana.hello("ana", it::after(5s));
    bob.hello("bob", it::after(5s));
    carol.hello("carol", it::after(5s));
    join(ana, "dev");  // creates it: ana is its operator
    join(bob, "dev");
    join(carol, "dev");

    bob.send(it::sayEnvelope("dev", "helo wrold", 1));
    const std::uint64_t seq = echoOf(bob, 1).seq();
    carol.send(eventEnvelope("dev", v1::MESSAGE_KIND_EDIT, seq, "carol was here", 2));
    BOOST_TEST(refusalOf(carol, 2).code() == v1::ERROR_CODE_NOT_AUTHOR);
    carol.send(eventEnvelope("dev", v1::MESSAGE_KIND_DELETE, seq, "", 3));
    BOOST_TEST(refusalOf(carol, 3).code() == v1::ERROR_CODE_NOT_AUTHOR);

    bob.send(eventEnvelope("dev", v1::MESSAGE_KIND_EDIT, seq, "hello world", 4));
    const v1::ChatMessage edit = echoOf(carol, 4);
    BOOST_TEST(edit.kind() == v1::MESSAGE_KIND_EDIT);
    BOOST_TEST(edit.seq() == seq + 1);
    BOOST_TEST(edit.target_seq() == seq);
    BOOST_TEST(edit.text() == "hello world");
    bob.send(eventEnvelope("dev", v1::MESSAGE_KIND_DELETE, seq, "", 5));
    const v1::ChatMessage del = echoOf(carol, 5);
    BOOST_TEST(del.kind() == v1::MESSAGE_KIND_DELETE);
    BOOST_TEST(del.seq() == seq + 2);

    // ana operates dev: she deletes carol's message; carol cannot undo it.
    carol.send(it::sayEnvelope("dev", "spam spam", 6));
    const std::uint64_t spam = echoOf(carol, 6).seq();
    ana.send(eventEnvelope("dev", v1::MESSAGE_KIND_DELETE, spam, "", 7));
    const v1::ChatMessage opDelete = echoOf(bob, 7);
    BOOST_TEST(opDelete.from() == "ana");
    BOOST_TEST(opDelete.target_seq() == spam);
    carol.send(eventEnvelope("dev", v1::MESSAGE_KIND_EDIT, spam, "spam again", 8));
    BOOST_TEST(refusalOf(carol, 8).code() == v1::ERROR_CODE_NO_SUCH_MESSAGE);
    guard.expectCleanStop();
}

BOOST_AUTO_TEST_CASE(reactions_count_once_per_member_and_a_reply_needs_a_message) {
    it::HubGuard guard(noLobby());
    it::RawClient ana(guard.hub.port(), "ana");
    it::RawClient bob(guard.hub.port(), "bob");
    ana.hello("ana", it::after(5s));
    bob.hello("bob", it::after(5s));
    join(ana, "dev");
    join(bob, "dev");
    ana.send(it::sayEnvelope("dev", "release at 5?", 1));
    const std::uint64_t seq = echoOf(ana, 1).seq();

    bob.send(eventEnvelope("dev", v1::MESSAGE_KIND_REACT, seq, kThumbs, 2));
    BOOST_TEST(echoOf(ana, 2).reaction() == kThumbs);
    bob.send(eventEnvelope("dev", v1::MESSAGE_KIND_REACT, seq, kThumbs, 3));
    const v1::Error twice = refusalOf(bob, 3);
    BOOST_TEST(twice.code() == v1::ERROR_CODE_REACTION_UNCHANGED);
    BOOST_TEST(twice.text().find("already") != std::string::npos, twice.text());
    ana.send(eventEnvelope("dev", v1::MESSAGE_KIND_REACT, seq, kThumbs, 4));
    echoOf(ana, 4);
    ana.send(eventEnvelope("dev", v1::MESSAGE_KIND_REACT, seq, kParty, 5));
    echoOf(ana, 5);
    bob.send(eventEnvelope("dev", v1::MESSAGE_KIND_UNREACT, seq, kParty, 6));
    BOOST_TEST(refusalOf(bob, 6).code() == v1::ERROR_CODE_REACTION_UNCHANGED);

    for (const std::uint64_t missing : {seq + 100, std::uint64_t{0} + 999}) {
        bob.send(replyEnvelope("dev", missing, "to nothing", 7));
        const v1::Error error = refusalOf(bob, 7);
        BOOST_TEST(error.code() == v1::ERROR_CODE_NO_SUCH_MESSAGE);
        BOOST_TEST(error.room() == "dev");
    }
    bob.send(replyEnvelope("dev", seq, "yes", 8));
    BOOST_TEST(echoOf(ana, 8).reply_to() == seq);

    const auto folded = fold(history(bob, "dev"));
    BOOST_TEST(folded.at(seq).reactions.at(kThumbs).size() == 2u);
    BOOST_TEST(folded.at(seq).reactions.at(kParty).size() == 1u);
    guard.expectCleanStop();
}

// Signed in, the author is the account, whichever connection; not signed
// in, the connection: bob, back under the same nick, is not the author.
BOOST_AUTO_TEST_CASE(an_account_edits_after_reconnecting_a_bare_nick_cannot) {
    it::HubGuard guard(noLobby());
    it::registerNick(guard.hub.port(), "ana", "anas password");
    std::uint64_t anaSeq = 0;
    std::uint64_t bobSeq = 0;
    {
        it::RawClient ana(guard.hub.port(), "ana");
        it::RawClient bob(guard.hub.port(), "bob");
        ana.signIn("ana", "anas password", it::after(10s));
        bob.hello("bob", it::after(5s));
        join(ana, "dev");
        join(bob, "dev");
        ana.send(it::sayEnvelope("dev", "signed", 1));
        anaSeq = echoOf(ana, 1).seq();
        bob.send(it::sayEnvelope("dev", "bare", 2));
        bobSeq = echoOf(bob, 2).seq();
        for (it::RawClient* client : {&ana, &bob}) {
            client->send(it::byeEnvelope("back soon"));
            BOOST_TEST_REQUIRE(client->waitClosed(it::after(5s)));
        }
    }
    it::RawClient ana(guard.hub.port(), "ana again");
    it::RawClient bob(guard.hub.port(), "bob again");
    ana.signIn("ana", "anas password", it::after(10s));
    bob.hello("bob", it::after(5s));
    join(ana, "dev");
    join(bob, "dev");
    ana.send(eventEnvelope("dev", v1::MESSAGE_KIND_EDIT, anaSeq, "signed, edited", 3));
    BOOST_TEST(echoOf(ana, 3).target_seq() == anaSeq);
    bob.send(eventEnvelope("dev", v1::MESSAGE_KIND_EDIT, bobSeq, "not mine", 4));
    BOOST_TEST(refusalOf(bob, 4).code() == v1::ERROR_CODE_NOT_AUTHOR);
    guard.expectCleanStop();
}

// hermes-cat sends them from its input commands and prints them in --json;
// a refused one (a second identical reaction, a delete of another's
// message) is an error on standard error and exit 6.
BOOST_AUTO_TEST_CASE(hermes_cat_sends_and_prints_them) {
    it::HubGuard guard(noLobby());
    it::RawClient ana(guard.hub.port(), "ana");
    ana.hello("ana", it::after(5s));
    join(ana, "dev");  // creates it: ana is its operator, the bot is not
    ana.send(it::sayEnvelope("dev", "ship it?", 1));
    BOOST_TEST_REQUIRE(echoOf(ana, 1).seq() == 1u);
    const std::string input = "/reply 1 on it\n/edit 2 on it now\n/react 1 " + kThumbs +
                              "\n/react 1 " + kThumbs + "\n/delete 1\n/reply nothing\n";
    it::ToolProcess cat(
        {HERMES_IT_HERMES_CAT, "--host", "127.0.0.1", "--port", std::to_string(guard.hub.port()),
         "--nick", "bot", "--room", "dev", "--timeout", "10", "--json"},
        input);
    const auto exit = cat.waitExit(30s);
    BOOST_TEST_REQUIRE(exit.has_value());
    BOOST_TEST(exit->code == 6, "stderr: " << cat.err());
    BOOST_TEST(cat.out().find(R"("code":"REACTION_UNCHANGED")") != std::string::npos, cat.out());
    BOOST_TEST(cat.out().find(R"("code":"NOT_AUTHOR")") != std::string::npos, cat.out());
    BOOST_TEST(cat.err().find("/reply needs a message's seq") != std::string::npos, cat.err());
    const std::string out = cat.out();
    BOOST_TEST(out.find(R"("kind":"text","text":"on it","reply_to":1)") != std::string::npos, out);
    BOOST_TEST(out.find(R"("kind":"edit","text":"on it now","target_seq":2)") != std::string::npos,
               out);
    BOOST_TEST(out.find(R"("kind":"react")") != std::string::npos, out);

    // What ana saw: the reply, the edit and one reaction, seqs 2-4, nothing else.
    const auto folded = fold(history(ana, "dev"));
    BOOST_TEST(folded.size() == 2u);
    BOOST_TEST(folded.at(2).replyTo == 1u);
    BOOST_TEST(folded.at(2).text == "on it now");
    BOOST_TEST(folded.at(1).reactions.at(kThumbs) == std::vector<std::string>{"bot"});
    BOOST_TEST(!folded.at(1).deleted);
    guard.expectCleanStop();
}

// The events are messages of the room's sequence: gapless seqs, stored, and
// after a restart a reconnecting client reads them from history and folds
// them to the final state; the hub still knows the reactions it counted.
BOOST_AUTO_TEST_CASE(a_restart_keeps_the_events_and_backfill_folds_to_the_final_state) {
    TempDir dir;
    it::HubProcess::Settings settings = noLobby();
    settings["history.persist"] = "true";
    settings["history.path"] = dir.path + "/history.db";
    std::uint64_t first = 0;
    {
        it::HubGuard guard(settings);
        it::RawClient ana(guard.hub.port(), "ana");
        it::RawClient bob(guard.hub.port(), "bob");
        ana.hello("ana", it::after(5s));
        bob.hello("bob", it::after(5s));
        join(ana, "dev");
        join(bob, "dev");
        ana.send(it::sayEnvelope("dev", "frist", 1));
        first = echoOf(ana, 1).seq();
        ana.send(it::sayEnvelope("dev", "oops", 2));
        const std::uint64_t oops = echoOf(ana, 2).seq();
        ana.send(eventEnvelope("dev", v1::MESSAGE_KIND_EDIT, first, "first", 3));
        ana.send(eventEnvelope("dev", v1::MESSAGE_KIND_DELETE, oops, "", 4));
        bob.send(replyEnvelope("dev", first, "welcome", 5));
        bob.send(eventEnvelope("dev", v1::MESSAGE_KIND_REACT, first, kThumbs, 6));
        bob.send(eventEnvelope("dev", v1::MESSAGE_KIND_REACT, first, kParty, 7));
        bob.send(eventEnvelope("dev", v1::MESSAGE_KIND_UNREACT, first, kParty, 8));
        echoOf(bob, 8);
        guard.expectCleanStop();
    }
    it::HubGuard guard(settings);
    it::RawClient carol(guard.hub.port(), "carol");
    carol.hello("carol", it::after(5s));
    const std::vector<v1::ChatMessage> messages = history(carol, "dev");
    BOOST_TEST_REQUIRE(messages.size() == 8u);
    for (std::size_t i = 0; i < messages.size(); ++i) {
        BOOST_TEST(messages[i].seq() == first + i);  // gapless, events included
    }
    const auto folded = fold(messages);
    BOOST_TEST(folded.at(first).text == "first");
    BOOST_TEST(folded.at(first).edited);
    BOOST_TEST(folded.at(first + 1).deleted);
    BOOST_TEST(folded.at(first + 4).replyTo == first);
    BOOST_TEST(folded.at(first).reactions.at(kThumbs) == std::vector<std::string>{"bob"});
    BOOST_TEST(folded.at(first).reactions.at(kParty).empty());

    // The deleted message's text is gone from history, its seq is not.
    BOOST_TEST(messages[1].seq() == first + 1);
    BOOST_TEST(messages[1].text().empty());

    // The restarted hub rebuilt its ledger from the store: bob's reaction
    // still counts under the connection that made it (he was not signed in:
    // the bob of a new connection is another member), and the deleted
    // message stays deleted.
    it::RawClient bob(guard.hub.port(), "bob");
    bob.hello("bob", it::after(5s));
    join(bob, "dev");
    bob.send(eventEnvelope("dev", v1::MESSAGE_KIND_UNREACT, first, kThumbs, 9));
    BOOST_TEST(refusalOf(bob, 9).code() == v1::ERROR_CODE_REACTION_UNCHANGED);
    bob.send(replyEnvelope("dev", first + 1, "what was it?", 10));
    BOOST_TEST(refusalOf(bob, 10).code() == v1::ERROR_CODE_NO_SUCH_MESSAGE);
    bob.send(eventEnvelope("dev", v1::MESSAGE_KIND_REACT, first + 1, kThumbs, 11));
    BOOST_TEST(refusalOf(bob, 11).code() == v1::ERROR_CODE_NO_SUCH_MESSAGE);
    guard.expectCleanStop();
}

namespace {

// The hits of a search in `room`, as seqs, newest first.
std::vector<std::uint64_t> searchSeqs(it::RawClient& client, const std::string& room,
                                      const std::string& query) {
    v1::Envelope e;
    e.mutable_search_request()->set_room(room);
    e.mutable_search_request()->set_query(query);
    e.mutable_search_request()->set_limit(50);
    client.send(e);
    const v1::SearchResults results =
        client.expect(it::isBody(v1::Envelope::kSearchResults), it::after(10s), "search " + query)
            .envelope.search_results();
    std::vector<std::uint64_t> out;
    for (const v1::ChatMessage& m : results.messages()) {
        out.push_back(m.seq());
    }
    return out;
}

}  // namespace

// Authors are stored (schema version 6): after a restart of the hub on the
// same database, the author (an account) edits and deletes its messages,
// another account is refused with NOT_AUTHOR, and a message from a session
// that was not signed in is no one's to edit. A reaction counts once per
// account: a nick change or a second device does not react twice, and the
// events name the same reactor under whatever nick. A delete erases the text:
// search finds it neither before nor after the restart, history shows the
// seq with no text; an edited message is found by its newest text only.
BOOST_AUTO_TEST_CASE(authors_survive_a_restart_reactions_count_per_account_deletes_erase) {
    TempDir dir;
    it::HubProcess::Settings settings = noLobby();
    settings["history.persist"] = "true";
    settings["history.path"] = dir.path + "/history.db";
    std::uint64_t plan = 0, typo = 0, bare = 0;
    {
        it::HubGuard guard(settings);
        it::registerNick(guard.hub.port(), "ana", "anas password");
        it::registerNick(guard.hub.port(), "carol", "carols password");
        it::RawClient ana(guard.hub.port(), "ana");
        it::RawClient bob(guard.hub.port(), "bob");
        it::RawClient carol(guard.hub.port(), "carol");
        it::RawClient phone(guard.hub.port(), "carol's phone");
        ana.signIn("ana", "anas password", it::after(10s));
        bob.hello("bob", it::after(5s));
        carol.signIn("carol", "carols password", it::after(10s));
        phone.hello("carol_phone", it::after(5s));
        phone.send(it::identifyEnvelope("carol", "carols password"));
        phone.expect(it::isBody(v1::Envelope::kAccountReply), it::after(10s), "identified");
        for (it::RawClient* c : {&ana, &bob, &carol, &phone}) {
            join(*c, "dev");
        }
        ana.send(it::sayEnvelope("dev", "plan zebra one", 1));
        plan = echoOf(ana, 1).seq();
        ana.send(it::sayEnvelope("dev", "typo walrus", 2));
        typo = echoOf(ana, 2).seq();
        bob.send(it::sayEnvelope("dev", "bare message", 3));
        bare = echoOf(bob, 3).seq();

        carol.send(eventEnvelope("dev", v1::MESSAGE_KIND_REACT, plan, kThumbs, 4));
        const v1::ChatMessage reacted = echoOf(carol, 4);
        BOOST_TEST(reacted.reactor() == "carol");
        carol.send(it::setNickEnvelope("carla"));
        carol.sync(it::after(5s));
        carol.send(eventEnvelope("dev", v1::MESSAGE_KIND_REACT, plan, kThumbs, 5));
        BOOST_TEST(refusalOf(carol, 5).code() == v1::ERROR_CODE_REACTION_UNCHANGED);
        phone.send(eventEnvelope("dev", v1::MESSAGE_KIND_REACT, plan, kThumbs, 6));
        BOOST_TEST(refusalOf(phone, 6).code() == v1::ERROR_CODE_REACTION_UNCHANGED);
        phone.send(eventEnvelope("dev", v1::MESSAGE_KIND_REACT, plan, kParty, 7));
        const v1::ChatMessage party = echoOf(phone, 7);
        BOOST_TEST(party.from() == "carol_phone");
        BOOST_TEST(party.reactor() == "carol");

        // Before the restart: the typo is found, deleted, found no more.
        BOOST_TEST(searchSeqs(ana, "dev", "walrus") == std::vector<std::uint64_t>{typo});
        ana.send(eventEnvelope("dev", v1::MESSAGE_KIND_DELETE, typo, "", 8));
        echoOf(ana, 8);
        BOOST_TEST(searchSeqs(ana, "dev", "walrus").empty());
        guard.expectCleanStop();
    }
    it::HubGuard guard(settings);  // the same database
    it::RawClient ana(guard.hub.port(), "ana");
    it::RawClient bob(guard.hub.port(), "bob");
    it::RawClient carol(guard.hub.port(), "carol");
    ana.signIn("ana", "anas password", it::after(10s));
    bob.hello("bob", it::after(5s));
    carol.signIn("carol", "carols password", it::after(10s));
    for (it::RawClient* c : {&ana, &bob, &carol}) {
        joinQuietly(*c, "dev");
    }
    // The erased text stays gone after the restart; the seq stays.
    BOOST_TEST(searchSeqs(carol, "dev", "walrus").empty());
    const auto folded = fold(history(carol, "dev"));
    BOOST_TEST(folded.at(typo).deleted);
    BOOST_TEST(folded.at(typo).text.empty());
    // carol's reactions, counted once, shown under her newest nick.
    BOOST_TEST(folded.at(plan).reactions.at(kThumbs) == std::vector<std::string>{"carol"});
    BOOST_TEST(folded.at(plan).reactions.at(kParty) == std::vector<std::string>{"carol_phone"});
    carol.send(eventEnvelope("dev", v1::MESSAGE_KIND_REACT, plan, kThumbs, 1));
    BOOST_TEST(refusalOf(carol, 1).code() == v1::ERROR_CODE_REACTION_UNCHANGED);

    // Another account may not edit or delete ana's message.
    carol.send(eventEnvelope("dev", v1::MESSAGE_KIND_EDIT, plan, "carol's now", 2));
    const v1::Error notAuthor = refusalOf(carol, 2);
    BOOST_TEST(notAuthor.code() == v1::ERROR_CODE_NOT_AUTHOR);
    carol.send(eventEnvelope("dev", v1::MESSAGE_KIND_DELETE, plan, "", 3));
    BOOST_TEST(refusalOf(carol, 3).code() == v1::ERROR_CODE_NOT_AUTHOR);
    // Nor may anyone edit bob's: he was not signed in and his session is gone.
    bob.send(eventEnvelope("dev", v1::MESSAGE_KIND_EDIT, bare, "mine?", 4));
    const v1::Error gone = refusalOf(bob, 4);
    BOOST_TEST(gone.code() == v1::ERROR_CODE_NOT_AUTHOR);
    BOOST_TEST(gone.text().find("not signed in") != std::string::npos, gone.text());

    // ana, the author, edits and then deletes after the restart.
    ana.send(eventEnvelope("dev", v1::MESSAGE_KIND_EDIT, plan, "plan yak two", 5));
    BOOST_TEST(echoOf(ana, 5).target_seq() == plan);
    BOOST_TEST(searchSeqs(ana, "dev", "zebra").empty());  // the old text no longer matches
    const std::vector<std::uint64_t> yak = searchSeqs(ana, "dev", "yak");
    BOOST_TEST_REQUIRE(yak.size() == 1u);  // the edit, naming the message
    ana.send(eventEnvelope("dev", v1::MESSAGE_KIND_DELETE, plan, "", 6));
    BOOST_TEST(echoOf(ana, 6).target_seq() == plan);
    BOOST_TEST(searchSeqs(ana, "dev", "yak").empty());
    BOOST_TEST(searchSeqs(ana, "dev", "plan").empty());
    const std::vector<v1::ChatMessage> after = history(carol, "dev");
    for (const v1::ChatMessage& m : after) {
        if (m.seq() == plan || m.seq() == yak[0]) {
            BOOST_TEST(m.text().empty(), "seq " << m.seq() << " still says " << m.text());
        }
    }
    // A reply to, or a reaction on, a deleted message is refused.
    carol.send(replyEnvelope("dev", plan, "what was it?", 7));
    BOOST_TEST(refusalOf(carol, 7).code() == v1::ERROR_CODE_NO_SUCH_MESSAGE);
    carol.send(eventEnvelope("dev", v1::MESSAGE_KIND_UNREACT, plan, kThumbs, 8));
    BOOST_TEST(refusalOf(carol, 8).code() == v1::ERROR_CODE_NO_SUCH_MESSAGE);
    guard.expectCleanStop();
}

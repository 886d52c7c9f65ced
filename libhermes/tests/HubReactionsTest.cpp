#define BOOST_TEST_MODULE hub_reactions
#include <boost/test/unit_test.hpp>

#include "HubTestHarness.hpp"
#include "hermes/hub/MemoryHistory.hpp"

// Replies, edits, deletes and reactions (MessageLedger): each is a message of
// the room's sequence, checked against the room's newest seqs.

using namespace hermes;
using namespace hermes::hub;
using namespace hermes::hub::test;

namespace {

v1::Envelope event(const std::string& room, std::uint64_t id, v1::MessageKind kind,
                   std::uint64_t target, const std::string& text = {}) {
    v1::Envelope e = say(room, id, text, kind);
    e.mutable_say()->set_target_seq(target);
    return e;
}

v1::Envelope reply(const std::string& room, std::uint64_t id, std::uint64_t to,
                   const std::string& text) {
    v1::Envelope e = say(room, id, text);
    e.mutable_say()->set_reply_to(to);
    return e;
}

// ana (who made room "r": its operator), bob and carol.
struct Room3 {
    HubHarness h;
    SessionId ana = 0, bob = 0, carol = 0;
    explicit Room3(HubConfig config = testConfig(), std::unique_ptr<HistoryStore> store = nullptr)
        : h(config, 77, std::move(store)) {
        ana = h.login("ana");
        bob = h.login("bob");
        carol = h.login("carol");
        for (const SessionId id : {ana, bob, carol}) {
            h.send(id, join("r"));
        }
        clearAll();
    }
    void clearAll() {
        for (const SessionId id : {ana, bob, carol}) {
            h.clear(id);
        }
    }
    // The one frame `id` got: a ChatMessage or an Error.
    v1::Envelope only(SessionId id) {
        auto got = h.take(id);
        BOOST_TEST_REQUIRE(got.size() == 1u);
        return got[0];
    }
    v1::ErrorCode refused(SessionId id) {
        const v1::Envelope e = only(id);
        BOOST_TEST_REQUIRE(e.has_error());
        BOOST_TEST(!e.error().fatal());
        BOOST_TEST(e.error().room() == "r");
        return e.error().code();
    }
};

}  // namespace

BOOST_AUTO_TEST_CASE(a_reply_names_a_seq_the_room_has) {
    Room3 f;
    f.h.send(f.bob, say("r", 1, "lunch?"));
    f.clearAll();
    f.h.send(f.ana, reply("r", 2, 1, "yes"));
    const v1::ChatMessage m = f.only(f.carol).message();
    BOOST_TEST(m.seq() == 2u);
    BOOST_TEST(m.reply_to() == 1u);
    BOOST_TEST(m.text() == "yes");
    f.clearAll();
    for (const std::uint64_t missing : {3ull, 99ull}) {
        f.h.send(f.ana, reply("r", 3, missing, "to nothing"));
        BOOST_TEST(f.refused(f.ana) == v1::ERROR_CODE_NO_SUCH_MESSAGE);
    }
    BOOST_TEST(f.h.take(f.carol).empty());  // nothing relayed, no seq taken
    // The next plain message carries no reply_to from the one before.
    f.h.send(f.ana, say("r", 4, "plain"));
    const v1::ChatMessage plain = f.only(f.carol).message();
    BOOST_TEST(plain.seq() == 3u);
    BOOST_TEST(plain.reply_to() == 0u);
}

BOOST_AUTO_TEST_CASE(the_sender_edits_and_deletes_others_are_refused) {
    Room3 f;
    f.h.send(f.bob, say("r", 1, "helo"));
    f.clearAll();
    f.h.send(f.carol, event("r", 2, v1::MESSAGE_KIND_EDIT, 1, "hacked"));
    BOOST_TEST(f.refused(f.carol) == v1::ERROR_CODE_NOT_AUTHOR);
    f.h.send(f.carol, event("r", 3, v1::MESSAGE_KIND_DELETE, 1));
    BOOST_TEST(f.refused(f.carol) == v1::ERROR_CODE_NOT_AUTHOR);
    // The operator may delete, but not edit, another's message.
    f.h.send(f.ana, event("r", 4, v1::MESSAGE_KIND_EDIT, 1, "hacked"));
    BOOST_TEST(f.refused(f.ana) == v1::ERROR_CODE_NOT_AUTHOR);
    BOOST_TEST(f.h.take(f.bob).empty());

    f.h.send(f.bob, event("r", 5, v1::MESSAGE_KIND_EDIT, 1, "hello"));
    const v1::ChatMessage edit = f.only(f.carol).message();
    BOOST_TEST(edit.seq() == 2u);
    BOOST_TEST(edit.kind() == v1::MESSAGE_KIND_EDIT);
    BOOST_TEST(edit.target_seq() == 1u);
    BOOST_TEST(edit.text() == "hello");
    BOOST_TEST(edit.from() == "bob");
    // An edit is an event, not a message: it cannot be edited in turn.
    f.h.clear(f.bob);
    f.h.send(f.bob, event("r", 6, v1::MESSAGE_KIND_EDIT, 2, "again"));
    BOOST_TEST(f.refused(f.bob) == v1::ERROR_CODE_NO_SUCH_MESSAGE);

    f.h.send(f.bob, event("r", 7, v1::MESSAGE_KIND_DELETE, 1));
    const v1::ChatMessage del = f.only(f.carol).message();
    BOOST_TEST(del.seq() == 3u);
    BOOST_TEST(del.kind() == v1::MESSAGE_KIND_DELETE);
    BOOST_TEST(del.text() == "deleted message 1");
    f.h.clear(f.bob);
    // Gone: no edit, reply or reaction after it.
    f.h.send(f.bob, event("r", 8, v1::MESSAGE_KIND_EDIT, 1, "back"));
    BOOST_TEST(f.refused(f.bob) == v1::ERROR_CODE_NO_SUCH_MESSAGE);
    f.h.send(f.carol, reply("r", 9, 1, "what was it?"));
    BOOST_TEST(f.refused(f.carol) == v1::ERROR_CODE_NO_SUCH_MESSAGE);
}

BOOST_AUTO_TEST_CASE(an_operator_deletes_anyones_message) {
    Room3 f;
    f.h.send(f.bob, say("r", 1, "spam"));
    f.clearAll();
    f.h.send(f.ana, event("r", 2, v1::MESSAGE_KIND_DELETE, 1));
    const v1::ChatMessage del = f.only(f.bob).message();
    BOOST_TEST(del.kind() == v1::MESSAGE_KIND_DELETE);
    BOOST_TEST(del.from() == "ana");
    BOOST_TEST(del.target_seq() == 1u);
}

// A nick that is not signed in: its author is the session, so whoever takes
// the nick after it left is not.
BOOST_AUTO_TEST_CASE(a_later_holder_of_the_nick_is_not_the_author) {
    Room3 f;
    f.h.send(f.bob, say("r", 1, "mine"));
    v1::Envelope bye;
    bye.mutable_bye()->set_reason(v1::BYE_REASON_CLIENT_QUIT);
    f.h.send(f.bob, bye);
    f.h.pump();
    const SessionId bob2 = f.h.login("bob");
    f.h.send(bob2, join("r"));
    f.h.clear(bob2);
    f.h.send(bob2, event("r", 2, v1::MESSAGE_KIND_EDIT, 1, "not mine"));
    const auto got = f.h.take(bob2);
    BOOST_TEST_REQUIRE(got.size() == 1u);
    BOOST_TEST_REQUIRE(got[0].has_error());
    BOOST_TEST(got[0].error().code() == v1::ERROR_CODE_NOT_AUTHOR);
}

BOOST_AUTO_TEST_CASE(reactions_count_once_per_member) {
    Room3 f;
    f.h.send(f.bob, say("r", 1, "ship it"));
    f.clearAll();
    const std::string thumbs = "\xF0\x9F\x91\x8D";
    f.h.send(f.ana, event("r", 2, v1::MESSAGE_KIND_REACT, 1, thumbs));
    const v1::ChatMessage react = f.only(f.carol).message();
    BOOST_TEST(react.kind() == v1::MESSAGE_KIND_REACT);
    BOOST_TEST(react.reaction() == thumbs);
    BOOST_TEST(react.target_seq() == 1u);
    BOOST_TEST(react.text() == "reacted " + thumbs + " to message 1");
    f.clearAll();
    f.h.send(f.ana, event("r", 3, v1::MESSAGE_KIND_REACT, 1, thumbs));
    BOOST_TEST(f.refused(f.ana) == v1::ERROR_CODE_REACTION_UNCHANGED);
    f.h.send(f.carol, event("r", 4, v1::MESSAGE_KIND_REACT, 1, thumbs));
    BOOST_TEST(f.only(f.bob).message().seq() == 3u);
    f.h.clear(f.carol);
    f.h.send(f.carol, event("r", 5, v1::MESSAGE_KIND_UNREACT, 1, thumbs));
    const v1::ChatMessage unreact = f.only(f.bob).message();
    BOOST_TEST(unreact.kind() == v1::MESSAGE_KIND_UNREACT);
    BOOST_TEST(unreact.text() == "removed reaction " + thumbs + " from message 1");
    f.h.clear(f.carol);
    f.h.send(f.carol, event("r", 6, v1::MESSAGE_KIND_UNREACT, 1, thumbs));
    BOOST_TEST(f.refused(f.carol) == v1::ERROR_CODE_REACTION_UNCHANGED);
    // Bad reactions: empty, spaces, too long.
    for (const std::string& bad : {std::string(), std::string("two words"), std::string(40, 'x')}) {
        f.h.send(f.carol, event("r", 7, v1::MESSAGE_KIND_REACT, 1, bad));
        BOOST_TEST(f.refused(f.carol) == v1::ERROR_CODE_INVALID_REACTION);
    }
    // A reply_to on an event makes no sense.
    v1::Envelope both = event("r", 8, v1::MESSAGE_KIND_REACT, 1, thumbs);
    both.mutable_say()->set_reply_to(1);
    f.h.send(f.carol, both);
    BOOST_TEST(f.refused(f.carol) == v1::ERROR_CODE_UNSUPPORTED);
}

// A reaction is counted under its reactor, not its nick: a session that is
// not signed in is one reactor under any nick, and every client is told it.
BOOST_AUTO_TEST_CASE(a_nick_change_does_not_make_a_second_reactor) {
    Room3 f;
    f.h.send(f.bob, say("r", 1, "ship it"));
    f.clearAll();
    f.h.send(f.carol, event("r", 2, v1::MESSAGE_KIND_REACT, 1, "ok"));
    const v1::ChatMessage first = f.only(f.ana).message();
    BOOST_TEST(first.from() == "carol");
    BOOST_TEST_REQUIRE(!first.reactor().empty());
    BOOST_TEST(first.reactor().front() == '~');  // a session's, not an account's
    f.clearAll();
    v1::Envelope rename;
    rename.mutable_set_nick()->set_nick("carla");
    f.h.send(f.carol, rename);
    f.clearAll();
    f.h.send(f.carol, event("r", 3, v1::MESSAGE_KIND_REACT, 1, "ok"));
    BOOST_TEST(f.refused(f.carol) == v1::ERROR_CODE_REACTION_UNCHANGED);
    f.h.send(f.carol, event("r", 4, v1::MESSAGE_KIND_UNREACT, 1, "ok"));
    const v1::ChatMessage removed = f.only(f.ana).message();
    BOOST_TEST(removed.from() == "carla");  // shown by the current nick
    BOOST_TEST(removed.reactor() == first.reactor());
    // A plain message after a reaction carries no reactor.
    f.clearAll();
    f.h.send(f.bob, say("r", 5, "next"));
    BOOST_TEST(f.only(f.ana).message().reactor().empty());
}

BOOST_AUTO_TEST_CASE(seqs_below_the_window_are_too_old) {
    HubConfig config = testConfig();
    config.editWindow = 4;
    config.ratePerSecond = 0;
    Room3 f(config);
    for (std::uint64_t i = 1; i <= 6; ++i) {
        f.h.send(f.bob, say("r", i, "m" + std::to_string(i)));
    }
    f.clearAll();
    f.h.send(f.bob, event("r", 7, v1::MESSAGE_KIND_EDIT, 2, "late"));
    BOOST_TEST(f.refused(f.bob) == v1::ERROR_CODE_NO_SUCH_MESSAGE);
    f.h.send(f.bob, event("r", 8, v1::MESSAGE_KIND_EDIT, 3, "in time"));
    BOOST_TEST(f.only(f.bob).message().seq() == 7u);
}

// At start the ledger is filled from the store: deletes stay, and a message
// from before the start that has no author (its session is gone; an
// account's stays its author, see ReactionsTest in integration-tests) may be
// deleted by an operator but not edited. A reaction made by a session that
// was not signed in stays that session's: a new session is another member.
BOOST_AUTO_TEST_CASE(a_restarted_hub_remembers_reactions_and_deletes) {
    // MemoryHistory that lists its rooms, as a persistent store does.
    struct Listing : MemoryHistory {
        Listing() : MemoryHistory(100) {}
        std::vector<StoredRoom> rooms() const override {
            StoredRoom room;
            room.name = "r";
            room.lastSeq = lastSeq("r");
            return {room};
        }
    };
    auto store = std::make_unique<Listing>();
    const auto stored = [&](std::uint64_t seq, const std::string& from, v1::MessageKind kind,
                            std::uint64_t target, const std::string& reaction) {
        v1::ChatMessage m;
        m.set_room("r");
        m.set_seq(seq);
        m.set_from(from);
        m.set_kind(kind);
        m.set_text("x");
        m.set_target_seq(target);
        m.set_reaction(reaction);
        store->append(m);
    };
    stored(1, "bob", v1::MESSAGE_KIND_TEXT, 0, "");
    stored(2, "carol", v1::MESSAGE_KIND_REACT, 1, "ok");
    stored(3, "bob", v1::MESSAGE_KIND_TEXT, 0, "");
    stored(4, "bob", v1::MESSAGE_KIND_DELETE, 3, "");
    Room3 f(testConfig(), std::move(store));
    f.h.send(f.carol, event("r", 1, v1::MESSAGE_KIND_UNREACT, 1, "ok"));
    BOOST_TEST(f.refused(f.carol) == v1::ERROR_CODE_REACTION_UNCHANGED);
    f.h.send(f.carol, reply("r", 2, 3, "?"));
    BOOST_TEST(f.refused(f.carol) == v1::ERROR_CODE_NO_SUCH_MESSAGE);
    f.h.send(f.bob, event("r", 3, v1::MESSAGE_KIND_EDIT, 1, "mine?"));
    BOOST_TEST(f.refused(f.bob) == v1::ERROR_CODE_NOT_AUTHOR);
    // "r" existed before ana joined: she is no operator of it.
    f.h.send(f.ana, event("r", 4, v1::MESSAGE_KIND_DELETE, 1));
    BOOST_TEST(f.refused(f.ana) == v1::ERROR_CODE_NOT_AUTHOR);
    f.h.send(f.carol, reply("r", 5, 1, "still here"));
    BOOST_TEST(f.only(f.carol).message().seq() == 5u);
    f.clearAll();
    f.h.send(f.carol, event("r", 6, v1::MESSAGE_KIND_REACT, 1, "ok"));
    BOOST_TEST(f.only(f.carol).message().seq() == 6u);
}

// ConversationTracker: a private message delivered again (the same
// private_seq in its conversation, either direction, any case of the peer's
// nick) is dropped; messages the hub did not number always pass; a hub
// without durable history that restarts numbers conversations from 1 again.
#define BOOST_TEST_MODULE client_conversation_tracker
#include <boost/test/unit_test.hpp>

#include <string>

#include "hermes/client/ConversationTracker.hpp"

using hermes::client::ConversationTracker;

namespace {

hermes::v1::ChatMessage pm(const std::string& from, const std::string& to, std::uint64_t seq) {
    hermes::v1::ChatMessage m;
    m.set_from(from);
    m.set_to(to);
    m.set_private_seq(seq);
    m.set_text("x");
    return m;
}

hermes::v1::Welcome welcome(std::uint64_t epoch, bool durable) {
    hermes::v1::Welcome w;
    w.set_nick("bob");
    w.set_epoch(epoch);
    w.set_durable_history(durable);
    return w;
}

}  // namespace

BOOST_AUTO_TEST_CASE(a_conversation_seq_is_delivered_once_in_either_direction) {
    ConversationTracker t;
    t.onWelcome(welcome(1, true));
    BOOST_TEST(t.accept(pm("ana", "bob", 1), "bob"));    // waited
    BOOST_TEST(!t.accept(pm("ana", "bob", 1), "bob"));   // delivered again after a crash
    BOOST_TEST(t.accept(pm("bob", "ana", 2), "bob"));    // our own, the same conversation
    BOOST_TEST(!t.accept(pm("ANA", "bob", 2), "BOB"));   // case does not make it new
    BOOST_TEST(t.accept(pm("carol", "bob", 1), "bob"));  // another conversation
    BOOST_TEST(t.lastSeq("Ana") == 2u);
    BOOST_TEST(t.lastSeq("carol") == 1u);
}

BOOST_AUTO_TEST_CASE(unnumbered_private_messages_always_pass) {
    ConversationTracker t;
    BOOST_TEST(t.accept(pm("gus", "bob", 0), "bob"));
    BOOST_TEST(t.accept(pm("gus", "bob", 0), "bob"));
}

BOOST_AUTO_TEST_CASE(a_hub_without_durable_history_starts_again_from_one) {
    ConversationTracker t;
    t.onWelcome(welcome(1, false));
    BOOST_TEST(t.accept(pm("ana", "bob", 3), "bob"));
    t.onWelcome(welcome(1, false));  // a reconnect to the same hub: kept
    BOOST_TEST(!t.accept(pm("ana", "bob", 3), "bob"));
    t.onWelcome(welcome(2, true));  // durable: seqs continue, kept
    BOOST_TEST(!t.accept(pm("ana", "bob", 2), "bob"));
    t.onWelcome(welcome(3, false));  // restarted without durable history
    BOOST_TEST(t.accept(pm("ana", "bob", 1), "bob"));
}

BOOST_AUTO_TEST_CASE(another_hub_of_a_cluster_numbers_its_own_copy) {
    // One epoch for the cluster, but each hub keeps (and numbers) its own
    // copy of a conversation: a move to another hub starts afresh, so a
    // shorter copy's next messages are not taken for ones seen.
    ConversationTracker t;
    t.onWelcome(welcome(7, true));
    BOOST_TEST(t.accept(pm("ana", "bob", 9), "bob"));
    t.onWelcome(welcome(7, true), false);  // the next hub of the list
    BOOST_TEST(t.accept(pm("ana", "bob", 4), "bob"));
    BOOST_TEST(!t.accept(pm("ana", "bob", 4), "bob"));
}

BOOST_AUTO_TEST_CASE(our_accounts_messages_from_another_session_are_ours) {
    // This session is bob_phone, signed in to bob: bob's laptop's copy of
    // its message to ana (from "bob") is in the conversation with ana.
    ConversationTracker t;
    hermes::v1::Welcome w = welcome(1, true);
    w.set_nick("bob_phone");
    t.onWelcome(w);
    BOOST_TEST(t.accept(pm("bob", "ana", 1), "bob_phone"));
    BOOST_TEST(t.lastSeq("bob") == 1u);  // the account not known yet: taken for peer "bob"
    t.onAccount("Bob");                  // Identify
    BOOST_TEST(t.accept(pm("bob", "ana", 2), "bob_phone"));
    BOOST_TEST(t.lastSeq("ana") == 2u);
    BOOST_TEST(!t.accept(pm("ana", "bob", 2), "bob_phone"));  // the same seq, seen
    BOOST_TEST(t.accept(pm("ana", "bob", 3), "bob_phone"));
    t.onAccount("");  // signed out: from "bob" is a peer again
    BOOST_TEST(t.accept(pm("bob", "ana", 4), "bob_phone"));
    BOOST_TEST(t.lastSeq("bob") == 4u);
}

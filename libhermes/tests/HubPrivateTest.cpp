// Private conversations in the sans-io hub (Conversations.hpp), in memory,
// with every invariant checked after each step: messages between two
// signed-in accounts get a gapless private_seq and are kept, messages with
// a nick that is not its account's are not, a room message stamped after a
// private one carries none of its fields (the Stamper reuses its message),
// and a peer's history is served to the account's sessions only. Waiting
// for an offline account needs a registered account, which only the hashing
// thread makes: integration-tests/PrivateHistoryTest.cpp covers it.
#define BOOST_TEST_MODULE hub_private
#include <boost/test/unit_test.hpp>

#include <string>
#include <vector>

#include "HubTestHarness.hpp"

using namespace hermes;
using namespace hermes::hub;
using namespace hermes::hub::test;

namespace {

v1::Envelope peerHistory(const std::string& peer, std::uint64_t afterSeq) {
    v1::Envelope e;
    e.mutable_history_request()->set_peer(peer);
    e.mutable_history_request()->set_after_seq(afterSeq);
    return e;
}

const v1::ChatMessage* lastMessage(HubHarness& h, SessionId id) {
    const v1::ChatMessage* found = nullptr;
    for (const v1::Envelope& e : h.peers[id].inbox) {
        if (e.has_message()) {
            found = &e.message();
        }
    }
    return found;
}

const v1::Envelope* lastOf(HubHarness& h, SessionId id, v1::Envelope::BodyCase body) {
    const v1::Envelope* found = nullptr;
    for (const v1::Envelope& e : h.peers[id].inbox) {
        if (e.body_case() == body) {
            found = &e;
        }
    }
    return found;
}

std::vector<std::uint64_t> privateSeqs(const v1::HistoryPage& page) {
    std::vector<std::uint64_t> seqs;
    for (const auto& m : page.messages()) {
        BOOST_TEST(m.seq() == 0u);
        BOOST_TEST(m.room().empty());
        seqs.push_back(m.private_seq());
    }
    return seqs;
}

}  // namespace

BOOST_AUTO_TEST_CASE(a_conversation_between_accounts_is_numbered_kept_and_served_to_its_parties) {
    HubHarness h;
    const SessionId ana = h.login("ana");
    const SessionId bob = h.login("bob");
    const SessionId carol = h.login("carol");
    h.hub.testSignIn(ana, "ana", h.now);
    h.hub.testSignIn(bob, "Bob", h.now);  // the account as registered: any case
    h.hub.testSignIn(carol, "carol", h.now);
    h.send(ana, privateMessage("bob", 1, "one"));
    h.send(bob, privateMessage("ANA", 2, "two"));
    h.send(ana, privateMessage("bob", 3, "three"));
    const v1::ChatMessage* got = lastMessage(h, bob);
    BOOST_TEST_REQUIRE(got != nullptr);
    BOOST_TEST(got->private_seq() == 3u);
    BOOST_TEST(got->seq() == 0u);
    BOOST_TEST(!got->waited());
    BOOST_TEST(!got->offline());

    // The Stamper's next room message carries nothing of the private one.
    h.send(ana, join("dev"));
    h.send(ana, say("dev", 4, "in the room"));
    const v1::ChatMessage* room = lastMessage(h, ana);
    BOOST_TEST_REQUIRE(room != nullptr);
    BOOST_TEST(room->room() == "dev");
    BOOST_TEST(room->private_seq() == 0u);
    BOOST_TEST(!room->offline());

    h.send(bob, peerHistory("Ana", 1));
    const v1::Envelope* page = lastOf(h, bob, v1::Envelope::kHistoryPage);
    BOOST_TEST_REQUIRE(page != nullptr);
    BOOST_TEST(page->history_page().peer() == "Ana");
    BOOST_TEST(page->history_page().head_seq() == 3u);
    BOOST_TEST((privateSeqs(page->history_page()) == std::vector<std::uint64_t>{2, 3}));

    // carol reads her own conversation with either of them: empty.
    h.send(carol, peerHistory("ana", 0));
    const v1::Envelope* theirs = lastOf(h, carol, v1::Envelope::kHistoryPage);
    BOOST_TEST_REQUIRE(theirs != nullptr);
    BOOST_TEST(theirs->history_page().messages_size() == 0);
    BOOST_TEST(theirs->history_page().head_seq() == 0u);
}

BOOST_AUTO_TEST_CASE(nothing_is_kept_for_a_nick_that_is_not_its_account) {
    HubHarness h;
    const SessionId ana = h.login("ana");
    const SessionId dave = h.login("dave");
    const SessionId gus = h.login("gus");
    h.hub.testSignIn(ana, "ana", h.now);
    h.hub.testSignIn(dave, "eve", h.now);  // signed in, but speaking as "dave"
    h.send(dave, privateMessage("ana", 1, "from dave"));
    BOOST_TEST(lastMessage(h, ana)->private_seq() == 0u);
    h.send(gus, privateMessage("ana", 2, "from gus"));  // no account at all
    BOOST_TEST(lastMessage(h, ana)->private_seq() == 0u);
    h.send(ana, privateMessage("gus", 3, "to gus"));
    BOOST_TEST(lastMessage(h, gus)->private_seq() == 0u);
    h.send(ana, peerHistory("dave", 0));
    BOOST_TEST(lastOf(h, ana, v1::Envelope::kHistoryPage)->history_page().messages_size() == 0);
    h.send(gus, peerHistory("ana", 0));
    const v1::Envelope* error = lastOf(h, gus, v1::Envelope::kError);
    BOOST_TEST_REQUIRE(error != nullptr);
    BOOST_TEST(error->error().code() == v1::ERROR_CODE_NOT_A_PARTY);
}

// Private history in hermes-tui's model: a query window backfills its
// conversation when it opens and after a reconnect (only when signed in to
// an account on a hub that keeps private history), pages on to the newest,
// skips to the newest kQueryBackfill when far behind, orders and
// deduplicates by private_seq, and marks a message that waited ("sent 12:03
// while you were away") and our own to an offline account.
#define BOOST_TEST_MODULE ChatModelPrivateTest
#include "model/ChatModel.hpp"

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <string>
#include <vector>

#include "FakeHub.hpp"
#include "TestLocale.hpp"

using namespace hermes::tui;
using namespace hermes::tui::test;
using hermes::client::Event;
namespace v1 = hermes::v1;

BOOST_TEST_GLOBAL_FIXTURE(Utf8Locale);

namespace {

constexpr std::int64_t k1203 = 12 * 3600'000 + 3 * 60'000;  // 12:03 UTC, 1 Jan 1970

Event signedIn(const std::string& nick, std::uint64_t epoch = 1, bool privateHistory = true) {
    Event e = welcomed(nick, epoch);
    e.envelope->mutable_welcome()->set_account(nick);
    e.envelope->mutable_welcome()->set_private_history(privateHistory);
    e.envelope->mutable_welcome()->set_durable_history(true);
    return e;
}

v1::ChatMessage pm(const std::string& from, const std::string& to, const std::string& text,
                   std::uint64_t privateSeq) {
    v1::ChatMessage m;
    m.set_from(from);
    m.set_to(to);
    m.set_text(text);
    m.set_epoch(1);
    m.set_time_ms(k1203);
    m.set_private_seq(privateSeq);
    return m;
}

v1::Envelope live(const v1::ChatMessage& m) {
    v1::Envelope e;
    *e.mutable_message() = m;
    return e;
}

v1::Envelope page(const std::string& peer, std::vector<v1::ChatMessage> messages,
                  std::uint64_t head, bool more) {
    v1::Envelope e;
    auto* p = e.mutable_history_page();
    p->set_peer(peer);
    p->set_head_seq(head);
    p->set_has_more(more);
    for (auto& m : messages) {
        *p->add_messages() = m;
    }
    return e;
}

const Buffer* query(const ChatModel& model, const std::string& nick) {
    for (const auto& b : model.buffers()) {
        if (b->kind() == BufferKind::Query && b->name() == nick) {
            return b.get();
        }
    }
    return nullptr;
}

std::vector<std::string> texts(const Buffer& b) {
    std::vector<std::string> out;
    for (const Line& l : b.lines()) {
        out.push_back(l.text);
    }
    return out;
}

bool called(const FakeHub& hub, const std::string& call) {
    return std::find(hub.calls.begin(), hub.calls.end(), call) != hub.calls.end();
}

struct Signed {
    FakeHub hub;
    ChatModel model{
        hub, ChatModel::Settings{"127.0.0.1", 7070, "bob", "", std::chrono::milliseconds{2000}}};
    SteadyTime t0{};
    Signed() { model.onEvent(signedIn("bob"), t0); }
};

}  // namespace

BOOST_AUTO_TEST_CASE(a_waited_message_is_marked_with_its_time) {
    Signed s;
    v1::ChatMessage m = pm("ana", "bob", "lunch at 1?", 1);
    m.set_waited(true);
    s.model.onEnvelope(live(m), s.t0);
    const Buffer* b = query(s.model, "ana");
    BOOST_TEST_REQUIRE(b != nullptr);
    BOOST_TEST(
        texts(*b) == std::vector<std::string>{"lunch at 1? (sent 12:03 while you were away)"},
        boost::test_tools::per_element());
    BOOST_TEST(b->lines().back().seq == 1u);
}

BOOST_AUTO_TEST_CASE(our_message_to_an_offline_account_says_it_waits) {
    Signed s;
    v1::ChatMessage m = pm("bob", "ana", "see you tomorrow", 4);
    m.set_offline(true);
    s.model.onEnvelope(live(m), s.t0);
    const Buffer* b = query(s.model, "ana");
    BOOST_TEST_REQUIRE(b != nullptr);
    BOOST_TEST(b->lines().back().text ==
               "see you tomorrow (ana is offline: delivered at their next sign-in)");
}

BOOST_AUTO_TEST_CASE(our_accounts_message_from_another_device_goes_with_its_peer) {
    // This session is bob_phone, signed in to bob: the copy of a message
    // bob's laptop sent to ana (from "bob") belongs in the query with ana,
    // as our own line, not in a query with "bob".
    FakeHub hub;
    ChatModel model{hub, ChatModel::Settings{"127.0.0.1", 7070, "bob_phone", "",
                                             std::chrono::milliseconds{2000}}};
    Event e = signedIn("bob_phone");
    e.envelope->mutable_welcome()->set_account("bob");
    model.onEvent(e, SteadyTime{});
    model.onEnvelope(live(pm("bob", "ana", "sent from the laptop", 3)), SteadyTime{});
    BOOST_TEST(query(model, "bob") == nullptr);
    const Buffer* b = query(model, "ana");
    BOOST_TEST_REQUIRE(b != nullptr);
    BOOST_TEST(b->lines().back().text == "sent from the laptop");
    BOOST_TEST(b->lines().back().own);
    BOOST_TEST(!b->lines().back().mention);
}

BOOST_AUTO_TEST_CASE(opening_a_query_learns_the_head_then_fetches_the_newest) {
    Signed s;
    type(s.model, "/query ana", s.t0);
    BOOST_TEST(called(s.hub, "private history ana after 0 limit 1"));
    // The conversation has 500 messages: the first page says so.
    s.model.onEnvelope(page("ana", {pm("ana", "bob", "first ever", 1)}, 500, true), s.t0);
    BOOST_TEST(called(s.hub, "private history ana after 450 limit 50"));
    const Buffer* b = query(s.model, "ana");
    BOOST_TEST_REQUIRE(b != nullptr);
    BOOST_TEST(texts(*b).back() == "... 449 earlier messages not shown");
    s.hub.calls.clear();
    s.model.onEnvelope(page("ana", {pm("ana", "bob", "newest", 500)}, 500, false), s.t0);
    BOOST_TEST(s.hub.calls.empty());  // up to date
    BOOST_TEST(texts(*b).back() == "newest");
}

BOOST_AUTO_TEST_CASE(a_reconnect_backfills_open_queries_from_their_newest_seq) {
    Signed s;
    s.model.onEnvelope(live(pm("ana", "bob", "one", 1)), s.t0);
    s.model.onEnvelope(live(pm("bob", "ana", "two", 2)), s.t0);
    s.hub.calls.clear();
    s.model.onEvent(signedIn("bob", 2), s.t0);  // reconnected (the hub restarted)
    BOOST_TEST(called(s.hub, "private history ana after 2 limit 50"));
    // The page overlaps what is shown and adds what was missed, in order.
    s.model.onEnvelope(page("ana",
                            {pm("bob", "ana", "two", 2), pm("ana", "bob", "three", 3),
                             pm("ana", "bob", "four", 4)},
                            4, false),
                       s.t0);
    const Buffer* b = query(s.model, "ana");
    BOOST_TEST(texts(*b) == (std::vector<std::string>{"one", "two", "three", "four"}),
               boost::test_tools::per_element());
    // A live copy of one already shown (delivered again) is dropped.
    s.model.onEnvelope(live(pm("ana", "bob", "four", 4)), s.t0);
    BOOST_TEST(texts(*b).size() == 4u);
}

BOOST_AUTO_TEST_CASE(no_backfill_without_an_account_or_private_history) {
    FakeHub hub;
    ChatModel model{
        hub, ChatModel::Settings{"127.0.0.1", 7070, "bob", "", std::chrono::milliseconds{2000}}};
    SteadyTime t0{};
    Event anonymous = welcomed("bob");
    anonymous.envelope->mutable_welcome()->set_private_history(true);
    model.onEvent(anonymous, t0);  // no account
    type(model, "/query ana", t0);
    BOOST_TEST(!called(hub, "private history ana after 0 limit 1"));
    // Signing in later (Identify) backfills the open query.
    v1::Envelope reply;
    reply.mutable_account_reply()->set_event(v1::ACCOUNT_EVENT_IDENTIFIED);
    reply.mutable_account_reply()->set_account("bob");
    model.onEnvelope(reply, t0);
    BOOST_TEST(called(hub, "private history ana after 0 limit 1"));

    FakeHub oldHub;
    ChatModel old{
        oldHub, ChatModel::Settings{"127.0.0.1", 7070, "bob", "", std::chrono::milliseconds{2000}}};
    old.onEvent(signedIn("bob", 1, false), t0);  // a hub without private history
    type(old, "/query ana", t0);
    BOOST_TEST(oldHub.calls.size() == 0u);
}

BOOST_AUTO_TEST_CASE(search_in_a_query_window_searches_the_conversation) {
    Signed s;
    type(s.model, "/query ana", s.t0);
    s.model.onEnvelope(page("ana", {pm("ana", "bob", "the plan is ready", 1)}, 1, false), s.t0);
    s.hub.calls.clear();
    type(s.model, "/search plan", s.t0);
    BOOST_TEST(called(s.hub, "search with ana before 0: plan"));
    v1::Envelope results;
    auto* r = results.mutable_search_results();
    r->set_peer("ana");
    r->set_query("plan");
    *r->add_messages() = pm("ana", "bob", "the plan is ready", 1);
    s.model.onEnvelope(results, s.t0);
    const Buffer& sb = s.model.active();
    BOOST_TEST((sb.kind() == BufferKind::Search));
    BOOST_TEST(texts(sb).back() == "end of results (1)");
    BOOST_TEST(texts(sb).at(texts(sb).size() - 2) ==
               "1. [with ana seq 1 12:03] <ana> the plan is ready");
    type(s.model, "/context 1", s.t0);
    BOOST_TEST((s.model.active().kind() == BufferKind::Query));
    BOOST_TEST(s.model.active().name() == "ana");
}

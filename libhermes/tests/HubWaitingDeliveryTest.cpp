// A sign-in's waiting private messages read in the background (a store that
// reads off the hub's thread, as SqliteHistory's search thread does), in the
// sans-io hub with every invariant checked after each step: until the read
// is done the session gets no private message, and a live one sent
// meanwhile comes after the waited ones; a session that ends before the
// read is done leaves them waiting for the account's next sign-in, or
// hands them to another session of the account signed in meanwhile; a
// session signed in to the account under another nick is a recipient; a
// third session sees none of it.
#define BOOST_TEST_MODULE hub_waiting_delivery
#include <boost/test/unit_test.hpp>

#include <memory>
#include <string>
#include <vector>

#include "HubTestHarness.hpp"
#include "hermes/hub/AccountStore.hpp"
#include "hermes/hub/MemoryHistory.hpp"

using namespace hermes;
using namespace hermes::hub;
using namespace hermes::hub::test;

namespace {

// MemoryHistory whose background reads wait until the test finishes them.
class DeferredStore : public HistoryStore {
public:
    explicit DeferredStore(std::vector<SearchJob>& jobs) : jobs_(jobs), memory_(1000) {}
    void append(const v1::ChatMessage& message) override { memory_.append(message); }
    HistorySlice after(std::string_view room, std::uint64_t afterSeq,
                       std::size_t limit) const override {
        return memory_.after(room, afterSeq, limit);
    }
    std::vector<v1::ChatMessage> tail(std::string_view room, std::size_t count) const override {
        return memory_.tail(room, count);
    }
    std::uint64_t lastSeq(std::string_view room) const override { return memory_.lastSeq(room); }
    SearchHits search(std::string_view room, std::string_view query, std::size_t limit,
                      std::uint64_t beforeSeq) const override {
        return memory_.search(room, query, limit, beforeSeq);
    }
    bool searchesInBackground() const override { return true; }
    void startSearch(SearchJob job) override { jobs_.push_back(std::move(job)); }
    std::vector<FinishedSearch> finishedSearches() override {
        std::vector<FinishedSearch> done;
        done.swap(done_);
        return done;
    }
    void finishOne() {
        SearchJob job = jobs_.front();
        jobs_.erase(jobs_.begin());
        SearchHits hits;
        for (const WaitingMessage& w : job.waited) {
            HistorySlice slice = memory_.after(w.conversation, w.seq - 1, 1);
            if (!slice.messages.empty()) {
                hits.messages.push_back(slice.messages.front());
            }
        }
        done_.push_back(FinishedSearch{std::move(job), std::move(hits)});
    }

private:
    std::vector<SearchJob>& jobs_;
    std::vector<FinishedSearch> done_;
    MemoryHistory memory_;
};

class BobsAccount : public AccountStore {
public:
    std::vector<StoredAccount> load() override { return {{"bob", "$argon2id$unused"}}; }
    void save(const StoredAccount& /*account*/) override {}
    bool persistent() const override { return false; }
};

struct Fixture {
    Fixture() {
        auto owned = std::make_unique<DeferredStore>(jobs);
        store = owned.get();
        h = std::make_unique<HubHarness>(testConfig(), 77, std::move(owned), nullptr,
                                         std::make_unique<BobsAccount>());
        ana = h->login("ana");
        h->hub.testSignIn(ana, "ana", h->now);
        carol = h->login("carol");
        h->hub.testSignIn(carol, "carol", h->now);
        h->pump();
        h->clear(ana);
        h->clear(carol);
        ok();
    }
    void ok() { BOOST_TEST(h->hub.violatedInvariants().empty()); }
    void finishOne() {
        store->finishOne();
        h->hub.storeReadsDone(h->now);
        h->pump();
        ok();
    }
    // The private messages `id` got, in order.
    std::vector<v1::ChatMessage> privates(SessionId id) {
        std::vector<v1::ChatMessage> out;
        for (const v1::Envelope& e : h->peers[id].inbox) {
            if (e.has_message() && e.message().room().empty()) {
                out.push_back(e.message());
            }
        }
        return out;
    }
    std::vector<SearchJob> jobs;
    DeferredStore* store = nullptr;
    std::unique_ptr<HubHarness> h;
    SessionId ana = 0;
    SessionId carol = 0;
};

}  // namespace

BOOST_AUTO_TEST_CASE(a_live_message_waits_for_the_waited_ones) {
    Fixture f;
    f.h->send(f.ana, privateMessage("bob", 1, "secret waits"));
    BOOST_TEST_REQUIRE(f.privates(f.ana).size() == 1u);
    BOOST_TEST(f.privates(f.ana)[0].offline());
    f.ok();

    // bob signs in under another nick: the read starts; nothing yet.
    const SessionId bob = f.h->login("bob_desk");
    f.h->hub.testSignIn(bob, "bob", f.h->now);
    f.h->pump();
    f.ok();
    BOOST_TEST(f.jobs.size() == 1u);
    BOOST_TEST(f.privates(bob).empty());

    // ana writes again: bob is signed in, so it is live (not offline), but
    // it reaches bob only after what waited.
    f.h->send(f.ana, privateMessage("bob", 2, "secret live"));
    f.ok();
    BOOST_TEST(!f.privates(f.ana).back().offline());
    BOOST_TEST(f.privates(bob).empty());

    f.finishOne();
    const std::vector<v1::ChatMessage> got = f.privates(bob);
    BOOST_TEST_REQUIRE(got.size() == 2u);
    BOOST_TEST(got[0].text() == "secret waits");
    BOOST_TEST(got[0].waited());
    BOOST_TEST(got[0].private_seq() == 1u);
    BOOST_TEST(got[1].text() == "secret live");
    BOOST_TEST(!got[1].waited());
    BOOST_TEST(got[1].private_seq() == 2u);
    BOOST_TEST(f.privates(f.carol).empty());
}

BOOST_AUTO_TEST_CASE(a_session_gone_before_the_read_leaves_them_waiting) {
    Fixture f;
    f.h->send(f.ana, privateMessage("bob", 1, "secret one"));
    f.h->send(f.ana, privateMessage("bob", 2, "secret two"));
    const SessionId first = f.h->login("bob_phone");
    f.h->hub.testSignIn(first, "bob", f.h->now);
    f.h->pump();
    BOOST_TEST(f.jobs.size() == 1u);
    f.h->hub.closed(first, "connection reset", f.h->now);  // before the read is done
    f.h->pump();
    f.ok();
    f.finishOne();  // its answer finds no session: dropped

    // bob is offline again: a new message waits behind the two.
    f.h->send(f.ana, privateMessage("bob", 3, "secret three"));
    BOOST_TEST(f.privates(f.ana).back().offline());
    const SessionId second = f.h->login("bob_laptop");
    f.h->hub.testSignIn(second, "bob", f.h->now);
    f.h->pump();
    BOOST_TEST_REQUIRE(f.jobs.size() == 1u);
    BOOST_TEST(f.jobs.front().waited.size() == 3u);
    f.finishOne();
    std::vector<std::string> texts;
    for (const v1::ChatMessage& m : f.privates(second)) {
        BOOST_TEST(m.waited());
        texts.push_back(m.text());
    }
    BOOST_TEST((texts == std::vector<std::string>{"secret one", "secret two", "secret three"}));
    BOOST_TEST(f.privates(f.carol).empty());
}

// The session that took what waited ends before the read is done, while
// another session of the account (signed in meanwhile, so it took nothing)
// is online: the delivery starts again on that one, not back to waiting.
BOOST_AUTO_TEST_CASE(a_session_gone_before_the_read_hands_them_to_the_account_s_other_session) {
    Fixture f;
    f.h->send(f.ana, privateMessage("bob", 1, "secret one"));
    const SessionId phone = f.h->login("bob_phone");
    f.h->hub.testSignIn(phone, "bob", f.h->now);
    f.h->pump();
    BOOST_TEST_REQUIRE(f.jobs.size() == 1u);
    const SessionId laptop = f.h->login("bob_laptop");
    f.h->hub.testSignIn(laptop, "bob", f.h->now);
    f.h->pump();
    BOOST_TEST(f.jobs.size() == 1u);  // nothing left to take
    f.h->hub.closed(phone, "connection reset", f.h->now);
    f.h->pump();
    f.ok();
    BOOST_TEST_REQUIRE(f.jobs.size() == 2u);  // started again for the laptop
    BOOST_TEST(f.jobs.back().ticket == laptop);
    f.finishOne();  // the phone's: dropped
    f.finishOne();
    const std::vector<v1::ChatMessage> got = f.privates(laptop);
    BOOST_TEST_REQUIRE(got.size() == 1u);
    BOOST_TEST(got[0].text() == "secret one");
    BOOST_TEST(got[0].waited());
}

// The same, with the other session busy with a read of its own (a search):
// the delivery starts on it once that read is done.
BOOST_AUTO_TEST_CASE(a_busy_other_session_takes_them_after_its_own_read) {
    Fixture f;
    f.h->send(f.ana, privateMessage("bob", 1, "secret one"));
    const SessionId phone = f.h->login("bob_phone");
    f.h->hub.testSignIn(phone, "bob", f.h->now);
    f.h->pump();
    const SessionId laptop = f.h->login("bob_laptop");
    f.h->hub.testSignIn(laptop, "bob", f.h->now);
    f.h->send(laptop, join("r"));
    v1::Envelope search;
    search.mutable_search_request()->set_room("r");
    search.mutable_search_request()->set_query("anything");
    f.h->send(laptop, search);
    f.h->pump();
    BOOST_TEST_REQUIRE(f.jobs.size() == 2u);  // the phone's delivery, the laptop's search
    f.h->hub.closed(phone, "connection reset", f.h->now);
    f.h->pump();
    f.ok();
    BOOST_TEST(f.jobs.size() == 2u);  // the laptop is busy
    f.finishOne();                    // the phone's: dropped
    f.finishOne();                    // the search: the laptop is free again
    BOOST_TEST_REQUIRE(f.jobs.size() == 1u);
    BOOST_TEST(f.jobs.front().ticket == laptop);
    f.finishOne();
    const std::vector<v1::ChatMessage> got = f.privates(laptop);
    BOOST_TEST_REQUIRE(got.size() == 1u);
    BOOST_TEST(got[0].text() == "secret one");
}

// Searches a store runs in the background (HistoryStore::searchesInBackground,
// SqliteHistory's search thread): the hub's loop goes on meanwhile, the
// asking session's next frames wait for the answer so that it is still
// answered in the order it asked, other sessions are not held up, and an
// answer for a session that left is dropped. Last, the same with a real
// SqliteHistory and its search thread.
#define BOOST_TEST_MODULE hub_background_search
#include <boost/test/unit_test.hpp>

#include <poll.h>

#include <memory>
#include <string>
#include <vector>

#include "HubTestHarness.hpp"
#include "hermes/hub/MemoryHistory.hpp"
#include "hermes/hub/SqliteHistory.hpp"
#include "hermes/test/TempDir.hpp"

using namespace hermes;
using namespace hermes::hub;
using namespace hermes::hub::test;

namespace {

// MemoryHistory that searches "in the background": jobs wait until the test
// finishes them.
class DeferredSearchStore : public HistoryStore {
public:
    struct Control {
        std::vector<SearchJob> jobs;
        std::vector<FinishedSearch> done;
    };
    explicit DeferredSearchStore(Control& control) : control_(control), memory_(1000) {}
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
    void startSearch(SearchJob job) override { control_.jobs.push_back(std::move(job)); }
    std::vector<FinishedSearch> finishedSearches() override {
        std::vector<FinishedSearch> done;
        done.swap(control_.done);
        return done;
    }
    // The test's "search thread": answers the oldest job.
    void finishOne() {
        SearchJob job = control_.jobs.front();
        control_.jobs.erase(control_.jobs.begin());
        SearchHits hits = memory_.search(job.room, job.query, job.limit, job.beforeSeq);
        control_.done.push_back(FinishedSearch{std::move(job), std::move(hits)});
    }

private:
    Control& control_;
    MemoryHistory memory_;
};

struct DeferredHub {
    DeferredHub() {
        auto owned = std::make_unique<DeferredSearchStore>(control);
        store = owned.get();
        h = std::make_unique<HubHarness>(testConfig(), 77, std::move(owned));
    }
    void finishOne() {
        store->finishOne();
        h->hub.storeReadsDone(h->now);
        h->pump();
    }
    DeferredSearchStore::Control control;
    DeferredSearchStore* store = nullptr;
    std::unique_ptr<HubHarness> h;
};

v1::Envelope searchRequest(const std::string& room, const std::string& query) {
    v1::Envelope e;
    e.mutable_search_request()->set_room(room);
    e.mutable_search_request()->set_query(query);
    return e;
}

v1::Envelope who(const std::string& room) {
    v1::Envelope e;
    e.mutable_who()->set_room(room);
    return e;
}

}  // namespace

BOOST_AUTO_TEST_CASE(the_asker_waits_in_order_and_the_others_go_on) {
    DeferredHub d;
    HubHarness& h = *d.h;
    const SessionId ana = h.login("ana");
    const SessionId bob = h.login("bob");
    h.send(ana, join("r"));
    h.send(bob, join("r"));
    h.send(ana, say("r", 1, "red fox"));
    h.clear(ana);
    h.clear(bob);

    h.send(ana, searchRequest("r", "fox"));
    h.send(ana, who("r"));              // waits behind the search
    h.send(ana, say("r", 2, "later"));  // so does this
    BOOST_TEST_REQUIRE(d.control.jobs.size() == 1u);
    BOOST_TEST(d.control.jobs[0].ticket == ana);
    BOOST_TEST(d.control.jobs[0].beforeSeq == 2u);  // only what was sent: seq 1
    BOOST_TEST(h.take(ana).empty());

    // bob is not held up.
    h.send(bob, say("r", 3, "meanwhile"));
    const v1::Envelope bobs = h.next(bob);
    BOOST_TEST_REQUIRE(bobs.has_message());
    BOOST_TEST(bobs.message().seq() == 2u);
    h.clear(bob);

    d.finishOne();
    const auto got = h.take(ana);
    BOOST_TEST_REQUIRE(got.size() == 4u);
    BOOST_TEST(got[0].has_message());  // bob's, live while ana waited
    BOOST_TEST_REQUIRE(got[1].has_search_results());
    BOOST_TEST_REQUIRE(got[1].search_results().messages_size() == 1);
    BOOST_TEST(got[1].search_results().messages(0).text() == "red fox");
    BOOST_TEST(got[2].has_members());  // then her frames, in the order she sent them
    BOOST_TEST_REQUIRE(got[3].has_message());
    BOOST_TEST(got[3].message().text() == "later");
    BOOST_TEST(got[3].message().seq() == 3u);
}

BOOST_AUTO_TEST_CASE(an_answer_for_a_session_that_left_is_dropped) {
    DeferredHub d;
    HubHarness& h = *d.h;
    const SessionId ana = h.login("ana");
    const SessionId bob = h.login("bob");
    h.send(ana, join("r"));
    h.send(ana, searchRequest("r", "anything"));
    h.hub.closed(ana, "gone", h.now);
    h.pump();
    d.finishOne();
    BOOST_TEST(h.hub.stats().connections == 1u);
    h.send(bob, searchRequest("r", "anything"));
    d.finishOne();
    BOOST_TEST(h.next(bob).has_search_results());
}

BOOST_AUTO_TEST_CASE(a_flood_behind_a_search_is_a_flood) {
    HubConfig config = testConfig();
    config.floodBacklog = 3;
    auto control = std::make_unique<DeferredSearchStore::Control>();
    HubHarness h(config, 77, std::make_unique<DeferredSearchStore>(*control));
    const SessionId ana = h.login("ana");
    h.send(ana, join("r"));
    h.send(ana, searchRequest("r", "x"));
    for (int i = 0; i < 3; ++i) {
        h.send(ana, who("r"));
    }
    BOOST_TEST(!h.closed(ana));
    h.send(ana, who("r"));
    BOOST_TEST(h.closed(ana));
    BOOST_TEST(h.peers[ana].closeReason == "flood");
}

BOOST_AUTO_TEST_CASE(sqlite_searches_on_its_own_thread) {
    hermes::test::TempDir dir("hermes-search");
    SqliteHistoryOptions options;
    options.path = dir.file("h.db");
    HubHarness h(testConfig(), 77, std::make_unique<SqliteHistory>(options));
    BOOST_TEST_REQUIRE(h.hub.storeReadFd() >= 0);
    const SessionId ana = h.login("ana");
    h.send(ana, join("r"));
    h.send(ana, say("r", 1, "the quick brown fox"));
    // Durable: the echo waits for the commit.
    pollfd commit{h.hub.storeCommitFd(), POLLIN, 0};
    BOOST_TEST_REQUIRE(::poll(&commit, 1, 5000) == 1);
    h.hub.storeCommitted(h.now);
    h.pump();
    h.clear(ana);

    h.send(ana, searchRequest("r", "fox"));
    BOOST_TEST(h.take(ana).empty());  // the loop went on; the answer comes later
    pollfd reads{h.hub.storeReadFd(), POLLIN, 0};
    BOOST_TEST_REQUIRE(::poll(&reads, 1, 5000) == 1);
    h.hub.storeReadsDone(h.now);
    h.pump();
    const v1::Envelope results = h.next(ana);
    BOOST_TEST_REQUIRE(results.has_search_results());
    BOOST_TEST_REQUIRE(results.search_results().messages_size() == 1);
    BOOST_TEST(results.search_results().messages(0).seq() == 1u);
}

// The hub with an asynchronous history store: a message is echoed only once
// the store has committed it, frames sent to the room meanwhile wait behind
// it, history never shows what was not echoed, shutdown flushes, and a
// restarted hub continues the store's seqs and topics. Also search.
#define BOOST_TEST_MODULE hub_durability
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <map>
#include <memory>
#include <string>

#include "HubTestHarness.hpp"
#include "hermes/hub/MemoryHistory.hpp"

using namespace hermes;
using namespace hermes::hub;
using namespace hermes::hub::test;

namespace {

// A test double for the store boundary: MemoryHistory's contents, but
// commits happen only when the test says so.
class FakeAsyncStore : public HistoryStore {
public:
    struct Control {
        std::map<std::string, std::uint64_t, std::less<>> committed;
        std::vector<StoredRoom> rooms;
        std::vector<StoredRoom> topics;
        int flushes = 0;
    };
    explicit FakeAsyncStore(Control& control) : control_(control), memory_(1000) {}

    void append(const v1::ChatMessage& message) override {
        memory_.append(message);
        control_.committed.try_emplace(message.room(), 0);
    }
    HistorySlice after(std::string_view room, std::uint64_t afterSeq,
                       std::size_t limit) const override {
        return memory_.after(room, afterSeq, limit);
    }
    std::vector<v1::ChatMessage> tail(std::string_view room, std::size_t count) const override {
        return memory_.tail(room, count);
    }
    std::uint64_t lastSeq(std::string_view room) const override {
        const auto it = std::find_if(control_.rooms.begin(), control_.rooms.end(),
                                     [&](const StoredRoom& r) { return r.name == room; });
        return std::max(memory_.lastSeq(room), it == control_.rooms.end() ? 0 : it->lastSeq);
    }
    bool synchronous() const override { return false; }
    std::uint64_t committedSeq(std::string_view room) const override {
        const auto it = control_.committed.find(room);
        return it == control_.committed.end() ? 0 : it->second;
    }
    void flush() override {
        ++control_.flushes;
        for (auto& [name, seq] : control_.committed) {
            seq = lastSeq(name);
        }
    }
    std::vector<StoredRoom> rooms() const override { return control_.rooms; }
    void setTopic(const StoredRoom& room) override { control_.topics.push_back(room); }
    SearchHits search(std::string_view room, std::string_view query, std::size_t limit,
                      std::uint64_t beforeSeq) const override {
        return memory_.search(room, query, limit, beforeSeq);
    }

private:
    Control& control_;
    MemoryHistory memory_;
};

struct AsyncHub {
    explicit AsyncHub(HubConfig config = testConfig())
        : h(std::move(config), 77, std::make_unique<FakeAsyncStore>(control)) {}
    void commit(const std::string& room, std::uint64_t seq) {
        control.committed[room] = seq;
        h.hub.storeCommitted(h.now);
        h.pump();
    }
    FakeAsyncStore::Control control;  // before h: the store refers to it
    HubHarness h;
};

std::vector<std::string> kinds(const std::vector<v1::Envelope>& envelopes) {
    std::vector<std::string> out;
    for (const auto& e : envelopes) {
        if (e.has_message()) {
            out.push_back("message " + std::to_string(e.message().seq()));
        } else if (e.has_presence()) {
            out.push_back("presence " + std::to_string(e.presence().kind()));
        } else if (e.has_topic()) {
            out.push_back("topic " + e.topic().text());
        } else {
            out.push_back(e.GetDescriptor()->name());
        }
    }
    return out;
}

// `count` says to `room` in one buffer, ids and texts from `first`.
std::string says(const std::string& room, std::uint64_t first, std::size_t count,
                 std::size_t textBytes) {
    std::string bytes;
    for (std::size_t i = 0; i < count; ++i) {
        std::string text = "m" + std::to_string(first + i) + " ";
        text.resize(textBytes, '.');
        bytes += codec::encodeFrame(say(room, first + i, text));
    }
    return bytes;
}

std::vector<std::uint64_t> oneTo(std::uint64_t n) {
    std::vector<std::uint64_t> out;
    for (std::uint64_t i = 1; i <= n; ++i) {
        out.push_back(i);
    }
    return out;
}

v1::Envelope historyRequest(const std::string& room, std::uint64_t afterSeq) {
    v1::Envelope e;
    e.mutable_history_request()->set_room(room);
    e.mutable_history_request()->set_after_seq(afterSeq);
    return e;
}

v1::Envelope topic(const std::string& room, const std::string& text) {
    v1::Envelope e;
    e.mutable_topic()->set_room(room);
    e.mutable_topic()->set_text(text);
    return e;
}

v1::Envelope searchRequest(const std::string& room, const std::string& query,
                           std::uint32_t limit = 0, std::uint64_t beforeSeq = 0) {
    v1::Envelope e;
    e.mutable_search_request()->set_room(room);
    e.mutable_search_request()->set_query(query);
    e.mutable_search_request()->set_limit(limit);
    e.mutable_search_request()->set_before_seq(beforeSeq);
    return e;
}

}  // namespace

BOOST_AUTO_TEST_CASE(the_echo_waits_for_the_commit_and_later_frames_wait_behind_it) {
    AsyncHub a;
    HubHarness& h = a.h;
    const SessionId ana = h.login("ana");
    const SessionId bob = h.login("bob");
    h.send(ana, join("r"));
    h.send(bob, join("r"));
    h.clear(ana);
    h.clear(bob);

    h.send(ana, say("r", 1, "one"));
    h.send(ana, say("r", 2, "two"));
    BOOST_TEST(h.take(ana).empty());  // no echo before the commit
    BOOST_TEST(h.take(bob).empty());
    BOOST_TEST(h.hub.heldMessages() == 2u);

    // A topic and a join happen while the messages wait: they queue behind.
    h.send(bob, topic("r", "news"));
    const SessionId cy = h.login("cy");
    h.send(cy, join("r"));
    h.tick();
    BOOST_TEST(h.take(ana).empty());
    h.clear(cy);

    a.commit("r", 1);  // only the first
    BOOST_TEST(kinds(h.take(ana)) == (std::vector<std::string>{"message 1"}),
               boost::test_tools::per_element());
    a.commit("r", 2);
    const std::vector<std::string> expected = {
        "message 2", "topic news", "presence " + std::to_string(v1::PRESENCE_KIND_JOINED)};
    BOOST_TEST(kinds(h.take(ana)) == expected, boost::test_tools::per_element());
    BOOST_TEST(kinds(h.take(bob)) == (std::vector<std::string>{
                                         "message 1", "message 2", "topic news",
                                         "presence " + std::to_string(v1::PRESENCE_KIND_JOINED)}),
               boost::test_tools::per_element());
    BOOST_TEST(h.hub.heldMessages() == 0u);
    BOOST_TEST_REQUIRE(a.control.topics.size() == 1u);
    BOOST_TEST(a.control.topics[0].topic == "news");
    BOOST_TEST(a.control.topics[0].topicSetBy == "bob");
}

BOOST_AUTO_TEST_CASE(history_and_backlog_never_show_an_unechoed_message) {
    AsyncHub a;
    HubHarness& h = a.h;
    const SessionId ana = h.login("ana");
    h.send(ana, join("r"));
    h.send(ana, say("r", 1, "one"));
    a.commit("r", 1);
    h.send(ana, say("r", 2, "two"));  // stamped, not committed
    h.clear(ana);

    // The backlog is cut at what was sent live; 2 comes live to a member.
    const SessionId bob = h.login("bob");
    h.send(bob, join("r"));
    std::vector<v1::Envelope> got = h.take(bob);
    const auto backlog = std::find_if(got.begin(), got.end(),
                                      [](const v1::Envelope& e) { return e.has_history_page(); });
    BOOST_TEST_REQUIRE((backlog != got.end()));
    BOOST_TEST(backlog->history_page().messages_size() == 1);
    BOOST_TEST(backlog->history_page().messages(0).seq() == 1u);

    a.commit("r", 2);
    got = h.take(bob);
    BOOST_TEST(kinds(got).front() == "message 2");
}

BOOST_AUTO_TEST_CASE(a_history_request_waits_for_what_its_room_held_when_asked) {
    // A page answered while the room holds uncommitted messages missed them
    // (and a client that is not a member never got them), or overlapped
    // their echo the other way round. It now waits until they are sent
    // live: the page holds every message said before it was asked.
    AsyncHub a;
    HubHarness& h = a.h;
    const SessionId ana = h.login("ana");
    const SessionId bob = h.login("bob");
    h.send(ana, join("r"));
    h.send(bob, join("r"));
    h.send(ana, say("r", 1, "one"));
    a.commit("r", 1);
    h.send(ana, say("r", 2, "two"));
    h.send(ana, say("r", 3, "three"));  // 2 and 3 stamped, not committed
    h.clear(ana);
    h.clear(bob);

    // bob (a member) and cy (not one) ask; cy then asks for the room list
    // and the history of a room with nothing held: both wait behind.
    const SessionId cy = h.login("cy");
    h.send(bob, historyRequest("r", 0));
    h.send(cy, historyRequest("r", 0));
    v1::Envelope list;
    list.mutable_room_list_request();
    h.send(cy, list);
    h.send(cy, historyRequest("quiet", 0));  // no such room: an error, in its turn
    BOOST_TEST(h.take(bob).empty());
    BOOST_TEST(h.take(cy).empty());
    // ana says 4 meanwhile: the requests wait for 2 and 3, not for 4.
    h.send(ana, say("r", 4, "four"));
    a.commit("r", 2);
    BOOST_TEST(kinds(h.take(bob)) == (std::vector<std::string>{"message 2"}),
               boost::test_tools::per_element());
    BOOST_TEST(h.take(cy).empty());
    a.commit("r", 3);
    // bob: the live echo first, then the page up to 3.
    std::vector<v1::Envelope> got = h.take(bob);
    BOOST_TEST(kinds(got) == (std::vector<std::string>{"message 3", "Envelope"}),
               boost::test_tools::per_element());
    BOOST_TEST_REQUIRE(got.size() == 2u);
    BOOST_TEST_REQUIRE(got[1].has_history_page());
    BOOST_TEST(got[1].history_page().messages_size() == 3);
    BOOST_TEST(got[1].history_page().head_seq() == 3u);
    BOOST_TEST(!got[1].history_page().has_more());
    // cy: the page with 1 to 3, then its later requests' answers in order.
    got = h.take(cy);
    BOOST_TEST_REQUIRE(got.size() == 3u);
    BOOST_TEST_REQUIRE(got[0].has_history_page());
    std::vector<std::uint64_t> seqs;
    for (const auto& message : got[0].history_page().messages()) {
        seqs.push_back(message.seq());
    }
    BOOST_TEST(seqs == oneTo(3), boost::test_tools::per_element());
    BOOST_TEST(got[0].history_page().head_seq() == 3u);
    BOOST_TEST(got[1].has_room_list());
    BOOST_TEST(got[2].has_error());
    BOOST_TEST(got[2].error().code() == v1::ERROR_CODE_INVALID_ROOM);
    // 4 comes live to the members; cy is not one.
    a.commit("r", 4);
    BOOST_TEST(kinds(h.take(bob)) == (std::vector<std::string>{"message 4"}),
               boost::test_tools::per_element());
    BOOST_TEST(h.take(cy).empty());
}

BOOST_AUTO_TEST_CASE(a_waiting_history_request_of_a_session_that_left_is_dropped) {
    AsyncHub a;
    HubHarness& h = a.h;
    const SessionId ana = h.login("ana");
    h.send(ana, join("r"));
    h.send(ana, say("r", 1, "one"));  // held
    const SessionId cy = h.login("cy");
    h.send(cy, historyRequest("r", 0));
    h.hub.closed(cy, "gone", h.now);
    h.pump();
    a.commit("r", 1);  // nothing to answer, nothing fails
    BOOST_TEST(kinds(h.take(ana)).back() == "message 1");
}

BOOST_AUTO_TEST_CASE(shutdown_flushes_the_store_and_sends_what_it_committed) {
    AsyncHub a;
    HubHarness& h = a.h;
    const SessionId ana = h.login("ana");
    h.send(ana, join("r"));
    h.send(ana, say("r", 1, "one"));
    h.clear(ana);
    h.hub.shutdown("bye");
    h.pump();
    BOOST_TEST(a.control.flushes == 1);
    const std::vector<v1::Envelope> got = h.take(ana);
    BOOST_TEST(kinds(got) == (std::vector<std::string>{"message 1", "Envelope"}),
               boost::test_tools::per_element());
    BOOST_TEST(got.back().has_bye());
}

BOOST_AUTO_TEST_CASE(a_restarted_hub_continues_seqs_and_keeps_topics_and_rooms) {
    FakeAsyncStore::Control control;
    control.rooms.push_back(StoredRoom{"kitchen", 41, "soup", "bob", 1234});
    control.committed["kitchen"] = 41;
    HubHarness h(testConfig(), 78, std::make_unique<FakeAsyncStore>(control));

    const SessionId ana = h.login("ana");
    v1::Envelope list;
    list.mutable_room_list_request();
    h.send(ana, list);
    v1::Envelope rooms = h.next(ana);
    BOOST_TEST_REQUIRE(rooms.room_list().rooms_size() == 1);
    BOOST_TEST(rooms.room_list().rooms(0).name() == "kitchen");
    BOOST_TEST(rooms.room_list().rooms(0).topic() == "soup");

    h.send(ana, join("kitchen"));
    const std::vector<v1::Envelope> got = h.take(ana);
    const auto topicFrame =
        std::find_if(got.begin(), got.end(), [](const v1::Envelope& e) { return e.has_topic(); });
    BOOST_TEST_REQUIRE((topicFrame != got.end()));
    BOOST_TEST(topicFrame->topic().set_by() == "bob");

    h.send(ana, say("kitchen", 1, "again"));
    control.committed["kitchen"] = 42;
    h.hub.storeCommitted(h.now);
    h.pump();
    const v1::Envelope echo = h.next(ana);
    BOOST_TEST_REQUIRE(echo.has_message());
    BOOST_TEST(echo.message().seq() == 42u);
    BOOST_TEST(echo.message().epoch() == 78u);
}

BOOST_AUTO_TEST_CASE(search_answers_newest_first_with_paging_and_errors) {
    HubHarness h;  // MemoryHistory: synchronous, nothing held
    const SessionId ana = h.login("ana");
    h.send(ana, join("r"));
    h.send(ana, say("r", 1, "red fox"));
    h.send(ana, say("r", 2, "blue whale"));
    h.send(ana, say("r", 3, "the RED fox again"));
    BOOST_TEST(h.hub.heldMessages() == 0u);
    h.clear(ana);

    h.send(ana, searchRequest("r", "red fox"));
    v1::Envelope results = h.next(ana);
    BOOST_TEST_REQUIRE(results.has_search_results());
    BOOST_TEST(results.search_results().room() == "r");
    BOOST_TEST(results.search_results().query() == "red fox");
    BOOST_TEST_REQUIRE(results.search_results().messages_size() == 2);
    BOOST_TEST(results.search_results().messages(0).seq() == 3u);
    BOOST_TEST(results.search_results().messages(1).seq() == 1u);
    BOOST_TEST(!results.search_results().has_more());

    h.send(ana, searchRequest("r", "fox", 1));
    results = h.next(ana);
    BOOST_TEST(results.search_results().messages_size() == 1);
    BOOST_TEST(results.search_results().has_more());
    h.send(ana, searchRequest("r", "fox", 1, 3));
    results = h.next(ana);
    BOOST_TEST_REQUIRE(results.search_results().messages_size() == 1);
    BOOST_TEST(results.search_results().messages(0).seq() == 1u);

    h.send(ana, searchRequest("r", "giraffe"));
    results = h.next(ana);
    BOOST_TEST(results.search_results().messages_size() == 0);

    h.send(ana, searchRequest("nowhere", "fox"));
    BOOST_TEST(h.next(ana).error().code() == v1::ERROR_CODE_INVALID_ROOM);
    h.send(ana, searchRequest("r", ""));
    BOOST_TEST(h.next(ana).error().code() == v1::ERROR_CODE_INVALID_TEXT);
}

BOOST_AUTO_TEST_CASE(a_store_far_behind_refuses_says_until_half_its_backlog_is_committed) {
    HubConfig config = testConfig();
    config.maxHeldMessages = 4;
    AsyncHub a(config);
    HubHarness& h = a.h;
    const SessionId ana = h.login("ana");
    const SessionId bob = h.login("bob");
    h.send(ana, join("r"));
    h.send(bob, join("r"));
    for (std::uint64_t id = 1; id <= 4; ++id) {
        h.send(ana, say("r", id, "held " + std::to_string(id)));
    }
    h.clear(ana);
    h.clear(bob);
    BOOST_TEST(h.hub.heldMessages() == 4u);

    // The fifth is refused, not held: an error naming it, nothing to anyone else.
    h.send(ana, say("r", 5, "too many"));
    std::vector<v1::Envelope> got = h.take(ana);
    BOOST_TEST_REQUIRE(got.size() == 1u);
    BOOST_TEST_REQUIRE(got[0].has_error());
    BOOST_TEST(got[0].error().code() == v1::ERROR_CODE_STORE_BEHIND);
    BOOST_TEST(got[0].error().client_msg_id() == 5u);
    BOOST_TEST(got[0].error().room() == "r");
    BOOST_TEST(!got[0].error().fatal());
    BOOST_TEST(h.take(bob).empty());
    BOOST_TEST(h.hub.heldMessages() == 4u);
    BOOST_TEST(h.hub.stats().storeBehindRefusals == 1u);

    // One commit is not enough: still 3 of 4 waiting (more than half).
    a.commit("r", 1);
    h.clear(ana);
    h.send(ana, say("r", 6, "still too many"));
    got = h.take(ana);
    BOOST_TEST_REQUIRE(got.size() == 1u);
    BOOST_TEST(got[0].error().code() == v1::ERROR_CODE_STORE_BEHIND);

    // Back to half: taken again, and the refused messages used no seq.
    a.commit("r", 2);
    h.clear(ana);
    h.send(ana, say("r", 7, "taken"));
    BOOST_TEST(h.take(ana).empty());  // held for its commit, not refused
    a.commit("r", 5);
    got = h.take(ana);
    BOOST_TEST_REQUIRE(got.size() == 3u);
    BOOST_TEST(got[2].message().seq() == 5u);
    BOOST_TEST(got[2].message().client_msg_id() == 7u);
}

BOOST_AUTO_TEST_CASE(shutdown_while_input_is_paused_still_sends_every_committed_echo) {
    HubConfig config = testConfig();
    config.maxQueuedBytes = 1024 * 1024;  // input pauses at 768 KiB
    AsyncHub a(config);
    HubHarness& h = a.h;
    const SessionId ana = h.login("ana");
    const SessionId bob = h.login("bob");
    h.send(ana, join("r"));
    h.send(bob, join("r"));
    h.clear(ana);
    h.clear(bob);
    h.peers[ana].reading = false;
    h.peers[bob].reading = false;
    // 300 messages of 4,000 bytes (1.2 MB), held for the store: no output yet.
    h.sendRaw(ana, says("r", 1, 300, 4000));
    BOOST_TEST_REQUIRE(h.hub.heldMessages() == 300u);
    // The store commits them all: the hub sends them until output memory is
    // at the budget's mark, pauses its input, and holds the rest.
    a.commit("r", 300);
    BOOST_TEST_REQUIRE(h.hub.inputPaused());
    BOOST_TEST_REQUIRE(h.hub.heldMessages() > 0u);
    // Sent while input is paused: not read, so never taken nor acknowledged.
    h.sendRaw(ana, codec::encodeFrame(say("r", 301, "late")));

    h.hub.shutdown("bye");
    h.pump();
    // Every committed echo went out before the Bye, to both, in order.
    for (const SessionId id : {ana, bob}) {
        BOOST_TEST_CONTEXT("session " << id) {
            const std::vector<v1::Envelope> got = h.take(id);
            BOOST_TEST_REQUIRE(!got.empty());
            BOOST_TEST(got.back().has_bye());
            std::vector<std::uint64_t> seqs;
            std::vector<std::uint64_t> ids;
            for (const auto& e : got) {
                if (e.has_message()) {
                    seqs.push_back(e.message().seq());
                    ids.push_back(e.message().client_msg_id());
                }
            }
            BOOST_TEST(seqs == oneTo(300), boost::test_tools::per_element());
            BOOST_TEST(ids == oneTo(300), boost::test_tools::per_element());
        }
    }
}

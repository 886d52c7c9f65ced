#define BOOST_TEST_MODULE hub_history
#include <boost/test/unit_test.hpp>

#include "HubTestHarness.hpp"
#include "hermes/hub/MemoryHistory.hpp"

using namespace hermes;
using namespace hermes::hub;
using namespace hermes::hub::test;

namespace {
v1::Envelope historyRequest(const std::string& room, std::uint64_t afterSeq, std::uint32_t limit) {
    v1::Envelope e;
    e.mutable_history_request()->set_room(room);
    e.mutable_history_request()->set_after_seq(afterSeq);
    e.mutable_history_request()->set_limit(limit);
    return e;
}
std::vector<std::uint64_t> seqs(const v1::HistoryPage& page) {
    std::vector<std::uint64_t> out;
    for (const auto& m : page.messages()) {
        out.push_back(m.seq());
    }
    return out;
}
// `count` messages said by "talker" in room "r"; returns a logged-in reader
// that is not a member.
SessionId fill(HubHarness& h, int count, std::size_t textBytes = 10) {
    const SessionId talker = h.login("talker");
    h.send(talker, join("r"));
    for (int i = 1; i <= count; ++i) {
        std::string text = "m" + std::to_string(i);
        text.resize(std::max(text.size(), textBytes), '.');
        h.send(talker, say("r", static_cast<std::uint64_t>(i), text));
    }
    return h.login("reader");
}
}  // namespace

BOOST_AUTO_TEST_CASE(paging_with_has_more_and_head) {
    HubConfig config = testConfig();
    config.historyPageMax = 3;
    HubHarness h(config);
    const SessionId reader = fill(h, 10);
    h.send(reader, historyRequest("R", 0, 4));  // limit above the max: capped
    v1::Envelope e = h.next(reader);
    BOOST_TEST_REQUIRE(e.has_history_page());
    BOOST_TEST(e.history_page().room() == "r");
    BOOST_TEST(e.history_page().epoch() == 77u);
    BOOST_TEST(seqs(e.history_page()) == (std::vector<std::uint64_t>{1, 2, 3}),
               boost::test_tools::per_element());
    BOOST_TEST(e.history_page().has_more());
    BOOST_TEST(e.history_page().head_seq() == 10u);
    BOOST_TEST(!e.history_page().has_gap());
    BOOST_TEST(!e.history_page().backlog());
    BOOST_TEST(e.history_page().messages(0).text().rfind("m1", 0) == 0u);
    h.send(reader, historyRequest("r", 8, 0));
    e = h.next(reader);
    BOOST_TEST(seqs(e.history_page()) == (std::vector<std::uint64_t>{9, 10}),
               boost::test_tools::per_element());
    BOOST_TEST(!e.history_page().has_more());
    h.send(reader, historyRequest("r", 10, 0));
    e = h.next(reader);
    BOOST_TEST(e.history_page().messages_size() == 0);
    BOOST_TEST(!e.history_page().has_more());
    h.send(reader, historyRequest("nowhere", 0, 0));
    BOOST_TEST(h.next(reader).error().code() == v1::ERROR_CODE_INVALID_ROOM);
}

BOOST_AUTO_TEST_CASE(gap_marker_after_ring_overflow) {
    HubConfig config = testConfig();
    config.historySize = 5;
    HubHarness h(config);
    const SessionId reader = fill(h, 12);
    h.send(reader, historyRequest("r", 2, 0));
    const v1::Envelope e = h.next(reader);
    const v1::HistoryPage& page = e.history_page();
    BOOST_TEST_REQUIRE(page.has_gap());
    BOOST_TEST(page.gap().first_seq() == 3u);
    BOOST_TEST(page.gap().last_seq() == 7u);
    BOOST_TEST(seqs(page) == (std::vector<std::uint64_t>{8, 9, 10, 11, 12}),
               boost::test_tools::per_element());
    BOOST_TEST(page.head_seq() == 12u);
    BOOST_TEST(!page.has_more());
}

BOOST_AUTO_TEST_CASE(page_stays_within_max_frame_bytes) {
    HubConfig config = testConfig();
    config.maxFrameBytes = 8 * 1024;
    HubHarness h(config);
    const SessionId reader = fill(h, 6, 3000);
    h.send(reader, historyRequest("r", 0, 0));
    const v1::Envelope e = h.next(reader);
    BOOST_TEST(h.peers[reader].frames.back().size() <= config.maxFrameBytes);
    BOOST_TEST(seqs(e.history_page()) == (std::vector<std::uint64_t>{1, 2}),
               boost::test_tools::per_element());
    BOOST_TEST(e.history_page().has_more());
}

BOOST_AUTO_TEST_CASE(backlog_on_join_and_skip_backlog) {
    HubConfig config = testConfig();
    config.joinBacklog = 3;
    HubHarness h(config);
    const SessionId reader = fill(h, 7);
    const SessionId other = h.login("other");
    h.send(reader, join("r"));
    const auto got = h.take(reader);
    BOOST_TEST_REQUIRE(got.size() == 3u);  // members, backlog, joined presence
    BOOST_TEST(got[0].has_members());
    BOOST_TEST_REQUIRE(got[1].has_history_page());
    BOOST_TEST(got[1].history_page().backlog());
    BOOST_TEST(seqs(got[1].history_page()) == (std::vector<std::uint64_t>{5, 6, 7}),
               boost::test_tools::per_element());
    BOOST_TEST(got[1].history_page().head_seq() == 7u);
    BOOST_TEST(got[2].has_presence());
    h.send(other, join("r", true));
    const auto skipped = h.take(other);
    BOOST_TEST_REQUIRE(skipped.size() == 2u);
    BOOST_TEST(skipped[0].has_members());
    BOOST_TEST(skipped[1].has_presence());
    // A new room has no backlog at all.
    h.send(other, join("fresh"));
    for (const auto& e : h.take(other)) {
        BOOST_TEST(!e.has_history_page());
    }
}

BOOST_AUTO_TEST_CASE(seq_resumes_from_history_store) {
    // A durable store that already knows a room: the hub continues its seqs.
    auto store = std::make_unique<MemoryHistory>(10);
    v1::ChatMessage old;
    old.set_room("r");
    old.set_seq(41);
    old.set_text("from a previous run");
    store->append(old);
    Hub hub(testConfig(), 1, std::move(store), [] { return std::int64_t{5}; });
    const TimePoint t = TimePoint{} + 1s;
    const SessionId id = hub.open("127.0.0.1:1", t);
    std::string bytes = codec::encodeFrame(hello("ana")) + codec::encodeFrame(join("r", true)) +
                        codec::encodeFrame(say("r", 1, "next"));
    hub.receive(id, bytes, t);
    hub.flush();
    codec::FrameDecoder decoder(1 << 20);
    decoder.feed(outputBytes(hub, id));
    v1::Envelope e;
    std::uint64_t seq = 0;
    while (decoder.next(e)) {
        if (e.has_message()) {
            seq = e.message().seq();
        }
    }
    BOOST_TEST(seq == 42u);
}

// HistoryRequest.latest (field 90): the newest `limit` above after_seq.
BOOST_AUTO_TEST_CASE(latest_is_the_newest_page) {
    HubHarness h(testConfig());
    const SessionId reader = fill(h, 10);
    v1::Envelope ask = historyRequest("r", 0, 3);
    ask.mutable_history_request()->set_latest(true);
    h.send(reader, ask);
    v1::Envelope e = h.next(reader);
    BOOST_TEST(seqs(e.history_page()) == (std::vector<std::uint64_t>{8, 9, 10}),
               boost::test_tools::per_element());
    ask.mutable_history_request()->set_after_seq(9);  // above 9 only
    h.send(reader, ask);
    e = h.next(reader);
    BOOST_TEST(seqs(e.history_page()) == (std::vector<std::uint64_t>{10}),
               boost::test_tools::per_element());
}

// HistoryRequest.at_time_ms (field 91): the oldest at or after a time, or
// with latest the newest before it, found among equal stamps too.
BOOST_AUTO_TEST_CASE(at_time_places_the_page_by_time) {
    HubHarness h(testConfig());
    const SessionId talker = h.login("talker");
    h.send(talker, join("r"));
    const std::int64_t start = h.wallMs;
    for (int i = 1; i <= 10; ++i) {
        if (i % 2 == 1) {
            h.wallMs += 1000;  // two messages a second: 1,2 at +1 s, 3,4 at +2 s ...
        }
        h.send(talker, say("r", static_cast<std::uint64_t>(i), "m" + std::to_string(i)));
    }
    const SessionId reader = h.login("reader");
    v1::Envelope ask = historyRequest("r", 0, 3);
    ask.mutable_history_request()->set_at_time_ms(start + 2000);  // the stamp of 3 and 4
    h.send(reader, ask);
    BOOST_TEST(seqs(h.next(reader).history_page()) == (std::vector<std::uint64_t>{3, 4, 5}),
               boost::test_tools::per_element());
    ask.mutable_history_request()->set_latest(true);  // before +2 s: 1 and 2
    h.send(reader, ask);
    BOOST_TEST(seqs(h.next(reader).history_page()) == (std::vector<std::uint64_t>{1, 2}),
               boost::test_tools::per_element());
    ask.mutable_history_request()->set_at_time_ms(start + 60'000);  // after all: the newest 3
    h.send(reader, ask);
    BOOST_TEST(seqs(h.next(reader).history_page()) == (std::vector<std::uint64_t>{8, 9, 10}),
               boost::test_tools::per_element());
    ask.mutable_history_request()->set_latest(false);  // nothing at or after it
    h.send(reader, ask);
    BOOST_TEST(h.next(reader).history_page().messages().empty());
    ask.mutable_history_request()->set_at_time_ms(start + 4500);  // between stamps: 9 on
    ask.mutable_history_request()->set_after_seq(9);              // and above 9
    h.send(reader, ask);
    BOOST_TEST(seqs(h.next(reader).history_page()) == (std::vector<std::uint64_t>{10}),
               boost::test_tools::per_element());
}

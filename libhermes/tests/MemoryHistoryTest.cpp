#define BOOST_TEST_MODULE memory_history
#include <boost/test/unit_test.hpp>

#include "hermes/hub/MemoryHistory.hpp"

using hermes::hub::MemoryHistory;

namespace {
void fill(MemoryHistory& history, const std::string& room, std::uint64_t upTo) {
    for (std::uint64_t seq = history.lastSeq(room) + 1; seq <= upTo; ++seq) {
        hermes::v1::ChatMessage m;
        m.set_room(room);
        m.set_seq(seq);
        m.set_text("m" + std::to_string(seq));
        history.append(m);
    }
}
std::vector<std::uint64_t> seqs(const std::vector<hermes::v1::ChatMessage>& messages) {
    std::vector<std::uint64_t> out;
    for (const auto& m : messages) {
        out.push_back(m.seq());
    }
    return out;
}
}  // namespace

BOOST_AUTO_TEST_CASE(pages_without_gap) {
    MemoryHistory history(10);
    fill(history, "a", 7);
    BOOST_TEST(history.lastSeq("a") == 7u);
    BOOST_TEST(history.lastSeq("b") == 0u);
    auto slice = history.after("a", 2, 3);
    BOOST_TEST(seqs(slice.messages) == (std::vector<std::uint64_t>{3, 4, 5}),
               boost::test_tools::per_element());
    BOOST_TEST(slice.hasMore);
    BOOST_TEST(!slice.gap.has_value());
    slice = history.after("a", 5, 3);
    BOOST_TEST(seqs(slice.messages) == (std::vector<std::uint64_t>{6, 7}),
               boost::test_tools::per_element());
    BOOST_TEST(!slice.hasMore);
    slice = history.after("a", 7, 3);
    BOOST_TEST(slice.messages.empty());
    BOOST_TEST(!slice.hasMore);
}

BOOST_AUTO_TEST_CASE(ring_overflow_reports_gap) {
    MemoryHistory history(5);
    fill(history, "a", 12);  // keeps 8..12
    auto slice = history.after("a", 0, 3);
    BOOST_TEST_REQUIRE(slice.gap.has_value());
    BOOST_TEST(slice.gap->first == 1u);
    BOOST_TEST(slice.gap->second == 7u);
    BOOST_TEST(seqs(slice.messages) == (std::vector<std::uint64_t>{8, 9, 10}),
               boost::test_tools::per_element());
    BOOST_TEST(slice.hasMore);
    slice = history.after("a", 6, 10);
    BOOST_TEST_REQUIRE(slice.gap.has_value());
    BOOST_TEST(slice.gap->first == 7u);
    BOOST_TEST(slice.gap->second == 7u);
    BOOST_TEST(slice.messages.size() == 5u);
    BOOST_TEST(slice.messages.front().text() == "m8");
    BOOST_TEST(seqs(history.tail("a", 3)) == (std::vector<std::uint64_t>{10, 11, 12}),
               boost::test_tools::per_element());
    BOOST_TEST(history.tail("a", 99).size() == 5u);
}

BOOST_AUTO_TEST_CASE(zero_capacity_keeps_only_the_seq) {
    MemoryHistory history(0);
    fill(history, "a", 4);
    BOOST_TEST(history.lastSeq("a") == 4u);
    auto slice = history.after("a", 1, 10);
    BOOST_TEST(slice.messages.empty());
    BOOST_TEST_REQUIRE(slice.gap.has_value());
    BOOST_TEST(slice.gap->first == 2u);
    BOOST_TEST(slice.gap->second == 4u);
    BOOST_TEST(history.tail("a", 3).empty());
}

BOOST_AUTO_TEST_CASE(rooms_are_separate) {
    MemoryHistory history(3);
    fill(history, "a", 2);
    fill(history, "b", 5);
    BOOST_TEST(history.after("a", 0, 10).messages.size() == 2u);
    BOOST_TEST(history.after("b", 0, 10).messages.size() == 3u);
    BOOST_TEST(history.after("c", 0, 10).messages.empty());
}

#define BOOST_TEST_MODULE PendingSendsTest
#include "model/PendingSends.hpp"

#include <boost/test/unit_test.hpp>

using namespace hermes::tui;

BOOST_AUTO_TEST_CASE(lines_leave_on_their_echo_and_count_by_state) {
    PendingSends p;
    p.add({1, "lobby", false, "hi", false, SendState::Queued, {}});
    p.add({2, "lobby", false, "there", false, SendState::Sending, {}});
    BOOST_TEST(p.unsent() == 2u);
    auto line = p.remove(1);
    BOOST_REQUIRE(line.has_value());
    BOOST_TEST(line->text == "hi");
    BOOST_TEST(!p.remove(1).has_value());  // a second echo changes nothing
    BOOST_TEST(p.unsent() == 1u);
    p.find(2)->state = SendState::Failed;
    BOOST_TEST(p.unsent() == 0u);
    BOOST_TEST(p.failed() == 1u);
}

BOOST_AUTO_TEST_CASE(retry_takes_a_windows_failed_lines_in_order) {
    PendingSends p;
    p.add({7, "lobby", false, "second", false, SendState::Failed, "x"});
    p.add({3, "lobby", false, "first", false, SendState::Failed, "x"});
    p.add({5, "dev", false, "elsewhere", false, SendState::Failed, "x"});
    p.add({9, "lobby", false, "on its way", false, SendState::Sending, {}});
    p.add({11, "lobby", true, "to a nick named lobby", false, SendState::Failed, "x"});
    const auto failed = p.takeFailed("lobby", false);
    BOOST_REQUIRE(failed.size() == 2u);
    BOOST_TEST(failed[0].text == "first");
    BOOST_TEST(failed[1].text == "second");
    BOOST_TEST(p.failed() == 2u);  // dev's and the query's stay
    BOOST_TEST(p.unsent() == 1u);
}

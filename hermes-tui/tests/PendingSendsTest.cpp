#define BOOST_TEST_MODULE PendingSendsTest
#include "model/PendingSends.hpp"

#include <boost/test/unit_test.hpp>

using namespace hermes::tui;
using namespace std::chrono_literals;

BOOST_AUTO_TEST_CASE(acknowledged_lines_leave) {
    PendingSends p(1000ms);
    const SteadyTime t0{};
    p.add({1, "lobby", "hi", false, t0});
    p.add({2, "lobby", "there", false, t0});
    BOOST_TEST(p.count() == 2u);
    auto line = p.acknowledge(1);
    BOOST_REQUIRE(line.has_value());
    BOOST_TEST(line->text == "hi");
    BOOST_TEST(!p.acknowledge(1).has_value());  // a second echo changes nothing
    BOOST_TEST(p.count() == 1u);
}

BOOST_AUTO_TEST_CASE(lines_expire_at_the_time_limit_not_before) {
    PendingSends p(1000ms);
    const SteadyTime t0{};
    p.add({1, "lobby", "early", false, t0});
    p.add({2, "lobby", "late", false, t0 + 500ms});
    BOOST_TEST((p.nextDeadline().value() == t0 + 1000ms));
    BOOST_TEST(p.expire(t0 + 999ms).empty());
    auto gone = p.expire(t0 + 1000ms);
    BOOST_REQUIRE(gone.size() == 1u);
    BOOST_TEST(gone[0].text == "early");
    BOOST_TEST((p.nextDeadline().value() == t0 + 1500ms));
    BOOST_TEST(p.expire(t0 + 2000ms).size() == 1u);
    BOOST_TEST(p.count() == 0u);
    BOOST_TEST(!p.nextDeadline().has_value());
}

BOOST_AUTO_TEST_CASE(failed_lines_are_returned_once) {
    PendingSends p;
    p.add({7, "bob", "psst", true, SteadyTime{}});
    auto line = p.fail(7);
    BOOST_REQUIRE(line.has_value());
    BOOST_TEST(line->action);
    BOOST_TEST(!p.fail(7).has_value());
    BOOST_TEST(!p.contains(7));
}

// ReadMarkerSync with a clock driven by hand: a room seen past the hub's
// marker is sent at once, then at most once per 2 s with the newest seq; a
// marker the hub already has (ours or another device's) is not sent; a
// reconnect sends again what may not have arrived.
#define BOOST_TEST_MODULE ReadMarkerSyncTest
#include "model/ReadMarkerSync.hpp"

#include <boost/test/unit_test.hpp>

using namespace hermes::tui;
using namespace std::chrono_literals;

namespace {
using Due = std::vector<std::pair<std::string, std::uint64_t>>;
const ReadMarkerSync::Time t0{};
}  // namespace

BOOST_AUTO_TEST_CASE(seen_goes_at_once_then_paced_with_the_newest) {
    ReadMarkerSync s;
    BOOST_TEST(!s.nextDue().has_value());
    s.seen("lobby", 3);
    BOOST_TEST((s.due(t0) == Due{{"lobby", 3}}));
    s.seen("lobby", 4);
    s.seen("lobby", 5);
    BOOST_TEST(s.due(t0 + 1s).empty());
    BOOST_TEST((s.nextDue() == t0 + 2s));
    BOOST_TEST((s.due(t0 + 2s) == Due{{"lobby", 5}}));
    BOOST_TEST(!s.nextDue().has_value());
}

BOOST_AUTO_TEST_CASE(what_the_hub_has_is_not_sent) {
    ReadMarkerSync s;
    s.confirmed("lobby", 9);  // another device read up to 9
    BOOST_TEST(s.marker("lobby") == 9u);
    s.seen("lobby", 9);
    BOOST_TEST(s.due(t0).empty());
    s.confirmed("lobby", 4);  // never back
    BOOST_TEST(s.marker("lobby") == 9u);
    s.seen("lobby", 0);
    BOOST_TEST(!s.nextDue().has_value());
}

BOOST_AUTO_TEST_CASE(a_reconnect_sends_again_what_was_not_confirmed) {
    ReadMarkerSync s;
    s.seen("dev", 2);
    BOOST_TEST(s.due(t0).size() == 1u);
    BOOST_TEST(s.due(t0 + 5s).empty());  // sent, not confirmed: not again
    s.reconnected();
    BOOST_TEST((s.due(t0 + 6s) == Due{{"dev", 2}}));
    s.confirmed("dev", 2);
    s.reconnected();
    BOOST_TEST(s.due(t0 + 7s).empty());
}

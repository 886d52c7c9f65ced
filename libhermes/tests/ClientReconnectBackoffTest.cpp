#define BOOST_TEST_MODULE client_reconnect_backoff
#include <boost/test/unit_test.hpp>

#include "hermes/client/ReconnectBackoff.hpp"

using hermes::client::ReconnectBackoff;
using std::chrono::milliseconds;

BOOST_AUTO_TEST_CASE(ceiling_doubles_up_to_the_cap) {
    const ReconnectBackoff backoff(milliseconds(250), milliseconds(10'000), 1);
    const std::pair<unsigned, milliseconds> cases[] = {
        {1, milliseconds(250)},       {2, milliseconds(500)},    {3, milliseconds(1000)},
        {6, milliseconds(8000)},      {7, milliseconds(10'000)}, {8, milliseconds(10'000)},
        {1000, milliseconds(10'000)},
    };
    for (const auto& [attempt, expected] : cases) {
        BOOST_TEST_CONTEXT("attempt " << attempt) {
            BOOST_TEST(backoff.ceiling(attempt).count() == expected.count());
        }
    }
}

BOOST_AUTO_TEST_CASE(delays_are_jittered_within_half_to_full_ceiling) {
    ReconnectBackoff backoff(milliseconds(100), milliseconds(1600), 42);
    bool sawBelowCeiling = false;
    for (unsigned attempt = 1; attempt <= 64; ++attempt) {
        const auto delay = backoff.next();
        const auto top = backoff.ceiling(attempt);
        BOOST_TEST_CONTEXT("attempt " << attempt) {
            BOOST_TEST(delay.count() >= top.count() / 2);
            BOOST_TEST(delay.count() <= top.count());
        }
        sawBelowCeiling = sawBelowCeiling || delay < top;
    }
    BOOST_TEST(backoff.attempts() == 64u);
    BOOST_TEST(sawBelowCeiling);  // jitter actually varies the delay
}

BOOST_AUTO_TEST_CASE(reset_starts_from_the_initial_delay) {
    ReconnectBackoff backoff(milliseconds(100), milliseconds(1600), 7);
    for (int i = 0; i < 10; ++i) {
        backoff.next();
    }
    backoff.reset();
    const auto delay = backoff.next();
    BOOST_TEST(delay.count() >= 50);
    BOOST_TEST(delay.count() <= 100);
}

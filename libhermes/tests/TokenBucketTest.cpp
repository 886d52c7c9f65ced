#define BOOST_TEST_MODULE token_bucket
#include <boost/test/unit_test.hpp>

#include "hermes/protocol/TokenBucket.hpp"

using TimePoint = hermes::protocol::TokenBucket::TimePoint;
using hermes::protocol::TokenBucket;
using namespace std::chrono_literals;

BOOST_AUTO_TEST_CASE(starts_full_then_refills_at_rate) {
    const TimePoint t0 = TimePoint{} + 100s;
    TokenBucket bucket(5.0, 3.0, t0);
    BOOST_TEST(bucket.tryTake(t0));
    BOOST_TEST(bucket.tryTake(t0));
    BOOST_TEST(bucket.tryTake(t0));
    BOOST_TEST(!bucket.tryTake(t0));
    // One token every 200 ms.
    BOOST_TEST((bucket.nextTokenAt(t0) == t0 + 200ms));
    BOOST_TEST(!bucket.tryTake(t0 + 199ms));
    BOOST_TEST(bucket.tryTake(t0 + 200ms));
    BOOST_TEST(!bucket.tryTake(t0 + 200ms));
}

BOOST_AUTO_TEST_CASE(never_holds_more_than_burst) {
    const TimePoint t0 = TimePoint{} + 100s;
    TokenBucket bucket(10.0, 2.0, t0);
    const TimePoint later = t0 + 1h;
    BOOST_TEST(bucket.tokens(later) == 2.0);
    BOOST_TEST(bucket.tryTake(later));
    BOOST_TEST(bucket.tryTake(later));
    BOOST_TEST(!bucket.tryTake(later));
}

BOOST_AUTO_TEST_CASE(zero_rate_is_unlimited) {
    const TimePoint t0 = TimePoint{} + 100s;
    TokenBucket bucket(0.0, 1.0, t0);
    for (int i = 0; i < 1000; ++i) {
        BOOST_TEST_REQUIRE(bucket.tryTake(t0));
    }
    BOOST_TEST((bucket.nextTokenAt(t0) == t0));
}

BOOST_AUTO_TEST_CASE(next_token_time_is_enough) {
    // Whatever the rate, a tick at nextTokenAt() must find a token.
    const TimePoint t0 = TimePoint{} + 100s;
    for (double rate : {0.3, 1.0, 3.0, 7.0, 1000.0}) {
        BOOST_TEST_CONTEXT("rate " << rate) {
            TokenBucket bucket(rate, 1.0, t0);
            BOOST_TEST(bucket.tryTake(t0));
            const TimePoint when = bucket.nextTokenAt(t0);
            BOOST_TEST((when > t0));
            BOOST_TEST(bucket.tryTake(when));
        }
    }
}

BOOST_AUTO_TEST_CASE(a_grant_goes_past_burst_and_is_spent_before_time_refills) {
    const TimePoint t0 = TimePoint{} + 100s;
    TokenBucket bucket(5.0, 2.0, t0);
    BOOST_TEST(bucket.tryTake(t0));
    BOOST_TEST(bucket.tryTake(t0));
    // A second later it holds 2 again (its burst); the grant adds 7 on top.
    bucket.grant(t0 + 1s, 7.0);
    BOOST_TEST(bucket.tokens(t0 + 1s) == 9.0);
    // Time adds nothing while it holds more than its burst, takes nothing away.
    BOOST_TEST(bucket.tokens(t0 + 60s) == 9.0);
    for (int i = 0; i < 9; ++i) {
        BOOST_TEST_REQUIRE(bucket.tryTake(t0 + 60s));
    }
    BOOST_TEST(!bucket.tryTake(t0 + 60s));
    // Then it refills at its rate as before.
    BOOST_TEST(bucket.tryTake(t0 + 60s + 200ms));
}

BOOST_AUTO_TEST_CASE(grants_do_not_add_up) {
    // Each grant raises the bucket to burst + credit; a second one replaces
    // what is left of the first (two pauses are not twice the credit).
    const TimePoint t0 = TimePoint{} + 100s;
    TokenBucket bucket(5.0, 2.0, t0);
    bucket.grant(t0, 7.0);
    BOOST_TEST(bucket.tokens(t0) == 9.0);
    bucket.grant(t0 + 1s, 7.0);
    BOOST_TEST(bucket.tokens(t0 + 1s) == 9.0);
    bucket.grant(t0 + 2s, 3.0);  // a smaller one takes nothing away
    BOOST_TEST(bucket.tokens(t0 + 2s) == 9.0);
    for (int i = 0; i < 5; ++i) {
        BOOST_TEST_REQUIRE(bucket.tryTake(t0 + 2s));
    }
    bucket.grant(t0 + 2s, 7.0);  // 4 left: raised to 9 again, not 13
    BOOST_TEST(bucket.tokens(t0 + 2s) == 9.0);
}

BOOST_AUTO_TEST_CASE(dropping_a_grant_keeps_at_most_burst) {
    const TimePoint t0 = TimePoint{} + 100s;
    TokenBucket bucket(5.0, 2.0, t0);
    bucket.grant(t0, 10.0);
    BOOST_TEST(bucket.tokens(t0) == 12.0);
    bucket.dropGrant();
    BOOST_TEST(bucket.tokens(t0) == 2.0);
    TokenBucket unlimited(0.0, 1.0, t0);
    unlimited.grant(t0, 10.0);  // nothing to grant: it is unlimited anyway
    BOOST_TEST(unlimited.tryTake(t0));
}

// A config reload (Hub::reload): a larger burst is there at once, a smaller
// one caps what is held, and the new rate refills from then on.
BOOST_AUTO_TEST_CASE(retune_moves_tokens_by_the_change_of_burst) {
    const TimePoint t0 = TimePoint{} + 100s;
    TokenBucket bucket(1.0, 3.0, t0);
    BOOST_TEST(bucket.tryTake(t0));
    BOOST_TEST(bucket.tryTake(t0));
    bucket.retune(100.0, 50.0, t0);  // held 1: now 1 + 47
    BOOST_TEST(bucket.tokens(t0) == 48.0);
    BOOST_TEST((bucket.nextTokenAt(t0) == t0));
    for (int i = 0; i < 48; ++i) {
        BOOST_TEST(bucket.tryTake(t0));
    }
    BOOST_TEST(!bucket.tryTake(t0));
    BOOST_TEST(!bucket.tryTake(t0 + 9ms));  // the new rate: one each 10 ms
    BOOST_TEST(bucket.tryTake(t0 + 11ms));
    bucket.retune(1.0, 2.0, t0 + 1s);  // refilled to 50, capped at 2
    BOOST_TEST(bucket.tokens(t0 + 1s) == 2.0);
    TokenBucket unlimited(0.0, 5.0, t0);
    unlimited.retune(1.0, 4.0, t0);  // from unlimited: starts full
    BOOST_TEST(unlimited.tokens(t0) == 4.0);
    BOOST_TEST(!unlimited.unlimited());
}

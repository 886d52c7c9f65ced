// SignInThrottle: a bucket per key; an attempt takes from every key or from
// none; a right password gives its tokens back; the table stays bounded and
// never forgets a key that still counts failures.
#define BOOST_TEST_MODULE sign_in_throttle
#include <boost/test/unit_test.hpp>

#include <chrono>

#include "hermes/hub/SignInThrottle.hpp"

using namespace std::chrono_literals;
using hermes::hub::SignInThrottle;
using hermes::hub::TimePoint;

BOOST_AUTO_TEST_CASE(burst_then_the_rate) {
    SignInThrottle throttle(1.0, 3, 100);  // 3 at once, then one a second
    TimePoint now{};
    for (int i = 0; i < 3; ++i) {
        BOOST_TEST(!throttle.take({"account:ana"}, now).has_value());
    }
    const auto wait = throttle.take({"account:ana"}, now);
    BOOST_TEST_REQUIRE(wait.has_value());
    BOOST_TEST(std::chrono::duration_cast<std::chrono::milliseconds>(*wait).count() == 1000);
    // A refused attempt takes nothing: half a second later it is half as long.
    now += 500ms;
    const auto later = throttle.take({"account:ana"}, now);
    BOOST_TEST_REQUIRE(later.has_value());
    BOOST_TEST(std::chrono::duration_cast<std::chrono::milliseconds>(*later).count() == 500);
    now += 500ms;
    BOOST_TEST(!throttle.take({"account:ana"}, now).has_value());
}

BOOST_AUTO_TEST_CASE(all_keys_or_none) {
    SignInThrottle throttle(0.1, 2, 100);
    TimePoint now{};
    BOOST_TEST(!throttle.take({"account:ana", "address:10.0.0.1"}, now));
    BOOST_TEST(!throttle.take({"account:ana", "address:10.0.0.1"}, now));
    // The address is spent: another account from it is refused, and that
    // account's bucket is not charged for it.
    BOOST_TEST(throttle.take({"account:bob", "address:10.0.0.1"}, now).has_value());
    BOOST_TEST(!throttle.take({"account:bob", "address:10.0.0.2"}, now));
    BOOST_TEST(!throttle.take({"account:bob", "address:10.0.0.2"}, now));
    BOOST_TEST(throttle.take({"account:bob", "address:10.0.0.3"}, now).has_value());
}

BOOST_AUTO_TEST_CASE(a_right_password_gives_its_tokens_back) {
    SignInThrottle throttle(0.0, 2, 100);  // never refills
    TimePoint now{};
    for (int i = 0; i < 10; ++i) {
        BOOST_TEST_REQUIRE(!throttle.take({"account:ana"}, now));
        throttle.giveBack({"account:ana"}, now);
    }
    BOOST_TEST(!throttle.take({"account:ana"}, now));
    BOOST_TEST(!throttle.take({"account:ana"}, now));
    BOOST_TEST(throttle.take({"account:ana"}, now).has_value());
}

BOOST_AUTO_TEST_CASE(bounded_without_forgetting_failures) {
    SignInThrottle throttle(1.0, 1, 4);
    TimePoint now{};
    for (int i = 0; i < 4; ++i) {
        BOOST_TEST(!throttle.take({"address:" + std::to_string(i)}, now));
    }
    BOOST_TEST(throttle.size() == 4u);
    // Full of keys that count a failure: a new key waits, none is dropped.
    BOOST_TEST(throttle.take({"address:new"}, now).has_value());
    BOOST_TEST(throttle.size() == 4u);
    BOOST_TEST(throttle.take({"address:0"}, now).has_value());
    // Once their buckets are full again they hold nothing and make room.
    now += 2s;
    BOOST_TEST(!throttle.take({"address:new"}, now));
    BOOST_TEST(throttle.size() == 1u);
}

// A full table makes room before it takes any bucket: the bucket found for
// the first key (full again, so a sweep would drop it) is never freed under
// the second key's lookup (ASan would report the write to it).
BOOST_AUTO_TEST_CASE(a_sweep_never_frees_a_bucket_being_taken) {
    hermes::hub::SignInThrottle throttle(1.0, 2.0, 2);
    auto now = hermes::hub::Clock::now();
    BOOST_TEST(!throttle.take({"account:a"}, now));
    BOOST_TEST(!throttle.take({"address:x"}, now));
    now += 5s;  // both full again: sweepable
    BOOST_TEST(!throttle.take({"account:a", "address:y"}, now));
    BOOST_TEST(throttle.size() == 2u);
    BOOST_TEST(!throttle.take({"account:a", "address:y"}, now));
    BOOST_TEST(throttle.take({"account:a", "address:y"}, now).has_value());  // 2 taken of 2
}

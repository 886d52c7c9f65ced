// PasswordHasher: Argon2id strings that verify their password and no other,
// with the cost they were made with; the constant-time comparison of the
// hub password. Prints what one hash costs at libsodium's INTERACTIVE limits
// (the hub's default), a figure, not an assertion.
#define BOOST_TEST_MODULE password_hasher
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <cstdio>
#include <stdexcept>

#include "hermes/hub/PasswordHasher.hpp"

using hermes::hub::PasswordHasher;

BOOST_AUTO_TEST_CASE(hash_verifies_its_password_only) {
    const PasswordHasher hasher(8, 1);
    const auto hash = hasher.hash("correct horse");
    BOOST_TEST_REQUIRE(hash.has_value());
    BOOST_TEST(hash->rfind("$argon2id$", 0) == 0u);
    BOOST_TEST(hash->find("m=8,t=1") != std::string::npos);
    BOOST_TEST(hash->find("correct") == std::string::npos);
    BOOST_TEST(hasher.verify(*hash, "correct horse"));
    BOOST_TEST(!hasher.verify(*hash, "correct horse "));
    BOOST_TEST(!hasher.verify(*hash, ""));
    // Salted: the same password hashes differently each time.
    BOOST_TEST(*hasher.hash("correct horse") != *hash);
    // A hash keeps its own cost: another hasher still verifies it.
    const PasswordHasher other(16, 2);
    BOOST_TEST(other.verify(*hash, "correct horse"));
    BOOST_TEST(!other.verify("not a hash", "correct horse"));
}

BOOST_AUTO_TEST_CASE(cost_outside_libsodium_bounds_is_refused) {
    BOOST_CHECK_THROW(PasswordHasher(4, 1), std::invalid_argument);
    BOOST_CHECK_THROW(PasswordHasher(8, 0), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(same_secret) {
    BOOST_TEST(PasswordHasher::sameSecret("open sesame", "open sesame"));
    BOOST_TEST(!PasswordHasher::sameSecret("open sesame", "open sesamE"));
    BOOST_TEST(!PasswordHasher::sameSecret("open sesame", "open sesame!"));
    BOOST_TEST(!PasswordHasher::sameSecret("", "x"));
    std::string secret = "wipe me";
    PasswordHasher::wipe(secret);
    BOOST_TEST(secret.empty());
}

BOOST_AUTO_TEST_CASE(interactive_cost_is_printed) {
    const PasswordHasher hasher(64 * 1024, 2);  // the hub's default
    const auto start = std::chrono::steady_clock::now();
    const auto hash = hasher.hash("correct horse");
    const auto hashed = std::chrono::steady_clock::now();
    BOOST_TEST_REQUIRE(hash.has_value());
    BOOST_TEST(hasher.verify(*hash, "correct horse"));
    const auto verified = std::chrono::steady_clock::now();
    using ms = std::chrono::duration<double, std::milli>;
    std::printf("Argon2id INTERACTIVE (64 MiB, t=2): hash %.1f ms, verify %.1f ms\n",
                ms(hashed - start).count(), ms(verified - hashed).count());
}

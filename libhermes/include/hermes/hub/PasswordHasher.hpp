#pragma once
// Argon2id password hashes through libsodium (crypto_pwhash_str and
// crypto_pwhash_str_verify): the only form in which the hub keeps an
// account's password. A hash string carries its own salt and cost
// ("$argon2id$v=19$m=65536,t=2,p=1$..."), so hashes made with another cost
// still verify.
//
// Each call takes tens of milliseconds and `memoryKib` of memory: never on
// the hub's thread (AccountWorker runs them).
//
// Also the constant-time comparison of the hub password.
//
// Threading: immutable after construction; any thread.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace hermes::hub {

class PasswordHasher {
public:
    // Throws std::invalid_argument when the cost is outside libsodium's
    // bounds, std::runtime_error when libsodium cannot start.
    PasswordHasher(std::size_t memoryKib, std::uint32_t ops);

    // The hash of `password`; nullopt when libsodium could not allocate
    // its memory.
    std::optional<std::string> hash(std::string_view password) const;
    // True when `password` is the one `hash` was made from.
    bool verify(const std::string& hash, std::string_view password) const;

    // Compares two secrets in time that depends on neither (both are
    // reduced to a BLAKE2b digest first, so their lengths do not show).
    static bool sameSecret(std::string_view a, std::string_view b);
    // Overwrites a string that held a password before it is freed.
    static void wipe(std::string& secret);

private:
    std::size_t memoryBytes_;
    unsigned long long ops_;
};

}  // namespace hermes::hub

#include "hermes/hub/PasswordHasher.hpp"

#include <array>
#include <stdexcept>

#include <sodium.h>

namespace hermes::hub {

PasswordHasher::PasswordHasher(std::size_t memoryKib, std::uint32_t ops)
    : memoryBytes_(memoryKib * 1024), ops_(ops) {
    if (sodium_init() < 0) {
        throw std::runtime_error("libsodium cannot start (sodium_init failed)");
    }
    if (memoryBytes_ < crypto_pwhash_MEMLIMIT_MIN || memoryBytes_ > crypto_pwhash_MEMLIMIT_MAX) {
        throw std::invalid_argument("accounts.hash_memory_kib " + std::to_string(memoryKib) +
                                    " is outside libsodium's bounds (at least " +
                                    std::to_string(crypto_pwhash_MEMLIMIT_MIN / 1024) + ")");
    }
    if (ops_ < crypto_pwhash_OPSLIMIT_MIN || ops_ > crypto_pwhash_OPSLIMIT_MAX) {
        throw std::invalid_argument("accounts.hash_ops " + std::to_string(ops) +
                                    " is outside libsodium's bounds (at least " +
                                    std::to_string(crypto_pwhash_OPSLIMIT_MIN) + ")");
    }
}

std::optional<std::string> PasswordHasher::hash(std::string_view password) const {
    std::array<char, crypto_pwhash_STRBYTES> out{};
    if (crypto_pwhash_str_alg(out.data(), password.data(), password.size(), ops_, memoryBytes_,
                              crypto_pwhash_ALG_ARGON2ID13) != 0) {
        return std::nullopt;  // out of memory
    }
    return std::string(out.data());
}

bool PasswordHasher::verify(const std::string& hash, std::string_view password) const {
    return crypto_pwhash_str_verify(hash.c_str(), password.data(), password.size()) == 0;
}

bool PasswordHasher::sameSecret(std::string_view a, std::string_view b) {
    std::array<unsigned char, crypto_generichash_BYTES> da{};
    std::array<unsigned char, crypto_generichash_BYTES> db{};
    crypto_generichash(da.data(), da.size(), reinterpret_cast<const unsigned char*>(a.data()),
                       a.size(), nullptr, 0);
    crypto_generichash(db.data(), db.size(), reinterpret_cast<const unsigned char*>(b.data()),
                       b.size(), nullptr, 0);
    return sodium_memcmp(da.data(), db.data(), da.size()) == 0;
}

void PasswordHasher::wipe(std::string& secret) {
    if (!secret.empty()) {
        sodium_memzero(secret.data(), secret.size());
    }
    secret.clear();
}

}  // namespace hermes::hub

#include "hermes/tls/Fingerprint.hpp"

#include <cctype>
#include <cstdio>
#include <stdexcept>

#include <openssl/pem.h>

#include "hermes/tls/OpenSslHandles.hpp"

namespace hermes::tls {

namespace {
constexpr std::size_t kDigestBytes = 32;
}

std::string fingerprintOf(const X509& certificate) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    if (X509_digest(&certificate, EVP_sha256(), digest, &length) != 1 || length != kDigestBytes) {
        throw std::runtime_error("SHA-256 of a certificate: " +
                                 takeOpenSslError("X509_digest failed"));
    }
    static constexpr char kHex[] = "0123456789ABCDEF";
    std::string text(kFingerprintPrefix);
    for (unsigned int i = 0; i < length; ++i) {
        if (i > 0) {
            text += ':';
        }
        text += kHex[digest[i] >> 4];
        text += kHex[digest[i] & 0x0F];
    }
    return text;
}

std::string fingerprintOfPemFile(const std::string& path) {
    const BioPtr file(BIO_new_file(path.c_str(), "r"));
    if (!file) {
        throw std::runtime_error("certificate " + path + ": " +
                                 takeOpenSslError("cannot open the file"));
    }
    const X509Ptr certificate(PEM_read_bio_X509(file.get(), nullptr, nullptr, nullptr));
    if (!certificate) {
        throw std::runtime_error("certificate " + path + ": not a PEM certificate (" +
                                 takeOpenSslError("no certificate found") + ")");
    }
    return fingerprintOf(*certificate);
}

bool isFingerprint(std::string_view text) {
    if (text.size() != kFingerprintPrefix.size() + kDigestBytes * 3 - 1) {
        return false;
    }
    for (std::size_t i = 0; i < kFingerprintPrefix.size(); ++i) {
        if (std::toupper(static_cast<unsigned char>(text[i])) != kFingerprintPrefix[i]) {
            return false;
        }
    }
    const std::string_view pairs = text.substr(kFingerprintPrefix.size());
    for (std::size_t i = 0; i < pairs.size(); ++i) {
        const auto c = static_cast<unsigned char>(pairs[i]);
        if (i % 3 == 2 ? c != ':' : std::isxdigit(c) == 0) {
            return false;
        }
    }
    return true;
}

std::string normalizeFingerprint(std::string_view text) {
    std::string out(text);
    for (char& c : out) {
        c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    }
    return out;
}

}  // namespace hermes::tls

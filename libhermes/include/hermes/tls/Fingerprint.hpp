#pragma once
// A certificate's identity for people: the SHA-256 digest of its DER bytes,
// written "SHA256:" then the 32 bytes as upper-case hex pairs separated by
// colons ("SHA256:3F:A0:...:9C"). The hex pairs are what
// `openssl x509 -noout -fingerprint -sha256 -in hub.crt` and the browsers'
// certificate viewers show, so a person can compare them by eye; the prefix
// names the digest, as ssh's fingerprints do. What hermesd logs, known_hubs
// stores and --trust-fingerprint takes.
//
// Threading: free functions.

#include <string>
#include <string_view>

#include <openssl/x509.h>

namespace hermes::tls {

inline constexpr std::string_view kFingerprintPrefix = "SHA256:";

// Throws std::runtime_error if OpenSSL cannot digest the certificate.
std::string fingerprintOf(const X509& certificate);

// The fingerprint of the first certificate in a PEM file. Throws
// std::runtime_error naming the file if it cannot be read or parsed.
std::string fingerprintOfPemFile(const std::string& path);

// True if `text` has the form above (the prefix in any case, 32 hex pairs);
// normalizeFingerprint() writes it upper-case, as fingerprintOf() does.
bool isFingerprint(std::string_view text);
std::string normalizeFingerprint(std::string_view text);

}  // namespace hermes::tls

#pragma once
// A self-signed certificate and its key for a hub that was given none: an EC
// P-256 key (every TLS 1.2+ client and browser takes it; fast handshakes),
// signed with SHA-256, valid from an hour ago for ten years, with the
// subject's CN and subjectAltNames "localhost", 127.0.0.1 and the machine's
// host name (a browser still asks the user to accept it: nobody vouches for
// it but the fingerprint). Written as PEM: the certificate mode 0644, the key
// mode 0600 (created so, never wider for an instant), each through a
// temporary file renamed into place, so a crash leaves no half file.
//
// Threading: free functions.

#include <string>

namespace hermes::tls {

struct CertificateFiles {
    std::string certificatePath;
    std::string keyPath;
};

// Generates and writes both files, replacing any there. Throws
// std::runtime_error naming the file and OpenSSL's or the system's reason.
void writeSelfSignedCertificate(const CertificateFiles& files, const std::string& commonName);

}  // namespace hermes::tls

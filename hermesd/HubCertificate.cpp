#include "HubCertificate.hpp"

#include <unistd.h>

#include <filesystem>
#include <stdexcept>

#include "hermes/tls/Fingerprint.hpp"
#include "hermes/tls/SelfSignedCertificate.hpp"

namespace hermesd {

namespace {

// The self-signed pair's names, beside the database.
constexpr const char* kCertificateName = "hermes-hub.crt";
constexpr const char* kKeyName = "hermes-hub.key";

std::string commonName() {
    char host[256] = {};
    if (::gethostname(host, sizeof host - 1) == 0 && host[0] != '\0') {
        return std::string("hermes hub on ") + host;
    }
    return "hermes hub";
}

}  // namespace

HubCertificate loadHubCertificate(const TlsConfig& tls, const HistoryConfig& history,
                                  Poco::Logger& log) {
    hermes::tls::CertificateFiles files{tls.certificate, tls.key};
    bool generated = false;
    if (files.certificatePath.empty()) {
        // Beside the database even when history is not persisted: the
        // identity must survive restarts either way.
        const std::filesystem::path directory =
            std::filesystem::absolute(history.path).parent_path();
        files.certificatePath = (directory / kCertificateName).string();
        files.keyPath = (directory / kKeyName).string();
        std::error_code error;
        const bool haveCertificate = std::filesystem::exists(files.certificatePath, error);
        const bool haveKey = std::filesystem::exists(files.keyPath, error);
        if (haveCertificate != haveKey) {
            // Half a pair is not ours to replace: a key may be all that is
            // left of the identity clients pinned.
            throw std::runtime_error(
                "found " + (haveCertificate ? files.certificatePath : files.keyPath) + " without " +
                (haveCertificate ? files.keyPath : files.certificatePath) +
                ": restore it, or remove both for a new certificate "
                "(clients that pinned the old one will refuse the new)");
        }
        if (!haveCertificate) {
            std::filesystem::create_directories(directory, error);
            hermes::tls::writeSelfSignedCertificate(files, commonName());
            generated = true;
            log.notice("tls: made a self-signed certificate %s (key %s, mode 0600)",
                       files.certificatePath, files.keyPath);
        }
    }
    HubCertificate result{hermes::tls::TlsContext::server(files.certificatePath, files.keyPath),
                          files.certificatePath, files.keyPath,
                          hermes::tls::fingerprintOfPemFile(files.certificatePath), generated};
    return result;
}

}  // namespace hermesd

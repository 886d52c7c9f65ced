#pragma once
// The hub's TLS identity at start: the configured certificate and key (PEM,
// used as they are), or else a self-signed pair kept beside the history
// database (hermes-hub.crt, hermes-hub.key with mode 0600, in the directory
// of history.path), made on the first start with TLS on and reused after,
// so clients that pinned its fingerprint keep trusting it.
//
// Threading: called once by the daemon's main thread before it listens.

#include <string>

#include <Poco/Logger.h>

#include "DaemonConfig.hpp"
#include "hermes/tls/TlsContext.hpp"

namespace hermesd {

struct HubCertificate {
    hermes::tls::TlsContext context;
    std::string certificatePath;
    std::string keyPath;
    std::string fingerprint;  // Fingerprint.hpp's form, logged at every start
    bool generated = false;   // made by this start
};

// Throws std::runtime_error naming the file and why (unreadable, not PEM,
// a key that does not match, a directory that cannot be written).
HubCertificate loadHubCertificate(const TlsConfig& tls, const HistoryConfig& history,
                                  Poco::Logger& log);

}  // namespace hermesd

#pragma once
// Reading what a test's hub logged: its TLS fingerprint, and waiting for a
// line (hermesd logs to its file asynchronously).
//
// Threading: the test's thread.

#include <poll.h>

#include <stdexcept>
#include <string>
#include <string_view>

#include "Deadline.hpp"
#include "HubProcess.hpp"

namespace hermes::it {

// The fingerprint hermesd logged at start ("tls: certificate ..., fingerprint
// SHA256:..."). Found by hand: GCC 12 warns of std::regex's own internals
// when optimising (a false positive that -Werror turns into a failed build).
inline std::string loggedFingerprint(const HubProcess& hub) {
    constexpr std::string_view kMark = "fingerprint ";
    constexpr std::size_t kLength = 7 + 95;  // "SHA256:" and 32 hex pairs with colons
    const std::string log = hub.log();
    const auto at = log.find("fingerprint SHA256:");
    const std::string fingerprint =
        at == std::string::npos ? std::string() : log.substr(at + kMark.size(), kLength);
    if (fingerprint.size() != kLength ||
        fingerprint.find_first_not_of("SHA256:0123456789ABCDEF") != std::string::npos) {
        throw std::runtime_error("no fingerprint in the hub's log:\n" + hub.logTail());
    }
    return fingerprint;
}

// Waits until the hub's log holds `text`.
inline bool logShows(const HubProcess& hub, const std::string& text, Deadline deadline) {
    while (hub.log().find(text) == std::string::npos) {
        if (pollTimeoutMs(deadline) == 0) {
            return false;
        }
        ::poll(nullptr, 0, 20);
    }
    return true;
}

}  // namespace hermes::it

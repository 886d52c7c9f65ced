#include "hermes/client/KnownHubs.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <system_error>

#include "hermes/tls/Fingerprint.hpp"

namespace hermes::client {

KnownHubs::KnownHubs(std::string path) : path_(path.empty() ? defaultPath() : std::move(path)) {}

std::string KnownHubs::defaultPath() {
    const char* data = std::getenv("XDG_DATA_HOME");
    if (data != nullptr && data[0] == '/') {
        return std::string(data) + "/hermes/known_hubs";
    }
    const char* home = std::getenv("HOME");
    return std::string(home != nullptr ? home : ".") + "/.local/share/hermes/known_hubs";
}

KnownHubs::Verdict KnownHubs::check(const std::string& hub, const std::string& fingerprint) const {
    Verdict verdict;
    std::ifstream in(path_);
    std::string line;
    const std::string wanted = tls::normalizeFingerprint(fingerprint);
    for (int number = 1; std::getline(in, line); ++number) {
        std::istringstream fields(line);
        std::string name, pinned;
        if (!(fields >> name >> pinned) || name.front() == '#' || name != hub) {
            continue;
        }
        if (tls::normalizeFingerprint(pinned) == wanted) {
            return Verdict{Verdict::Kind::Trusted, pinned, number};
        }
        // The first line for the hub that differs; a later matching line
        // (the user appended the new one) still wins.
        if (verdict.kind == Verdict::Kind::Unknown) {
            verdict = Verdict{Verdict::Kind::Changed, pinned, number};
        }
    }
    return verdict;
}

void KnownHubs::add(const std::string& hub, const std::string& fingerprint) const {
    const std::filesystem::path file(path_);
    std::error_code error;
    if (file.has_parent_path() && !std::filesystem::exists(file.parent_path(), error)) {
        std::filesystem::create_directories(file.parent_path(), error);
        if (error) {
            throw std::runtime_error("cannot create " + file.parent_path().string() + ": " +
                                     error.message());
        }
        std::filesystem::permissions(file.parent_path(), std::filesystem::perms::owner_all, error);
    }
    const int fd = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (fd < 0) {
        throw std::runtime_error("cannot open " + path_ + ": " +
                                 std::generic_category().message(errno));
    }
    const std::string line = hub + " " + tls::normalizeFingerprint(fingerprint) + "\n";
    const ssize_t n = ::write(fd, line.data(), line.size());
    const int writeError = errno;
    ::close(fd);
    if (n != static_cast<ssize_t>(line.size())) {
        throw std::runtime_error("cannot write " + path_ + ": " +
                                 std::generic_category().message(n < 0 ? writeError : ENOSPC));
    }
}

std::string describeUntrustedHub(const KnownHubs& knownHubs, const std::string& hub,
                                 const std::string& fingerprint,
                                 const KnownHubs::Verdict& verdict) {
    if (verdict.kind == KnownHubs::Verdict::Kind::Changed) {
        return "the TLS certificate of the hub at " + hub +
               " has CHANGED: someone may be impersonating it, or its operator replaced the "
               "certificate.\n  pinned:    " +
               verdict.pinned + "\n  presented: " + fingerprint + "\n  (" + knownHubs.path() +
               ", line " + std::to_string(verdict.line) +
               ")\nIf the change is expected (ask the hub's operator for its fingerprint), "
               "remove that line, e.g.\n  sed -i '" +
               std::to_string(verdict.line) + "d' " + knownHubs.path() +
               "\nand connect again. Not connecting.";
    }
    return "the hub at " + hub + " is not in " + knownHubs.path() +
           ".\nIts TLS certificate's fingerprint is\n  " + fingerprint +
           "\nCompare it with the one the hub's operator sees in hermesd's log (\"tls: "
           "certificate ..., fingerprint ...\").";
}

}  // namespace hermes::client

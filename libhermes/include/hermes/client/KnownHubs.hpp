#pragma once
// The hubs a user trusts, pinned like ssh's known_hosts: a text file, one
// line per hub, "host:port SHA256:AB:CD:..." (the fingerprint of the hub's
// TLS certificate, Fingerprint.hpp). Lines starting with '#' and blank lines
// are ignored. By default $XDG_DATA_HOME/hermes/known_hubs, or
// ~/.local/share/hermes/known_hubs.
//
// The client checks the hub's certificate against it after the TLS handshake
// and before it sends a byte of its own: Trusted goes on; Unknown (first use)
// and Changed stop the connection and are the UI's to decide (ClientCore.hpp,
// EventKind::UntrustedHub). The file is read afresh at every check, so a hub
// the UI adds is trusted by the next connection.
//
// Threading: a value; each call opens the file itself. Two processes adding
// at once each append a whole line (O_APPEND).

#include <string>

namespace hermes::client {

class KnownHubs {
public:
    // The path given, or defaultPath() if it is empty.
    explicit KnownHubs(std::string path = {});

    // $XDG_DATA_HOME/hermes/known_hubs, else $HOME/.local/share/hermes/known_hubs.
    static std::string defaultPath();

    struct Verdict {
        enum class Kind { Trusted, Unknown, Changed };
        Kind kind = Kind::Unknown;
        std::string pinned;  // Changed: the fingerprint on file
        int line = 0;        // Trusted, Changed: its line number (1-based)
    };
    // `hub`: "host:port" as the user named it.
    Verdict check(const std::string& hub, const std::string& fingerprint) const;

    // Appends "hub fingerprint", creating the directory (0700) and the file
    // (0600) if needed. Throws std::runtime_error naming the file.
    void add(const std::string& hub, const std::string& fingerprint) const;

    const std::string& path() const { return path_; }

private:
    std::string path_;
};

// What a UI tells its user about a hub the file does not vouch for: the
// fingerprint, and for a changed one the old one, the file and line, and how
// to remove it if the change is expected. `hub`: "host:port".
std::string describeUntrustedHub(const KnownHubs& knownHubs, const std::string& hub,
                                 const std::string& fingerprint, const KnownHubs::Verdict& verdict);

}  // namespace hermes::client

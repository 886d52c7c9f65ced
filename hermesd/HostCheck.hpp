#pragma once
// Which names the HTTP listener answers to, against DNS rebinding. A hostile
// page on the internet can make its own name resolve to the hub's LAN
// address; the browser then sends the page's requests, its WebSocket
// included, to the hub with that name as Host and the page's origin as
// Origin, so the Origin check alone (which compares the two) passes, and the
// page would chat, read the rooms and probe the hub from inside the LAN. The
// attacker cannot choose the Host header, though: it is the name it made
// resolve. So a request is served only when its Host is
//
// - an address literal (IPv4, or IPv6 in brackets): a name nobody owns;
// - localhost, or a name under .localhost;
// - this machine's name (gethostname()) or that name under .local (mDNS);
// - a name in http.allowed_hosts ("*": any, the check is off), or the host
//   of an Origin in http.allowed_origins (a page allowed to use the hub
//   names it);
// - absent: not a browser (every browser sends Host), so nothing to protect.
//
// Names are compared without case, port, or a trailing dot. No name is
// looked up: the check sends nothing to the network.
//
// Threading: immutable after construction; any thread.

#include <string>
#include <string_view>
#include <vector>

namespace hermesd {

class HostCheck {
public:
    // `machineName`: this machine's name (gethostname()), "" for none.
    HostCheck(const std::vector<std::string>& allowedHosts,
              const std::vector<std::string>& allowedOrigins, std::string_view machineName);

    // True when a request with this Host header may be served.
    bool allows(std::string_view hostHeader) const;
    // The names allowed besides address literals and localhost, for the log.
    std::string describe() const;

private:
    bool any_ = false;
    std::vector<std::string> names_;  // lower case, no port, no trailing dot
};

}  // namespace hermesd

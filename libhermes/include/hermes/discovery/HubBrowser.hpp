#pragma once
// Finds the hubs that announce themselves on the LAN (_hermes._tcp over
// DNS-SD/mDNS, docs/HUB.md "Discovery") through the system's avahi-daemon:
// browses for a bounded time, resolves each instance to an address, a port
// and its TXT record (HubRecord.hpp), and returns the list. Shared by
// hermes-cat --discover and hermes-tui --discover (library hermes_discovery,
// the only users of libavahi-client on the client side).
//
// The browse ends at `timeout`, or sooner once avahi-daemon says it has
// nothing more for now (ALL_FOR_NOW) and every instance seen is resolved.
// An instance seen over IPv4 and IPv6 is listed once, by its IPv4 address
// when it has one. Instances that do not resolve in time are left out.
//
// Threading: browseHubs() blocks the calling thread (Avahi's simple poll, on
// that thread only) and keeps no state between calls.

#include <chrono>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "hermes/discovery/HubRecord.hpp"

namespace hermes::discovery {

struct DiscoveredHub {
    std::string instance;  // the DNS-SD instance name ("office", "office #2")
    std::string host;      // its mDNS host name ("hubhost.local")
    std::string address;   // what to connect to: "10.0.0.5", or "fe80::1%eth0"
    std::uint16_t port = 0;
    std::string interface;  // the interface it was found on
    HubRecord record;       // from its TXT record
};

// avahi-daemon (or the D-Bus system bus it is reached through) is not there,
// or refused the browse. what() says which.
class DiscoveryError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

inline constexpr std::chrono::milliseconds kDefaultBrowseTime{2000};

// Sorted by instance name, then address.
std::vector<DiscoveredHub> browseHubs(std::chrono::milliseconds timeout = kDefaultBrowseTime);

}  // namespace hermes::discovery

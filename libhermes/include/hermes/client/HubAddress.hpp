#pragma once
// One hub a client may connect to, and the list a user gives for a cluster:
// "hub-a:7070,hub-b:7071,[::1]:7072" (docs/CLUSTER.md "Clients"). The client
// tries them in turn (ClientSession: the next one after a connect that
// failed or a connection that dropped).
//
// Threading: plain values and pure functions.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace hermes::client {

struct HubAddress {
    std::string host;
    std::uint16_t port = 7070;

    // "host:port", "[v6]:port" for an IPv6 literal: what Connecting shows.
    std::string text() const;
    bool operator==(const HubAddress&) const = default;
};

// Parses a comma-separated list of hubs: each "host", "host:port",
// "[v6]" or "[v6]:port" (a bare IPv6 literal, with more than one colon, is a
// host without a port). A hub without a port gets `defaultPort`. Spaces
// around items are ignored; duplicates are kept once. Throws
// std::invalid_argument naming the item at fault: an empty item, a port that
// is not 1..65535, an unclosed '['.
std::vector<HubAddress> parseHubList(std::string_view text, std::uint16_t defaultPort);

// The inverse: "a:7070,b:7071".
std::string formatHubList(const std::vector<HubAddress>& hubs);

}  // namespace hermes::client

#pragma once
// Who may read the hub's metrics (metrics.allow): a list of networks in CIDR
// notation ("192.168.0.0/16", "::1/128"; an address alone is its own /32 or
// /128), or "*" for anyone. An IPv4 peer seen as an IPv4-mapped IPv6 address
// (::ffff:a.b.c.d, a dual-stack socket) is matched as the IPv4 address.
//
// Threading: const after construction; read by any HTTP thread.

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include <Poco/Net/IPAddress.h>

namespace hermesd {

class AddressAllowList {
public:
    // Throws Poco::InvalidArgumentException naming the entry that is not a
    // network.
    explicit AddressAllowList(const std::vector<std::string>& entries);

    bool allows(const Poco::Net::IPAddress& address) const;
    bool anyone() const { return anyone_; }

private:
    struct Network {
        bool v6 = false;
        std::array<std::uint8_t, 16> bytes{};
        unsigned prefix = 0;
    };
    static bool matches(const Network& network, bool v6, const std::uint8_t* bytes);

    std::vector<Network> networks_;
    bool anyone_ = false;
};

}  // namespace hermesd

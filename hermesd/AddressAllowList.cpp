#include "AddressAllowList.hpp"

#include <cstring>

#include <Poco/Exception.h>
#include <Poco/NumberParser.h>

namespace hermesd {

namespace {

using Poco::Net::IPAddress;

// The address's bytes, an IPv4-mapped IPv6 address as its IPv4 bytes.
bool addressBytes(const IPAddress& address, std::array<std::uint8_t, 16>& bytes) {
    const auto* raw = static_cast<const std::uint8_t*>(address.addr());
    if (address.family() == IPAddress::IPv4) {
        std::memcpy(bytes.data(), raw, 4);
        return false;
    }
    static constexpr std::array<std::uint8_t, 12> kMapped = {0, 0, 0, 0, 0,    0,
                                                             0, 0, 0, 0, 0xff, 0xff};
    if (address.isIPv4Mapped() || std::memcmp(raw, kMapped.data(), kMapped.size()) == 0) {
        std::memcpy(bytes.data(), raw + 12, 4);
        return false;
    }
    std::memcpy(bytes.data(), raw, 16);
    return true;
}

}  // namespace

AddressAllowList::AddressAllowList(const std::vector<std::string>& entries) {
    for (const std::string& entry : entries) {
        if (entry == "*") {
            anyone_ = true;
            continue;
        }
        const auto slash = entry.find('/');
        IPAddress address;
        if (!IPAddress::tryParse(entry.substr(0, slash), address)) {
            throw Poco::InvalidArgumentException("metrics.allow: '" + entry +
                                                 "' is not an address or a network (CIDR)");
        }
        Network network;
        network.v6 = addressBytes(address, network.bytes);
        const unsigned width = network.v6 ? 128 : 32;
        network.prefix = width;
        if (slash != std::string::npos) {
            unsigned prefix = 0;
            if (!Poco::NumberParser::tryParseUnsigned(entry.substr(slash + 1), prefix) ||
                prefix > width) {
                throw Poco::InvalidArgumentException("metrics.allow: '" + entry +
                                                     "' has a bad prefix length (0.." +
                                                     std::to_string(width) + ")");
            }
            network.prefix = prefix;
        }
        networks_.push_back(network);
    }
}

bool AddressAllowList::allows(const IPAddress& address) const {
    if (anyone_) {
        return true;
    }
    std::array<std::uint8_t, 16> bytes{};
    const bool v6 = addressBytes(address, bytes);
    for (const Network& network : networks_) {
        if (matches(network, v6, bytes.data())) {
            return true;
        }
    }
    return false;
}

bool AddressAllowList::matches(const Network& network, bool v6, const std::uint8_t* bytes) {
    if (network.v6 != v6) {
        return false;
    }
    const unsigned whole = network.prefix / 8;
    if (std::memcmp(network.bytes.data(), bytes, whole) != 0) {
        return false;
    }
    const unsigned rest = network.prefix % 8;
    if (rest == 0) {
        return true;
    }
    const auto mask = static_cast<std::uint8_t>(0xff << (8 - rest));
    return (network.bytes[whole] & mask) == (bytes[whole] & mask);
}

}  // namespace hermesd

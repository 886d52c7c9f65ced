#include "hermes/client/HubAddress.hpp"

#include <algorithm>
#include <stdexcept>

namespace hermes::client {

namespace {

std::string_view trim(std::string_view text) {
    const auto first = text.find_first_not_of(" \t");
    if (first == std::string_view::npos) {
        return {};
    }
    const auto last = text.find_last_not_of(" \t");
    return text.substr(first, last - first + 1);
}

std::uint16_t parsePort(std::string_view digits, std::string_view item) {
    unsigned long value = 0;
    bool ok = !digits.empty() && digits.size() <= 5;
    for (const char c : digits) {
        ok = ok && c >= '0' && c <= '9';
        value = value * 10 + static_cast<unsigned long>(c - '0');
    }
    if (!ok || value == 0 || value > 65535) {
        throw std::invalid_argument("hub '" + std::string(item) + "': the port must be 1..65535");
    }
    return static_cast<std::uint16_t>(value);
}

HubAddress parseOne(std::string_view item, std::uint16_t defaultPort) {
    HubAddress hub;
    hub.port = defaultPort;
    if (item.front() == '[') {
        const auto close = item.find(']');
        if (close == std::string_view::npos || close == 1) {
            throw std::invalid_argument("hub '" + std::string(item) +
                                        "': an IPv6 address in [] needs its ']'");
        }
        hub.host = std::string(item.substr(1, close - 1));
        const std::string_view rest = item.substr(close + 1);
        if (!rest.empty()) {
            if (rest.front() != ':') {
                throw std::invalid_argument("hub '" + std::string(item) +
                                            "': after ']' only ':PORT' may follow");
            }
            hub.port = parsePort(rest.substr(1), item);
        }
        return hub;
    }
    const auto colon = item.find(':');
    if (colon == std::string_view::npos || item.find(':', colon + 1) != std::string_view::npos) {
        hub.host = std::string(item);  // a name, IPv4, or a bare IPv6 literal
        return hub;
    }
    if (colon == 0) {
        throw std::invalid_argument("hub '" + std::string(item) + "': no host before ':'");
    }
    hub.host = std::string(item.substr(0, colon));
    hub.port = parsePort(item.substr(colon + 1), item);
    return hub;
}

}  // namespace

std::string HubAddress::text() const {
    const bool v6 = host.find(':') != std::string::npos;
    return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

std::vector<HubAddress> parseHubList(std::string_view text, std::uint16_t defaultPort) {
    std::vector<HubAddress> hubs;
    std::size_t start = 0;
    for (;;) {
        const auto comma = text.find(',', start);
        const std::string_view item =
            trim(text.substr(start, comma == std::string_view::npos ? text.npos : comma - start));
        if (item.empty()) {
            throw std::invalid_argument("hub list '" + std::string(text) +
                                        "': an empty item (two commas, or one at an end)");
        }
        HubAddress hub = parseOne(item, defaultPort);
        if (std::find(hubs.begin(), hubs.end(), hub) == hubs.end()) {
            hubs.push_back(std::move(hub));
        }
        if (comma == std::string_view::npos) {
            return hubs;
        }
        start = comma + 1;
    }
}

std::string formatHubList(const std::vector<HubAddress>& hubs) {
    std::string text;
    for (const auto& hub : hubs) {
        text += (text.empty() ? "" : ",") + hub.text();
    }
    return text;
}

}  // namespace hermes::client

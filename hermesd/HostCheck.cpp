#include "HostCheck.hpp"

#include <algorithm>

#include <Poco/Net/IPAddress.h>
#include <Poco/String.h>

namespace hermesd {

namespace {

// "Name:8080" -> "name", "[::1]:80" -> "[::1]", "name." -> "name".
std::string hostPart(std::string_view hostPort) {
    std::string host(hostPort);
    if (!host.empty() && host.front() == '[') {
        const auto close = host.find(']');
        host = close == std::string::npos ? host : host.substr(0, close + 1);
    } else if (const auto colon = host.rfind(':'); colon != std::string::npos) {
        host.erase(colon);
    }
    if (!host.empty() && host.back() == '.') {
        host.pop_back();
    }
    return Poco::toLower(host);
}

bool isAddressLiteral(const std::string& host) {
    if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
        Poco::Net::IPAddress address;
        return Poco::Net::IPAddress::tryParse(host.substr(1, host.size() - 2), address) &&
               address.family() == Poco::Net::IPAddress::IPv6;
    }
    // Dotted quads only: tryParse would take other spellings of a number,
    // which no browser sends (it writes IPv4 hosts as dotted quads).
    if (std::count(host.begin(), host.end(), '.') != 3 ||
        host.find_first_not_of("0123456789.") != std::string::npos) {
        return false;
    }
    Poco::Net::IPAddress address;
    return Poco::Net::IPAddress::tryParse(host, address) &&
           address.family() == Poco::Net::IPAddress::IPv4;
}

bool isLocalhost(std::string_view host) {
    constexpr std::string_view kLocalhost = "localhost";
    constexpr std::string_view kUnder = ".localhost";
    return host == kLocalhost ||
           (host.size() > kUnder.size() && host.substr(host.size() - kUnder.size()) == kUnder);
}

}  // namespace

HostCheck::HostCheck(const std::vector<std::string>& allowedHosts,
                     const std::vector<std::string>& allowedOrigins, std::string_view machineName) {
    for (const std::string& host : allowedHosts) {
        if (host == "*") {
            any_ = true;
        } else {
            names_.push_back(hostPart(host));
        }
    }
    for (const std::string& origin : allowedOrigins) {
        const auto separator = origin.find("://");
        if (separator != std::string::npos) {
            names_.push_back(hostPart(std::string_view(origin).substr(separator + 3)));
        }
    }
    if (!machineName.empty()) {
        const std::string name = hostPart(machineName);
        names_.push_back(name);
        names_.push_back(name + ".local");
    }
    std::erase(names_, std::string());
    std::sort(names_.begin(), names_.end());
    names_.erase(std::unique(names_.begin(), names_.end()), names_.end());
}

bool HostCheck::allows(std::string_view hostHeader) const {
    if (any_ || hostHeader.empty()) {
        return true;
    }
    const std::string host = hostPart(hostHeader);
    return isAddressLiteral(host) || isLocalhost(host) ||
           std::binary_search(names_.begin(), names_.end(), host);
}

std::string HostCheck::describe() const {
    if (any_) {
        return "any";
    }
    std::string text = "addresses, localhost";
    for (const std::string& name : names_) {
        text += ", " + name;
    }
    return text;
}

}  // namespace hermesd

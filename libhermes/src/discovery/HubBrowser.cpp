#include "hermes/discovery/HubBrowser.hpp"

#include <net/if.h>

#include <algorithm>
#include <map>
#include <tuple>

#include <avahi-client/client.h>
#include <avahi-client/lookup.h>
#include <avahi-common/address.h>
#include <avahi-common/error.h>
#include <avahi-common/simple-watch.h>
#include <avahi-common/strlst.h>

namespace hermes::discovery {

namespace {

std::string interfaceName(AvahiIfIndex index) {
    char name[IF_NAMESIZE] = {};
    if (index >= 0 && ::if_indextoname(static_cast<unsigned>(index), name) != nullptr) {
        return name;
    }
    return {};
}

std::vector<std::string> txtItems(AvahiStringList* txt) {
    std::vector<std::string> items;
    for (AvahiStringList* item = txt; item != nullptr; item = avahi_string_list_get_next(item)) {
        items.emplace_back(reinterpret_cast<const char*>(avahi_string_list_get_text(item)),
                           avahi_string_list_get_size(item));
    }
    return items;
}

// One browse: the poll, the client, the browser and its resolvers, freed in
// that order's reverse whatever happens.
class Browse {
public:
    Browse() {
        poll_ = avahi_simple_poll_new();
        if (poll_ == nullptr) {
            throw DiscoveryError("discovery: out of memory");
        }
        int error = 0;
        client_ = avahi_client_new(avahi_simple_poll_get(poll_), static_cast<AvahiClientFlags>(0),
                                   &Browse::onClient, this, &error);
        if (client_ == nullptr) {
            avahi_simple_poll_free(poll_);
            throw DiscoveryError(
                std::string("discovery needs avahi-daemon (the system's mDNS responder) and the "
                            "D-Bus system bus: ") +
                avahi_strerror(error));
        }
        browser_ = avahi_service_browser_new(
            client_, AVAHI_IF_UNSPEC, AVAHI_PROTO_UNSPEC, kServiceType, nullptr,
            static_cast<AvahiLookupFlags>(0), &Browse::onBrowse, this);
        if (browser_ == nullptr) {
            const std::string why = avahi_strerror(avahi_client_errno(client_));
            avahi_client_free(client_);
            avahi_simple_poll_free(poll_);
            throw DiscoveryError("discovery: avahi-daemon refused to browse: " + why);
        }
    }
    ~Browse() {
        // Frees the browser and every resolver still running with it.
        avahi_client_free(client_);
        avahi_simple_poll_free(poll_);
    }
    Browse(const Browse&) = delete;
    Browse& operator=(const Browse&) = delete;

    std::vector<DiscoveredHub> run(std::chrono::milliseconds timeout) {
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        while (failure_.empty() && !(allForNow_ && pending_ == 0)) {
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                deadline - std::chrono::steady_clock::now());
            if (left.count() <= 0) {
                break;
            }
            if (avahi_simple_poll_iterate(poll_, static_cast<int>(left.count()) + 1) != 0) {
                break;  // quit, or the poll failed: what was found stands
            }
        }
        if (!failure_.empty()) {
            throw DiscoveryError(failure_);
        }
        std::vector<DiscoveredHub> hubs;
        for (auto& [key, found] : found_) {
            hubs.push_back(std::move(found.hub));
        }
        std::sort(hubs.begin(), hubs.end(), [](const DiscoveredHub& a, const DiscoveredHub& b) {
            return std::tie(a.instance, a.address) < std::tie(b.instance, b.address);
        });
        return hubs;
    }

private:
    struct Found {
        DiscoveredHub hub;
        bool ipv4 = false;
    };

    static void onClient(AvahiClient* client, AvahiClientState state, void* self) {
        if (state == AVAHI_CLIENT_FAILURE) {
            static_cast<Browse*>(self)->failure_ = std::string("discovery: lost avahi-daemon: ") +
                                                   avahi_strerror(avahi_client_errno(client));
        }
    }

    static void onBrowse(AvahiServiceBrowser* browser, AvahiIfIndex interface,
                         AvahiProtocol protocol, AvahiBrowserEvent event, const char* name,
                         const char* type, const char* domain, AvahiLookupResultFlags,
                         void* context) {
        auto& self = *static_cast<Browse*>(context);
        switch (event) {
            case AVAHI_BROWSER_NEW:
                // The resolver is freed in onResolve, or with the client.
                if (avahi_service_resolver_new(
                        self.client_, interface, protocol, name, type, domain, AVAHI_PROTO_UNSPEC,
                        static_cast<AvahiLookupFlags>(0), &Browse::onResolve, &self) != nullptr) {
                    ++self.pending_;
                }
                break;
            case AVAHI_BROWSER_REMOVE:
                self.found_.erase(std::string(name) + "." + domain);
                break;
            case AVAHI_BROWSER_ALL_FOR_NOW:
                self.allForNow_ = true;
                break;
            case AVAHI_BROWSER_FAILURE:
                self.failure_ =
                    std::string("discovery: browsing failed: ") +
                    avahi_strerror(avahi_client_errno(avahi_service_browser_get_client(browser)));
                break;
            case AVAHI_BROWSER_CACHE_EXHAUSTED:
                break;
        }
    }

    static void onResolve(AvahiServiceResolver* resolver, AvahiIfIndex interface, AvahiProtocol,
                          AvahiResolverEvent event, const char* name, const char*,
                          const char* domain, const char* host, const AvahiAddress* address,
                          std::uint16_t port, AvahiStringList* txt, AvahiLookupResultFlags,
                          void* context) {
        auto& self = *static_cast<Browse*>(context);
        --self.pending_;
        if (event == AVAHI_RESOLVER_FOUND && address != nullptr) {
            Found found;
            found.ipv4 = address->proto == AVAHI_PROTO_INET;
            char text[AVAHI_ADDRESS_STR_MAX] = {};
            avahi_address_snprint(text, sizeof text, address);
            // Anyone on the link chooses these: never raw to a terminal.
            found.hub.instance = displayable(name);
            found.hub.host = displayable(host == nullptr ? "" : host);
            found.hub.address = text;
            found.hub.interface = interfaceName(interface);
            // A link-local IPv6 address means nothing without its interface.
            if (!found.ipv4 && found.hub.address.rfind("fe80:", 0) == 0 &&
                !found.hub.interface.empty()) {
                found.hub.address += "%" + found.hub.interface;
            }
            found.hub.port = port;
            found.hub.record = parseHubRecord(txtItems(txt));
            const std::string key = std::string(name) + "." + domain;
            auto it = self.found_.find(key);
            if (it == self.found_.end() || !it->second.ipv4) {
                self.found_[key] = std::move(found);
            }
        }
        avahi_service_resolver_free(resolver);
    }

    AvahiSimplePoll* poll_ = nullptr;
    AvahiClient* client_ = nullptr;
    AvahiServiceBrowser* browser_ = nullptr;
    int pending_ = 0;
    bool allForNow_ = false;
    std::string failure_;
    std::map<std::string, Found> found_;  // by "instance.domain"
};

}  // namespace

std::vector<DiscoveredHub> browseHubs(std::chrono::milliseconds timeout) {
    Browse browse;
    return browse.run(timeout);
}

}  // namespace hermes::discovery

#include "ClusterHubs.hpp"

#include <exception>
#include <stdexcept>

#include "Deadline.hpp"
#include "HubLog.hpp"

namespace hermes::it {

ClusterHubs::ClusterHubs(std::size_t count, const std::function<std::string(std::size_t)>& redisFor,
                         const HubProcess::Settings& overrides) {
    for (std::size_t i = 0; i < count; ++i) {
        HubProcess::Settings settings = overrides;
        settings["cluster.redis"] = redisFor(i);
        settings["cluster.hub_name"] = hubName(i);
        settings.try_emplace("hub.name", hubName(i));
        // Started one after the other: a hub that fails to start throws, and
        // the ones already up are stopped by their destructors.
        hubs_.push_back(std::make_unique<HubProcess>(settings));
        // Listening is not yet serving: until it has joined the backplane
        // (script loaded, channels subscribed) a Hello is refused
        // CLUSTER_UNAVAILABLE. Every hub starts with Redis reachable (it
        // reads the cluster's epoch first), so it joins within moments.
        HubProcess& hub = *hubs_.back();
        if (!logShows(hub, "joined the backplane", after(std::chrono::seconds(20)))) {
            throw std::runtime_error(hubName(i) + " did not join the backplane within 20 s:\n" +
                                     hub.logTail());
        }
    }
}

ClusterHubs::ClusterHubs(std::size_t count, const std::string& redisAddress,
                         const HubProcess::Settings& overrides)
    : ClusterHubs(
          count, [&redisAddress](std::size_t) { return redisAddress; }, overrides) {}

ClusterHubs::~ClusterHubs() {
    // A case that ends by an exception (an expectation not met) is marked
    // failed only after this: its hubs' logs are printed all the same.
    if (std::uncaught_exceptions() > 0) {
        markFailed();
    }
}

std::vector<hermes::client::HubAddress> ClusterHubs::addresses() const {
    std::vector<hermes::client::HubAddress> list;
    for (const auto& hub : hubs_) {
        list.push_back({"127.0.0.1", hub->port()});
    }
    return list;
}

std::string ClusterHubs::hostList() const {
    return hermes::client::formatHubList(addresses());
}

void ClusterHubs::markFailed() {
    for (auto& hub : hubs_) {
        hub->markFailed();
    }
}

HubProcess::Settings ClusterHubs::quickSettings() {
    return {{"default_room", ""},
            {"cluster.lease_ms", "1500"},
            {"cluster.timeout_ms", "500"},
            {"cluster.reconnect_ms", "100"}};
}

}  // namespace hermes::it

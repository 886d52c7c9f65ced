#pragma once
// N hermesd processes forming one cluster through Redis (issue 20,
// docs/CLUSTER.md): each a HubProcess (its own temp dir, history database
// and loopback port) with cluster.redis = the address given and
// cluster.hub_name = hub-1, hub-2, ..., each started and waited for until
// it has joined the backplane (it serves then). Every hub is ALWAYS stopped by PID
// when the object goes (HubProcess's destructor), also when the test fails.
//
// `redisFor(i)` lets a test point one hub elsewhere (a TcpProxy in front of
// Redis, to cut that hub alone).
//
// Threading: one owner thread. Not copyable.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "HubProcess.hpp"
#include "hermes/client/HubAddress.hpp"

namespace hermes::it {

class ClusterHubs {
public:
    // hub i (from 0) uses redisFor(i) as its cluster.redis.
    ClusterHubs(std::size_t count, const std::function<std::string(std::size_t)>& redisFor,
                const HubProcess::Settings& overrides = {});
    ClusterHubs(std::size_t count, const std::string& redisAddress,
                const HubProcess::Settings& overrides = {});
    ~ClusterHubs();
    ClusterHubs(const ClusterHubs&) = delete;
    ClusterHubs& operator=(const ClusterHubs&) = delete;

    std::size_t size() const { return hubs_.size(); }
    HubProcess& operator[](std::size_t i) { return *hubs_.at(i); }
    static std::string hubName(std::size_t i) { return "hub-" + std::to_string(i + 1); }
    // Quick cluster timers, so that a failure is noticed within a test's
    // seconds, and no default room (etc/hermesd.properties "cluster").
    static HubProcess::Settings quickSettings();
    // Every hub as a client's hub list (ClientOptions::moreHubs after the first).
    std::vector<hermes::client::HubAddress> addresses() const;
    // "127.0.0.1:P1,127.0.0.1:P2,...": hermes-cat's --host.
    std::string hostList() const;
    // Print every hub's log tail when they stop (the test failed).
    void markFailed();

private:
    std::vector<std::unique_ptr<HubProcess>> hubs_;
};

}  // namespace hermes::it

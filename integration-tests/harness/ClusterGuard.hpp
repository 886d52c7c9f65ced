#pragma once
// What a cluster test case starts with, as HubGuard is for one hub: a
// redis-server (the case fails at once, saying how to install it, if there
// is none) and N hubs on it, with ClusterHubs::quickSettings() unless the
// case gives its own. If any assertion of the case failed, or it ends by
// an exception, every hub's log tail is printed when they stop. The hubs stop first, then Redis,
// also when the case throws.
//
//   it::ClusterGuard c(2);
//   it::RawClient ana(c.hubs[0].port(), "ana");
//   c.redis.stop();
//
// Threading: the test's thread.

#include <cstddef>
#include <exception>

#include "BoostSupport.hpp"
#include "ClusterHubs.hpp"
#include "RedisRequired.hpp"
#include "RedisServer.hpp"

namespace hermes::it {

struct ClusterGuard {
    explicit ClusterGuard(std::size_t hubCount,
                          const HubProcess::Settings& settings = ClusterHubs::quickSettings())
        : hubs(hubCount, redis.address(), settings) {}
    ~ClusterGuard() {
        // An exception (an expectation not met) is recorded as the case's
        // failure only after this runs.
        if (std::uncaught_exceptions() > 0 || currentTestFailed()) {
            hubs.markFailed();
        }
    }
    ClusterGuard(const ClusterGuard&) = delete;
    ClusterGuard& operator=(const ClusterGuard&) = delete;

    RedisRequired required;
    RedisServer redis;
    ClusterHubs hubs;
};

}  // namespace hermes::it

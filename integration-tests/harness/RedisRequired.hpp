#pragma once
// A test case's first line where it needs redis-server: fails the case
// with how to install it, rather than letting a hub time out against
// nothing.

#include <boost/test/unit_test.hpp>

#include "RedisServer.hpp"

namespace hermes::it {

struct RedisRequired {
    RedisRequired() {
        BOOST_TEST_REQUIRE(haveRedis(), "redis-server missing: tools/install-deps.sh");
    }
};

}  // namespace hermes::it

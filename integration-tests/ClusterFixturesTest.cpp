// The cluster tests' fixtures, tested themselves (issue 20): a real
// redis-server that keeps what it acknowledged across kill -9 and comes back
// on its port, a replica that follows it, three Sentinels that promote the
// replica when the master dies, and the TCP proxy that cuts one hub from
// Redis. No hermesd here: ClusterFailureTest uses them with the hubs.
#define BOOST_TEST_MODULE ClusterFixturesTest
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <string>

#include "RedisSentinels.hpp"
#include "RedisServer.hpp"
#include "TcpProxy.hpp"

using namespace std::chrono_literals;
namespace it = hermes::it;

BOOST_AUTO_TEST_CASE(redis_answers_and_keeps_an_acknowledged_write_across_kill_9) {
    BOOST_TEST_REQUIRE(it::haveRedis(), "redis-server missing: tools/install-deps.sh");
    it::RedisServer redis;
    BOOST_TEST(redis.role() == "master");
    BOOST_TEST(redis.command({"SET", "hermes:test", "kept"}) == "OK");
    const auto port = redis.port();
    const auto pid = redis.pid();
    redis.kill9();
    BOOST_TEST(!redis.running());
    BOOST_TEST(!it::redisCli(port, {"PING"}, 2s).has_value(), "nothing answers while it is down");
    redis.restart();
    BOOST_TEST(redis.port() == port);
    BOOST_TEST(redis.pid() != pid);
    // appendfsync always: the OK came after the write reached the disk.
    BOOST_TEST(redis.command({"GET", "hermes:test"}) == "kept");
}

BOOST_AUTO_TEST_CASE(a_frozen_redis_answers_nothing_until_thawed) {
    BOOST_TEST_REQUIRE(it::haveRedis());
    it::RedisServer redis;
    redis.freeze();
    BOOST_TEST(!it::redisCli(redis.port(), {"PING"}, 1s).has_value());
    redis.thaw();
    BOOST_TEST(redis.waitReady(5s));
}

BOOST_AUTO_TEST_CASE(sentinels_promote_the_replica_when_the_master_is_killed) {
    BOOST_TEST_REQUIRE(it::haveRedis());
    it::RedisServer master;
    it::RedisServer::Options replicaOptions;
    replicaOptions.replicaOf = master.port();
    it::RedisServer replica(replicaOptions);
    BOOST_TEST_REQUIRE(replica.waitReplicating(10s));
    BOOST_TEST(replica.role() == "slave");
    BOOST_TEST(master.command({"SET", "hermes:test", "replicated"}) == "OK");
    // WAIT 1: the write reached the replica before the master dies.
    BOOST_TEST(master.command({"WAIT", "1", "5000"}) == "1");

    it::RedisSentinels sentinels(master.port());
    BOOST_TEST(sentinels.addresses().find("127.0.0.1:") == 0u);
    BOOST_TEST_REQUIRE(sentinels.waitMonitoring(1, 20s),
                       "the sentinels should see each other and the replica");
    BOOST_TEST((sentinels.masterPort() == std::optional<std::uint16_t>(master.port())));

    master.kill9();
    const auto promoted = sentinels.waitForFailover(master.port(), 30s);
    BOOST_TEST_REQUIRE(promoted.has_value(), "no failover within 30 s");
    BOOST_TEST(*promoted == replica.port());
    BOOST_TEST(replica.role() == "master");
    BOOST_TEST(replica.command({"GET", "hermes:test"}) == "replicated");
    BOOST_TEST(replica.command({"SET", "hermes:test", "after"}) == "OK");
}

BOOST_AUTO_TEST_CASE(the_proxy_forwards_blackholes_and_cuts) {
    BOOST_TEST_REQUIRE(it::haveRedis());
    it::RedisServer redis;
    it::TcpProxy proxy(redis.port());
    BOOST_TEST(proxy.address() == "127.0.0.1:" + std::to_string(proxy.port()));
    BOOST_TEST((it::redisCli(proxy.port(), {"PING"}) == std::optional<std::string>("PONG")));
    BOOST_TEST(proxy.bytesForwarded() > 0u);

    proxy.blackhole();
    BOOST_TEST(!it::redisCli(proxy.port(), {"PING"}, 1s).has_value(), "nothing passes a blackhole");
    proxy.heal();
    BOOST_TEST((it::redisCli(proxy.port(), {"PING"}) == std::optional<std::string>("PONG")));

    proxy.cut();
    BOOST_TEST(!it::redisCli(proxy.port(), {"PING"}, 2s).has_value(), "a cut closes at once");
    proxy.heal();
    BOOST_TEST((it::redisCli(proxy.port(), {"PING"}) == std::optional<std::string>("PONG")));
}

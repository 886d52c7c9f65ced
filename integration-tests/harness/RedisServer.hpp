#pragma once
// A real redis-server (Debian's package) for the cluster tests: its own
// temporary directory (config, AOF, log), a free 127.0.0.1 port, AOF with
// appendfsync always (an acknowledged write is on disk: what the cluster's
// "nothing lost after an ack" rests on). Started and waited for until it
// answers PING; ALWAYS stopped by PID when the object goes (also when the
// test fails; PR_SET_PDEATHSIG if the test process dies first). kill9() and
// restart() bring it back on the same port and directory, so its AOF is
// replayed. A replica is a RedisServer started with replicaOf.
//
// Commands go through redis-cli (Debian's redis-tools, which redis-server
// depends on): the harness needs a few, and no RESP of its own.
//
// The binaries: $REDIS_SERVER / $REDIS_CLI, else /usr/bin/redis-server and
// /usr/bin/redis-cli.
//
// Threading: one owner thread. Not copyable.

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace hermes::it {

class ToolProcess;

// A port that was free on 127.0.0.1 a moment ago (WebClient.hpp; declared
// here too for the Redis fixtures).
std::uint16_t freeLoopbackPort();
std::string redisServerBinary();
std::string redisCliBinary();
// True if redis-server is installed (the cluster tests need it).
bool haveRedis();

// One redis-cli call against 127.0.0.1:port: its output without the final
// newline, or nullopt if it failed (no answer, an error reply) or took longer
// than `timeout`. Raw output (--no-raw off): one line per array element.
std::optional<std::string> redisCli(std::uint16_t port, const std::vector<std::string>& args,
                                    std::chrono::milliseconds timeout = std::chrono::seconds(5));
// True when the server answering on `port` is process `pid` (INFO's
// process_id): a port picked free can be bound by another test's server
// first, which then answers PING for ours (that one fails to bind and exits).
bool answersAs(std::uint16_t port, int pid);

class RedisServer {
public:
    struct Options {
        std::optional<std::uint16_t> replicaOf;  // a replica of 127.0.0.1:replicaOf
        std::vector<std::string> extraConfig;    // more redis.conf lines
        std::chrono::milliseconds startTimeout{10'000};
    };

    RedisServer();
    explicit RedisServer(Options options);
    ~RedisServer();
    RedisServer(const RedisServer&) = delete;
    RedisServer& operator=(const RedisServer&) = delete;

    std::uint16_t port() const { return port_; }
    // "127.0.0.1:PORT": hermesd's cluster.redis.
    std::string address() const;
    const std::string& directory() const { return dir_; }
    pid_t pid() const;
    bool running() const;

    // kill -9, reaped. No-op if it is not running.
    void kill9();
    // SIGSTOP / SIGCONT: a Redis that hangs with its connections open.
    void freeze();
    void thaw();
    // Starts it again on the same port and directory (after kill9 or stop)
    // and waits until it answers PING.
    void restart();
    // SIGTERM (Redis writes its AOF and exits), SIGKILL after `grace`.
    void stop(std::chrono::milliseconds grace = std::chrono::seconds(5));

    // A command: its answer (redisCli). Throws std::runtime_error on failure.
    std::string command(const std::vector<std::string>& args) const;
    // ROLE's first word: "master" or "slave".
    std::string role() const;
    // Waits until PING answers PONG; false at the deadline or if it exited.
    bool waitReady(std::chrono::milliseconds timeout);
    // Replica: waits until its link to the master is up (INFO replication
    // says master_link_status:up).
    bool waitReplicating(std::chrono::milliseconds timeout);

    std::string logTail(std::size_t lines = 30) const;

private:
    void launch();

    Options options_;
    std::string dir_;
    std::string configPath_;
    std::uint16_t port_ = 0;
    std::unique_ptr<ToolProcess> process_;
};

}  // namespace hermes::it

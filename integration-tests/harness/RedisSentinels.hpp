#pragma once
// Redis Sentinel for the failover tests: `count` sentinels (redis-server
// --sentinel) on free 127.0.0.1 ports, monitoring one master as kMasterName
// with a quorum of count/2 + 1, quick to act (down after 1 s). Each has its
// own temporary directory (Sentinel rewrites its config file). ALWAYS stopped
// by PID when the object goes.
//
// waitForFailover(): after the test killed the master, waits until the
// sentinels name another master and that one answers ROLE master.
//
// Threading: one owner thread. Not copyable.

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace hermes::it {

class ToolProcess;

class RedisSentinels {
public:
    static constexpr const char* kMasterName = "hermes";

    RedisSentinels(std::uint16_t masterPort, int count = 3,
                   std::chrono::milliseconds downAfter = std::chrono::seconds(1));
    ~RedisSentinels();
    RedisSentinels(const RedisSentinels&) = delete;
    RedisSentinels& operator=(const RedisSentinels&) = delete;

    const std::vector<std::uint16_t>& ports() const { return ports_; }
    // "127.0.0.1:P1,127.0.0.1:P2,...": a sentinel list as a hub's config takes it.
    std::string addresses() const;

    // The master's port as the first sentinel that answers names it.
    std::optional<std::uint16_t> masterPort() const;
    // Waits until every sentinel sees the other sentinels and the master's
    // `replicas` replicas (before that, a failover cannot reach its quorum
    // or has nothing to promote).
    bool waitMonitoring(std::size_t replicas, std::chrono::milliseconds timeout);
    // Waits until the sentinels name a master other than `oldPort` that
    // answers ROLE master; its port, or nullopt at the deadline.
    std::optional<std::uint16_t> waitForFailover(std::uint16_t oldPort,
                                                 std::chrono::milliseconds timeout);
    // Every sentinel stopped (SIGSTOP: it accepts connections, through the
    // kernel, and answers nothing) until thaw().
    void freeze();
    void thaw();

private:
    std::vector<std::string> dirs_;
    std::vector<std::uint16_t> ports_;
    std::vector<std::unique_ptr<ToolProcess>> processes_;
};

}  // namespace hermes::it

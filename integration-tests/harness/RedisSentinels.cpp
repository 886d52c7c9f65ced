#include "RedisSentinels.hpp"

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <system_error>

#include "Deadline.hpp"
#include "RedisServer.hpp"
#include "ToolProcess.hpp"

namespace hermes::it {

namespace {

// One sentinel's config: monitors 127.0.0.1:masterPort with `quorum`.
void writeConfig(const std::string& path, const std::string& dir, std::uint16_t port,
                 std::uint16_t masterPort, int quorum, std::chrono::milliseconds downAfter) {
    std::ofstream config(path);
    config << "# written by the integration harness (RedisSentinels)\n"
           << "bind 127.0.0.1\n"
           << "port " << port << '\n'
           << "dir " << dir << '\n'
           << "logfile " << dir << "/sentinel.log\n"
           << "daemonize no\n"
           << "protected-mode no\n"
           << "sentinel announce-ip 127.0.0.1\n"
           << "sentinel monitor " << RedisSentinels::kMasterName << " 127.0.0.1 " << masterPort
           << ' ' << quorum << '\n'
           << "sentinel down-after-milliseconds " << RedisSentinels::kMasterName << ' '
           << downAfter.count() << '\n'
           << "sentinel failover-timeout " << RedisSentinels::kMasterName << " 10000\n"
           << "sentinel parallel-syncs " << RedisSentinels::kMasterName << " 1\n";
    if (!config) {
        throw std::runtime_error("cannot write " + path);
    }
}

std::optional<std::uint16_t> portOfAddress(const std::string& answer) {
    // get-master-addr-by-name: "127.0.0.1\nPORT".
    const auto newline = answer.find('\n');
    if (newline == std::string::npos) {
        return std::nullopt;
    }
    const long port = std::strtol(answer.c_str() + newline + 1, nullptr, 10);
    if (port <= 0 || port > 65535) {
        return std::nullopt;
    }
    return static_cast<std::uint16_t>(port);
}

// Waits about `step` without a sleep: on a process that will not exit.
void waitAWhile(ToolProcess& process, std::chrono::milliseconds step) {
    process.waitExit(step);
}

std::optional<std::string> infoField(const std::string& info, const std::string& key) {
    const auto at = info.find(key + ":");
    if (at == std::string::npos) {
        return std::nullopt;
    }
    const auto from = at + key.size() + 1;
    return info.substr(from, info.find_first_of("\r\n", from) - from);
}

// In an answer of field and value lines: the line after `field`'s.
std::string lineAfter(const std::string& answer, const std::string& field) {
    std::size_t at = 0;
    while ((at = answer.find(field + "\n", at)) != std::string::npos) {
        if (at == 0 || answer[at - 1] == '\n') {
            const auto from = at + field.size() + 1;
            return answer.substr(from, answer.find('\n', from) - from);
        }
        at += field.size();
    }
    return {};
}

}  // namespace

RedisSentinels::RedisSentinels(std::uint16_t masterPort, int count,
                               std::chrono::milliseconds downAfter) {
    const int quorum = count / 2 + 1;
    const char* base = std::getenv("TMPDIR");
    try {
        for (int i = 0; i < count; ++i) {
            std::string pattern = std::string(base != nullptr && *base != '\0' ? base : "/tmp") +
                                  "/hermes-sentinel-XXXXXX";
            if (::mkdtemp(pattern.data()) == nullptr) {
                throw std::system_error(errno, std::generic_category(), "mkdtemp " + pattern);
            }
            dirs_.push_back(pattern);
            const std::uint16_t port = freeLoopbackPort();
            const std::string path = pattern + "/sentinel.conf";
            writeConfig(path, pattern, port, masterPort, quorum, downAfter);
            ports_.push_back(port);
            processes_.push_back(std::make_unique<ToolProcess>(
                std::vector<std::string>{redisServerBinary(), path, "--sentinel"}, ""));
        }
        const Deadline deadline = after(std::chrono::seconds(10));
        for (std::size_t i = 0; i < ports_.size(); ++i) {
            for (;;) {
                if (answersAs(ports_[i], processes_[i]->pid())) {
                    break;
                }
                if (processes_[i]->waitExit(std::chrono::milliseconds(0))) {
                    throw std::runtime_error("sentinel " + std::to_string(ports_[i]) +
                                             " exited at start");
                }
                if (Clock::now() >= deadline) {
                    throw std::runtime_error("sentinel " + std::to_string(ports_[i]) +
                                             " did not answer within 10 s");
                }
                waitAWhile(*processes_[i], std::chrono::milliseconds(20));
            }
        }
    } catch (...) {
        processes_.clear();
        for (const auto& dir : dirs_) {
            std::error_code ignored;
            std::filesystem::remove_all(dir, ignored);
        }
        throw;
    }
}

RedisSentinels::~RedisSentinels() {
    thaw();              // a stopped process would not act on SIGTERM
    processes_.clear();  // each by PID: SIGTERM, then SIGKILL
    for (const auto& dir : dirs_) {
        std::error_code ignored;
        std::filesystem::remove_all(dir, ignored);
    }
}

void RedisSentinels::freeze() {
    for (const auto& process : processes_) {
        process->freeze();
    }
}

void RedisSentinels::thaw() {
    for (const auto& process : processes_) {
        process->thaw();
    }
}

std::string RedisSentinels::addresses() const {
    std::string text;
    for (const auto port : ports_) {
        text += (text.empty() ? "" : ",") + std::string("127.0.0.1:") + std::to_string(port);
    }
    return text;
}

std::optional<std::uint16_t> RedisSentinels::masterPort() const {
    for (const auto port : ports_) {
        const auto answer = redisCli(port, {"SENTINEL", "get-master-addr-by-name", kMasterName},
                                     std::chrono::seconds(2));
        if (answer) {
            if (auto master = portOfAddress(*answer)) {
                return master;
            }
        }
    }
    return std::nullopt;
}

bool RedisSentinels::waitMonitoring(std::size_t replicas, std::chrono::milliseconds timeout) {
    const Deadline deadline = after(timeout);
    const std::string others = std::to_string(ports_.size() - 1);
    for (std::size_t i = 0; i < ports_.size(); ++i) {
        for (;;) {
            const auto master =
                redisCli(ports_[i], {"SENTINEL", "master", kMasterName}, std::chrono::seconds(2));
            // SENTINEL master answers field, value, ... one a line.
            if (master && lineAfter(*master, "num-other-sentinels") == others &&
                lineAfter(*master, "num-slaves") == std::to_string(replicas)) {
                break;
            }
            if (Clock::now() >= deadline) {
                return false;
            }
            waitAWhile(*processes_[i], std::chrono::milliseconds(100));
        }
    }
    return true;
}

std::optional<std::uint16_t> RedisSentinels::waitForFailover(std::uint16_t oldPort,
                                                             std::chrono::milliseconds timeout) {
    const Deadline deadline = after(timeout);
    for (;;) {
        if (auto master = masterPort(); master && *master != oldPort) {
            const auto info = redisCli(*master, {"INFO", "replication"}, std::chrono::seconds(2));
            if (info && infoField(*info, "role") == std::optional<std::string>("master")) {
                return master;
            }
        }
        if (Clock::now() >= deadline) {
            return std::nullopt;
        }
        waitAWhile(*processes_.front(), std::chrono::milliseconds(100));
    }
}

}  // namespace hermes::it

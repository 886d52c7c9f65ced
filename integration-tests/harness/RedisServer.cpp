#include "RedisServer.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <system_error>

#include "Deadline.hpp"
#include "ToolProcess.hpp"

namespace hermes::it {

namespace {

std::string fromEnvironment(const char* name, const char* fallback) {
    const char* value = std::getenv(name);
    return value != nullptr && *value != '\0' ? value : fallback;
}

std::string makeTempDir(const char* prefix) {
    const char* base = std::getenv("TMPDIR");
    std::string pattern =
        std::string(base != nullptr && *base != '\0' ? base : "/tmp") + "/" + prefix + "-XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr) {
        throw std::system_error(errno, std::generic_category(), "mkdtemp " + pattern);
    }
    return pattern;
}

std::string tail(const std::string& path, std::size_t lines) {
    std::ifstream in(path);
    std::vector<std::string> all;
    for (std::string line; std::getline(in, line);) {
        all.push_back(line);
    }
    std::string out;
    for (std::size_t i = all.size() > lines ? all.size() - lines : 0; i < all.size(); ++i) {
        out += all[i] + '\n';
    }
    return out;
}

// Waits without a sleep: on the process's exit, at most `step`.
void waitAWhile(ToolProcess& process, std::chrono::milliseconds step) {
    process.waitExit(step);
}

}  // namespace

// freeLoopbackPort(): WebClient.cpp (the harness has one).

std::string redisServerBinary() {
    return fromEnvironment("REDIS_SERVER", "/usr/bin/redis-server");
}

std::string redisCliBinary() {
    return fromEnvironment("REDIS_CLI", "/usr/bin/redis-cli");
}

bool haveRedis() {
    return ::access(redisServerBinary().c_str(), X_OK) == 0 &&
           ::access(redisCliBinary().c_str(), X_OK) == 0;
}

std::optional<std::string> redisCli(std::uint16_t port, const std::vector<std::string>& args,
                                    std::chrono::milliseconds timeout) {
    std::vector<std::string> argv{redisCliBinary(), "-h", "127.0.0.1", "-p", std::to_string(port)};
    argv.insert(argv.end(), args.begin(), args.end());
    ToolProcess cli(std::move(argv), "");
    const auto exit = cli.waitExit(timeout);
    if (!exit || !exit->exited || exit->code != 0) {
        return std::nullopt;
    }
    std::string out = cli.out();
    while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) {
        out.pop_back();
    }
    // redis-cli prints an error reply and may still exit 0 (older versions).
    if (out.rfind("ERR", 0) == 0 || out.rfind("Could not connect", 0) == 0 ||
        out.rfind("LOADING", 0) == 0 || out.rfind("MASTERDOWN", 0) == 0) {
        return std::nullopt;
    }
    return out;
}

bool answersAs(std::uint16_t port, int pid) {
    const auto info = redisCli(port, {"INFO", "server"}, std::chrono::seconds(2));
    const std::string ours = "process_id:" + std::to_string(pid);
    const auto at = info ? info->find(ours) : std::string::npos;
    if (at == std::string::npos) {
        return false;
    }
    const std::size_t end = at + ours.size();
    return end == info->size() || !std::isdigit(static_cast<unsigned char>((*info)[end]));
}

RedisServer::RedisServer() : RedisServer(Options{}) {}

RedisServer::RedisServer(Options options) : options_(std::move(options)) {
    dir_ = makeTempDir("hermes-redis");
    configPath_ = dir_ + "/redis.conf";
    // A port can be taken between freeLoopbackPort() and redis-server's bind
    // (another test): a few tries, each with a new port.
    std::string why;
    for (int attempt = 0; attempt < 5; ++attempt) {
        port_ = freeLoopbackPort();
        try {
            launch();
            return;
        } catch (const std::exception& e) {
            why = e.what();
            process_.reset();
        }
    }
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
    throw std::runtime_error("redis-server did not start: " + why);
}

RedisServer::~RedisServer() {
    process_.reset();  // SIGTERM, then SIGKILL, by PID
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
}

std::string RedisServer::address() const {
    return "127.0.0.1:" + std::to_string(port_);
}

pid_t RedisServer::pid() const {
    return process_ ? process_->pid() : -1;
}

bool RedisServer::running() const {
    return process_ && !process_->waitExit(std::chrono::milliseconds(0));
}

void RedisServer::launch() {
    {
        std::ofstream config(configPath_);
        config << "# written by the integration harness (RedisServer)\n"
               << "bind 127.0.0.1\n"
               << "port " << port_ << '\n'
               << "dir " << dir_ << '\n'
               << "logfile " << dir_ << "/redis.log\n"
               << "daemonize no\n"
               << "protected-mode no\n"
               // Every acknowledged write is on disk before the answer.
               << "appendonly yes\n"
               << "appendfsync always\n"
               << "save \"\"\n";
        if (options_.replicaOf) {
            config << "replicaof 127.0.0.1 " << *options_.replicaOf << '\n';
        }
        for (const auto& line : options_.extraConfig) {
            config << line << '\n';
        }
        if (!config) {
            throw std::runtime_error("cannot write " + configPath_);
        }
    }
    process_ = std::make_unique<ToolProcess>(
        std::vector<std::string>{redisServerBinary(), configPath_}, "");
    if (!waitReady(options_.startTimeout)) {
        throw std::runtime_error("redis-server on " + address() + " did not answer PING within " +
                                 std::to_string(options_.startTimeout.count()) + " ms; log:\n" +
                                 logTail());
    }
}

void RedisServer::kill9() {
    if (process_ && !process_->waitExit(std::chrono::milliseconds(0))) {
        ::kill(process_->pid(), SIGKILL);
        process_->waitExit(std::chrono::seconds(5));
    }
}

void RedisServer::freeze() {
    if (running()) {
        process_->freeze();
    }
}

void RedisServer::thaw() {
    if (running()) {
        process_->thaw();
    }
}

void RedisServer::stop(std::chrono::milliseconds grace) {
    if (process_ && !process_->waitExit(std::chrono::milliseconds(0))) {
        ::kill(process_->pid(), SIGCONT);
        ::kill(process_->pid(), SIGTERM);
        if (!process_->waitExit(grace)) {
            ::kill(process_->pid(), SIGKILL);
            process_->waitExit(std::chrono::seconds(5));
        }
    }
}

void RedisServer::restart() {
    stop();
    process_.reset();
    launch();
}

std::string RedisServer::command(const std::vector<std::string>& args) const {
    auto answer = redisCli(port_, args);
    if (!answer) {
        std::string text;
        for (const auto& arg : args) {
            text += (text.empty() ? "" : " ") + arg;
        }
        throw std::runtime_error("redis " + address() + ": '" + text + "' failed");
    }
    return *answer;
}

std::string RedisServer::role() const {
    const std::string answer = command({"ROLE"});
    return answer.substr(0, answer.find('\n'));
}

bool RedisServer::waitReady(std::chrono::milliseconds timeout) {
    const Deadline deadline = after(timeout);
    while (process_ && !process_->waitExit(std::chrono::milliseconds(0))) {
        if (answersAs(port_, process_->pid())) {
            return true;
        }
        if (Clock::now() >= deadline) {
            return false;
        }
        waitAWhile(*process_, std::chrono::milliseconds(20));
    }
    return false;
}

bool RedisServer::waitReplicating(std::chrono::milliseconds timeout) {
    const Deadline deadline = after(timeout);
    while (process_ && !process_->waitExit(std::chrono::milliseconds(0))) {
        const auto info = redisCli(port_, {"INFO", "replication"}, std::chrono::seconds(2));
        if (info && info->find("master_link_status:up") != std::string::npos) {
            return true;
        }
        if (Clock::now() >= deadline) {
            return false;
        }
        waitAWhile(*process_, std::chrono::milliseconds(50));
    }
    return false;
}

std::string RedisServer::logTail(std::size_t lines) const {
    return tail(dir_ + "/redis.log", lines);
}

}  // namespace hermes::it

#include "HubProcess.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/inotify.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <stdexcept>
#include <system_error>
#include <vector>

#include "Deadline.hpp"

namespace hermes::it {

namespace {

std::string hermesdPath() {
    if (const char* fromEnv = std::getenv("HERMESD"); fromEnv != nullptr && *fromEnv != '\0') {
        return fromEnv;
    }
#ifdef HERMES_IT_HERMESD
    return HERMES_IT_HERMESD;
#else
    throw std::runtime_error("no hermesd: set $HERMESD or build with HERMES_IT_HERMESD");
#endif
}

std::string makeTempDir() {
    const char* base = std::getenv("TMPDIR");
    std::string pattern =
        std::string(base != nullptr && *base != '\0' ? base : "/tmp") + "/hermes-it-XXXXXX";
    std::vector<char> buffer(pattern.begin(), pattern.end());
    buffer.push_back('\0');
    if (::mkdtemp(buffer.data()) == nullptr) {
        throw std::system_error(errno, std::generic_category(), "mkdtemp " + pattern);
    }
    return buffer.data();
}

std::string readFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

}  // namespace

std::string HubProcess::binary() {
    return hermesdPath();
}

HubProcess::Settings HubProcess::testDefaults() {
    return {
        {"hermesd.host", "127.0.0.1"},
        {"hermesd.port", "0"},
        {"hermesd.stats_interval_s", "0"},
        {"hermesd.linger_ms", "500"},
        {"hub.name", "hermes-it"},
        {"hub.motd", "integration test hub"},
        {"hub.rate_per_second", "1000"},
        {"hub.rate_burst", "1000"},
        {"hub.flood_backlog", "1000"},
        // Every test client comes from 127.0.0.1, hundreds at once in some:
        // the per-address limits are off unless a test sets them.
        {"hub.max_clients_per_address", "0"},
        {"hub.max_handshakes_per_address", "0"},
        // Cheap password hashes (8 MiB, one pass): the accounts tests hash
        // dozens; the cost is a setting, the code path is the same.
        {"accounts.hash_memory_kib", "8192"},
        {"accounts.hash_ops", "1"},
        // No HTTP listener unless a test asks for one (on a port of its own).
        {"http.port", "0"},
        // No IRC listener either (its default is 6667): IrcHub picks a port.
        {"irc.port", "0"},
        // Nor IRC over TLS (6697 by default when tls.enabled).
        {"irc.tls_port", "0"},
        // No logging.* keys: hermesd then logs to the console (our log file)
        // with its built-in pattern.
    };
}

HubProcess::Settings HubProcess::shippedConfig() {
#ifdef HERMES_IT_SHIPPED_CONFIG
    const std::string path = HERMES_IT_SHIPPED_CONFIG;
#else
    throw std::runtime_error("no shipped config: build with HERMES_IT_SHIPPED_CONFIG");
#endif
    std::ifstream in(path);
    if (!in) {
        throw std::runtime_error("cannot read the shipped config " + path);
    }
    Settings settings;
    const auto trim = [](std::string text) {
        const auto first = text.find_first_not_of(" \t");
        const auto last = text.find_last_not_of(" \t\r");
        return first == std::string::npos ? std::string() : text.substr(first, last - first + 1);
    };
    for (std::string line; std::getline(in, line);) {
        line = trim(line);
        const auto equals = line.find('=');
        if (line.empty() || line[0] == '#' || equals == std::string::npos) {
            continue;
        }
        const std::string key = trim(line.substr(0, equals));
        if (key.rfind("logging.", 0) != 0) {
            settings[key] = trim(line.substr(equals + 1));
        }
    }
    settings["hermesd.host"] = "127.0.0.1";
    settings["hermesd.port"] = "0";
    settings["hermesd.stats_interval_s"] = "0";
    settings["http.port"] = "0";
    settings["irc.port"] = "0";
    settings["irc.tls_port"] = "0";
    settings.erase("hermesd.port_file");
    settings.erase("history.path");  // the harness puts the database in the hub's temp dir
    return settings;
}

HubProcess::HubProcess(const Settings& overrides, std::chrono::milliseconds startTimeout) {
    Settings settings = testDefaults();
    for (const auto& [key, value] : overrides) {
        settings[key.find('.') == std::string::npos ? "hub." + key : key] = value;
    }
    dir_ = makeTempDir();
    // History persists by default: each hub gets its own database in its
    // temp dir unless the test names one (to restart on the same file).
    settings.try_emplace("history.path", dir_ + "/hermes-history.db");
    configPath_ = dir_ + "/hermesd.properties";
    portPath_ = dir_ + "/port";
    logPath_ = dir_ + "/hermesd.log";
    {
        std::ofstream config(configPath_);
        config << "# written by the integration harness\n";
        for (const auto& [key, value] : settings) {
            config << key << " = " << value << '\n';
        }
        if (!config) {
            throw std::runtime_error("cannot write " + configPath_);
        }
    }
    try {
        launch(hermesdPath(), settings["hermesd.port"], startTimeout);
    } catch (...) {
        if (pid_ > 0 && running()) {
            stop(std::chrono::seconds(2));
        }
        if (pidFd_ >= 0) {
            ::close(pidFd_);
        }
        throw;
    }
}

void HubProcess::launch(const std::string& binary, const std::string& port,
                        std::chrono::milliseconds startTimeout) {
    // Watch the directory before the child exists, so the port file's
    // close-after-write cannot be missed.
    const int watchFd = ::inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
    if (watchFd < 0) {
        throw std::system_error(errno, std::generic_category(), "inotify_init1");
    }
    struct WatchCloser {
        int fd;
        ~WatchCloser() { ::close(fd); }
    } watchCloser{watchFd};
    if (::inotify_add_watch(watchFd, dir_.c_str(), IN_CLOSE_WRITE | IN_MOVED_TO) < 0) {
        throw std::system_error(errno, std::generic_category(), "inotify_add_watch " + dir_);
    }

    std::string portArg = "--port-file=" + portPath_;
    std::string configArg = "--config=" + configPath_;
    std::string portOption = "--port=" + port;
    char* argv[] = {const_cast<char*>(binary.c_str()), configArg.data(), portOption.data(),
                    portArg.data(), nullptr};
    // Everything the child needs is built before fork(): between fork and
    // exec only async-signal-safe calls (other threads may hold malloc's lock).
    const pid_t parent = ::getpid();
    pid_ = ::fork();
    if (pid_ < 0) {
        throw std::system_error(errno, std::generic_category(), "fork hermesd");
    }
    if (pid_ == 0) {
        // Child: only async-signal-safe calls until exec.
        ::prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (::getppid() != parent) {
            ::_exit(126);
        }
        const int logFd = ::open(logPath_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (logFd >= 0) {
            ::dup2(logFd, STDOUT_FILENO);
            ::dup2(logFd, STDERR_FILENO);
        }
        const int nullFd = ::open("/dev/null", O_RDONLY);
        if (nullFd >= 0) {
            ::dup2(nullFd, STDIN_FILENO);
        }
        // The hub must not hold copies of the test's client sockets: closing
        // a client in the test has to close it for the hub.
        ::syscall(SYS_close_range, 3U, ~0U, 0U);
        ::execv(binary.c_str(), argv);
        ::_exit(127);
    }
    signalledAt_ = std::chrono::steady_clock::now();
    pidFd_ = static_cast<int>(::syscall(SYS_pidfd_open, pid_, 0));
    if (pidFd_ < 0) {
        throw std::system_error(errno, std::generic_category(), "pidfd_open");
    }

    const Deadline deadline = after(startTimeout);
    for (;;) {
        const std::string text = readFile(portPath_);
        if (!text.empty() && text.back() == '\n') {
            const long value = std::strtol(text.c_str(), nullptr, 10);
            if (value <= 0 || value > 65535) {
                throw std::runtime_error("hermesd wrote a bad port \"" + text + "\" to " +
                                         portPath_);
            }
            port_ = static_cast<std::uint16_t>(value);
            return;
        }
        if (reap(WNOHANG)) {
            throw std::runtime_error("hermesd (" + binary + ") exited with code " +
                                     std::to_string(exit_->code) + " signal " +
                                     std::to_string(exit_->signal) + " before listening; log:\n" +
                                     logTail(30));
        }
        const int timeout = pollTimeoutMs(deadline);
        if (timeout == 0) {
            throw std::runtime_error("hermesd did not write " + portPath_ + " within " +
                                     std::to_string(startTimeout.count()) + " ms; log:\n" +
                                     logTail(30));
        }
        pollfd fds[2] = {{watchFd, POLLIN, 0}, {pidFd_, POLLIN, 0}};
        ::poll(fds, 2, timeout);
        char events[4096];
        while (::read(watchFd, events, sizeof events) > 0) {
        }
    }
}

HubProcess::~HubProcess() {
    try {
        if (pid_ > 0) {
            const ExitStatus status = stop();
            if (failed_ || !status.clean()) {
                std::cerr << "---- hermesd (pid " << pid_ << ") ended: exited=" << status.exited
                          << " code=" << status.code << " signal=" << status.signal
                          << "; log tail (" << logPath_ << "):\n"
                          << logTail(40) << "---- end of hermesd log\n";
            }
        }
    } catch (const std::exception& error) {
        std::cerr << "HubProcess: stopping hermesd pid " << pid_ << " failed: " << error.what()
                  << '\n';
    }
    if (pidFd_ >= 0) {
        ::close(pidFd_);
    }
    if (!failed_ && std::getenv("HERMES_IT_KEEP") == nullptr) {
        std::error_code ignored;
        std::filesystem::remove_all(dir_, ignored);
    }
}

std::optional<HubProcess::ExitStatus> HubProcess::reap(int waitFlags) {
    if (exit_) {
        return exit_;
    }
    int status = 0;
    const pid_t result = ::waitpid(pid_, &status, waitFlags);
    if (result != pid_) {
        return std::nullopt;
    }
    ExitStatus exitStatus;
    exitStatus.exited = WIFEXITED(status);
    exitStatus.code = exitStatus.exited ? WEXITSTATUS(status) : -1;
    exitStatus.signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
    exitStatus.afterSignal = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - signalledAt_);
    exit_ = exitStatus;
    return exit_;
}

void HubProcess::signal(int signalNumber) {
    if (pid_ <= 0 || reap(WNOHANG)) {
        return;
    }
    signalledAt_ = std::chrono::steady_clock::now();
    // The pidfd names exactly our child, even if its PID were reused.
    if (::syscall(SYS_pidfd_send_signal, pidFd_, signalNumber, nullptr, 0U) != 0) {
        ::kill(pid_, signalNumber);
    }
}

std::optional<HubProcess::ExitStatus> HubProcess::waitExit(std::chrono::milliseconds timeout) {
    const Deadline deadline = after(timeout);
    for (;;) {
        if (auto status = reap(WNOHANG)) {
            return status;
        }
        const int left = pollTimeoutMs(deadline);
        if (left == 0) {
            return std::nullopt;
        }
        pollfd fd{pidFd_, POLLIN, 0};
        ::poll(&fd, 1, left);
    }
}

HubProcess::ExitStatus HubProcess::stop(std::chrono::milliseconds grace) {
    if (auto status = reap(WNOHANG)) {
        return *status;
    }
    signal(SIGTERM);
    if (auto status = waitExit(grace)) {
        return *status;
    }
    failed_ = true;
    std::cerr << "HubProcess: hermesd pid " << pid_ << " ignored SIGTERM for " << grace.count()
              << " ms: SIGKILL\n";
    if (std::getenv("HERMES_IT_GDB_ON_HANG") != nullptr) {
        // Where it hangs, for the bug report (gdb may attach: we are its parent).
        const std::string command = "gdb -p " + std::to_string(pid_) +
                                    " -batch -ex 'thread apply all bt' 2>&1 | grep '^#' >&2";
        [[maybe_unused]] const int ignored = std::system(command.c_str());
    }
    const auto terminatedAt = signalledAt_;
    signal(SIGKILL);
    signalledAt_ = terminatedAt;  // report the time since SIGTERM
    if (auto status = waitExit(std::chrono::seconds(10))) {
        return *status;
    }
    throw std::runtime_error("hermesd pid " + std::to_string(pid_) + " survived SIGKILL");
}

std::string HubProcess::log() const {
    return readFile(logPath_);
}

std::string HubProcess::logTail(std::size_t lines) const {
    std::istringstream in(log());
    std::deque<std::string> tail;
    std::string line;
    while (std::getline(in, line)) {
        tail.push_back(line);
        if (tail.size() > lines) {
            tail.pop_front();
        }
    }
    std::string out;
    for (const auto& kept : tail) {
        out += kept;
        out += '\n';
    }
    return out;
}

}  // namespace hermes::it

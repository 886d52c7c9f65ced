#pragma once
// A real hermesd for one test: a temporary directory with a generated config
// (127.0.0.1, port 0, test-friendly limits, the test's overrides), the hub's
// stdout/stderr in a log file there, and the port read back from the port
// file. The hub is ALWAYS stopped by PID in the destructor (SIGTERM, then
// SIGKILL after a grace period), also when the test fails or throws; the
// child also gets SIGKILL if the test process dies first (PR_SET_PDEATHSIG).
// If the test was marked failed, or the hub ended abnormally, the tail of its
// log is printed to stderr.
//
// The hermesd binary: $HERMESD if set, else the path CMake compiled in
// (HERMES_IT_HERMESD).
//
// Threading: one owner thread. Not copyable.

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>

namespace hermes::it {

class HubProcess {
public:
    using Settings = std::map<std::string, std::string>;

    struct ExitStatus {
        bool exited = false;  // false: killed by `signal`
        int code = -1;
        int signal = 0;
        // From the last signal() to the exit (or from start if never signalled).
        std::chrono::milliseconds afterSignal{0};
        bool clean() const { return exited && code == 0; }
    };

    // What every test hub gets unless overridden: loopback, port 0, high rate
    // limits (tests send in bursts), no periodic stats.
    static Settings testDefaults();

    // The shipped etc/hermesd.properties as a new user runs it (its limits,
    // rate limit included), with only what a test needs changed: loopback,
    // port 0, no periodic stats, console logging. Pass it as the overrides,
    // with the test's own changes added.
    static Settings shippedConfig();

    // Starts the hub and waits (up to `startTimeout`) until it listens. Keys
    // without a dot are taken as hub.* keys ("rate_burst" = "hub.rate_burst").
    // history.path defaults to a database in the hub's temp dir.
    // Throws std::runtime_error with the log tail if it does not come up.
    explicit HubProcess(const Settings& overrides = {},
                        std::chrono::milliseconds startTimeout = std::chrono::seconds(20));
    ~HubProcess();
    HubProcess(const HubProcess&) = delete;
    HubProcess& operator=(const HubProcess&) = delete;

    std::uint16_t port() const { return port_; }
    pid_t pid() const { return pid_; }
    const std::string& logPath() const { return logPath_; }
    const std::string& directory() const { return dir_; }
    // The config file the hub was started with (a test may rewrite it and
    // send SIGHUP).
    const std::string& configPath() const { return configPath_; }
    // The hermesd binary the harness runs ($HERMESD, else the build's).
    static std::string binary();

    // Sends `signal` to the hub (no-op once it has exited).
    void signal(int signalNumber);
    // Waits for the hub to exit; nullopt if it still runs after `timeout`.
    std::optional<ExitStatus> waitExit(std::chrono::milliseconds timeout);
    // SIGTERM, wait `grace`, then SIGKILL. Returns how it ended. Idempotent.
    ExitStatus stop(std::chrono::milliseconds grace = std::chrono::seconds(5));
    bool running() const { return !exit_.has_value(); }

    // The whole log so far, and its last `lines` lines.
    std::string log() const;
    std::string logTail(std::size_t lines = 40) const;

    // Print the log tail when the hub is stopped (the test failed).
    void markFailed() { failed_ = true; }

private:
    void launch(const std::string& binary, const std::string& port,
                std::chrono::milliseconds startTimeout);
    std::optional<ExitStatus> reap(int waitFlags);

    std::string dir_;
    std::string configPath_;
    std::string portPath_;
    std::string logPath_;
    pid_t pid_ = -1;
    int pidFd_ = -1;
    std::uint16_t port_ = 0;
    bool failed_ = false;
    std::chrono::steady_clock::time_point signalledAt_;
    std::optional<ExitStatus> exit_;
};

}  // namespace hermes::it

#pragma once
// One run of a command-line tool (hermes-cat, say) for a test: its standard
// input read from a file the test wrote, its output and errors kept in files,
// and its exit awaited against a deadline. The process is always stopped by
// PID (SIGTERM, then SIGKILL) when the ToolProcess goes, also when the test
// fails; it also gets SIGKILL if the test process dies first.
//
// Threading: one owner thread. Not copyable.

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace hermes::it {

class ToolProcess {
public:
    struct Exit {
        bool exited = false;  // false: killed by `signal`
        int code = -1;
        int signal = 0;
    };

    // Starts `argv[0]` with `argv`, standard input `input` (written to a file
    // first), in a fresh temporary directory.
    ToolProcess(std::vector<std::string> argv, const std::string& input);
    ~ToolProcess();
    ToolProcess(const ToolProcess&) = delete;
    ToolProcess& operator=(const ToolProcess&) = delete;

    // The exit, or nullopt if it still runs after `timeout`.
    std::optional<Exit> waitExit(std::chrono::milliseconds timeout);
    std::string out() const;
    std::string err() const;
    pid_t pid() const { return pid_; }
    // SIGSTOP, returning once the kernel shows it stopped (a signal takes
    // effect when the process next enters the kernel: on a busy machine a
    // request sent right after kill() could still be answered). Throws if
    // it is not stopped within 5 s. thaw(): SIGCONT. Both: nothing if it exited.
    void freeze();
    void thaw();

private:
    std::optional<Exit> reap(int flags);

    std::string name_;  // argv[0], for errors
    std::string dir_;
    pid_t pid_ = -1;
    int pidFd_ = -1;
    std::optional<Exit> exit_;
};

}  // namespace hermes::it

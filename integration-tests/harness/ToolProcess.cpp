#include "ToolProcess.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <system_error>

#include "Deadline.hpp"

namespace hermes::it {

namespace {

std::string readAll(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

}  // namespace

ToolProcess::ToolProcess(std::vector<std::string> argv, const std::string& input)
    : name_(argv.empty() ? std::string("a process") : argv.front()) {
    const char* base = std::getenv("TMPDIR");
    std::string pattern =
        std::string(base != nullptr && *base != '\0' ? base : "/tmp") + "/hermes-tool-XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr) {
        throw std::system_error(errno, std::generic_category(), "mkdtemp " + pattern);
    }
    dir_ = pattern;
    const std::string inPath = dir_ + "/stdin";
    const std::string outPath = dir_ + "/stdout";
    const std::string errPath = dir_ + "/stderr";
    std::ofstream(inPath, std::ios::binary) << input;
    // Everything the child needs is built before fork(): between fork and
    // exec only async-signal-safe calls.
    std::vector<char*> args;
    for (std::string& arg : argv) {
        args.push_back(arg.data());
    }
    args.push_back(nullptr);
    const pid_t parent = ::getpid();
    pid_ = ::fork();
    if (pid_ < 0) {
        throw std::system_error(errno, std::generic_category(), "fork " + argv.front());
    }
    if (pid_ == 0) {
        ::prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (::getppid() != parent) {
            ::_exit(126);
        }
        const int in = ::open(inPath.c_str(), O_RDONLY);
        const int out = ::open(outPath.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        const int err = ::open(errPath.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (in < 0 || out < 0 || err < 0) {
            ::_exit(125);
        }
        ::dup2(in, STDIN_FILENO);
        ::dup2(out, STDOUT_FILENO);
        ::dup2(err, STDERR_FILENO);
        ::syscall(SYS_close_range, 3U, ~0U, 0U);
        ::execv(args[0], args.data());
        ::_exit(127);
    }
    pidFd_ = static_cast<int>(::syscall(SYS_pidfd_open, pid_, 0));
}

ToolProcess::~ToolProcess() {
    if (pid_ > 0 && !reap(WNOHANG)) {
        ::kill(pid_, SIGTERM);
        if (!waitExit(std::chrono::seconds(3))) {
            ::kill(pid_, SIGKILL);
            reap(0);
        }
    }
    if (pidFd_ >= 0) {
        ::close(pidFd_);
    }
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
}

std::optional<ToolProcess::Exit> ToolProcess::reap(int flags) {
    if (exit_) {
        return exit_;
    }
    int status = 0;
    if (::waitpid(pid_, &status, flags) != pid_) {
        return std::nullopt;
    }
    Exit e;
    e.exited = WIFEXITED(status);
    e.code = e.exited ? WEXITSTATUS(status) : -1;
    e.signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
    exit_ = e;
    return exit_;
}

std::optional<ToolProcess::Exit> ToolProcess::waitExit(std::chrono::milliseconds timeout) {
    const Deadline deadline = after(timeout);
    for (;;) {
        if (auto e = reap(WNOHANG)) {
            return e;
        }
        const int left = pollTimeoutMs(deadline);
        if (left == 0) {
            return std::nullopt;
        }
        if (pidFd_ >= 0) {
            pollfd fd{pidFd_, POLLIN, 0};
            ::poll(&fd, 1, left);
        } else {
            ::poll(nullptr, 0, std::min(left, 50));  // no pidfd: look again shortly
        }
    }
}

namespace {

// The state letter of /proc/PID/stat ('T': stopped), or 0 if unreadable.
char processState(pid_t pid) {
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string line;
    std::getline(stat, line);
    const auto close = line.rfind(')');  // the command name may hold spaces
    return close != std::string::npos && close + 2 < line.size() ? line[close + 2] : '\0';
}

}  // namespace

void ToolProcess::freeze() {
    if (reap(WNOHANG)) {
        return;
    }
    ::kill(pid_, SIGSTOP);
    const Deadline deadline = after(std::chrono::seconds(5));
    while (processState(pid_) != 'T' && Clock::now() < deadline) {
        if (waitExit(std::chrono::milliseconds(1))) {
            return;  // gone meanwhile: nothing to freeze
        }
    }
    if (processState(pid_) != 'T') {
        throw std::runtime_error(name_ + " (pid " + std::to_string(pid_) +
                                 ") not stopped 5 s after SIGSTOP");
    }
}

void ToolProcess::thaw() {
    if (!reap(WNOHANG)) {
        ::kill(pid_, SIGCONT);
    }
}

std::string ToolProcess::out() const {
    return readAll(dir_ + "/stdout");
}

std::string ToolProcess::err() const {
    return readAll(dir_ + "/stderr");
}

}  // namespace hermes::it

#include "ProcSample.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <system_error>
#include <vector>

namespace hermes::bench {

namespace {

// A /proc stat file (a process's or a thread's): its name (the comm field,
// between the first '(' and the last ')': a name may hold spaces and
// parentheses) and utime + stime in seconds; false if it cannot be read
// (a thread that ended meanwhile).
bool readStat(const std::string& statPath, std::string& name, double& cpuSeconds) {
    std::ifstream statFile(statPath);
    const std::string stat((std::istreambuf_iterator<char>(statFile)),
                           std::istreambuf_iterator<char>());
    const std::size_t open = stat.find('(');
    const std::size_t close = stat.rfind(')');
    if (open == std::string::npos || close == std::string::npos || close < open) {
        return false;
    }
    name = stat.substr(open + 1, close - open - 1);
    // From there, utime and stime are the 12th and 13th fields (man 5 proc).
    std::istringstream fields(stat.substr(close + 1));
    std::vector<std::string> values{std::istream_iterator<std::string>(fields),
                                    std::istream_iterator<std::string>()};
    constexpr std::size_t kUtime = 11;
    constexpr std::size_t kStime = 12;
    if (values.size() <= kStime) {
        return false;
    }
    const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
    cpuSeconds = (std::stod(values[kUtime]) + std::stod(values[kStime])) / ticks;
    return true;
}

// Each thread's CPU, summed by name. Threads come and go while the list is
// read: one that ended is skipped, and a process that ended leaves it empty.
void addThreads(const std::string& base, std::map<std::string, double>& byName) {
    std::error_code error;
    std::filesystem::directory_iterator task(base + "/task", error);
    for (; !error && task != std::filesystem::directory_iterator(); task.increment(error)) {
        std::string name;
        double seconds = 0;
        if (readStat(task->path() / "stat", name, seconds)) {
            byName[name] += seconds;
        }
    }
}

}  // namespace

std::map<std::string, double> threadCpuBetween(const ProcSample& before, const ProcSample& after) {
    std::map<std::string, double> spent;
    for (const auto& [name, seconds] : after.threadCpuSeconds) {
        const auto it = before.threadCpuSeconds.find(name);
        // A thread of that name that ended meanwhile took its CPU with it:
        // never below nothing.
        spent[name] =
            std::max(0.0, seconds - (it == before.threadCpuSeconds.end() ? 0 : it->second));
    }
    for (const auto& [name, seconds] : before.threadCpuSeconds) {
        spent.emplace(name, 0.0);  // every thread of that name ended
    }
    return spent;
}

ProcSample sampleProcess(int pid) {
    ProcSample sample;
    if (pid <= 0) {
        return sample;
    }
    const std::string base = "/proc/" + std::to_string(pid);
    std::string name;
    if (!readStat(base + "/stat", name, sample.cpuSeconds)) {
        return sample;
    }
    addThreads(base, sample.threadCpuSeconds);

    std::ifstream status(base + "/status");
    std::string line;
    while (std::getline(status, line)) {
        if (line.rfind("VmHWM:", 0) == 0) {
            sample.peakRssKiB = std::atol(line.c_str() + 6);
        } else if (line.rfind("VmRSS:", 0) == 0) {
            sample.rssKiB = std::atol(line.c_str() + 6);
        }
    }
    sample.ok = true;
    return sample;
}

ProcSample sampleProcesses(const std::vector<int>& pids) {
    ProcSample sum;
    sum.ok = !pids.empty();
    for (const int pid : pids) {
        const ProcSample one = sampleProcess(pid);
        sum.ok = sum.ok && one.ok;
        sum.cpuSeconds += one.cpuSeconds;
        sum.peakRssKiB += one.peakRssKiB;
        sum.rssKiB += one.rssKiB;
        for (const auto& [name, seconds] : one.threadCpuSeconds) {
            sum.threadCpuSeconds[name] += seconds;
        }
    }
    return sum;
}

}  // namespace hermes::bench

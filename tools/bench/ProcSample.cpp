#include "ProcSample.hpp"

#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

namespace hermes::bench {

ProcSample sampleProcess(int pid) {
    ProcSample sample;
    if (pid <= 0) {
        return sample;
    }
    const std::string base = "/proc/" + std::to_string(pid);
    std::ifstream statFile(base + "/stat");
    const std::string stat((std::istreambuf_iterator<char>(statFile)),
                           std::istreambuf_iterator<char>());
    // The command name may hold spaces and parentheses: fields start after the
    // last ')'. From there, utime and stime are the 12th and 13th (man 5 proc).
    const std::size_t close = stat.rfind(')');
    if (close == std::string::npos) {
        return sample;
    }
    std::istringstream fields(stat.substr(close + 1));
    std::vector<std::string> values{std::istream_iterator<std::string>(fields),
                                    std::istream_iterator<std::string>()};
    constexpr std::size_t kUtime = 11;
    constexpr std::size_t kStime = 12;
    if (values.size() <= kStime) {
        return sample;
    }
    const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
    sample.cpuSeconds = (std::stod(values[kUtime]) + std::stod(values[kStime])) / ticks;

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
    }
    return sum;
}

}  // namespace hermes::bench

#pragma once
// The hub's CPU time and memory, read from /proc/PID (Linux): utime + stime
// of all its threads from /proc/PID/stat, VmHWM (peak resident) and VmRSS
// from /proc/PID/status; and each thread's utime + stime by its name
// (/proc/PID/task/TID/comm: hermesd names its threads, "event-loop",
// "hist-writer"...; a thread never named bears its creator's), threads of
// one name summed. A thread that ended between two samples is missing from
// the later one, with its CPU since the first.
//
// Threading: free function, no state.

#include <map>
#include <string>
#include <vector>

namespace hermes::bench {

struct ProcSample {
    bool ok = false;
    double cpuSeconds = 0;
    long peakRssKiB = 0;                             // VmHWM
    long rssKiB = 0;                                 // VmRSS
    std::map<std::string, double> threadCpuSeconds;  // by thread name
};

// What each thread name spent between two samples (names in either).
std::map<std::string, double> threadCpuBetween(const ProcSample& before, const ProcSample& after);

// ok = false if pid <= 0 or the process cannot be read.
ProcSample sampleProcess(int pid);
// Several hubs (a cluster's) as one: CPU and memory summed; ok only if
// every one was read (none given: not ok).
ProcSample sampleProcesses(const std::vector<int>& pids);

}  // namespace hermes::bench

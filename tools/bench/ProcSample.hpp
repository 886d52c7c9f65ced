#pragma once
// The hub's CPU time and memory, read from /proc/PID (Linux): utime + stime
// of all its threads from /proc/PID/stat, VmHWM (peak resident) and VmRSS
// from /proc/PID/status.
//
// Threading: free function, no state.

#include <vector>

namespace hermes::bench {

struct ProcSample {
    bool ok = false;
    double cpuSeconds = 0;
    long peakRssKiB = 0;  // VmHWM
    long rssKiB = 0;      // VmRSS
};

// ok = false if pid <= 0 or the process cannot be read.
ProcSample sampleProcess(int pid);
// Several hubs (a cluster's) as one: CPU and memory summed; ok only if
// every one was read (none given: not ok).
ProcSample sampleProcesses(const std::vector<int>& pids);

}  // namespace hermes::bench

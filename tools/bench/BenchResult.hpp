#pragma once
// The figures of one hermes-bench run, in the units of issue 6's table
// (deliveries/s, ms, CPU-seconds per million deliveries, KiB per client), and
// their Markdown and JSON forms (JSON: one compact Poco::JSON object on one
// line, keys in a fixed order, figures rounded, null where not finite).
//
// Threading: a plain value.

#include <cstdint>
#include <iosfwd>
#include <map>
#include <string>
#include <vector>

#include "BenchOptions.hpp"
#include "DeliveryLedger.hpp"

namespace hermes::bench {

struct BenchResult {
    BenchOptions options;

    int connected = 0;       // clients whose connection is open at the end
    int joined = 0;          // clients that got their MemberList
    double joinSeconds = 0;  // from the first connect until all joined
    bool timedOut = false;
    std::uint64_t errors = 0;       // Error frames from the hub
    std::uint64_t disconnects = 0;  // connections closed by the hub or failed
    std::uint64_t connectFailures = 0;

    // throughput / latency
    std::uint64_t sent = 0;
    double wallSeconds = 0;  // first send .. last delivery
    double deliveriesPerSecond = 0;
    double payloadMBps = 0;  // text bytes delivered, 10^6 bytes per second
    // From a histogram: within LatencyHistogram::kMaxRelativeError; max exact.
    double latencyP50Ms = 0;
    double latencyP90Ms = 0;
    double latencyP99Ms = 0;
    double latencyP999Ms = 0;
    double latencyMaxMs = 0;
    double maxSendLagMs = 0;  // latency mode: worst lateness of a send vs. its schedule
    Completeness completeness;

    // idle
    int membersListed = -1;  // our nicks in the final Who answer (-1: not asked)
    // Members whose own paged view (MembersRequest) was fetched (-1: not
    // asked, or the hub does not answer it), those whose view was exactly the
    // clients joined, and how long fetching them all took.
    int viewsChecked = -1;
    int viewsCorrect = 0;
    double viewsSeconds = 0;

    // the hub, from /proc (hubSampled false without --hub-pid)
    bool hubSampled = false;
    double hubCpuSeconds = 0;            // over the measured phase (idle: the joins)
    double hubCpuSecondsPerMillion = 0;  // per million deliveries
    double hubPeakRssMiB = 0;
    double hubRssBeforeMiB = 0;
    double hubRssAfterMiB = 0;
    double hubKiBPerClient = 0;  // idle: (RSS after - RSS before) / connected
    // Over the measured phase, by thread name (ProcSample.hpp).
    std::map<std::string, double> hubThreadCpuSeconds;

    double benchCpuSeconds = 0;            // the whole run
    double benchPhaseCpuSeconds = 0;       // throughput / latency: the measured phase
    double benchCpuSecondsPerMillion = 0;  // the measured phase, per million deliveries
    std::vector<std::string> notes;

    // The verdict behind the exit status.
    bool ok() const;
};

void writeMarkdown(const BenchResult& result, std::ostream& out);
void writeJson(const BenchResult& result, std::ostream& out);

}  // namespace hermes::bench

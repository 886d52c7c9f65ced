#pragma once
// The output budget (docs/HUB.md "Slow members and the output budget"), and
// the judgement of who is slow. The only writer of whether the hub takes
// input (paused for the budget, since when; stopped for good at shutdown)
// and of HubStats' pause figures: every "may I decode a frame" asks
// takingInput(), and every "may held output go out" asks releasing().
//
// A room that is busy for a moment is not a slow member: when every member
// of a big room sends its burst at once, every member's queue holds the
// whole burst before a byte is written, and a per-member byte limit cut
// them all (issue 12). So:
//
// - Memory is bounded hub-wide, where it is really spent: MemoryGauge counts
//   each room frame once (its FrameBlock), however many queues reference it,
//   and each private frame. Near config.maxQueuedBytes (pauseMark) the hub
//   decodes no more input and the edge reads no socket (Hub::inputPaused);
//   TCP pushes back on the senders, whose lines wait as pending. Writing goes
//   on; at resumeMark input resumes where it stopped, in order. Nothing is
//   dropped and nobody is cut for the hub's own load.
// - A member is slow when it is far behind the others: its queue is more
//   than config.outboundQueueBytes longer than the typical (median) queue of
//   the other members of its rooms. It reads slower than its rooms talk, and
//   is closed. A burst fills every member's queue alike, so it never counts
//   against one of them; neither does a hub that is behind with everyone.
// - A member that takes no bytes at all is closed after
//   config.writeStallTimeout, or after Hub::kPausedStall while input is
//   paused, so that it cannot hold everyone's input up for long.
// - Members that all keep taking a trickle cannot hold it up for good
//   either: once input has been paused for Hub::kPausedHold, each timer
//   scan closes the session with the longest queue until input resumes.
//
// Threading: none; the hub's thread.

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include <Poco/Logger.h>

#include "Session.hpp"
#include "hermes/hub/HubConfig.hpp"
#include "hermes/hub/HubStats.hpp"
#include "hermes/hub/MemoryGauge.hpp"

namespace hermes::hub {

class OutputBudget {
public:
    OutputBudget(const HubConfig& config, const MemoryGauge& memory, HubStats& stats,
                 Poco::Logger& log)
        : config_(config), memory_(memory), stats_(stats), log_(log) {}

    bool paused() const { return paused_; }
    // Output memory at which input pauses: the budget less what handling one
    // more frame usually adds (a block, a page, a member list, a backlog).
    // A threshold, not a cap: the last frame's fan-out past that headroom
    // and what the hub sends without reading (presence, the Errors of those
    // it closes) may pass the budget (docs/HUB.md "How far past the budget").
    std::size_t pauseMark() const;
    // Output memory at which input resumes.
    std::size_t resumeMark() const { return pauseMark() / 4 * 3; }

    // False while input is paused, and after stop(); pauses it first if
    // memory is at the mark.
    bool takingInput(TimePoint now) {
        if (paused_ || stopped_) {
            return false;
        }
        if (memory_.bytes() < pauseMark()) {
            return true;
        }
        pause(now);
        return false;
    }
    // Resumes input if memory is down to the resume mark: how long it was
    // paused (the caller moves the session clocks on by it).
    std::optional<Clock::duration> resumeIfDrained(TimePoint now);
    // True once after each resume (held messages may go out again).
    bool takeResumed() {
        const bool resumed = resumed_;
        resumed_ = false;
        return resumed;
    }
    // Whether output held back for the budget (committed messages, answers
    // that waited) may go out now: while input is taken, and always once
    // stopped, since the hub then owes it before the Bye, budget or not.
    bool releasing(TimePoint now) { return stopped_ || takingInput(now); }
    // Shutdown: no input is taken again; what is owed is released.
    void stop() { stopped_ = true; }

    struct Verdict {
        CloseReason reason;
        std::string text;  // the Error{SLOW_CONSUMER}'s, saying which limit
    };
    // The scan's judgement of one session's output: stalled, or far behind.
    std::optional<Verdict> judge(const Session& s, TimePoint now);
    // After the scan judged every session: if input has been paused for
    // Hub::kPausedHold and output memory is still above the resume mark,
    // the verdict for `longest`, the session with the longest queue.
    std::optional<Verdict> judgeHold(const Session& longest, TimePoint now) const;
    // Each scan starts afresh (the rooms' queue sizes are sorted once per scan).
    void beginScan() { scanQueues_.clear(); }

private:
    void pause(TimePoint now);
    std::size_t typicalQueue(const Session& s);

    const HubConfig& config_;
    const MemoryGauge& memory_;
    HubStats& stats_;
    Poco::Logger& log_;
    bool paused_ = false;   // for the budget (Hub::inputPaused)
    bool stopped_ = false;  // shutting down
    bool resumed_ = false;
    TimePoint pausedAt_{};
    // Each room's member queue sizes, sorted, for judge(); cleared by every scan.
    std::unordered_map<const Room*, std::vector<std::size_t>> scanQueues_;
};

}  // namespace hermes::hub

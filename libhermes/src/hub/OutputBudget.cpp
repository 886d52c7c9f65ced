#include "OutputBudget.hpp"

#include <algorithm>

#include "Room.hpp"
#include "SessionTable.hpp"
#include "hermes/hub/FrameBlock.hpp"
#include "hermes/hub/Hub.hpp"

namespace hermes::hub {

namespace {

// What handling one more frame usually adds to output memory: a new room
// block, a private page, a member list and a backlog page (more in a few
// cases: docs/HUB.md "How far past the budget").
std::size_t dispatchHeadroom(const HubConfig& config) {
    return 4 * std::max(config.maxFrameBytes, FrameBlock::kMaxCapacity);
}

std::string mebibytes(std::size_t bytes) {
    const std::size_t mib = bytes / (1024 * 1024);
    return mib * 1024 * 1024 == bytes ? std::to_string(mib) + " MiB"
                                      : std::to_string(bytes) + " bytes";
}

}  // namespace

std::size_t OutputBudget::pauseMark() const {
    const std::size_t budget = config_.maxQueuedBytes;
    const std::size_t headroom = dispatchHeadroom(config_);
    return budget > 2 * headroom ? budget - headroom : budget / 2;
}

void OutputBudget::pause(TimePoint now) {
    paused_ = true;
    pausedAt_ = now;
    ++stats_.inputPauses;
    log_.warning(
        "pausing input: output memory " + std::to_string(memory_.bytes()) +
        " bytes is at the budget (hub.max_queued_bytes = " + mebibytes(config_.maxQueuedBytes) +
        "); reading none until members take it down to " + std::to_string(resumeMark()) + " bytes");
}

std::optional<Clock::duration> OutputBudget::resumeIfDrained(TimePoint now) {
    if (!paused_ || memory_.bytes() > resumeMark()) {
        return std::nullopt;
    }
    paused_ = false;
    resumed_ = true;
    const auto paused = now - pausedAt_;
    const auto pausedMs = std::chrono::duration_cast<std::chrono::milliseconds>(paused).count();
    stats_.inputPausedMs += static_cast<std::uint64_t>(pausedMs);
    log_.information("reading input again after " + std::to_string(pausedMs) +
                     " ms: output memory " + std::to_string(memory_.bytes()) + " bytes");
    return paused;
}

std::optional<OutputBudget::Verdict> OutputBudget::judge(const Session& s, TimePoint now) {
    const OutboundQueue& queue = s.out.queue();
    if (queue.empty()) {
        return std::nullopt;
    }
    const auto stalled = now - queue.lastProgress();
    if (config_.writeStallTimeout.count() > 0 && stalled >= config_.writeStallTimeout) {
        return Verdict{CloseReason::WriteStall,
                       "no bytes taken for " + std::to_string(config_.writeStallTimeout.count()) +
                           " ms (hub.write_stall_timeout_ms)"};
    }
    if (paused_ && stalled >= Hub::kPausedStall) {
        return Verdict{
            CloseReason::BudgetStall,
            "the hub's output memory reached its budget (hub.max_queued_bytes = " +
                mebibytes(config_.maxQueuedBytes) + ") and your connection took no bytes for " +
                std::to_string(Hub::kPausedStall.count()) + " ms while the hub read no input"};
    }
    const std::size_t size = queue.size();
    if (size < config_.outboundQueueBytes) {
        return std::nullopt;
    }
    const std::size_t typical = typicalQueue(s);
    if (size - std::min(typical, size) < config_.outboundQueueBytes) {
        return std::nullopt;
    }
    return Verdict{CloseReason::SlowConsumer,
                   std::to_string(size) + " bytes wait for you, " + std::to_string(size - typical) +
                       " more than for most members of your rooms (hub.outbound_queue_bytes = " +
                       mebibytes(config_.outboundQueueBytes) +
                       "): you read slower than your rooms talk"};
}

std::optional<OutputBudget::Verdict> OutputBudget::judgeHold(const Session& longest,
                                                             TimePoint now) const {
    const std::size_t size = longest.out.queue().size();
    if (!paused_ || now - pausedAt_ < Hub::kPausedHold || memory_.bytes() <= resumeMark() ||
        size == 0) {
        return std::nullopt;
    }
    const auto pausedMs =
        std::chrono::duration_cast<std::chrono::milliseconds>(now - pausedAt_).count();
    log_.warning("input paused for " + std::to_string(pausedMs) + " ms, output memory " +
                 std::to_string(memory_.bytes()) + " bytes: closing " +
                 SessionTable::describe(longest) + ", which holds the longest queue (" +
                 std::to_string(size) + " bytes)");
    return Verdict{CloseReason::BudgetHold,
                   "the hub's output memory has been at its budget (hub.max_queued_bytes = " +
                       mebibytes(config_.maxQueuedBytes) + ") for " + std::to_string(pausedMs) +
                       " ms and your connection holds the longest queue (" + std::to_string(size) +
                       " bytes not yet taken): closed so that the hub can read input again"};
}

// The largest, over the session's rooms, of the median queue of the room's
// other members (upper median). Queue sizes are sorted once per room per
// scan (scanQueues_) and only for rooms of sessions that are that far behind.
std::size_t OutputBudget::typicalQueue(const Session& s) {
    std::size_t typical = 0;
    const std::size_t own = s.out.queue().size();
    for (const Membership& membership : s.rooms) {
        auto [entry, added] = scanQueues_.try_emplace(membership.room);
        std::vector<std::size_t>& sizes = entry->second;
        if (added) {
            sizes.reserve(membership.room->members.size());
            for (const Member& member : membership.room->members) {
                sizes.push_back(member.session->out.queue().size());
            }
            std::sort(sizes.begin(), sizes.end());
        }
        const std::size_t others = sizes.size() - 1;  // `s` is one of them
        if (others == 0) {
            continue;
        }
        // The others' sizes are `sizes` without one copy of `own`.
        const std::size_t k = others / 2;
        const auto p = static_cast<std::size_t>(std::upper_bound(sizes.begin(), sizes.end(), own) -
                                                sizes.begin() - 1);
        typical = std::max(typical, k < p ? sizes[k] : sizes[k + 1]);
    }
    return typical;
}

}  // namespace hermes::hub

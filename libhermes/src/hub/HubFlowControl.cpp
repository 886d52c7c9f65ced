// The output budget, and which members are slow.
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

#include "HubImpl.hpp"

#include <algorithm>
#include <chrono>
#include <string>
#include <utility>
#include <vector>

namespace hermes::hub {

namespace {

// What handling one more frame may add to output memory at most: a new
// room block, a private page, a member list and a backlog page.
std::size_t dispatchHeadroom(const HubConfig& config) {
    return 4 * std::max(config.maxFrameBytes, FrameBlock::kMaxCapacity);
}

std::string mebibytes(std::size_t bytes) {
    const std::size_t mib = bytes / (1024 * 1024);
    return mib * 1024 * 1024 == bytes ? std::to_string(mib) + " MiB"
                                      : std::to_string(bytes) + " bytes";
}

}  // namespace

std::size_t Hub::Impl::pauseMark() const {
    const std::size_t budget = config.maxQueuedBytes;
    const std::size_t headroom = dispatchHeadroom(config);
    return budget > 2 * headroom ? budget - headroom : budget / 2;
}

std::size_t Hub::Impl::resumeMark() const {
    return pauseMark() / 4 * 3;
}

bool Hub::Impl::takingInput() {
    if (inputPaused) {
        return false;
    }
    if (memory.bytes() < pauseMark()) {
        return true;
    }
    pauseInput();
    return false;
}

void Hub::Impl::holdInput(Session& s) {
    if (!s.inputHeld) {
        s.inputHeld = true;
        heldInput.push_back(s.id);
    }
}

void Hub::Impl::pauseInput() {
    inputPaused = true;
    pausedAt = now;
    ++stats.inputPauses;
    log.warning(
        "output memory " + std::to_string(memory.bytes()) +
        " bytes is at the budget (hub.max_queued_bytes = " + mebibytes(config.maxQueuedBytes) +
        "): reading no input until members have taken it down to " + std::to_string(resumeMark()) +
        " bytes");
}

void Hub::Impl::resumeIfDrained() {
    if (inputPaused && memory.bytes() <= resumeMark()) {
        resumeInput();
    }
}

// The pause does not count as silence: handshake and ping clocks move on by
// its length (the scan skipped them meanwhile).
void Hub::Impl::resumeInput() {
    inputPaused = false;
    const auto paused = now - pausedAt;
    const auto pausedMs = std::chrono::duration_cast<std::chrono::milliseconds>(paused).count();
    stats.inputPausedMs += static_cast<std::uint64_t>(pausedMs);
    for (auto& entry : sessions) {
        Session& s = *entry.second;
        s.openedAt += paused;
        s.lastHeard += paused;
        s.pingSentAt += paused;
    }
    releaseAfterPause = true;
    log.information("output memory " + std::to_string(memory.bytes()) +
                    " bytes: reading input again after " + std::to_string(pausedMs) + " ms");
}

// Called by tick(): input left undecoded by a pause, and messages the store
// committed meanwhile, go on in order once input is taken again.
void Hub::Impl::decodeHeldInput() {
    if (inputPaused) {
        return;
    }
    if (releaseAfterPause) {
        releaseAfterPause = false;
        if (!holdingRooms.empty()) {
            storeCommitted();
        }
    }
    if (heldInput.empty()) {
        return;
    }
    std::vector<SessionId> held;
    held.swap(heldInput);
    for (const SessionId id : held) {
        Session* s = findSession(id);
        if (s == nullptr) {
            continue;
        }
        s->inputHeld = false;
        if (!s->doomed) {
            receive(*s, {});
        }
    }
}

void Hub::Impl::judgeOutput(Session& s) {
    if (s.out.empty()) {
        return;
    }
    const auto stalled = now - s.out.lastProgress();
    if (config.writeStallTimeout.count() > 0 && stalled >= config.writeStallTimeout) {
        slowConsumer(s, "write_stall",
                     "no bytes taken for " + std::to_string(config.writeStallTimeout.count()) +
                         " ms (hub.write_stall_timeout_ms)");
        return;
    }
    if (inputPaused && stalled >= kPausedStall) {
        slowConsumer(s, "budget_stall",
                     "the hub's output budget is full (hub.max_queued_bytes = " +
                         mebibytes(config.maxQueuedBytes) +
                         ") and your connection took nothing for " +
                         std::to_string(kPausedStall.count()) + " ms");
        return;
    }
    if (s.out.size() < config.outboundQueueBytes) {
        return;
    }
    const std::size_t typical = typicalQueue(s);
    if (s.out.size() - std::min(typical, s.out.size()) >= config.outboundQueueBytes) {
        slowConsumer(s, "slow_consumer",
                     std::to_string(s.out.size()) + " bytes wait for you, " +
                         std::to_string(s.out.size() - typical) +
                         " more than for most members of your rooms (hub.outbound_queue_bytes = " +
                         mebibytes(config.outboundQueueBytes) +
                         "): you read slower than your rooms talk");
    }
}

// The largest, over the session's rooms, of the median queue of the room's
// other members (upper median). Queue sizes are sorted once per room per
// scan (scanQueues) and only for rooms of sessions that are that far behind.
std::size_t Hub::Impl::typicalQueue(const Session& s) {
    std::size_t typical = 0;
    const std::size_t own = s.out.size();
    for (const Session::Membership& membership : s.rooms) {
        auto [entry, added] = scanQueues.try_emplace(membership.room);
        std::vector<std::size_t>& sizes = entry->second;
        if (added) {
            sizes.reserve(membership.room->members.size());
            for (const Room::Member& member : membership.room->members) {
                sizes.push_back(member.session->out.size());
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

// Timers: the periodic session scan (handshake, ping, write stall, buffer
// release), the rates, and the turn of sessions held by the rate limit.

#include "HubImpl.hpp"

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

namespace hermes::hub {

namespace {

// Timer checks (handshake, ping, write stall, buffer release) scan every
// session, so they run at most this often: a scan of 5,000 sessions costs
// tens of microseconds, and a session quiet for one interval gives its
// buffers back soon after a burst (a join storm) ends.
constexpr auto kScanInterval = std::chrono::milliseconds(250);

}  // namespace

void Hub::Impl::scan() {
    scanQueues.clear();
    for (auto& entry : sessions) {
        Session& s = *entry.second;
        if (s.doomed) {
            continue;
        }
        if (inputPaused) {
            // Nothing is read while paused: silence is the hub's doing, and
            // the clocks below are moved on by the pause (resumeInput).
        } else if (!s.welcomed) {
            if (now - s.openedAt >= config.handshakeTimeout) {
                fatal(s, v1::ERROR_CODE_HANDSHAKE_TIMEOUT,
                      "no successful Hello within " +
                          std::to_string(config.handshakeTimeout.count()) + " ms",
                      "handshake_timeout", "handshake timeout");
                continue;
            }
        } else if (s.pingOutstanding) {
            if (now - s.pingSentAt >= config.pingTimeout) {
                fatal(s, v1::ERROR_CODE_PING_TIMEOUT,
                      "no answer to Ping within " + std::to_string(config.pingTimeout.count()) +
                          " ms",
                      "ping_timeout", "ping timeout");
                continue;
            }
        } else if (config.pingInterval.count() > 0 && now - s.lastHeard >= config.pingInterval) {
            out.Clear();
            out.mutable_ping()->set_nonce(++pingNonce);
            send(s, out);
            s.pingOutstanding = true;
            s.pingSentAt = now;
        }
        judgeOutput(s);
        if (s.doomed) {
            continue;
        }
        if (!s.active) {
            // Idle since the last scan: give the buffers back.
            stats.bytesReleased += s.out.empty() ? s.out.capacity() : 0;
            s.out.release();
            if (s.decoder.buffered() == 0) {
                s.decoder.shrink();
            }
            if (s.waitingCount() == 0) {
                std::vector<v1::Envelope>().swap(s.waiting);
                s.waitingHead = 0;
            }
        }
        s.active = false;
    }
    std::size_t kept = 0;
    for (Room* room : blockRooms) {
        if (room->blockUsed) {
            room->blockUsed = false;
            blockRooms[kept++] = room;
            continue;
        }
        // Idle: queues that still reference the block keep it until written.
        stats.bytesReleased += room->block->use_count() == 1 ? room->block->capacity() : 0;
        room->block.reset();
    }
    blockRooms.resize(kept);
}

void Hub::Impl::updateRates() {
    const double seconds = std::chrono::duration<double>(now - rateAt).count();
    if (seconds > 0.0) {
        stats.messagesInPerSecond =
            static_cast<double>(stats.messagesIn - rateMessagesIn) / seconds;
        stats.deliveriesPerSecond =
            static_cast<double>(stats.deliveries - rateDeliveries) / seconds;
    }
    rateAt = now;
    rateMessagesIn = stats.messagesIn;
    rateDeliveries = stats.deliveries;
    stats.uptimeSeconds = static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::seconds>(now - startedAt).count());
}

TimePoint Hub::Impl::tick() {
    std::vector<SessionId> due;
    due.swap(throttled);
    for (const SessionId id : due) {
        Session* s = findSession(id);
        if (s == nullptr) {
            continue;
        }
        if (inputPaused) {
            throttled.push_back(id);  // their turn comes when input resumes
            continue;
        }
        s->throttled = false;
        drainWaiting(*s);
        if (!s->doomed && s->waitingCount() > 0) {
            s->throttled = true;
            throttled.push_back(id);
        }
    }
    processDoomed();
    if (now >= nextScan) {
        scan();
        updateRates();
        nextScan = now + kScanInterval;
        processDoomed();
    }
    resumeIfDrained();
    decodeHeldInput();
    flushAll();
    TimePoint wake = nextPresenceDue(nextScan);
    if (inputPaused) {
        return wake;  // frames waiting for tokens wait for the resume, too
    }
    for (const SessionId id : throttled) {
        if (Session* s = findSession(id)) {
            wake = std::min(wake, s->bucket.nextTokenAt(now));
        }
    }
    return wake;
}

}  // namespace hermes::hub

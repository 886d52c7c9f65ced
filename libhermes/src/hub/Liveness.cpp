#include "Liveness.hpp"

namespace hermes::hub {

void Liveness::start(TimePoint now) {
    startedAt_ = now;
    nextScan_ = now;
    rates_.start(now, stats_);
}

Liveness::Due Liveness::check(const Session& s, TimePoint now) const {
    const SessionClocks& clocks = s.clocks;
    if (!s.who.welcomed()) {
        return now - clocks.openedAt_ >= config_.handshakeTimeout ? Due::HandshakeTimeout
                                                                  : Due::Nothing;
    }
    if (clocks.pingOutstanding_) {
        return now - clocks.pingSentAt_ >= config_.pingTimeout ? Due::PingTimeout : Due::Nothing;
    }
    if (config_.pingInterval.count() > 0 && now - clocks.lastHeard_ >= config_.pingInterval) {
        return Due::Ping;
    }
    return Due::Nothing;
}

std::uint64_t Liveness::pinged(Session& s, TimePoint now) {
    s.clocks.pingOutstanding_ = true;
    s.clocks.pingSentAt_ = now;
    return ++pingNonce_;
}

void Liveness::shift(Session& s, Clock::duration paused) {
    s.clocks.openedAt_ += paused;
    s.clocks.lastHeard_ += paused;
    s.clocks.pingSentAt_ += paused;
}

void Liveness::scanned(TimePoint now) {
    const Rates rates = rates_.sample(now, stats_);
    stats_.messagesInPerSecond = rates.messagesInPerSecond;
    stats_.deliveriesPerSecond = rates.deliveriesPerSecond;
    stats_.uptimeSeconds = static_cast<std::uint64_t>(uptime(now).count());
    nextScan_ = now + kScanInterval;
}

}  // namespace hermes::hub

#pragma once
// Whether each session is alive, and the hub's clocks: the only writer of
// each session's clocks (opened, last heard, ping outstanding), the ping
// nonces, the timer scan's cadence, the uptime and the rates of HubStats.
//
// A session must finish its handshake within hub.handshake_timeout_ms; a
// welcomed session silent for hub.ping_interval_ms gets a Ping and must say
// something within hub.ping_timeout_ms more. Any frame counts as life. While
// the output budget pauses input the silence is the hub's doing: the scan
// judges nobody, and the pause is added to every clock when input resumes.
//
// Threading: none; the hub's thread.

#include <chrono>
#include <cstdint>

#include "Session.hpp"
#include "hermes/hub/HubConfig.hpp"
#include "hermes/hub/HubStats.hpp"
#include "hermes/hub/RateMeter.hpp"

namespace hermes::hub {

class Liveness {
public:
    // Timer checks scan every session, so they run at most this often: a scan
    // of 5,000 sessions costs tens of microseconds, and a session quiet for
    // one interval gives its buffers back soon after a burst (a join storm)
    // ends.
    static constexpr std::chrono::milliseconds kScanInterval{250};

    Liveness(const HubConfig& config, HubStats& stats) : config_(config), stats_(stats) {}

    // The first time the hub is told the time: uptime and rates start.
    void start(TimePoint now);
    std::chrono::seconds uptime(TimePoint now) const {
        return std::chrono::duration_cast<std::chrono::seconds>(now - startedAt_);
    }

    // A frame from `s` arrived.
    void heard(Session& s, TimePoint now) {
        s.clocks.lastHeard_ = now;
        s.clocks.pingOutstanding_ = false;
    }

    enum class Due { Nothing, Ping, HandshakeTimeout, PingTimeout };
    // What the scan owes `s` now.
    Due check(const Session& s, TimePoint now) const;
    // A Ping is sent to `s`: its nonce.
    std::uint64_t pinged(Session& s, TimePoint now);
    // Input was paused for `paused`: silence meanwhile was the hub's doing.
    void shift(Session& s, Clock::duration paused);

    bool scanDue(TimePoint now) const { return now >= nextScan_; }
    // The scan ran: the next is due in kScanInterval; rates and uptime are updated.
    void scanned(TimePoint now);
    TimePoint nextScan() const { return nextScan_; }

private:
    const HubConfig& config_;
    HubStats& stats_;
    TimePoint startedAt_{};
    TimePoint nextScan_{};
    RateMeter rates_;
    std::uint64_t pingNonce_ = 0;
};

}  // namespace hermes::hub

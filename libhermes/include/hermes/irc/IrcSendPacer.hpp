#pragma once
// When an IRC member's lines may go to its socket: a bounded Nagle of the
// hub's own (irc.send_interval_ms, docs/IRC.md "Cost").
//
// Each send to a member costs the hub about 4.5 us, mostly loopback TCP in
// the kernel, whether it carries one line or ten; in a busy room every
// message would otherwise be a send of its own to every member. So a member
// is written at most once per interval:
//
//   - output ready, the previous send at least the interval ago (or none):
//     send now. The first line after a quiet moment, i.e. all ordinary
//     human chat, is never held.
//   - output ready sooner: wait until the previous send plus the interval,
//     then send everything that arrived meanwhile in one go. No line waits
//     longer than the interval.
//
// What waits stays in the hub's queue (OutboundQueue), so the hub's flood,
// SendQ and stall rules see it as they would any queued bytes; the wait is
// bounded by the interval, so pacing cannot make a healthy member look slow.
// An interval of zero turns pacing off: every ready() says Send.
//
// Sans-io: the caller (hermesd's EventLoop) gives the time, keeps the timer,
// and says when bytes went out. Threading: one owner (the loop thread).

#include <chrono>

#include "hermes/hub/Clock.hpp"

namespace hermes::irc {

class IrcSendPacer {
public:
    using TimePoint = hermes::hub::TimePoint;
    using Duration = hermes::hub::Clock::duration;

    enum class Decision {
        Send,     // write now
        Hold,     // wait: arm a timer for due()
        Holding,  // already waiting for due(): the timer is armed
    };

    explicit IrcSendPacer(Duration interval = Duration::zero()) : interval_(interval) {}

    bool enabled() const { return interval_ > Duration::zero(); }
    Duration interval() const { return interval_; }

    // Output is ready for the member at `now` (or more arrived).
    Decision ready(TimePoint now);
    // While holding: when the held output may go.
    TimePoint due() const { return lastSend_ + interval_; }
    bool holding() const { return holding_; }
    // Bytes went to the socket at `now`.
    void sent(TimePoint now) {
        lastSend_ = now;
        holding_ = false;
    }

private:
    Duration interval_;
    TimePoint lastSend_{};  // epoch: never sent, the first output goes at once
    bool holding_ = false;
};

}  // namespace hermes::irc

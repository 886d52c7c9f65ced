#define BOOST_TEST_MODULE IrcSendPacerTest
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <ostream>
#include <vector>

#include "hermes/irc/IrcSendPacer.hpp"

// An IRC member's send pacing (irc.send_interval_ms, docs/IRC.md "Cost"):
// the first line after a quiet moment goes at once; dense lines are merged
// into one send per interval, and none waits longer than the interval.

using hermes::irc::IrcSendPacer;
using Decision = IrcSendPacer::Decision;
using namespace std::chrono_literals;

namespace hermes::irc {
// For Boost.Test's messages.
std::ostream& operator<<(std::ostream& out, IrcSendPacer::Decision decision) {
    switch (decision) {
        case IrcSendPacer::Decision::Send:
            return out << "Send";
        case IrcSendPacer::Decision::Hold:
            return out << "Hold";
        case IrcSendPacer::Decision::Holding:
            return out << "Holding";
    }
    return out << "?";
}
}  // namespace hermes::irc

namespace {

const IrcSendPacer::TimePoint kStart = hermes::hub::Clock::now();

// The loop as hermesd's EventLoop drives a pacer: each line arrives at its
// time; a Send writes everything waiting, a Hold arms a timer for due(),
// which writes everything waiting when it fires.
struct Replay {
    std::size_t sends = 0;
    std::size_t delivered = 0;
    IrcSendPacer::Duration longestWait{};
};

Replay replay(IrcSendPacer& pacer, const std::vector<IrcSendPacer::TimePoint>& arrivals) {
    Replay result;
    std::vector<IrcSendPacer::TimePoint> waiting;
    bool timer = false;
    const auto send = [&](IrcSendPacer::TimePoint now) {
        for (const auto arrived : waiting) {
            result.longestWait = std::max(result.longestWait, now - arrived);
        }
        result.delivered += waiting.size();
        waiting.clear();
        ++result.sends;
        pacer.sent(now);
    };
    for (const auto arrival : arrivals) {
        if (timer && pacer.due() <= arrival) {
            const auto due = pacer.due();
            timer = false;
            BOOST_REQUIRE(pacer.ready(due) == Decision::Send);
            send(due);
        }
        waiting.push_back(arrival);
        switch (pacer.ready(arrival)) {
            case Decision::Send:
                BOOST_REQUIRE(!timer);
                send(arrival);
                break;
            case Decision::Hold:
                BOOST_REQUIRE(!timer);
                timer = true;
                break;
            case Decision::Holding:
                BOOST_REQUIRE(timer);
                break;
        }
    }
    if (timer) {
        const auto due = pacer.due();
        BOOST_REQUIRE(pacer.ready(due) == Decision::Send);
        send(due);
    }
    return result;
}

}  // namespace

BOOST_AUTO_TEST_CASE(the_first_line_after_a_quiet_moment_goes_at_once) {
    IrcSendPacer pacer(2ms);
    BOOST_TEST(pacer.enabled());
    BOOST_TEST(pacer.ready(kStart) == Decision::Send);  // never sent before
    pacer.sent(kStart);
    // Human chat: seconds apart.
    BOOST_TEST(pacer.ready(kStart + 3s) == Decision::Send);
    pacer.sent(kStart + 3s);
    // Exactly one interval after the last send is quiet enough.
    BOOST_TEST(pacer.ready(kStart + 3s + 2ms) == Decision::Send);
    BOOST_TEST(!pacer.holding());
}

BOOST_AUTO_TEST_CASE(a_line_sooner_waits_for_the_interval_and_later_ones_join_it) {
    IrcSendPacer pacer(2ms);
    pacer.sent(kStart);
    BOOST_TEST(pacer.ready(kStart + 500us) == Decision::Hold);
    BOOST_TEST(pacer.holding());
    BOOST_TEST((pacer.due() == kStart + 2ms));
    // More output while held: the timer is armed already, the due time stays.
    BOOST_TEST(pacer.ready(kStart + 1500us) == Decision::Holding);
    BOOST_TEST((pacer.due() == kStart + 2ms));
    // The timer fires: everything goes.
    BOOST_TEST(pacer.ready(kStart + 2ms) == Decision::Send);
    BOOST_TEST(!pacer.holding());
    pacer.sent(kStart + 2ms);
    BOOST_TEST((pacer.due() == kStart + 4ms));
}

BOOST_AUTO_TEST_CASE(off_sends_every_time) {
    IrcSendPacer pacer;  // irc.send_interval_ms = 0
    BOOST_TEST(!pacer.enabled());
    for (int i = 0; i < 10; ++i) {
        const auto now = kStart + std::chrono::microseconds(10 * i);
        BOOST_TEST(pacer.ready(now) == Decision::Send);
        pacer.sent(now);
    }
}

BOOST_AUTO_TEST_CASE(dense_lines_are_merged_and_none_waits_longer_than_the_interval) {
    // L1's load on one member: 2,000 lines a second for a second.
    std::vector<IrcSendPacer::TimePoint> arrivals;
    for (int i = 0; i < 2000; ++i) {
        arrivals.push_back(kStart + std::chrono::microseconds(500 * i));
    }
    IrcSendPacer off;
    const Replay unpaced = replay(off, arrivals);
    BOOST_TEST(unpaced.sends == 2000u);
    BOOST_TEST(unpaced.longestWait.count() == 0);

    for (const auto interval : {1ms, 2ms, 3ms}) {
        IrcSendPacer pacer(interval);
        const Replay paced = replay(pacer, arrivals);
        BOOST_TEST(paced.delivered == arrivals.size());
        BOOST_TEST((paced.longestWait <= interval));
        // One send per interval (the first line at once), plus the last.
        const auto perSecond = static_cast<std::size_t>(1s / interval);
        BOOST_TEST(paced.sends <= perSecond + 2);
        BOOST_TEST(paced.sends >= perSecond - 2);
    }
}

BOOST_AUTO_TEST_CASE(a_burst_after_quiet_goes_first_line_now_the_rest_within_the_interval) {
    // Someone pastes 20 lines at once after a quiet minute.
    std::vector<IrcSendPacer::TimePoint> arrivals;
    for (int i = 0; i < 20; ++i) {
        arrivals.push_back(kStart + 60s + std::chrono::microseconds(50 * i));
    }
    IrcSendPacer pacer(2ms);
    pacer.sent(kStart);
    const Replay paced = replay(pacer, arrivals);
    BOOST_TEST(paced.delivered == 20u);
    BOOST_TEST(paced.sends == 2u);  // the first line, then the other 19 together
    BOOST_TEST((paced.longestWait <= 2ms));
}

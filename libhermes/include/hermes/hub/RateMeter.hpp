#pragma once
// Messages in and deliveries per second over a window of time, from the
// hub's running totals (HubStats). The one place rates are computed: the hub
// keeps HubStats' rates with one (over its timer scan), hermesd's stats log
// line with another (over hermesd.stats_interval_s).
//
// Threading: none; one meter per owner.

#include <chrono>
#include <cstdint>

#include "hermes/hub/Clock.hpp"
#include "hermes/hub/HubStats.hpp"

namespace hermes::hub {

struct Rates {
    double messagesInPerSecond = 0.0;
    double deliveriesPerSecond = 0.0;
};

class RateMeter {
public:
    // Starts a window at `now`.
    void start(TimePoint now, const HubStats& stats) {
        since_ = now;
        messagesIn_ = stats.messagesIn;
        deliveries_ = stats.deliveries;
    }
    // The rates since the window started (zero if no time passed), and a new
    // window from `now`.
    Rates sample(TimePoint now, const HubStats& stats) {
        Rates rates;
        const double seconds = std::chrono::duration<double>(now - since_).count();
        if (seconds > 0.0) {
            rates.messagesInPerSecond =
                static_cast<double>(stats.messagesIn - messagesIn_) / seconds;
            rates.deliveriesPerSecond =
                static_cast<double>(stats.deliveries - deliveries_) / seconds;
        }
        start(now, stats);
        return rates;
    }

private:
    TimePoint since_{};
    std::uint64_t messagesIn_ = 0;
    std::uint64_t deliveries_ = 0;
};

}  // namespace hermes::hub

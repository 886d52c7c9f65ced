#pragma once
// The hub's notion of time. The hub never reads a clock itself: every call
// that needs the time takes it, so tests drive time by hand.

#include <chrono>

namespace hermes::hub {

using Clock = std::chrono::steady_clock;
using TimePoint = Clock::time_point;

}  // namespace hermes::hub

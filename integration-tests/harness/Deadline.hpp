#pragma once
// Deadlines for every wait in the harness: tests wait on a condition until a
// deadline, never for a fixed time.
//
// Threading: plain values and free functions.

#include <chrono>

namespace hermes::it {

using Clock = std::chrono::steady_clock;
using Deadline = Clock::time_point;

inline Deadline after(std::chrono::milliseconds timeout) {
    return Clock::now() + timeout;
}

// Milliseconds left until `deadline` as a poll() timeout: 0 once it has passed,
// rounded up so that a wait never ends just before the deadline.
inline int pollTimeoutMs(Deadline deadline) {
    const auto left = deadline - Clock::now();
    if (left <= Clock::duration::zero()) {
        return 0;
    }
    const auto ms = std::chrono::ceil<std::chrono::milliseconds>(left).count();
    return ms > 60'000 ? 60'000 : static_cast<int>(ms);
}

}  // namespace hermes::it

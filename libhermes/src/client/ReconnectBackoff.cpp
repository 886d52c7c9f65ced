#include "hermes/client/ReconnectBackoff.hpp"

#include <algorithm>

namespace hermes::client {

ReconnectBackoff::ReconnectBackoff(std::chrono::milliseconds initial, std::chrono::milliseconds max,
                                   std::uint64_t seed)
    : initial_(std::max(initial, std::chrono::milliseconds(1))),
      max_(std::max(max, initial_)),
      random_(seed) {}

std::chrono::milliseconds ReconnectBackoff::ceiling(unsigned attempt) const {
    auto delay = initial_;
    // Doubling stops at the cap, so this never overflows.
    for (unsigned i = 1; i < attempt && delay < max_; ++i) {
        delay *= 2;
    }
    return std::min(delay, max_);
}

std::chrono::milliseconds ReconnectBackoff::next() {
    ++attempts_;
    const auto top = ceiling(attempts_).count();
    std::uniform_int_distribution<std::chrono::milliseconds::rep> jitter(top / 2, top);
    return std::chrono::milliseconds(jitter(random_));
}

}  // namespace hermes::client

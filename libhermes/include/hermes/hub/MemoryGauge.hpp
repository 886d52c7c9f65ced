#pragma once
// Bytes the hub holds for output, counted where they are allocated: every
// FrameBlock's capacity (shared room frames, counted once however many
// members reference them) and every outbound queue's private bytes. The
// hub's output budget (hub.max_queued_bytes) is judged against it.
//
// Threading: none; one gauge per hub, on the hub's thread.

#include <algorithm>
#include <cstddef>

namespace hermes::hub {

class MemoryGauge {
public:
    void add(std::size_t bytes) {
        bytes_ += bytes;
        peak_ = std::max(peak_, bytes_);
    }
    void remove(std::size_t bytes) { bytes_ -= std::min(bytes, bytes_); }

    std::size_t bytes() const { return bytes_; }
    // The most bytes() has been since start (or since resetPeak()).
    std::size_t peak() const { return peak_; }
    void resetPeak() { peak_ = bytes_; }

private:
    std::size_t bytes_ = 0;
    std::size_t peak_ = 0;
};

}  // namespace hermes::hub

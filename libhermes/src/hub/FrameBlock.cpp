#include "hermes/hub/FrameBlock.hpp"

#include <algorithm>
#include <cassert>
#include <cstring>

namespace hermes::hub {

// Uninitialised on purpose: every byte is written by append() before it is read.
FrameBlock::FrameBlock(std::size_t capacity, MemoryGauge* gauge)
    : bytes_(new char[capacity]), capacity_(capacity), gauge_(gauge) {
    if (gauge_ != nullptr) {
        gauge_->add(capacity_);
    }
}

FrameBlock::~FrameBlock() {
    if (gauge_ != nullptr) {
        gauge_->remove(capacity_);
    }
}

std::size_t FrameBlock::append(std::string_view bytes) {
    assert(bytes.size() <= available());
    const std::size_t offset = size_;
    if (!bytes.empty()) {
        std::memcpy(bytes_.get() + offset, bytes.data(), bytes.size());
    }
    size_ += bytes.size();
    return offset;
}

std::size_t FrameBlock::nextCapacity(const FrameBlock* previous, std::size_t frameBytes) {
    const std::size_t grown = previous == nullptr ? kMinCapacity : 2 * previous->capacity();
    return std::max(std::clamp(grown, kMinCapacity, kMaxCapacity), frameBytes);
}

}  // namespace hermes::hub

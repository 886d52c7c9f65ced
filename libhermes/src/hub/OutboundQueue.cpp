#include "hermes/hub/OutboundQueue.hpp"

#include <algorithm>
#include <cstdint>

namespace hermes::hub {

namespace {

// Length of the whole frame starting at `offset`; the queue holds only frames
// the hub encoded, so the varint prefix is well formed.
std::size_t frameLengthAt(const std::string& buffer, std::size_t offset) {
    std::uint64_t length = 0;
    std::size_t i = 0;
    for (; offset + i < buffer.size() && i < 5; ++i) {
        const auto byte = static_cast<std::uint8_t>(buffer[offset + i]);
        length |= static_cast<std::uint64_t>(byte & 0x7Fu) << (7 * i);
        if ((byte & 0x80u) == 0) {
            ++i;
            break;
        }
    }
    return i + static_cast<std::size_t>(length);
}

}  // namespace

void OutboundQueue::append(std::string_view frames, TimePoint now) {
    if (empty()) {
        buffer_.clear();
        readPos_ = 0;
        frameEnd_ = 0;
        lastProgress_ = now;
    } else if (readPos_ > buffer_.size() / 2) {
        compact();  // amortised: at most as many bytes moved as were written
    }
    buffer_.append(frames.data(), frames.size());
}

std::size_t OutboundQueue::consume(std::size_t n, TimePoint now) {
    n = std::min(n, size());
    if (n == 0) {
        return 0;
    }
    readPos_ += n;
    lastProgress_ = now;
    if (readPos_ == buffer_.size()) {
        // Keep the buffer for a busy session's next frames; give a huge one
        // back at once. The idle scan frees the rest.
        if (buffer_.capacity() > kKeepCapacity) {
            std::string().swap(buffer_);
        } else {
            buffer_.clear();
        }
        readPos_ = 0;
        frameEnd_ = 0;
        return n;
    }
    while (frameEnd_ < readPos_) {
        frameEnd_ += frameLengthAt(buffer_, frameEnd_);
    }
    return n;
}

std::size_t OutboundQueue::dropUnsent() {
    const std::size_t keep = std::max(frameEnd_, readPos_);
    const std::size_t dropped = buffer_.size() - std::min(keep, buffer_.size());
    buffer_.resize(buffer_.size() - dropped);
    return dropped;
}

std::string OutboundQueue::take() {
    std::string out;
    if (readPos_ == 0) {
        out.swap(buffer_);
    } else {
        out.assign(buffer_, readPos_, std::string::npos);
        std::string().swap(buffer_);
    }
    readPos_ = 0;
    frameEnd_ = 0;
    return out;
}

void OutboundQueue::release() {
    if (empty()) {
        std::string().swap(buffer_);
        readPos_ = 0;
        frameEnd_ = 0;
    }
}

void OutboundQueue::compact() {
    buffer_.erase(0, readPos_);
    frameEnd_ -= std::min(frameEnd_, readPos_);
    readPos_ = 0;
}

}  // namespace hermes::hub

#include "hermes/hub/OutboundQueue.hpp"

#include <algorithm>
#include <cstdint>
#include <iterator>
#include <utility>

#include "hermes/codec/FrameDecoder.hpp"

namespace hermes::hub {

namespace {

// Length of the whole frame starting at `offset`; the queue holds only frames
// the hub encoded, so the varint prefix is well formed and complete.
std::size_t frameLengthAt(const char* data, std::size_t offset, std::size_t end) {
    const codec::LengthPrefix prefix =
        codec::readLengthPrefix(std::string_view(data + offset, end - offset));
    if (prefix.status != codec::LengthPrefix::Status::Complete) {
        return end - offset;  // cannot happen with the hub's own frames; never loop on it
    }
    return prefix.bytes + static_cast<std::size_t>(prefix.value);
}

}  // namespace

std::size_t OutboundQueue::views(std::span<std::string_view> out) const {
    const std::size_t count = std::min(out.size(), segmentCount());
    for (std::size_t i = 0; i < count; ++i) {
        const Segment& segment = segments_[head_ + i];
        out[i] = std::string_view(segment.data() + segment.begin, segment.end - segment.begin);
    }
    return count;
}

void OutboundQueue::report(std::size_t bytes) {
    if (gauge_ != nullptr) {
        if (bytes > held_) {
            gauge_->add(bytes - held_);
        } else {
            gauge_->remove(held_ - bytes);
        }
    }
    held_ = bytes;
}

void OutboundQueue::append(std::string_view frames, TimePoint now) {
    if (frames.empty()) {
        return;
    }
    startIfEmpty(now);
    if (segmentCount() > 0 && !segments_.back().block) {
        Segment& tail = segments_.back();
        if (segmentCount() == 1 && tail.begin > tail.owned.size() / 2) {
            // Written bytes of a segment that is also being appended to:
            // amortised, at most as many bytes moved as were written.
            tail.owned.erase(0, tail.begin);
            privateBytes_ -= tail.begin;
            frameEnd_ -= tail.begin;
            tail.end -= tail.begin;
            tail.begin = 0;
        }
        const std::size_t before = tail.owned.capacity();
        tail.owned.append(frames.data(), frames.size());
        tail.end = tail.owned.size();
        privateBytes_ += frames.size();
        ownedCapacity_ += tail.owned.capacity() - before;
    } else {
        push(Segment{FrameBlockPtr(), std::string(frames), 0, frames.size()});
    }
    size_ += frames.size();
    sync();
}

void OutboundQueue::appendShared(const FrameBlockPtr& block, std::size_t offset, std::size_t length,
                                 TimePoint now) {
    if (length == 0) {
        return;
    }
    startIfEmpty(now);
    if (segmentCount() > 0) {
        Segment& tail = segments_.back();
        if (tail.block == block && tail.end == offset) {
            tail.end += length;
            size_ += length;
            return;
        }
        if (segmentCount() + 1 >= kMaxSegments) {
            append(block->view(offset, length), now);  // leaves room for this owned segment
            return;
        }
    }
    push(Segment{block, {}, offset, offset + length});
    size_ += length;
    sync();
}

std::size_t OutboundQueue::consume(std::size_t n, TimePoint now) {
    n = std::min(n, size_);
    if (n == 0) {
        return 0;
    }
    size_ -= n;
    lastProgress_ = now;
    std::size_t left = n;
    // Bounded: each pass either pops a segment or ends the loop.
    while (left > 0) {
        Segment& front = segments_[head_];
        const std::size_t available = front.end - front.begin;
        if (left >= available) {
            left -= available;
            popFront();
            continue;
        }
        front.begin += left;
        left = 0;
        const char* data = front.data();
        while (frameEnd_ < front.begin) {
            frameEnd_ += frameLengthAt(data, frameEnd_, front.end);
        }
    }
    sync();
    return n;
}

std::size_t OutboundQueue::dropUnsent() {
    if (size_ == 0) {
        return 0;
    }
    const std::size_t before = size_;
    for (std::size_t i = head_ + 1; i < segments_.size(); ++i) {
        privateBytes_ -= segments_[i].owned.size();
        ownedCapacity_ -= segments_[i].owned.capacity();
    }
    segments_.erase(segments_.begin() + static_cast<std::ptrdiff_t>(head_) + 1, segments_.end());
    Segment& front = segments_[head_];
    front.end = std::max(frameEnd_, front.begin);
    if (!front.block) {
        privateBytes_ -= front.owned.size() - front.end;
        front.owned.resize(front.end);
    }
    size_ = front.end - front.begin;
    if (size_ == 0) {
        popFront();
    }
    sync();
    return before - size_;
}

std::string OutboundQueue::take() {
    std::string out;
    if (segmentCount() == 1 && !segments_[head_].block && segments_[head_].begin == 0) {
        out.swap(segments_[head_].owned);
    } else {
        out.reserve(size_);
        for (std::size_t i = head_; i < segments_.size(); ++i) {
            const Segment& segment = segments_[i];
            out.append(segment.data() + segment.begin, segment.end - segment.begin);
        }
    }
    std::vector<Segment>().swap(segments_);
    head_ = 0;
    size_ = 0;
    frameEnd_ = 0;
    privateBytes_ = 0;
    ownedCapacity_ = 0;
    sync();
    return out;
}

void OutboundQueue::release() {
    if (size_ == 0) {
        std::vector<Segment>().swap(segments_);
        head_ = 0;
        frameEnd_ = 0;
        privateBytes_ = 0;
        ownedCapacity_ = 0;
        sync();
    }
}

void OutboundQueue::startIfEmpty(TimePoint now) {
    if (size_ == 0) {
        lastProgress_ = now;
    }
}

void OutboundQueue::push(Segment segment) {
    if (head_ > 0 && head_ >= segments_.size() / 2) {
        // Amortised: the popped entries are moved over at most once each.
        segments_.erase(segments_.begin(), segments_.begin() + static_cast<std::ptrdiff_t>(head_));
        head_ = 0;
    }
    const std::size_t begin = segment.begin;
    privateBytes_ += segment.owned.size();
    ownedCapacity_ += segment.owned.capacity();
    segments_.push_back(std::move(segment));
    if (segmentCount() == 1) {
        frameEnd_ = begin;  // nothing of it is written: a frame starts here
    }
}

void OutboundQueue::popFront() {
    Segment& front = segments_[head_];
    privateBytes_ -= front.owned.size();
    ownedCapacity_ -= front.owned.capacity();
    front.block.reset();  // the block may be freed now
    // Frees the bytes now. (Assigning an empty string would keep the buffer,
    // and a segment moved into this slot later would carry its capacity
    // uncounted: the count then wrapped below zero. Found by HubFuzz.)
    std::string().swap(front.owned);
    front.begin = 0;
    front.end = 0;
    ++head_;
    if (head_ == segments_.size()) {
        segments_.clear();  // keeps the vector for a busy session's next turn
        head_ = 0;
        frameEnd_ = 0;
    } else {
        frameEnd_ = segments_[head_].begin;
    }
}

}  // namespace hermes::hub

#pragma once
// The bytes waiting to be written to one session's socket: whole frames
// appended at the back, written from the front in any split.
//
//   buffer_:  [ written | partly written frame | whole frames ...        ]
//             0         readPos_               frameEnd_          size()
//
// frameEnd_ tracks where the frame being written ends, so that dropping the
// queue (slow consumer) can keep the rest of a half-written frame and the
// peer still sees a well-formed stream up to the final Error frame.
//
// Threading: none; one queue belongs to one session on the hub's thread.

#include <cstddef>
#include <string>
#include <string_view>

#include "hermes/hub/Clock.hpp"

namespace hermes::hub {

class OutboundQueue {
public:
    // A drained buffer larger than this is freed at once; smaller ones are
    // kept while the session is busy (a busy member of a big room queues
    // ~100 KiB a turn: freeing and regrowing that each turn cost 10% of the
    // hub's CPU in T1) and freed when it goes idle.
    static constexpr std::size_t kKeepCapacity = 256 * 1024;

    std::size_t size() const { return buffer_.size() - readPos_; }
    bool empty() const { return readPos_ == buffer_.size(); }
    std::string_view view() const { return std::string_view(buffer_).substr(readPos_); }
    std::size_t capacity() const { return buffer_.capacity(); }

    // Appends one or more whole frames. An empty queue starts its write-stall
    // clock at `now`.
    void append(std::string_view frames, TimePoint now);

    // `n` bytes from the front were written (clamped to size()); returns the
    // number of bytes taken off.
    std::size_t consume(std::size_t n, TimePoint now);

    // Drops every byte not yet written, except the rest of a frame the peer
    // has already started to receive. Returns the number of bytes dropped.
    std::size_t dropUnsent();

    // Takes every unwritten byte out, leaving the queue empty and unallocated.
    std::string take();

    // Frees the buffer if nothing is queued (idle sessions stay small).
    void release();

    // When the queue last made progress (became non-empty, or bytes written).
    TimePoint lastProgress() const { return lastProgress_; }

private:
    void compact();

    std::string buffer_;
    std::size_t readPos_ = 0;
    std::size_t frameEnd_ = 0;
    TimePoint lastProgress_{};
};

}  // namespace hermes::hub

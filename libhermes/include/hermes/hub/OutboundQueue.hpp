#pragma once
// The bytes waiting to be written to one session's socket: whole frames
// appended at the back, written from the front in any split.
//
// The bytes are a short sequence of segments, each a run of whole frames:
//
//   shared: a range of a room's FrameBlock, referenced, not copied. A
//           broadcast that continues the range of the last segment (same
//           block, next offset) only extends it, so a member of a busy room
//           holds one segment per turn whatever the number of frames.
//   owned:  bytes copied in, for frames meant for this session alone
//           (welcome, errors, pages, private messages); appended to the last
//           segment when it is owned too.
//
//   segments_: [ popped... | front            | ...         | tail ]
//                head_      [begin  frameEnd_ end)
//
// Order is the order of the appends. frameEnd_ is where the frame being
// written ends inside the front segment (frames never straddle segments), so
// that dropping the queue (slow consumer) can keep the rest of a half-written
// frame and the peer still sees a well-formed stream up to the Error frame.
//
// Memory: the queue counts the bytes of its private frames in the hub's
// MemoryGauge (written bytes not yet compacted away included); the blocks
// count themselves. Bookkeeping is not output and is not counted: the
// segment list (kMaxSegments x sizeof(Segment) at most) and the spare
// capacity of the private strings (capacity() reports the queue's heap
// bytes with both).
//
// Threading: none; one queue belongs to one session on the hub's thread.

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "hermes/hub/Clock.hpp"
#include "hermes/hub/FrameBlock.hpp"
#include "hermes/hub/MemoryGauge.hpp"

namespace hermes::hub {

class OutboundQueue {
public:
    // At most this many segments. A member of many busy rooms that does not
    // read would otherwise hold one segment (and one block reference) per
    // frame; past the cap, broadcasts are copied into the owned tail instead.
    static constexpr std::size_t kMaxSegments = 1024;

    // `gauge` (may be null) counts the queue's heap bytes while it holds them.
    explicit OutboundQueue(MemoryGauge* gauge = nullptr) : gauge_(gauge) {}
    ~OutboundQueue() { report(0); }
    OutboundQueue(const OutboundQueue&) = delete;
    OutboundQueue& operator=(const OutboundQueue&) = delete;

    std::size_t size() const { return size_; }
    bool empty() const { return size_ == 0; }
    std::size_t segmentCount() const { return segments_.size() - head_; }

    // Fills `views` with the unwritten bytes from the front, one view per
    // segment, as many as fit; returns how many it filled.
    std::size_t views(std::span<std::string_view> views) const;

    // The bytes of its private frames it holds: what it counts in the gauge.
    std::size_t privateBytes() const { return privateBytes_; }
    // Heap bytes the queue holds on its own (not the shared blocks): its
    // private strings' capacity and its segment list.
    std::size_t capacity() const { return ownedCapacity_ + segments_.capacity() * sizeof(Segment); }

    // Copies one or more whole frames in. An empty queue starts its
    // write-stall clock at `now`.
    void append(std::string_view frames, TimePoint now);

    // References `length` bytes of whole frames at `offset` in `block`.
    void append(const FrameBlockPtr& block, std::size_t offset, std::size_t length, TimePoint now) {
        if (size_ != 0) {
            // The hot path, inline: the room's next frame directly follows ours.
            Segment& tail = segments_.back();
            if (tail.block == block && tail.end == offset) {
                tail.end += length;
                size_ += length;
                return;
            }
        }
        appendShared(block, offset, length, now);
    }

    // `n` bytes from the front were written (clamped to size()); returns the
    // number of bytes taken off.
    std::size_t consume(std::size_t n, TimePoint now);

    // Drops every byte not yet written, except the rest of a frame the peer
    // has already started to receive. Returns the number of bytes dropped.
    std::size_t dropUnsent();

    // Takes every unwritten byte out, leaving the queue empty and unallocated.
    std::string take();

    // Frees every buffer if nothing is queued (idle sessions stay small).
    void release();

    // When the queue last made progress (became non-empty, or bytes written).
    TimePoint lastProgress() const { return lastProgress_; }

private:
    struct Segment {
        FrameBlockPtr block;  // null: the bytes are `owned`
        std::string owned;
        std::size_t begin = 0;  // first unwritten byte
        std::size_t end = 0;

        const char* data() const { return block ? block->data() : owned.data(); }
    };

    void appendShared(const FrameBlockPtr& block, std::size_t offset, std::size_t length,
                      TimePoint now);
    void startIfEmpty(TimePoint now);
    void push(Segment segment);
    void popFront();
    // Tells the gauge the queue's private bytes are now privateBytes_.
    void sync() { report(privateBytes_); }
    void report(std::size_t bytes);

    std::vector<Segment> segments_;
    std::size_t head_ = 0;  // segments before it are written (and empty)
    std::size_t size_ = 0;
    std::size_t frameEnd_ = 0;
    TimePoint lastProgress_{};
    std::size_t privateBytes_ = 0;   // size of the owned strings from head_ on
    std::size_t ownedCapacity_ = 0;  // capacity of the owned strings from head_ on
    std::size_t held_ = 0;           // what the gauge counts for this queue
    MemoryGauge* gauge_;
};

}  // namespace hermes::hub

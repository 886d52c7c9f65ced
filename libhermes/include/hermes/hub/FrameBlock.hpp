#pragma once
// An append-only run of encoded frames that many outbound queues reference,
// so that a room's message is copied into memory once, not once per member.
//
//   bytes_:  [ frame | frame | frame ...          |   free   ]
//            0                                size()   capacity()
//
// The buffer is allocated once at its full capacity and never moves, so a
// (block, offset, length) reference stays valid for as long as it holds the
// block. Bytes once appended never change: two references whose ranges touch
// may be merged into one (OutboundQueue relies on this). Only while nobody
// but the owner (the room) references the block may it start over (clear()).
//
// A block counts its capacity in the hub's MemoryGauge from allocation to
// release.
//
// Threading: none; reference counts are not atomic. Blocks live on the hub's
// thread only.

#include <cstddef>
#include <memory>
#include <string_view>

#include <boost/smart_ptr/intrusive_ptr.hpp>
#include <boost/smart_ptr/intrusive_ref_counter.hpp>

#include "hermes/hub/MemoryGauge.hpp"

namespace hermes::hub {

class FrameBlock : public boost::intrusive_ref_counter<FrameBlock, boost::thread_unsafe_counter> {
public:
    // A room's first block is small (most rooms are quiet); each block that
    // fills up is followed by one twice its size, up to kMaxCapacity. A frame
    // larger than that gets a block of its own size.
    static constexpr std::size_t kMinCapacity = 4 * 1024;
    static constexpr std::size_t kMaxCapacity = 64 * 1024;

    // `gauge` (may be null) counts the capacity until the block is freed.
    explicit FrameBlock(std::size_t capacity, MemoryGauge* gauge = nullptr);
    ~FrameBlock();
    FrameBlock(const FrameBlock&) = delete;
    FrameBlock& operator=(const FrameBlock&) = delete;

    std::size_t size() const { return size_; }
    std::size_t capacity() const { return capacity_; }
    std::size_t available() const { return capacity_ - size_; }
    const char* data() const { return bytes_.get(); }
    std::string_view view(std::size_t offset, std::size_t length) const {
        return std::string_view(bytes_.get() + offset, length);
    }

    // Copies `bytes` to the end; returns their offset. Requires available() >= bytes.size().
    std::size_t append(std::string_view bytes);

    // Forgets every byte. Only for a block no one else references.
    void clear() { size_ = 0; }

    // The capacity of the block to start after `previous` (null: the first),
    // for a frame of `frameBytes`.
    static std::size_t nextCapacity(const FrameBlock* previous, std::size_t frameBytes);

private:
    std::unique_ptr<char[]> bytes_;
    std::size_t capacity_;
    std::size_t size_ = 0;
    MemoryGauge* gauge_;
};

using FrameBlockPtr = boost::intrusive_ptr<FrameBlock>;

}  // namespace hermes::hub

#define BOOST_TEST_MODULE outbound_queue
#include <boost/test/unit_test.hpp>

#include <string>
#include <vector>

#include "hermes/codec/FrameDecoder.hpp"
#include "hermes/codec/FrameEncoder.hpp"
#include "hermes/hub/FrameBlock.hpp"
#include "hermes/hub/OutboundQueue.hpp"

using hermes::hub::FrameBlock;
using hermes::hub::FrameBlockPtr;
using hermes::hub::OutboundQueue;
using hermes::hub::TimePoint;
using namespace std::chrono_literals;

namespace {

std::string pingFrame(std::uint64_t nonce) {
    hermes::v1::Envelope e;
    e.mutable_ping()->set_nonce(nonce);
    return hermes::codec::encodeFrame(e);
}

// Every unwritten byte, joined as a gathered write would send them.
std::string contents(const OutboundQueue& queue) {
    std::vector<std::string_view> views(OutboundQueue::kMaxSegments);
    const std::size_t count = queue.views(views);
    std::string bytes;
    for (std::size_t i = 0; i < count; ++i) {
        bytes.append(views[i]);
    }
    return bytes;
}

// A room's block and the offset of each frame broadcast into it.
struct SharedFrames {
    FrameBlockPtr block{new FrameBlock(FrameBlock::kMaxCapacity)};
    std::size_t add(const std::string& frame) { return block->append(frame); }
};

}  // namespace

BOOST_AUTO_TEST_CASE(append_consume_and_progress_time) {
    const TimePoint t0 = TimePoint{} + 10s;
    OutboundQueue queue;
    BOOST_TEST(queue.empty());
    queue.append("abc", t0);
    queue.append("de", t0 + 1s);
    BOOST_TEST(queue.size() == 5u);
    BOOST_TEST(queue.segmentCount() == 1u);    // owned bytes join the owned tail
    BOOST_TEST((queue.lastProgress() == t0));  // set when it became non-empty
    BOOST_TEST(queue.consume(2, t0 + 2s) == 2u);
    BOOST_TEST(contents(queue) == "cde");
    BOOST_TEST((queue.lastProgress() == t0 + 2s));
    BOOST_TEST(queue.consume(100, t0 + 3s) == 3u);
    BOOST_TEST(queue.empty());
    queue.release();
    BOOST_TEST(queue.capacity() == 0u);  // an idle queue holds no heap memory
}

BOOST_AUTO_TEST_CASE(drop_keeps_rest_of_partly_written_frame) {
    const TimePoint t0 = TimePoint{} + 10s;
    OutboundQueue queue;
    const std::string a = pingFrame(1000000);
    const std::string b = pingFrame(2);
    const std::string c = pingFrame(3);
    queue.append(a + b + c, t0);
    // Written: all of a and one byte of b.
    queue.consume(a.size() + 1, t0);
    const std::size_t dropped = queue.dropUnsent();
    BOOST_TEST(dropped == c.size());
    BOOST_TEST(contents(queue) == b.substr(1));
}

BOOST_AUTO_TEST_CASE(drop_at_frame_boundary_drops_all) {
    const TimePoint t0 = TimePoint{} + 10s;
    OutboundQueue queue;
    const std::string a = pingFrame(1);
    const std::string b = pingFrame(2);
    queue.append(a + b, t0);
    queue.consume(a.size(), t0);
    BOOST_TEST(queue.dropUnsent() == b.size());
    BOOST_TEST(queue.empty());
    BOOST_TEST(queue.segmentCount() == 0u);
}

BOOST_AUTO_TEST_CASE(contiguous_shared_frames_extend_one_segment) {
    const TimePoint t0 = TimePoint{} + 10s;
    SharedFrames room;
    OutboundQueue queue;
    std::string expected;
    for (std::uint64_t i = 1; i <= 50; ++i) {
        const std::string frame = pingFrame(i);
        queue.append(room.block, room.add(frame), frame.size(), t0);
        expected += frame;
    }
    BOOST_TEST(queue.segmentCount() == 1u);
    BOOST_TEST(queue.size() == expected.size());
    BOOST_TEST(contents(queue) == expected);
    BOOST_TEST(room.block->use_count() == 2u);  // the room and one queue reference
    BOOST_TEST(queue.capacity() < 256u);        // the bytes are not the queue's
    queue.consume(queue.size(), t0);
    BOOST_TEST(room.block->use_count() == 1u);  // written: the reference is dropped at once
}

BOOST_AUTO_TEST_CASE(shared_range_with_a_gap_starts_a_new_segment) {
    // A member that joined late, or was skipped, holds only some frames of
    // the block: the bytes between are not its to send.
    const TimePoint t0 = TimePoint{} + 10s;
    SharedFrames room;
    OutboundQueue queue;
    const std::string a = pingFrame(1);
    const std::string b = pingFrame(2);
    const std::string c = pingFrame(3);
    const std::size_t at = room.add(a);
    room.add(b);
    const std::size_t ct = room.add(c);
    queue.append(room.block, at, a.size(), t0);
    queue.append(room.block, ct, c.size(), t0);
    BOOST_TEST(queue.segmentCount() == 2u);
    BOOST_TEST(contents(queue) == a + c);
}

BOOST_AUTO_TEST_CASE(own_frame_between_two_broadcasts_keeps_its_place) {
    const TimePoint t0 = TimePoint{} + 10s;
    SharedFrames room;
    OutboundQueue queue;
    const std::string first = pingFrame(1);
    const std::string mine = pingFrame(77);
    const std::string second = pingFrame(2);
    const std::string third = pingFrame(3);
    const std::size_t at1 = room.add(first);
    const std::size_t at2 = room.add(second);
    const std::size_t at3 = room.add(third);
    queue.append(room.block, at1, first.size(), t0);
    queue.append(mine, t0);
    // Contiguous in the block, but not in this queue: no extension over `mine`.
    queue.append(room.block, at2, second.size(), t0);
    queue.append(room.block, at3, third.size(), t0);
    BOOST_TEST(queue.segmentCount() == 3u);
    BOOST_TEST(contents(queue) == first + mine + second + third);
    BOOST_TEST(queue.take() == first + mine + second + third);
}

BOOST_AUTO_TEST_CASE(consume_across_segment_boundaries) {
    const TimePoint t0 = TimePoint{} + 10s;
    SharedFrames room;
    OutboundQueue queue;
    const std::string a = pingFrame(1000);
    const std::string own = pingFrame(5) + pingFrame(6);
    const std::string b = pingFrame(2000);
    queue.append(room.block, room.add(a), a.size(), t0);
    queue.append(own, t0);
    queue.append(room.block, room.add(b), b.size(), t0);
    const std::string all = a + own + b;
    // One write ends inside the owned segment, the next inside the last.
    BOOST_TEST(queue.consume(a.size() + 3, t0 + 1s) == a.size() + 3);
    BOOST_TEST(queue.segmentCount() == 2u);
    BOOST_TEST(contents(queue) == all.substr(a.size() + 3));
    BOOST_TEST(queue.consume(own.size(), t0 + 2s) == own.size());
    BOOST_TEST(queue.segmentCount() == 1u);
    BOOST_TEST(contents(queue) == all.substr(a.size() + 3 + own.size()));
    BOOST_TEST((queue.lastProgress() == t0 + 2s));
    BOOST_TEST(queue.consume(1000, t0 + 3s) == b.size() - 3);
    BOOST_TEST(queue.empty());
    BOOST_TEST(room.block->use_count() == 1u);
}

BOOST_AUTO_TEST_CASE(drop_keeps_rest_of_partly_written_shared_frame) {
    const TimePoint t0 = TimePoint{} + 10s;
    SharedFrames room;
    OutboundQueue queue;
    const std::string a = pingFrame(1000000);
    const std::string b = pingFrame(2000000);
    const std::string c = pingFrame(3);
    const std::string own = pingFrame(9);
    queue.append(room.block, room.add(a), a.size(), t0);
    queue.append(room.block, room.add(b), b.size(), t0);
    queue.append(own, t0);
    queue.append(room.block, room.add(c), c.size(), t0);
    // Written: all of a and two bytes of b, inside the one shared segment.
    queue.consume(a.size() + 2, t0);
    BOOST_TEST(queue.dropUnsent() == own.size() + c.size());
    BOOST_TEST(contents(queue) == b.substr(2));
    BOOST_TEST(queue.segmentCount() == 1u);
    // The Error frame follows the rest of b; the block's later bytes never do.
    const std::string error = pingFrame(42);
    queue.append(error, t0);
    BOOST_TEST(queue.take() == b.substr(2) + error);
    BOOST_TEST(room.block->use_count() == 1u);
}

BOOST_AUTO_TEST_CASE(drop_before_anything_written_of_a_shared_segment) {
    const TimePoint t0 = TimePoint{} + 10s;
    SharedFrames room;
    OutboundQueue queue;
    const std::string own = pingFrame(1);
    const std::string a = pingFrame(2);
    queue.append(own, t0);
    queue.append(room.block, room.add(a), a.size(), t0);
    queue.consume(own.size(), t0);  // the owned segment is written, a is not started
    BOOST_TEST(queue.dropUnsent() == a.size());
    BOOST_TEST(queue.empty());
    BOOST_TEST(room.block->use_count() == 1u);
}

BOOST_AUTO_TEST_CASE(take_joins_every_segment_and_frees) {
    const TimePoint t0 = TimePoint{} + 10s;
    SharedFrames room;
    OutboundQueue queue;
    const std::string a = pingFrame(1);
    const std::string own = pingFrame(2);
    const std::string b = pingFrame(3);
    queue.append(room.block, room.add(a), a.size(), t0);
    queue.append(own, t0);
    queue.append(room.block, room.add(b), b.size(), t0);
    queue.consume(1, t0);
    BOOST_TEST(queue.take() == (a + own + b).substr(1));
    BOOST_TEST(queue.empty());
    BOOST_TEST(queue.capacity() == 0u);
    BOOST_TEST(room.block->use_count() == 1u);
}

BOOST_AUTO_TEST_CASE(release_frees_only_when_empty) {
    const TimePoint t0 = TimePoint{} + 10s;
    SharedFrames room;
    OutboundQueue queue;
    const std::string a = pingFrame(1);
    queue.append(room.block, room.add(a), a.size(), t0);
    queue.release();  // not empty: nothing changes
    BOOST_TEST(contents(queue) == a);
    queue.consume(a.size(), t0);
    BOOST_TEST(queue.capacity() > 0u);  // a busy session keeps its segment list
    queue.release();
    BOOST_TEST(queue.capacity() == 0u);
}

BOOST_AUTO_TEST_CASE(views_are_capped_by_the_span) {
    const TimePoint t0 = TimePoint{} + 10s;
    SharedFrames room;
    OutboundQueue queue;
    std::string expected;
    for (std::uint64_t i = 1; i <= 10; ++i) {
        const std::string shared = pingFrame(i);
        const std::string own = pingFrame(100 + i);
        queue.append(room.block, room.add(shared), shared.size(), t0);
        queue.append(own, t0);
        expected += shared + own;
    }
    BOOST_TEST(queue.segmentCount() == 20u);
    std::vector<std::string_view> views(3);
    BOOST_TEST(queue.views(views) == 3u);
    BOOST_TEST(std::string(views[0]) + std::string(views[1]) + std::string(views[2]) ==
               expected.substr(0, views[0].size() + views[1].size() + views[2].size()));
}

BOOST_AUTO_TEST_CASE(segment_count_is_bounded) {
    // A member of two busy rooms that never reads: alternating frames would
    // make one segment each; past the cap they are copied into the owned tail.
    const TimePoint t0 = TimePoint{} + 10s;
    SharedFrames one;
    SharedFrames two;
    OutboundQueue queue;
    std::string expected;
    for (std::uint64_t i = 1; i <= 3000; ++i) {
        SharedFrames& room = i % 2 == 0 ? one : two;
        const std::string frame = pingFrame(i);
        if (room.block->available() < frame.size()) {
            room.block = FrameBlockPtr(new FrameBlock(FrameBlock::kMaxCapacity));
        }
        queue.append(room.block, room.add(frame), frame.size(), t0);
        expected += frame;
        BOOST_TEST_REQUIRE(queue.segmentCount() <= OutboundQueue::kMaxSegments);
    }
    BOOST_TEST(queue.size() == expected.size());
    BOOST_TEST(contents(queue) == expected);
}

BOOST_AUTO_TEST_CASE(stream_stays_well_formed_across_partial_writes) {
    // Many partial writes interleaved with shared and owned appends, the
    // room's block replaced when full: the bytes read out, in order, must
    // decode as exactly the frames appended.
    const TimePoint t0 = TimePoint{} + 10s;
    OutboundQueue queue;
    FrameBlockPtr block(new FrameBlock(FrameBlock::kMinCapacity));
    hermes::codec::FrameDecoder decoder(1 << 20);
    std::uint64_t appended = 0;
    std::uint64_t decoded = 0;
    for (int round = 0; round < 400; ++round) {
        for (int k = 0; k < 3; ++k) {
            const std::string frame = pingFrame(++appended * 977);
            if ((round + k) % 4 == 0) {
                queue.append(frame, t0);
                continue;
            }
            if (block->available() < frame.size()) {
                block = FrameBlockPtr(new FrameBlock(FrameBlock::nextCapacity(block.get(), 0)));
            }
            queue.append(block, block->append(frame), frame.size(), t0);
        }
        const std::size_t n = std::min<std::size_t>(queue.size(), 7 + (round % 13));
        decoder.feed(contents(queue).substr(0, n));
        queue.consume(n, t0);
        hermes::v1::Envelope e;
        while (decoder.next(e)) {
            ++decoded;
            BOOST_TEST_REQUIRE(e.ping().nonce() == decoded * 977);
        }
        if (round % 50 == 49) {
            // A slow-consumer drop mid-stream keeps the stream well formed.
            const std::size_t before = queue.size();
            const std::size_t dropped = queue.dropUnsent();
            BOOST_TEST_REQUIRE(dropped <= before);
            decoder.feed(queue.take());
            while (decoder.next(e)) {
                ++decoded;
                BOOST_TEST_REQUIRE(e.ping().nonce() == decoded * 977);
            }
            BOOST_TEST_REQUIRE(!decoder.failed());
            // Frames dropped were never started: resume numbering after them.
            decoded = appended;
        }
    }
    decoder.feed(queue.take());
    hermes::v1::Envelope e;
    while (decoder.next(e)) {
        ++decoded;
    }
    BOOST_TEST(decoded == appended);
}

BOOST_AUTO_TEST_CASE(frame_block_capacity_grows_to_a_cap) {
    BOOST_TEST(FrameBlock::nextCapacity(nullptr, 100) == FrameBlock::kMinCapacity);
    FrameBlock small(FrameBlock::kMinCapacity);
    BOOST_TEST(FrameBlock::nextCapacity(&small, 100) == 2 * FrameBlock::kMinCapacity);
    FrameBlock big(FrameBlock::kMaxCapacity);
    BOOST_TEST(FrameBlock::nextCapacity(&big, 100) == FrameBlock::kMaxCapacity);
    BOOST_TEST(FrameBlock::nextCapacity(&big, 1 << 20) == std::size_t{1} << 20);
    BOOST_TEST(small.append("abc") == 0u);
    BOOST_TEST(small.append("de") == 3u);
    BOOST_TEST(small.view(0, 5) == "abcde");
    BOOST_TEST(small.available() == FrameBlock::kMinCapacity - 5);
}

BOOST_AUTO_TEST_CASE(gauge_counts_private_bytes_and_blocks_until_they_are_freed) {
    const TimePoint t0 = TimePoint{} + 10s;
    hermes::hub::MemoryGauge gauge;
    {
        FrameBlockPtr block(new FrameBlock(FrameBlock::kMinCapacity, &gauge));
        BOOST_TEST(gauge.bytes() == FrameBlock::kMinCapacity);
        OutboundQueue queue(&gauge);
        const std::string frame = pingFrame(1);
        const std::size_t offset = block->append(frame);
        queue.append(block, offset, frame.size(), t0);
        queue.append(std::string(3000, 'p'), t0);  // a private frame: counted
        BOOST_TEST(gauge.bytes() >= FrameBlock::kMinCapacity + 3000);
        BOOST_TEST(gauge.bytes() == FrameBlock::kMinCapacity + queue.privateBytes());
        block.reset();  // the room lets go: the queue keeps the block alive
        BOOST_TEST(gauge.bytes() >= FrameBlock::kMinCapacity + 3000);
        queue.consume(frame.size(), t0 + 1s);  // the block's only reference goes
        BOOST_TEST(gauge.bytes() == queue.privateBytes());
        BOOST_TEST(gauge.bytes() >= 3000u);
        queue.consume(3000, t0 + 2s);
        queue.release();
        BOOST_TEST(gauge.bytes() == 0u);
        queue.append(std::string(5000, 'q'), t0 + 3s);
        BOOST_TEST(gauge.bytes() >= 5000u);
        BOOST_TEST(gauge.peak() >= FrameBlock::kMinCapacity + 3000);
    }
    BOOST_TEST(gauge.bytes() == 0u);  // a queue destroyed with bytes gives them back
}

BOOST_AUTO_TEST_CASE(gauge_counts_the_bytes_of_output_not_the_containers) {
    // The budget is for output: a private frame counts its bytes (not the
    // spare capacity its string grew to), and the segment list that tracks
    // shared ranges counts nothing (not one Segment per range).
    const TimePoint t0 = TimePoint{} + 10s;
    hermes::hub::MemoryGauge gauge;
    FrameBlockPtr block(new FrameBlock(FrameBlock::kMaxCapacity, &gauge));
    OutboundQueue queue(&gauge);
    std::size_t privateBytes = 0;
    for (int i = 0; i < 100; ++i) {
        // A range of the block, then a private frame: a new segment each.
        const std::string shared = pingFrame(static_cast<std::uint64_t>(i));
        queue.append(block, block->append(shared), shared.size(), t0);
        queue.append(std::string(37, 'p'), t0);
        privateBytes += 37;
    }
    BOOST_TEST(queue.segmentCount() == 200u);
    BOOST_TEST(queue.privateBytes() == privateBytes);
    BOOST_TEST(gauge.bytes() == FrameBlock::kMaxCapacity + privateBytes);
    BOOST_TEST(queue.capacity() > privateBytes + 200 * 32);  // the heap it really holds
    // Written halfway, then dropped: only the rest of the frame under way is
    // kept (counted if it is private), everything after it is gone.
    queue.consume(queue.size() - queue.size() / 2, t0);
    queue.dropUnsent();
    BOOST_TEST(gauge.bytes() == FrameBlock::kMaxCapacity + queue.privateBytes());
    BOOST_TEST(queue.privateBytes() <= 37u);
    queue.consume(queue.size(), t0);
    BOOST_TEST(queue.privateBytes() == 0u);
    BOOST_TEST(gauge.bytes() == FrameBlock::kMaxCapacity);
}

BOOST_AUTO_TEST_CASE(gauge_follows_take_and_drop) {
    const TimePoint t0 = TimePoint{} + 10s;
    hermes::hub::MemoryGauge gauge;
    OutboundQueue queue(&gauge);
    SharedFrames room;
    const std::string a = pingFrame(1);
    for (int i = 0; i < 3; ++i) {
        queue.append(std::string(2000, 'x'), t0);
        queue.append(room.block, room.add(a), a.size(), t0);
    }
    BOOST_TEST(gauge.bytes() == queue.privateBytes());
    queue.dropUnsent();
    BOOST_TEST(gauge.bytes() == queue.privateBytes());
    const std::string rest = queue.take();
    BOOST_TEST(gauge.bytes() == 0u);
    BOOST_TEST(queue.capacity() == 0u);
}

// Found by HubFuzz: a written private segment kept its buffer in the
// written-off slot (move-assigning an empty string keeps the target's
// buffer), the next segment moved into that slot inherited its capacity,
// and popping it took that capacity off the count a second time: the
// queue's count wrapped below zero and with it the hub's output memory.
BOOST_AUTO_TEST_CASE(written_private_segments_free_their_buffers_and_the_count_holds) {
    const TimePoint t0 = TimePoint{} + 10s;
    hermes::hub::MemoryGauge gauge;
    {
        OutboundQueue queue(&gauge);
        SharedFrames room;
        hermes::v1::Envelope big;
        big.mutable_error()->set_text(std::string(200, 'e'));  // far past the short-string size
        const std::string owned = hermes::codec::encodeFrame(big);
        const std::string shared = pingFrame(1);
        const std::size_t offset = room.add(shared);
        queue.append(owned, t0);
        queue.append(room.block, offset, shared.size(), t0);
        queue.consume(owned.size(), t0);  // the private segment is written
        const std::string small = pingFrame(2);
        queue.append(small, t0);  // compacts the written slot away
        BOOST_TEST(gauge.bytes() == queue.privateBytes());
        queue.consume(shared.size() + small.size(), t0);
        BOOST_TEST(queue.empty());
        BOOST_TEST(gauge.bytes() == queue.privateBytes());
        BOOST_TEST(gauge.bytes() < 4096u);
    }
    BOOST_TEST(gauge.bytes() == 0u);
}

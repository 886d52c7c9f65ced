#define BOOST_TEST_MODULE outbound_queue
#include <boost/test/unit_test.hpp>

#include "hermes/codec/FrameDecoder.hpp"
#include "hermes/codec/FrameEncoder.hpp"
#include "hermes/hub/OutboundQueue.hpp"

using hermes::hub::OutboundQueue;
using hermes::hub::TimePoint;
using namespace std::chrono_literals;

namespace {
std::string pingFrame(std::uint64_t nonce) {
    hermes::v1::Envelope e;
    e.mutable_ping()->set_nonce(nonce);
    return hermes::codec::encodeFrame(e);
}
}  // namespace

BOOST_AUTO_TEST_CASE(append_consume_and_progress_time) {
    const TimePoint t0 = TimePoint{} + 10s;
    OutboundQueue queue;
    BOOST_TEST(queue.empty());
    queue.append("abc", t0);
    queue.append("de", t0 + 1s);
    BOOST_TEST(queue.size() == 5u);
    BOOST_TEST((queue.lastProgress() == t0));  // set when it became non-empty
    BOOST_TEST(queue.consume(2, t0 + 2s) == 2u);
    BOOST_TEST(queue.view() == "cde");
    BOOST_TEST((queue.lastProgress() == t0 + 2s));
    BOOST_TEST(queue.consume(100, t0 + 3s) == 3u);
    BOOST_TEST(queue.empty());
    queue.release();
    BOOST_TEST(queue.capacity() < 32u);  // back to the small-string buffer
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
    BOOST_TEST(queue.view() == b.substr(1));
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
}

BOOST_AUTO_TEST_CASE(stream_stays_well_formed_across_partial_writes) {
    // Many partial writes interleaved with appends: the bytes read out, in
    // order, must decode as exactly the frames appended.
    const TimePoint t0 = TimePoint{} + 10s;
    OutboundQueue queue;
    hermes::codec::FrameDecoder decoder(1 << 20);
    std::uint64_t appended = 0;
    std::uint64_t decoded = 0;
    for (int round = 0; round < 200; ++round) {
        for (int k = 0; k < 3; ++k) {
            queue.append(pingFrame(++appended * 977), t0);
        }
        const std::size_t n = std::min<std::size_t>(queue.size(), 7 + (round % 13));
        decoder.feed(queue.view().substr(0, n));
        queue.consume(n, t0);
        hermes::v1::Envelope e;
        while (decoder.next(e)) {
            ++decoded;
            BOOST_TEST_REQUIRE(e.ping().nonce() == decoded * 977);
        }
    }
    decoder.feed(queue.take());
    hermes::v1::Envelope e;
    while (decoder.next(e)) {
        ++decoded;
    }
    BOOST_TEST(decoded == appended);
}

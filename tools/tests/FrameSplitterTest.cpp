// FrameSplitter: frames handed out in place, a frame split anywhere across
// reads, sticky errors, and agreement with hermes::codec::FrameDecoder.
#define BOOST_TEST_MODULE FrameSplitterTest
#include <boost/test/unit_test.hpp>

#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "hermes/codec/FrameDecoder.hpp"
#include "hermes/codec/FrameEncoder.hpp"
#include "hermes/codec/FrameSplitter.hpp"
#include "hermes/v1/hermes.pb.h"

using hermes::codec::DecodeError;
using hermes::codec::FrameSplitter;

namespace {

constexpr std::size_t kMax = 1024 * 1024;

// Frames of several sizes: 1- and 2-byte length prefixes, an empty payload
// (an Envelope with no body serializes to nothing) and a 3-byte prefix.
std::vector<std::string> samplePayloads() {
    std::vector<std::string> payloads;
    hermes::v1::Envelope envelope;
    payloads.push_back(envelope.SerializeAsString());  // empty
    envelope.mutable_ping()->set_nonce(7);
    payloads.push_back(envelope.SerializeAsString());
    envelope.mutable_message()->set_text(std::string(200, 'x'));
    payloads.push_back(envelope.SerializeAsString());
    envelope.mutable_message()->set_text(std::string(20000, 'y'));
    payloads.push_back(envelope.SerializeAsString());
    envelope.mutable_message()->set_text("short");
    payloads.push_back(envelope.SerializeAsString());
    return payloads;
}

std::string streamOf(const std::vector<std::string>& payloads) {
    std::string stream;
    for (const auto& payload : payloads) {
        hermes::v1::Envelope envelope;
        BOOST_REQUIRE(envelope.ParseFromString(payload));
        hermes::codec::appendFrame(envelope, stream);
    }
    return stream;
}

// Feeds `stream` cut at `cuts` (ascending offsets) and collects the payloads.
std::vector<std::string> split(FrameSplitter& splitter, std::string_view stream,
                               const std::vector<std::size_t>& cuts) {
    std::vector<std::string> out;
    std::size_t from = 0;
    for (std::size_t i = 0; i <= cuts.size(); ++i) {
        const std::size_t to = i < cuts.size() ? cuts[i] : stream.size();
        // An exact-size copy per read, so a sanitizer sees any overread.
        const std::string chunk(stream.substr(from, to - from));
        splitter.feed(chunk, [&out](std::string_view payload) {
            out.emplace_back(payload);
            return true;
        });
        from = to;
    }
    return out;
}

}  // namespace

BOOST_AUTO_TEST_CASE(whole_frames_are_handed_out_in_place) {
    const auto payloads = samplePayloads();
    const std::string stream = streamOf(payloads);
    FrameSplitter splitter(kMax);
    std::size_t count = 0;
    splitter.feed(stream, [&](std::string_view payload) {
        BOOST_TEST(payload == payloads[count]);
        // A view into the chunk itself: nothing was copied.
        BOOST_TEST((payload.data() >= stream.data() &&
                    payload.data() + payload.size() <= stream.data() + stream.size()));
        ++count;
        return true;
    });
    BOOST_TEST(count == payloads.size());
    BOOST_TEST(splitter.buffered() == 0u);
    BOOST_TEST(!splitter.failed());
}

BOOST_AUTO_TEST_CASE(a_stream_cut_at_any_one_or_two_points_gives_the_same_frames) {
    const auto payloads = samplePayloads();
    const std::string stream = streamOf(payloads);
    for (std::size_t cut = 0; cut <= stream.size(); ++cut) {
        FrameSplitter splitter(kMax);
        const auto out = split(splitter, stream, {cut});
        BOOST_TEST_CONTEXT("cut at " << cut) {
            BOOST_TEST(out == payloads, boost::test_tools::per_element());
            BOOST_TEST(splitter.buffered() == 0u);
        }
    }
    // Two cuts close together: a prefix and a payload split three ways.
    std::mt19937 random(42);
    std::uniform_int_distribution<std::size_t> at(0, stream.size());
    std::uniform_int_distribution<std::size_t> gap(0, 8);
    for (int round = 0; round < 2000; ++round) {
        const std::size_t first = at(random);
        const std::size_t second = std::min(stream.size(), first + gap(random));
        FrameSplitter splitter(kMax);
        BOOST_TEST_CONTEXT("cuts at " << first << ", " << second) {
            BOOST_TEST(split(splitter, stream, {first, second}) == payloads,
                       boost::test_tools::per_element());
        }
    }
}

BOOST_AUTO_TEST_CASE(one_byte_reads_agree_with_frame_decoder) {
    const auto payloads = samplePayloads();
    const std::string stream = streamOf(payloads);
    std::vector<std::size_t> everyByte;
    for (std::size_t i = 1; i < stream.size(); ++i) {
        everyByte.push_back(i);
    }
    FrameSplitter splitter(kMax);
    const auto ours = split(splitter, stream, everyByte);
    hermes::codec::FrameDecoder decoder(kMax);
    decoder.feed(stream);
    std::vector<std::string> theirs;
    std::string_view payload;
    while (decoder.nextPayload(payload)) {
        theirs.emplace_back(payload);
    }
    BOOST_TEST(ours == theirs, boost::test_tools::per_element());
    BOOST_TEST(ours.size() == payloads.size());
}

BOOST_AUTO_TEST_CASE(an_incomplete_frame_waits_in_the_tail) {
    hermes::v1::Envelope envelope;
    envelope.mutable_ping()->set_nonce(1);
    const std::string frame = hermes::codec::encodeFrame(envelope);
    FrameSplitter splitter(kMax);
    int frames = 0;
    const auto count = [&frames](std::string_view) {
        ++frames;
        return true;
    };
    splitter.feed(std::string_view(frame).substr(0, frame.size() - 1), count);
    BOOST_TEST(frames == 0);
    BOOST_TEST(splitter.buffered() == frame.size() - 1);
    splitter.feed(std::string_view(frame).substr(frame.size() - 1), count);
    BOOST_TEST(frames == 1);
    BOOST_TEST(splitter.buffered() == 0u);
}

BOOST_AUTO_TEST_CASE(errors_are_judged_from_the_prefix_and_are_sticky) {
    {
        FrameSplitter splitter(100);
        int frames = 0;
        // Length 101 > 100: refused before any payload byte arrived.
        splitter.feed(std::string("\x65", 1), [&frames](std::string_view) {
            ++frames;
            return true;
        });
        BOOST_TEST(splitter.failed());
        BOOST_TEST((splitter.error() == DecodeError::FrameTooLarge));
        splitter.feed(std::string("\x00", 1), [&frames](std::string_view) {
            ++frames;
            return true;
        });
        BOOST_TEST(frames == 0);
    }
    {
        FrameSplitter splitter(kMax);
        // A prefix split across reads that runs past 5 bytes.
        const auto none = [](std::string_view) { return true; };
        splitter.feed(std::string("\x80\x80", 2), none);
        BOOST_TEST(!splitter.failed());
        splitter.feed(std::string("\x80\x80\x80\x01", 4), none);
        BOOST_TEST((splitter.error() == DecodeError::VarintTooLong));
    }
}

BOOST_AUTO_TEST_CASE(returning_false_stops_at_that_frame) {
    const auto payloads = samplePayloads();
    const std::string stream = streamOf(payloads);
    FrameSplitter splitter(kMax);
    int frames = 0;
    splitter.feed(stream, [&frames](std::string_view) { return ++frames < 2; });
    BOOST_TEST(frames == 2);
}

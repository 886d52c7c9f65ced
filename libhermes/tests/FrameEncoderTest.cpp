#define BOOST_TEST_MODULE FrameEncoderTest
#include <boost/test/unit_test.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <google/protobuf/util/delimited_message_util.h>
#include <google/protobuf/util/message_differencer.h>

#include "hermes/codec/FrameDecoder.hpp"
#include "hermes/codec/FrameEncoder.hpp"

namespace {

using google::protobuf::util::MessageDifferencer;
using hermes::codec::appendFrame;
using hermes::codec::encodeFrame;
using hermes::codec::frameSize;
using hermes::v1::Envelope;

// A Say whose serialized Envelope is exactly `bodyBytes` long, so that the
// length prefix's size boundaries (127/128, 16383/16384) can be hit exactly.
Envelope sayOfBodySize(std::size_t bodyBytes) {
    Envelope envelope;
    envelope.mutable_say()->set_client_msg_id(1);
    for (std::size_t text = 0; text <= bodyBytes; ++text) {
        envelope.mutable_say()->set_text(std::string(text, 'x'));
        if (envelope.ByteSizeLong() == bodyBytes) {
            return envelope;
        }
    }
    // Some sizes are skipped when the text's own length prefix grows; a
    // message id of one more byte closes the gap.
    envelope.mutable_say()->set_client_msg_id(128);
    for (std::size_t text = 0; text <= bodyBytes; ++text) {
        envelope.mutable_say()->set_text(std::string(text, 'x'));
        if (envelope.ByteSizeLong() == bodyBytes) {
            return envelope;
        }
    }
    BOOST_FAIL("no Say of body size " << bodyBytes);
    return envelope;
}

std::vector<Envelope> someEnvelopes() {
    std::vector<Envelope> all;
    all.emplace_back();  // no body: a zero-length frame
    all.emplace_back().mutable_hello()->set_nick("ana");
    all.emplace_back().mutable_ping()->set_nonce(300);
    all.emplace_back().mutable_room_list_request();
    {
        auto* page = all.emplace_back().mutable_history_page();
        page->set_room("general");
        for (int i = 1; i <= 50; ++i) {
            auto* message = page->add_messages();
            message->set_seq(static_cast<std::uint64_t>(i));
            message->set_text(std::string(static_cast<std::size_t>(i) * 10, 'm'));
        }
    }
    all.push_back(sayOfBodySize(127));
    all.push_back(sayOfBodySize(128));
    all.push_back(sayOfBodySize(16383));
    all.push_back(sayOfBodySize(16384));
    return all;
}

}  // namespace

BOOST_AUTO_TEST_CASE(frame_size_matches_what_is_appended) {
    for (const auto& envelope : someEnvelopes()) {
        BOOST_TEST_CONTEXT("body of " << envelope.ByteSizeLong() << " bytes") {
            std::string out;
            const std::size_t written = appendFrame(envelope, out);
            BOOST_TEST(written == out.size());
            BOOST_TEST(frameSize(envelope) == out.size());
            BOOST_TEST(encodeFrame(envelope) == out);
        }
    }
}

BOOST_AUTO_TEST_CASE(prefix_grows_at_varint_boundaries) {
    const std::pair<std::size_t, std::size_t> cases[] = {
        {0, 1}, {127, 1}, {128, 2}, {16383, 2}, {16384, 3}};
    for (auto [body, prefix] : cases) {
        BOOST_TEST_CONTEXT("body " << body) {
            const Envelope envelope = body == 0 ? Envelope() : sayOfBodySize(body);
            BOOST_REQUIRE_EQUAL(envelope.ByteSizeLong(), body);
            const std::string frame = encodeFrame(envelope);
            BOOST_TEST(frame.size() == prefix + body);
            BOOST_TEST(frameSize(envelope) == prefix + body);
            BOOST_TEST(frame.substr(prefix) == envelope.SerializeAsString());
        }
    }
}

BOOST_AUTO_TEST_CASE(append_keeps_existing_content) {
    const std::string existing("already queued \x00\xFF bytes", 23);
    std::string out = existing;
    out.reserve(existing.size() + 1);  // force growth: the old bytes must be moved intact
    Envelope hello;
    hello.mutable_hello()->set_nick("ana");
    const std::size_t written = appendFrame(hello, out);
    BOOST_TEST(out.size() == existing.size() + written);
    BOOST_TEST(out.substr(0, existing.size()) == existing);
    BOOST_TEST(out.substr(existing.size()) == encodeFrame(hello));
}

BOOST_AUTO_TEST_CASE(appended_frames_decode_in_order) {
    const auto envelopes = someEnvelopes();
    std::string out;
    std::size_t total = 0;
    for (const auto& envelope : envelopes) {
        total += appendFrame(envelope, out);
    }
    BOOST_TEST(out.size() == total);
    hermes::codec::FrameDecoder decoder(1024 * 1024);
    decoder.feed(out);
    for (const auto& envelope : envelopes) {
        Envelope decoded;
        BOOST_REQUIRE(decoder.next(decoded));
        BOOST_TEST(MessageDifferencer::Equals(decoded, envelope));
    }
    BOOST_TEST(decoder.buffered() == 0u);
}

// Our frames are protobuf's own delimited format, byte for byte.
BOOST_AUTO_TEST_CASE(same_bytes_as_protobufs_delimited_writer) {
    for (const auto& envelope : someEnvelopes()) {
        BOOST_TEST_CONTEXT("body of " << envelope.ByteSizeLong() << " bytes") {
            std::string theirs;
            {
                google::protobuf::io::StringOutputStream stream(&theirs);
                BOOST_REQUIRE(
                    google::protobuf::util::SerializeDelimitedToZeroCopyStream(envelope, &stream));
            }
            BOOST_TEST(encodeFrame(envelope) == theirs);
        }
    }
}

BOOST_AUTO_TEST_CASE(protobufs_delimited_writer_to_our_decoder) {
    const auto envelopes = someEnvelopes();
    std::string theirs;
    {
        google::protobuf::io::StringOutputStream stream(&theirs);
        for (const auto& envelope : envelopes) {
            BOOST_REQUIRE(
                google::protobuf::util::SerializeDelimitedToZeroCopyStream(envelope, &stream));
        }
    }
    hermes::codec::FrameDecoder decoder(1024 * 1024);
    decoder.feed(theirs);
    for (const auto& envelope : envelopes) {
        Envelope decoded;
        BOOST_REQUIRE(decoder.next(decoded));
        BOOST_TEST(MessageDifferencer::Equals(decoded, envelope));
    }
    Envelope extra;
    BOOST_TEST(!decoder.next(extra));
    BOOST_TEST(!decoder.failed());
}

BOOST_AUTO_TEST_CASE(our_encoder_to_protobufs_delimited_reader) {
    const auto envelopes = someEnvelopes();
    std::string ours;
    for (const auto& envelope : envelopes) {
        appendFrame(envelope, ours);
    }
    const std::vector<char> exact(ours.begin(), ours.end());
    google::protobuf::io::ArrayInputStream stream(exact.data(), static_cast<int>(exact.size()));
    for (const auto& envelope : envelopes) {
        Envelope decoded;
        bool cleanEof = true;
        BOOST_REQUIRE(
            google::protobuf::util::ParseDelimitedFromZeroCopyStream(&decoded, &stream, &cleanEof));
        BOOST_TEST(!cleanEof);
        BOOST_TEST(MessageDifferencer::Equals(decoded, envelope));
    }
    Envelope extra;
    bool cleanEof = false;
    BOOST_TEST(
        !google::protobuf::util::ParseDelimitedFromZeroCopyStream(&extra, &stream, &cleanEof));
    BOOST_TEST(cleanEof);
}

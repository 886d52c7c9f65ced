// libFuzzer target for hermes::codec::FrameDecoder.
//
// Input layout (the first bytes configure the run, the rest is the stream):
//
//   byte 0      limit mode (low 2 bits): 0 max = byte 1; 1 max = byte 1 * 256;
//               2 max = kDefaultMaxFrameBytes; 3 max = SIZE_MAX (no limit of
//               its own: only the 32-bit ceiling applies)
//   byte 1      limit operand
//   byte 2      n = number of chunk sizes (low 3 bits); 0 feeds the stream whole
//   n bytes     chunk sizes, each byte + 1, used in turn
//   rest        the bytes a peer sent
//
// The stream is fed to one decoder in those pieces and to a second decoder in
// one piece. Invariants checked (any violation aborts, which libFuzzer reports):
// - both decoders agree on every frame, on the error and on the claimed length:
//   how bytes are split never changes what is decoded;
// - buffered() never exceeds the bytes fed, and stays put once in error;
// - nothing is decoded after an error, and the error never changes;
// - FrameTooLarge claims more than the limit;
// - every decoded Envelope re-encodes to a frame of frameSize() bytes that
//   decodes to the same Envelope.
// Allocations are bounded by -malloc_limit_mb (tools/run-fuzz.sh): a decoder
// that trusted a length prefix would trip it.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <google/protobuf/stubs/logging.h>

#include "hermes/codec/FrameDecoder.hpp"
#include "hermes/codec/FrameEncoder.hpp"
#include "hermes/protocol/Limits.hpp"

namespace {

using hermes::codec::DecodeError;
using hermes::codec::FrameDecoder;
using hermes::v1::Envelope;

[[noreturn]] void fail(const char* invariant) {
    std::fprintf(stderr, "FrameDecoderFuzz: invariant violated: %s\n", invariant);
    std::abort();
}

void check(bool condition, const char* invariant) {
    if (!condition) {
        fail(invariant);
    }
}

// Map entries sorted, so equal messages give equal bytes.
std::string deterministicBytes(const Envelope& envelope) {
    std::string bytes;
    {
        google::protobuf::io::StringOutputStream stream(&bytes);
        google::protobuf::io::CodedOutputStream coded(&stream);
        coded.SetSerializationDeterministic(true);
        check(envelope.SerializeToCodedStream(&coded), "a decoded Envelope serializes");
    }
    return bytes;
}

void checkReencodes(const Envelope& envelope, const std::string& canonical) {
    const std::string frame = hermes::codec::encodeFrame(envelope);
    check(frame.size() == hermes::codec::frameSize(envelope), "frameSize matches encodeFrame");
    FrameDecoder again(std::numeric_limits<std::size_t>::max());
    again.feed(frame);
    Envelope decoded;
    check(again.next(decoded), "a re-encoded Envelope decodes");
    check(again.buffered() == 0, "a re-encoded frame is consumed whole");
    check(deterministicBytes(decoded) == canonical, "re-encoding round-trips");
}

std::size_t chooseLimit(std::uint8_t mode, std::uint8_t operand) {
    switch (mode & 3u) {
        case 0:
            return operand;
        case 1:
            return static_cast<std::size_t>(operand) << 8;
        case 2:
            return hermes::protocol::kDefaultMaxFrameBytes;
        default:
            return std::numeric_limits<std::size_t>::max();
    }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    // Invalid UTF-8 in string fields makes protobuf log each time; at fuzzing
    // speed that is only noise.
    google::protobuf::SetLogHandler(nullptr);
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 3) {
        return 0;
    }
    const std::size_t limit = chooseLimit(data[0], data[1]);
    const std::size_t chunkCount = data[2] & 7u;
    if (size < 3 + chunkCount) {
        return 0;
    }
    std::vector<std::size_t> chunkSizes;
    for (std::size_t i = 0; i < chunkCount; ++i) {
        chunkSizes.push_back(static_cast<std::size_t>(data[3 + i]) + 1);
    }
    const std::string_view stream(reinterpret_cast<const char*>(data) + 3 + chunkCount,
                                  size - 3 - chunkCount);

    // Fed in pieces, decoded after every piece.
    FrameDecoder pieces(limit);
    std::vector<std::string> piecesFrames;
    std::size_t fed = 0;
    std::size_t position = 0;
    DecodeError firstError = DecodeError::None;
    for (std::size_t turn = 0; position < stream.size(); ++turn) {
        const std::size_t want =
            chunkSizes.empty() ? stream.size() : chunkSizes[turn % chunkSizes.size()];
        const std::size_t length = std::min(want, stream.size() - position);
        // An exact-size copy, so reading past the piece is a heap overflow.
        const std::vector<char> piece(
            stream.begin() + static_cast<std::ptrdiff_t>(position),
            stream.begin() + static_cast<std::ptrdiff_t>(position + length));
        position += length;

        const bool failedBefore = pieces.failed();
        const std::size_t bufferedBefore = pieces.buffered();
        pieces.feed(std::string_view(piece.data(), piece.size()));
        fed += length;
        if (failedBefore) {
            check(pieces.buffered() == bufferedBefore, "nothing is buffered after an error");
        }
        check(pieces.buffered() <= fed, "buffered() never exceeds what was fed");

        Envelope envelope;
        for (;;) {
            const std::size_t before = pieces.buffered();
            if (!pieces.next(envelope)) {
                break;
            }
            check(!failedBefore && !pieces.failed(), "nothing is decoded after an error");
            check(pieces.buffered() < before, "a frame consumes at least one byte");
            piecesFrames.push_back(deterministicBytes(envelope));
            checkReencodes(envelope, piecesFrames.back());
        }
        if (firstError != DecodeError::None) {
            check(pieces.error() == firstError, "an error never changes");
        }
        firstError = pieces.error();
    }

    // Fed whole; payloads parsed separately so that a BadPayload can be placed.
    FrameDecoder whole(limit);
    whole.feed(stream);
    std::size_t index = 0;
    bool badPayload = false;
    std::string_view payload;
    while (whole.nextPayload(payload)) {
        check(payload.size() <= limit, "a payload is within the limit");
        Envelope envelope;
        if (!hermes::codec::parseEnvelope(payload, envelope)) {
            badPayload = true;
            break;
        }
        check(index < piecesFrames.size(), "split decoding found the same frames");
        check(deterministicBytes(envelope) == piecesFrames[index], "same frame either way");
        ++index;
    }
    check(index == piecesFrames.size(), "same number of frames either way");
    if (badPayload) {
        check(pieces.error() == DecodeError::BadPayload, "same BadPayload either way");
    } else {
        check(pieces.error() == whole.error(), "same error either way");
        if (!whole.failed()) {
            check(pieces.buffered() == whole.buffered(), "same bytes left either way");
        }
    }
    if (pieces.error() == DecodeError::FrameTooLarge) {
        check(pieces.claimedLength() == whole.claimedLength(), "same claimed length either way");
        check(pieces.claimedLength() > limit || pieces.claimedLength() > UINT32_MAX,
              "FrameTooLarge claims more than the limit");
    }
    check(!hermes::codec::describe(pieces.error()).empty(), "every error is described");
    return 0;
}

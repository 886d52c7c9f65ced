#pragma once
// Incremental decoder of Hermes frames.
//
// Frame layout (protobuf's standard "delimited" format):
//
//   +----------------------+-------------------------------------------+
//   | length: varint32     | payload: `length` bytes, one serialized   |
//   | 1..5 bytes, LSB first| hermes.v1.Envelope                         |
//   +----------------------+-------------------------------------------+
//
// Bytes arrive in chunks of any size, split anywhere; whole frames come out.
// Errors are sticky: once the stream is broken nothing more is decoded, since
// the frame boundaries after a bad prefix cannot be trusted. An oversize
// length is judged from the prefix alone and nothing of that size is ever
// allocated.
//
// Threading: none. One decoder belongs to one connection and one thread.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "hermes/v1/hermes.pb.h"

namespace hermes::codec {

enum class DecodeError : std::uint8_t {
    None,
    FrameTooLarge,  // the length prefix exceeds the decoder's maximum
    VarintTooLong,  // the length prefix runs past 5 bytes
    BadPayload,     // the payload is not a well-formed Envelope
};

// A readable name for an error, e.g. for logs and Error frames.
std::string_view describe(DecodeError error);

class FrameDecoder {
public:
    // The longest varint32 encoding.
    static constexpr std::size_t kMaxVarintBytes = 5;
    // Nesting limit for untrusted payloads; Envelope needs 4.
    static constexpr int kRecursionLimit = 16;

    explicit FrameDecoder(std::size_t maxFrameBytes);

    // Appends bytes received from the peer. Ignored once in error.
    void feed(std::string_view bytes);

    // Decodes the next whole frame into `out`. Returns false when more bytes
    // are needed or the stream is in error (see error()).
    bool next(hermes::v1::Envelope& out);

    // The payload of the next whole frame without parsing it; empty optional
    // semantics: returns false when none is complete. `payload` stays valid
    // until the next call to feed() or next*().
    bool nextPayload(std::string_view& payload);

    DecodeError error() const { return error_; }
    bool failed() const { return error_ != DecodeError::None; }

    // The length the failing prefix claimed (FrameTooLarge only).
    std::uint64_t claimedLength() const { return claimedLength_; }

    std::size_t maxFrameBytes() const { return maxFrameBytes_; }
    // Raising the limit after the handshake applies to frames not yet started.
    void setMaxFrameBytes(std::size_t maxFrameBytes) { maxFrameBytes_ = maxFrameBytes; }

    // Bytes received but not yet returned as frames.
    std::size_t buffered() const { return buffer_.size() - readPos_; }

    // Releases buffer memory when nothing is buffered (idle connections).
    void shrink();

private:
    // Parses the length prefix at readPos_. Returns false if incomplete or bad.
    bool readPrefix(std::uint32_t& length, std::size_t& prefixBytes);
    void compact();

    std::size_t maxFrameBytes_;
    std::string buffer_;
    std::size_t readPos_ = 0;
    DecodeError error_ = DecodeError::None;
    std::uint64_t claimedLength_ = 0;
};

// The varint length prefix at the start of `bytes`, read with protobuf's
// CodedInputStream: Complete (value and size known), Incomplete (more bytes
// may complete it) or TooLong (no end within FrameDecoder::kMaxVarintBytes).
// A Complete value may exceed 32 bits (up to 35); the caller judges it.
struct LengthPrefix {
    enum class Status : std::uint8_t { Complete, Incomplete, TooLong };
    Status status = Status::Incomplete;
    std::uint64_t value = 0;
    std::size_t bytes = 0;
};
LengthPrefix readLengthPrefix(std::string_view bytes);

// Parses one payload with explicit byte and recursion limits.
bool parseEnvelope(std::string_view payload, hermes::v1::Envelope& out);

}  // namespace hermes::codec

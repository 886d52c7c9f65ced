#pragma once
// Cuts the hub's byte stream into frame payloads where the bytes lie: whole
// frames in a chunk just received are handed out as views into that chunk,
// and only a frame split across two reads is copied (into a tail kept until
// the rest arrives). hermes::codec::FrameDecoder copies every byte into its
// own buffer first; at T1 rates that copy alone was 6 % of the bench's CPU.
// A frame handed out in place points into the chunk (the caller can tell by
// its address); one completed from the tail points into the splitter's own
// buffer, valid only during the call. Users: hermes-bench (the hub's output
// to each of its clients) and hermesd's IrcConnection (the hub's output to
// an IRC member, whose in-place frames key the IRC render cache).
//
// Frame layout (as hermes::codec::FrameDecoder, protobuf's "delimited"):
//
//   +----------------------+-------------------------------------------+
//   | length: varint32     | payload: `length` bytes, one serialized   |
//   | 1..5 bytes, LSB first| hermes.v1.Envelope                         |
//   +----------------------+-------------------------------------------+
//
// Errors are sticky, as in FrameDecoder: a length over the maximum (judged
// from the prefix alone) or a prefix over 5 bytes ends the stream.
//
// Threading: none. One splitter belongs to one connection and one thread.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "hermes/codec/FrameDecoder.hpp"

namespace hermes::codec {

class FrameSplitter {
public:
    static constexpr std::size_t kMaxPrefixBytes = 5;
    // A tail buffer grown past this (a big MemberList) is released once
    // empty, so that 5,000 idle clients do not keep one each.
    static constexpr std::size_t kKeptTailCapacity = 64 * 1024;

    explicit FrameSplitter(std::size_t maxFrameBytes) : maxFrameBytes_(maxFrameBytes) {}

    // Calls onFrame(std::string_view payload) for every frame completed by
    // `chunk`, in order. The view is valid only during the call. onFrame
    // returns false to stop (the connection was closed); the rest of the
    // chunk is then dropped. Does nothing once failed().
    template <class OnFrame>
    void feed(std::string_view chunk, OnFrame&& onFrame);

    DecodeError error() const { return error_; }
    bool failed() const { return error_ != DecodeError::None; }
    // Bytes of an incomplete frame held back.
    std::size_t buffered() const { return tail_.size(); }

private:
    enum class Prefix : std::uint8_t { Complete, Incomplete, Bad };

    Prefix readPrefix(const char* p, std::size_t available, std::size_t& length,
                      std::size_t& prefixBytes) {
        std::uint64_t value = 0;
        for (std::size_t i = 0; i < kMaxPrefixBytes; ++i) {
            if (i == available) {
                return Prefix::Incomplete;
            }
            const auto byte = static_cast<std::uint8_t>(p[i]);
            value |= static_cast<std::uint64_t>(byte & 0x7fu) << (7 * i);
            if ((byte & 0x80u) == 0) {
                if (value > maxFrameBytes_ || value > UINT32_MAX) {
                    error_ = DecodeError::FrameTooLarge;
                    return Prefix::Bad;
                }
                length = static_cast<std::size_t>(value);
                prefixBytes = i + 1;
                return Prefix::Complete;
            }
        }
        error_ = DecodeError::VarintTooLong;
        return Prefix::Bad;
    }

    // Completes the frame begun in tail_ from the front of `chunk`. Returns
    // false when the chunk is used up (or the stream broken) before that.
    template <class OnFrame>
    bool finishTail(std::string_view& chunk, OnFrame& onFrame, bool& stop);

    std::size_t maxFrameBytes_;
    std::string tail_;
    DecodeError error_ = DecodeError::None;
};

template <class OnFrame>
bool FrameSplitter::finishTail(std::string_view& chunk, OnFrame& onFrame, bool& stop) {
    std::size_t length = 0;
    std::size_t prefixBytes = 0;
    for (;;) {  // at most kMaxPrefixBytes turns: each adds a byte or returns
        const Prefix prefix = readPrefix(tail_.data(), tail_.size(), length, prefixBytes);
        if (prefix == Prefix::Complete) {
            break;
        }
        if (prefix == Prefix::Bad || chunk.empty()) {
            return false;
        }
        tail_.push_back(chunk.front());
        chunk.remove_prefix(1);
    }
    const std::size_t missing = prefixBytes + length - tail_.size();
    const std::size_t take = missing < chunk.size() ? missing : chunk.size();
    tail_.append(chunk.data(), take);
    chunk.remove_prefix(take);
    if (take < missing) {
        return false;
    }
    stop = !onFrame(std::string_view(tail_).substr(prefixBytes, length));
    tail_.clear();
    if (tail_.capacity() > kKeptTailCapacity) {
        std::string().swap(tail_);
    }
    return true;
}

template <class OnFrame>
void FrameSplitter::feed(std::string_view chunk, OnFrame&& onFrame) {
    if (failed()) {
        return;
    }
    bool stop = false;
    if (!tail_.empty() && (!finishTail(chunk, onFrame, stop) || stop)) {
        return;
    }
    const char* p = chunk.data();
    const char* const end = p + chunk.size();
    while (p < end) {
        std::size_t length = 0;
        std::size_t prefixBytes = 0;
        const auto available = static_cast<std::size_t>(end - p);
        const Prefix prefix = readPrefix(p, available, length, prefixBytes);
        if (prefix == Prefix::Bad) {
            return;
        }
        if (prefix == Prefix::Incomplete || available - prefixBytes < length) {
            break;
        }
        if (!onFrame(std::string_view(p + prefixBytes, length))) {
            return;
        }
        p += prefixBytes + length;
    }
    tail_.assign(p, static_cast<std::size_t>(end - p));
}

}  // namespace hermes::codec

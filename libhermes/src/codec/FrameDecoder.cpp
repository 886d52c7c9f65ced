#include "hermes/codec/FrameDecoder.hpp"

#include <algorithm>
#include <limits>

#include <google/protobuf/io/coded_stream.h>

namespace hermes::codec {

std::string_view describe(DecodeError error) {
    switch (error) {
        case DecodeError::None:
            return "no error";
        case DecodeError::FrameTooLarge:
            return "frame length exceeds the maximum";
        case DecodeError::VarintTooLong:
            return "frame length prefix longer than 5 bytes";
        case DecodeError::BadPayload:
            return "frame payload is not a valid Envelope";
    }
    return "unknown decode error";
}

LengthPrefix readLengthPrefix(std::string_view bytes) {
    const std::size_t window = std::min(bytes.size(), FrameDecoder::kMaxVarintBytes);
    google::protobuf::io::CodedInputStream input(
        reinterpret_cast<const std::uint8_t*>(bytes.data()), static_cast<int>(window));
    LengthPrefix prefix;
    if (input.ReadVarint64(&prefix.value)) {
        prefix.status = LengthPrefix::Status::Complete;
        prefix.bytes = static_cast<std::size_t>(input.CurrentPosition());
        return prefix;
    }
    prefix.value = 0;
    prefix.status = window == FrameDecoder::kMaxVarintBytes ? LengthPrefix::Status::TooLong
                                                            : LengthPrefix::Status::Incomplete;
    return prefix;
}

bool parseEnvelope(std::string_view payload, hermes::v1::Envelope& out) {
    // CodedInputStream takes an int size: a payload of 2 GiB or more (possible
    // only with a limit raised that far) would wrap to a negative length.
    if (payload.size() > static_cast<std::size_t>(std::numeric_limits<int>::max())) {
        out.Clear();
        return false;
    }
    google::protobuf::io::CodedInputStream input(
        reinterpret_cast<const std::uint8_t*>(payload.data()), static_cast<int>(payload.size()));
    input.SetTotalBytesLimit(static_cast<int>(payload.size()));
    input.SetRecursionLimit(FrameDecoder::kRecursionLimit);
    out.Clear();
    return out.ParseFromCodedStream(&input) && input.ConsumedEntireMessage();
}

FrameDecoder::FrameDecoder(std::size_t maxFrameBytes) : maxFrameBytes_(maxFrameBytes) {}

void FrameDecoder::feed(std::string_view bytes) {
    if (failed() || bytes.empty()) {
        return;
    }
    compact();
    buffer_.append(bytes.data(), bytes.size());
}

bool FrameDecoder::readPrefix(std::uint32_t& length, std::size_t& prefixBytes) {
    const LengthPrefix prefix = readLengthPrefix(std::string_view(buffer_).substr(readPos_));
    if (prefix.status == LengthPrefix::Status::Incomplete) {
        return false;  // wait for more bytes
    }
    if (prefix.status == LengthPrefix::Status::TooLong) {
        error_ = DecodeError::VarintTooLong;
        return false;
    }
    // Judge the size from the prefix alone, before waiting for the payload.
    if (prefix.value > maxFrameBytes_ || prefix.value > UINT32_MAX) {
        claimedLength_ = prefix.value;
        error_ = DecodeError::FrameTooLarge;
        return false;
    }
    length = static_cast<std::uint32_t>(prefix.value);
    prefixBytes = prefix.bytes;
    return true;
}

bool FrameDecoder::nextPayload(std::string_view& payload) {
    if (failed()) {
        return false;
    }
    std::uint32_t length = 0;
    std::size_t prefixBytes = 0;
    if (!readPrefix(length, prefixBytes)) {
        return false;
    }
    if (buffer_.size() - readPos_ - prefixBytes < length) {
        return false;  // payload incomplete
    }
    payload = std::string_view(buffer_).substr(readPos_ + prefixBytes, length);
    readPos_ += prefixBytes + length;
    return true;
}

bool FrameDecoder::next(hermes::v1::Envelope& out) {
    std::string_view payload;
    if (!nextPayload(payload)) {
        return false;
    }
    if (!parseEnvelope(payload, out)) {
        error_ = DecodeError::BadPayload;
        return false;
    }
    return true;
}

void FrameDecoder::compact() {
    if (readPos_ == 0) {
        return;
    }
    if (readPos_ == buffer_.size()) {
        buffer_.clear();
    } else {
        buffer_.erase(0, readPos_);
    }
    readPos_ = 0;
}

void FrameDecoder::shrink() {
    if (readPos_ == buffer_.size()) {
        std::string().swap(buffer_);
        readPos_ = 0;
    }
}

}  // namespace hermes::codec

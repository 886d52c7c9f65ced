#include "hermes/codec/FrameDecoder.hpp"

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
    std::uint64_t value = 0;
    const std::size_t available = buffer_.size() - readPos_;
    for (std::size_t i = 0; i < kMaxVarintBytes; ++i) {
        if (i == available) {
            return false;  // incomplete prefix: wait for more bytes
        }
        const auto byte = static_cast<std::uint8_t>(buffer_[readPos_ + i]);
        value |= static_cast<std::uint64_t>(byte & 0x7Fu) << (7 * i);
        if ((byte & 0x80u) == 0) {
            // Judge the size from the prefix alone, before waiting for the payload.
            if (value > maxFrameBytes_ || value > UINT32_MAX) {
                claimedLength_ = value;
                error_ = DecodeError::FrameTooLarge;
                return false;
            }
            length = static_cast<std::uint32_t>(value);
            prefixBytes = i + 1;
            return true;
        }
    }
    error_ = DecodeError::VarintTooLong;
    return false;
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

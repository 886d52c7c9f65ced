#include "EnvelopeScan.hpp"

namespace hermes::bench {

namespace {

constexpr std::uint32_t kWireVarint = 0;
constexpr std::uint32_t kWireFixed64 = 1;
constexpr std::uint32_t kWireLengthDelimited = 2;
constexpr std::uint32_t kWireFixed32 = 5;
constexpr int kMaxVarintBytes = 10;

bool readVarint(std::string_view& in, std::uint64_t& value) {
    value = 0;
    for (int i = 0; i < kMaxVarintBytes; ++i) {
        if (in.empty()) {
            return false;
        }
        const auto byte = static_cast<std::uint8_t>(in.front());
        in.remove_prefix(1);
        value |= static_cast<std::uint64_t>(byte & 0x7f) << (7 * i);
        if ((byte & 0x80) == 0) {
            return true;
        }
    }
    return false;
}

// Reads one field; for length-delimited fields `bytes` is its content.
bool readField(std::string_view& in, std::uint32_t& field, std::uint32_t& wire,
               std::uint64_t& number, std::string_view& bytes) {
    std::uint64_t tag = 0;
    if (!readVarint(in, tag) || (tag >> 3) == 0 || (tag >> 3) > UINT32_MAX) {
        return false;
    }
    field = static_cast<std::uint32_t>(tag >> 3);
    wire = static_cast<std::uint32_t>(tag & 7);
    switch (wire) {
        case kWireVarint:
            return readVarint(in, number);
        case kWireFixed64:
        case kWireFixed32: {
            const std::size_t width = wire == kWireFixed64 ? 8 : 4;
            if (in.size() < width) {
                return false;
            }
            in.remove_prefix(width);
            return true;
        }
        case kWireLengthDelimited: {
            std::uint64_t length = 0;
            if (!readVarint(in, length) || length > in.size()) {
                return false;
            }
            bytes = in.substr(0, static_cast<std::size_t>(length));
            in.remove_prefix(static_cast<std::size_t>(length));
            return true;
        }
        default:
            return false;  // groups are not part of proto3
    }
}

}  // namespace

bool scanEnvelope(std::string_view payload, ScannedBody& out) {
    out = ScannedBody{};
    while (!payload.empty()) {
        std::uint32_t field = 0;
        std::uint32_t wire = 0;
        std::uint64_t number = 0;
        std::string_view bytes;
        if (!readField(payload, field, wire, number, bytes)) {
            return false;
        }
        // In a oneof the last body on the wire wins, as in protobuf.
        if (wire == kWireLengthDelimited) {
            out.field = field;
            out.bytes = bytes;
        }
    }
    return out.field != 0;
}

bool scanChatMessage(std::string_view bytes, ScannedMessage& out) {
    out = ScannedMessage{};
    constexpr std::uint32_t kRoom = 1;
    constexpr std::uint32_t kSeq = 2;
    constexpr std::uint32_t kText = 8;
    while (!bytes.empty()) {
        std::uint32_t field = 0;
        std::uint32_t wire = 0;
        std::uint64_t number = 0;
        std::string_view value;
        if (!readField(bytes, field, wire, number, value)) {
            return false;
        }
        if (field == kSeq && wire == kWireVarint) {
            out.seq = number;
        } else if (field == kRoom && wire == kWireLengthDelimited) {
            out.room = value;
        } else if (field == kText && wire == kWireLengthDelimited) {
            out.text = value;
        }
    }
    return true;
}

}  // namespace hermes::bench

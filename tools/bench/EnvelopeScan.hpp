#pragma once
// A look at an Envelope's bytes without parsing it into objects.
//
// At T1 rates the bench receives millions of frames a second on one core
// shared with the hub; a full protobuf parse of each (and of the O(N^2) nicks
// a 5,000-client join storm sends in Presence and MemberList frames) would
// make the bench, not the hub, the limit. So only the envelope's body field
// number is read, and for a ChatMessage its seq, room and text; every other
// frame the bench cares about (Welcome, Error, Ping, a Who answer) is rare and
// is parsed in full with hermes::codec::parseEnvelope.
//
// Envelope wire layout (proto/hermes/v1/hermes.proto): one length-delimited
// field whose number is the body type (7 = ChatMessage, 8 = Presence, ...).
// ChatMessage fields read here: room = 1 (bytes), seq = 2 (varint),
// text = 8 (bytes); every other field is skipped by its wire type.
//
// Both scanners are inline and make one pass over the bytes: this is the
// bench's per-delivery hot path, and a tag below 16 (all of ChatMessage's) or
// a varint below 128 takes a single compare. Malformed input (a truncated
// field, a varint over 10 bytes, field number 0, a group) is rejected.
//
// Threading: free functions, no state.

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace hermes::bench {

// Envelope.body field numbers the bench tells apart.
enum class BodyType : std::uint32_t {
    Unknown = 0,
    Welcome = 2,
    Message = 7,
    Presence = 8,
    Members = 9,
    HistoryPage = 15,
    Ping = 16,
    Pong = 17,
    Error = 18,
    Bye = 19,
    MembersPage = 126,
};

struct ScannedBody {
    std::uint32_t field = 0;  // the body's field number (see BodyType)
    std::string_view bytes;   // the body message's serialized bytes
};

struct ScannedMessage {
    std::uint64_t seq = 0;
    std::string_view room;
    std::string_view text;
};

namespace scan_detail {

inline constexpr std::uint32_t kWireVarint = 0;
inline constexpr std::uint32_t kWireFixed64 = 1;
inline constexpr std::uint32_t kWireLengthDelimited = 2;
inline constexpr std::uint32_t kWireFixed32 = 5;
inline constexpr int kMaxVarintBytes = 10;

// Reads a varint starting at p. Returns the byte after it, or nullptr if it
// runs past `end` or over 10 bytes.
inline const char* readVarint(const char* p, const char* end, std::uint64_t& value) {
    if (p < end && static_cast<std::uint8_t>(*p) < 0x80) {
        value = static_cast<std::uint8_t>(*p);
        return p + 1;
    }
    std::uint64_t result = 0;
    for (int i = 0; i < kMaxVarintBytes && p < end; ++i) {
        const auto byte = static_cast<std::uint8_t>(*p++);
        result |= static_cast<std::uint64_t>(byte & 0x7f) << (7 * i);
        if (byte < 0x80) {
            value = result;
            return p;
        }
    }
    return nullptr;
}

// Steps over a varint whose value is not needed (cheaper than reading it).
inline const char* skipVarint(const char* p, const char* end) {
    const char* const last = end - p > kMaxVarintBytes ? p + kMaxVarintBytes : end;
    for (; p < last; ++p) {
        if (static_cast<std::uint8_t>(*p) < 0x80) {
            return p + 1;
        }
    }
    return nullptr;
}

// Reads a tag; nullptr if malformed or the field number is 0 or too large.
inline const char* readTag(const char* p, const char* end, std::uint32_t& field,
                           std::uint32_t& wire) {
    std::uint64_t tag = 0;
    p = readVarint(p, end, tag);
    if (p == nullptr || (tag >> 3) == 0 || (tag >> 3) > UINT32_MAX) {
        return nullptr;
    }
    field = static_cast<std::uint32_t>(tag >> 3);
    wire = static_cast<std::uint32_t>(tag & 7);
    return p;
}

// Reads the value of a field whose tag was just read: a varint into `number`,
// a length-delimited field's content into `bytes`; fixed widths are skipped.
inline const char* readValue(const char* p, const char* end, std::uint32_t wire,
                             std::uint64_t& number, std::string_view& bytes) {
    switch (wire) {
        case kWireVarint:
            return readVarint(p, end, number);
        case kWireFixed64:
            return end - p >= 8 ? p + 8 : nullptr;
        case kWireFixed32:
            return end - p >= 4 ? p + 4 : nullptr;
        case kWireLengthDelimited: {
            std::uint64_t length = 0;
            p = readVarint(p, end, length);
            if (p == nullptr || length > static_cast<std::uint64_t>(end - p)) {
                return nullptr;
            }
            bytes = std::string_view(p, static_cast<std::size_t>(length));
            return p + length;
        }
        default:
            return nullptr;  // groups are not part of proto3
    }
}

}  // namespace scan_detail

// False if the payload is not a well-formed envelope with a body.
inline bool scanEnvelope(std::string_view payload, ScannedBody& out) {
    using namespace scan_detail;
    out = ScannedBody{};
    const char* p = payload.data();
    const char* const end = p + payload.size();
    while (p < end) {
        std::uint32_t field = 0;
        std::uint32_t wire = 0;
        std::uint64_t number = 0;
        std::string_view bytes;
        p = readTag(p, end, field, wire);
        if (p == nullptr || (p = readValue(p, end, wire, number, bytes)) == nullptr) {
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

// Reads a ChatMessage's seq, room and text (other fields are skipped). False
// if the bytes are malformed.
inline bool scanChatMessage(std::string_view bytes, ScannedMessage& out) {
    using namespace scan_detail;
    constexpr std::uint32_t kRoom = 1;
    constexpr std::uint32_t kSeq = 2;
    constexpr std::uint32_t kText = 8;
    out = ScannedMessage{};
    const char* p = bytes.data();
    const char* const end = p + bytes.size();
    while (p < end) {
        std::uint32_t field = 0;
        std::uint32_t wire = 0;
        p = readTag(p, end, field, wire);
        if (p == nullptr) {
            return false;
        }
        if (wire == kWireVarint) {
            p = field == kSeq ? readVarint(p, end, out.seq) : skipVarint(p, end);
            if (p == nullptr) {
                return false;
            }
            continue;
        }
        std::uint64_t number = 0;
        std::string_view value;
        if ((p = readValue(p, end, wire, number, value)) == nullptr) {
            return false;
        }
        if (wire == kWireLengthDelimited) {
            if (field == kRoom) {
                out.room = value;
            } else if (field == kText) {
                out.text = value;
            }
        }
    }
    return true;
}

// Calls onNick(nick) for each nick of a MembersPage, in order, and returns
// its next_after in `nextAfter` (empty: the last page). False if malformed.
// A member list check after a 15,000-client storm reads 225 M nicks: no
// objects per nick.
template <typename OnNick>
inline bool scanMembersPage(std::string_view bytes, std::string_view& nextAfter, OnNick&& onNick) {
    using namespace scan_detail;
    constexpr std::uint32_t kNicks = 2;
    constexpr std::uint32_t kNextAfter = 6;
    nextAfter = {};
    const char* p = bytes.data();
    const char* const end = p + bytes.size();
    while (p < end) {
        std::uint32_t field = 0;
        std::uint32_t wire = 0;
        std::uint64_t number = 0;
        std::string_view value;
        p = readTag(p, end, field, wire);
        if (p == nullptr || (p = readValue(p, end, wire, number, value)) == nullptr) {
            return false;
        }
        if (wire == kWireLengthDelimited) {
            if (field == kNicks) {
                onNick(value);
            } else if (field == kNextAfter) {
                nextAfter = value;
            }
        }
    }
    return true;
}

}  // namespace hermes::bench

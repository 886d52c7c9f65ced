#pragma once
// A look at an Envelope's bytes without parsing it into objects.
//
// At T1 rates the bench receives millions of frames a second on one core
// shared with the hub; a full protobuf parse of each (and of the O(N^2) nicks
// a 5,000-client join storm sends in Presence and MemberList frames) would
// make the bench, not the hub, the limit. So only the envelope's body field
// number is read, and for a ChatMessage its seq and text; every other frame
// the bench cares about (Welcome, Error, Ping, a Who answer) is rare and is
// parsed in full with hermes::codec::parseEnvelope.
//
// Envelope wire layout (proto/hermes/v1/hermes.proto): one length-delimited
// field whose number is the body type (7 = ChatMessage, 8 = Presence, ...).
//
// Threading: free functions, no state.

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
};

struct ScannedBody {
    std::uint32_t field = 0;  // the body's field number (see BodyType)
    std::string_view bytes;   // the body message's serialized bytes
};

// False if the payload is not a well-formed single-body envelope.
bool scanEnvelope(std::string_view payload, ScannedBody& out);

struct ScannedMessage {
    std::uint64_t seq = 0;
    std::string_view room;
    std::string_view text;
};

// Reads a ChatMessage's seq, room and text (other fields are skipped).
bool scanChatMessage(std::string_view bytes, ScannedMessage& out);

}  // namespace hermes::bench

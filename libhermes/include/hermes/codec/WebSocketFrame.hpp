#pragma once
// The WebSocket frame (RFC 6455 section 5) as Hermes uses it: the browser's
// transport, where each binary message carries exactly one serialized
// hermes.v1.Envelope, without the varint length prefix of the TCP stream
// (docs/PROTOCOL.md "WebSocket").
//
//    0                   1                   2                   3
//    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//   +-+-+-+-+-------+-+-------------+-------------------------------+
//   |F|R|R|R| opcode|M| payload len |    extended payload length    |
//   |I|S|S|S|  (4)  |A|     (7)     |            (16/64)            |
//   |N|V|V|V|       |S|             |  (if payload len == 126/127)  |
//   | |1|2|3|       |K|             |                               |
//   +-+-+-+-+-------+-+-------------+ - - - - - - - - - - - - - - - +
//   |  extended payload length, continued, if payload len == 127    |
//   + - - - - - - - - - - - - - - - +-------------------------------+
//   |                               | masking key, if MASK is set   |
//   +-------------------------------+-------------------------------+
//   | masking key (continued)       |          payload data         |
//   +-------------------------------- - - - - - - - - - - - - - - - +
//
// - payload len 0..125: the length; 126: a 16-bit length follows (126 up to
//   65535); 127: a 64-bit length follows (most significant bit 0, above
//   65535). Network byte order; the shortest form is required.
// - Frames from a client are masked: payload byte i is XORed with masking
//   key byte i % 4. Frames from the hub are not.
// - Control frames (close, ping, pong) carry at most 125 bytes and are never
//   fragmented; they may come between the fragments of a data message.
//
// POCO has a WebSocket class (Poco::Net::WebSocket), but it reads and writes
// a socket itself, one blocking frame at a time: there is no sans-io codec
// in it to drive from hermesd's epoll loop. WebSocketReader and
// WebSocketWriter are that codec, tested by feeding bytes
// (libhermes/tests/WebSocketCodecTest.cpp).
//
// Threading: constants and pure functions.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace hermes::codec {

enum class WsOpcode : std::uint8_t {
    Continuation = 0x0,
    Text = 0x1,
    Binary = 0x2,
    Close = 0x8,
    Ping = 0x9,
    Pong = 0xA,
};

// Close codes (RFC 6455 section 7.4.1, and 1013 from IANA's registry).
enum class WsCloseCode : std::uint16_t {
    Normal = 1000,           // the hub or client ended the session (Bye)
    GoingAway = 1001,        // the hub is shutting down; a browser leaving the page
    ProtocolError = 1002,    // broken framing: unmasked, reserved bits, bad opcode, ...
    UnsupportedData = 1003,  // a text message: Hermes takes binary messages only
    NoStatus = 1005,         // a close frame without a code (never sent)
    InvalidPayload = 1007,   // a close reason that is not UTF-8
    PolicyViolation = 1008,  // the hub's rules: flood, a fatal protocol Error
    MessageTooBig = 1009,    // a message over hub.max_frame_bytes
    InternalError = 1011,    // the hub failed while serving this client
    TryAgainLater = 1013,    // the hub is full
};

// Most payload bytes of a control frame.
inline constexpr std::size_t kWsMaxControlPayload = 125;
// Longest header of a client frame: 2 + 8 (64-bit length) + 4 (mask).
inline constexpr std::size_t kWsMaxClientHeaderBytes = 14;
// Longest header of a hub frame (unmasked).
inline constexpr std::size_t kWsMaxServerHeaderBytes = 10;

// The size of an unmasked header for a payload of `length` bytes: 2, 4 or 10.
constexpr std::size_t wsHeaderSize(std::uint64_t length) {
    return length < 126 ? 2 : length <= 0xFFFF ? 4 : 10;
}

// Writes the header of one unmasked, final (FIN) frame of `opcode` with a
// payload of `length` bytes to `out` (room for kWsMaxServerHeaderBytes);
// returns its size.
std::size_t writeWsHeader(WsOpcode opcode, std::uint64_t length, char* out);

// Appends one whole unmasked control frame (payload cut to 125 bytes).
void appendWsControlFrame(WsOpcode opcode, std::string_view payload, std::string& out);

// The payload of a close frame: the code, big-endian, then `reason` cut to
// fit 125 bytes (at a UTF-8 character boundary).
std::string wsClosePayload(WsCloseCode code, std::string_view reason);

// Whether a peer may send `code` in a close frame (1000-1003, 1007-1014,
// 3000-4999; never 1004-1006, 1015 or unassigned values).
bool wsCloseCodeAllowed(std::uint16_t code);

}  // namespace hermes::codec

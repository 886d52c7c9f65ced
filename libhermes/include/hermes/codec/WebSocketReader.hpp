#pragma once
// Turns what a WebSocket client sends (WebSocketFrame.hpp) into the Hermes
// byte stream the hub decodes: each binary message becomes one Hermes frame,
// its varint length and then its payload, unmasked. So a browser's session
// goes through the same FrameDecoder, limits and errors as a TCP client's.
//
//   client frames                      Hermes stream out
//   -------------                      -----------------
//   binary, FIN                        varint(length) + payload, streamed as
//                                      it arrives (the length is known)
//   binary !FIN, continuation...FIN    reassembled, then varint + message
//   ping                               none; pongOwed(): answer with a pong
//   pong                               none (counted)
//   close                              none; state() == PeerClosed
//   text                               Failed, 1003
//   unmasked, reserved bits, unknown   Failed, 1002
//   opcode, bad fragmentation, long
//   or fragmented control frame,
//   non-minimal length
//   a message over maxMessageBytes     the length prefix alone (its value is
//                                      over the limit), then Failed, 1009
//
// A message over the limit is handed on as its length prefix only: the hub
// judges it from the prefix (FrameDecoder), answers Error{FRAME_TOO_LARGE,
// fatal} exactly as for a TCP client, and closes the session; nothing of
// that size is ever buffered here. The hub's smaller limit before Welcome
// (hub.handshake_max_frame_bytes) is the hub's to apply, the same way.
//
// Memory: a fragmented message is held until its last fragment, at most
// maxMessageBytes; the buffer is released when the message is done, and when
// the reader fails or the peer closes (nothing more will be read). An idle
// reader holds no heap memory.
//
// Errors are final: after a failure or the peer's close, feed() takes no more.
//
// Threading: none. One reader belongs to one connection and one thread.

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "hermes/codec/WebSocketFrame.hpp"

namespace hermes::codec {

class WebSocketReader {
public:
    enum class State : std::uint8_t {
        Open,
        PeerClosed,  // a close frame arrived: answer it, then close
        Failed,      // the client broke the protocol: close with failureCode()
    };

    // A reassembly buffer grown past this is released after its message.
    static constexpr std::size_t kKeptMessageCapacity = 4096;

    explicit WebSocketReader(std::size_t maxMessageBytes) : maxMessageBytes_(maxMessageBytes) {}

    // Feeds bytes from the socket, split anywhere. Appends the Hermes stream
    // they complete to `hermes`. Returns state().
    State feed(std::string_view bytes, std::string& hermes);

    State state() const { return state_; }

    // Failed: the close code to send and why, for the log and the close frame.
    WsCloseCode failureCode() const { return failureCode_; }
    std::string_view failure() const { return failure_; }
    // Failed because a message was over maxMessageBytes: its length prefix
    // went out, and the hub answers it.
    bool oversized() const { return failureCode_ == WsCloseCode::MessageTooBig; }

    // PeerClosed: the code the client sent (NoStatus if none).
    std::uint16_t peerCloseCode() const { return peerCloseCode_; }

    // Control frames (ping, pong, close) received so far.
    std::uint64_t controlFrames() const { return controlFrames_; }

    // A ping is waiting for its pong: the newest one's payload. RFC 6455
    // 5.5.3 lets an endpoint answer only the most recent of several pings.
    bool pongOwed() const { return pongOwed_; }
    std::string_view pingPayload() const { return ping_; }
    void pongQueued() {
        pongOwed_ = false;
        std::string().swap(ping_);
    }

    // Bytes of an unfinished fragmented message held, and the capacity of
    // the buffer that holds them.
    std::size_t reassembling() const { return message_.size(); }
    std::size_t reassemblyCapacity() const { return message_.capacity(); }
    std::size_t maxMessageBytes() const { return maxMessageBytes_; }

private:
    enum class Sink : std::uint8_t { Stream, Message, Control };

    bool headerComplete();  // false: more bytes needed (or failed)
    void startFrame(std::string& hermes);
    void endFrame(std::string& hermes);
    void takePayload(std::string_view& bytes, std::string& hermes);
    void fail(WsCloseCode code, std::string_view why);
    // The reader is done (failed, or the peer closed): frees what it holds.
    void release();
    void oversize(std::uint64_t length, std::string& hermes);
    void unmask(char* bytes, std::size_t count);

    std::size_t maxMessageBytes_;
    State state_ = State::Open;
    WsCloseCode failureCode_ = WsCloseCode::Normal;
    std::string_view failure_;  // a literal
    std::uint16_t peerCloseCode_ = 0;

    // The header being read.
    std::array<std::uint8_t, kWsMaxClientHeaderBytes> header_{};
    std::uint8_t headerHave_ = 0;
    bool inPayload_ = false;

    // The frame whose payload is being read.
    WsOpcode opcode_ = WsOpcode::Binary;
    bool fin_ = false;
    Sink sink_ = Sink::Stream;
    std::uint8_t maskPos_ = 0;
    std::array<std::uint8_t, 4> mask_{};
    std::uint64_t left_ = 0;

    bool fragmented_ = false;  // a binary message's later fragments are due
    std::string message_;      // its fragments so far
    std::string control_;      // the control frame's payload so far
    bool pongOwed_ = false;
    std::string ping_;
    std::uint64_t controlFrames_ = 0;
};

}  // namespace hermes::codec

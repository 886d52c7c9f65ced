#pragma once
// hermes-bench's WebSocket transport (--ws): what a browser's connection to
// hermesd's http.port looks like on the wire, for one bench client.
//
//   out: the upgrade request (GET /ws), then each Envelope as one masked
//        binary frame (RFC 6455), held back until the 101 arrived
//   in:  the 101's head, then unmasked binary frames from the hub, one
//        Envelope each; payloads are handed out where they lie in the
//        chunk received (as FrameSplitter does for TCP), and only a frame
//        split across two reads is copied
//
// The hub's side of this is libhermes's WebSocketReader/WebSocketWriter;
// this is a separate, minimal client so that the bench does not test the
// hub with the hub's own codec.
//
// Threading: none. One stream belongs to one client and one thread.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <google/protobuf/message_lite.h>

namespace hermes::bench {

class WebSocketStream {
public:
    // A split frame's tail past this is released once done.
    static constexpr std::size_t kKeptTailCapacity = 64 * 1024;
    // Largest upgrade answer head taken.
    static constexpr std::size_t kMaxHeadBytes = 8192;

    explicit WebSocketStream(std::size_t maxMessageBytes) : maxMessageBytes_(maxMessageBytes) {}

    // The upgrade request for a hub at host:port (its HTTP port), with the
    // Origin a page served there would send.
    static std::string upgradeRequest(const std::string& host, std::uint16_t port);

    // Appends `message` as one masked binary frame.
    static void appendMessage(const google::protobuf::MessageLite& message, std::string& out);

    // Feeds bytes from the hub: calls onPayload(std::string_view) for each
    // binary message completed, in order; it returns false to stop. The view
    // is valid only during the call. Does nothing once failed().
    template <class OnPayload>
    void feed(std::string_view chunk, OnPayload&& onPayload);

    bool upgraded() const { return upgraded_; }
    bool failed() const { return !error_.empty(); }
    const std::string& error() const { return error_; }

private:
    enum class Parse : std::uint8_t { Complete, Incomplete, Bad };
    // Reads a frame header at `p`: the payload's offset and length.
    Parse header(const char* p, std::size_t available, std::size_t& offset, std::uint64_t& length);
    // Handles one whole frame; false to stop.
    template <class OnPayload>
    bool frame(const char* p, std::size_t offset, std::uint64_t length, OnPayload& onPayload);
    bool takeHead(std::string_view& chunk);

    std::size_t maxMessageBytes_;
    bool upgraded_ = false;
    std::string tail_;  // the 101's head so far, or a frame split across reads
    std::string error_;
};

template <class OnPayload>
bool WebSocketStream::frame(const char* p, std::size_t offset, std::uint64_t length,
                            OnPayload& onPayload) {
    const auto opcode = static_cast<std::uint8_t>(p[0]) & 0x0Fu;
    const bool fin = (static_cast<std::uint8_t>(p[0]) & 0x80u) != 0;
    if (opcode == 0x2 && fin) {
        return onPayload(std::string_view(p + offset, static_cast<std::size_t>(length)));
    }
    if (opcode == 0x8) {
        error_ = "the hub closed the WebSocket";
        if (length >= 2) {
            const auto code = (static_cast<unsigned>(static_cast<std::uint8_t>(p[offset])) << 8) |
                              static_cast<std::uint8_t>(p[offset + 1]);
            error_ += " (close " + std::to_string(code) + ": " +
                      std::string(p + offset + 2, static_cast<std::size_t>(length - 2)) + ")";
        }
        return false;
    }
    if (opcode == 0xA) {
        return true;  // a pong: the bench sends no pings
    }
    error_ = "an unexpected frame from the hub (opcode " + std::to_string(opcode) +
             (fin ? "" : ", fragmented") + ")";
    return false;
}

template <class OnPayload>
void WebSocketStream::feed(std::string_view chunk, OnPayload&& onPayload) {
    if (failed()) {
        return;
    }
    if (!upgraded_ && !takeHead(chunk)) {
        return;
    }
    std::size_t offset = 0;
    std::uint64_t length = 0;
    if (!tail_.empty()) {
        // Complete the split frame: its header first, then its payload.
        for (;;) {
            const Parse parsed = header(tail_.data(), tail_.size(), offset, length);
            if (parsed == Parse::Bad) {
                return;
            }
            if (parsed == Parse::Complete) {
                break;
            }
            if (chunk.empty()) {
                return;
            }
            tail_.push_back(chunk.front());
            chunk.remove_prefix(1);
        }
        const std::size_t missing = offset + static_cast<std::size_t>(length) - tail_.size();
        const std::size_t take = missing < chunk.size() ? missing : chunk.size();
        tail_.append(chunk.data(), take);
        chunk.remove_prefix(take);
        if (take < missing) {
            return;
        }
        const bool go = frame(tail_.data(), offset, length, onPayload);
        tail_.clear();
        if (tail_.capacity() > kKeptTailCapacity) {
            std::string().swap(tail_);
        }
        if (!go) {
            return;
        }
    }
    const char* p = chunk.data();
    const char* const end = p + chunk.size();
    while (p < end) {
        const auto available = static_cast<std::size_t>(end - p);
        const Parse parsed = header(p, available, offset, length);
        if (parsed == Parse::Bad) {
            return;
        }
        if (parsed == Parse::Incomplete || available - offset < length) {
            break;
        }
        if (!frame(p, offset, length, onPayload)) {
            return;
        }
        p += offset + static_cast<std::size_t>(length);
    }
    tail_.assign(p, static_cast<std::size_t>(end - p));
}

}  // namespace hermes::bench

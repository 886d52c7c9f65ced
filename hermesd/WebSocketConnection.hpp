#pragma once
// A browser's connection: WebSocket (RFC 6455) on a socket whose HTTP
// upgrade the HTTP listener already answered (WebSocketUpgrade.hpp). The
// second ClientConnection (ClientConnection.hpp), a sibling of TcpConnection
// in the same epoll loop: a browser session costs no thread.
//
//   read():  frames in -> WebSocketReader -> the Hermes stream for the hub
//            (each binary message = one Envelope, given its varint length)
//   write(): the hub's Hermes frames -> WebSocketWriter -> one binary
//            message each, in one sendmsg() (small frames copied beside their
//            headers, long ones sent from the hub's own buffers)
//
// The transport's own rules, beside the hub's:
// - a ping is answered with a pong (only the newest, if several wait);
//   control frames take a token of a bucket with the hub's rate and
//   rate_burst + flood_backlog tokens, so the transport answers no more pings
//   than the hub would take Envelopes; past it the session ends (close 1008);
// - a text frame ends the session with close 1003, a framing fault (an
//   unmasked frame, reserved bits, a bad opcode or fragmentation) with 1002;
//   the reason is logged as the session's quit reason; messages decoded
//   before it in the same read still go to the hub (Read::bytes with
//   Closed), as a TCP client's frames before a bad one do;
// - a message over hub.max_frame_bytes reaches the hub as its length prefix
//   alone: the hub answers Error{FRAME_TOO_LARGE, fatal} as for TCP, and
//   farewell() sends close 1009; meanwhile input is discarded;
// - the client's close is answered with a close (its code echoed) and ends
//   the session, after the hub has had what the client sent before it (its
//   last lines, a Bye); when the hub ends it, farewell() sends the close
//   frame with the code for the hub's reason (closeCodeFor()).
//
// It owns a dup() of the upgraded socket's descriptor, and closes it: POCO's
// HTTP connection object keeps a reference to its own socket until its thread
// has finished with it, later than the handoff, so a shared POCO socket could
// be closed by either thread, in an order ThreadSanitizer cannot see (POCO's
// reference count is not instrumented). With the dup, POCO closes its
// descriptor on its thread and the loop closes this one on its own; the
// connection stays up while either is open.
//
// Over https (http.tls) the bytes on the socket are TLS records: the session
// the HTTP server thread negotiated (HttpsSocket.hpp) comes with the socket,
// and a TlsChannel (TlsChannel.hpp) moves the WebSocket frames through it;
// without it the frames go to the socket as they are, one sendmsg() a write.
// What the frames mean is the same either way.
//
// Threading: built on an HTTP server thread, then the loop thread only.

#include <memory>

#include "ClientConnection.hpp"
#include "SocketIo.hpp"
#include "TlsChannel.hpp"
#include "hermes/codec/WebSocketReader.hpp"
#include "hermes/codec/WebSocketWriter.hpp"
#include "hermes/protocol/TokenBucket.hpp"

namespace hermesd {

struct WebSocketSettings {
    std::size_t maxMessageBytes = 65536;  // hub.max_frame_bytes
    double controlRatePerSecond = 5;      // hub.rate_per_second (0 = unlimited)
    double controlBurst = 30;             // hub.rate_burst + hub.flood_backlog
};

class WebSocketConnection final : public ClientConnection {
public:
    // The most runs one write() sends.
    static constexpr std::size_t kMaxRuns = kMaxSendPieces;

    // `fd`: an upgraded, connected, non-blocking socket, owned from now on.
    // `early`: bytes the HTTP server read past the upgrade request (a client
    // that did not wait for the 101), handled first: plaintext, decrypted
    // already over https. `tls`: the https session, or null for plain HTTP.
    // `peer`: for log lines.
    WebSocketConnection(int fd, std::string early, const WebSocketSettings& settings,
                        std::unique_ptr<hermes::tls::TlsStream> tls = nullptr,
                        std::string peer = {});
    ~WebSocketConnection() override;

    std::string_view kind() const override { return tls_ ? "websocket-tls" : "websocket"; }
    int fd() const override { return fd_; }
    Read read(std::span<char> scratch) override;
    bool bufferedInput() const override { return !early_.empty(); }
    Written write(std::span<const std::string_view> pieces) override;
    bool pendingOutput() const override {
        return writer_.pendingOutput() || (tls_ && tls_->pendingOutput());
    }
    void farewell(hermes::hub::CloseReason cause) override;
    void closeWrite() override;

    // The close code for a session the hub ended.
    static hermes::codec::WsCloseCode closeCodeFor(hermes::hub::CloseReason cause);

private:
    // Closed, with a close frame queued; `before`: the Hermes bytes decoded
    // in this read before the end, for the hub.
    Read endSession(hermes::codec::WsCloseCode code, std::string why, std::string_view before);

    int fd_;
    std::string early_;
    std::unique_ptr<TlsChannel> tls_;  // null: plain HTTP
    hermes::codec::WebSocketReader reader_;
    hermes::codec::WebSocketWriter writer_;
    hermes::protocol::TokenBucket controlBucket_;
    std::uint64_t controlFramesCounted_ = 0;
};

}  // namespace hermesd

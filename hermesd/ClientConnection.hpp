#pragma once
// One client's connection at the network edge, whatever carries it. The
// event loop (EventLoop.hpp) moves Hermes frame bytes between it and the
// hub, and knows nothing else about the transport:
//
//   the descriptor is readable -> read()      -> Hermes bytes for Hub::receive
//   the hub has output         -> write()     -> how many of those bytes were
//                                                taken, for Hub::consumed
//   the hub is done with it    -> write() of its last bytes, farewell(why),
//                                 write() of the transport's own last bytes
//                                 (pendingOutput()), closeWrite(), then read()
//                                 and discard until the peer closes
//
// TcpConnection (plain TCP, the Hermes framing as is) is the first
// implementation; WebSocketConnection (a browser: one binary message per
// Envelope) the second. A TLS connection would decrypt in read() and encrypt
// in write(), holding records it could not send yet (pendingOutput()); an IRC
// translator would turn IRC lines into Hermes frames and back. None of them
// touches the hub, which only ever sees Hermes bytes.
//
// Threading: built on an acceptor (or HTTP) thread, then used by the loop
// thread only.

#include <chrono>
#include <cstddef>
#include <span>
#include <string>
#include <string_view>

#include "hermes/hub/CloseReason.hpp"

namespace hermesd {

class ClientConnection {
public:
    virtual ~ClientConnection() = default;
    ClientConnection() = default;
    ClientConnection(const ClientConnection&) = delete;
    ClientConnection& operator=(const ClientConnection&) = delete;

    // What the transport is, for log lines ("tcp").
    virtual std::string_view kind() const = 0;
    // The descriptor the loop watches; readable and writable as epoll says.
    virtual int fd() const = 0;

    struct Read {
        enum class Status { Bytes, Nothing, Closed };
        Status status = Status::Nothing;
        // Hermes bytes, valid until the next call. Bytes: never empty.
        // Closed: what the client sent before the end in the same read (a
        // WebSocket's last messages before its close frame or a framing
        // fault), possibly empty; the hub gets them before it hears of the
        // close, as it would over TCP, where the end comes in a later read.
        std::string_view bytes;
        std::string why;  // Closed: "connection closed" or the error
        // Closed: the transport's own handshake failed before any Hermes
        // byte (TLS), counted as a handshake failure in /metrics.
        bool handshakeFailed = false;
    };
    // Reads what is there now, at most once (the loop is fair between
    // connections); `scratch` may hold the bytes it returns. Closed ends the
    // session; the transport may still hold last bytes of its own (a
    // WebSocket close frame: pendingOutput()), which the loop writes before
    // it closes the socket.
    virtual Read read(std::span<char> scratch) = 0;
    // True when bytes were read from the socket before the loop had the
    // connection (with an HTTP upgrade request): no epoll event announces
    // them, so the loop calls read() once at adoption, or, if the hub's
    // input is paused then, when it resumes.
    virtual bool bufferedInput() const { return false; }
    // The least time between two sends to this client: an IRC member's
    // irc.send_interval_ms (hermes::irc::IrcSendPacer, docs/IRC.md "Cost").
    // Zero (every other transport): the loop writes output as soon as it is
    // ready.
    virtual std::chrono::microseconds sendInterval() const { return {}; }

    struct Written {
        std::size_t bytes = 0;  // of the pieces given, taken for good
        bool blocked = false;   // the socket is full: wait for writable
        bool failed = false;
        std::string why;  // failed: the error
    };
    // Writes the transport's own pending bytes first, then the pieces, in
    // order, as far as the transport takes them now. May be called with no
    // pieces to write only its own. Without `blocked` or `failed`, a call
    // that took none of the pieces made progress with its own bytes.
    virtual Written write(std::span<const std::string_view> pieces) = 0;
    // True while the transport holds bytes of its own not yet written (a TLS
    // record, a WebSocket header or pong): the loop writes them even when the
    // hub has nothing, and waits for writable while they remain.
    virtual bool pendingOutput() const { return false; }
    // The hub is done with the session for `cause`, and its last bytes are
    // written: the transport's own last words (a WebSocket close frame with
    // the code for `cause`, a TLS close_notify) become pendingOutput().
    virtual void farewell(hermes::hub::CloseReason /*cause*/) {}
    // No more bytes will be written: the peer sees the end of the stream.
    virtual void closeWrite() = 0;
};

}  // namespace hermesd

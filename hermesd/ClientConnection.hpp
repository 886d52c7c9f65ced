#pragma once
// One client's connection at the network edge, whatever carries it. The
// event loop (EventLoop.hpp) moves Hermes frame bytes between it and the
// hub, and knows nothing else about the transport:
//
//   the descriptor is readable -> read()      -> Hermes bytes for Hub::receive
//   the hub has output         -> write()     -> how many of those bytes were
//                                                taken, for Hub::consumed
//   the hub is done with it    -> write() of its last bytes, closeWrite(),
//                                 then read() and discard until the peer closes
//
// TcpConnection (plain TCP, the Hermes framing as is) is the first
// implementation. A TLS connection would decrypt in read() and encrypt in
// write(), holding records it could not send yet (pendingOutput()); a
// WebSocket connection would unwrap and wrap frames; an IRC translator
// would turn IRC lines into Hermes frames and back. None of them touches the
// hub, which only ever sees Hermes bytes.
//
// Threading: built on an acceptor thread, then used by the loop thread only.

#include <cstddef>
#include <span>
#include <string>
#include <string_view>

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
        std::string_view bytes;  // Bytes: Hermes bytes, valid until the next call
        std::string why;         // Closed: "connection closed" or the error
    };
    // Reads what is there now, at most once (the loop is fair between
    // connections); `scratch` may hold the bytes it returns.
    virtual Read read(std::span<char> scratch) = 0;

    struct Written {
        std::size_t bytes = 0;  // of the pieces given, taken for good
        bool blocked = false;   // the socket is full: wait for writable
        bool failed = false;
        std::string why;  // failed: the error
    };
    // Writes the pieces, in order, as far as the transport takes them now.
    virtual Written write(std::span<const std::string_view> pieces) = 0;
    // True while the transport holds bytes of its own not yet written (a TLS
    // record, a WebSocket header): the loop keeps waiting for writable.
    virtual bool pendingOutput() const { return false; }
    // No more bytes will be written: the peer sees the end of the stream.
    virtual void closeWrite() = 0;
};

}  // namespace hermesd

#pragma once
// A client over plain TCP: the Hermes byte stream as it is on the socket.
// The first ClientConnection (ClientConnection.hpp). It holds the accepted
// POCO socket (non-blocking), which closes the descriptor when the last
// holder lets go: the loop, normally. (A dup() of the descriptor, closed
// here, would let POCO close its own on the acceptor's thread; ThreadSanitizer
// cannot see the ordering POCO's uninstrumented reference count gives that
// close, and reports a race, so the socket is kept instead.) Writes of
// several pieces are one sendmsg() (a session's queued segments), one piece
// one send(). A client that starts a TLS handshake on this port (tls.enabled
// is off) is logged, so the operator sees why it failed.
//
// Threading: built on an acceptor thread, then the loop thread only.

#include <sys/uio.h>

#include <Poco/Net/StreamSocket.h>

#include "ClientConnection.hpp"

namespace hermesd {

class TcpConnection final : public ClientConnection {
public:
    // `socket`: connected and non-blocking. `peer`: for the log line about a
    // TLS client on this plaintext port.
    explicit TcpConnection(const Poco::Net::StreamSocket& socket, std::string peer = {})
        : socket_(socket), fd_(socket_.impl()->sockfd()), peer_(std::move(peer)) {}

    std::string_view kind() const override { return "tcp"; }
    int fd() const override { return fd_; }
    Read read(std::span<char> scratch) override;
    Written write(std::span<const std::string_view> pieces) override;
    void closeWrite() override;

private:
    Poco::Net::StreamSocket socket_;
    int fd_;
    std::string peer_;
    // The first two bytes, until they show whether the client started a TLS
    // handshake here (logged: the hub answers it BAD_FRAME in plaintext).
    std::string firstBytes_;
    bool firstBytesChecked_ = false;
};

}  // namespace hermesd

#pragma once
// A client over plain TCP: the Hermes byte stream as it is on the socket.
// The first ClientConnection (ClientConnection.hpp). It owns a non-blocking
// descriptor and closes it when destroyed. Writes of several pieces are one
// sendmsg() (a session's queued segments), one piece one send().
//
// Threading: built on an acceptor thread, then the loop thread only.

#include <sys/uio.h>

#include <array>

#include "ClientConnection.hpp"

namespace hermesd {

class TcpConnection final : public ClientConnection {
public:
    // Takes ownership of `fd` (connected, non-blocking).
    explicit TcpConnection(int fd) : fd_(fd) {}
    ~TcpConnection() override;

    std::string_view kind() const override { return "tcp"; }
    int fd() const override { return fd_; }
    Read read(std::span<char> scratch) override;
    Written write(std::span<const std::string_view> pieces) override;
    void closeWrite() override;

    // The most pieces one write() sends; the rest wait for the next call.
    static constexpr std::size_t kMaxIovecs = 64;

private:
    int fd_;
};

}  // namespace hermesd

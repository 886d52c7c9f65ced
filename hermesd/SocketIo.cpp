#include "SocketIo.hpp"

#include <sys/socket.h>
#include <sys/uio.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <system_error>

namespace hermesd {

namespace {

bool wouldBlock(int error) {
    return error == EAGAIN || error == EWOULDBLOCK;
}

}  // namespace

std::string errnoText(int error) {
    return std::generic_category().message(error);
}

ClientConnection::Read receiveInto(int fd, std::span<char> scratch) {
    ClientConnection::Read result;
    ssize_t n = 0;
    do {
        n = ::recv(fd, scratch.data(), scratch.size(), 0);
    } while (n < 0 && errno == EINTR);
    if (n > 0) {
        result.status = ClientConnection::Read::Status::Bytes;
        result.bytes = std::string_view(scratch.data(), static_cast<std::size_t>(n));
    } else if (n < 0 && wouldBlock(errno)) {
        result.status = ClientConnection::Read::Status::Nothing;
    } else {
        result.status = ClientConnection::Read::Status::Closed;
        result.why = n == 0 ? "connection closed" : errnoText(errno);
    }
    return result;
}

ClientConnection::Written sendPieces(int fd, std::span<const std::string_view> pieces) {
    ClientConnection::Written result;
    const std::size_t count = std::min(pieces.size(), kMaxSendPieces);
    if (count == 0) {
        return result;
    }
    ssize_t n = 0;
    do {
        if (count == 1) {
            // The common case (one room's run of frames): skip the iovec import.
            n = ::send(fd, pieces[0].data(), pieces[0].size(), MSG_NOSIGNAL);
        } else {
            static thread_local std::array<iovec, kMaxSendPieces> iovecs;
            for (std::size_t i = 0; i < count; ++i) {
                iovecs[i].iov_base = const_cast<char*>(pieces[i].data());
                iovecs[i].iov_len = pieces[i].size();
            }
            msghdr message{};
            message.msg_iov = iovecs.data();
            message.msg_iovlen = count;
            n = ::sendmsg(fd, &message, MSG_NOSIGNAL);
        }
    } while (n < 0 && errno == EINTR);
    if (n >= 0) {
        result.bytes = static_cast<std::size_t>(n);
    } else if (wouldBlock(errno)) {
        result.blocked = true;
    } else {
        result.failed = true;
        result.why = errnoText(errno);
    }
    return result;
}

}  // namespace hermesd

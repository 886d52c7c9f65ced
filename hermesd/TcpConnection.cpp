#include "TcpConnection.hpp"

#include <sys/socket.h>

#include "SocketIo.hpp"

namespace hermesd {

ClientConnection::Read TcpConnection::read(std::span<char> scratch) {
    return receiveInto(fd_, scratch);
}

ClientConnection::Written TcpConnection::write(std::span<const std::string_view> pieces) {
    return sendPieces(fd_, pieces);
}

void TcpConnection::closeWrite() {
    ::shutdown(fd_, SHUT_WR);
}

}  // namespace hermesd

#include "TcpConnection.hpp"

#include <sys/socket.h>

#include <Poco/Logger.h>

#include "SocketIo.hpp"
#include "hermes/tls/TlsStream.hpp"

namespace hermesd {

ClientConnection::Read TcpConnection::read(std::span<char> scratch) {
    Read got = receiveInto(fd_, scratch);
    if (!firstBytesChecked_ && got.status == Read::Status::Bytes) {
        firstBytes_.append(got.bytes.substr(0, 2 - firstBytes_.size()));
        const auto kind = hermes::tls::classifyFirstBytes(firstBytes_);
        if (kind != hermes::tls::FirstBytes::Unknown) {
            firstBytesChecked_ = true;
            if (kind == hermes::tls::FirstBytes::Tls) {
                Poco::Logger::get("hermesd.tls")
                    .warning(
                        "%s: sent a TLS handshake (first byte 0x%02x) to this plaintext "
                        "port: the client uses --tls, but tls.enabled is false here",
                        peer_, static_cast<unsigned>(static_cast<unsigned char>(firstBytes_[0])));
            }
        }
    }
    return got;
}

ClientConnection::Written TcpConnection::write(std::span<const std::string_view> pieces) {
    return sendPieces(fd_, pieces);
}

void TcpConnection::closeWrite() {
    ::shutdown(fd_, SHUT_WR);
}

}  // namespace hermesd

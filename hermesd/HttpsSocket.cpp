#include "HttpsSocket.hpp"

#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>

#include <Poco/Logger.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/SocketAddress.h>

namespace hermesd {

namespace {

Poco::Logger& logger() {
    return Poco::Logger::get("hermesd.http");
}

class HttpsServerSocketImpl final : public Poco::Net::ServerSocketImpl {
public:
    explicit HttpsServerSocketImpl(const hermes::tls::TlsContext& context) : context_(context) {}

    Poco::Net::SocketImpl* acceptConnection(Poco::Net::SocketAddress& clientAddr) override {
        if (sockfd() == POCO_INVALID_SOCKET) {
            throw Poco::Net::InvalidSocketException();
        }
        sockaddr_storage address{};
        socklen_t length = sizeof(address);
        int fd = -1;
        do {
            fd = ::accept4(sockfd(), reinterpret_cast<sockaddr*>(&address), &length, SOCK_CLOEXEC);
        } while (fd < 0 && errno == EINTR);
        if (fd < 0) {
            error();  // throws, as SocketImpl::acceptConnection() does
        }
        clientAddr = Poco::Net::SocketAddress(reinterpret_cast<const sockaddr*>(&address), length);
        return new HttpsStreamSocketImpl(fd, context_, clientAddr.toString());
    }

private:
    const hermes::tls::TlsContext& context_;
};

}  // namespace

HttpsStreamSocketImpl::HttpsStreamSocketImpl(poco_socket_t fd,
                                             const hermes::tls::TlsContext& context,
                                             std::string peer)
    : Poco::Net::StreamSocketImpl(fd),
      stream_(std::make_unique<hermes::tls::TlsStream>(context)),
      peer_(std::move(peer)) {}

std::string HttpsStreamSocketImpl::plaintextRefusal() {
    const std::string body =
        "This port speaks https: open the page with https:// instead of http://.\n";
    return "HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\n"
           "Connection: close\r\nContent-Length: " +
           std::to_string(body.size()) + "\r\n\r\n" + body;
}

void HttpsStreamSocketImpl::flush() {
    while (stream_->hasOutput()) {
        const std::string_view out = stream_->output();
        const int chunk = static_cast<int>(std::min<std::size_t>(out.size(), 1 << 20));
        // SocketImpl's: one send(), which throws TimeoutException past the
        // send timeout and NetException on an error.
        const int sent = SocketImpl::sendBytes(out.data(), chunk, MSG_NOSIGNAL);
        if (sent <= 0) {
            throw Poco::Net::NetException("https: " + peer_ + " took no bytes");
        }
        stream_->consumed(static_cast<std::size_t>(sent));
    }
}

bool HttpsStreamSocketImpl::fill() {
    static thread_local std::array<char, 16 * 1024> scratch;
    while (plainStart_ == plain_.size()) {
        if (over_ || !stream_) {
            return false;
        }
        flush();
        if (stream_->state() == hermes::tls::TlsStream::State::Failed) {
            logger().warning(
                "%s: https: %s: %s", peer_,
                std::string(stream_->handshakeDone() ? "TLS failed" : "TLS handshake failed"),
                stream_->error());
            over_ = true;
            return false;
        }
        if (stream_->peerClosed()) {
            over_ = true;
            return false;
        }
        const int n = SocketImpl::receiveBytes(scratch.data(), static_cast<int>(scratch.size()));
        if (n <= 0) {
            if (decided_ && !stream_->handshakeDone()) {
                logger().warning("%s: https: closed during the TLS handshake", peer_);
            }
            over_ = true;
            return false;
        }
        const std::string_view bytes(scratch.data(), static_cast<std::size_t>(n));
        if (!decided_) {
            firstBytes_.append(bytes.substr(0, 2 - firstBytes_.size()));
            const auto kind = hermes::tls::classifyFirstBytes(firstBytes_);
            if (kind == hermes::tls::FirstBytes::NotTls) {
                logger().warning(
                    "%s: sent plaintext HTTP to the https port (first byte 0x%02x): answered "
                    "400, use https://",
                    peer_, static_cast<unsigned>(static_cast<unsigned char>(firstBytes_[0])));
                const std::string refusal = plaintextRefusal();
                SocketImpl::sendBytes(refusal.data(), static_cast<int>(refusal.size()),
                                      MSG_NOSIGNAL);
                over_ = true;
                return false;
            }
            decided_ = kind == hermes::tls::FirstBytes::Tls;
        }
        stream_->receive(bytes);
        if (plainStart_ > 0) {
            plain_.clear();
            plainStart_ = 0;
        }
        stream_->read(plain_);
        if (stream_->handshakeDone() && !handshakeLogged_) {
            handshakeLogged_ = true;
            logger().debug("%s: https: TLS handshake done (%s)", peer_, stream_->negotiated());
        }
    }
    return true;
}

int HttpsStreamSocketImpl::receiveBytes(void* buffer, int length, int /*flags*/) {
    if (length <= 0 || !fill()) {
        return 0;
    }
    const std::size_t n = std::min(plain_.size() - plainStart_, static_cast<std::size_t>(length));
    std::memcpy(buffer, plain_.data() + plainStart_, n);
    plainStart_ += n;
    return static_cast<int>(n);
}

int HttpsStreamSocketImpl::sendBytes(const void* buffer, int length, int /*flags*/) {
    if (!stream_ || over_ ||
        !stream_->write(std::string_view(static_cast<const char*>(buffer),
                                         static_cast<std::size_t>(std::max(length, 0))))) {
        throw Poco::Net::ConnectionResetException("https: " + peer_ + ": the TLS session is over");
    }
    flush();
    return length;
}

int HttpsStreamSocketImpl::available() {
    return static_cast<int>(plain_.size() - plainStart_);
}

bool HttpsStreamSocketImpl::poll(const Poco::Timespan& timeout, int mode) {
    // Plaintext already decrypted is readable though the descriptor is not.
    if ((mode & Poco::Net::Socket::SELECT_READ) != 0 && plainStart_ < plain_.size()) {
        return true;
    }
    return StreamSocketImpl::poll(timeout, mode);
}

HttpsStreamSocketImpl::Session HttpsStreamSocketImpl::takeStream() {
    Session session;
    session.unread = plain_.substr(plainStart_);
    plain_.clear();
    plainStart_ = 0;
    over_ = true;
    if (decided_) {
        session.stream = std::move(stream_);
    }
    return session;
}

HttpsServerSocket::HttpsServerSocket(const hermes::tls::TlsContext& context)
    : Poco::Net::ServerSocket(new HttpsServerSocketImpl(context), true) {}

}  // namespace hermesd

#include "TlsChannel.hpp"

#include <Poco/Logger.h>

#include "SocketIo.hpp"

namespace hermesd {

namespace {

Poco::Logger& logger() {
    return Poco::Logger::get("hermesd.tls");
}

ClientConnection::Read closed(std::string why, std::string_view before) {
    ClientConnection::Read result;
    result.status = ClientConnection::Read::Status::Closed;
    result.why = std::move(why);
    result.bytes = before;
    return result;
}

}  // namespace

TlsChannel::TlsChannel(int fd, std::unique_ptr<hermes::tls::TlsStream> stream, std::string peer)
    : fd_(fd), stream_(std::move(stream)), peer_(std::move(peer)) {}

ClientConnection::Read TlsChannel::read(std::span<char> scratch) {
    ClientConnection::Read got = receiveInto(fd_, scratch);
    if (got.status == ClientConnection::Read::Status::Closed) {
        if (!stream_->handshakeDone()) {
            logger().warning("%s: TLS handshake not completed: %s", peer_, got.why);
            got.why = "closed during the TLS handshake: " + got.why;
        }
        return got;
    }
    if (got.status == ClientConnection::Read::Status::Nothing) {
        return got;
    }
    return decrypt(got.bytes);
}

ClientConnection::Read TlsChannel::decrypt(std::string_view ciphertext) {
    stream_->receive(ciphertext);
    plain_.clear();
    stream_->read(plain_);
    if (stream_->handshakeDone() && !handshakeLogged_) {
        handshakeLogged_ = true;
        logger().debug("%s: TLS handshake done (%s)", peer_, stream_->negotiated());
    }
    if (stream_->state() == hermes::tls::TlsStream::State::Failed) {
        const bool inHandshake = !stream_->handshakeDone();
        logger().warning("%s: %s: %s", peer_,
                         std::string(inHandshake ? "TLS handshake failed" : "TLS failed"),
                         stream_->error());
        ClientConnection::Read read = closed(
            (inHandshake ? "TLS handshake failed: " : "TLS failed: ") + stream_->error(), plain_);
        read.handshakeFailed = inHandshake;
        return read;
    }
    if (stream_->peerClosed()) {
        return closed("connection closed (TLS close_notify)", plain_);
    }
    ClientConnection::Read result;
    if (!plain_.empty()) {
        result.status = ClientConnection::Read::Status::Bytes;
        result.bytes = plain_;
    }
    return result;
}

bool TlsChannel::flush(ClientConnection::Written& out) {
    while (stream_->hasOutput()) {
        const std::string_view own = stream_->output();
        const ClientConnection::Written sent =
            sendPieces(fd_, std::span<const std::string_view>(&own, 1));
        if (sent.failed) {
            out.failed = true;
            out.why = sent.why;
            return false;
        }
        stream_->consumed(sent.bytes);
        if (sent.blocked) {
            out.blocked = true;
            return false;
        }
    }
    return true;
}

ClientConnection::Written TlsChannel::write(std::span<const std::string_view> pieces) {
    ClientConnection::Written result;
    if (!flush(result)) {
        return result;
    }
    // The pieces joined first: one SSL_write makes full 16 KiB records, where
    // a write per piece (a few frames each) would pay a record's header, tag
    // and cipher setup for every one. One buffer for all connections: they
    // are written on the loop thread only, one at a time.
    static thread_local std::string staging;
    std::string_view plain;
    if (pieces.size() == 1 || (!pieces.empty() && pieces[0].size() >= kMaxEncryptBytes)) {
        plain = pieces[0].substr(0, kMaxEncryptBytes);  // no copy: encrypted from where it is
    } else {
        staging.clear();
        for (const std::string_view piece : pieces) {
            if (staging.size() + piece.size() > kMaxEncryptBytes && !staging.empty()) {
                break;
            }
            staging.append(piece);
        }
        plain = staging;
    }
    if (!plain.empty() && !stream_->write(plain)) {
        result.failed = true;
        result.why = stream_->error().empty() ? "TLS session closed" : stream_->error();
        return result;
    }
    result.bytes = plain.size();
    flush(result);
    return result;
}

void TlsChannel::close() {
    if (stream_->handshakeDone() && stream_->state() == hermes::tls::TlsStream::State::Open) {
        stream_->close();
    }
}

}  // namespace hermesd

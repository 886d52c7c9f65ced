#include "TlsConnection.hpp"

#include <sys/socket.h>

#include <algorithm>

#include <Poco/Logger.h>

#include "SocketIo.hpp"
#include "hermes/codec/FrameEncoder.hpp"
#include "hermes/v1/hermes.pb.h"

namespace hermesd {

namespace {

Poco::Logger& logger() {
    return Poco::Logger::get("hermesd.tls");
}

ClientConnection::Read closed(std::string why) {
    ClientConnection::Read result;
    result.status = ClientConnection::Read::Status::Closed;
    result.why = std::move(why);
    return result;
}

}  // namespace

TlsConnection::TlsConnection(const Poco::Net::StreamSocket& socket,
                             const hermes::tls::TlsContext& context, std::string peer)
    : socket_(socket), fd_(socket_.impl()->sockfd()), peer_(std::move(peer)), stream_(context) {}

std::string TlsConnection::plaintextRefusal() {
    hermes::v1::Envelope envelope;
    auto* error = envelope.mutable_error();
    // PROTOCOL_VERSION: the client speaks another protocol than this port,
    // and clients do not reconnect after it.
    error->set_code(hermes::v1::ERROR_CODE_PROTOCOL_VERSION);
    error->set_text("this port speaks TLS: connect with --tls (or tls=true in the config)");
    error->set_fatal(true);
    return hermes::codec::encodeFrame(envelope);
}

ClientConnection::Read TlsConnection::read(std::span<char> scratch) {
    Read got = receiveInto(fd_, scratch);
    if (mode_ == Mode::Refused) {
        return got;  // lingering: the loop discards what the client still sends
    }
    if (got.status == Read::Status::Closed) {
        if (mode_ == Mode::Tls && !stream_.handshakeDone()) {
            logger().warning("%s: TLS handshake not completed: %s", peer_, got.why);
            got.why = "closed during the TLS handshake: " + got.why;
        }
        return got;
    }
    if (got.status == Read::Status::Nothing) {
        return got;
    }
    return mode_ == Mode::Deciding ? decide(got.bytes) : decrypt(got.bytes);
}

ClientConnection::Read TlsConnection::decide(std::string_view bytes) {
    firstBytes_.append(bytes.substr(0, 2));
    switch (hermes::tls::classifyFirstBytes(firstBytes_)) {
        case hermes::tls::FirstBytes::Unknown:
            // One byte so far (rare): keep it for the stream, wait for more.
            stream_.receive(bytes);
            return Read{};
        case hermes::tls::FirstBytes::NotTls:
            mode_ = Mode::Refused;
            refusal_ = plaintextRefusal();
            logger().warning(
                "%s: sent plaintext to the TLS port (first byte 0x%02x, not a TLS "
                "handshake record): told to connect with --tls, closed",
                peer_, static_cast<unsigned>(static_cast<unsigned char>(firstBytes_[0])));
            return closed("plaintext client on the TLS port");
        case hermes::tls::FirstBytes::Tls:
            mode_ = Mode::Tls;
            // A first byte alone (the Unknown case) is in the stream already.
            return decrypt(bytes);
    }
    return Read{};
}

ClientConnection::Read TlsConnection::decrypt(std::string_view ciphertext) {
    stream_.receive(ciphertext);
    plain_.clear();
    stream_.read(plain_);
    if (stream_.handshakeDone() && !handshakeLogged_) {
        handshakeLogged_ = true;
        logger().debug("%s: TLS handshake done (%s)", peer_, stream_.negotiated());
    }
    if (stream_.state() == hermes::tls::TlsStream::State::Failed) {
        const bool inHandshake = !stream_.handshakeDone();
        logger().warning("%s: %s: %s", peer_,
                         std::string(inHandshake ? "TLS handshake failed" : "TLS failed"),
                         stream_.error());
        Read result =
            closed((inHandshake ? "TLS handshake failed: " : "TLS failed: ") + stream_.error());
        result.bytes = plain_;
        return result;
    }
    if (stream_.peerClosed()) {
        Read result = closed("connection closed (TLS close_notify)");
        result.bytes = plain_;
        return result;
    }
    Read result;
    if (!plain_.empty()) {
        result.status = Read::Status::Bytes;
        result.bytes = plain_;
    }
    return result;
}

bool TlsConnection::flushOwn(Written& out) {
    while (true) {
        const std::string_view own =
            mode_ == Mode::Refused ? std::string_view(refusal_) : stream_.output();
        if (own.empty()) {
            return true;
        }
        const Written sent = sendPieces(fd_, std::span<const std::string_view>(&own, 1));
        if (sent.failed) {
            out.failed = true;
            out.why = sent.why;
            return false;
        }
        if (mode_ == Mode::Refused) {
            refusal_.erase(0, sent.bytes);
        } else {
            stream_.consumed(sent.bytes);
        }
        if (sent.blocked) {
            out.blocked = true;
            return false;
        }
    }
}

ClientConnection::Written TlsConnection::write(std::span<const std::string_view> pieces) {
    Written result;
    if (!flushOwn(result)) {
        return result;
    }
    if (mode_ == Mode::Refused) {
        return result;  // nothing the hub says reaches a client that speaks no TLS
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
    if (!plain.empty() && !stream_.write(plain)) {
        result.failed = true;
        result.why = stream_.error().empty() ? "TLS session closed" : stream_.error();
        return result;
    }
    result.bytes = plain.size();
    flushOwn(result);
    return result;
}

bool TlsConnection::pendingOutput() const {
    return mode_ == Mode::Refused ? !refusal_.empty() : stream_.hasOutput();
}

void TlsConnection::farewell(hermes::hub::CloseReason /*cause*/) {
    if (mode_ == Mode::Tls && stream_.handshakeDone()) {
        stream_.close();
    }
}

void TlsConnection::closeWrite() {
    ::shutdown(fd_, SHUT_WR);
}

}  // namespace hermesd

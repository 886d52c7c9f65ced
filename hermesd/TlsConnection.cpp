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
    : socket_(socket),
      fd_(socket_.impl()->sockfd()),
      peer_(std::move(peer)),
      channel_(fd_, std::make_unique<hermes::tls::TlsStream>(context), peer_) {}

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
    if (mode_ == Mode::Tls) {
        return channel_.read(scratch);
    }
    Read got = receiveInto(fd_, scratch);
    if (mode_ == Mode::Refused || got.status != Read::Status::Bytes) {
        return got;  // Refused: lingering, the loop discards what the client still sends
    }
    return decide(got.bytes);
}

ClientConnection::Read TlsConnection::decide(std::string_view bytes) {
    firstBytes_.append(bytes.substr(0, 2));
    switch (hermes::tls::classifyFirstBytes(firstBytes_)) {
        case hermes::tls::FirstBytes::Unknown:
            // One byte so far (rare): keep it for the stream, wait for more.
            channel_.stream().receive(bytes);
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
            return channel_.decrypt(bytes);
    }
    return Read{};
}

bool TlsConnection::flushOwn(Written& out) {
    if (mode_ != Mode::Refused) {
        return channel_.flush(out);
    }
    while (!refusal_.empty()) {
        const std::string_view own = refusal_;
        const Written sent = sendPieces(fd_, std::span<const std::string_view>(&own, 1));
        if (sent.failed) {
            out.failed = true;
            out.why = sent.why;
            return false;
        }
        refusal_.erase(0, sent.bytes);
        if (sent.blocked) {
            out.blocked = true;
            return false;
        }
    }
    return true;
}

ClientConnection::Written TlsConnection::write(std::span<const std::string_view> pieces) {
    if (mode_ != Mode::Refused) {
        return channel_.write(pieces);
    }
    Written result;
    flushOwn(result);
    return result;  // nothing the hub says reaches a client that speaks no TLS
}

bool TlsConnection::pendingOutput() const {
    return mode_ == Mode::Refused ? !refusal_.empty() : channel_.pendingOutput();
}

void TlsConnection::farewell(hermes::hub::CloseReason /*cause*/) {
    if (mode_ == Mode::Tls) {
        channel_.close();
    }
}

void TlsConnection::closeWrite() {
    ::shutdown(fd_, SHUT_WR);
}

}  // namespace hermesd

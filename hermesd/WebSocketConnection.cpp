#include "WebSocketConnection.hpp"

#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <system_error>

#include "SocketIo.hpp"
#include "hermes/hub/Clock.hpp"

namespace hermesd {

namespace {

using hermes::codec::WebSocketReader;
using hermes::codec::WsCloseCode;

std::string codeText(WsCloseCode code) {
    return std::to_string(static_cast<unsigned>(code));
}

}  // namespace

WebSocketConnection::WebSocketConnection(int fd, std::string early,
                                         const WebSocketSettings& settings,
                                         std::unique_ptr<hermes::tls::TlsStream> tls,
                                         std::string peer)
    : fd_(fd),
      early_(std::move(early)),
      tls_(tls ? std::make_unique<TlsChannel>(fd, std::move(tls), std::move(peer)) : nullptr),
      reader_(settings.maxMessageBytes),
      controlBucket_(settings.controlRatePerSecond, settings.controlBurst,
                     hermes::hub::Clock::now()) {}

WebSocketConnection::~WebSocketConnection() {
    ::close(fd_);
}

ClientConnection::Read WebSocketConnection::read(std::span<char> scratch) {
    Read result;
    std::string early;
    std::string_view in;
    // TLS may end the stream with the last plaintext the peer sent before
    // its close_notify or a bad record: those messages go to the hub first.
    std::string transportEnd;
    if (!early_.empty()) {
        early.swap(early_);
        in = early;
    } else {
        Read received = tls_ ? tls_->read(scratch) : receiveInto(fd_, scratch);
        if (received.status == Read::Status::Closed && !received.bytes.empty() &&
            reader_.state() == WebSocketReader::State::Open) {
            transportEnd = std::move(received.why);
        } else if (received.status != Read::Status::Bytes) {
            return received;  // Nothing, or Closed
        }
        in = received.bytes;
    }
    if (reader_.state() != WebSocketReader::State::Open) {
        return result;  // after a fault or the client's close only the end of the stream matters
    }

    // The loop thread's: the bytes returned stay valid until the next
    // read() of any WebSocketConnection, and the loop hands them to the hub
    // at once.
    static thread_local std::string hermes;
    hermes.clear();
    const WebSocketReader::State state = reader_.feed(in, hermes);

    // Whatever ends the session below, the messages decoded before it in
    // this read go to the hub first (Read::bytes with Closed).
    if (reader_.controlFrames() > controlFramesCounted_) {
        const auto now = hermes::hub::Clock::now();
        for (; controlFramesCounted_ < reader_.controlFrames(); ++controlFramesCounted_) {
            if (!controlBucket_.tryTake(now)) {
                return endSession(WsCloseCode::PolicyViolation,
                                  "websocket: control frames (pings) past the hub's rate limit",
                                  hermes);
            }
        }
    }
    if (reader_.pongOwed()) {
        writer_.queuePong(reader_.pingPayload());
        reader_.pongQueued();
    }

    switch (state) {
        case WebSocketReader::State::Open:
            break;
        case WebSocketReader::State::PeerClosed: {
            const std::uint16_t code = reader_.peerCloseCode();
            const bool normal = code == static_cast<std::uint16_t>(WsCloseCode::Normal) ||
                                code == static_cast<std::uint16_t>(WsCloseCode::GoingAway) ||
                                code == static_cast<std::uint16_t>(WsCloseCode::NoStatus);
            // Echo the client's code (RFC 6455 5.5.1). The messages it sent
            // before its close go to the hub first (a Bye's text is its
            // rooms' QUIT reason), as a TCP client's bytes before its FIN do.
            writer_.queueClose(code == static_cast<std::uint16_t>(WsCloseCode::NoStatus)
                                   ? WsCloseCode::Normal
                                   : static_cast<WsCloseCode>(code),
                               "");
            result.status = Read::Status::Closed;
            result.bytes = hermes;
            result.why = normal
                             ? "connection closed"
                             : "connection closed (websocket close " + std::to_string(code) + ")";
            return result;
        }
        case WebSocketReader::State::Failed:
            if (reader_.oversized()) {
                // The length prefix goes to the hub, which answers it as it
                // would on TCP and ends the session (farewell: close 1009).
                break;
            }
            // Messages decoded before the fault are handled, as a TCP
            // client's frames before a bad one are.
            return endSession(reader_.failureCode(),
                              "websocket: " + std::string(reader_.failure()) + " (close " +
                                  codeText(reader_.failureCode()) + ")",
                              hermes);
    }
    if (!transportEnd.empty()) {
        result.status = Read::Status::Closed;
        result.bytes = hermes;
        result.why = std::move(transportEnd);
        return result;
    }
    if (!hermes.empty()) {
        result.status = Read::Status::Bytes;
        result.bytes = hermes;
    }
    return result;
}

ClientConnection::Read WebSocketConnection::endSession(WsCloseCode code, std::string why,
                                                       std::string_view before) {
    // The close frame's reason: the part after "websocket: ", cut to fit.
    constexpr std::string_view kPrefix = "websocket: ";
    const std::string_view reason = std::string_view(why).substr(kPrefix.size());
    writer_.queueClose(code, reason.substr(0, reason.find(" (close")));
    Read result;
    result.status = Read::Status::Closed;
    result.bytes = before;
    result.why = std::move(why);
    return result;
}

ClientConnection::Written WebSocketConnection::write(std::span<const std::string_view> pieces) {
    // The loop thread's, shared by every connection: plan() and written()
    // run within this call.
    static thread_local hermes::codec::WebSocketWriter::Plan plan;
    static thread_local std::array<std::string_view, kMaxRuns> runs;
    Written result;
    // Over TLS, the records of earlier frames go first.
    if (tls_ && !tls_->flush(result)) {
        return result;
    }
    const std::size_t count = writer_.plan(pieces, plan, runs);
    if (count == 0) {
        if (!pieces.empty()) {
            // Only after the close frame, or on a stream that is not
            // Hermes frames: nothing of it can ever be sent.
            result.failed = true;
            result.why = "websocket: the hub's output cannot be framed";
        }
        return result;
    }
    const std::span<const std::string_view> frames(runs.data(), count);
    result = tls_ ? tls_->write(frames) : sendPieces(fd_, frames);
    // TLS takes its bytes for good even when the socket is full (they wait
    // as records): only a plain socket that blocked took nothing.
    if (!result.failed && (!result.blocked || (tls_ && result.bytes > 0))) {
        result.bytes = writer_.written(result.bytes, plan);
    }
    return result;
}

void WebSocketConnection::farewell(hermes::hub::CloseReason cause) {
    writer_.queueClose(closeCodeFor(cause), hermes::hub::closeReasonKey(cause));
}

void WebSocketConnection::closeWrite() {
    if (tls_) {
        // close_notify after the close frame, as far as the socket takes it
        // now: the peer has the close frame already.
        tls_->close();
        Written ignored;
        tls_->flush(ignored);
    }
    ::shutdown(fd_, SHUT_WR);
}

WsCloseCode WebSocketConnection::closeCodeFor(hermes::hub::CloseReason cause) {
    using hermes::hub::CloseReason;
    switch (cause) {
        case CloseReason::ConnectionClosed:
        case CloseReason::ClientQuit:
            return WsCloseCode::Normal;
        case CloseReason::Shutdown:
            return WsCloseCode::GoingAway;
        case CloseReason::HubFull:
        case CloseReason::AddressFull:
        case CloseReason::HandshakesFull:
            return WsCloseCode::TryAgainLater;
        case CloseReason::FrameTooLarge:
            return WsCloseCode::MessageTooBig;
        case CloseReason::Internal:
            return WsCloseCode::InternalError;
        case CloseReason::HandshakeRequired:
        case CloseReason::ProtocolVersion:
        case CloseReason::HandshakeTimeout:
        case CloseReason::BadFrame:
        case CloseReason::Flood:
        case CloseReason::PingTimeout:
        case CloseReason::SlowConsumer:
        case CloseReason::WriteStall:
        case CloseReason::BudgetStall:
        case CloseReason::BudgetHold:
        case CloseReason::HubBanned:
        case CloseReason::HubPassword:
        case CloseReason::NickRegistered:
            return WsCloseCode::PolicyViolation;
    }
    return WsCloseCode::PolicyViolation;
}

}  // namespace hermesd

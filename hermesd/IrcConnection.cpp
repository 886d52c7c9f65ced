#include "IrcConnection.hpp"

#include <sys/socket.h>

#include <algorithm>

#include "SocketIo.hpp"
#include "hermes/hub/Clock.hpp"

namespace hermesd {

IrcConnection::IrcConnection(const Poco::Net::StreamSocket& socket,
                             hermes::irc::IrcSessionSettings settings, std::size_t maxFrameBytes,
                             hermes::irc::IrcRenderCache& cache, const hermes::tls::TlsContext* tls,
                             std::chrono::microseconds sendInterval)
    : socket_(socket),
      fd_(socket_.impl()->sockfd()),
      // Before session_ takes the settings (members in declaration order).
      tls_(tls == nullptr
               ? nullptr
               : std::make_unique<TlsChannel>(fd_, std::make_unique<hermes::tls::TlsStream>(*tls),
                                              "irc " + settings.peer)),
      session_(std::move(settings)),
      frames_(maxFrameBytes),
      cache_(cache),
      sendInterval_(sendInterval) {}

ClientConnection::Read IrcConnection::read(std::span<char> scratch) {
    Read got = tls_ ? tls_->read(scratch) : receiveInto(fd_, scratch);
    // The loop thread's: the bytes returned stay valid until the next read()
    // of any IrcConnection, and the loop hands them to the hub at once.
    static thread_local std::string hermes;
    if (got.status == Read::Status::Closed) {
        // TLS: the client's last lines before its close_notify (a QUIT, say),
        // translated as any others.
        hermes.clear();
        if (!got.bytes.empty() && !ended_) {
            session_.receive(got.bytes, hermes::hub::Clock::now(), hermes, out_);
        }
        got.bytes = hermes;
        return got;
    }
    if (got.status != Read::Status::Bytes || ended_) {
        if (got.status == Read::Status::Bytes) {
            got.status = Read::Status::Nothing;  // after the end: discarded
            got.bytes = {};
        }
        return got;
    }
    hermes.clear();
    const hermes::irc::IrcSession::Input input =
        session_.receive(got.bytes, hermes::hub::Clock::now(), hermes, out_);
    Read result;
    if (input.close) {
        ended_ = true;
        result.status = Read::Status::Closed;
        result.bytes = hermes;
        result.why = "irc: " + input.why;
        return result;
    }
    if (!hermes.empty()) {
        result.status = Read::Status::Bytes;
        result.bytes = hermes;
    }
    return result;
}

bool IrcConnection::flushTls(Written& result) {
    while (sent_ < out_.size()) {
        const std::string_view rest = std::string_view(out_).substr(sent_);
        const Written sent = tls_->write(std::span<const std::string_view>(&rest, 1));
        sent_ += sent.bytes;  // encrypted: the records not sent wait in the stream
        if (sent.failed || sent.blocked) {
            result.failed = sent.failed;
            result.blocked = sent.blocked;
            result.why = sent.why;
            return false;
        }
    }
    out_.clear();
    sent_ = 0;
    if (closeNotify_) {
        closeNotify_ = false;
        tls_->close();  // after the last line (farewell's ERROR)
    }
    return tls_->flush(result);
}

bool IrcConnection::flush(Written& result) {
    if (tls_) {
        return flushTls(result);
    }
    while (sent_ < out_.size()) {
        const std::string_view rest = std::string_view(out_).substr(sent_);
        const Written sent = sendPieces(fd_, std::span<const std::string_view>(&rest, 1));
        if (sent.failed) {
            result.failed = true;
            result.why = sent.why;
            return false;
        }
        sent_ += sent.bytes;
        if (sent.blocked) {
            result.blocked = true;
            return false;
        }
    }
    out_.clear();
    sent_ = 0;
    return true;
}

ClientConnection::Written IrcConnection::write(std::span<const std::string_view> pieces) {
    Written result;
    // The lines of earlier frames first: until they are out, the hub's bytes
    // stay in its queue.
    if (!flush(result)) {
        return result;
    }
    // Capabilities change only on the client's input: one key per write.
    const std::uint32_t key = hermes::irc::IrcRenderCache::renderKey(session_);
    bool badPayload = false;
    std::size_t taken = 0;
    for (const std::string_view piece : pieces) {
        const std::size_t take = std::min(piece.size(), kMaxTranslateBytes - taken);
        const std::string_view chunk = piece.substr(0, take);
        // A frame in place lies in the hub's memory, where every member's
        // copy of a room message is the same bytes: the cache's key. One the
        // splitter completed from an earlier write is in its own buffer.
        const char* const begin = chunk.data();
        const char* const end = begin + chunk.size();
        frames_.feed(chunk, [&](std::string_view payload) {
            const bool inPlace = payload.data() >= begin && payload.data() < end;
            badPayload = !cache_.deliver(session_, key, payload, inPlace, envelope_, out_);
            return !badPayload;
        });
        taken += take;
        if (take < piece.size() || badPayload || frames_.failed()) {
            break;
        }
    }
    if (badPayload || frames_.failed()) {
        result.failed = true;
        result.why = "irc: the hub's output is not Hermes frames (" +
                     std::string(hermes::codec::describe(
                         badPayload ? hermes::codec::DecodeError::BadPayload : frames_.error())) +
                     ")";
        return result;
    }
    result.bytes = taken;
    flush(result);
    if (result.failed) {
        result.bytes = 0;
    }
    return result;
}

void IrcConnection::farewell(hermes::hub::CloseReason cause) {
    ended_ = true;
    session_.farewell(cause, out_);
    closeNotify_ = tls_ != nullptr;
}

void IrcConnection::closeWrite() {
    ::shutdown(fd_, SHUT_WR);
}

}  // namespace hermesd

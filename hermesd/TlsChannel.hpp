#pragma once
// How bytes move on a non-blocking socket through TLS: the sans-io
// hermes::tls::TlsStream joined to a descriptor, for the loop's connections
// that speak TLS, whatever their bytes mean (TlsConnection: Hermes frames;
// WebSocketConnection over https: WebSocket frames). It owns the stream; the
// connection owns the descriptor.
//
//   read():  one recv() of ciphertext -> the stream -> the plaintext decrypted
//   write(): the pieces (a bounded prefix, joined) -> the stream -> records
//            sent as far as the socket takes them; the rest is
//            pendingOutput(), sent first by the next write()
//
// A handshake or record that fails, and the peer's close_notify, end the
// stream (Read::Status::Closed, with what the peer sent before it); the
// failure is logged with the peer and OpenSSL's reason.
//
// Threading: one thread at a time (the loop's, once the connection is
// adopted).

#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "ClientConnection.hpp"
#include "hermes/tls/TlsStream.hpp"

namespace hermesd {

class TlsChannel {
public:
    // Plaintext encrypted per write() call at most, so a client that reads
    // slowly holds no more than this in records beyond the hub's own queue.
    static constexpr std::size_t kMaxEncryptBytes = 64 * 1024;

    // `fd`: connected, non-blocking, not owned. `peer`: for log lines.
    TlsChannel(int fd, std::unique_ptr<hermes::tls::TlsStream> stream, std::string peer);

    hermes::tls::TlsStream& stream() { return *stream_; }
    const hermes::tls::TlsStream& stream() const { return *stream_; }

    // One recv() into `scratch`, decrypted: the plaintext (valid until the
    // next call), Nothing, or Closed.
    ClientConnection::Read read(std::span<char> scratch);
    // Ciphertext already received some other way, decrypted as read() does.
    ClientConnection::Read decrypt(std::string_view ciphertext);
    // Sends the stream's pending records, then encrypts a prefix of
    // `pieces` (at most kMaxEncryptBytes; Written::bytes says how much) and
    // sends its records as far as the socket takes them.
    ClientConnection::Written write(std::span<const std::string_view> pieces);
    // Sends the stream's pending records; false with `out` set when the
    // socket is full or failed.
    bool flush(ClientConnection::Written& out);
    bool pendingOutput() const { return stream_->hasOutput(); }
    // Queues close_notify once the handshake is done.
    void close();

private:
    int fd_;
    std::unique_ptr<hermes::tls::TlsStream> stream_;
    std::string peer_;
    std::string plain_;  // read(): the decrypted bytes it returns
    bool handshakeLogged_ = false;
};

}  // namespace hermesd

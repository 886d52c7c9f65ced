#pragma once
// A client over TLS (tls.enabled): the Hermes byte stream inside TLS records,
// moved by a TlsChannel (TlsChannel.hpp: the sans-io hermes::tls::TlsStream
// on the socket), so nothing here blocks: the handshake advances inside
// read() and write() as bytes arrive and the socket takes them. read()
// decrypts one recv()'s worth; write() encrypts the hub's pieces (a bounded
// amount per call) and sends; records the socket did not take are
// pendingOutput(). farewell() queues close_notify.
//
// The first two bytes decide what the peer speaks (classifyFirstBytes): a
// plain Hermes client on this port gets one plaintext Error frame (fatal,
// PROTOCOL_VERSION: "this port speaks TLS: connect with --tls") as the
// transport's own last bytes, and the session ends; it is logged with the
// peer. A handshake that fails is logged with the peer and OpenSSL's reason
// and ends only that session.
//
// Threading: built on an acceptor thread, then the loop thread only.

#include <string>

#include <Poco/Net/StreamSocket.h>

#include "ClientConnection.hpp"
#include "TlsChannel.hpp"

namespace hermesd {

class TlsConnection final : public ClientConnection {
public:
    // Ciphertext encrypted per write() call at most, so a client that reads
    // slowly holds no more than this in records beyond the hub's own queue.
    static constexpr std::size_t kMaxEncryptBytes = TlsChannel::kMaxEncryptBytes;

    // `socket`: connected and non-blocking. `context` (the server's) outlives
    // every connection. `peer`: for log lines.
    TlsConnection(const Poco::Net::StreamSocket& socket, const hermes::tls::TlsContext& context,
                  std::string peer);

    std::string_view kind() const override { return "tls"; }
    int fd() const override { return fd_; }
    Read read(std::span<char> scratch) override;
    Written write(std::span<const std::string_view> pieces) override;
    bool pendingOutput() const override;
    void farewell(hermes::hub::CloseReason cause) override;
    void closeWrite() override;

    // The plaintext answer to a client that does not speak TLS.
    static std::string plaintextRefusal();

private:
    enum class Mode { Deciding, Tls, Refused };

    Read decide(std::string_view bytes);
    // Sends the stream's records (or the refusal) as far as the socket takes
    // them. False with `out` set on blocked or failed.
    bool flushOwn(Written& out);

    Poco::Net::StreamSocket socket_;
    int fd_;
    std::string peer_;
    TlsChannel channel_;
    Mode mode_ = Mode::Deciding;
    std::string firstBytes_;  // Deciding: the bytes seen so far (at most a few)
    std::string refusal_;     // Refused: plaintext still to send
};

}  // namespace hermesd

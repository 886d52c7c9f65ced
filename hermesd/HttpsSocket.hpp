#pragma once
// The HTTP listener's sockets when it speaks https (http.tls): POCO socket
// implementations whose bytes go through our sans-io hermes::tls::TlsStream
// on the real descriptor, in blocking mode, so POCO's TCPServer and HTTP
// parser run over them unchanged. POCO's own NetSSL is not used because it
// keeps its SSL* to itself: a session it negotiated could not move to the
// event loop at a WebSocket upgrade, where ours does (takeStream()).
//
// - HttpsServerSocket: the listening socket; each accepted connection is an
//   HttpsStreamSocketImpl.
// - HttpsStreamSocketImpl: receiveBytes()/sendBytes() carry plaintext; the
//   handshake runs lazily inside the first receiveBytes(), with the
//   receive and send timeouts POCO sets on the socket (http.timeout_ms). The
//   first two bytes decide: a plaintext HTTP request on this port is answered
//   with one plaintext 400 saying to use https, and closed; a handshake that
//   fails is logged with the peer and OpenSSL's reason and closed (only that
//   connection). Both look to POCO like a client that closed before a request.
//
// Threading: an HttpsStreamSocketImpl is used by the one HTTP server thread
// that serves its connection, then (takeStream()) its stream by the loop.

#include <memory>
#include <string>

#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/ServerSocketImpl.h>
#include <Poco/Net/StreamSocketImpl.h>

#include "hermes/tls/TlsContext.hpp"
#include "hermes/tls/TlsStream.hpp"

namespace hermesd {

class HttpsStreamSocketImpl final : public Poco::Net::StreamSocketImpl {
public:
    // `fd`: an accepted, blocking socket, owned. `context` (the server's)
    // outlives every connection. `peer`: for log lines.
    HttpsStreamSocketImpl(poco_socket_t fd, const hermes::tls::TlsContext& context,
                          std::string peer);

    int receiveBytes(void* buffer, int length, int flags = 0) override;
    int sendBytes(const void* buffer, int length, int flags = 0) override;
    int available() override;
    bool poll(const Poco::Timespan& timeout, int mode) override;

    // The session for the event loop, at a WebSocket upgrade: the stream (its
    // records all sent: sendBytes() sends them before it returns) and the
    // plaintext it decrypted that no receiveBytes() took yet. The socket
    // carries nothing afterwards. Null stream if it never spoke TLS.
    struct Session {
        std::unique_ptr<hermes::tls::TlsStream> stream;
        std::string unread;
    };
    Session takeStream();

    // The plaintext answer to an HTTP request on the https port.
    static std::string plaintextRefusal();

private:
    // Sends every pending record (blocking; POCO's timeout applies).
    void flush();
    // Receives until there is plaintext; false once the connection is over
    // (closed, refused, failed).
    bool fill();

    std::unique_ptr<hermes::tls::TlsStream> stream_;
    std::string peer_;
    std::string plain_;  // decrypted, not yet taken by receiveBytes()
    std::size_t plainStart_ = 0;
    std::string firstBytes_;
    bool decided_ = false;
    bool over_ = false;
    bool handshakeLogged_ = false;
};

class HttpsServerSocket final : public Poco::Net::ServerSocket {
public:
    // `context` outlives the socket and every connection it accepts.
    explicit HttpsServerSocket(const hermes::tls::TlsContext& context);
};

}  // namespace hermesd

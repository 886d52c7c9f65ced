#pragma once
// One TLS connection without a socket (sans-io): OpenSSL's SSL over a
// memory BIO for what arrives and a BIO of our own that appends the records
// it writes to output(). The owner moves bytes between it and whatever
// carries them:
//
//   ciphertext from the peer -> receive()     plaintext for the app <- read()
//   plaintext from the app   -> write()       ciphertext for the peer <- output()
//                                                                      + consumed()
//
// The handshake runs inside receive()/read()/write() as bytes arrive; a
// client's first flight is in output() as soon as it is built. Application
// bytes given to write() before the handshake is done wait in the stream and
// go out after it, in order. close() queues close_notify; peerClosed() tells
// that the peer sent one. Failure is sticky: state() is Failed and error()
// says why, in OpenSSL's words and in what it means for the user (see
// describeTlsFailure()). Whatever the peer sent before a failure or a
// close_notify is still returned by read().
//
// The input BIO and the output grow as needed (and are given back once empty
// after a burst past 128 KiB): the owner bounds them by not writing more
// plaintext while output() is large, and not receiving more while read()
// returns a lot.
//
// Threading: one thread at a time (the owner's).

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "hermes/tls/OpenSslHandles.hpp"
#include "hermes/tls/TlsContext.hpp"

namespace hermes::tls {

class TlsStream {
public:
    enum class State { Handshaking, Open, Closed, Failed };

    // `context` must outlive the stream; its side (server or client) decides
    // the stream's. Throws std::runtime_error if OpenSSL cannot make one.
    explicit TlsStream(const TlsContext& context);
    // OpenSSL's output BIO points at output_: the stream stays where it is.
    TlsStream(const TlsStream&) = delete;
    TlsStream& operator=(const TlsStream&) = delete;

    State state() const { return state_; }
    bool handshakeDone() const { return handshakeDone_; }
    // Failed: why, for logs and the user.
    const std::string& error() const { return error_; }
    // The peer sent close_notify: no more application bytes will come.
    bool peerClosed() const { return peerClosed_; }

    // Ciphertext from the peer, any amount, in any pieces.
    void receive(std::string_view ciphertext);
    // Decrypts what has arrived: appends the application bytes to `out` and
    // returns how many (0: none yet, or none will come: see state()).
    std::size_t read(std::string& out);
    // Takes all of `plaintext` (queued until the handshake is done); false
    // once failed or closed.
    bool write(std::string_view plaintext);
    // Ciphertext to send to the peer, and how much of it the socket took.
    std::string_view output() const;
    void consumed(std::size_t bytes);
    bool hasOutput() const { return outputStart_ < output_.size(); }
    // Queues close_notify (after any application bytes). Closed afterwards.
    void close();

    // The peer's certificate's fingerprint (Fingerprint.hpp) once the
    // handshake is done; none if the peer sent no certificate.
    std::optional<std::string> peerFingerprint() const;
    // The protocol and cipher agreed ("TLSv1.3 TLS_AES_256_GCM_SHA384").
    std::string negotiated() const;

private:
    void advance();
    void flushPending();
    void compactOutput();
    void fail(int sslError, int returned);

    SslPtr ssl_;
    BIO* networkIn_ = nullptr;  // owned by ssl_: the peer's ciphertext, for OpenSSL
    // OpenSSL's records go straight into output_ (a BIO of our own, owned by
    // ssl_, whose data is &output_).
    State state_ = State::Handshaking;
    bool handshakeDone_ = false;
    bool peerClosed_ = false;
    std::string error_;
    std::string pendingPlain_;  // written before the handshake was done
    std::string output_;
    std::size_t outputStart_ = 0;
};

// What a failed TLS handshake or record means for a user, from OpenSSL's
// reason: "wrong version number" -> the peer does not speak TLS, and so on.
// `reason` itself is kept in the text.
std::string describeTlsFailure(const std::string& reason);

// Whether the first bytes of a connection are a TLS record (a handshake,
// 0x16, or an alert, 0x15, then the major version 0x03) or a plain Hermes
// frame: its varint length may be 0x16, but the Envelope's first byte is a
// field tag, never 0x03 (field number 0 does not exist). Unknown until two
// bytes have arrived.
enum class FirstBytes { Tls, NotTls, Unknown };
FirstBytes classifyFirstBytes(std::string_view firstBytes);

}  // namespace hermes::tls

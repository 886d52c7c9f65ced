#include "hermes/tls/TlsStream.hpp"

#include <algorithm>
#include <climits>
#include <stdexcept>

#include <openssl/buffer.h>
#include <openssl/err.h>

#include "hermes/tls/Fingerprint.hpp"

namespace hermes::tls {

namespace {

// One SSL_read's worth: a whole TLS record's plaintext.
constexpr std::size_t kReadChunk = 16 * 1024;
// Buffers larger than this are freed once empty rather than kept.
constexpr std::size_t kKeptBufferBytes = 128 * 1024;

// A memory BIO keeps the largest size it ever held. After a burst, once it
// is empty: a new one to replace it, or null if it is small or not empty.
BIO* freshIfLarge(BIO* bio) {
    if (BIO_ctrl_pending(bio) != 0) {
        return nullptr;
    }
    BUF_MEM* held = nullptr;
    BIO_get_mem_ptr(bio, &held);
    if (held == nullptr || held->max <= kKeptBufferBytes) {
        return nullptr;
    }
    BIO* fresh = BIO_new(BIO_s_mem());
    if (fresh != nullptr) {
        BIO_set_mem_eof_return(fresh, -1);
    }
    return fresh;
}

// The output side: a BIO that appends what OpenSSL writes (whole records)
// straight to the stream's output string, so records are copied once, not
// into a memory BIO and out again. Its data is the std::string.
int appendOutput(BIO* bio, const char* data, std::size_t length, std::size_t* written) {
    static_cast<std::string*>(BIO_get_data(bio))->append(data, length);
    *written = length;
    return 1;
}

long controlOutput(BIO* /*bio*/, int command, long /*number*/, void* /*pointer*/) {
    return command == BIO_CTRL_FLUSH ? 1 : 0;  // nothing is buffered in the BIO itself
}

int createOutput(BIO* bio) {
    BIO_set_init(bio, 1);
    return 1;
}

// Made once, kept for the process (OpenSSL's own methods are static too).
const BIO_METHOD* outputMethod() {
    static BIO_METHOD* const method = [] {
        BIO_METHOD* m =
            BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "hermes TLS output");
        if (m != nullptr) {
            BIO_meth_set_write_ex(m, appendOutput);
            BIO_meth_set_ctrl(m, controlOutput);
            BIO_meth_set_create(m, createOutput);
        }
        return m;
    }();
    return method;
}

int clampToInt(std::size_t n) {
    return static_cast<int>(std::min<std::size_t>(n, INT_MAX));
}

}  // namespace

TlsStream::TlsStream(const TlsContext& context) : ssl_(SSL_new(context.get())) {
    if (!ssl_) {
        throw std::runtime_error("TLS stream: " + takeOpenSslError("SSL_new failed"));
    }
    BioPtr in(BIO_new(BIO_s_mem()));
    const BIO_METHOD* method = outputMethod();
    BioPtr out(method != nullptr ? BIO_new(method) : nullptr);
    if (!in || !out) {
        throw std::runtime_error("TLS stream: " + takeOpenSslError("BIO_new failed"));
    }
    // An empty input BIO means "wait for more", not end of stream.
    BIO_set_mem_eof_return(in.get(), -1);
    BIO_set_data(out.get(), &output_);
    networkIn_ = in.release();
    SSL_set_bio(ssl_.get(), networkIn_, out.release());  // ssl_ owns both now
    if (context.isServer()) {
        SSL_set_accept_state(ssl_.get());
    } else {
        SSL_set_connect_state(ssl_.get());
        advance();  // the ClientHello, ready in output()
    }
}

void TlsStream::receive(std::string_view ciphertext) {
    while (!ciphertext.empty()) {
        const int n = BIO_write(networkIn_, ciphertext.data(), clampToInt(ciphertext.size()));
        if (n <= 0) {
            state_ = State::Failed;
            error_ = "TLS: cannot buffer received bytes (out of memory?)";
            return;
        }
        ciphertext.remove_prefix(static_cast<std::size_t>(n));
    }
}

void TlsStream::advance() {
    if (state_ != State::Handshaking) {
        return;
    }
    ERR_clear_error();
    const int rc = SSL_do_handshake(ssl_.get());
    if (rc == 1) {
        handshakeDone_ = true;
        state_ = State::Open;
        flushPending();
    } else {
        const int error = SSL_get_error(ssl_.get(), rc);
        if (error != SSL_ERROR_WANT_READ && error != SSL_ERROR_WANT_WRITE) {
            fail(error, rc);
        }
    }
    compactOutput();
}

void TlsStream::flushPending() {
    if (pendingPlain_.empty()) {
        return;
    }
    const std::string pending = std::move(pendingPlain_);
    pendingPlain_.clear();
    write(pending);
}

std::size_t TlsStream::read(std::string& out) {
    advance();
    std::size_t total = 0;
    // Through a buffer on the stack: `out` grows by what arrives, not by a
    // record's worth each time (an idle connection's buffer stays small).
    char chunk[kReadChunk];
    while ((state_ == State::Open || state_ == State::Closed) && !peerClosed_) {
        ERR_clear_error();
        const int n = SSL_read(ssl_.get(), chunk, static_cast<int>(kReadChunk));
        if (n > 0) {
            out.append(chunk, static_cast<std::size_t>(n));
            total += static_cast<std::size_t>(n);
            continue;
        }
        const int error = SSL_get_error(ssl_.get(), n);
        if (error == SSL_ERROR_ZERO_RETURN) {
            peerClosed_ = true;
        } else if (error != SSL_ERROR_WANT_READ && error != SSL_ERROR_WANT_WRITE) {
            fail(error, n);
        }
        break;
    }
    compactOutput();
    if (BIO* fresh = freshIfLarge(networkIn_)) {
        SSL_set0_rbio(ssl_.get(), fresh);  // frees the old one
        networkIn_ = fresh;
    }
    return total;
}

bool TlsStream::write(std::string_view plaintext) {
    if (state_ == State::Failed || state_ == State::Closed) {
        return false;
    }
    if (!handshakeDone_) {
        pendingPlain_.append(plaintext);
        advance();
        return state_ != State::Failed;
    }
    while (!plaintext.empty()) {
        ERR_clear_error();
        const int n = SSL_write(ssl_.get(), plaintext.data(), clampToInt(plaintext.size()));
        if (n <= 0) {
            fail(SSL_get_error(ssl_.get(), n), n);
            break;
        }
        plaintext.remove_prefix(static_cast<std::size_t>(n));
    }
    compactOutput();
    return state_ != State::Failed;
}

std::string_view TlsStream::output() const {
    return std::string_view(output_).substr(outputStart_);
}

void TlsStream::consumed(std::size_t bytes) {
    outputStart_ = std::min(output_.size(), outputStart_ + bytes);
    if (outputStart_ == output_.size()) {
        // A burst's buffer is given back once sent: a connection that goes
        // quiet keeps none of it.
        if (output_.capacity() > kKeptBufferBytes) {
            std::string().swap(output_);
        } else {
            output_.clear();
        }
        outputStart_ = 0;
    }
}

void TlsStream::compactOutput() {
    // Before OpenSSL appends: what was sent already goes, once it is half.
    if (outputStart_ > 0 && outputStart_ >= output_.size() / 2) {
        output_.erase(0, outputStart_);
        outputStart_ = 0;
    }
}

void TlsStream::close() {
    if (state_ == State::Failed || state_ == State::Closed) {
        return;
    }
    pendingPlain_.clear();
    if (handshakeDone_) {
        ERR_clear_error();
        SSL_shutdown(ssl_.get());  // 0: our close_notify is queued; theirs may follow
        compactOutput();
    }
    state_ = State::Closed;
}

void TlsStream::fail(int sslError, int returned) {
    std::string reason;
    if (sslError == SSL_ERROR_SSL) {
        reason = takeOpenSslError("TLS protocol error");
    } else if (sslError == SSL_ERROR_SYSCALL) {
        reason =
            takeOpenSslError(returned == 0 ? "unexpected eof while reading" : "TLS system error");
    } else {
        reason = takeOpenSslError("TLS error " + std::to_string(sslError));
    }
    state_ = State::Failed;
    error_ = describeTlsFailure(reason);
    // An alert OpenSSL wrote for the peer (why it failed) still goes out.
    compactOutput();
}

std::optional<std::string> TlsStream::peerFingerprint() const {
    const X509* certificate = SSL_get0_peer_certificate(ssl_.get());
    if (certificate == nullptr) {
        return std::nullopt;
    }
    return fingerprintOf(*certificate);
}

std::string TlsStream::negotiated() const {
    return std::string(SSL_get_version(ssl_.get())) + " " + SSL_get_cipher_name(ssl_.get());
}

std::string describeTlsFailure(const std::string& reason) {
    struct Meaning {
        const char* reasonContains;
        const char* meaning;
    };
    static constexpr Meaning kMeanings[] = {
        {"wrong version number", "the peer does not speak TLS (its bytes are not TLS records)"},
        {"packet length too long", "the peer does not speak TLS (its bytes are not TLS records)"},
        {"http request", "the peer sent a plain HTTP request, not TLS"},
        {"unsupported protocol", "the peer offers only TLS versions older than 1.2, refused"},
        {"protocol version", "the peer refused our TLS version (Hermes needs TLS 1.2 or later)"},
        {"no shared cipher", "the two sides share no cipher suite"},
        {"handshake failure", "the peer refused the TLS handshake"},
        {"unexpected eof", "the peer closed the connection in the middle of TLS"},
        {"alert", "the peer ended the TLS handshake with an alert"},
    };
    for (const auto& entry : kMeanings) {
        if (reason.find(entry.reasonContains) != std::string::npos) {
            return std::string(entry.meaning) + " (OpenSSL: " + reason + ")";
        }
    }
    return "TLS failed (OpenSSL: " + reason + ")";
}

FirstBytes classifyFirstBytes(std::string_view firstBytes) {
    if (firstBytes.empty()) {
        return FirstBytes::Unknown;
    }
    const auto type = static_cast<unsigned char>(firstBytes[0]);
    if (type != 0x16 && type != 0x15) {
        return FirstBytes::NotTls;
    }
    if (firstBytes.size() < 2) {
        return FirstBytes::Unknown;
    }
    return static_cast<unsigned char>(firstBytes[1]) == 0x03 ? FirstBytes::Tls : FirstBytes::NotTls;
}

}  // namespace hermes::tls

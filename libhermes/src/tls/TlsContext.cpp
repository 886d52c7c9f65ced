#include "hermes/tls/TlsContext.hpp"

#include <stdexcept>

namespace hermes::tls {

namespace {

SslCtxPtr makeContext(const SSL_METHOD* method, const char* side) {
    SslCtxPtr ctx(SSL_CTX_new(method));
    if (!ctx) {
        throw std::runtime_error(std::string("TLS ") + side +
                                 " context: " + takeOpenSslError("SSL_CTX_new failed"));
    }
    SSL_CTX_set_min_proto_version(ctx.get(), TLS1_2_VERSION);
    SSL_CTX_set_options(ctx.get(), SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION);
    // The stream's write() hands OpenSSL whole pieces; memory BIOs never
    // refuse, so partial writes never happen, but a moving buffer is allowed
    // anyway (the pending plaintext is a std::string).
    SSL_CTX_set_mode(ctx.get(), SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER | SSL_MODE_RELEASE_BUFFERS);
    return ctx;
}

}  // namespace

TlsContext TlsContext::server(const std::string& certificatePath, const std::string& keyPath) {
    SslCtxPtr ctx = makeContext(TLS_server_method(), "server");
    if (SSL_CTX_use_certificate_chain_file(ctx.get(), certificatePath.c_str()) != 1) {
        throw std::runtime_error("TLS certificate " + certificatePath + ": " +
                                 takeOpenSslError("cannot be used"));
    }
    if (SSL_CTX_use_PrivateKey_file(ctx.get(), keyPath.c_str(), SSL_FILETYPE_PEM) != 1) {
        const std::string reason = takeOpenSslError("cannot be used");
        if (reason.find("mismatch") != std::string::npos) {
            throw std::runtime_error("TLS key " + keyPath + " does not match the certificate " +
                                     certificatePath + " (OpenSSL: " + reason + ")");
        }
        throw std::runtime_error("TLS key " + keyPath + ": " + reason);
    }
    if (SSL_CTX_check_private_key(ctx.get()) != 1) {
        throw std::runtime_error("TLS key " + keyPath + " does not match the certificate " +
                                 certificatePath + ": " + takeOpenSslError("mismatch"));
    }
    // AES-128-GCM first (TLS 1.3): as safe for a chat's lifetime, and a
    // third cheaper per byte than AES-256 for a hub that encrypts every
    // delivery; the server's order decides.
    SSL_CTX_set_ciphersuites(ctx.get(),
                             "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:"
                             "TLS_CHACHA20_POLY1305_SHA256");
    SSL_CTX_set_options(ctx.get(), SSL_OP_CIPHER_SERVER_PREFERENCE);
    // No session cache: a hub's clients stay connected for hours, and a
    // ticket key that lives only in this process would be lost at restart.
    SSL_CTX_set_session_cache_mode(ctx.get(), SSL_SESS_CACHE_OFF);
    SSL_CTX_set_num_tickets(ctx.get(), 0);
    return TlsContext(std::move(ctx), true);
}

TlsContext TlsContext::client() {
    SslCtxPtr ctx = makeContext(TLS_client_method(), "client");
    // Trust is decided by pinning after the handshake (KnownHubs), not by a
    // CA: see the class comment.
    SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_NONE, nullptr);
    return TlsContext(std::move(ctx), false);
}

}  // namespace hermes::tls

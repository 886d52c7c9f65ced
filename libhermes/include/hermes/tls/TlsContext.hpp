#pragma once
// An OpenSSL SSL_CTX set up the Hermes way, shared by every TlsStream of one
// side: TLS 1.2 at least, OpenSSL's default cipher suites (forward secrecy
// only), no renegotiation, no compression.
//
// - server(): presents a certificate and key from PEM files, used as they are
//   (the chain in the certificate file after the leaf is sent too).
// - client(): does not verify the hub's certificate against any CA: a LAN hub
//   has a self-signed one. The client trusts by pinning instead (KnownHubs):
//   it compares the certificate's fingerprint before it sends anything.
//
// Threading: built once; OpenSSL allows streams on any thread to share it.

#include <string>

#include "hermes/tls/OpenSslHandles.hpp"

namespace hermes::tls {

class TlsContext {
public:
    // Throws std::runtime_error naming the file and OpenSSL's reason, e.g. a
    // key that does not match the certificate.
    static TlsContext server(const std::string& certificatePath, const std::string& keyPath);
    static TlsContext client();

    SSL_CTX* get() const { return ctx_.get(); }
    bool isServer() const { return server_; }

private:
    TlsContext(SslCtxPtr ctx, bool server) : ctx_(std::move(ctx)), server_(server) {}
    SslCtxPtr ctx_;
    bool server_;
};

}  // namespace hermes::tls

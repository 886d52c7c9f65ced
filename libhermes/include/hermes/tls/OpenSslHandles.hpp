#pragma once
// Owning handles for the OpenSSL objects Hermes uses: each a unique_ptr whose
// deleter is OpenSSL's own free function, so every SSL, SSL_CTX, BIO, X509,
// EVP_PKEY and EVP_MD_CTX is freed on every path, errors included.
//
// Threading: plain values.

#include <memory>
#include <string>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

namespace hermes::tls {

template <typename T, void (*Free)(T*)>
struct OpenSslDeleter {
    void operator()(T* object) const { Free(object); }
};

using SslCtxPtr = std::unique_ptr<SSL_CTX, OpenSslDeleter<SSL_CTX, SSL_CTX_free>>;
using SslPtr = std::unique_ptr<SSL, OpenSslDeleter<SSL, SSL_free>>;
using BioPtr = std::unique_ptr<BIO, OpenSslDeleter<BIO, BIO_free_all>>;
using X509Ptr = std::unique_ptr<X509, OpenSslDeleter<X509, X509_free>>;
using PkeyPtr = std::unique_ptr<EVP_PKEY, OpenSslDeleter<EVP_PKEY, EVP_PKEY_free>>;

// The oldest error on this thread's OpenSSL error queue, in OpenSSL's words
// ("wrong version number"), and the queue cleared; `fallback` if it is empty.
std::string takeOpenSslError(const std::string& fallback);

}  // namespace hermes::tls

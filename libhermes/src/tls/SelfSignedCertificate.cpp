#include "hermes/tls/SelfSignedCertificate.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <stdexcept>
#include <system_error>

#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>

#include "hermes/files/AtomicFile.hpp"
#include "hermes/tls/OpenSslHandles.hpp"

namespace hermes::tls {

namespace {

constexpr long kValiditySeconds = 10L * 365 * 24 * 3600;

[[noreturn]] void failWith(const std::string& what) {
    throw std::runtime_error("self-signed certificate: " + what + ": " +
                             takeOpenSslError("OpenSSL failed"));
}

std::string hostName() {
    char name[256] = {};
    if (::gethostname(name, sizeof name - 1) != 0 || name[0] == '\0') {
        return {};
    }
    return name;
}

void addExtension(X509* certificate, int nid, const std::string& value) {
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, certificate, certificate, nullptr, nullptr, 0);
    X509_EXTENSION* extension = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
    if (extension == nullptr) {
        failWith("extension " + value);
    }
    const int added = X509_add_ext(certificate, extension, -1);
    X509_EXTENSION_free(extension);
    if (added != 1) {
        failWith("adding extension " + value);
    }
}

std::string toPem(bool (*write)(BIO*, void*), void* object, const char* what) {
    const BioPtr bio(BIO_new(BIO_s_mem()));
    if (!bio || !write(bio.get(), object)) {
        failWith(std::string("writing the ") + what + " as PEM");
    }
    char* data = nullptr;
    const long length = BIO_get_mem_data(bio.get(), &data);
    return std::string(data, static_cast<std::size_t>(length));
}

}  // namespace

void writeSelfSignedCertificate(const CertificateFiles& files, const std::string& commonName) {
    const PkeyPtr key(EVP_EC_gen("P-256"));
    if (!key) {
        failWith("generating an EC P-256 key");
    }
    const X509Ptr certificate(X509_new());
    if (!certificate) {
        failWith("X509_new");
    }
    X509* cert = certificate.get();
    X509_set_version(cert, 2);  // v3, for the extensions
    unsigned char serial[16];
    if (RAND_bytes(serial, sizeof serial) != 1) {
        failWith("a random serial number");
    }
    serial[0] &= 0x7F;  // positive
    BIGNUM* number = BN_bin2bn(serial, sizeof serial, nullptr);
    const bool serialSet =
        number != nullptr && BN_to_ASN1_INTEGER(number, X509_get_serialNumber(cert)) != nullptr;
    BN_free(number);
    if (!serialSet) {
        failWith("setting the serial number");
    }
    // An hour back, for clocks on the LAN that run a little behind ours.
    X509_gmtime_adj(X509_getm_notBefore(cert), -3600);
    X509_gmtime_adj(X509_getm_notAfter(cert), kValiditySeconds);
    X509_NAME* name = X509_get_subject_name(cert);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                               reinterpret_cast<const unsigned char*>(commonName.c_str()), -1, -1,
                               0);
    X509_set_issuer_name(cert, name);
    X509_set_pubkey(cert, key.get());

    std::string altNames = "DNS:localhost,IP:127.0.0.1";
    if (const std::string host = hostName(); !host.empty() && host != "localhost") {
        altNames += ",DNS:" + host;
    }
    addExtension(cert, NID_subject_alt_name, altNames);
    addExtension(cert, NID_basic_constraints, "critical,CA:FALSE");
    addExtension(cert, NID_key_usage, "critical,digitalSignature");
    addExtension(cert, NID_ext_key_usage, "serverAuth");
    addExtension(cert, NID_subject_key_identifier, "hash");
    if (X509_sign(cert, key.get(), EVP_sha256()) <= 0) {
        failWith("signing");
    }

    const std::string keyPem = toPem(
        [](BIO* bio, void* object) {
            return PEM_write_bio_PrivateKey(bio, static_cast<EVP_PKEY*>(object), nullptr, nullptr,
                                            0, nullptr, nullptr) == 1;
        },
        key.get(), "key");
    const std::string certificatePem =
        toPem([](BIO* bio,
                 void* object) { return PEM_write_bio_X509(bio, static_cast<X509*>(object)) == 1; },
              cert, "certificate");
    files::writeFileAtomically(files.keyPath, keyPem, 0600);
    files::writeFileAtomically(files.certificatePath, certificatePem, 0644);
}

}  // namespace hermes::tls

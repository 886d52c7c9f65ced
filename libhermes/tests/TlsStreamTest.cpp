// The sans-io TLS stream, a client and a server paired in memory: the
// handshake, application bytes both ways in odd pieces, close_notify, the
// fingerprint of the certificate the hub presents, failures in clear words
// (a peer that does not speak TLS), the first-bytes check that tells a TLS
// record from a Hermes frame, and the self-signed certificate's files.
#define BOOST_TEST_MODULE tls_stream
#include <boost/test/unit_test.hpp>

#include <sys/stat.h>

#include <string>

#include "hermes/test/TempDir.hpp"
#include "hermes/tls/Fingerprint.hpp"
#include "hermes/tls/SelfSignedCertificate.hpp"
#include "hermes/tls/TlsContext.hpp"
#include "hermes/tls/TlsStream.hpp"

using namespace hermes::tls;
using hermes::test::TempDir;

namespace {

// A certificate made once per fixture, and both sides' contexts.
struct Pair {
    TempDir dir{"hermes-tls"};
    CertificateFiles files{dir.file("hub.crt"), dir.file("hub.key")};
    TlsContext server = (writeSelfSignedCertificate(files, "test hub"),
                         TlsContext::server(files.certificatePath, files.keyPath));
    TlsContext client = TlsContext::client();
};

// Moves ciphertext each way, `chunk` bytes at a time, until neither side has
// any to send (bounded: a handshake is a few round trips).
void pump(TlsStream& a, TlsStream& b, std::string& aPlain, std::string& bPlain,
          std::size_t chunk = 1 << 20) {
    for (int round = 0; round < 1000 && (a.hasOutput() || b.hasOutput()); ++round) {
        for (auto [from, to, plain] : {std::tuple{&a, &b, &bPlain}, std::tuple{&b, &a, &aPlain}}) {
            const std::string_view out = from->output().substr(0, chunk);
            to->receive(out);
            from->consumed(out.size());
            to->read(*plain);
        }
    }
}

mode_t modeOf(const std::string& path) {
    struct stat info {};
    BOOST_REQUIRE(::stat(path.c_str(), &info) == 0);
    return info.st_mode & 0777;
}

}  // namespace

BOOST_FIXTURE_TEST_CASE(handshake_then_bytes_both_ways_then_close_notify, Pair) {
    TlsStream clientSide(client);
    TlsStream serverSide(server);
    BOOST_TEST(clientSide.hasOutput());  // the ClientHello, at once
    BOOST_TEST(!serverSide.hasOutput());
    // Written before the handshake: held, then sent after it, in order.
    BOOST_TEST(clientSide.write("hello "));
    BOOST_TEST(clientSide.write("hub"));
    std::string atClient, atServer;
    pump(clientSide, serverSide, atClient, atServer);
    BOOST_TEST(clientSide.handshakeDone());
    BOOST_TEST(serverSide.handshakeDone());
    BOOST_TEST(atServer == "hello hub");
    BOOST_TEST(clientSide.negotiated().rfind("TLSv1.", 0) == 0);

    const std::string big(200 * 1024, 'x');
    BOOST_TEST(serverSide.write(big));
    pump(clientSide, serverSide, atClient, atServer, 1000);  // records split anywhere
    BOOST_TEST(atClient == big);

    serverSide.close();
    BOOST_TEST((serverSide.state() == TlsStream::State::Closed));
    BOOST_TEST(!serverSide.write("late"));
    pump(clientSide, serverSide, atClient, atServer);
    BOOST_TEST(clientSide.peerClosed());
    BOOST_TEST(atClient.size() == big.size());
}

BOOST_FIXTURE_TEST_CASE(the_client_sees_the_fingerprint_of_the_hubs_certificate, Pair) {
    TlsStream clientSide(client);
    TlsStream serverSide(server);
    BOOST_TEST(!clientSide.peerFingerprint().has_value());
    std::string atClient, atServer;
    pump(clientSide, serverSide, atClient, atServer);
    const auto seen = clientSide.peerFingerprint();
    BOOST_REQUIRE(seen.has_value());
    BOOST_TEST(*seen == fingerprintOfPemFile(files.certificatePath));
    BOOST_TEST(isFingerprint(*seen));
    BOOST_TEST(!serverSide.peerFingerprint().has_value());  // clients present none
}

BOOST_FIXTURE_TEST_CASE(a_peer_that_does_not_speak_tls_is_a_clear_failure, Pair) {
    TlsStream serverSide(server);
    std::string plain;
    // A Hermes frame (varint length, then an Envelope) where a ClientHello
    // should be.
    serverSide.receive(std::string("\x05\x0a\x03\x08\x01\x12", 6) + std::string(64, 'a'));
    BOOST_TEST(serverSide.read(plain) == 0u);
    BOOST_TEST((serverSide.state() == TlsStream::State::Failed));
    BOOST_TEST_INFO(serverSide.error());
    BOOST_TEST(serverSide.error().find("does not speak TLS") != std::string::npos);
    BOOST_TEST(serverSide.error().find("OpenSSL: ") != std::string::npos);
    BOOST_TEST(!serverSide.write("x"));

    TlsStream clientSide(client);
    clientSide.consumed(clientSide.output().size());
    clientSide.receive("this is not a ServerHello at all, it is a plain text answer\n");
    BOOST_TEST(clientSide.read(plain) == 0u);
    BOOST_TEST((clientSide.state() == TlsStream::State::Failed));
    BOOST_TEST(clientSide.error().find("does not speak TLS") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(first_bytes_tell_a_tls_record_from_a_hermes_frame) {
    struct Case {
        const char* name;
        std::string bytes;
        FirstBytes expected;
    };
    const Case cases[] = {
        {"nothing yet", "", FirstBytes::Unknown},
        {"0x16 alone", "\x16", FirstBytes::Unknown},
        {"ClientHello", std::string("\x16\x03\x01\x02\x00", 5), FirstBytes::Tls},
        {"alert", std::string("\x15\x03\x03\x00\x02", 5), FirstBytes::Tls},
        {"Hermes frame of 22 bytes", std::string("\x16\x0a\x14", 3), FirstBytes::NotTls},
        {"small Hermes frame", std::string("\x05\x0a", 2), FirstBytes::NotTls},
        {"HTTP", "GET / HTTP/1.1", FirstBytes::NotTls},
    };
    for (const auto& c : cases) {
        BOOST_TEST_CONTEXT(c.name) {
            BOOST_TEST((classifyFirstBytes(c.bytes) == c.expected));
        }
    }
}

BOOST_AUTO_TEST_CASE(a_self_signed_certificate_is_written_with_a_private_key) {
    TempDir dir("hermes-tls");
    const CertificateFiles files{dir.file("a.crt"), dir.file("a.key")};
    writeSelfSignedCertificate(files, "hub");
    BOOST_TEST(modeOf(files.keyPath) == 0600u);
    BOOST_TEST(modeOf(files.certificatePath) == 0644u);
    const std::string first = fingerprintOfPemFile(files.certificatePath);
    BOOST_TEST(first.rfind("SHA256:", 0) == 0);
    BOOST_TEST(first.size() == 7u + 32 * 3 - 1);
    // The pair is usable as a server's, and a new one is a new identity.
    BOOST_CHECK_NO_THROW(TlsContext::server(files.certificatePath, files.keyPath));
    writeSelfSignedCertificate(files, "hub");
    BOOST_TEST(fingerprintOfPemFile(files.certificatePath) != first);
}

BOOST_AUTO_TEST_CASE(unusable_files_are_errors_that_name_them) {
    TempDir dir("hermes-tls");
    const CertificateFiles a{dir.file("a.crt"), dir.file("a.key")};
    const CertificateFiles b{dir.file("b.crt"), dir.file("b.key")};
    writeSelfSignedCertificate(a, "a");
    writeSelfSignedCertificate(b, "b");
    const auto message = [](auto&& make) {
        try {
            make();
        } catch (const std::runtime_error& e) {
            return std::string(e.what());
        }
        return std::string("no error");
    };
    const std::string missing =
        message([&] { TlsContext::server(dir.file("none.crt"), a.keyPath); });
    BOOST_TEST(missing.find("none.crt") != std::string::npos);
    const std::string mismatch = message([&] { TlsContext::server(a.certificatePath, b.keyPath); });
    BOOST_TEST_INFO(mismatch);
    BOOST_TEST(mismatch.find("does not match") != std::string::npos);
    BOOST_TEST(message([&] { fingerprintOfPemFile(a.keyPath); }).find("a.key") !=
               std::string::npos);
}

BOOST_AUTO_TEST_CASE(fingerprint_syntax) {
    const std::string good = "SHA256:" + std::string("AB:") + std::string(30 * 3, 'x');
    std::string valid = "sha256:";
    for (int i = 0; i < 32; ++i) {
        valid += (i > 0 ? ":" : "");
        valid += "a0";
    }
    BOOST_TEST(isFingerprint(valid));
    BOOST_TEST(normalizeFingerprint(valid).rfind("SHA256:A0:A0", 0) == 0);
    BOOST_TEST(!isFingerprint(good));
    BOOST_TEST(!isFingerprint("SHA256:AB"));
    BOOST_TEST(!isFingerprint(""));
}

// TLS on the hub's port (tls.enabled) against a real hermesd: a chat of two
// clients over TLS; a plaintext client on the TLS port and a TLS client on
// the plaintext port, each told clearly; pinning in known_hubs (the
// fingerprint shown on first use, --trust-fingerprint recording it, a
// changed certificate refused with both fingerprints); and the hub's
// self-signed certificate made once, reused across restarts, its key 0600.
#define BOOST_TEST_MODULE TlsTest
#include <boost/test/unit_test.hpp>

#include <poll.h>
#include <sys/stat.h>

#include <chrono>
#include <fstream>
#include <functional>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "BoostSupport.hpp"
#include "Frames.hpp"
#include "HubLog.hpp"
#include "RawClient.hpp"
#include "ToolProcess.hpp"
#include "hermes/client/ClientCore.hpp"
#include "hermes/test/TempDir.hpp"
#include "hermes/tls/Fingerprint.hpp"
#include "hermes/tls/SelfSignedCertificate.hpp"

using namespace std::chrono_literals;
namespace it = hermes::it;
namespace v1 = hermes::v1;
using hermes::client::ClientCore;
using hermes::client::Event;
using hermes::client::EventKind;
using hermes::test::TempDir;

namespace {

it::HubProcess::Settings tlsHub(it::HubProcess::Settings extra = {}) {
    extra["tls.enabled"] = "true";
    return extra;
}

std::string readFile(const std::string& path) {
    std::ifstream in(path);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

mode_t modeOf(const std::string& path) {
    struct stat info {};
    BOOST_REQUIRE(::stat(path.c_str(), &info) == 0);
    return info.st_mode & 0777;
}

// hermes-cat with its known_hubs under `dataHome` (XDG_DATA_HOME, set for
// the child only: env(1)).
std::vector<std::string> catArgs(const std::string& dataHome, std::uint16_t port,
                                 const std::string& nick, std::vector<std::string> extra) {
    std::vector<std::string> args{"/usr/bin/env",
                                  "XDG_DATA_HOME=" + dataHome,
                                  HERMES_IT_HERMES_CAT,
                                  "--host",
                                  "127.0.0.1",
                                  "--port",
                                  std::to_string(port),
                                  "--nick",
                                  nick,
                                  "--room",
                                  "lobby",
                                  "--timeout",
                                  "10"};
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
}

struct CatRun {
    int code = -1;
    std::string out;
    std::string err;
};

CatRun runCat(std::vector<std::string> args, const std::string& input) {
    it::ToolProcess cat(std::move(args), input);
    const auto exit = cat.waitExit(30s);
    BOOST_REQUIRE_MESSAGE(exit.has_value(), "hermes-cat still runs after 30 s");
    BOOST_REQUIRE(exit->exited);
    return CatRun{exit->code, cat.out(), cat.err()};
}

hermes::client::ClientOptions tlsOptions(std::uint16_t port, const std::string& nick,
                                         const std::string& knownHubs,
                                         const std::string& fingerprint) {
    hermes::client::ClientOptions options;
    options.host = "127.0.0.1";
    options.port = port;
    options.nick = nick;
    options.clientName = "integration TlsTest";
    options.tls = true;
    options.knownHubsPath = knownHubs;
    options.trustFingerprint = fingerprint;
    options.autoReconnect = false;
    return options;
}

std::unique_ptr<Event> waitFor(ClientCore& core, const std::function<bool(const Event&)>& wanted,
                               it::Deadline deadline) {
    for (;;) {
        auto event = std::make_unique<Event>();
        while (core.pollEvent(*event)) {
            if (wanted(*event)) {
                return event;
            }
            event = std::make_unique<Event>();
        }
        const int timeout = it::pollTimeoutMs(deadline);
        if (timeout == 0) {
            return nullptr;
        }
        pollfd fd{core.wakeFd(), POLLIN, 0};
        ::poll(&fd, 1, timeout);
    }
}

bool isChat(const Event& e, const std::string& from, const std::string& text) {
    return e.kind == EventKind::Envelope && e.envelope->has_message() &&
           e.envelope->message().from() == from && e.envelope->message().text() == text;
}

}  // namespace

BOOST_AUTO_TEST_CASE(two_clients_chat_over_tls) {
    it::HubGuard guard(tlsHub());
    const std::string fingerprint = it::loggedFingerprint(guard.hub);
    TempDir data("hermes-tls-it");
    const std::string knownHubs = data.file("known_hubs");
    ClientCore ana(tlsOptions(guard.hub.port(), "ana", knownHubs, fingerprint));
    ClientCore bob(tlsOptions(guard.hub.port(), "bob", knownHubs, fingerprint));
    ana.start();
    BOOST_REQUIRE(waitFor(
        ana, [](const Event& e) { return e.kind == EventKind::Welcomed; }, it::after(10s)));
    bob.start();
    BOOST_REQUIRE(waitFor(
        bob, [](const Event& e) { return e.kind == EventKind::Welcomed; }, it::after(10s)));
    // ana is in the room before bob joins, so she hears him arrive.
    BOOST_REQUIRE(ana.join("tls-room"));
    BOOST_REQUIRE(waitFor(
        ana,
        [](const Event& e) {
            return e.kind == EventKind::Envelope && e.envelope->has_members() &&
                   e.envelope->members().room() == "tls-room";
        },
        it::after(10s)));
    BOOST_REQUIRE(bob.join("tls-room"));
    BOOST_REQUIRE(waitFor(
        ana,
        [](const Event& e) {
            return e.kind == EventKind::Envelope && e.envelope->has_presence() &&
                   e.envelope->presence().room() == "tls-room" &&
                   std::find(e.envelope->presence().nicks().begin(),
                             e.envelope->presence().nicks().end(),
                             "bob") != e.envelope->presence().nicks().end();
        },
        it::after(10s)));
    // A short line, then 40 long ones (160 KB: many TLS records each way).
    const auto first = ana.say("tls-room", "hello over TLS");
    BOOST_TEST(first != 0u);
    std::uint64_t last = 0;
    for (int i = 0; i < 40; ++i) {
        last = ana.say("tls-room", std::to_string(i) + std::string(4000, 'z'));
    }
    BOOST_TEST(last != 0u);
    BOOST_TEST(waitFor(
                   bob, [](const Event& e) { return isChat(e, "ana", "hello over TLS"); },
                   it::after(10s)) != nullptr);
    const std::string lastText = "39" + std::string(4000, 'z');
    BOOST_TEST(waitFor(
                   bob, [&](const Event& e) { return isChat(e, "ana", lastText); },
                   it::after(10s)) != nullptr);
    // The sender sees its own echo: the last line acknowledged, none pending.
    BOOST_TEST(
        waitFor(
            ana,
            [&](const Event& e) { return e.kind == EventKind::SendAcked && e.clientMsgId == last; },
            it::after(10s)) != nullptr);
    BOOST_TEST(ana.pendingCount() == 0u);
    // The first connection recorded the hub (--trust-fingerprint's way).
    BOOST_TEST(readFile(knownHubs).find(fingerprint) != std::string::npos);
    ana.stop("bye");
    bob.stop("bye");
    guard.expectCleanStop();
}

BOOST_AUTO_TEST_CASE(a_plaintext_client_on_the_tls_port_is_told_to_use_tls) {
    it::HubGuard guard(tlsHub());
    // The raw protocol: a Hello in plaintext gets a plaintext Error, then the end.
    it::RawClient raw(guard.hub.port(), "plaintext");
    raw.send(it::helloEnvelope("plain"));
    const auto error =
        raw.expect(it::isError(v1::ERROR_CODE_PROTOCOL_VERSION), it::after(5s), "Error");
    BOOST_TEST(error.envelope.error().fatal());
    BOOST_TEST(error.envelope.error().text().find("this port speaks TLS") != std::string::npos);
    BOOST_TEST(error.envelope.error().text().find("--tls") != std::string::npos);
    BOOST_TEST(raw.waitClosed(it::after(5s)));

    // hermes-cat without --tls says so and gives up (no reconnect loop).
    TempDir data("hermes-tls-it");
    const CatRun cat = runCat(catArgs(data.path, guard.hub.port(), "plaincat", {}), "hi\n");
    BOOST_TEST(cat.code == 3);
    BOOST_TEST(cat.err.find("this port speaks TLS: connect with --tls") != std::string::npos,
               "stderr: " << cat.err);
    BOOST_TEST(it::logShows(guard.hub, "sent plaintext to the TLS port", it::after(5s)));
    guard.expectCleanStop();
}

BOOST_AUTO_TEST_CASE(a_tls_client_on_the_plaintext_port_hears_that_the_hub_speaks_no_tls) {
    it::HubGuard guard;  // tls.enabled = false
    TempDir data("hermes-tls-it");
    const CatRun cat = runCat(catArgs(data.path, guard.hub.port(), "tlscat", {"--tls"}), "hi\n");
    BOOST_TEST(cat.code == 3);
    const std::string hub = "127.0.0.1:" + std::to_string(guard.hub.port());
    BOOST_TEST(cat.err.find("the hub at " + hub + " does not speak TLS") != std::string::npos,
               "stderr: " << cat.err);
    BOOST_TEST(it::logShows(
        guard.hub, "sent a TLS handshake (first byte 0x16) to this plaintext port", it::after(5s)));
    // Nobody else is disturbed: a plaintext client still gets in.
    it::RawClient raw(guard.hub.port(), "plaintext");
    raw.hello("plain", it::after(5s));
    guard.expectCleanStop();
}

BOOST_AUTO_TEST_CASE(the_fingerprint_is_shown_on_first_use_and_recorded_when_vouched_for) {
    it::HubGuard guard(tlsHub());
    const std::string fingerprint = it::loggedFingerprint(guard.hub);
    TempDir data("hermes-tls-it");
    const std::string knownHubs = data.file("hermes/known_hubs");

    const CatRun first = runCat(catArgs(data.path, guard.hub.port(), "ana", {"--tls"}), "hi\n");
    BOOST_TEST(first.code == 2);
    BOOST_TEST(first.err.find("is not in " + knownHubs) != std::string::npos,
               "stderr: " << first.err);
    BOOST_TEST(first.err.find(fingerprint) != std::string::npos, "stderr: " << first.err);
    BOOST_TEST(first.err.find("--trust-fingerprint") != std::string::npos);
    BOOST_TEST(readFile(knownHubs).empty());  // nothing trusted without the user

    // Vouched for: connects, sends, and the hub is recorded.
    const CatRun vouched = runCat(
        catArgs(data.path, guard.hub.port(), "ana", {"--tls", "--trust-fingerprint", fingerprint}),
        "first line\n");
    BOOST_TEST(vouched.code == 0, "stderr: " << vouched.err);
    BOOST_TEST(vouched.out.find("<ana> first line") != std::string::npos);
    const std::string hub = "127.0.0.1:" + std::to_string(guard.hub.port());
    BOOST_TEST(readFile(knownHubs) == hub + " " + fingerprint + "\n");

    // From then on --tls alone is enough.
    const CatRun later =
        runCat(catArgs(data.path, guard.hub.port(), "ana", {"--tls"}), "second line\n");
    BOOST_TEST(later.code == 0, "stderr: " << later.err);

    // A wrong --trust-fingerprint for a new hub is refused, and says so.
    TempDir other("hermes-tls-it");
    std::string wrong = fingerprint;
    wrong.back() = wrong.back() == '0' ? '1' : '0';
    const CatRun refused = runCat(
        catArgs(other.path, guard.hub.port(), "ana", {"--tls", "--trust-fingerprint", wrong}),
        "x\n");
    BOOST_TEST(refused.code == 2);
    BOOST_TEST(refused.err.find("is not the fingerprint the hub presented") != std::string::npos,
               "stderr: " << refused.err);
    guard.expectCleanStop();
}

BOOST_AUTO_TEST_CASE(a_changed_certificate_is_refused_with_both_fingerprints) {
    TempDir certs("hermes-tls-it");
    const hermes::tls::CertificateFiles a{certs.file("a.crt"), certs.file("a.key")};
    const hermes::tls::CertificateFiles b{certs.file("b.crt"), certs.file("b.key")};
    hermes::tls::writeSelfSignedCertificate(a, "hub a");
    hermes::tls::writeSelfSignedCertificate(b, "hub b");
    const std::string fingerprintA = hermes::tls::fingerprintOfPemFile(a.certificatePath);
    const std::string fingerprintB = hermes::tls::fingerprintOfPemFile(b.certificatePath);
    TempDir data("hermes-tls-it");
    const std::string knownHubs = data.file("hermes/known_hubs");

    std::uint16_t port = 0;
    {
        it::HubGuard guard(
            tlsHub({{"tls.certificate", a.certificatePath}, {"tls.key", a.keyPath}}));
        port = guard.hub.port();
        BOOST_TEST(it::loggedFingerprint(guard.hub) == fingerprintA);
        const CatRun pinned =
            runCat(catArgs(data.path, port, "ana", {"--tls", "--trust-fingerprint", fingerprintA}),
                   "with a\n");
        BOOST_REQUIRE_MESSAGE(pinned.code == 0, "stderr: " << pinned.err);
        guard.expectCleanStop();
    }
    // The same address, another certificate.
    it::HubGuard guard(tlsHub({{"hermesd.port", std::to_string(port)},
                               {"tls.certificate", b.certificatePath},
                               {"tls.key", b.keyPath}}));
    BOOST_REQUIRE(guard.hub.port() == port);
    const CatRun changed = runCat(catArgs(data.path, port, "ana", {"--tls"}), "with b\n");
    BOOST_TEST(changed.code == 2);
    BOOST_TEST(changed.err.find("has CHANGED") != std::string::npos, "stderr: " << changed.err);
    BOOST_TEST(changed.err.find("pinned:    " + fingerprintA) != std::string::npos);
    BOOST_TEST(changed.err.find("presented: " + fingerprintB) != std::string::npos);
    BOOST_TEST(changed.err.find(knownHubs + ", line 1") != std::string::npos);
    BOOST_TEST(changed.err.find("sed -i '1d' " + knownHubs) != std::string::npos);
    // --trust-fingerprint does not override a pin: still refused.
    const CatRun overridden = runCat(
        catArgs(data.path, port, "ana", {"--tls", "--trust-fingerprint", fingerprintB}), "x\n");
    BOOST_TEST(overridden.code == 2);
    BOOST_TEST(overridden.err.find("has CHANGED") != std::string::npos);
    // Nothing was said with b: the hub never saw a Hello from ana.
    BOOST_TEST(guard.hub.log().find("ana) welcomed") == std::string::npos);
    guard.expectCleanStop();
}

BOOST_AUTO_TEST_CASE(the_self_signed_certificate_is_made_once_and_reused) {
    TempDir dir("hermes-tls-it");
    const std::string database = dir.file("hermes-history.db");
    const std::string certificate = dir.file("hermes-hub.crt");
    const std::string key = dir.file("hermes-hub.key");
    std::string first;
    {
        it::HubGuard guard(tlsHub({{"history.path", database}}));
        first = it::loggedFingerprint(guard.hub);
        BOOST_TEST(guard.hub.log().find("made a self-signed certificate " + certificate) !=
                   std::string::npos);
        BOOST_TEST(modeOf(key) == 0600u);
        BOOST_TEST(hermes::tls::fingerprintOfPemFile(certificate) == first);
        guard.expectCleanStop();
    }
    it::HubGuard guard(tlsHub({{"history.path", database}}));
    BOOST_TEST(it::loggedFingerprint(guard.hub) == first);
    BOOST_TEST(guard.hub.log().find("made a self-signed") == std::string::npos);
    BOOST_TEST(modeOf(key) == 0600u);
    guard.expectCleanStop();
}

BOOST_AUTO_TEST_CASE(half_a_certificate_pair_stops_the_hub_with_a_clear_error) {
    TempDir dir("hermes-tls-it");
    std::ofstream(dir.file("hermes-hub.key")) << "not a key\n";
    const std::string database = dir.file("hermes-history.db");
    BOOST_CHECK_EXCEPTION(it::HubProcess(tlsHub({{"history.path", database}}), 10s),
                          std::runtime_error, [](const std::runtime_error& e) {
                              return std::string(e.what()).find("without") != std::string::npos;
                          });
}

BOOST_AUTO_TEST_CASE(a_failed_handshake_drops_only_that_client_and_is_logged) {
    it::HubGuard guard(tlsHub());
    const std::string fingerprint = it::loggedFingerprint(guard.hub);
    // A TLS record header, then a handshake message that is not a ClientHello.
    it::RawClient broken(guard.hub.port(), "broken");
    broken.sendBytes(std::string("\x16\x03\x01\x00\x08\x63\x00\x00\x04junk", 13));
    BOOST_TEST(broken.waitClosed(it::after(5s)));
    BOOST_TEST(it::logShows(guard.hub, "TLS handshake failed: ", it::after(5s)));
    const std::string log = guard.hub.log();
    const auto line = log.substr(log.find("TLS handshake failed: "));
    BOOST_TEST(line.substr(0, line.find('\n')).find("(OpenSSL: ") != std::string::npos, line);
    BOOST_TEST(log.find("127.0.0.1:") != std::string::npos);
    // Everyone else carries on.
    TempDir data("hermes-tls-it");
    const CatRun cat = runCat(catArgs(data.path, guard.hub.port(), "after",
                                      {"--tls", "--trust-fingerprint", fingerprint}),
                              "still here\n");
    BOOST_TEST(cat.code == 0, "stderr: " << cat.err);
    guard.expectCleanStop();
}

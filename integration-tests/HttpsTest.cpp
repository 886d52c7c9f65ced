// https and wss on hermesd's HTTP listener (http.tls) against a real hermesd:
// the page over https with the certificate the hub made (its fingerprint as
// logged); a wss session that chats with a plain TCP client and with a TLS
// client (ClientCore over tls.enabled), long messages included (many records
// each way); plaintext HTTP on the https port answered 400 "use https";
// a failed handshake dropping only that connection; the Host and Origin
// checks still applied over https; a stalled handshake closed after
// http.timeout_ms; http.tls = false keeping the page on http.
#define BOOST_TEST_MODULE HttpsTest
#include <boost/test/unit_test.hpp>

#include <poll.h>

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "BoostSupport.hpp"
#include "Frames.hpp"
#include "HttpHub.hpp"
#include "HubLog.hpp"
#include "RawClient.hpp"
#include "WebClient.hpp"
#include "hermes/client/ClientCore.hpp"
#include "hermes/test/TempDir.hpp"

using namespace std::chrono_literals;
namespace it = hermes::it;
namespace v1 = hermes::v1;
using hermes::client::ClientCore;
using hermes::client::Event;
using hermes::client::EventKind;

namespace {

constexpr auto kWait = 10s;
constexpr auto kHttps = it::Scheme::Https;
const std::string kPage = "<!doctype html><title>Hermes over https</title>";

// A hub whose HTTP listener speaks https, its TCP port plain unless `extra`
// says otherwise, serving a one-file page.
struct HttpsHub {
    explicit HttpsHub(it::HubProcess::Settings extra = {})
        : web(settings(site, std::move(extra))) {}
    static it::HubProcess::Settings settings(const it::TempDir& site,
                                             it::HubProcess::Settings extra) {
        site.write("index.html", kPage);
        extra["hub.default_room"] = "lobby";
        extra["http.static_dir"] = site.path.string();
        if (extra.find("tls.enabled") == extra.end()) {
            extra["http.tls"] = "true";
        }
        return extra;
    }
    it::TempDir site;
    it::HttpHub web;
};

// A plain TCP client in lobby that must go on being served.
struct Witness {
    explicit Witness(std::uint16_t port) : client(port, "witness") {
        client.hello("witness", it::after(kWait));
        client.expect(it::isBody(v1::Envelope::kMembers), it::after(kWait), "lobby's members");
    }
    void stillServed() {
        client.sync(it::after(kWait));
        const std::string text = "still served " + std::to_string(++said);
        client.send(it::sayEnvelope("lobby", text, said));
        client.expect(it::isChatText("lobby", text), it::after(kWait), "the echo of " + text);
    }
    it::RawClient client;
    std::uint64_t said = 0;
};

// A browser-like client: wss://127.0.0.1:port/ws, Origin the https page's own.
std::unique_ptr<it::WebClient> openWss(std::uint16_t port, const std::string& nick) {
    auto client = std::make_unique<it::WebClient>(port, nick, kHttps);
    client->open(it::after(kWait));
    client->hello(nick, it::after(kWait));
    client->expect(it::isBody(v1::Envelope::kMembers), it::after(kWait), "lobby's members");
    return client;
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

}  // namespace

BOOST_AUTO_TEST_CASE(the_page_over_https_with_the_hubs_certificate) {
    HttpsHub hub;
    const std::uint16_t port = hub.web.httpPort;
    const std::string fingerprint = it::loggedFingerprint(hub.web.hub());
    BOOST_TEST(it::logShows(hub.web.hub(), "https on 127.0.0.1:" + std::to_string(port),
                            it::after(kWait)));
    it::HttpConnection connection(port, kHttps);
    connection.send(it::httpGet(port, "/"));
    const it::HttpAnswer page = connection.read(it::after(kWait));
    BOOST_TEST(page.status == 200);
    BOOST_TEST(page.body == kPage);
    BOOST_TEST(page.header("content-security-policy").find("script-src 'self'") !=
               std::string::npos);
    BOOST_REQUIRE(connection.tls() != nullptr);
    BOOST_TEST(connection.tls()->stream().handshakeDone());
    BOOST_TEST(connection.tls()->stream().peerFingerprint().value_or("") == fingerprint);
    // Keep-alive: a second request on the same TLS session.
    connection.send(it::httpGet(port, "/index.html", {}, "HEAD"));
    const it::HttpAnswer head = connection.read(it::after(kWait), true);
    BOOST_TEST(head.status == 200);
    hub.web.guard->expectCleanStop();
}

BOOST_AUTO_TEST_CASE(a_wss_session_chats_with_a_tcp_client) {
    HttpsHub hub;
    Witness witness(hub.web.hub().port());
    auto ana = openWss(hub.web.httpPort, "ana");
    BOOST_TEST(it::logShows(hub.web.hub(), "WebSocket session over https", it::after(kWait)));
    ana->send(it::sayEnvelope("lobby", "hello from wss", 1));
    witness.client.expect(it::isChatText("lobby", "hello from wss"), it::after(kWait),
                          "ana's line at the TCP client");
    // 40 lines of 4000 bytes each way: many TLS records, frames across them.
    for (int i = 0; i < 40; ++i) {
        const std::string text = std::to_string(i) + std::string(4000, 'w');
        witness.client.send(it::sayEnvelope("lobby", text, 100 + i));
        ana->send(it::sayEnvelope("lobby", text + "a", 200 + i));
    }
    const std::string last = "39" + std::string(4000, 'w');
    ana->expect(it::isChatText("lobby", last), it::after(kWait), "the witness's last long line");
    witness.client.expect(it::isChatText("lobby", last + "a"), it::after(kWait),
                          "ana's last long line");
    ana->sync(it::after(kWait));
    BOOST_TEST(ana->violation().empty(), ana->violation());
    // A normal close: the close frame answered, then the TLS session ends.
    ana->sendRaw(it::WebClient::frame(it::WebClient::kClose, std::string("\x03\xe8", 2)));
    BOOST_TEST(ana->expectClose(it::after(kWait)) == 1000);
    BOOST_TEST(ana->waitEof(it::after(kWait)));
    witness.stillServed();
    hub.web.guard->expectCleanStop();
}

BOOST_AUTO_TEST_CASE(a_wss_session_chats_with_a_tls_client) {
    // tls.enabled alone: the TCP port speaks TLS and http.tls follows it.
    HttpsHub hub(it::HubProcess::Settings{{"tls.enabled", "true"}});
    const std::string fingerprint = it::loggedFingerprint(hub.web.hub());
    hermes::test::TempDir data("hermes-https-it");
    hermes::client::ClientOptions options;
    options.host = "127.0.0.1";
    options.port = hub.web.hub().port();
    options.nick = "bob";
    options.clientName = "integration HttpsTest";
    options.tls = true;
    options.knownHubsPath = data.file("known_hubs");
    options.trustFingerprint = fingerprint;
    options.autoReconnect = false;
    auto ana = openWss(hub.web.httpPort, "ana");
    ClientCore bob(options);
    bob.start();
    BOOST_REQUIRE(waitFor(
        bob, [](const Event& e) { return e.kind == EventKind::Welcomed; }, it::after(kWait)));
    ana->expect(it::isPresence(v1::PRESENCE_KIND_JOINED, "bob"), it::after(kWait), "bob's join");
    BOOST_TEST(bob.say("lobby", "hello from TLS") != 0u);
    ana->expect(it::isChatText("lobby", "hello from TLS"), it::after(kWait), "bob's line");
    ana->send(it::sayEnvelope("lobby", "hello from wss", 1));
    BOOST_TEST(waitFor(
                   bob,
                   [](const Event& e) {
                       return e.kind == EventKind::Envelope && e.envelope->has_message() &&
                              e.envelope->message().from() == "ana" &&
                              e.envelope->message().text() == "hello from wss";
                   },
                   it::after(kWait)) != nullptr);
    BOOST_TEST(ana->tls()->stream().peerFingerprint().value_or("") == fingerprint);
    bob.stop("bye");
    hub.web.guard->expectCleanStop();
}

BOOST_AUTO_TEST_CASE(plaintext_http_on_the_https_port_is_told_to_use_https) {
    HttpsHub hub;
    const std::uint16_t port = hub.web.httpPort;
    Witness witness(hub.web.hub().port());
    auto ana = openWss(port, "ana");
    it::HttpConnection plain(port);  // http://
    plain.send(it::httpGet(port, "/"));
    const it::HttpAnswer answer = plain.read(it::after(kWait));
    BOOST_TEST(answer.status == 400);
    BOOST_TEST(answer.body.find("https://") != std::string::npos, answer.body);
    BOOST_TEST(plain.waitClosed(it::after(kWait)));
    BOOST_TEST(
        it::logShows(hub.web.hub(), "sent plaintext HTTP to the https port", it::after(kWait)));
    // A plaintext WebSocket upgrade is refused the same way.
    it::WebClient plainWs(port, "plain-ws");
    BOOST_TEST(plainWs
                   .upgrade(it::WebClient::upgradeRequest(port, it::WebClient::pageOrigin(port)),
                            it::after(kWait))
                   .status == 400);
    ana->sync(it::after(kWait));
    witness.stillServed();
    hub.web.guard->expectCleanStop();
}

BOOST_AUTO_TEST_CASE(a_failed_handshake_drops_only_that_connection) {
    HttpsHub hub(it::HubProcess::Settings{{"http.timeout_ms", "1000"}});
    const std::uint16_t port = hub.web.httpPort;
    Witness witness(hub.web.hub().port());
    auto ana = openWss(port, "ana");
    // A TLS handshake record whose ClientHello is nonsense.
    it::HttpConnection bogus(port);
    bogus.send(std::string("\x16\x03\x01\x00\x08\x01\x00\x00\x04\xde\xad\xbe\xef", 13));
    BOOST_TEST(bogus.waitClosed(it::after(kWait)), "the bad handshake's connection is closed");
    BOOST_TEST(it::logShows(hub.web.hub(), "https: TLS handshake failed", it::after(kWait)));
    // One that stops half-way and waits is dropped after http.timeout_ms.
    it::HttpConnection halfway(port);
    halfway.send(std::string("\x16\x03\x01", 3));
    BOOST_TEST(halfway.waitClosed(it::after(kWait)), "the stalled handshake is closed");
    // Everyone else carries on, and a new https client is served.
    ana->sync(it::after(kWait));
    ana->send(it::sayEnvelope("lobby", "still here", 1));
    witness.client.expect(it::isChatText("lobby", "still here"), it::after(kWait),
                          "ana's line after the bad handshakes");
    witness.stillServed();
    BOOST_TEST(it::httpExchange(port, it::httpGet(port, "/"), it::after(kWait), kHttps).status ==
               200);
    hub.web.guard->expectCleanStop();
}

BOOST_AUTO_TEST_CASE(host_and_origin_checks_apply_over_https) {
    HttpsHub hub;
    const std::uint16_t port = hub.web.httpPort;
    // DNS rebinding: a Host that is not one of the hub's names.
    const it::HttpAnswer rebound = it::httpExchange(
        port, "GET / HTTP/1.1\r\nHost: evil.example\r\n\r\n", it::after(kWait), kHttps);
    BOOST_TEST(rebound.status == 421);
    // Another site's page may not open the WebSocket.
    it::WebClient foreign(port, "foreign", kHttps);
    BOOST_TEST(
        foreign
            .upgrade(it::WebClient::upgradeRequest(port, "https://evil.example"), it::after(kWait))
            .status == 403);
    BOOST_TEST(it::logShows(hub.web.hub(), "refused a WebSocket from Origin https://evil.example",
                            it::after(kWait)));
    // The https page's own Origin may.
    it::WebClient own(port, "own", kHttps);
    BOOST_TEST(
        own.upgrade(it::WebClient::upgradeRequest(port, it::WebClient::pageOrigin(port, kHttps)),
                    it::after(kWait))
            .status == 101);
    hub.web.guard->expectCleanStop();
}

BOOST_AUTO_TEST_CASE(http_tls_false_keeps_the_page_on_http_beside_a_tls_port) {
    HttpsHub hub(it::HubProcess::Settings{{"tls.enabled", "true"}, {"http.tls", "false"}});
    const std::uint16_t port = hub.web.httpPort;
    BOOST_TEST(
        it::logShows(hub.web.hub(), "http on 127.0.0.1:" + std::to_string(port), it::after(kWait)));
    const it::HttpAnswer page = it::httpExchange(port, it::httpGet(port, "/"), it::after(kWait));
    BOOST_TEST(page.status == 200);
    BOOST_TEST(page.body == kPage);
    hub.web.guard->expectCleanStop();
}

// The browser's transport against a real hermesd, on raw sockets: GET /ws
// upgrades (bad ones, wrong Origins), then frames as a hostile or clumsy
// client sends them. Each case gets the answer docs/PROTOCOL.md
// ("WebSocket") and docs/HUB.md document, and a witness TCP client in the
// same room is still served afterwards: nothing a browser does to its own
// session reaches anyone else. Last, a WebSocket session is a hub session
// like any other: the same handshake, echoes, seqs, stats and goodbyes as a
// TCP client's.
#define BOOST_TEST_MODULE WebSocketTest
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <string>
#include <vector>

#include "BoostSupport.hpp"
#include "Frames.hpp"
#include "HttpHub.hpp"
#include "RawClient.hpp"
#include "WebClient.hpp"

using namespace std::chrono_literals;
namespace it = hermes::it;
namespace v1 = hermes::v1;

namespace {

constexpr auto kWait = 5s;

it::HubProcess::Settings settings(it::HubProcess::Settings extra = {}) {
    it::HubProcess::Settings all{{"hub.default_room", "lobby"}};
    for (auto& [key, value] : extra) {
        all[key] = value;
    }
    return all;
}

// A TCP client in lobby that must go on being served, whatever the
// WebSocket clients do.
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
    // The QUIT presence of `nick`; returns its reason.
    std::string quitOf(const std::string& nick) {
        return client
            .expect(it::isPresence(v1::PRESENCE_KIND_QUIT, nick), it::after(kWait),
                    "QUIT of " + nick)
            .envelope.presence()
            .reason();
    }
    it::RawClient client;
    std::uint64_t said = 0;
};

std::string sayBytes(const std::string& text, std::uint64_t id) {
    return it::sayEnvelope("lobby", text, id).SerializeAsString();
}

}  // namespace

BOOST_AUTO_TEST_CASE(bad_upgrades_get_their_http_answer) {
    it::HttpHub web(settings());
    Witness witness(web.hub().port());
    const std::uint16_t port = web.httpPort;
    const std::string host = "Host: 127.0.0.1:" + std::to_string(port) + "\r\n";
    const std::string key = "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n";
    const std::string version = "Sec-WebSocket-Version: 13\r\n";
    struct Case {
        const char* name;
        std::string request;
        int status;
    };
    const Case cases[] = {
        {"no Upgrade",
         "GET /ws HTTP/1.1\r\n" + host + "Connection: Upgrade\r\n" + key + version + "\r\n", 400},
        {"Upgrade: h2c",
         "GET /ws HTTP/1.1\r\n" + host + "Upgrade: h2c\r\nConnection: Upgrade\r\n" + key + version +
             "\r\n",
         400},
        {"no Connection: Upgrade",
         "GET /ws HTTP/1.1\r\n" + host + "Upgrade: websocket\r\nConnection: keep-alive\r\n" + key +
             version + "\r\n",
         400},
        {"no key",
         "GET /ws HTTP/1.1\r\n" + host + "Upgrade: websocket\r\nConnection: Upgrade\r\n" + version +
             "\r\n",
         400},
        {"a key of 8 bytes",
         "GET /ws HTTP/1.1\r\n" + host +
             "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: AAAAAAAAAAA=\r\n" +
             version + "\r\n",
         400},
        {"HTTP/1.0",
         "GET /ws HTTP/1.0\r\n" + host + "Upgrade: websocket\r\nConnection: Upgrade\r\n" + key +
             version + "\r\n",
         400},
        {"version 8",
         "GET /ws HTTP/1.1\r\n" + host + "Upgrade: websocket\r\nConnection: Upgrade\r\n" + key +
             "Sec-WebSocket-Version: 8\r\n\r\n",
         426},
        {"POST",
         "POST /ws HTTP/1.1\r\n" + host + "Upgrade: websocket\r\nConnection: Upgrade\r\n" + key +
             version + "Content-Length: 0\r\n\r\n",
         405},
    };
    for (const Case& c : cases) {
        BOOST_TEST_CONTEXT(c.name) {
            it::WebClient client(port, c.name);
            const it::HttpAnswer answer = client.upgrade(c.request, it::after(kWait));
            BOOST_TEST(answer.status == c.status);
            BOOST_TEST(answer.header("upgrade").empty());  // nothing was upgraded
            BOOST_TEST(answer.header("content-security-policy").find("script-src 'self'") !=
                       std::string::npos);
            if (c.status == 426) {
                BOOST_TEST(answer.header("sec-websocket-version") == "13");
            }
            if (c.status == 405) {
                BOOST_TEST(answer.header("allow") == "GET");
            }
            BOOST_TEST(client.waitEof(it::after(kWait)), "the refused connection is closed");
            witness.stillServed();
        }
    }
    web.guard->expectCleanStop();
}

BOOST_AUTO_TEST_CASE(an_origin_that_is_not_the_pages_own_is_refused) {
    {
        it::HttpHub web(settings());
        Witness witness(web.hub().port());
        const std::uint16_t port = web.httpPort;
        const std::string self = "127.0.0.1:" + std::to_string(port);
        struct Case {
            std::string origin;
            int status;
        };
        const Case cases[] = {
            {"http://evil.example", 403},
            {"http://evil.example:" + std::to_string(port), 403},
            {"http://127.0.0.1:" + std::to_string(port == 65535 ? 1 : port + 1), 403},
            {"null", 403},
            {"file://", 403},
            {"http://" + self + "/path", 403},
            {"http://" + self, 101},
            {"HTTP://127.0.0.1:" + std::to_string(port), 101},
            {"", 101},  // no Origin: not a browser
        };
        for (const Case& c : cases) {
            BOOST_TEST_CONTEXT("Origin '" << c.origin << "'") {
                it::WebClient client(port, "origin");
                const it::HttpAnswer answer =
                    client.upgrade(it::WebClient::upgradeRequest(port, c.origin), it::after(kWait));
                BOOST_TEST(answer.status == c.status);
                if (c.status == 101) {
                    BOOST_TEST(client.hello("o" + std::to_string(witness.said), it::after(kWait))
                                   .nick()
                                   .size() > 0u);
                }
                witness.stillServed();
            }
        }
        BOOST_TEST(web.hub().log().find("refused a WebSocket from Origin http://evil.example") !=
                   std::string::npos);
        web.guard->expectCleanStop();
    }
    // A list replaces the same-host rule.
    it::HttpHub web(
        settings({{"http.allowed_origins", "http://chat.example:8080, https://b.example"}}));
    const std::uint16_t port = web.httpPort;
    const auto statusFor = [&](const std::string& origin) {
        it::WebClient client(port, "listed");
        return client.upgrade(it::WebClient::upgradeRequest(port, origin), it::after(kWait)).status;
    };
    BOOST_TEST(statusFor("http://chat.example:8080") == 101);
    BOOST_TEST(statusFor("https://b.example") == 101);
    BOOST_TEST(statusFor(it::WebClient::pageOrigin(port)) == 403);
    BOOST_TEST(statusFor("http://chat.example") == 403);
    web.guard->expectCleanStop();
}

BOOST_AUTO_TEST_CASE(framing_faults_end_the_session_with_their_close_code) {
    it::HttpHub web(settings());
    Witness witness(web.hub().port());
    struct Case {
        const char* nick;
        std::string frame;
        std::uint16_t code;
        const char* reason;  // in the QUIT the room sees
    };
    const Case cases[] = {
        {"unmasked", it::WebClient::frame(it::WebClient::kFinBinary, sayBytes("x", 1), false), 1002,
         "unmasked"},
        {"text", it::WebClient::frame(it::WebClient::kFinText, "hello"), 1003, "text message"},
        {"reserved", it::WebClient::frame(0xC2, sayBytes("x", 1)), 1002, "reserved bits"},
        {"opcode3", it::WebClient::frame(0x83, "x"), 1002, "unknown opcode"},
        {"bigping", it::WebClient::frame(it::WebClient::kPing, std::string(126, 'p')), 1002,
         "over 125 bytes"},
        {"orphan", it::WebClient::frame(it::WebClient::kFinContinuation, "x"), 1002,
         "no message to continue"},
    };
    for (const Case& c : cases) {
        BOOST_TEST_CONTEXT(c.nick) {
            it::WebClient client(web.httpPort, c.nick);
            client.open(it::after(kWait));
            client.hello(c.nick, it::after(kWait));
            witness.client.expect(it::isPresence(v1::PRESENCE_KIND_JOINED, c.nick),
                                  it::after(kWait), std::string("JOINED of ") + c.nick);
            client.sendRaw(c.frame);
            BOOST_TEST(client.expectClose(it::after(kWait)) == c.code);
            BOOST_TEST(client.waitEof(it::after(kWait)), "the hub closes the connection");
            BOOST_TEST(client.violation().empty(), client.violation());
            const std::string quit = witness.quitOf(c.nick);
            BOOST_TEST(quit.find(c.reason) != std::string::npos, "QUIT reason: " << quit);
            BOOST_TEST(quit.find("close " + std::to_string(c.code)) != std::string::npos);
            witness.stillServed();
        }
    }
    web.guard->expectCleanStop();
}

BOOST_AUTO_TEST_CASE(messages_in_the_read_that_ends_the_session_still_reach_the_hub) {
    // What a browser does when its user quits: its last lines, Bye{text}
    // and close(1000) leave at once, and the hub reads them in one read.
    // Over TCP the bytes and the end of the stream come in two reads and the
    // room sees all of it; so it must over WebSocket.
    it::HttpHub web(settings());
    Witness witness(web.hub().port());
    {
        it::WebClient client(web.httpPort, "quitter");
        client.open(it::after(kWait));
        client.hello("quitter", it::after(kWait));
        witness.client.expect(it::isPresence(v1::PRESENCE_KIND_JOINED, "quitter"), it::after(kWait),
                              "JOINED of quitter");
        client.sendRaw(it::WebClient::frame(it::WebClient::kFinBinary, sayBytes("last line 1", 1)) +
                       it::WebClient::frame(it::WebClient::kFinBinary, sayBytes("last line 2", 2)) +
                       it::WebClient::frame(it::WebClient::kFinBinary,
                                            it::byeEnvelope("off to lunch").SerializeAsString()) +
                       it::WebClient::frame(it::WebClient::kClose, it::hexToBytes("03 e8")));
        BOOST_TEST(client.expectClose(it::after(kWait)) == 1000);
        BOOST_TEST(client.waitEof(it::after(kWait)));
        BOOST_TEST(client.violation().empty(), client.violation());
        witness.client.expect(it::isChatText("lobby", "last line 1"), it::after(kWait),
                              "quitter's next to last line");
        witness.client.expect(it::isChatText("lobby", "last line 2"), it::after(kWait),
                              "quitter's last line");
        BOOST_TEST(witness.quitOf("quitter") == "off to lunch");
    }
    {
        // A framing fault after sound messages in the same read: the
        // messages before it are handled, as a TCP client's frames before a
        // bad one are.
        it::WebClient client(web.httpPort, "faulty");
        client.open(it::after(kWait));
        client.hello("faulty", it::after(kWait));
        witness.client.expect(it::isPresence(v1::PRESENCE_KIND_JOINED, "faulty"), it::after(kWait),
                              "JOINED of faulty");
        client.sendRaw(
            it::WebClient::frame(it::WebClient::kFinBinary, sayBytes("before the fault", 3)) +
            it::WebClient::frame(it::WebClient::kFinBinary, sayBytes("unmasked", 4), false));
        BOOST_TEST(client.expectClose(it::after(kWait)) == 1002);
        BOOST_TEST(client.waitEof(it::after(kWait)));
        witness.client.expect(it::isChatText("lobby", "before the fault"), it::after(kWait),
                              "the line before the fault");
        const std::string quit = witness.quitOf("faulty");
        BOOST_TEST(quit.find("unmasked") != std::string::npos, "QUIT reason: " << quit);
    }
    witness.stillServed();
    web.guard->expectCleanStop();
}

BOOST_AUTO_TEST_CASE(an_oversized_message_gets_the_tcp_error_then_close_1009) {
    it::HttpHub web(settings());
    Witness witness(web.hub().port());
    // What a TCP client gets for a frame of 65,537 bytes after Welcome.
    v1::Error tcpError;
    {
        it::RawClient tcp(web.hub().port(), "tcp");
        tcp.hello("tcpbig", it::after(kWait));
        tcp.sendBytes(it::hexToBytes("81 80 04"));  // varint 65,537
        tcpError = tcp.expect(it::isError(v1::ERROR_CODE_FRAME_TOO_LARGE), it::after(kWait),
                              "FRAME_TOO_LARGE over TCP")
                       .envelope.error();
    }
    struct Case {
        const char* name;
        bool welcomed;
        std::string wire;
    };
    const Case cases[] = {
        {"5,000 bytes before Welcome (limit 4 KiB)", false,
         it::WebClient::frame(it::WebClient::kFinBinary, std::string(5000, 'x'))},
        {"65,537 bytes after Welcome", true,
         it::WebClient::frame(it::WebClient::kFinBinary, std::string(65537, 'x'))},
        {"two fragments of 40,000 bytes", true,
         it::WebClient::frame(it::WebClient::kBinaryMore, std::string(40000, 'x')) +
             it::WebClient::frame(it::WebClient::kFinContinuation, std::string(40000, 'x'))},
    };
    int n = 0;
    for (const Case& c : cases) {
        BOOST_TEST_CONTEXT(c.name) {
            it::WebClient client(web.httpPort, "big");
            client.open(it::after(kWait));
            if (c.welcomed) {
                client.hello("big" + std::to_string(++n), it::after(kWait));
            }
            client.sendRaw(c.wire);
            const v1::Error error = client
                                        .expect(it::isError(v1::ERROR_CODE_FRAME_TOO_LARGE),
                                                it::after(kWait), "Error{FRAME_TOO_LARGE}")
                                        .envelope.error();
            BOOST_TEST(error.fatal());
            if (c.welcomed && std::string(c.name).starts_with("65,537")) {
                BOOST_TEST(error.text() == tcpError.text());  // the very same answer
            }
            BOOST_TEST(client.expectClose(it::after(kWait)) == 1009);
            BOOST_TEST(client.waitEof(it::after(kWait)));
            BOOST_TEST(client.violation().empty(), client.violation());
            witness.stillServed();
        }
    }
    web.guard->expectCleanStop();
}

BOOST_AUTO_TEST_CASE(a_fragmented_envelope_is_reassembled) {
    it::HttpHub web(settings());
    Witness witness(web.hub().port());
    it::WebClient client(web.httpPort, "frag");
    client.open(it::after(kWait));
    const std::string hello = it::helloEnvelope("frag").SerializeAsString();
    // Hello in three fragments, a ping between the second and the third.
    client.sendRaw(it::WebClient::frame(it::WebClient::kBinaryMore, hello.substr(0, 3)) +
                   it::WebClient::frame(it::WebClient::kContinuation, hello.substr(3, 4)) +
                   it::WebClient::frame(it::WebClient::kPing, "mid-message") +
                   it::WebClient::frame(it::WebClient::kFinContinuation, hello.substr(7)));
    client.expect(it::isBody(v1::Envelope::kWelcome), it::after(kWait), "Welcome");
    while (client.pongs().empty() && client.readSome(it::after(kWait))) {
    }
    BOOST_TEST_REQUIRE(client.pongs().size() == 1u);
    BOOST_TEST(client.pongs()[0] == "mid-message");
    // A Say in fragments of one byte: its echo comes back, and the witness has it.
    const std::string say = sayBytes("in pieces", 7);
    std::string wire = it::WebClient::frame(it::WebClient::kBinaryMore, say.substr(0, 1));
    for (std::size_t i = 1; i + 1 < say.size(); ++i) {
        wire += it::WebClient::frame(it::WebClient::kContinuation, say.substr(i, 1));
    }
    wire += it::WebClient::frame(it::WebClient::kFinContinuation, say.substr(say.size() - 1));
    client.sendRaw(wire);
    const auto echo = client.expect(it::isChatText("lobby", "in pieces"), it::after(kWait), "echo");
    BOOST_TEST(echo.envelope.message().client_msg_id() == 7u);
    witness.client.expect(it::isChatText("lobby", "in pieces"), it::after(kWait), "the message");
    witness.stillServed();
    BOOST_TEST(client.violation().empty(), client.violation());
    web.guard->expectCleanStop();
}

BOOST_AUTO_TEST_CASE(a_ping_is_answered_and_a_ping_flood_ends_the_session) {
    // The shipped rate figures: control frames get rate_burst + flood_backlog
    // (30) at once and 5 a second.
    it::HttpHub web(settings(
        {{"hub.rate_per_second", "5"}, {"hub.rate_burst", "10"}, {"hub.flood_backlog", "20"}}));
    Witness witness(web.hub().port());
    it::WebClient client(web.httpPort, "pinger");
    client.open(it::after(kWait));
    client.hello("pinger", it::after(kWait));
    client.sendRaw(it::WebClient::frame(it::WebClient::kPing, "one"));
    while (client.pongs().empty() && client.readSome(it::after(kWait))) {
    }
    BOOST_TEST_REQUIRE(client.pongs().size() == 1u);
    BOOST_TEST(client.pongs()[0] == "one");

    std::string flood;
    for (int i = 0; i < 500; ++i) {
        flood += it::WebClient::frame(it::WebClient::kPing, "p" + std::to_string(i));
    }
    client.sendRaw(flood);
    BOOST_TEST(client.expectClose(it::after(kWait)) == 1008);
    BOOST_TEST(client.waitEof(it::after(kWait)));
    // Pongs answered at most the bucket's worth (fewer: only the newest of a
    // batch is owed one).
    BOOST_TEST(client.pongs().size() <= 1u + 31u);
    BOOST_TEST(client.violation().empty(), client.violation());
    const std::string quit = witness.quitOf("pinger");
    BOOST_TEST(quit.find("control frames") != std::string::npos, "QUIT reason: " << quit);
    witness.stillServed();
    web.guard->expectCleanStop();
}

BOOST_AUTO_TEST_CASE(tcp_and_websocket_members_see_the_same_seqs) {
    it::HttpHub web(settings());
    it::RawClient tcp(web.hub().port(), "tana");
    const v1::Welcome tcpWelcome = tcp.hello("tana", it::after(kWait));
    it::WebClient browser(web.httpPort, "wbob");
    browser.open(it::after(kWait));
    const v1::Welcome webWelcome = browser.hello("wbob", it::after(kWait));
    BOOST_TEST(webWelcome.limits().SerializeAsString() == tcpWelcome.limits().SerializeAsString());
    BOOST_TEST(webWelcome.epoch() == tcpWelcome.epoch());
    browser.expect(it::isBody(v1::Envelope::kMembers), it::after(kWait), "lobby's members");
    tcp.expect(it::isPresence(v1::PRESENCE_KIND_JOINED, "wbob"), it::after(kWait), "wbob joined");

    constexpr int kEach = 20;
    for (int i = 0; i < kEach; ++i) {
        tcp.send(it::sayEnvelope("lobby", "tcp " + std::to_string(i), 100 + i));
        browser.send(it::sayEnvelope("lobby", "web " + std::to_string(i), 200 + i));
    }
    const auto collect = [](auto& client, const char* who) {
        std::vector<std::string> seen;  // "seq from text"
        while (seen.size() < 2 * kEach) {
            const auto frame = client.expect(
                [](const it::Frame& f) {
                    return f.envelope.has_message() && f.envelope.message().room() == "lobby";
                },
                it::after(kWait), std::string("lobby's messages at ") + who);
            const auto& m = frame.envelope.message();
            seen.push_back(std::to_string(m.seq()) + " " + m.from() + " " + m.text());
        }
        return seen;
    };
    const std::vector<std::string> atTcp = collect(tcp, "tana");
    const std::vector<std::string> atWeb = collect(browser, "wbob");
    BOOST_TEST(atTcp == atWeb, boost::test_tools::per_element());
    // Gapless, in order.
    for (std::size_t i = 1; i < atTcp.size(); ++i) {
        BOOST_TEST(std::stoull(atTcp[i]) == std::stoull(atTcp[i - 1]) + 1);
    }
    BOOST_TEST(browser.violation().empty(), browser.violation());
    web.guard->expectCleanStop();
}

BOOST_AUTO_TEST_CASE(a_websocket_session_is_a_session_like_any_other) {
    it::HttpHub web(settings());
    Witness witness(web.hub().port());
    // A client that does not wait for the 101: its Hello rides behind the
    // upgrade request, read by the HTTP server with it, and still counts.
    it::WebClient eager(web.httpPort, "eager");
    eager.sendRaw(
        it::WebClient::upgradeRequest(web.httpPort, it::WebClient::pageOrigin(web.httpPort)) +
        it::WebClient::frame(it::WebClient::kFinBinary,
                             it::helloEnvelope("eager").SerializeAsString()));
    const it::HttpAnswer answer = eager.upgrade("", it::after(kWait));
    BOOST_TEST_REQUIRE(answer.status == 101);
    eager.expect(it::isBody(v1::Envelope::kWelcome), it::after(kWait), "Welcome for eager");

    it::WebClient browser(web.httpPort, "web");
    browser.open(it::after(kWait));
    browser.hello("web", it::after(kWait));
    browser.send(it::statsRequestEnvelope());
    const v1::Stats stats =
        browser.expect(it::isBody(v1::Envelope::kStats), it::after(kWait), "Stats")
            .envelope.stats();
    BOOST_TEST(stats.clients() == 3u);  // the witness and both browsers

    // Its Bye: the room hears the quit text, the browser gets close 1000.
    browser.send(it::byeEnvelope("bye from the browser"));
    BOOST_TEST(browser.expectClose(it::after(kWait)) == 1000);
    BOOST_TEST(browser.waitEof(it::after(kWait)));
    BOOST_TEST(witness.quitOf("web") == "bye from the browser");

    // A browser that closes: answered with a close, the room hears it left.
    it::WebClient closer(web.httpPort, "closer");
    closer.open(it::after(kWait));
    closer.hello("closer", it::after(kWait));
    closer.sendRaw(it::WebClient::frame(it::WebClient::kClose, it::hexToBytes("03 e9") + "gone"));
    BOOST_TEST(closer.expectClose(it::after(kWait)) == 1001);  // its code, echoed
    BOOST_TEST(witness.quitOf("closer") == "connection closed");
    witness.stillServed();

    // Shutdown: Bye{SHUTDOWN}, then close 1001.
    web.guard->expectCleanStop();
    eager.expect(it::isBody(v1::Envelope::kBye), it::after(kWait), "Bye at shutdown");
    BOOST_TEST(eager.expectClose(it::after(kWait)) == 1001);
    BOOST_TEST(eager.violation().empty(), eager.violation());
}

BOOST_AUTO_TEST_CASE(a_full_hub_refuses_a_browser_as_it_refuses_tcp) {
    it::HttpHub web(settings({{"hub.max_clients", "1"}}));
    it::RawClient first(web.hub().port(), "first");
    first.hello("first", it::after(kWait));
    it::WebClient browser(web.httpPort, "late");
    browser.open(it::after(kWait));
    const auto error =
        browser.expect(it::isError(v1::ERROR_CODE_HUB_FULL), it::after(kWait), "HUB_FULL");
    BOOST_TEST(error.envelope.error().fatal());
    BOOST_TEST(browser.expectClose(it::after(kWait)) == 1013);
    first.sync(it::after(kWait));
    web.guard->expectCleanStop();
}

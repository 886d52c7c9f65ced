// hermes-bench's WebSocket client stream (--ws): its frames as the RFC and
// hermesd's reader expect them, and the hub's answer cut at every byte.
#define BOOST_TEST_MODULE WebSocketStreamTest
#include <boost/test/unit_test.hpp>

#include <string>
#include <string_view>
#include <vector>

#include "WebSocketStream.hpp"
#include "hermes/codec/WebSocketReader.hpp"
#include "hermes/v1/hermes.pb.h"

using hermes::bench::WebSocketStream;

namespace {

std::string serverFrame(std::uint8_t first, std::string_view payload) {
    std::string out(1, static_cast<char>(first));
    if (payload.size() < 126) {
        out.push_back(static_cast<char>(payload.size()));
    } else {
        out.push_back(126);
        out.push_back(static_cast<char>(payload.size() >> 8));
        out.push_back(static_cast<char>(payload.size() & 0xFF));
    }
    return out + std::string(payload);
}

const std::string kHead =
    "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
    "Sec-WebSocket-Accept: x\r\n\r\n";

}  // namespace

BOOST_AUTO_TEST_CASE(messages_are_masked_binary_frames_the_hub_reads_back) {
    hermes::v1::Envelope say;
    say.mutable_say()->set_room("bench");
    say.mutable_say()->set_text(std::string(300, 't'));  // a 16-bit length
    hermes::v1::Envelope hello;
    hello.mutable_hello()->set_nick("b1");
    std::string wire;
    WebSocketStream::appendMessage(hello, wire);
    WebSocketStream::appendMessage(say, wire);
    BOOST_TEST((static_cast<std::uint8_t>(wire[0]) == 0x82));
    BOOST_TEST((static_cast<std::uint8_t>(wire[1]) & 0x80) != 0);  // masked
    hermes::codec::WebSocketReader reader(65536);
    std::string hermes;
    BOOST_TEST((reader.feed(wire, hermes) == hermes::codec::WebSocketReader::State::Open));
    const std::string helloBytes = hello.SerializeAsString();
    const std::string sayBytes = say.SerializeAsString();
    BOOST_TEST(hermes.substr(1, helloBytes.size()) == helloBytes);
    BOOST_TEST(hermes.substr(hermes.size() - sayBytes.size()) == sayBytes);
}

BOOST_AUTO_TEST_CASE(the_answer_is_read_at_any_split) {
    const std::string wire = kHead + serverFrame(0x82, "one") +
                             serverFrame(0x82, std::string(200, 'x')) + serverFrame(0x8A, "") +
                             serverFrame(0x82, "three");
    for (std::size_t cut = 1; cut <= wire.size(); ++cut) {
        BOOST_TEST_CONTEXT("reads of " << cut << " bytes") {
            WebSocketStream stream(1 << 20);
            std::vector<std::string> got;
            for (std::size_t at = 0; at < wire.size(); at += cut) {
                stream.feed(std::string_view(wire).substr(at, cut), [&](std::string_view payload) {
                    got.emplace_back(payload);
                    return true;
                });
            }
            BOOST_TEST(stream.upgraded());
            BOOST_TEST(!stream.failed(), stream.error());
            BOOST_TEST_REQUIRE(got.size() == 3u);
            BOOST_TEST(got[0] == "one");
            BOOST_TEST(got[1] == std::string(200, 'x'));
            BOOST_TEST(got[2] == "three");
        }
    }
}

BOOST_AUTO_TEST_CASE(a_refusal_or_a_close_fails_the_stream) {
    {
        WebSocketStream stream(1 << 20);
        stream.feed("HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n",
                    [](std::string_view) { return true; });
        BOOST_TEST(stream.failed());
        BOOST_TEST(stream.error().find("403") != std::string::npos);
    }
    {
        WebSocketStream stream(1 << 20);
        int messages = 0;
        stream.feed(kHead + serverFrame(0x82, "e") + serverFrame(0x88, "\x03\xf1too big") +
                        serverFrame(0x82, "after"),
                    [&](std::string_view) { return ++messages > 0; });
        BOOST_TEST(messages == 1);
        BOOST_TEST(stream.failed());
        BOOST_TEST(stream.error().find("close 1009") != std::string::npos);
    }
}

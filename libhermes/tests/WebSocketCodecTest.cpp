#define BOOST_TEST_MODULE WebSocketCodecTest
#include <boost/test/unit_test.hpp>

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "hermes/codec/WebSocketFrame.hpp"
#include "hermes/codec/WebSocketReader.hpp"
#include "hermes/codec/WebSocketWriter.hpp"

using hermes::codec::WebSocketReader;
using hermes::codec::WebSocketWriter;
using hermes::codec::WsCloseCode;
using hermes::codec::WsOpcode;
using State = WebSocketReader::State;

namespace {

std::string bytes(std::initializer_list<int> values) {
    std::string out;
    for (const int value : values) {
        out.push_back(static_cast<char>(value));
    }
    return out;
}

std::string hex(std::string_view data) {
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string out;
    for (const char c : data) {
        const auto byte = static_cast<std::uint8_t>(c);
        out += kDigits[byte >> 4];
        out += kDigits[byte & 0xF];
        out += ' ';
    }
    return out;
}

std::string varint(std::uint64_t value) {
    std::string out;
    while (value >= 0x80) {
        out.push_back(static_cast<char>((value & 0x7F) | 0x80));
        value >>= 7;
    }
    out.push_back(static_cast<char>(value));
    return out;
}

constexpr std::array<std::uint8_t, 4> kMask{0x37, 0xfa, 0x21, 0x3d};

// A client frame written by hand: FIN/opcode byte, the mask bit and length
// in their shortest form unless `length7` forces one, the key, the payload
// masked with it.
std::string clientFrame(std::uint8_t first, std::string_view payload, bool masked = true,
                        int length7 = -1, std::uint64_t claimed = UINT64_MAX) {
    const std::uint64_t length = claimed == UINT64_MAX ? payload.size() : claimed;
    std::string out;
    out.push_back(static_cast<char>(first));
    const std::uint8_t maskBit = masked ? 0x80 : 0x00;
    const int form = length7 >= 0 ? length7 : length < 126 ? 0 : length <= 0xFFFF ? 126 : 127;
    if (form == 0) {
        out.push_back(static_cast<char>(maskBit | length));
    } else if (form == 126) {
        out.push_back(static_cast<char>(maskBit | 126));
        out.push_back(static_cast<char>(length >> 8));
        out.push_back(static_cast<char>(length & 0xFF));
    } else {
        out.push_back(static_cast<char>(maskBit | 127));
        for (int i = 7; i >= 0; --i) {
            out.push_back(static_cast<char>((length >> (8 * i)) & 0xFF));
        }
    }
    if (masked) {
        out.append(reinterpret_cast<const char*>(kMask.data()), kMask.size());
    }
    for (std::size_t i = 0; i < payload.size(); ++i) {
        out.push_back(
            static_cast<char>(static_cast<std::uint8_t>(payload[i]) ^ (masked ? kMask[i % 4] : 0)));
    }
    return out;
}

constexpr std::uint8_t kFinBinary = 0x82;
constexpr std::uint8_t kFinText = 0x81;
constexpr std::uint8_t kBinaryMore = 0x02;
constexpr std::uint8_t kContinuation = 0x00;
constexpr std::uint8_t kFinContinuation = 0x80;
constexpr std::uint8_t kPing = 0x89;
constexpr std::uint8_t kPong = 0x8A;
constexpr std::uint8_t kClose = 0x88;

// PROTOCOL.md section 3: the payload of Hello{protocol_version: 1, nick: "ana"}.
const std::string kHelloPayload = bytes({0x0a, 0x07, 0x08, 0x01, 0x12, 0x03, 0x61, 0x6e, 0x61});

// A hub frame as the browser must see it (unmasked, FIN).
std::string serverFrame(WsOpcode opcode, std::string_view payload) {
    char header[hermes::codec::kWsMaxServerHeaderBytes];
    const std::size_t size = hermes::codec::writeWsHeader(opcode, payload.size(), header);
    return std::string(header, size) + std::string(payload);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(Frame)

BOOST_AUTO_TEST_CASE(header_sizes_and_bytes) {
    char header[10];
    BOOST_TEST(hermes::codec::writeWsHeader(WsOpcode::Binary, 125, header) == 2u);
    BOOST_TEST(hex(std::string_view(header, 2)) == "82 7d ");
    BOOST_TEST(hermes::codec::writeWsHeader(WsOpcode::Binary, 126, header) == 4u);
    BOOST_TEST(hex(std::string_view(header, 4)) == "82 7e 00 7e ");
    BOOST_TEST(hermes::codec::writeWsHeader(WsOpcode::Binary, 65535, header) == 4u);
    BOOST_TEST(hex(std::string_view(header, 4)) == "82 7e ff ff ");
    BOOST_TEST(hermes::codec::writeWsHeader(WsOpcode::Binary, 65536, header) == 10u);
    BOOST_TEST(hex(std::string_view(header, 10)) == "82 7f 00 00 00 00 00 01 00 00 ");
    BOOST_TEST(hermes::codec::writeWsHeader(WsOpcode::Close, 2, header) == 2u);
    BOOST_TEST(hex(std::string_view(header, 2)) == "88 02 ");
}

BOOST_AUTO_TEST_CASE(close_payload_and_codes) {
    BOOST_TEST(hex(hermes::codec::wsClosePayload(WsCloseCode::MessageTooBig, "big")) ==
               "03 f1 62 69 67 ");
    // Cut to 123 bytes of reason, never inside a UTF-8 sequence ("é" is 2 bytes).
    std::string reason(122, 'x');
    reason += "\xc3\xa9";
    const std::string payload = hermes::codec::wsClosePayload(WsCloseCode::Normal, reason);
    BOOST_TEST(payload.size() == 2u + 122u);
    for (const int code : {1000, 1001, 1002, 1003, 1007, 1008, 1009, 1011, 1013, 3000, 4999}) {
        BOOST_TEST_CONTEXT("code " << code) {
            BOOST_TEST(hermes::codec::wsCloseCodeAllowed(static_cast<std::uint16_t>(code)));
        }
    }
    for (const int code : {0, 999, 1004, 1005, 1006, 1015, 1016, 2999, 5000}) {
        BOOST_TEST_CONTEXT("code " << code) {
            BOOST_TEST(!hermes::codec::wsCloseCodeAllowed(static_cast<std::uint16_t>(code)));
        }
    }
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(Reader)

BOOST_AUTO_TEST_CASE(a_binary_message_becomes_one_hermes_frame_at_any_split) {
    const std::string wire = clientFrame(kFinBinary, kHelloPayload) +
                             clientFrame(kFinBinary, "") +  // an empty Envelope
                             clientFrame(kFinBinary, std::string(300, 'p'));
    const std::string expected =
        varint(9) + kHelloPayload + varint(0) + varint(300) + std::string(300, 'p');
    for (std::size_t step = 1; step <= wire.size(); step = step < 16 ? step + 1 : step * 2) {
        BOOST_TEST_CONTEXT("fed " << step << " bytes at a time") {
            WebSocketReader reader(65536);
            std::string hermes;
            for (std::size_t at = 0; at < wire.size(); at += step) {
                BOOST_TEST(
                    (reader.feed(std::string_view(wire).substr(at, step), hermes) == State::Open));
            }
            BOOST_TEST(hex(hermes) == hex(expected));
            BOOST_TEST(reader.controlFrames() == 0u);
        }
    }
}

BOOST_AUTO_TEST_CASE(lengths_in_16_and_64_bits) {
    WebSocketReader reader(100'000);
    std::string hermes;
    const std::string big(70'000, 'b');
    BOOST_TEST(
        (reader.feed(clientFrame(kFinBinary, std::string(200, 'a')) + clientFrame(kFinBinary, big),
                     hermes) == State::Open));
    BOOST_TEST(hermes == varint(200) + std::string(200, 'a') + varint(70'000) + big);
}

BOOST_AUTO_TEST_CASE(fragments_are_reassembled_with_a_ping_between_them) {
    WebSocketReader reader(65536);
    std::string hermes;
    const std::string wire = clientFrame(kBinaryMore, kHelloPayload.substr(0, 2)) +
                             clientFrame(kPing, "are you there") +
                             clientFrame(kContinuation, kHelloPayload.substr(2, 4)) +
                             clientFrame(kFinContinuation, kHelloPayload.substr(6));
    for (std::size_t at = 0; at < wire.size(); ++at) {
        BOOST_TEST((reader.feed(wire.substr(at, 1), hermes) == State::Open));
        if (at + 1 < wire.size()) {
            BOOST_TEST(hermes.empty());  // nothing before the last fragment
        }
    }
    BOOST_TEST(hex(hermes) == hex(varint(9) + kHelloPayload));
    BOOST_TEST(reader.pongOwed());
    BOOST_TEST(reader.pingPayload() == "are you there");
    BOOST_TEST(reader.controlFrames() == 1u);
    BOOST_TEST(reader.reassembling() == 0u);
}

BOOST_AUTO_TEST_CASE(only_the_newest_ping_is_owed_a_pong) {
    WebSocketReader reader(65536);
    std::string hermes;
    reader.feed(clientFrame(kPing, "1") + clientFrame(kPong, "x") + clientFrame(kPing, "2"),
                hermes);
    BOOST_TEST(hermes.empty());
    BOOST_TEST(reader.controlFrames() == 3u);
    BOOST_TEST(reader.pongOwed());
    BOOST_TEST(reader.pingPayload() == "2");
    reader.pongQueued();
    BOOST_TEST(!reader.pongOwed());
}

BOOST_AUTO_TEST_CASE(a_message_over_the_limit_is_handed_on_as_its_prefix_alone) {
    // The hub's FrameDecoder answers the prefix (FRAME_TOO_LARGE); the
    // payload is never buffered.
    struct Case {
        const char* name;
        std::string wire;
        std::string prefix;
    };
    const Case cases[] = {
        {"one frame of 1025", clientFrame(kFinBinary, std::string(1025, 'x')), varint(1025)},
        {"fragments reaching 1030",
         clientFrame(kBinaryMore, std::string(1000, 'x')) +
             clientFrame(kFinContinuation, std::string(30, 'x')),
         varint(1030)},
        {"a first fragment of 2000", clientFrame(kBinaryMore, std::string(2000, 'x')),
         varint(2000)},
        {"a 64-bit length of 2^40", clientFrame(kFinBinary, "", true, 127, std::uint64_t{1} << 40),
         varint(0xFFFFFFFFu)},
    };
    for (const Case& c : cases) {
        BOOST_TEST_CONTEXT(c.name) {
            WebSocketReader reader(1024);
            std::string hermes;
            BOOST_TEST((reader.feed(c.wire, hermes) == State::Failed));
            BOOST_TEST(reader.oversized());
            BOOST_TEST((reader.failureCode() == WsCloseCode::MessageTooBig));
            BOOST_TEST(hex(hermes) == hex(c.prefix));
            BOOST_TEST(reader.reassembling() <= 1024u);
        }
    }
    // Exactly at the limit is fine.
    WebSocketReader reader(1024);
    std::string hermes;
    BOOST_TEST(
        (reader.feed(clientFrame(kFinBinary, std::string(1024, 'x')), hermes) == State::Open));
    BOOST_TEST(hermes.size() == 2u + 1024u);
}

BOOST_AUTO_TEST_CASE(broken_framing_is_refused_with_its_close_code) {
    struct Case {
        const char* name;
        std::string wire;
        WsCloseCode code;
    };
    const Case cases[] = {
        {"unmasked binary", clientFrame(kFinBinary, kHelloPayload, false),
         WsCloseCode::ProtocolError},
        // RFC 6455 5.7: "A single-frame unmasked text message".
        {"RFC 5.7 unmasked Hello", bytes({0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f}),
         WsCloseCode::ProtocolError},
        // RFC 6455 5.7: "A single-frame masked text message".
        {"RFC 5.7 masked text",
         bytes({0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58}),
         WsCloseCode::UnsupportedData},
        {"a text frame", clientFrame(kFinText, "hello"), WsCloseCode::UnsupportedData},
        {"a fragmented text message", clientFrame(0x01, "hel"), WsCloseCode::UnsupportedData},
        {"reserved bit 1", clientFrame(0xC2, kHelloPayload), WsCloseCode::ProtocolError},
        {"reserved bit 3", clientFrame(0x92, kHelloPayload), WsCloseCode::ProtocolError},
        {"opcode 3", clientFrame(0x83, "x"), WsCloseCode::ProtocolError},
        {"opcode 0xB", clientFrame(0x8B, "x"), WsCloseCode::ProtocolError},
        {"a fragmented ping", clientFrame(0x09, "x"), WsCloseCode::ProtocolError},
        {"a ping of 126 bytes", clientFrame(kPing, std::string(126, 'p')),
         WsCloseCode::ProtocolError},
        {"a 16-bit length of 5", clientFrame(kFinBinary, "abcde", true, 126),
         WsCloseCode::ProtocolError},
        {"a 64-bit length of 300", clientFrame(kFinBinary, std::string(300, 'a'), true, 127),
         WsCloseCode::ProtocolError},
        {"a 64-bit length with its top bit", clientFrame(kFinBinary, "", true, 127, 1ull << 63),
         WsCloseCode::ProtocolError},
        {"a continuation with no message", clientFrame(kFinContinuation, "x"),
         WsCloseCode::ProtocolError},
        {"a new message inside a fragmented one",
         clientFrame(kBinaryMore, "ab") + clientFrame(kFinBinary, "cd"),
         WsCloseCode::ProtocolError},
        {"a close of 1 byte", clientFrame(kClose, "x"), WsCloseCode::ProtocolError},
        {"a close with code 1005", clientFrame(kClose, bytes({0x03, 0xed})),
         WsCloseCode::ProtocolError},
        {"a close with code 999", clientFrame(kClose, bytes({0x03, 0xe7})),
         WsCloseCode::ProtocolError},
        {"a close reason not UTF-8", clientFrame(kClose, bytes({0x03, 0xe8, 0xff})),
         WsCloseCode::InvalidPayload},
    };
    for (const Case& c : cases) {
        BOOST_TEST_CONTEXT(c.name) {
            WebSocketReader reader(65536);
            std::string hermes;
            // A good message first: it still comes out.
            const std::string wire = clientFrame(kFinBinary, kHelloPayload) + c.wire +
                                     clientFrame(kFinBinary, kHelloPayload);
            BOOST_TEST((reader.feed(wire, hermes) == State::Failed));
            BOOST_TEST((reader.failureCode() == c.code));
            BOOST_TEST(!reader.failure().empty());
            BOOST_TEST(!reader.oversized());
            BOOST_TEST(hex(hermes) == hex(varint(9) + kHelloPayload));
            // Final: nothing more is taken.
            BOOST_TEST((reader.feed(clientFrame(kFinBinary, "x"), hermes) == State::Failed));
            BOOST_TEST(hermes.size() == 10u);
        }
    }
}

BOOST_AUTO_TEST_CASE(the_clients_close_ends_the_stream) {
    {
        WebSocketReader reader(65536);
        std::string hermes;
        BOOST_TEST((reader.feed(clientFrame(kClose, bytes({0x03, 0xe9}) + "bye") +
                                    clientFrame(kFinBinary, kHelloPayload),
                                hermes) == State::PeerClosed));
        BOOST_TEST(reader.peerCloseCode() == 1001u);
        BOOST_TEST(hermes.empty());  // nothing after the close
    }
    {
        WebSocketReader reader(65536);
        std::string hermes;
        BOOST_TEST((reader.feed(clientFrame(kClose, ""), hermes) == State::PeerClosed));
        BOOST_TEST(reader.peerCloseCode() == 1005u);
    }
}

BOOST_AUTO_TEST_CASE(a_reader_that_is_done_lets_go_of_its_fragments) {
    // Fragments of 5,000 bytes wait for the rest of their message; a fault
    // or the client's close ends the reader, and they can never complete.
    struct Case {
        const char* name;
        std::string end;
        State state;
    };
    const Case cases[] = {
        {"a framing fault", clientFrame(kFinBinary, kHelloPayload, false), State::Failed},
        {"the client's close", clientFrame(kClose, bytes({0x03, 0xe8})), State::PeerClosed},
        {"a message over the limit", clientFrame(kFinContinuation, std::string(70000, 'y')),
         State::Failed},
    };
    for (const Case& c : cases) {
        BOOST_TEST_CONTEXT(c.name) {
            WebSocketReader reader(65536);
            std::string hermes;
            BOOST_TEST_REQUIRE((reader.feed(clientFrame(kBinaryMore, std::string(5000, 'x')),
                                            hermes) == State::Open));
            BOOST_TEST_REQUIRE(reader.reassembling() == 5000u);
            BOOST_TEST((reader.feed(c.end, hermes) == c.state));
            BOOST_TEST(reader.reassembling() == 0u);
            BOOST_TEST(reader.reassemblyCapacity() < WebSocketReader::kKeptMessageCapacity);
        }
    }
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(Writer)

namespace {

// A hub queue and a socket that takes at most `perWrite` bytes per call: runs
// the writer until everything is out, as the event loop does.
struct Pump {
    std::string queue;  // the hub's Hermes stream
    std::size_t consumed = 0;
    std::size_t pieceBytes = 1 << 30;  // the hub's output cut into pieces of this size
    std::size_t maxRuns = 64;
    std::string socket;  // what the peer received
    std::size_t writes = 0;

    void run(WebSocketWriter& writer, std::size_t perWrite) {
        WebSocketWriter::Plan plan;
        while (consumed < queue.size() || writer.pendingOutput()) {
            std::vector<std::string_view> pieces;
            // As Hub::output(): at most 64 pieces at once.
            for (std::size_t at = consumed; at < queue.size() && pieces.size() < 64;
                 at += pieceBytes) {
                pieces.push_back(std::string_view(queue).substr(at, pieceBytes));
            }
            std::vector<std::string_view> runs(maxRuns);
            const std::size_t count = writer.plan(pieces, plan, runs);
            BOOST_REQUIRE(count > 0);
            std::size_t budget = perWrite;
            std::size_t sent = 0;
            for (std::size_t i = 0; i < count && budget > 0; ++i) {
                const std::size_t take = std::min(budget, runs[i].size());
                socket.append(runs[i].data(), take);
                sent += take;
                budget -= take;
            }
            consumed += writer.written(sent, plan);
            BOOST_REQUIRE(consumed <= queue.size());
            BOOST_REQUIRE(++writes < 1'000'000);
        }
    }
};

}  // namespace

BOOST_AUTO_TEST_CASE(each_hermes_frame_becomes_one_binary_message) {
    const std::string small = kHelloPayload;
    const std::string medium(300, 'm');
    const std::string large(70'000, 'L');
    Pump pump;
    pump.queue = varint(small.size()) + small + varint(0) + varint(medium.size()) + medium +
                 varint(large.size()) + large;
    const std::string expected =
        serverFrame(WsOpcode::Binary, small) + serverFrame(WsOpcode::Binary, "") +
        serverFrame(WsOpcode::Binary, medium) + serverFrame(WsOpcode::Binary, large);
    for (const std::size_t perWrite : {1ul, 2ul, 3ul, 7ul, 11ul, 64ul, 1000ul, 100'000ul}) {
        for (const std::size_t pieceBytes : {1ul, 5ul, 4096ul, 1ul << 30}) {
            BOOST_TEST_CONTEXT("writes of " << perWrite << " bytes, pieces of " << pieceBytes) {
                WebSocketWriter writer;
                Pump each = pump;
                each.pieceBytes = pieceBytes;
                each.run(writer, perWrite);
                BOOST_TEST(each.socket == expected);
                BOOST_TEST(each.consumed == pump.queue.size());
                BOOST_TEST(!writer.midMessage());
            }
        }
    }
}

BOOST_AUTO_TEST_CASE(small_frames_are_one_run_and_large_ones_are_not_copied) {
    std::string queue;
    for (int i = 0; i < 50; ++i) {
        queue += varint(kHelloPayload.size()) + kHelloPayload;
    }
    const std::string large(WebSocketWriter::kCopyBelow * 4, 'L');
    queue += varint(large.size()) + large;
    WebSocketWriter writer;
    WebSocketWriter::Plan plan;
    std::vector<std::string_view> runs(8);
    const std::vector<std::string_view> pieces{queue};
    const std::size_t count = writer.plan(pieces, plan, runs);
    BOOST_TEST_REQUIRE(count == 2u);
    BOOST_TEST(runs[0].size() == 50u * (2 + 9) + 4u);  // 50 small frames and the large header
    BOOST_TEST(runs[1].size() == large.size());
    BOOST_TEST((runs[1].data() == queue.data() + queue.size() - large.size()));  // in place
    BOOST_TEST(writer.written(runs[0].size() + runs[1].size(), plan) == queue.size());
    BOOST_TEST(!writer.midMessage());
}

BOOST_AUTO_TEST_CASE(a_pong_waits_for_the_message_boundary) {
    Pump pump;
    pump.queue = varint(5) + "first" + varint(6) + "second";
    WebSocketWriter writer;
    WebSocketWriter::Plan plan;
    std::vector<std::string_view> runs(64);
    const std::vector<std::string_view> pieces{pump.queue};
    const std::size_t count = writer.plan(pieces, plan, runs);
    BOOST_REQUIRE(count == 1u);
    pump.socket.append(runs[0].substr(0, 4));  // header and "fi"
    pump.consumed += writer.written(4, plan);
    BOOST_TEST(pump.consumed == 1u + 2u);
    BOOST_TEST(writer.midMessage());
    writer.queuePong("p1");
    writer.queuePong("p2");               // replaces p1, which has not begun
    BOOST_TEST(!writer.pendingOutput());  // not inside a message
    pump.run(writer, 1000);
    BOOST_TEST(hex(pump.socket) ==
               hex(serverFrame(WsOpcode::Binary, "first") + serverFrame(WsOpcode::Pong, "p2") +
                   serverFrame(WsOpcode::Binary, "second")));
}

BOOST_AUTO_TEST_CASE(own_bytes_go_out_with_nothing_from_the_hub) {
    WebSocketWriter writer;
    writer.queuePong("ping!");
    BOOST_TEST(writer.pendingOutput());
    Pump pump;
    pump.run(writer, 3);  // a partly written pong is finished before anything else
    BOOST_TEST(hex(pump.socket) == hex(serverFrame(WsOpcode::Pong, "ping!")));
    BOOST_TEST(!writer.pendingOutput());
}

BOOST_AUTO_TEST_CASE(nothing_follows_the_close) {
    WebSocketWriter writer;
    Pump pump;
    pump.queue = varint(5) + "error";
    pump.run(writer, 1000);
    writer.queueClose(WsCloseCode::MessageTooBig, "frame_too_large");
    writer.queueClose(WsCloseCode::Normal, "second close is ignored");
    writer.queuePong("late");
    BOOST_TEST(writer.closeQueued());
    pump.run(writer, 2);
    BOOST_TEST(writer.closeSent());
    BOOST_TEST(hex(pump.socket) ==
               hex(serverFrame(WsOpcode::Binary, "error") +
                   serverFrame(WsOpcode::Close, bytes({0x03, 0xf1}) + "frame_too_large")));
    // Whatever the hub still had is never framed after the close.
    WebSocketWriter::Plan plan;
    std::vector<std::string_view> runs(4);
    const std::string more = varint(1) + "x";
    const std::vector<std::string_view> pieces{more};
    BOOST_TEST(writer.plan(pieces, plan, runs) == 0u);
}

BOOST_AUTO_TEST_CASE(few_runs_still_make_progress) {
    Pump pump;
    for (int i = 0; i < 20; ++i) {
        pump.queue += varint(3000) + std::string(3000, static_cast<char>('a' + i));
    }
    std::string expected;
    for (int i = 0; i < 20; ++i) {
        expected += serverFrame(WsOpcode::Binary, std::string(3000, static_cast<char>('a' + i)));
    }
    pump.maxRuns = 1;
    pump.pieceBytes = 1000;
    WebSocketWriter writer;
    pump.run(writer, 5000);
    BOOST_TEST(pump.socket == expected);
}

BOOST_AUTO_TEST_SUITE_END()

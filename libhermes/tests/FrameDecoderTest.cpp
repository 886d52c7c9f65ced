#define BOOST_TEST_MODULE FrameDecoderTest
#include <boost/test/unit_test.hpp>

#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <new>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include <google/protobuf/descriptor.h>
#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <google/protobuf/util/message_differencer.h>

#include "hermes/codec/FrameDecoder.hpp"
#include "hermes/codec/FrameEncoder.hpp"

// ---------------------------------------------------------------------------
// Allocation accounting. The decoder promises never to allocate what a length
// prefix claims and to give memory back in shrink(); neither is visible through
// its interface, so this test binary counts every operator new itself. Each
// block carries its size in a header so that delete can subtract it.
// ---------------------------------------------------------------------------
namespace {

constexpr std::size_t kHeaderBytes = alignof(std::max_align_t);
std::atomic<std::size_t> gLiveBytes{0};
std::atomic<std::size_t> gLargestRequest{0};

void* countedAllocate(std::size_t size) {
    void* block = std::malloc(size + kHeaderBytes);
    if (block == nullptr) {
        throw std::bad_alloc();
    }
    *static_cast<std::size_t*>(block) = size;
    gLiveBytes += size;
    std::size_t largest = gLargestRequest.load();
    while (size > largest && !gLargestRequest.compare_exchange_weak(largest, size)) {
    }
    return static_cast<char*>(block) + kHeaderBytes;
}

void countedRelease(void* pointer) noexcept {
    if (pointer == nullptr) {
        return;
    }
    void* block = static_cast<char*>(pointer) - kHeaderBytes;
    gLiveBytes -= *static_cast<std::size_t*>(block);
    std::free(block);
}

}  // namespace

void* operator new(std::size_t size) {
    return countedAllocate(size);
}
void* operator new[](std::size_t size) {
    return countedAllocate(size);
}
void operator delete(void* pointer) noexcept {
    countedRelease(pointer);
}
void operator delete[](void* pointer) noexcept {
    countedRelease(pointer);
}
void operator delete(void* pointer, std::size_t) noexcept {
    countedRelease(pointer);
}
void operator delete[](void* pointer, std::size_t) noexcept {
    countedRelease(pointer);
}

// Lets BOOST_TEST print a DecodeError it compares.
namespace hermes::codec {
std::ostream& operator<<(std::ostream& out, DecodeError error) {
    return out << describe(error);
}
}  // namespace hermes::codec

namespace {

using hermes::codec::DecodeError;
using hermes::codec::encodeFrame;
using hermes::codec::FrameDecoder;
using hermes::v1::Envelope;

constexpr std::size_t kMax = 64 * 1024;

// Bytes from hex, e.g. "0c 0a 0a"; spaces are ignored.
std::string fromHex(std::string_view hex) {
    std::string out;
    int high = -1;
    for (char c : hex) {
        int nibble = -1;
        if (c >= '0' && c <= '9') {
            nibble = c - '0';
        } else if (c >= 'a' && c <= 'f') {
            nibble = c - 'a' + 10;
        } else if (c >= 'A' && c <= 'F') {
            nibble = c - 'A' + 10;
        } else {
            continue;
        }
        if (high < 0) {
            high = nibble;
        } else {
            out.push_back(static_cast<char>(high * 16 + nibble));
            high = -1;
        }
    }
    BOOST_REQUIRE_MESSAGE(high < 0, "odd number of hex digits in " << hex);
    return out;
}

// Feeds `bytes` from an exact-size heap copy, so that reading one byte past
// the piece is a heap overflow ASan reports, not a silent read of the
// neighbouring bytes of a larger string.
void feedExact(FrameDecoder& decoder, std::string_view bytes) {
    const std::vector<char> piece(bytes.begin(), bytes.end());
    decoder.feed(std::string_view(piece.data(), piece.size()));
}

// Decodes every whole frame the decoder holds.
std::vector<Envelope> drain(FrameDecoder& decoder) {
    std::vector<Envelope> frames;
    Envelope envelope;
    for (int guard = 0; guard < 100000 && decoder.next(envelope); ++guard) {
        frames.push_back(envelope);
    }
    return frames;
}

// A frame around an arbitrary payload, for payloads the encoder cannot make.
std::string frameOf(std::string_view payload) {
    std::string frame;
    std::size_t length = payload.size();
    while (length >= 0x80) {
        frame.push_back(static_cast<char>((length & 0x7F) | 0x80));
        length >>= 7;
    }
    frame.push_back(static_cast<char>(length));
    frame.append(payload);
    return frame;
}

// Serialization with map entries sorted: two equal messages give equal bytes
// (plain serialization writes maps in hash order).
std::string deterministicBytes(const Envelope& envelope) {
    std::string bytes;
    {
        google::protobuf::io::StringOutputStream stream(&bytes);
        google::protobuf::io::CodedOutputStream coded(&stream);
        coded.SetSerializationDeterministic(true);
        BOOST_REQUIRE(envelope.SerializeToCodedStream(&coded));
    }
    return bytes;
}

bool same(const Envelope& a, const Envelope& b) {
    return google::protobuf::util::MessageDifferencer::Equals(a, b);
}

// One Envelope per body case, each with its fields set to non-default values
// so that a field lost in the round trip shows.
std::vector<Envelope> sampleEnvelopes() {
    std::vector<Envelope> all;
    auto add = [&all]() -> Envelope& { return all.emplace_back(); };
    {
        auto* m = add().mutable_hello();
        m->set_protocol_version(1);
        m->set_nick("ana");
        m->set_client_name("hermes-tui 0.1");
    }
    {
        auto* m = add().mutable_welcome();
        m->set_session_id(0x1122334455667788ULL);
        m->set_nick("ana");
        m->set_server_name("hub.lan");
        m->set_motd("line one\nline two");
        m->set_epoch(1700000000123ULL);
        auto* limits = m->mutable_limits();
        limits->set_max_frame_bytes(65536);
        limits->set_max_text_bytes(4096);
        limits->set_rate_per_second(5);
        limits->set_rate_burst(10);
        limits->set_max_nick_bytes(32);
        limits->set_max_room_bytes(64);
        limits->set_history_page_max(200);
        limits->set_max_rooms_per_client(50);
        limits->set_ping_interval_ms(30000);
    }
    {
        auto* m = add().mutable_join();
        m->set_room("general");
        m->set_skip_backlog(true);
        m->set_all_presence(true);
    }
    {
        auto* m = add().mutable_leave();
        m->set_room("general");
        m->set_reason("lunch");
    }
    {
        auto* m = add().mutable_say();
        m->set_room("general");
        m->set_client_msg_id(42);
        m->set_kind(hermes::v1::MESSAGE_KIND_ACTION);
        m->set_text("waves \xF0\x9F\x91\x8B");
    }
    {
        auto* m = add().mutable_private_message();
        m->set_to("bob");
        m->set_client_msg_id(43);
        m->set_kind(hermes::v1::MESSAGE_KIND_TEXT);
        m->set_text("psst");
    }
    {
        auto* m = add().mutable_message();
        m->set_room("general");
        m->set_seq(7);
        m->set_epoch(99);
        m->set_time_ms(-5);  // negative on purpose: int64 must survive
        m->set_from("ana");
        m->set_client_msg_id(42);
        m->set_kind(hermes::v1::MESSAGE_KIND_NOTICE);
        m->set_text("\xE6\x97\xA5\xE6\x9C\xAC");
        m->set_to("bob");
    }
    {
        auto* m = add().mutable_presence();
        m->set_room("general");
        m->set_kind(hermes::v1::PRESENCE_KIND_NICK_CHANGED);
        m->add_nicks("ana");
        m->add_nicks("bob");
        m->set_new_nick("anna");
        m->set_reason("because");
        m->set_time_ms(1700000000000);
    }
    {
        auto* m = add().mutable_members();
        m->set_room("general");
        m->add_nicks("ana");
        m->add_nicks("bob");
        m->set_total(5000);  // a large room's sample at join
        m->set_partial(true);
    }
    add().mutable_who()->set_room("general");
    {
        auto* m = add().mutable_topic();
        m->set_room("general");
        m->set_text("release on Friday");
        m->set_set_by("ana");
        m->set_time_ms(123456789);
    }
    add().mutable_room_list_request();
    {
        auto* m = add().mutable_room_list();
        auto* r = m->add_rooms();
        r->set_name("general");
        r->set_members(3);
        r->set_topic("hi");
        m->add_rooms()->set_name("dev");
    }
    {
        auto* m = add().mutable_history_request();
        m->set_room("general");
        m->set_after_seq(100);
        m->set_limit(50);
    }
    {
        auto* m = add().mutable_history_page();
        m->set_room("general");
        m->set_epoch(99);
        auto* first = m->add_messages();
        first->set_room("general");
        first->set_seq(11);
        first->set_from("ana");
        first->set_text("old");
        m->add_messages()->set_seq(12);
        m->mutable_gap()->set_first_seq(1);
        m->mutable_gap()->set_last_seq(10);
        m->set_has_more(true);
        m->set_backlog(true);
        m->set_head_seq(12);
    }
    add().mutable_ping()->set_nonce(0xFFFFFFFFFFFFFFFFULL);
    add().mutable_pong()->set_nonce(300);
    {
        auto* m = add().mutable_error();
        m->set_code(hermes::v1::ERROR_CODE_NICK_TAKEN);
        m->set_text("nick ana is taken");
        m->set_client_msg_id(44);
        m->set_room("general");
        m->set_fatal(true);
    }
    {
        auto* m = add().mutable_bye();
        m->set_reason(hermes::v1::BYE_REASON_KICKED);
        m->set_text("flooding");
    }
    add().mutable_stats_request();
    {
        auto* m = add().mutable_stats();
        m->set_clients(10);
        m->set_rooms(3);
        m->set_messages_in_per_second(1.5);
        m->set_deliveries_per_second(12.25);
        m->set_queued_bytes(4096);
        m->set_uptime_seconds(3600);
        m->set_messages_in_total(5400);
        m->set_deliveries_total(64800);
        (*m->mutable_disconnects())["FLOOD"] = 2;
        (*m->mutable_disconnects())["PING_TIMEOUT"] = 1;
    }
    add().mutable_set_nick()->set_nick("anna");
    {
        auto* m = add().mutable_search_request();
        m->set_room("lobby");
        m->set_query("deploy failed");
        m->set_limit(20);
        m->set_before_seq(640);
    }
    {
        auto* m = add().mutable_search_results();
        m->set_room("lobby");
        m->set_query("deploy failed");
        auto* hit = m->add_messages();
        hit->set_room("lobby");
        hit->set_seq(17);
        hit->set_text("the deploy failed");
        m->set_has_more(true);
    }
    add().mutable_whois_request()->set_nick("bob");
    {
        auto* m = add().mutable_whois_reply();
        m->set_nick("bob");
        m->add_rooms("dev");
        m->add_rooms("lobby");
        m->set_signed_on_ms(1700000000000);
        m->set_idle_ms(65000);
        m->set_away("lunch");
        m->set_client_name("hermes-tui 0.1");
    }
    add().mutable_set_away()->set_text("lunch");
    {
        auto* m = add().mutable_moderation_request();
        m->set_room("dev");
        m->set_action(hermes::v1::MODERATION_ACTION_BAN);
        m->set_target("10.0.0.7");
        m->set_target_kind(hermes::v1::TARGET_KIND_ADDRESS);
        m->set_reason("flooding");
        m->set_expiry_seconds(3600);
    }
    add().mutable_ban_list_request()->set_room("dev");
    {
        auto* m = add().mutable_ban_list();
        m->set_room("dev");
        auto* ban = m->add_bans();
        ban->set_kind(hermes::v1::TARGET_KIND_NICK);
        ban->set_target("bob");
        ban->set_set_by("ana");
        ban->set_reason("trolling");
        ban->set_set_ms(1700000000000);
        ban->set_expires_ms(1700000360000);
    }
    {
        auto* m = add().mutable_typing();
        m->set_room("lobby");
        m->set_stopped(true);
    }
    {
        auto* m = add().mutable_typing_notice();
        m->set_from("ana");
        m->set_expires_ms(6000);
    }
    {
        auto* m = add().mutable_mark_read();
        m->set_peer("bob");
        m->set_seq(42);
    }
    add().mutable_read_markers_request()->set_room("lobby");
    {
        auto* m = add().mutable_read_markers()->add_markers();
        m->set_room("lobby");
        m->set_seq(7);
    }
    {
        auto* m = add().mutable_file_offer();
        m->set_room("dev");
        m->set_client_msg_id(1);
        m->mutable_file()->set_name("a.txt");
        m->mutable_file()->set_size(5);
        m->mutable_file()->set_sha256(std::string(64, 'a'));
        m->mutable_file()->set_preview("one\ntwo");
    }
    {
        auto* m = add().mutable_file_accept();
        m->set_upload_id(1);
        m->set_client_msg_id(1);
        m->set_chunk_bytes(64512);
        m->set_window_bytes(1 << 20);
    }
    {
        auto* m = add().mutable_file_chunk();
        m->set_upload_id(1);
        m->set_offset(3);
        m->set_data(std::string("\0\xff binary", 9));
    }
    {
        auto* m = add().mutable_file_progress();
        m->set_upload_id(1);
        m->set_received(65536);
    }
    {
        auto* m = add().mutable_file_request();
        m->set_room("dev");
        m->set_seq(7);
        m->set_offset(3);
    }
    {
        auto* m = add().mutable_file_data();
        m->set_sha256(std::string(64, 'a'));
        m->set_data("lo");
        m->mutable_file()->set_name("a.txt");
    }
    add().mutable_file_cancel()->set_upload_id(1);
    add().mutable_metrics_request();
    {
        auto* m = add().mutable_metrics_report();
        m->set_interval_seconds(10);
        auto* sample = m->add_samples();
        sample->set_age_ms(10'000);
        sample->set_clients(3);
        sample->set_commit_latency_seconds(0.0004);
        m->mutable_now()->set_messages_in_per_second(2.5);
    }
    {
        auto* m = add().mutable_members_request();
        m->set_room("big");
        m->set_after("ana");
        m->set_limit(100);
    }
    {
        auto* m = add().mutable_members_page();
        m->set_room("big");
        m->add_nicks("bob");
        m->add_away("bob");
        m->set_total(15000);
        m->set_next_after("bob");
    }
    add().mutable_register_nick()->set_password("s3cret");
    {
        auto* m = add().mutable_identify();
        m->set_nick("ana");
        m->set_password("s3cret");
    }
    {
        auto* m = add().mutable_change_password();
        m->set_old_password("s3cret");
        m->set_new_password("n3w");
    }
    {
        auto* m = add().mutable_account_reply();
        m->set_event(hermes::v1::ACCOUNT_EVENT_REGISTERED);
        m->set_account("ana");
        m->set_text("registered");
    }
    return all;
}

std::string concatenatedFrames(const std::vector<Envelope>& envelopes) {
    std::string stream;
    for (const auto& envelope : envelopes) {
        hermes::codec::appendFrame(envelope, stream);
    }
    return stream;
}

void requireSameFrames(const std::vector<Envelope>& got, const std::vector<Envelope>& want) {
    BOOST_REQUIRE_EQUAL(got.size(), want.size());
    for (std::size_t i = 0; i < got.size(); ++i) {
        BOOST_TEST_CONTEXT("frame " << i) {
            BOOST_TEST(same(got[i], want[i]));
        }
    }
}

}  // namespace

BOOST_AUTO_TEST_SUITE(round_trip)

// Fails when a body case is added to hermes.proto without a sample here.
BOOST_AUTO_TEST_CASE(samples_cover_every_body_case) {
    const auto* oneof = Envelope::descriptor()->FindOneofByName("body");
    BOOST_REQUIRE(oneof != nullptr);
    const auto samples = sampleEnvelopes();
    for (int i = 0; i < oneof->field_count(); ++i) {
        const int number = oneof->field(i)->number();
        bool covered = false;
        for (const auto& sample : samples) {
            covered = covered || static_cast<int>(sample.body_case()) == number;
        }
        BOOST_TEST(covered, "no sample for Envelope." << oneof->field(i)->name());
    }
    BOOST_TEST(samples.size() == static_cast<std::size_t>(oneof->field_count()));
}

BOOST_AUTO_TEST_CASE(every_body_case_survives_encode_then_decode) {
    for (const auto& sample : sampleEnvelopes()) {
        BOOST_TEST_CONTEXT("body " << sample.GetDescriptor()
                                          ->FindFieldByNumber(static_cast<int>(sample.body_case()))
                                          ->name()) {
            FrameDecoder decoder(kMax);
            feedExact(decoder, encodeFrame(sample));
            Envelope decoded;
            BOOST_REQUIRE(decoder.next(decoded));
            BOOST_TEST(decoded.body_case() == sample.body_case());
            BOOST_TEST(same(decoded, sample));
            BOOST_TEST(deterministicBytes(decoded) == deterministicBytes(sample));
            BOOST_TEST(decoder.buffered() == 0u);
            BOOST_TEST(!decoder.next(decoded));
            BOOST_TEST(!decoder.failed());
        }
    }
}

// The wire format pinned by hand, independently of the encoder:
// Hello{protocol_version=1, nick="ana", client_name="t"}.
BOOST_AUTO_TEST_CASE(hand_written_hello_frame) {
    const std::string wire = fromHex(
        "0c"            // frame length 12
        "0a 0a"         // Envelope.hello (field 1, LEN), 10 bytes
        "08 01"         // protocol_version = 1
        "12 03 616e61"  // nick = "ana"
        "1a 01 74");    // client_name = "t"
    FrameDecoder decoder(kMax);
    feedExact(decoder, wire);
    Envelope decoded;
    BOOST_REQUIRE(decoder.next(decoded));
    BOOST_TEST(decoded.has_hello());
    BOOST_TEST(decoded.hello().protocol_version() == 1u);
    BOOST_TEST(decoded.hello().nick() == "ana");
    BOOST_TEST(decoded.hello().client_name() == "t");

    Envelope hello;
    hello.mutable_hello()->set_protocol_version(1);
    hello.mutable_hello()->set_nick("ana");
    hello.mutable_hello()->set_client_name("t");
    BOOST_TEST(encodeFrame(hello) == wire);
}

// Ping{nonce=300}: field 16 needs a two-byte tag, the nonce a two-byte varint.
BOOST_AUTO_TEST_CASE(hand_written_ping_frames) {
    const std::string wire = fromHex(
        "06"          // frame length 6
        "82 01 03"    // Envelope.ping (field 16, LEN), 3 bytes
        "08 ac 02"    // nonce = 300
        "03"          // frame length 3
        "82 01 00");  // Envelope.ping, empty: nonce 0
    FrameDecoder decoder(kMax);
    feedExact(decoder, wire);
    const auto frames = drain(decoder);
    BOOST_REQUIRE_EQUAL(frames.size(), 2u);
    BOOST_TEST(frames[0].has_ping());
    BOOST_TEST(frames[0].ping().nonce() == 300u);
    BOOST_TEST(frames[1].has_ping());
    BOOST_TEST(frames[1].ping().nonce() == 0u);

    Envelope ping;
    ping.mutable_ping()->set_nonce(300);
    Envelope empty;
    empty.mutable_ping();
    BOOST_TEST(encodeFrame(ping) + encodeFrame(empty) == wire);
}

// A frame of 200 bytes needs a two-byte length prefix: 0xC8 0x01.
BOOST_AUTO_TEST_CASE(two_byte_length_prefix) {
    Envelope say;
    say.mutable_say()->set_text(std::string(200 - 5, 'x'));  // 0x2a c2 01 0x22 c3 01 ...
    const std::string frame = encodeFrame(say);
    BOOST_REQUIRE(say.ByteSizeLong() >= 128u);
    const std::size_t body = say.ByteSizeLong();
    BOOST_TEST(static_cast<unsigned char>(frame[0]) == ((body & 0x7Fu) | 0x80u));
    BOOST_TEST(static_cast<unsigned char>(frame[1]) == (body >> 7));
    FrameDecoder decoder(kMax);
    feedExact(decoder, frame);
    Envelope decoded;
    BOOST_REQUIRE(decoder.next(decoded));
    BOOST_TEST(same(decoded, say));
}

BOOST_AUTO_TEST_CASE(zero_length_frame_is_an_envelope_without_body) {
    FrameDecoder decoder(kMax);
    feedExact(decoder, fromHex("00"));
    Envelope decoded;
    decoded.mutable_ping()->set_nonce(1);  // must be cleared by next()
    BOOST_REQUIRE(decoder.next(decoded));
    BOOST_TEST(decoded.body_case() == Envelope::BODY_NOT_SET);
    BOOST_TEST(decoded.ByteSizeLong() == 0u);
    BOOST_TEST(decoder.buffered() == 0u);
    BOOST_TEST(!decoder.failed());
}

// A body case this build does not know (a newer peer) is not an error for the
// decoder; the hub answers it with UNSUPPORTED.
BOOST_AUTO_TEST_CASE(unknown_body_case_decodes_without_body) {
    FrameDecoder decoder(kMax);
    feedExact(decoder, fromHex("03 c2 3e 00"));  // field 1000, LEN, empty
    Envelope decoded;
    BOOST_REQUIRE(decoder.next(decoded));
    BOOST_TEST(decoded.body_case() == Envelope::BODY_NOT_SET);
    BOOST_TEST(!decoder.failed());
}

BOOST_AUTO_TEST_CASE(next_payload_returns_the_raw_bytes) {
    const auto samples = sampleEnvelopes();
    FrameDecoder decoder(kMax);
    feedExact(decoder, concatenatedFrames(samples));
    for (const auto& sample : samples) {
        std::string_view payload;
        BOOST_REQUIRE(decoder.nextPayload(payload));
        BOOST_TEST(payload == sample.SerializeAsString());
    }
    std::string_view payload;
    BOOST_TEST(!decoder.nextPayload(payload));
    BOOST_TEST(decoder.buffered() == 0u);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(splitting)

BOOST_AUTO_TEST_CASE(stream_split_at_every_byte_boundary) {
    const auto samples = sampleEnvelopes();
    const std::string stream = concatenatedFrames(samples);
    for (std::size_t split = 0; split <= stream.size(); ++split) {
        BOOST_TEST_CONTEXT("split at " << split << " of " << stream.size()) {
            FrameDecoder decoder(kMax);
            feedExact(decoder, std::string_view(stream).substr(0, split));
            auto frames = drain(decoder);
            feedExact(decoder, std::string_view(stream).substr(split));
            const auto rest = drain(decoder);
            frames.insert(frames.end(), rest.begin(), rest.end());
            BOOST_TEST(!decoder.failed());
            BOOST_TEST(decoder.buffered() == 0u);
            requireSameFrames(frames, samples);
        }
    }
}

// Every pair of split points (three pieces) over a short stream of small
// frames, including an empty one; frames are drained after every piece.
BOOST_AUTO_TEST_CASE(stream_split_at_every_pair_of_boundaries) {
    std::vector<Envelope> want(3);
    want[0].mutable_hello()->set_nick("ana");
    want[0].mutable_hello()->set_protocol_version(1);
    // want[1] stays empty: a zero-length frame
    want[2].mutable_ping()->set_nonce(300);
    const std::string stream = concatenatedFrames(want);
    for (std::size_t first = 0; first <= stream.size(); ++first) {
        for (std::size_t second = first; second <= stream.size(); ++second) {
            BOOST_TEST_CONTEXT("pieces [0," << first << ") [" << first << "," << second << ") ["
                                            << second << "," << stream.size() << ")") {
                FrameDecoder decoder(kMax);
                std::vector<Envelope> frames;
                for (auto [from, to] : {std::pair{std::size_t{0}, first}, std::pair{first, second},
                                        std::pair{second, stream.size()}}) {
                    feedExact(decoder, std::string_view(stream).substr(from, to - from));
                    const auto got = drain(decoder);
                    frames.insert(frames.end(), got.begin(), got.end());
                }
                BOOST_TEST(!decoder.failed());
                requireSameFrames(frames, want);
            }
        }
    }
}

// One byte at a time: each frame must come out exactly when its last byte
// arrives, not earlier and not later.
BOOST_AUTO_TEST_CASE(one_byte_at_a_time) {
    const auto samples = sampleEnvelopes();
    const std::string stream = concatenatedFrames(samples);
    std::vector<std::size_t> frameEnds;
    std::size_t end = 0;
    for (const auto& sample : samples) {
        end += hermes::codec::frameSize(sample);
        frameEnds.push_back(end);
    }
    FrameDecoder decoder(kMax);
    std::vector<Envelope> frames;
    for (std::size_t i = 0; i < stream.size(); ++i) {
        feedExact(decoder, std::string_view(stream).substr(i, 1));
        const auto got = drain(decoder);
        frames.insert(frames.end(), got.begin(), got.end());
        std::size_t complete = 0;
        while (complete < frameEnds.size() && frameEnds[complete] <= i + 1) {
            ++complete;
        }
        BOOST_TEST_CONTEXT("after byte " << i) {
            BOOST_REQUIRE_EQUAL(frames.size(), complete);
            const std::size_t consumed = complete == 0 ? 0 : frameEnds[complete - 1];
            BOOST_TEST(decoder.buffered() == i + 1 - consumed);
        }
    }
    requireSameFrames(frames, samples);
}

BOOST_AUTO_TEST_CASE(many_frames_in_one_chunk) {
    constexpr int kFrames = 5000;
    std::string stream;
    for (int i = 0; i < kFrames; ++i) {
        Envelope envelope;
        envelope.mutable_say()->set_client_msg_id(static_cast<std::uint64_t>(i));
        envelope.mutable_say()->set_room("general");
        envelope.mutable_say()->set_text(std::string(static_cast<std::size_t>(i % 300), 'a'));
        hermes::codec::appendFrame(envelope, stream);
    }
    FrameDecoder decoder(kMax);
    feedExact(decoder, stream);
    const auto frames = drain(decoder);
    BOOST_REQUIRE_EQUAL(frames.size(), static_cast<std::size_t>(kFrames));
    for (int i = 0; i < kFrames; ++i) {
        const auto& say = frames[static_cast<std::size_t>(i)].say();
        if (say.client_msg_id() != static_cast<std::uint64_t>(i) ||
            say.text().size() != static_cast<std::size_t>(i % 300)) {
            BOOST_TEST_FAIL("frame " << i << " decoded as client_msg_id " << say.client_msg_id());
        }
    }
    BOOST_TEST(decoder.buffered() == 0u);
    BOOST_TEST(!decoder.failed());
}

BOOST_AUTO_TEST_CASE(truncated_frames_wait_for_more) {
    for (const auto& sample : sampleEnvelopes()) {
        const std::string frame = encodeFrame(sample);
        for (std::size_t cut = 0; cut < frame.size(); ++cut) {
            BOOST_TEST_CONTEXT("body case " << sample.body_case() << " cut at " << cut) {
                FrameDecoder decoder(kMax);
                feedExact(decoder, std::string_view(frame).substr(0, cut));
                Envelope decoded;
                BOOST_TEST(!decoder.next(decoded));
                BOOST_TEST(!decoder.failed());
                BOOST_TEST(decoder.buffered() == cut);
                // ...and the rest completes it.
                feedExact(decoder, std::string_view(frame).substr(cut));
                BOOST_REQUIRE(decoder.next(decoded));
                BOOST_TEST(same(decoded, sample));
            }
        }
    }
}

BOOST_AUTO_TEST_CASE(truncated_prefix_waits) {
    // Four continuation bytes: a valid 5-byte varint may still follow.
    for (std::string_view hex : {"80", "ff ff", "80 80 80", "80 80 80 80"}) {
        BOOST_TEST_CONTEXT("prefix " << hex) {
            FrameDecoder decoder(std::numeric_limits<std::size_t>::max());
            feedExact(decoder, fromHex(hex));
            Envelope decoded;
            BOOST_TEST(!decoder.next(decoded));
            BOOST_TEST(!decoder.failed());
        }
    }
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(errors)

BOOST_AUTO_TEST_CASE(oversize_length_judged_from_prefix_alone) {
    FrameDecoder decoder(kMax);
    const std::string prefix = fromHex("80 80 80 80 08");  // 2^31, no payload follows
    Envelope decoded;
    gLargestRequest = 0;
    feedExact(decoder, prefix);
    const bool decodedSomething = decoder.next(decoded);
    const std::size_t largest = gLargestRequest.load();
    BOOST_TEST(!decodedSomething);
    BOOST_TEST(decoder.error() == DecodeError::FrameTooLarge);
    BOOST_TEST(decoder.claimedLength() == (std::uint64_t{1} << 31));
    BOOST_TEST(decoder.buffered() <= prefix.size());
    BOOST_TEST(largest < 4096u, "largest allocation while judging the prefix: " << largest);
}

BOOST_AUTO_TEST_CASE(oversize_detected_when_the_prefix_completes_byte_by_byte) {
    FrameDecoder decoder(kMax);
    const std::string prefix = fromHex("ff ff ff ff 0f");  // 2^32 - 1
    Envelope decoded;
    for (std::size_t i = 0; i + 1 < prefix.size(); ++i) {
        feedExact(decoder, prefix.substr(i, 1));
        BOOST_TEST(!decoder.next(decoded));
        BOOST_TEST(!decoder.failed());
    }
    feedExact(decoder, prefix.substr(prefix.size() - 1));
    BOOST_TEST(!decoder.next(decoded));
    BOOST_TEST(decoder.error() == DecodeError::FrameTooLarge);
    BOOST_TEST(decoder.claimedLength() == 0xFFFFFFFFu);
}

BOOST_AUTO_TEST_CASE(limit_is_inclusive) {
    // A prefix of exactly the maximum is acceptable and waits for its payload;
    // one more is too large.
    FrameDecoder atLimit(300);
    feedExact(atLimit, fromHex("ac 02"));  // 300
    Envelope decoded;
    BOOST_TEST(!atLimit.next(decoded));
    BOOST_TEST(!atLimit.failed());

    FrameDecoder aboveLimit(300);
    feedExact(aboveLimit, fromHex("ad 02"));  // 301
    BOOST_TEST(!aboveLimit.next(decoded));
    BOOST_TEST(aboveLimit.error() == DecodeError::FrameTooLarge);
    BOOST_TEST(aboveLimit.claimedLength() == 301u);
}

// The fifth byte carries 7 bits, so a 5-byte prefix can claim up to 2^35 - 1:
// too large even for a decoder with no limit of its own.
BOOST_AUTO_TEST_CASE(prefix_above_32_bits_is_too_large) {
    FrameDecoder decoder(std::numeric_limits<std::size_t>::max());
    feedExact(decoder, fromHex("ff ff ff ff 7f"));
    Envelope decoded;
    BOOST_TEST(!decoder.next(decoded));
    BOOST_TEST(decoder.error() == DecodeError::FrameTooLarge);
    BOOST_TEST(decoder.claimedLength() == (std::uint64_t{1} << 35) - 1);
}

BOOST_AUTO_TEST_CASE(varint_longer_than_five_bytes) {
    for (std::string_view hex : {"80 80 80 80 80 00", "ff ff ff ff ff 01", "80 80 80 80 80"}) {
        BOOST_TEST_CONTEXT("prefix " << hex) {
            FrameDecoder decoder(std::numeric_limits<std::size_t>::max());
            feedExact(decoder, fromHex(hex));
            Envelope decoded;
            BOOST_TEST(!decoder.next(decoded));
            BOOST_TEST(decoder.error() == DecodeError::VarintTooLong);
        }
    }
}

struct GarbageCase {
    const char* name;
    const char* payloadHex;
};

BOOST_AUTO_TEST_CASE(garbage_payloads_are_bad_payload) {
    const GarbageCase cases[] = {
        {"wire type 7", "ff"},
        {"field number 0", "00"},
        {"tag without value", "08"},
        {"truncated varint value", "80 01 ff"},
        {"length past the end", "0a 05 61 62"},
        {"nested length past the end", "0a 03 12 05 61"},
        {"end-group without start", "0c"},
        {"string field not UTF-8", "0a 04 12 02 c0 af"},
        {"varint of 11 bytes", "08 ff ff ff ff ff ff ff ff ff ff 01"},
    };
    for (const auto& c : cases) {
        BOOST_TEST_CONTEXT(c.name) {
            const std::string payload = fromHex(c.payloadHex);
            FrameDecoder decoder(kMax);
            feedExact(decoder, frameOf(payload));
            Envelope decoded;
            BOOST_TEST(!decoder.next(decoded));
            BOOST_TEST(decoder.error() == DecodeError::BadPayload);
            // parseEnvelope itself, on an exact-size buffer.
            const std::vector<char> exact(payload.begin(), payload.end());
            BOOST_TEST(!hermes::codec::parseEnvelope(std::string_view(exact.data(), exact.size()),
                                                     decoded));
        }
    }
}

// Nested unknown groups: the explicit recursion limit must stop them well
// before protobuf's default of 100 would.
BOOST_AUTO_TEST_CASE(recursion_limit_applies_to_untrusted_payloads) {
    auto nestedGroups = [](int depth) {
        std::string payload;
        for (int i = 0; i < depth; ++i) {
            payload += fromHex("93 03");  // field 50, start group
        }
        for (int i = 0; i < depth; ++i) {
            payload += fromHex("94 03");  // field 50, end group
        }
        return payload;
    };
    Envelope decoded;
    const std::string shallow = nestedGroups(4);
    BOOST_TEST(hermes::codec::parseEnvelope(shallow, decoded));
    const std::string deep = nestedGroups(50);
    BOOST_TEST(!hermes::codec::parseEnvelope(deep, decoded));
    // protobuf's own default (100) would have let it through.
    Envelope unlimited;
    BOOST_TEST(unlimited.ParseFromString(deep));

    FrameDecoder decoder(kMax);
    feedExact(decoder, frameOf(deep));
    BOOST_TEST(!decoder.next(decoded));
    BOOST_TEST(decoder.error() == DecodeError::BadPayload);
}

// protobuf sizes inputs with an int; a payload of 2 GiB (only possible with a
// limit raised that far) must be refused, not wrapped to a negative size. The
// view is never read, so it may claim more than the bytes behind it.
BOOST_AUTO_TEST_CASE(payload_of_two_gib_is_refused_unread) {
    const std::vector<char> bytes{0x08, 0x01};
    const std::string_view huge(bytes.data(), std::size_t{1} << 31);
    Envelope decoded;
    decoded.mutable_ping()->set_nonce(5);
    BOOST_TEST(!hermes::codec::parseEnvelope(huge, decoded));
    BOOST_TEST(decoded.body_case() == Envelope::BODY_NOT_SET);
}

// After any error nothing more is decoded, even if valid frames follow in the
// same chunk or in later ones, and later bytes are not buffered.
BOOST_AUTO_TEST_CASE(errors_are_sticky) {
    const GarbageCase breakers[] = {
        {"too large", "81 80 04"},
        {"varint too long", "80 80 80 80 80 00"},
        {"bad payload", "01 ff"},
    };
    const DecodeError expected[] = {DecodeError::FrameTooLarge, DecodeError::VarintTooLong,
                                    DecodeError::BadPayload};
    Envelope ping;
    ping.mutable_ping()->set_nonce(7);
    const std::string valid = encodeFrame(ping);
    for (std::size_t k = 0; k < std::size(breakers); ++k) {
        BOOST_TEST_CONTEXT(breakers[k].name) {
            FrameDecoder decoder(kMax);
            feedExact(decoder, valid + fromHex(breakers[k].payloadHex) + valid + valid);
            Envelope decoded;
            BOOST_REQUIRE(decoder.next(decoded));
            BOOST_TEST(decoded.ping().nonce() == 7u);
            BOOST_TEST(!decoder.next(decoded));
            BOOST_TEST(decoder.error() == expected[k]);
            BOOST_TEST(!decoder.next(decoded));
            const std::size_t bufferedAtError = decoder.buffered();
            feedExact(decoder, valid);
            BOOST_TEST(decoder.buffered() == bufferedAtError);
            for (int i = 0; i < 3; ++i) {
                BOOST_TEST(!decoder.next(decoded));
                std::string_view payload;
                BOOST_TEST(!decoder.nextPayload(payload));
            }
            BOOST_TEST(decoder.error() == expected[k]);
        }
    }
}

BOOST_AUTO_TEST_CASE(errors_have_distinct_descriptions) {
    const DecodeError all[] = {DecodeError::None, DecodeError::FrameTooLarge,
                               DecodeError::VarintTooLong, DecodeError::BadPayload};
    for (auto a : all) {
        BOOST_TEST(!hermes::codec::describe(a).empty());
        for (auto b : all) {
            if (a != b) {
                BOOST_TEST(hermes::codec::describe(a) != hermes::codec::describe(b));
            }
        }
    }
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(limits_and_memory)

BOOST_AUTO_TEST_CASE(raising_the_limit_applies_to_later_frames) {
    Envelope hello;
    hello.mutable_hello()->set_nick("ana");
    Envelope say;
    say.mutable_say()->set_text(std::string(100, 'x'));
    const std::string sayFrame = encodeFrame(say);

    FrameDecoder strict(64);
    feedExact(strict, encodeFrame(hello) + sayFrame);
    Envelope decoded;
    BOOST_REQUIRE(strict.next(decoded));
    BOOST_TEST(!strict.next(decoded));
    BOOST_TEST(strict.error() == DecodeError::FrameTooLarge);
    BOOST_TEST(strict.claimedLength() == say.ByteSizeLong());

    FrameDecoder raised(64);
    feedExact(raised, encodeFrame(hello));
    BOOST_REQUIRE(raised.next(decoded));
    raised.setMaxFrameBytes(1024);
    BOOST_TEST(raised.maxFrameBytes() == 1024u);
    feedExact(raised, sayFrame);
    BOOST_REQUIRE(raised.next(decoded));
    BOOST_TEST(same(decoded, say));
    BOOST_TEST(!raised.failed());
}

// The limit is applied when a frame's prefix is judged, so raising it while a
// too-large frame's bytes are only partly here lets that frame through.
BOOST_AUTO_TEST_CASE(raising_the_limit_before_the_prefix_is_judged) {
    Envelope say;
    say.mutable_say()->set_text(std::string(200, 'x'));
    const std::string frame = encodeFrame(say);
    BOOST_REQUIRE(say.ByteSizeLong() >= 128u);  // a two-byte prefix
    FrameDecoder decoder(64);
    feedExact(decoder, frame.substr(0, 1));  // a continuation byte: not judged yet
    Envelope decoded;
    BOOST_TEST(!decoder.next(decoded));
    BOOST_TEST(!decoder.failed());
    decoder.setMaxFrameBytes(kMax);
    feedExact(decoder, frame.substr(1));
    BOOST_REQUIRE(decoder.next(decoded));
    BOOST_TEST(same(decoded, say));
}

BOOST_AUTO_TEST_CASE(shrink_releases_the_buffer) {
    constexpr std::size_t kBig = 1024 * 1024;
    FrameDecoder decoder(2 * kBig);
    Envelope say;
    say.mutable_say()->set_text(std::string(kBig, 'x'));
    const std::string frame = encodeFrame(say);
    say.Clear();

    const std::size_t before = gLiveBytes.load();
    decoder.feed(frame);
    std::string_view payload;
    const bool gotPayload = decoder.nextPayload(payload);
    const std::size_t holding = gLiveBytes.load();
    decoder.shrink();
    const std::size_t after = gLiveBytes.load();

    BOOST_TEST(gotPayload);
    BOOST_TEST(decoder.buffered() == 0u);
    BOOST_TEST(holding >= before + kBig, "the decoder was expected to hold its buffer");
    BOOST_TEST(after < before + 1024, "still held after shrink: " << after - before << " bytes");
}

BOOST_AUTO_TEST_CASE(shrink_keeps_a_partial_frame) {
    Envelope ping;
    ping.mutable_ping()->set_nonce(9);
    const std::string frame = encodeFrame(ping);
    FrameDecoder decoder(kMax);
    feedExact(decoder, frame.substr(0, 2));
    decoder.shrink();
    BOOST_TEST(decoder.buffered() == 2u);
    feedExact(decoder, frame.substr(2));
    Envelope decoded;
    BOOST_REQUIRE(decoder.next(decoded));
    BOOST_TEST(decoded.ping().nonce() == 9u);
}

BOOST_AUTO_TEST_SUITE_END()

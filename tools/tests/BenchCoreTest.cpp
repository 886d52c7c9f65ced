// The socket-free parts of hermes-bench: payload format, envelope scanning,
// delivery accounting (alone and fed from hub frames through the same
// splitter, scanners and ledger as the bench's event loop) and option presets.
#define BOOST_TEST_MODULE BenchCoreTest
#include <boost/test/unit_test.hpp>

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <chrono>
#include <cmath>
#include <ctime>
#include <limits>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <Poco/JSON/Object.h>
#include <Poco/JSON/ParseHandler.h>
#include <Poco/JSON/Parser.h>

#include "BenchOptions.hpp"
#include "BenchResult.hpp"
#include "DeliveryLedger.hpp"
#include "EnvelopeScan.hpp"
#include "Payload.hpp"
#include "ProcSample.hpp"
#include "hermes/codec/FrameEncoder.hpp"
#include "hermes/codec/FrameSplitter.hpp"
#include "hermes/threads/ThisThread.hpp"
#include "hermes/v1/hermes.pb.h"

using namespace hermes::bench;
using hermes::codec::FrameSplitter;

namespace {

// The payload parser the bench had before its inline one, on std::from_chars:
// the reference the fast parser must agree with.
bool referenceTakeField(std::string_view& text, char letter, std::uint64_t& value) {
    if (text.size() < 2 || text[0] != letter) {
        return false;
    }
    const char* first = text.data() + 1;
    const auto [ptr, ec] = std::from_chars(first, text.data() + text.size(), value);
    if (ec != std::errc() || ptr == first) {
        return false;
    }
    text.remove_prefix(static_cast<std::size_t>(ptr - text.data()));
    if (!text.empty()) {
        if (text[0] != ' ') {
            return false;
        }
        text.remove_prefix(1);
    }
    return true;
}

bool referenceParse(std::string_view text, PayloadFields& out) {
    std::uint64_t sender = 0;
    std::uint64_t counter = 0;
    std::uint64_t sentNs = 0;
    if (!referenceTakeField(text, 's', sender) || !referenceTakeField(text, 'n', counter) ||
        !referenceTakeField(text, 't', sentNs) || sender > UINT32_MAX || counter > UINT32_MAX) {
        return false;
    }
    out = {static_cast<std::uint32_t>(sender), static_cast<std::uint32_t>(counter), sentNs};
    return true;
}

// A ChatMessage as the hub sends it, with every field set.
hermes::v1::Envelope hubMessage(std::uint64_t seq, const std::string& text) {
    hermes::v1::Envelope envelope;
    auto* message = envelope.mutable_message();
    message->set_room("bench");
    message->set_seq(seq);
    message->set_epoch(3);
    message->set_time_ms(1'700'000'000'000);
    message->set_from("b123_45");
    message->set_client_msg_id(seq + 1000);
    message->set_kind(hermes::v1::MESSAGE_KIND_TEXT);
    message->set_text(text);
    return envelope;
}

}  // namespace

BOOST_AUTO_TEST_CASE(payload_round_trips_at_the_requested_size) {
    std::string text;
    formatPayload({17, 42, 123456789012345ULL}, 64, text);
    BOOST_TEST(text.size() == 64u);
    BOOST_TEST(text.rfind("s17 n42 t123456789012345 ", 0) == 0u);
    PayloadFields back;
    BOOST_REQUIRE(parsePayload(text, back));
    BOOST_TEST(back.sender == 17u);
    BOOST_TEST(back.counter == 42u);
    BOOST_TEST(back.sentNs == 123456789012345ULL);
}

BOOST_AUTO_TEST_CASE(payload_parse_rejects_what_is_not_ours) {
    PayloadFields out;
    for (const std::string text :
         {"", "hello", "s1 n2", "s1 n2 tx", "sx n2 t3", "s1n2 t3", "s99999999999 n1 t1"}) {
        BOOST_TEST_CONTEXT(text) {
            BOOST_TEST(!parsePayload(text, out));
        }
    }
    BOOST_TEST(parsePayload("s1 n2 t3", out));
}

BOOST_AUTO_TEST_CASE(payload_parse_agrees_with_from_chars) {
    // Numbers around the 8-digit steps and the uint32 / uint64 limits, with
    // and without text after them, plus random mutations of real payloads.
    const std::vector<std::string> numbers = {"0",
                                              "7",
                                              "12345678",
                                              "123456789",
                                              "1234567890123456",
                                              "00000001",
                                              "4294967295",
                                              "4294967296",
                                              "18446744073709551615",
                                              "18446744073709551616",
                                              "99999999999999999999",
                                              "000000000000000000000000042",
                                              "12a4",
                                              ""};
    std::vector<std::string> texts;
    for (const auto& a : numbers) {
        for (const auto& b : {std::string("9"), std::string("4294967296")}) {
            for (const auto& t : numbers) {
                for (const auto& tail :
                     {std::string(), std::string(" ....."), std::string(" " + std::string(40, '.')),
                      std::string("x")}) {
                    texts.push_back("s" + a + " n" + b + " t" + t + tail);
                }
            }
        }
    }
    std::mt19937 random(1);
    std::string payload;
    for (int i = 0; i < 20000; ++i) {
        formatPayload({static_cast<std::uint32_t>(random()), static_cast<std::uint32_t>(random()),
                       (std::uint64_t{random()} << 32) | random()},
                      random() % 80, payload);
        if (i % 2 == 1) {
            payload[random() % payload.size()] = "0 9sn/:t."[random() % 9];
        }
        texts.push_back(payload);
    }
    for (const auto& text : texts) {
        BOOST_TEST_CONTEXT(text) {
            PayloadFields ours;
            PayloadFields theirs;
            const bool ok = parsePayload(text, ours);
            BOOST_REQUIRE(ok == referenceParse(text, theirs));
            if (ok) {
                BOOST_TEST(ours.sender == theirs.sender);
                BOOST_TEST(ours.counter == theirs.counter);
                BOOST_TEST(ours.sentNs == theirs.sentNs);
            }
        }
    }
}

BOOST_AUTO_TEST_CASE(envelope_scan_finds_a_chat_message) {
    hermes::v1::Envelope envelope;
    auto* message = envelope.mutable_message();
    message->set_room("bench");
    message->set_seq(99);
    message->set_epoch(7);
    message->set_from("b1");
    message->set_text("s1 n2 t3 ....");
    message->set_time_ms(1234);
    const std::string payload = envelope.SerializeAsString();
    ScannedBody body;
    BOOST_REQUIRE(scanEnvelope(payload, body));
    BOOST_TEST(body.field == static_cast<std::uint32_t>(BodyType::Message));
    ScannedMessage scanned;
    BOOST_REQUIRE(scanChatMessage(body.bytes, scanned));
    BOOST_TEST(scanned.seq == 99u);
    BOOST_TEST(scanned.room == "bench");
    BOOST_TEST(scanned.text == "s1 n2 t3 ....");
}

BOOST_AUTO_TEST_CASE(envelope_scan_names_other_bodies_and_rejects_garbage) {
    hermes::v1::Envelope envelope;
    envelope.mutable_presence()->add_nicks("ana");
    ScannedBody body;
    const std::string presence = envelope.SerializeAsString();
    BOOST_REQUIRE(scanEnvelope(presence, body));
    BOOST_TEST(body.field == static_cast<std::uint32_t>(BodyType::Presence));
    envelope.mutable_ping()->set_nonce(5);
    const std::string ping = envelope.SerializeAsString();
    BOOST_REQUIRE(scanEnvelope(ping, body));
    BOOST_TEST(body.field == static_cast<std::uint32_t>(BodyType::Ping));
    // A length running past the end, and an empty envelope.
    BOOST_TEST(!scanEnvelope(std::string("\x3a\x10\x01", 3), body));
    BOOST_TEST(!scanEnvelope(std::string(), body));
}

BOOST_AUTO_TEST_CASE(chat_scan_rejects_every_cut_inside_a_field) {
    // protobuf writes fields in number order, so the sizes of the message
    // with its first k fields set are exactly where a cut leaves it whole.
    const hermes::v1::ChatMessage full = hubMessage(2'000'000, "s1 n2 t3 ....").message();
    std::vector<std::size_t> boundaries = {0};
    hermes::v1::ChatMessage partial;
    partial.set_room(full.room());
    boundaries.push_back(partial.ByteSizeLong());
    partial.set_seq(full.seq());
    boundaries.push_back(partial.ByteSizeLong());
    partial.set_epoch(full.epoch());
    boundaries.push_back(partial.ByteSizeLong());
    partial.set_time_ms(full.time_ms());
    boundaries.push_back(partial.ByteSizeLong());
    partial.set_from(full.from());
    boundaries.push_back(partial.ByteSizeLong());
    partial.set_client_msg_id(full.client_msg_id());
    boundaries.push_back(partial.ByteSizeLong());
    partial.set_kind(full.kind());
    boundaries.push_back(partial.ByteSizeLong());
    const std::string bytes = full.SerializeAsString();
    boundaries.push_back(bytes.size());
    for (std::size_t cut = 0; cut <= bytes.size(); ++cut) {
        BOOST_TEST_CONTEXT("cut at " << cut) {
            const std::string prefix = bytes.substr(0, cut);  // exact size
            ScannedMessage scanned;
            const bool whole =
                std::find(boundaries.begin(), boundaries.end(), cut) != boundaries.end();
            BOOST_TEST(scanChatMessage(prefix, scanned) == whole);
        }
    }
    ScannedMessage scanned;
    BOOST_REQUIRE(scanChatMessage(bytes, scanned));
    BOOST_TEST(scanned.seq == 2'000'000u);
    BOOST_TEST(scanned.room == "bench");
}

BOOST_AUTO_TEST_CASE(chat_scan_skips_unknown_fields_of_every_wire_type) {
    // Hand-written: text (8), then field 20 fixed64, field 21 fixed32, field
    // 2000 varint (two-byte tag), seq (2) as a 10-byte varint, room (1).
    std::string bytes =
        "\x42\x03"
        "abc";
    bytes += std::string("\xa1\x01", 2) + std::string(8, '\x11');
    bytes += std::string("\xad\x01", 2) + std::string(4, '\x22');
    bytes += std::string("\x80\x7d\xff\x01", 4);
    bytes += std::string("\x10\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", 11);
    bytes +=
        "\x0a\x02"
        "rm";
    ScannedMessage scanned;
    BOOST_REQUIRE(scanChatMessage(bytes, scanned));
    BOOST_TEST(scanned.text == "abc");
    BOOST_TEST(scanned.seq == UINT64_MAX);
    BOOST_TEST(scanned.room == "rm");
    // An 11-byte varint, a group, and field number 0 are refused.
    BOOST_TEST(!scanChatMessage(std::string("\x10") + std::string(10, '\xff') + "\x01", scanned));
    BOOST_TEST(!scanChatMessage(std::string("\x0b", 1), scanned));
    BOOST_TEST(!scanChatMessage(std::string("\x02\x00", 2), scanned));
    // An envelope whose body has a two-byte tag (SearchResults = 31).
    hermes::v1::Envelope envelope;
    envelope.mutable_search_results();
    ScannedBody body;
    BOOST_REQUIRE(scanEnvelope(envelope.SerializeAsString(), body));
    BOOST_TEST(body.field == 31u);
}

BOOST_AUTO_TEST_CASE(ledger_counts_loss_duplicates_and_reordering) {
    // 2 receivers, 2 senders with 3 and 2 messages: 10 expected deliveries.
    DeliveryLedger ledger(2, {3, 2});
    BOOST_TEST(ledger.completeness().expected == 10u);
    BOOST_TEST(ledger.record(0, {0, 0, 100}, 150));
    BOOST_TEST(ledger.record(0, {0, 2, 100}, 160));
    BOOST_TEST(ledger.record(0, {0, 1, 100}, 170));   // after 2: reordered
    BOOST_TEST(!ledger.record(0, {0, 1, 100}, 180));  // again: duplicate
    BOOST_TEST(!ledger.record(1, {0, 3, 100}, 180));  // counter out of range
    BOOST_TEST(!ledger.record(1, {5, 0, 100}, 180));  // no such sender
    ledger.recordSeq(0, 10);
    ledger.recordSeq(0, 11);
    ledger.recordSeq(0, 13);  // 12 missing
    const Completeness& c = ledger.completeness();
    BOOST_TEST(c.received == 3u);
    BOOST_TEST(c.lost == 7u);
    BOOST_TEST(c.duplicated == 1u);
    BOOST_TEST(c.reordered == 1u);
    BOOST_TEST(c.unexpected == 2u);
    BOOST_TEST(c.seqGaps == 1u);
    BOOST_TEST(!c.perfect());
    const LatencyHistogram& latencies = ledger.latencies();
    BOOST_TEST(latencies.count() == 3u);
    BOOST_TEST(latencies.percentile(50) == 60u);  // below 256 ns: exact
    BOOST_TEST(latencies.percentile(100) == 70u);
    BOOST_TEST(latencies.max() == 70u);
}

BOOST_AUTO_TEST_CASE(ledger_is_perfect_when_everything_arrives_once_in_order) {
    DeliveryLedger ledger(2, {2});
    for (int receiver = 0; receiver < 2; ++receiver) {
        for (std::uint32_t n = 0; n < 2; ++n) {
            ledger.recordSeq(receiver, n + 1);
            BOOST_TEST(ledger.record(receiver, {0, n, 1}, 2));
        }
    }
    BOOST_TEST(ledger.complete());
    BOOST_TEST(ledger.completeness().perfect());
}

BOOST_AUTO_TEST_CASE(scenarios_preset_and_later_options_override) {
    auto o = parseBenchOptions({"--port", "7070", "--scenario", "L1", "-t", "2"});
    BOOST_REQUIRE(o);
    BOOST_TEST(std::string(modeName(o->mode)) == "latency");
    BOOST_TEST(o->clients == 100);
    BOOST_TEST(o->rate == 2000);
    BOOST_TEST(o->duration == 2);
    // The preset applies first even when written after an option.
    o = parseBenchOptions({"-n", "7", "--scenario", "I1", "--port", "1"});
    BOOST_REQUIRE(o);
    BOOST_TEST(std::string(modeName(o->mode)) == "idle");
    BOOST_TEST(o->clients == 7);
    o = parseBenchOptions({"--port", "1", "--scenario", "T1", "--room", "#Bench.A"});
    BOOST_REQUIRE(o);
    BOOST_TEST(o->window == 16);
    BOOST_TEST(o->room == "bench.a");
}

BOOST_AUTO_TEST_CASE(options_in_each_form_the_scripts_use) {
    const auto o = parseBenchOptions({"--port=7071", "-n7",       "-s",     "3",  "--mode=latency",
                                      "-r",          "10",        "-t1",    "-b", "64",
                                      "-w",          "4",         "--json", "-v", "--hub-pid",
                                      "42",          "--timeout", "60",     "-n", "8"});
    BOOST_REQUIRE(o);
    BOOST_TEST(o->ports == std::vector<std::uint16_t>{7071});
    BOOST_TEST(o->clients == 8);  // the last -n
    BOOST_TEST(o->senders == 3);
    BOOST_TEST(std::string(modeName(o->mode)) == "latency");
    BOOST_TEST(o->rate == 10);
    BOOST_TEST(o->duration == 1);
    BOOST_TEST(o->window == 4);
    BOOST_TEST(o->json);
    BOOST_TEST(o->verbose);
    BOOST_TEST(o->hubPids == std::vector<int>{42});
    BOOST_TEST(o->timeout == 60);
    // A cluster: its hubs' ports and pids, in order.
    const auto cluster = parseBenchOptions({"--port", "7071, 7072,7073", "--hub-pid=41,42,43"});
    BOOST_REQUIRE(cluster);
    BOOST_TEST(cluster->ports == (std::vector<std::uint16_t>{7071, 7072, 7073}),
               boost::test_tools::per_element());
    BOOST_TEST(cluster->hubPids == (std::vector<int>{41, 42, 43}),
               boost::test_tools::per_element());
    // --help wins over what follows it, not over a mistake before it.
    BOOST_TEST(!parseBenchOptions({"--port", "1", "-h", "--bogus"}).has_value());
    BOOST_CHECK_THROW(parseBenchOptions({"-n", "x", "--help"}), std::invalid_argument);
    const std::string help = benchUsage();
    BOOST_TEST(help.rfind("usage: hermes-bench --port P [options]\n", 0) == 0u);
    BOOST_TEST(help.find("\n-nN, --clients=N ") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(options_refuse_remote_hosts_and_bad_values) {
    const std::vector<std::vector<std::string>> bad = {
        {"--port", "1", "--host", "192.168.1.10"},
        {"--port", "1", "--host", "10.0.0.1"},
        {"--host", "127.0.0.1"},  // no port
        {"--port", "1", "--scenario", "X9"},
        {"--port", "1", "-s", "5", "-n", "4"},          // more senders than clients
        {"--port", "1", "-b", "10"},                    // too small for the header
        {"--port", "1", "-n", "20000", "-m", "10000"},  // too many deliveries
        {"--port", "1", "--mode", "fast"},
        {"--port", "1,,2"},     // an empty port
        {"--port", "1,70000"},  // out of range
        {"--port", "1", "--hub-pid", "5,x"},
    };
    for (const auto& args : bad) {
        BOOST_TEST_CONTEXT(args.back()) {
            BOOST_CHECK_THROW(parseBenchOptions(args), std::invalid_argument);
        }
    }
    const auto remote = parseBenchOptions({"--port", "1", "--host", "10.0.0.1", "--allow-remote"});
    BOOST_REQUIRE(remote);
    BOOST_TEST(remote->host == "10.0.0.1");
    BOOST_TEST(!parseBenchOptions({"--help"}).has_value());
}

namespace {

// What the bench's event loop does with the hub's byte stream, without the
// sockets: split frames, scan, parse the payload, record.
Completeness checkStream(const std::string& stream, int receivers,
                         std::vector<std::uint32_t> perSender) {
    DeliveryLedger ledger(receivers, std::move(perSender));
    FrameSplitter splitter(1 << 20);
    // Fed in uneven reads so that frames straddle them.
    for (std::size_t at = 0, step = 1; at < stream.size(); at += step, step = step * 3 % 97 + 1) {
        splitter.feed(std::string_view(stream).substr(at, step), [&ledger](std::string_view p) {
            ScannedBody body;
            ScannedMessage message;
            PayloadFields fields;
            if (!scanEnvelope(p, body) || body.field != 7 ||
                !scanChatMessage(body.bytes, message) || message.room != "bench" ||
                !parsePayload(message.text, fields)) {
                ledger.recordUnexpected();
                return true;
            }
            ledger.recordSeq(0, message.seq);
            ledger.record(0, fields, fields.sentNs + 1000);
            return true;
        });
    }
    BOOST_TEST(!splitter.failed());
    return ledger.completeness();
}

// One receiver's stream: 3 senders x 4 messages, interleaved, room seq 1..12.
std::vector<hermes::v1::Envelope> oneReceiversMessages() {
    std::vector<hermes::v1::Envelope> messages;
    std::string text;
    for (std::uint32_t counter = 0; counter < 4; ++counter) {
        for (std::uint32_t sender = 0; sender < 3; ++sender) {
            formatPayload({sender, counter, 5000}, 64, text);
            messages.push_back(hubMessage(messages.size() + 1, text));
        }
    }
    return messages;
}

std::string framed(const std::vector<hermes::v1::Envelope>& messages) {
    std::string stream;
    for (const auto& m : messages) {
        hermes::codec::appendFrame(m, stream);
    }
    return stream;
}

}  // namespace

BOOST_AUTO_TEST_CASE(hub_stream_checker_passes_a_perfect_stream) {
    const Completeness c = checkStream(framed(oneReceiversMessages()), 1, {4, 4, 4});
    BOOST_TEST(c.received == 12u);
    BOOST_TEST(c.perfect());
}

BOOST_AUTO_TEST_CASE(hub_stream_checker_catches_a_lost_delivery) {
    auto messages = oneReceiversMessages();
    messages.erase(messages.begin() + 5);
    const Completeness c = checkStream(framed(messages), 1, {4, 4, 4});
    BOOST_TEST(c.lost == 1u);
    BOOST_TEST(c.seqGaps == 1u);
    BOOST_TEST(!c.perfect());
}

BOOST_AUTO_TEST_CASE(hub_stream_checker_catches_a_duplicated_delivery) {
    auto messages = oneReceiversMessages();
    // The same message again, even with a fresh room seq.
    messages.push_back(messages[4]);
    messages.back().mutable_message()->set_seq(13);
    const Completeness c = checkStream(framed(messages), 1, {4, 4, 4});
    BOOST_TEST(c.duplicated == 1u);
    BOOST_TEST(c.lost == 0u);
    BOOST_TEST(c.seqGaps == 0u);
    BOOST_TEST(!c.perfect());
}

BOOST_AUTO_TEST_CASE(hub_stream_checker_catches_a_reordered_delivery) {
    auto messages = oneReceiversMessages();
    // Sender 1's messages 1 and 2 swapped, room seq left as sent: only the
    // per-sender order can tell.
    std::swap(messages[4], messages[7]);
    messages[4].mutable_message()->set_seq(5);
    messages[7].mutable_message()->set_seq(8);
    const Completeness c = checkStream(framed(messages), 1, {4, 4, 4});
    BOOST_TEST(c.reordered == 1u);
    BOOST_TEST(c.lost == 0u);
    BOOST_TEST(c.seqGaps == 0u);
    BOOST_TEST(!c.perfect());
}

BOOST_AUTO_TEST_CASE(hub_stream_checker_counts_foreign_frames) {
    auto messages = oneReceiversMessages();
    messages[2].mutable_message()->set_text("hello from a person");
    const Completeness c = checkStream(framed(messages), 1, {4, 4, 4});
    BOOST_TEST(c.unexpected == 1u);
    BOOST_TEST(c.lost == 1u);
    BOOST_TEST(!c.perfect());
}

// A thread's CPU this thread has spent, in seconds.
double threadCpu() {
    timespec t{};
    ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) / 1e9;
}

BOOST_AUTO_TEST_CASE(a_process_sample_has_each_named_threads_cpu) {
    const ProcSample before = sampleProcess(::getpid());
    BOOST_TEST_REQUIRE(before.ok);
    std::atomic<bool> spent{false};
    std::atomic<bool> done{false};
    std::thread spinner([&] {
        // Parentheses and a space: /proc's stat shows the name as is.
        hermes::threads::nameThisThread("spin (a) test");
        // 50 ms of CPU (five clock ticks), bounded by the CPU clock itself.
        volatile std::uint64_t sink = 0;
        while (threadCpu() < 0.05) {
            sink = sink + 1;
        }
        spent = true;
        while (!done) {
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
        }
    });
    // The spinner ends its 50 ms within seconds (bounded; fails if not).
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (!spent && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    const ProcSample after = sampleProcess(::getpid());
    done = true;
    spinner.join();
    BOOST_TEST_REQUIRE(spent.load());
    BOOST_TEST_REQUIRE(after.ok);
    // The name is new: absent before, and its CPU counted (whole ticks, so
    // at least 0.04 of the 0.05 s), and within the process's.
    BOOST_TEST(before.threadCpuSeconds.count("spin (a) test") == 0u);
    const auto spentByName = threadCpuBetween(before, after);
    BOOST_TEST_REQUIRE(spentByName.count("spin (a) test") == 1u);
    BOOST_TEST(spentByName.at("spin (a) test") >= 0.04);
    // The process's figure is read before its threads': a tick or two apart.
    BOOST_TEST(after.cpuSeconds - before.cpuSeconds >= spentByName.at("spin (a) test") - 0.021);
}

BOOST_AUTO_TEST_CASE(json_result_is_one_line_with_the_keys_the_scripts_read) {
    BenchResult r;
    r.options.scenario = "T1";
    r.options.room = "bench";
    r.connected = 10;
    r.joined = 10;
    r.membersListed = 10;
    r.sent = 500;
    r.completeness.expected = 5000;
    r.completeness.received = 5000;
    r.wallSeconds = 1.23456789;
    r.deliveriesPerSecond = 4050.6;
    r.latencyP50Ms = 0.25;
    r.latencyMaxMs = std::numeric_limits<double>::quiet_NaN();
    r.hubSampled = true;
    r.hubPeakRssMiB = 12.3456;
    r.hubThreadCpuSeconds = {{"event-loop", 2.04567}, {"hist-writer", 0.3}};
    r.notes = {"a \"quoted\" note\nover two lines"};
    std::ostringstream out;
    writeJson(r, out);
    const std::string text = out.str();
    BOOST_TEST_MESSAGE(text);
    // One line, compact: the compare scripts put their own keys after the '{'.
    BOOST_TEST(text.rfind("{\"tool\":\"hermes-bench\",\"scenario\":\"T1\",", 0) == 0u);
    BOOST_TEST(text.find('\n') == text.size() - 1);
    // What tools-e2e.sh greps for.
    BOOST_TEST(text.find("\"expected\":5000,\"received\":5000,\"lost\":0,\"duplicated\":0,"
                         "\"reordered\":0") != std::string::npos);
    BOOST_TEST(text.find("\"joined\":10,") != std::string::npos);
    BOOST_TEST(text.find("\"hub_sampled\":true") != std::string::npos);

    Poco::JSON::ParseHandler::Ptr ordered(new Poco::JSON::ParseHandler(true));
    Poco::JSON::Parser parser(ordered);
    const auto json = parser.parse(text).extract<Poco::JSON::Object::Ptr>();
    const std::vector<std::string> keys = json->getNames();  // in the text's order
    const std::vector<std::string> expected = {"tool",
                                               "scenario",
                                               "mode",
                                               "transport",
                                               "hubs",
                                               "clients",
                                               "senders",
                                               "messages",
                                               "size",
                                               "window",
                                               "rate",
                                               "duration_s",
                                               "room",
                                               "connected",
                                               "joined",
                                               "join_s",
                                               "members_listed",
                                               "views_checked",
                                               "views_correct",
                                               "views_s",
                                               "sent",
                                               "expected",
                                               "received",
                                               "lost",
                                               "duplicated",
                                               "reordered",
                                               "unexpected",
                                               "seq_gaps",
                                               "wall_s",
                                               "deliveries_per_s",
                                               "payload_mb_per_s",
                                               "latency_ms",
                                               "latency_max_relative_error",
                                               "max_send_lag_ms",
                                               "hub_sampled",
                                               "hub_cpu_s",
                                               "hub_cpu_s_per_million",
                                               "hub_peak_rss_mib",
                                               "hub_rss_before_mib",
                                               "hub_rss_after_mib",
                                               "hub_kib_per_client",
                                               "hub_thread_cpu_s",
                                               "bench_cpu_s",
                                               "bench_phase_cpu_s",
                                               "bench_cpu_s_per_million",
                                               "errors",
                                               "disconnects",
                                               "connect_failures",
                                               "timed_out",
                                               "notes",
                                               "ok"};
    BOOST_TEST(keys == expected, boost::test_tools::per_element());
    // Figures rounded as before (wall_s to 4 places, deliveries/s to 0), NaN as null.
    BOOST_TEST(json->getValue<double>("wall_s") == 1.2346);
    BOOST_TEST(json->getValue<double>("deliveries_per_s") == 4051);
    BOOST_TEST(json->getValue<double>("hub_peak_rss_mib") == 12.35);
    // Each thread's CPU by its name (persistence_table.py reads two of them).
    const auto threads = json->getObject("hub_thread_cpu_s");
    BOOST_TEST(threads->getValue<double>("event-loop") == 2.0457);
    BOOST_TEST(threads->getValue<double>("hist-writer") == 0.3);
    const auto latency = json->getObject("latency_ms");
    BOOST_TEST(latency->getValue<double>("p50") == 0.25);
    BOOST_TEST(latency->isNull("max"));
    BOOST_TEST(json->getArray("notes")->getElement<std::string>(0) ==
               "a \"quoted\" note\nover two lines");
    BOOST_TEST(json->getValue<bool>("ok") == r.ok());
}

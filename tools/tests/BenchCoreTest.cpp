// The socket-free parts of hermes-bench: payload format, envelope scanning,
// delivery accounting and option presets.
#define BOOST_TEST_MODULE BenchCoreTest
#include <boost/test/unit_test.hpp>

#include <stdexcept>
#include <string>
#include <vector>

#include "BenchOptions.hpp"
#include "DeliveryLedger.hpp"
#include "EnvelopeScan.hpp"
#include "Payload.hpp"
#include "hermes/v1/hermes.pb.h"

using namespace hermes::bench;

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
    const auto& latencies = ledger.sortedLatencies();
    BOOST_TEST(latencies == (std::vector<std::uint64_t>{50, 60, 70}),
               boost::test_tools::per_element());
    BOOST_TEST(percentile(latencies, 50) == 60u);
    BOOST_TEST(percentile(latencies, 100) == 70u);
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

// The test vectors of docs/PROTOCOL.md "Private history test vectors"
// (section 3): each message built with the generated classes, framed by the
// codec, must be exactly the bytes the document prints, and the document
// must print them.
#define BOOST_TEST_MODULE private_vectors
#include <boost/test/unit_test.hpp>

#include <functional>
#include <string>
#include <vector>

#include "hermes/codec/FrameEncoder.hpp"
#include "hermes/test/ProtocolVectors.hpp"
#include "hermes/v1/hermes.pb.h"

namespace v1 = hermes::v1;

namespace {

using Vector = hermes::test::ProtocolVector;

void psst(v1::ChatMessage& m) {
    m.set_epoch(1'700'000'000'000);
    m.set_time_ms(1'700'000'012'345);
    m.set_from("ana");
    m.set_client_msg_id(7);
    m.set_text("psst");
    m.set_to("bob");
    m.set_private_seq(1);
}

const std::vector<Vector>& vectors() {
    static const std::vector<Vector> all = {
        {"HistoryRequest{after_seq: 3, peer: \"ana\"}", "0a 72 08 10 03 c2 02 03 61 6e 61",
         [](v1::Envelope& e) {
             e.mutable_history_request()->set_after_seq(3);
             e.mutable_history_request()->set_peer("ana");
         }},
        {"SearchRequest{query: \"plan\", peer: \"bob\"}",
         "0f f2 01 0c 12 04 70 6c 61 6e c2 02 03 62 6f 62",
         [](v1::Envelope& e) {
             e.mutable_search_request()->set_query("plan");
             e.mutable_search_request()->set_peer("bob");
         }},
        {"ChatMessage{..., private_seq: 1, waited: true}",
         "28 3a 26 18 80 d0 95 ff bc 31 20 b9 b0 96 ff bc 31 2a 03 61 6e 61 30 07 42 04 70 73 73 "
         "74 4a 03 62 6f 62 c0 02 01 c8 02 01",
         [](v1::Envelope& e) {
             psst(*e.mutable_message());
             e.mutable_message()->set_waited(true);
         }},
        {"ChatMessage{..., private_seq: 1, offline: true}",
         "28 3a 26 18 80 d0 95 ff bc 31 20 b9 b0 96 ff bc 31 2a 03 61 6e 61 30 07 42 04 70 73 73 "
         "74 4a 03 62 6f 62 c0 02 01 d0 02 01",
         [](v1::Envelope& e) {
             psst(*e.mutable_message());
             e.mutable_message()->set_offline(true);
         }},
        {"HistoryPage{epoch, messages: [psst], head_seq: 1, peer: \"ana\"}",
         "36 7a 34 10 80 d0 95 ff bc 31 1a 23 18 80 d0 95 ff bc 31 20 b9 b0 96 ff bc 31 2a 03 61 "
         "6e 61 30 07 42 04 70 73 73 74 4a 03 62 6f 62 c0 02 01 38 01 c2 02 03 61 6e 61",
         [](v1::Envelope& e) {
             auto* page = e.mutable_history_page();
             page->set_epoch(1'700'000'000'000);
             psst(*page->add_messages());
             page->set_head_seq(1);
             page->set_peer("ana");
         }},
        {"Welcome{session_id: 1, nick: \"ana\", account: \"ana\", accounts: true, "
         "private_history: true}",
         "13 12 11 08 01 12 03 61 6e 61 42 03 61 6e 61 48 01 c0 02 01",
         [](v1::Envelope& e) {
             auto* w = e.mutable_welcome();
             w->set_session_id(1);
             w->set_nick("ana");
             w->set_account("ana");
             w->set_accounts(true);
             w->set_private_history(true);
         }},
        {"Error{code: MAILBOX_FULL, text: \"bob has 200 waiting\"}",
         "1a 92 01 17 08 37 12 13 62 6f 62 20 68 61 73 20 32 30 30 20 77 61 69 74 69 6e 67",
         [](v1::Envelope& e) {
             e.mutable_error()->set_code(v1::ERROR_CODE_MAILBOX_FULL);
             e.mutable_error()->set_text("bob has 200 waiting");
         }},
        {"Error{code: NOT_A_PARTY, text: \"sign in\"}",
         "0e 92 01 0b 08 38 12 07 73 69 67 6e 20 69 6e",
         [](v1::Envelope& e) {
             e.mutable_error()->set_code(v1::ERROR_CODE_NOT_A_PARTY);
             e.mutable_error()->set_text("sign in");
         }},
    };
    return all;
}

}  // namespace

BOOST_AUTO_TEST_CASE(frames_are_the_documented_bytes) {
    hermes::test::expectDocumentedFrames(vectors());
}

BOOST_AUTO_TEST_CASE(the_document_prints_them) {
    hermes::test::expectDocumentPrints(vectors());
}

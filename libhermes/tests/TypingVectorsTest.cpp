// The test vectors of docs/PROTOCOL.md "Typing and read marker test vectors"
// (section 3): each message built with the generated classes, framed by the
// codec, must be exactly the bytes the document prints, and the document
// must print them.
#define BOOST_TEST_MODULE typing_vectors
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

const std::vector<Vector>& vectors() {
    static const std::vector<Vector> all = {
        {"Typing{room: \"lobby\"}", "0a 82 05 07 0a 05 6c 6f 62 62 79",
         [](v1::Envelope& e) { e.mutable_typing()->set_room("lobby"); }},
        {"Typing{to: \"bob\", stopped: true}", "0a 82 05 07 12 03 62 6f 62 18 01",
         [](v1::Envelope& e) {
             e.mutable_typing()->set_to("bob");
             e.mutable_typing()->set_stopped(true);
         }},
        {"TypingNotice{room: \"lobby\", from: \"ana\", expires_ms: 6000}",
         "12 8a 05 0f 0a 05 6c 6f 62 62 79 12 03 61 6e 61 20 f0 2e",
         [](v1::Envelope& e) {
             e.mutable_typing_notice()->set_room("lobby");
             e.mutable_typing_notice()->set_from("ana");
             e.mutable_typing_notice()->set_expires_ms(6000);
         }},
        {"MarkRead{room: \"lobby\", seq: 42}", "0c 92 05 09 0a 05 6c 6f 62 62 79 18 2a",
         [](v1::Envelope& e) {
             e.mutable_mark_read()->set_room("lobby");
             e.mutable_mark_read()->set_seq(42);
         }},
        {"ReadMarkersRequest{}", "03 9a 05 00",
         [](v1::Envelope& e) { e.mutable_read_markers_request(); }},
        {"ReadMarkers{markers: [{room: \"lobby\", seq: 42}], durable: true}",
         "10 a2 05 0d 0a 09 0a 05 6c 6f 62 62 79 18 2a 18 01",
         [](v1::Envelope& e) {
             auto* marker = e.mutable_read_markers()->add_markers();
             marker->set_room("lobby");
             marker->set_seq(42);
             e.mutable_read_markers()->set_durable(true);
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

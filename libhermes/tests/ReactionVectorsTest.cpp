// The test vectors of docs/PROTOCOL.md "Replies, edits, deletes and
// reactions" (section 3): each message built with the generated classes,
// framed by the codec, must be exactly the bytes the document prints, and the
// document must print them.
#define BOOST_TEST_MODULE reaction_vectors
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
    static const std::string thumbs = "\xF0\x9F\x91\x8D";
    static const std::vector<Vector> all = {
        {"Say{room: \"dev\", client_msg_id: 2, text: \"yes\", reply_to: 1}",
         "11 2a 0f 0a 03 64 65 76 10 02 22 03 79 65 73 a0 01 01",
         [](v1::Envelope& e) {
             e.mutable_say()->set_room("dev");
             e.mutable_say()->set_client_msg_id(2);
             e.mutable_say()->set_text("yes");
             e.mutable_say()->set_reply_to(1);
         }},
        {"Say{room: \"dev\", client_msg_id: 3, kind: EDIT, text: \"hello\", target_seq: 1}",
         "15 2a 13 0a 03 64 65 76 10 03 18 03 22 05 68 65 6c 6c 6f a8 01 01",
         [](v1::Envelope& e) {
             e.mutable_say()->set_room("dev");
             e.mutable_say()->set_client_msg_id(3);
             e.mutable_say()->set_kind(v1::MESSAGE_KIND_EDIT);
             e.mutable_say()->set_text("hello");
             e.mutable_say()->set_target_seq(1);
         }},
        {"Say{room: \"dev\", client_msg_id: 4, kind: DELETE, target_seq: 1}",
         "0e 2a 0c 0a 03 64 65 76 10 04 18 04 a8 01 01",
         [](v1::Envelope& e) {
             e.mutable_say()->set_room("dev");
             e.mutable_say()->set_client_msg_id(4);
             e.mutable_say()->set_kind(v1::MESSAGE_KIND_DELETE);
             e.mutable_say()->set_target_seq(1);
         }},
        {"Say{room: \"dev\", client_msg_id: 5, kind: REACT, text: thumbs up, target_seq: 1}",
         "14 2a 12 0a 03 64 65 76 10 05 18 05 22 04 f0 9f 91 8d a8 01 01",
         [](v1::Envelope& e) {
             e.mutable_say()->set_room("dev");
             e.mutable_say()->set_client_msg_id(5);
             e.mutable_say()->set_kind(v1::MESSAGE_KIND_REACT);
             e.mutable_say()->set_text(thumbs);
             e.mutable_say()->set_target_seq(1);
         }},
        {"ChatMessage{dev, seq 2, reply_to 1}",
         "26 3a 24 0a 03 64 65 76 10 02 18 80 d0 95 ff bc 31 20 b9 b0 96 ff bc 31 2a 03 61 6e 61 "
         "30 02 42 03 79 65 73 a0 01 01",
         [](v1::Envelope& e) {
             v1::ChatMessage& m = *e.mutable_message();
             m.set_room("dev");
             m.set_seq(2);
             m.set_epoch(1700000000000);
             m.set_time_ms(1700000012345);
             m.set_from("ana");
             m.set_client_msg_id(2);
             m.set_text("yes");
             m.set_reply_to(1);
         }},
        {"ChatMessage{dev, seq 5, REACT}",
         "45 3a 43 0a 03 64 65 76 10 05 18 80 d0 95 ff bc 31 20 b9 b0 96 ff bc 31 2a 03 62 6f 62 "
         "30 05 38 05 42 19 72 65 61 63 74 65 64 20 f0 9f 91 8d 20 74 6f 20 6d 65 73 73 61 67 65 "
         "20 31 a8 01 01 b2 01 04 f0 9f 91 8d",
         [](v1::Envelope& e) {
             v1::ChatMessage& m = *e.mutable_message();
             m.set_room("dev");
             m.set_seq(5);
             m.set_epoch(1700000000000);
             m.set_time_ms(1700000012345);
             m.set_from("bob");
             m.set_client_msg_id(5);
             m.set_kind(v1::MESSAGE_KIND_REACT);
             m.set_text("reacted " + thumbs + " to message 1");
             m.set_target_seq(1);
             m.set_reaction(thumbs);
         }},
        {"ChatMessage{dev, seq 5, REACT, reactor bob}",
         "4b 3a 49 0a 03 64 65 76 10 05 18 80 d0 95 ff bc 31 20 b9 b0 96 ff bc 31 2a 03 62 6f 62 "
         "30 05 38 05 42 19 72 65 61 63 74 65 64 20 f0 9f 91 8d 20 74 6f 20 6d 65 73 73 61 67 65 "
         "20 31 a8 01 01 b2 01 04 f0 9f 91 8d b2 04 03 62 6f 62",
         [](v1::Envelope& e) {
             v1::ChatMessage& m = *e.mutable_message();
             m.set_room("dev");
             m.set_seq(5);
             m.set_epoch(1700000000000);
             m.set_time_ms(1700000012345);
             m.set_from("bob");
             m.set_client_msg_id(5);
             m.set_kind(v1::MESSAGE_KIND_REACT);
             m.set_text("reacted " + thumbs + " to message 1");
             m.set_target_seq(1);
             m.set_reaction(thumbs);
             m.set_reactor("bob");
         }},
        {"Error{code: NO_SUCH_MESSAGE, text: \"dev has no message 9\", client_msg_id: 6, room: "
         "\"dev\"}",
         "22 92 01 1f 08 2d 12 14 64 65 76 20 68 61 73 20 6e 6f 20 6d 65 73 73 61 67 65 20 39 18 "
         "06 22 03 64 65 76",
         [](v1::Envelope& e) {
             e.mutable_error()->set_code(v1::ERROR_CODE_NO_SUCH_MESSAGE);
             e.mutable_error()->set_text("dev has no message 9");
             e.mutable_error()->set_client_msg_id(6);
             e.mutable_error()->set_room("dev");
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

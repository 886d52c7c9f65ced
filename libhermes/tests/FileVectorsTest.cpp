// The test vectors of docs/PROTOCOL.md "File test vectors" (section 3): each
// message built with the generated classes, framed by the codec, must be
// exactly the bytes the document prints, and the document must print them.
#define BOOST_TEST_MODULE FileVectorsTest
#include <boost/test/unit_test.hpp>

#include <functional>
#include <string>
#include <vector>

#include "hermes/codec/FrameEncoder.hpp"
#include "hermes/files/Sha256.hpp"
#include "hermes/protocol/FileRules.hpp"
#include "hermes/test/ProtocolVectors.hpp"
#include "hermes/v1/hermes.pb.h"

namespace v1 = hermes::v1;

namespace {

constexpr const char* kHelloSha =
    "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824";

void fill(v1::FileInfo& file) {
    file.set_name("a.txt");
    file.set_size(5);
    file.set_media_type("text/plain");
    file.set_sha256(kHelloSha);
}

using Vector = hermes::test::ProtocolVector;

const std::vector<Vector>& vectors() {
    static const std::vector<Vector> all = {
        {"FileOffer{room: \"dev\", client_msg_id: 1, file: {name: \"a.txt\", size: 5, media_type: "
         "\"text/plain\", sha256: sha256(\"hello\")}}",
         "63 a2 06 60 0a 03 64 65 76 10 01 1a 57 0a 05 61 2e 74 78 74 10 05 1a 0a 74 65 78 74 2f "
         "70 6c 61 69 6e 22 40 32 63 66 32 34 64 62 61 35 66 62 30 61 33 30 65 32 36 65 38 33 62 "
         "32 61 63 35 62 39 65 32 39 65 31 62 31 36 31 65 35 63 31 66 61 37 34 32 35 65 37 33 30 "
         "34 33 33 36 32 39 33 38 62 39 38 32 34",
         [](v1::Envelope& e) {
             auto* o = e.mutable_file_offer();
             o->set_room("dev");
             o->set_client_msg_id(1);
             fill(*o->mutable_file());
         }},
        {"FileAccept{upload_id: 1, client_msg_id: 1, chunk_bytes: 64512, window_bytes: 1048576}",
         "0f aa 06 0c 08 01 10 01 18 80 f8 03 20 80 80 40",
         [](v1::Envelope& e) {
             auto* a = e.mutable_file_accept();
             a->set_upload_id(1);
             a->set_client_msg_id(1);
             a->set_chunk_bytes(64512);
             a->set_window_bytes(1048576);
         }},
        {"FileChunk{upload_id: 1, offset: 0, data: \"hello\"}",
         "0c b2 06 09 08 01 1a 05 68 65 6c 6c 6f",
         [](v1::Envelope& e) {
             e.mutable_file_chunk()->set_upload_id(1);
             e.mutable_file_chunk()->set_data("hello");
         }},
        {"FileProgress{upload_id: 1, received: 65536}", "09 ba 06 06 08 01 10 80 80 04",
         [](v1::Envelope& e) {
             e.mutable_file_progress()->set_upload_id(1);
             e.mutable_file_progress()->set_received(65536);
         }},
        {"FileRequest{room: \"dev\", seq: 7, offset: 3}", "0c c2 06 09 12 03 64 65 76 18 07 20 03",
         [](v1::Envelope& e) {
             e.mutable_file_request()->set_room("dev");
             e.mutable_file_request()->set_seq(7);
             e.mutable_file_request()->set_offset(3);
         }},
        {"FileData{sha256: sha256(\"hello\"), offset: 3, data: \"lo\"}",
         "4b ca 06 48 0a 40 32 63 66 32 34 64 62 61 35 66 62 30 61 33 30 65 32 36 65 38 33 62 32 "
         "61 63 35 62 39 65 32 39 65 31 62 31 36 31 65 35 63 31 66 61 37 34 32 35 65 37 33 30 34 "
         "33 33 36 32 39 33 38 62 39 38 32 34 10 03 1a 02 6c 6f",
         [](v1::Envelope& e) {
             e.mutable_file_data()->set_sha256(kHelloSha);
             e.mutable_file_data()->set_offset(3);
             e.mutable_file_data()->set_data("lo");
         }},
        {"FileCancel{upload_id: 1}", "05 d2 06 02 08 01",
         [](v1::Envelope& e) { e.mutable_file_cancel()->set_upload_id(1); }},
        {"ChatMessage{room: \"dev\", seq: 7, epoch: 1700000000000, time_ms: 1700000012345, from: "
         "\"ana\", client_msg_id: 1, kind: FILE, text: \"shared a.txt (5 B)\", file: {as in the "
         "FileOffer}}",
         "8f 01 3a 8c 01 0a 03 64 65 76 10 07 18 80 d0 95 ff bc 31 20 b9 b0 96 ff bc 31 2a 03 61 "
         "6e 61 30 01 38 0a 42 12 73 68 61 72 65 64 20 61 2e 74 78 74 20 28 35 20 42 29 92 03 57 "
         "0a 05 61 2e 74 78 74 10 05 1a 0a 74 65 78 74 2f 70 6c 61 69 6e 22 40 32 63 66 32 34 64 "
         "62 61 35 66 62 30 61 33 30 65 32 36 65 38 33 62 32 61 63 35 62 39 65 32 39 65 31 62 31 "
         "36 31 65 35 63 31 66 61 37 34 32 35 65 37 33 30 34 33 33 36 32 39 33 38 62 39 38 32 34",
         [](v1::Envelope& e) {
             auto* m = e.mutable_message();
             m->set_room("dev");
             m->set_seq(7);
             m->set_epoch(1700000000000);
             m->set_time_ms(1700000012345);
             m->set_from("ana");
             m->set_client_msg_id(1);
             m->set_kind(v1::MESSAGE_KIND_FILE);
             fill(*m->mutable_file());
             // The hub's text for it, as a client that knows only TEXT shows it.
             m->set_text(hermes::protocol::fileMessageText(m->file()));
         }},
    };
    return all;
}

}  // namespace

BOOST_AUTO_TEST_CASE(the_hash_is_sha256_of_hello) {
    BOOST_TEST(hermes::files::Sha256::hex("hello") == kHelloSha);
}

BOOST_AUTO_TEST_CASE(frames_are_the_documented_bytes) {
    hermes::test::expectDocumentedFrames(vectors());
}

BOOST_AUTO_TEST_CASE(the_document_prints_them) {
    hermes::test::expectDocumentPrints(vectors());
}

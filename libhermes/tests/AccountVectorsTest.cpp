// The test vectors of docs/PROTOCOL.md "Accounts" (section 3): each message
// built with the generated classes, framed by the codec, must be exactly the
// bytes the document prints, and the document must print them.
#define BOOST_TEST_MODULE account_vectors
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
        {"Hello{protocol_version: 1, nick: \"ana\", password: \"s3cret\"}",
         "11 0a 0f 08 01 12 03 61 6e 61 22 06 73 33 63 72 65 74",
         [](v1::Envelope& e) {
             e.mutable_hello()->set_protocol_version(1);
             e.mutable_hello()->set_nick("ana");
             e.mutable_hello()->set_password("s3cret");
         }},
        {"Hello{protocol_version: 1, nick: \"ana\", hub_password: \"sesame\"}",
         "11 0a 0f 08 01 12 03 61 6e 61 2a 06 73 65 73 61 6d 65",
         [](v1::Envelope& e) {
             e.mutable_hello()->set_protocol_version(1);
             e.mutable_hello()->set_nick("ana");
             e.mutable_hello()->set_hub_password("sesame");
         }},
        {"Register{password: \"s3cret\"}", "0b 92 03 08 0a 06 73 33 63 72 65 74",
         [](v1::Envelope& e) { e.mutable_register_nick()->set_password("s3cret"); }},
        {"Identify{nick: \"ana\", password: \"s3cret\"}",
         "10 9a 03 0d 0a 03 61 6e 61 12 06 73 33 63 72 65 74",
         [](v1::Envelope& e) {
             e.mutable_identify()->set_nick("ana");
             e.mutable_identify()->set_password("s3cret");
         }},
        {"Identify{password: \"s3cret\"} (the current nick)", "0b 9a 03 08 12 06 73 33 63 72 65 74",
         [](v1::Envelope& e) { e.mutable_identify()->set_password("s3cret"); }},
        {"ChangePassword{old_password: \"s3cret\", new_password: \"n3w\"}",
         "10 a2 03 0d 0a 06 73 33 63 72 65 74 12 03 6e 33 77",
         [](v1::Envelope& e) {
             e.mutable_change_password()->set_old_password("s3cret");
             e.mutable_change_password()->set_new_password("n3w");
         }},
        {"AccountReply{event: REGISTERED, account: \"ana\", text: \"registered\"}",
         "16 aa 03 13 08 01 12 03 61 6e 61 1a 0a 72 65 67 69 73 74 65 72 65 64",
         [](v1::Envelope& e) {
             e.mutable_account_reply()->set_event(v1::ACCOUNT_EVENT_REGISTERED);
             e.mutable_account_reply()->set_account("ana");
             e.mutable_account_reply()->set_text("registered");
         }},
        {"Welcome{session_id: 1, nick: \"ana\", account: \"ana\", accounts: true}",
         "10 12 0e 08 01 12 03 61 6e 61 42 03 61 6e 61 48 01",
         [](v1::Envelope& e) {
             e.mutable_welcome()->set_session_id(1);
             e.mutable_welcome()->set_nick("ana");
             e.mutable_welcome()->set_account("ana");
             e.mutable_welcome()->set_accounts(true);
         }},
        {"Error{code: PASSWORD_REQUIRED, text: \"nick ana is registered\"}",
         "1d 92 01 1a 08 15 12 16 6e 69 63 6b 20 61 6e 61 20 69 73 20 72 65 67 69 73 74 65 72 65 "
         "64",
         [](v1::Envelope& e) {
             e.mutable_error()->set_code(v1::ERROR_CODE_PASSWORD_REQUIRED);
             e.mutable_error()->set_text("nick ana is registered");
         }},
        {"Error{code: SIGN_IN_THROTTLED, text: \"retry after 9000 ms\"}",
         "1a 92 01 17 08 17 12 13 72 65 74 72 79 20 61 66 74 65 72 20 39 30 30 30 20 6d 73",
         [](v1::Envelope& e) {
             e.mutable_error()->set_code(v1::ERROR_CODE_SIGN_IN_THROTTLED);
             e.mutable_error()->set_text("retry after 9000 ms");
         }},
        {"Error{code: HUB_PASSWORD, text: \"wrong hub password\", fatal: true}",
         "1b 92 01 18 08 18 12 12 77 72 6f 6e 67 20 68 75 62 20 70 61 73 73 77 6f 72 64 28 01",
         [](v1::Envelope& e) {
             e.mutable_error()->set_code(v1::ERROR_CODE_HUB_PASSWORD);
             e.mutable_error()->set_text("wrong hub password");
             e.mutable_error()->set_fatal(true);
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

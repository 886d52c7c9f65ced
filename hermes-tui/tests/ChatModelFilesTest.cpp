// Files in hermes-tui's model, against a recording hub: /upload sends the
// offer and then the chunks the hub's window allows, the status bar shows
// the progress, a FILE message shows its #seq, /download N asks for that
// message's file, a paste goes as a snippet on f, and a cut connection says
// what became of the transfers.
#define BOOST_TEST_MODULE ChatModelFilesTest
#include <boost/test/unit_test.hpp>

#include <fstream>
#include <string>

#include "OnlineModel.hpp"
#include "TestLocale.hpp"
#include "hermes/files/Sha256.hpp"
#include "hermes/test/TempDir.hpp"

using namespace hermes::tui;
using namespace hermes::tui::test;
namespace v1 = hermes::v1;
using hermes::test::TempDir;

namespace {

// Online, on a hub that keeps files.
struct FilesOnline : Online {
    FilesOnline() {
        hermes::client::Event again = welcomed("ana");
        again.envelope->mutable_welcome()->mutable_limits()->set_max_file_bytes(1 << 20);
        model.onEvent(again, t0);
        hub.calls.clear();
        hub.frames.clear();
    }
};

v1::Envelope fileMessage(std::uint64_t seq, std::uint64_t clientMsgId, const std::string& from,
                         const std::string& name, std::uint64_t size,
                         const std::string& preview = {}) {
    v1::Envelope e;
    auto* m = e.mutable_message();
    m->set_room("lobby");
    m->set_seq(seq);
    m->set_from(from);
    m->set_client_msg_id(clientMsgId);
    m->set_kind(v1::MESSAGE_KIND_FILE);
    m->set_text("shared " + name);
    m->mutable_file()->set_name(name);
    m->mutable_file()->set_size(size);
    m->mutable_file()->set_sha256(std::string(64, 'a'));
    m->mutable_file()->set_preview(preview);
    return e;
}

}  // namespace

BOOST_AUTO_TEST_CASE(upload_sends_the_offer_then_chunks_within_the_window) {
    FilesOnline s;
    TempDir dir;
    const std::string content(100'000, 'q');
    std::ofstream(dir.path + "/log.txt") << content;
    s.run("/upload " + dir.path + "/log.txt");
    BOOST_TEST_REQUIRE(s.hub.frames.size() == 1u);
    const v1::FileOffer offer = s.hub.frames[0].file_offer();
    BOOST_TEST(offer.room() == "lobby");
    BOOST_TEST(offer.file().name() == "log.txt");
    BOOST_TEST(offer.file().sha256() == hermes::files::Sha256::hex(content));
    BOOST_TEST(count(s.lobby(), "Uploading log.txt") == 1u);
    BOOST_TEST(s.model.transferStatus() == "up log.txt 0%");

    v1::Envelope accept;
    accept.mutable_file_accept()->set_upload_id(1);
    accept.mutable_file_accept()->set_client_msg_id(offer.client_msg_id());
    accept.mutable_file_accept()->set_chunk_bytes(20'000);
    accept.mutable_file_accept()->set_window_bytes(40'000);
    s.envelope(accept);
    BOOST_TEST(s.hub.frames.size() == 3u);  // two chunks fill the window
    BOOST_TEST(s.model.transferStatus() == "up log.txt 40%");

    v1::Envelope progress;
    progress.mutable_file_progress()->set_upload_id(1);
    progress.mutable_file_progress()->set_received(40'000);
    s.envelope(progress);
    BOOST_TEST(s.hub.frames.size() == 5u);
    BOOST_TEST(s.hub.frames[4].file_chunk().offset() == 60'000u);

    s.envelope(fileMessage(7, offer.client_msg_id(), "ana", "log.txt", content.size()));
    BOOST_TEST(count(s.lobby(), "Uploaded log.txt as #7") == 1u);
    BOOST_TEST(count(s.lobby(), "#7 shared log.txt (100.0 kB)  /download 7") == 1u);
    BOOST_TEST(s.model.transferStatus().empty());
}

BOOST_AUTO_TEST_CASE(a_refused_upload_says_why_once) {
    FilesOnline s;
    TempDir dir;
    std::ofstream(dir.path + "/big.bin") << std::string(10, 'x');
    s.run("/upload " + dir.path + "/big.bin");
    v1::Envelope refusal;
    refusal.mutable_error()->set_code(v1::ERROR_CODE_FILE_TOO_LARGE);
    refusal.mutable_error()->set_text("big.bin is too large");
    refusal.mutable_error()->set_client_msg_id(s.hub.frames[0].file_offer().client_msg_id());
    s.envelope(refusal);
    BOOST_TEST(count(s.lobby(), "big.bin is too large") == 1u);
    BOOST_TEST(count(s.lobby(), "Upload of big.bin failed") == 1u);
    BOOST_TEST(s.model.transferStatus().empty());
    s.run("/upload " + dir.path + "/missing");
    BOOST_TEST(count(s.lobby(), "Upload not started") == 1u);
}

BOOST_AUTO_TEST_CASE(download_names_the_message_by_its_seq) {
    FilesOnline s;
    TempDir dir;
    s.envelope(fileMessage(12, 0, "bob", "notes.txt", 5, "first\nsecond"));
    BOOST_TEST(count(s.lobby(), "#12 shared notes.txt (5 B)  /download 12") == 1u);
    BOOST_TEST(count(s.lobby(), "  | first") == 1u);
    BOOST_TEST(count(s.lobby(), "  | second") == 1u);

    s.run("/download 12 " + dir.path + "/n.txt");
    BOOST_TEST_REQUIRE(s.hub.frames.size() == 1u);
    BOOST_TEST(s.hub.frames[0].file_request().room() == "lobby");
    BOOST_TEST(s.hub.frames[0].file_request().seq() == 12u);
    BOOST_TEST(s.hub.frames[0].file_request().offset() == 0u);
    BOOST_TEST(s.model.transferStatus() == "down " + dir.path + "/n.txt ...");

    v1::Envelope data;
    data.mutable_file_data()->set_sha256(hermes::files::Sha256::hex("hello"));
    data.mutable_file_data()->set_data("hello");
    data.mutable_file_data()->mutable_file()->set_name("notes.txt");
    data.mutable_file_data()->mutable_file()->set_size(5);
    data.mutable_file_data()->mutable_file()->set_sha256(hermes::files::Sha256::hex("hello"));
    s.envelope(data);
    BOOST_TEST(count(s.lobby(), "Downloaded notes.txt to " + dir.path + "/n.txt") == 1u);
    std::ifstream in(dir.path + "/n.txt");
    BOOST_TEST(std::string(std::istreambuf_iterator<char>(in), {}) == "hello");

    BOOST_TEST(s.run("/download x").size() == 1u);  // usage, nothing sent
    BOOST_TEST(s.hub.frames.size() == 1u);
}

BOOST_AUTO_TEST_CASE(a_paste_goes_as_a_snippet_on_f) {
    FilesOnline s;
    Key k;
    k.code = KeyCode::Paste;
    k.text = "int main() {\r  return 0;\r}\r";
    s.model.handleKey(k, s.t0);
    BOOST_TEST(count(s.lobby(), "send 3 lines? [y/N], or f: as one file") == 1u);
    Key f;
    f.ch = 'f';
    s.model.handleKey(f, s.t0);
    BOOST_TEST_REQUIRE(s.hub.frames.size() == 1u);
    const v1::FileInfo& file = s.hub.frames[0].file_offer().file();
    BOOST_TEST(file.preview() == "int main() {\n  return 0;\n}");
    BOOST_TEST(file.media_type() == "text/plain");
    BOOST_TEST(file.name().rfind("paste-", 0) == 0u);
    BOOST_TEST(s.hub.said.empty());  // no line was said
}

BOOST_AUTO_TEST_CASE(a_lost_connection_ends_the_transfers_and_says_so) {
    FilesOnline s;
    TempDir dir;
    std::ofstream(dir.path + "/a.txt") << "abc";
    s.run("/upload " + dir.path + "/a.txt");
    hermes::client::Event gone;
    gone.kind = hermes::client::EventKind::Disconnected;
    gone.text = "connection reset";
    gone.willRetry = true;
    s.model.onEvent(gone, s.t0);
    BOOST_TEST(count(s.lobby(), "Upload of a.txt stopped") == 1u);
    BOOST_TEST(s.model.transferStatus().empty());
}

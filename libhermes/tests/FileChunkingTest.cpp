// The rules of a shared file (FileRules) and the client's side of a transfer
// without sockets: FileUpload's chunks under the frame limit and within the
// hub's window, FileDownload's resume and hash check, fed frames by hand.
#define BOOST_TEST_MODULE FileChunkingTest
#include <boost/test/unit_test.hpp>

#include <filesystem>
#include <fstream>
#include <string>

#include "hermes/client/FileDownload.hpp"
#include "hermes/client/FileUpload.hpp"
#include "hermes/codec/FrameEncoder.hpp"
#include "hermes/files/Sha256.hpp"
#include "hermes/protocol/FileRules.hpp"
#include "hermes/test/TempDir.hpp"

namespace v1 = hermes::v1;
namespace protocol = hermes::protocol;
using hermes::client::FileDownload;
using hermes::client::FileUpload;
using hermes::test::TempDir;

BOOST_TEST_DONT_PRINT_LOG_VALUE(FileUpload::State)
BOOST_TEST_DONT_PRINT_LOG_VALUE(FileDownload::State)

namespace {

v1::FileInfo info(std::string name, std::string sha) {
    v1::FileInfo file;
    file.set_name(std::move(name));
    file.set_size(10);
    file.set_sha256(std::move(sha));
    return file;
}

v1::Envelope accept(std::uint64_t clientMsgId, std::uint32_t chunk, std::uint32_t window) {
    v1::Envelope envelope;
    auto* a = envelope.mutable_file_accept();
    a->set_upload_id(42);
    a->set_client_msg_id(clientMsgId);
    a->set_chunk_bytes(chunk);
    a->set_window_bytes(window);
    return envelope;
}

v1::Envelope progress(std::uint64_t received) {
    v1::Envelope envelope;
    envelope.mutable_file_progress()->set_upload_id(42);
    envelope.mutable_file_progress()->set_received(received);
    return envelope;
}

}  // namespace

BOOST_AUTO_TEST_CASE(file_info_rules) {
    const std::string sha(64, 'a');
    BOOST_TEST(!protocol::checkFileInfo(info("report.pdf", sha)));
    BOOST_TEST(protocol::checkFileInfo(info("", sha))->code == v1::ERROR_CODE_INVALID_FILE);
    BOOST_TEST(protocol::checkFileInfo(info("../etc/passwd", sha))->text.find("path") !=
               std::string::npos);
    BOOST_TEST(protocol::checkFileInfo(info("a\\b", sha)).has_value());
    BOOST_TEST(protocol::checkFileInfo(info("..", sha)).has_value());
    BOOST_TEST(protocol::checkFileInfo(info("ok", std::string(64, 'A'))).has_value());
    BOOST_TEST(protocol::checkFileInfo(info("ok", std::string(63, 'a'))).has_value());
    BOOST_TEST(protocol::checkFileInfo(info("a\nb", sha)).has_value());
    v1::FileInfo preview = info("paste.txt", sha);
    preview.set_preview("one\ntwo");
    BOOST_TEST(!protocol::checkFileInfo(preview));
    preview.set_preview(std::string(11, '\n'));
    BOOST_TEST(protocol::checkFileInfo(preview).has_value());
}

BOOST_AUTO_TEST_CASE(sizes_and_texts) {
    BOOST_TEST(protocol::describeSize(0) == "0 B");
    BOOST_TEST(protocol::describeSize(999) == "999 B");
    BOOST_TEST(protocol::describeSize(1200) == "1.2 kB");
    BOOST_TEST(protocol::describeSize(1'234'567) == "1.2 MB");
    BOOST_TEST(protocol::describeSize(999'999) == "1.0 MB");
    BOOST_TEST(protocol::describeSize(64ull << 20) == "67.1 MB");
    v1::FileInfo file = info("report.pdf", std::string(64, 'a'));
    file.set_size(1'234'567);
    BOOST_TEST(protocol::fileMessageText(file) == "shared report.pdf (1.2 MB)");
    file.set_preview("int main() {\n  return 0;\n}");
    BOOST_TEST(protocol::fileMessageText(file) == "shared report.pdf (1.2 MB): int main() {");
}

BOOST_AUTO_TEST_CASE(snippet_previews_are_cut_to_ten_lines_and_valid_text) {
    std::string text;
    for (int i = 1; i <= 20; ++i) {
        text += "line " + std::to_string(i) + "\r\n";
    }
    const std::string preview = protocol::snippetPreview(text + "\x1b[31m");
    BOOST_TEST(preview.rfind("line 1\nline 2\n", 0) == 0u);
    BOOST_TEST(preview.find("line 10") != std::string::npos);
    BOOST_TEST(preview.find("line 11") == std::string::npos);
    BOOST_TEST(preview.find('\r') == std::string::npos);
    BOOST_TEST(protocol::snippetPreview("a\x1b"
                                        "b") ==
               "a\xEF\xBF\xBD"
               "b");
    BOOST_TEST(protocol::snippetPreview(std::string(5000, 'x')).size() ==
               protocol::kMaxPreviewBytes);
}

BOOST_AUTO_TEST_CASE(a_chunk_frame_fits_the_frame_limit) {
    for (const std::size_t limit :
         {std::size_t{2048}, std::size_t{64 * 1024}, std::size_t{1 << 20}}) {
        const std::size_t chunk = protocol::chunkBytesFor(limit);
        v1::Envelope envelope;
        auto* c = envelope.mutable_file_chunk();
        c->set_upload_id(UINT64_MAX);
        c->set_offset(UINT64_MAX);
        c->set_data(std::string(chunk, 'x'));
        // The frame's payload (what the hub's limit measures) fits.
        BOOST_TEST(envelope.ByteSizeLong() <= limit, "limit " << limit);
        // The first FileData, with the largest FileInfo, fits too.
        v1::Envelope data;
        auto* d = data.mutable_file_data();
        d->set_sha256(std::string(64, 'a'));
        d->set_offset(UINT64_MAX);
        d->set_data(std::string(chunk, 'x'));
        d->mutable_file()->set_name(std::string(protocol::kMaxFileNameBytes, 'n'));
        d->mutable_file()->set_media_type(std::string(protocol::kMaxMediaTypeBytes, 't'));
        d->mutable_file()->set_sha256(std::string(64, 'a'));
        d->mutable_file()->set_size(UINT64_MAX);
        BOOST_TEST(data.ByteSizeLong() <= limit, "limit " << limit);
        BOOST_TEST(chunk >= limit / 2);
    }
}

BOOST_AUTO_TEST_CASE(an_upload_sends_within_its_window_in_order) {
    TempDir dir;
    const std::string content(10'000, 'z');
    std::ofstream(dir.path + "/z.txt") << content;
    FileUpload upload = FileUpload::fromPath("dev", dir.path + "/z.txt");
    BOOST_TEST(upload.file().media_type() == "text/plain");
    BOOST_TEST(upload.file().sha256() == hermes::files::Sha256::hex(content));
    BOOST_TEST(upload.clientMsgId() > FileUpload::kIdBase);
    BOOST_TEST(upload.offer().file_offer().room() == "dev");
    BOOST_TEST(!upload.nextChunk());  // nothing before FileAccept

    BOOST_TEST(upload.handle(accept(upload.clientMsgId(), 3000, 6000)));
    std::string sent;
    while (auto chunk = upload.nextChunk()) {
        BOOST_TEST(chunk->file_chunk().upload_id() == 42u);
        BOOST_TEST(chunk->file_chunk().offset() == sent.size());
        BOOST_TEST(chunk->file_chunk().data().size() <= 3000u);
        sent += chunk->file_chunk().data();
    }
    BOOST_TEST(sent.size() == 6000u);  // the window is full
    BOOST_TEST(upload.handle(progress(3000)));
    auto next = upload.nextChunk();
    BOOST_TEST_REQUIRE(next.has_value());
    upload.unsend(*next);  // the queue did not take it: the same chunk again
    auto again = upload.nextChunk();
    BOOST_TEST(again->file_chunk().offset() == next->file_chunk().offset());
    sent += again->file_chunk().data();
    BOOST_TEST(upload.handle(progress(9000)));
    while (auto chunk = upload.nextChunk()) {
        sent += chunk->file_chunk().data();
    }
    BOOST_TEST(sent == content);

    v1::Envelope message;
    message.mutable_message()->set_client_msg_id(upload.clientMsgId());
    message.mutable_message()->set_kind(v1::MESSAGE_KIND_FILE);
    message.mutable_message()->set_seq(7);
    BOOST_TEST(upload.handle(message));
    BOOST_TEST(upload.state() == FileUpload::State::Done);
    BOOST_TEST(upload.seq() == 7u);
}

BOOST_AUTO_TEST_CASE(an_upload_fails_on_its_error_only) {
    FileUpload upload = FileUpload::fromText("dev", "a\nb\nc\n", "paste.txt");
    BOOST_TEST(upload.file().preview() == "a\nb\nc");
    v1::Envelope other;
    other.mutable_error()->set_client_msg_id(upload.clientMsgId() + 1);
    BOOST_TEST(!upload.handle(other));
    v1::Envelope refusal;
    refusal.mutable_error()->set_client_msg_id(upload.clientMsgId());
    refusal.mutable_error()->set_code(v1::ERROR_CODE_FILE_QUOTA);
    refusal.mutable_error()->set_text("full");
    BOOST_TEST(upload.handle(refusal));
    BOOST_TEST(upload.state() == FileUpload::State::Failed);
    BOOST_TEST(upload.errorCode() == v1::ERROR_CODE_FILE_QUOTA);
}

namespace {

v1::Envelope data(const std::string& content, std::uint64_t offset, std::size_t length,
                  bool first) {
    v1::Envelope envelope;
    auto* d = envelope.mutable_file_data();
    d->set_sha256(hermes::files::Sha256::hex(content));
    d->set_offset(offset);
    d->set_data(content.substr(offset, length));
    if (first) {
        auto* file = d->mutable_file();
        file->set_name("f.bin");
        file->set_size(content.size());
        file->set_sha256(d->sha256());
    }
    return envelope;
}

}  // namespace

BOOST_AUTO_TEST_CASE(a_download_resumes_and_checks_the_hash) {
    TempDir dir;
    const std::string content = "0123456789abcdefghij";
    const std::string sha = hermes::files::Sha256::hex(content);
    const std::string path = dir.path + "/f.bin";
    {
        FileDownload cut = FileDownload::byHash(sha, path);
        BOOST_TEST(cut.request().file_request().offset() == 0u);
        BOOST_TEST(cut.handle(data(content, 0, 8, true)));
        BOOST_TEST(cut.received() == 8u);
    }  // the connection is gone
    BOOST_TEST(std::filesystem::file_size(path + ".part") == 8u);
    FileDownload resumed = FileDownload::byHash(sha, path);
    BOOST_TEST(resumed.request().file_request().offset() == 8u);
    BOOST_TEST(resumed.handle(data(content, 8, 6, true)));
    BOOST_TEST(resumed.handle(data(content, 14, 6, false)));
    BOOST_TEST_REQUIRE(resumed.state() == FileDownload::State::Done, resumed.error());
    std::ifstream in(path, std::ios::binary);
    BOOST_TEST(std::string(std::istreambuf_iterator<char>(in), {}) == content);
}

BOOST_AUTO_TEST_CASE(a_download_with_bad_bytes_fails_and_is_set_aside) {
    TempDir dir;
    const std::string content = "0123456789";
    const std::string path = dir.path + "/f.bin";
    FileDownload download = FileDownload::byHash(hermes::files::Sha256::hex(content), path);
    download.request();
    v1::Envelope bad = data(content, 0, 10, true);
    bad.mutable_file_data()->set_data("XXXXXXXXXX");
    BOOST_TEST(download.handle(bad));
    BOOST_TEST(download.state() == FileDownload::State::Failed);
    BOOST_TEST(download.error().find("hashes to") != std::string::npos, download.error());
    BOOST_TEST(!std::filesystem::exists(path));
    BOOST_TEST(std::filesystem::exists(path + ".bad"));
}

BOOST_AUTO_TEST_CASE(a_download_refuses_a_chunk_out_of_order) {
    TempDir dir;
    const std::string content = "0123456789";
    FileDownload download =
        FileDownload::byHash(hermes::files::Sha256::hex(content), dir.path + "/f");
    download.request();
    BOOST_TEST(download.handle(data(content, 0, 4, true)));
    BOOST_TEST(download.handle(data(content, 6, 4, false)));
    BOOST_TEST(download.state() == FileDownload::State::Failed);
}

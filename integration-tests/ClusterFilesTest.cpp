// Files across the hubs of a cluster (docs/CLUSTER.md "Files across hubs"):
// a real redis-server and real hermesd on 127.0.0.1 (harness RedisServer,
// ClusterHubs), clients over TCP, the files' directory a real one that the
// hubs share (cluster.shared_files), as an NFS mount would be.
//
//   shared         ana shares a file on hub 1: bob on hub 2 gets the FILE
//                  message with ana's seq and downloads the same bytes from
//                  hub 2, by seq and by hash; the same content offered on
//                  hub 2 is announced without its bytes; it leaves the disk
//                  only when the last message naming it is deleted
//   late_hub       a hub that starts with an empty history while another
//                  hub's file is stored and another's upload is under way
//                  removes neither, and serves both once it has read the room
//   unshared       a cluster without cluster.shared_files refuses an offer
//                  UNSUPPORTED, saying why
//   wrong_dir      cluster.shared_files on hubs whose files.path differ: the
//                  other hub announces the file, refuses its download
//                  NO_SUCH_FILE and logs why
//
// Each case is its own CTest test (integration.cluster.files.<case>).
#define BOOST_TEST_MODULE ClusterFilesTest
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>

#include "ClusterGuard.hpp"
#include "ClusterHubs.hpp"
#include "FileTransfers.hpp"
#include "Frames.hpp"
#include "HubLog.hpp"
#include "RawClient.hpp"
#include "hermes/files/Sha256.hpp"
#include "hermes/test/TempDir.hpp"

using namespace std::chrono_literals;
namespace fs = std::filesystem;
namespace it = hermes::it;
namespace v1 = hermes::v1;
using hermes::client::FileDownload;
using hermes::client::FileUpload;
using hermes::it::filesIn;
using hermes::it::readFile;
using hermes::it::writeFile;
using hermes::test::TempDir;

BOOST_TEST_DONT_PRINT_LOG_VALUE(hermes::client::FileUpload::State)
BOOST_TEST_DONT_PRINT_LOG_VALUE(hermes::client::FileDownload::State)

namespace {

const std::string kRoom = "drop";

// The cluster's quick timers, and files in `directory` shared by every hub.
it::HubProcess::Settings sharedFiles(const std::string& directory) {
    it::HubProcess::Settings settings = it::ClusterHubs::quickSettings();
    settings["files.path"] = directory;
    settings["cluster.shared_files"] = "true";
    return settings;
}

// One more hub of the cluster on `redis`, started apart from ClusterHubs.
it::HubProcess::Settings hubTwo(const std::string& redis, const std::string& files) {
    it::HubProcess::Settings settings = sharedFiles(files);
    settings["cluster.redis"] = redis;
    settings["cluster.hub_name"] = "hub-2";
    settings["hub.name"] = "hub-2";
    return settings;
}

void waitJoined(const it::HubProcess& hub) {
    BOOST_TEST_REQUIRE(it::logShows(hub, "joined the backplane", it::after(20s)), hub.logTail());
}

std::unique_ptr<it::RawClient> member(std::uint16_t port, const std::string& nick) {
    auto client = std::make_unique<it::RawClient>(port, nick);
    client->hello(nick, it::after(10s));
    it::joinRoom(*client, kRoom, it::after(10s));
    return client;
}

// `client` shares `bytes` as `name`: its FILE message (the echo).
v1::ChatMessage share(it::RawClient& client, const TempDir& dir, const std::string& name,
                      const std::string& bytes) {
    FileUpload upload = FileUpload::fromPath(kRoom, writeFile(dir.file(name), bytes));
    const auto echo = it::runUpload(client, upload, it::after(20s));
    BOOST_TEST_REQUIRE(upload.state() == FileUpload::State::Done, upload.error());
    BOOST_TEST_REQUIRE(echo.has_value());
    BOOST_TEST(echo->kind() == v1::MESSAGE_KIND_FILE);
    BOOST_TEST(echo->file().sha256() == hermes::files::Sha256::hex(bytes));
    return *echo;
}

// The FILE message `client` gets with client_msg_id `id` from `from`.
v1::ChatMessage fileSeen(it::RawClient& client, const std::string& from, std::uint64_t id) {
    return client
        .expect(
            [&](const it::Frame& f) {
                return f.envelope.has_message() &&
                       f.envelope.message().kind() == v1::MESSAGE_KIND_FILE &&
                       f.envelope.message().from() == from &&
                       f.envelope.message().client_msg_id() == id;
            },
            it::after(10s), client.name() + " sees " + from + "'s file")
        .envelope.message();
}

// `client` downloads `download`; the bytes it wrote.
std::string fetched(it::RawClient& client, FileDownload download, const std::string& path) {
    BOOST_TEST_REQUIRE(it::runDownload(client, download, it::after(20s)));
    BOOST_TEST_REQUIRE(download.state() == FileDownload::State::Done, download.error());
    return readFile(path);
}

// `client` sees the DELETE of message `seq`.
void deleteSeen(it::RawClient& client, std::uint64_t seq) {
    client.expect(
        [seq](const it::Frame& f) {
            return f.envelope.has_message() &&
                   f.envelope.message().kind() == v1::MESSAGE_KIND_DELETE &&
                   f.envelope.message().target_seq() == seq;
        },
        it::after(10s), client.name() + " sees the DELETE of " + std::to_string(seq));
}

// `client` deletes message `seq` and sees its DELETE.
void deleteMessage(it::RawClient& client, std::uint64_t seq, std::uint64_t id) {
    client.send(it::eventEnvelope(kRoom, v1::MESSAGE_KIND_DELETE, seq, "", id));
    deleteSeen(client, seq);
}

// `client`'s hub has read the room up to `seq` (a hub reads a room's stream
// when its first member joins): asked again until then.
void waitHistory(it::RawClient& client, std::uint64_t seq) {
    const auto deadline = it::after(10s);
    for (;;) {
        client.send(it::historyEnvelope(kRoom, 0, 50));
        const auto page = client
                              .expect(it::isBody(v1::Envelope::kHistoryPage), deadline,
                                      "history up to " + std::to_string(seq))
                              .envelope.history_page();
        if (page.messages_size() > 0 && page.messages(page.messages_size() - 1).seq() >= seq) {
            return;
        }
    }
}

}  // namespace

BOOST_AUTO_TEST_CASE(shared) {
    TempDir files("hermes-cluster-files");
    TempDir dir;
    it::ClusterGuard c(2, sharedFiles(files.path));
    auto ana = member(c.hubs[0].port(), "ana");
    auto bob = member(c.hubs[1].port(), "bob");
    const std::string bytes = it::randomBytes(1'500'000 + 3, 7);
    const std::string sha = hermes::files::Sha256::hex(bytes);

    const v1::ChatMessage echo = share(*ana, dir, "plan.pdf", bytes);
    const v1::ChatMessage there = fileSeen(*bob, "ana", echo.client_msg_id());
    BOOST_TEST(there.seq() == echo.seq());
    BOOST_TEST(there.file().sha256() == sha);
    BOOST_TEST(there.file().name() == "plan.pdf");
    BOOST_TEST(filesIn(files.path) == 1u);
    BOOST_TEST(filesIn(files.path + "/tmp/hub-1") == 0u);

    // From hub 2, which did not take the bytes: by seq, then by hash.
    BOOST_TEST(fetched(*bob, FileDownload::bySeq(kRoom, there.seq(), dir.file("a")),
                       dir.file("a")) == bytes);
    BOOST_TEST(fetched(*bob, FileDownload::byHash(sha, dir.file("b")), dir.file("b")) == bytes);

    // The same content from hub 2: announced without its bytes (no
    // FileAccept comes before the FILE message), with the room's next seq.
    FileUpload again = FileUpload::fromPath(kRoom, dir.file("plan.pdf"), "copy.pdf");
    bob->send(again.offer());
    const v1::ChatMessage second =
        bob->expect(
               [&](const it::Frame& f) {
                   BOOST_TEST(!f.envelope.has_file_accept());
                   return f.envelope.has_message() &&
                          f.envelope.message().client_msg_id() == again.clientMsgId();
               },
               it::after(10s), "bob's copy announced")
            .envelope.message();
    BOOST_TEST(second.seq() == echo.seq() + 1);
    BOOST_TEST(fileSeen(*ana, "bob", again.clientMsgId()).seq() == second.seq());

    // The content stays while a message names it, on either hub.
    deleteMessage(*ana, echo.seq(), 10);
    deleteSeen(*bob, echo.seq());
    BOOST_TEST(fs::exists(files.file(sha)));
    BOOST_TEST(fetched(*ana, FileDownload::bySeq(kRoom, second.seq(), dir.file("c")),
                       dir.file("c")) == bytes);
    deleteMessage(*bob, second.seq(), 11);
    deleteSeen(*ana, second.seq());  // hub 1 has taken the DELETE too
    BOOST_TEST(it::waitGone(files.file(sha), it::after(10s)));
    ana->send(FileDownload::bySeq(kRoom, second.seq(), dir.file("d")).request());
    ana->expect(it::isError(v1::ERROR_CODE_NO_SUCH_FILE), it::after(10s), "deleted: no file");
}

BOOST_AUTO_TEST_CASE(late_hub) {
    TempDir files("hermes-cluster-files");
    TempDir dir;
    it::ClusterGuard c(1, sharedFiles(files.path));
    auto ana = member(c.hubs[0].port(), "ana");
    const std::string first = it::randomBytes(200'000, 8);
    const v1::ChatMessage stored = share(*ana, dir, "first.bin", first);

    // A second upload, left under way: its temp file is hub 1's.
    const std::string second = it::randomBytes(3'000'000, 9);
    FileUpload upload = FileUpload::fromPath(kRoom, writeFile(dir.file("second.bin"), second));
    ana->send(upload.offer());
    const it::Frame accept =
        ana->expect(it::isBody(v1::Envelope::kFileAccept), it::after(10s), "the FileAccept");
    BOOST_TEST_REQUIRE(upload.handle(accept.envelope));
    if (auto chunk = upload.nextChunk()) {
        ana->send(*chunk);
    }
    BOOST_TEST_REQUIRE(it::waitFiles(files.path + "/tmp/hub-1", 1, it::after(10s)));

    // Hub 2 starts knowing no message: it removes nothing of hub 1's.
    it::HubProcess two(hubTwo(c.redis.address(), files.path));
    waitJoined(two);
    BOOST_TEST(fs::exists(files.file(stored.file().sha256())));
    BOOST_TEST(filesIn(files.path + "/tmp/hub-1") == 1u);
    BOOST_TEST(it::logShows(two, "shared by the cluster's hubs", it::after(1s)), two.logTail());

    const auto done = it::runUpload(*ana, upload, it::after(20s), false);
    BOOST_TEST_REQUIRE(upload.state() == FileUpload::State::Done, upload.error());
    BOOST_TEST_REQUIRE(done.has_value());

    auto bob = member(two.port(), "bob");
    waitHistory(*bob, done->seq());
    BOOST_TEST(fetched(*bob, FileDownload::bySeq(kRoom, stored.seq(), dir.file("a")),
                       dir.file("a")) == first);
    BOOST_TEST(fetched(*bob, FileDownload::bySeq(kRoom, done->seq(), dir.file("b")),
                       dir.file("b")) == second);
    if (it::currentTestFailed()) {
        two.markFailed();
    }
}

BOOST_AUTO_TEST_CASE(unshared) {
    TempDir dir;
    it::ClusterGuard c(1);
    auto ana = member(c.hubs[0].port(), "ana");
    FileUpload upload = FileUpload::fromPath(kRoom, writeFile(dir.file("a.txt"), "a few bytes"));
    ana->send(upload.offer());
    const v1::Error error =
        ana->expect(it::isError(v1::ERROR_CODE_UNSUPPORTED), it::after(10s), "offer refused")
            .envelope.error();
    BOOST_TEST(error.client_msg_id() == upload.clientMsgId());
    BOOST_TEST(error.text().find("cluster.shared_files") != std::string::npos, error.text());
}

BOOST_AUTO_TEST_CASE(wrong_dir) {
    TempDir filesOne("hermes-cluster-files");
    TempDir filesTwo("hermes-cluster-files");
    TempDir dir;
    it::ClusterGuard c(1, sharedFiles(filesOne.path));
    it::HubProcess two(hubTwo(c.redis.address(), filesTwo.path));
    waitJoined(two);
    auto ana = member(c.hubs[0].port(), "ana");
    auto bob = member(two.port(), "bob");
    const v1::ChatMessage echo = share(*ana, dir, "a.bin", it::randomBytes(10'000, 10));
    BOOST_TEST(fileSeen(*bob, "ana", echo.client_msg_id()).seq() == echo.seq());
    bob->send(FileDownload::bySeq(kRoom, echo.seq(), dir.file("a")).request());
    bob->expect(it::isError(v1::ERROR_CODE_NO_SUCH_FILE), it::after(10s), "not on hub 2's disk");
    BOOST_TEST(it::logShows(two, "do not share that directory", it::after(5s)), two.logTail());
    if (it::currentTestFailed()) {
        two.markFailed();
    }
}

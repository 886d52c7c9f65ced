// Files through a real hermesd (issue 17, item 1): a round trip with the hash
// checked, the same content stored once, a download resumed after a cut,
// the size limit and the quota refused, a hash mismatch refused with nothing
// kept, partial uploads cleaned up (client gone, timeout), files no message
// names removed at the next start (retention), who may fetch
// what (a non-member cannot), hermes-cat's --upload and --download, and a
// 50 MiB upload and download while others chat, their send-to-echo latency
// printed (asserted: only that every line and byte arrived).
#define BOOST_TEST_MODULE FilesTest
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "BoostSupport.hpp"
#include "FileTransfers.hpp"
#include "Frames.hpp"
#include "RawClient.hpp"
#include "ToolProcess.hpp"
#include "hermes/client/FileDownload.hpp"
#include "hermes/client/FileUpload.hpp"
#include "hermes/files/Sha256.hpp"
#include "hermes/test/TempDir.hpp"

using namespace std::chrono_literals;
namespace fs = std::filesystem;
namespace it = hermes::it;
namespace v1 = hermes::v1;
using hermes::client::FileDownload;
using hermes::client::FileUpload;
using hermes::it::filesIn;
using hermes::it::randomBytes;
using hermes::it::readFile;
using hermes::it::runDownload;
using hermes::it::runUpload;
using hermes::it::waitFiles;
using hermes::it::waitGone;
using hermes::it::writeFile;
using hermes::test::TempDir;

BOOST_TEST_DONT_PRINT_LOG_VALUE(hermes::client::FileUpload::State)
BOOST_TEST_DONT_PRINT_LOG_VALUE(hermes::client::FileDownload::State)

namespace {

// A welcomed member of `room` (no default room on these hubs).
std::unique_ptr<it::RawClient> member(std::uint16_t port, const std::string& nick,
                                      const std::string& room) {
    auto client = std::make_unique<it::RawClient>(port, nick);
    client->hello(nick, it::after(5s));
    if (!room.empty()) {
        client->send(it::joinEnvelope(room));
        client->expect(it::isBody(v1::Envelope::kMembers), it::after(5s), nick + " joins " + room);
    }
    return client;
}

it::HubProcess::Settings fileHub(it::HubProcess::Settings extra = {}) {
    extra.try_emplace("default_room", "");
    return extra;
}

v1::Envelope deleteEnvelope(const std::string& room, std::uint64_t seq, std::uint64_t id) {
    v1::Envelope e = it::sayEnvelope(room, "", id);
    e.mutable_say()->set_kind(v1::MESSAGE_KIND_DELETE);
    e.mutable_say()->set_target_seq(seq);
    return e;
}

// `client` deletes message `seq` of `room` and sees its DELETE event.
void deleteMessage(it::RawClient& client, const std::string& room, std::uint64_t seq,
                   std::uint64_t id) {
    client.send(deleteEnvelope(room, seq, id));
    client.expect(
        [&](const it::Frame& f) {
            return f.envelope.has_message() &&
                   f.envelope.message().kind() == v1::MESSAGE_KIND_DELETE &&
                   f.envelope.message().target_seq() == seq;
        },
        it::after(5s), "the DELETE of " + std::to_string(seq));
}

}  // namespace

BOOST_AUTO_TEST_CASE(round_trip_checks_the_hash_and_stores_content_once) {
    it::HubGuard guard(fileHub());
    const auto port = guard.hub.port();
    TempDir dir;
    auto ana = member(port, "ana", "dev");
    auto bob = member(port, "bob", "dev");
    const std::string bytes = randomBytes(3'000'000 + 17, 1);
    const std::string path = writeFile(dir.path + "/report.pdf", bytes);

    FileUpload upload = FileUpload::fromPath("dev", path);
    BOOST_TEST(upload.file().sha256() == hermes::files::Sha256::hex(bytes));
    const auto announced = runUpload(*ana, upload, it::after(20s));
    BOOST_TEST_REQUIRE(upload.state() == FileUpload::State::Done, upload.error());
    BOOST_TEST_REQUIRE(announced.has_value());
    BOOST_TEST(announced->kind() == v1::MESSAGE_KIND_FILE);
    BOOST_TEST(announced->text() == "shared report.pdf (3.0 MB)");
    BOOST_TEST(announced->file().media_type() == "application/pdf");
    BOOST_TEST(announced->file().size() == bytes.size());

    // bob sees the same message, with its seq: he names it to download.
    const auto seen = bob->expect(
        [](const it::Frame& f) {
            return f.envelope.has_message() && f.envelope.message().kind() == v1::MESSAGE_KIND_FILE;
        },
        it::after(5s), "bob sees the FILE message");
    BOOST_TEST(seen.envelope.message().seq() == announced->seq());
    BOOST_TEST(seen.envelope.message().file().sha256() == upload.file().sha256());

    FileDownload download =
        FileDownload::bySeq("dev", announced->seq(), dir.path + "/downloaded.pdf");
    BOOST_TEST_REQUIRE(runDownload(*bob, download, it::after(20s)));
    BOOST_TEST_REQUIRE(download.state() == FileDownload::State::Done, download.error());
    BOOST_TEST(readFile(dir.path + "/downloaded.pdf") == bytes);
    BOOST_TEST(download.file().name() == "report.pdf");

    // The same content again: announced at once (no FileAccept, no bytes),
    // a new seq, one file in the store.
    FileUpload again = FileUpload::fromPath("dev", path, "copy.pdf");
    ana->send(again.offer());
    const auto second = ana->expect(
        [&](const it::Frame& f) {
            return f.envelope.has_message() &&
                   f.envelope.message().client_msg_id() == again.clientMsgId();
        },
        it::after(5s), "the second announcement");
    BOOST_TEST(second.envelope.message().seq() == announced->seq() + 1);
    BOOST_TEST(second.envelope.message().file().name() == "copy.pdf");
    BOOST_TEST(filesIn(guard.hub.directory() + "/hermes-files") == 1u);
    BOOST_TEST(filesIn(guard.hub.directory() + "/hermes-files/tmp") == 0u);

    // History carries it, file fields and all, across a restart.
    ana->send(it::historyEnvelope("dev", 0, 0));
    const auto page = ana->expect(it::isBody(v1::Envelope::kHistoryPage), it::after(5s), "history");
    BOOST_TEST_REQUIRE(page.envelope.history_page().messages_size() == 2);
    BOOST_TEST(page.envelope.history_page().messages(0).file().sha256() == upload.file().sha256());
    guard.expectCleanStop();
}

BOOST_AUTO_TEST_CASE(files_and_their_messages_survive_a_restart) {
    TempDir dir;
    const std::string db = dir.path + "/history.db";
    const std::string bytes = randomBytes(200'000, 2);
    std::string sha;
    {
        it::HubGuard guard(fileHub({{"history.path", db}}));
        auto ana = member(guard.hub.port(), "ana", "dev");
        FileUpload upload = FileUpload::fromPath("dev", writeFile(dir.path + "/a.bin", bytes));
        runUpload(*ana, upload, it::after(10s));
        BOOST_TEST_REQUIRE(upload.state() == FileUpload::State::Done, upload.error());
        sha = upload.file().sha256();
        guard.expectCleanStop();
    }
    it::HubGuard guard(fileHub({{"history.path", db}}));
    auto bob = member(guard.hub.port(), "bob", "dev");
    FileDownload download = FileDownload::byHash(sha, dir.path + "/b.bin");
    BOOST_TEST_REQUIRE(runDownload(*bob, download, it::after(10s)));
    BOOST_TEST_REQUIRE(download.state() == FileDownload::State::Done, download.error());
    BOOST_TEST(readFile(dir.path + "/b.bin") == bytes);
    guard.expectCleanStop();
}

BOOST_AUTO_TEST_CASE(a_file_retention_pruned_leaves_the_disk_and_stays_gone_after_a_restart) {
    TempDir dir;
    const std::string db = dir.path + "/history.db";
    const std::string store = dir.path + "/files";
    it::HubProcess::Settings settings = fileHub(
        {{"history.path", db}, {"files.path", store}, {"history.max_messages_per_room", "1"}});
    std::string pruned, kept;
    {
        it::HubGuard guard(settings);
        auto ana = member(guard.hub.port(), "ana", "dev");
        FileUpload first = FileUpload::fromPath("dev", writeFile(dir.path + "/1", "first file"));
        runUpload(*ana, first, it::after(10s));
        BOOST_TEST_REQUIRE(first.state() == FileUpload::State::Done, first.error());
        FileUpload second = FileUpload::fromPath("dev", writeFile(dir.path + "/2", "second file"));
        runUpload(*ana, second, it::after(10s));
        BOOST_TEST_REQUIRE(second.state() == FileUpload::State::Done, second.error());
        pruned = first.file().sha256();
        kept = second.file().sha256();
        // Retention keeps one message a room: wait until it pruned the first.
        bool gone = false;
        for (const auto deadline = it::after(10s); !gone && it::Clock::now() < deadline;) {
            ana->send(it::historyEnvelope("dev", 0, 0));
            const auto page =
                ana->expect(it::isBody(v1::Envelope::kHistoryPage), it::after(5s), "history");
            gone = page.envelope.history_page().has_gap();
            if (!gone) {
                std::this_thread::sleep_for(20ms);  // the writer prunes between its commits
            }
        }
        BOOST_TEST_REQUIRE(gone, "retention did not prune the first message");
        // The hub learns of the prune at its next timer scan (about a
        // second): the file leaves the disk while it runs, and can no longer
        // be fetched, by hash or by the seq that named it.
        BOOST_TEST(waitGone(store + "/" + pruned, it::after(10s)),
                   "the pruned file is still stored");
        BOOST_TEST(fs::exists(store + "/" + kept));
        auto cy = member(guard.hub.port(), "cy", "dev");
        FileDownload byHash = FileDownload::byHash(pruned, dir.path + "/h");
        runDownload(*cy, byHash, it::after(5s));
        BOOST_TEST(byHash.state() == FileDownload::State::Failed);
        FileDownload bySeq = FileDownload::bySeq("dev", 1, dir.path + "/s");
        runDownload(*cy, bySeq, it::after(5s));
        BOOST_TEST(bySeq.state() == FileDownload::State::Failed);
        BOOST_TEST(bySeq.error().find("no file shared") != std::string::npos, bySeq.error());
        guard.expectCleanStop();
    }
    it::HubGuard guard(settings);
    BOOST_TEST(!fs::exists(store + "/" + pruned), "the file no message names is still stored");
    BOOST_TEST(fs::exists(store + "/" + kept));
    auto bob = member(guard.hub.port(), "bob", "dev");
    FileDownload download = FileDownload::byHash(pruned, dir.path + "/x");
    runDownload(*bob, download, it::after(5s));
    BOOST_TEST(download.state() == FileDownload::State::Failed);
    guard.expectCleanStop();
}

BOOST_AUTO_TEST_CASE(without_persistent_history_no_file_outlives_the_hub) {
    TempDir dir;
    const std::string store = dir.path + "/files";
    it::HubProcess::Settings settings =
        fileHub({{"history.persist", "false"}, {"files.path", store}});
    std::string sha;
    {
        it::HubGuard guard(settings);
        auto ana = member(guard.hub.port(), "ana", "dev");
        FileUpload upload = FileUpload::fromPath("dev", writeFile(dir.path + "/a", "in memory"));
        runUpload(*ana, upload, it::after(10s));
        BOOST_TEST_REQUIRE(upload.state() == FileUpload::State::Done, upload.error());
        sha = upload.file().sha256();
        BOOST_TEST(fs::exists(store + "/" + sha));
        guard.expectCleanStop();
    }
    it::HubGuard guard(settings);
    BOOST_TEST(!fs::exists(store + "/" + sha));
    guard.expectCleanStop();
}

BOOST_AUTO_TEST_CASE(a_cut_download_resumes_from_its_offset) {
    it::HubGuard guard(fileHub());
    const auto port = guard.hub.port();
    TempDir dir;
    auto ana = member(port, "ana", "dev");
    const std::string bytes = randomBytes(8 * 1024 * 1024 + 5, 3);
    FileUpload upload = FileUpload::fromPath("dev", writeFile(dir.path + "/big.bin", bytes));
    runUpload(*ana, upload, it::after(20s));
    BOOST_TEST_REQUIRE(upload.state() == FileUpload::State::Done, upload.error());

    const std::string target = dir.path + "/got.bin";
    {
        auto bob = member(port, "bob", "dev");
        FileDownload download = FileDownload::byHash(upload.file().sha256(), target);
        BOOST_TEST_REQUIRE(runDownload(*bob, download, it::after(20s), 2 * 1024 * 1024));
        BOOST_TEST(download.received() >= 2u * 1024 * 1024);
        BOOST_TEST(download.received() < bytes.size());
        bob->abort();  // the cut: a reset connection mid-download
    }
    BOOST_TEST_REQUIRE(fs::exists(target + ".part"));
    BOOST_TEST(!fs::exists(target));

    auto bob = member(port, "bob2", "dev");
    FileDownload resumed = FileDownload::byHash(upload.file().sha256(), target);
    BOOST_TEST_REQUIRE(runDownload(*bob, resumed, it::after(20s)));
    BOOST_TEST(resumed.resumedFrom() >= 2u * 1024 * 1024);
    BOOST_TEST_REQUIRE(resumed.state() == FileDownload::State::Done, resumed.error());
    BOOST_TEST(readFile(target) == bytes);
    std::cout << "resumed download: " << resumed.resumedFrom() << " of " << bytes.size()
              << " bytes were kept from the cut\n";
    guard.expectCleanStop();
}

BOOST_AUTO_TEST_CASE(size_and_quota_refused) {
    it::HubGuard guard(fileHub({{"files.max_bytes", std::to_string(1024 * 1024)},
                                {"files.quota_bytes", std::to_string(2 * 1024 * 1024 + 100)}}));
    const auto port = guard.hub.port();
    TempDir dir;
    auto ana = member(port, "ana", "dev");
    const auto welcome = it::RawClient(port, "probe").hello("probe", it::after(5s));
    BOOST_TEST(welcome.limits().max_file_bytes() == 1024u * 1024);

    FileUpload tooBig = FileUpload::fromPath(
        "dev", writeFile(dir.path + "/big.bin", randomBytes(1024 * 1024 + 1, 4)));
    runUpload(*ana, tooBig, it::after(5s));
    BOOST_TEST(tooBig.state() == FileUpload::State::Failed);
    BOOST_TEST(tooBig.errorCode() == v1::ERROR_CODE_FILE_TOO_LARGE);
    BOOST_TEST(tooBig.error().find("files.max_bytes") != std::string::npos, tooBig.error());

    for (std::uint32_t i = 0; i < 2; ++i) {
        FileUpload fits = FileUpload::fromPath("dev", writeFile(dir.path + "/f" + std::to_string(i),
                                                                randomBytes(1024 * 1024, 10 + i)));
        runUpload(*ana, fits, it::after(10s));
        BOOST_TEST_REQUIRE(fits.state() == FileUpload::State::Done, fits.error());
    }
    FileUpload over =
        FileUpload::fromPath("dev", writeFile(dir.path + "/over.bin", randomBytes(1000, 20)));
    runUpload(*ana, over, it::after(5s));
    BOOST_TEST(over.state() == FileUpload::State::Failed);
    BOOST_TEST(over.errorCode() == v1::ERROR_CODE_FILE_QUOTA);
    BOOST_TEST(over.error().find("files.quota_bytes") != std::string::npos, over.error());
    // The connection goes on: chat still works.
    ana->send(it::sayEnvelope("dev", "still here", 1));
    ana->expect(it::isChatText("dev", "still here"), it::after(5s), "the echo after refusals");
    guard.expectCleanStop();
}

BOOST_AUTO_TEST_CASE(a_hash_mismatch_is_refused_and_nothing_kept) {
    it::HubGuard guard(fileHub());
    const auto port = guard.hub.port();
    TempDir dir;
    auto ana = member(port, "ana", "dev");
    auto bob = member(port, "bob", "dev");
    const std::string bytes = randomBytes(300'000, 5);
    const std::string path = writeFile(dir.path + "/x.bin", bytes);
    FileUpload upload = FileUpload::fromPath("dev", path);
    // The file changes between hashing and sending: the bytes are not the offer's.
    writeFile(path, randomBytes(300'000, 6));
    runUpload(*ana, upload, it::after(10s));
    BOOST_TEST_REQUIRE(upload.state() == FileUpload::State::Failed);
    BOOST_TEST(upload.errorCode() == v1::ERROR_CODE_FILE_HASH_MISMATCH);
    BOOST_TEST(upload.error().find("nothing was kept") != std::string::npos, upload.error());
    BOOST_TEST(filesIn(guard.hub.directory() + "/hermes-files") == 0u);
    BOOST_TEST(filesIn(guard.hub.directory() + "/hermes-files/tmp") == 0u);
    // No FILE message reached the room: bob's next message is seq 1.
    bob->send(it::sayEnvelope("dev", "first", 1));
    const auto first = bob->expect(it::isChatText("dev", "first"), it::after(5s), "bob's echo");
    BOOST_TEST(first.envelope.message().seq() == 1u);
    guard.expectCleanStop();
}

BOOST_AUTO_TEST_CASE(partial_uploads_are_removed_when_the_client_goes_or_times_out) {
    // Long enough that the temp file is seen (polled) before a silent
    // upload times out, on a loaded machine too; short enough to wait for.
    it::HubGuard guard(fileHub({{"files.upload_timeout_ms", "2000"}}));
    const auto port = guard.hub.port();
    TempDir dir;
    const std::string tmp = guard.hub.directory() + "/hermes-files/tmp";
    const std::string path = writeFile(dir.path + "/p.bin", randomBytes(2'000'000, 7));
    {
        auto ana = member(port, "ana", "dev");
        FileUpload upload = FileUpload::fromPath("dev", path);
        ana->send(upload.offer());
        BOOST_TEST_REQUIRE(upload.handle(
            ana->expect(it::isBody(v1::Envelope::kFileAccept), it::after(5s), "FileAccept")
                .envelope));
        ana->send(*upload.nextChunk());
        BOOST_TEST_REQUIRE(waitFiles(tmp, 1, it::after(5s)));
        ana->abort();
    }
    BOOST_TEST(waitFiles(tmp, 0, it::after(5s)), "the temp file of a client gone");

    auto bob = member(port, "bob", "dev");
    FileUpload upload = FileUpload::fromPath("dev", path);
    bob->send(upload.offer());
    BOOST_TEST_REQUIRE(upload.handle(
        bob->expect(it::isBody(v1::Envelope::kFileAccept), it::after(5s), "FileAccept").envelope));
    bob->send(*upload.nextChunk());  // the temp file is made at the first bytes
    BOOST_TEST(waitFiles(tmp, 1, it::after(5s)));
    const auto timedOut =
        bob->expect(it::isError(v1::ERROR_CODE_UPLOAD_TIMEOUT), it::after(10s), "UPLOAD_TIMEOUT");
    BOOST_TEST(timedOut.envelope.error().client_msg_id() == upload.clientMsgId());
    BOOST_TEST(waitFiles(tmp, 0, it::after(5s)), "the temp file of a silent upload");
    guard.expectCleanStop();
}

BOOST_AUTO_TEST_CASE(only_members_of_a_room_it_was_shared_in_may_download) {
    it::HubGuard guard(fileHub());
    const auto port = guard.hub.port();
    TempDir dir;
    auto ana = member(port, "ana", "secret");
    FileUpload upload =
        FileUpload::fromPath("secret", writeFile(dir.path + "/s.txt", "the plan\n"));
    const auto announced = runUpload(*ana, upload, it::after(5s));
    BOOST_TEST_REQUIRE(upload.state() == FileUpload::State::Done, upload.error());

    auto eve = member(port, "eve", "elsewhere");
    FileDownload byHash = FileDownload::byHash(upload.file().sha256(), dir.path + "/e1");
    runDownload(*eve, byHash, it::after(5s));
    BOOST_TEST(byHash.state() == FileDownload::State::Failed);
    BOOST_TEST(byHash.error().find("no file shared in a room you are in") != std::string::npos,
               byHash.error());
    FileDownload bySeq = FileDownload::bySeq("secret", announced->seq(), dir.path + "/e2");
    runDownload(*eve, bySeq, it::after(5s));
    BOOST_TEST(bySeq.state() == FileDownload::State::Failed);
    BOOST_TEST(bySeq.error().find("not in room") != std::string::npos, bySeq.error());
    BOOST_TEST(!fs::exists(dir.path + "/e1"));
    // An unknown hash reads the same as one she may not read.
    FileDownload unknown = FileDownload::byHash(std::string(64, 'a'), dir.path + "/e3");
    runDownload(*eve, unknown, it::after(5s));
    BOOST_TEST(unknown.error().find("no file shared in a room you are in") != std::string::npos);

    // Once she is a member, the same request succeeds.
    eve->send(it::joinEnvelope("secret"));
    eve->expect(it::isBody(v1::Envelope::kMembers), it::after(5s), "eve joins");
    FileDownload joined = FileDownload::byHash(upload.file().sha256(), dir.path + "/e4");
    runDownload(*eve, joined, it::after(5s));
    BOOST_TEST(joined.state() == FileDownload::State::Done, joined.error());
    guard.expectCleanStop();
}

BOOST_AUTO_TEST_CASE(hermes_cat_uploads_and_downloads) {
    it::HubGuard guard(fileHub({{"files.max_bytes", "1000000"}}));
    const auto port = std::to_string(guard.hub.port());
    TempDir dir;
    const std::string bytes = randomBytes(700'000, 8);
    const std::string path = writeFile(dir.path + "/notes.txt", bytes);
    const auto cat = [&](std::vector<std::string> extra) {
        std::vector<std::string> args = {HERMES_IT_HERMES_CAT, "--port", port, "--room", "dev",
                                         "--timeout",          "10"};
        args.insert(args.end(), extra.begin(), extra.end());
        return args;
    };
    it::ToolProcess up(cat({"--nick", "ana", "--json", "--upload", path}), "");
    const auto upExit = up.waitExit(30s);
    BOOST_TEST_REQUIRE(upExit.has_value());
    BOOST_TEST(upExit->code == 0, "stderr: " << up.err());
    BOOST_TEST(up.out().find("\"kind\":\"file\"") != std::string::npos, up.out());
    BOOST_TEST(up.out().find("\"sha256\":\"" + hermes::files::Sha256::hex(bytes) + "\"") !=
                   std::string::npos,
               up.out());

    it::ToolProcess down(cat({"--nick", "bob", "--download", "1", "--output", dir.path + "/got"}),
                         "");
    const auto downExit = down.waitExit(30s);
    BOOST_TEST_REQUIRE(downExit.has_value());
    BOOST_TEST(downExit->code == 0, "stderr: " << down.err());
    BOOST_TEST(readFile(dir.path + "/got") == bytes);

    const std::string big = writeFile(dir.path + "/big", randomBytes(1'000'001, 9));
    it::ToolProcess refused(cat({"--nick", "cy", "--upload", big}), "");
    const auto refusedExit = refused.waitExit(30s);
    BOOST_TEST_REQUIRE(refusedExit.has_value());
    BOOST_TEST(refusedExit->code == 8, "stderr: " << refused.err());
    BOOST_TEST(refused.err().find("FILE_TOO_LARGE") != std::string::npos, refused.err());

    it::ToolProcess missing(cat({"--nick", "dee", "--download", "7", "--output", dir.path + "/x"}),
                            "");
    const auto missingExit = missing.waitExit(30s);
    BOOST_TEST_REQUIRE(missingExit.has_value());
    BOOST_TEST(missingExit->code == 8, "stderr: " << missing.err());
    guard.expectCleanStop();
}

namespace {

// Chatters in a room of their own thread: each says a line, waits for its
// echo, and records the time; until told to stop.
struct Chatters {
    Chatters(std::uint16_t port, const std::string& name, int count) : room(name) {
        for (int i = 0; i < count; ++i) {
            clients.push_back(member(port, "chat" + std::to_string(i), room));
        }
    }
    void start() {
        stop = false;
        thread = std::thread([this] { run(); });
    }
    std::vector<double> finish() {
        stop = true;
        thread.join();
        return std::move(samples);
    }
    void run() {
        try {
            talk();
        } catch (const std::exception& error) {
            failure = error.what();
        }
    }
    void talk() {
        std::uint64_t n = 0;
        while (!stop) {
            for (auto& client : clients) {
                const std::string text = "line " + std::to_string(++n);
                const auto sent = it::Clock::now();
                client->send(it::sayEnvelope(room, text, n));
                client->expect(it::isChatText(room, text), it::after(10s), "the echo of " + text);
                samples.push_back(
                    std::chrono::duration<double, std::micro>(it::Clock::now() - sent).count());
                ++echoed;
                client->inbox().clear();
            }
            std::this_thread::sleep_for(5ms);  // a person's pace, not a flood
        }
    }
    std::vector<std::unique_ptr<it::RawClient>> clients;
    std::string room;
    std::atomic<bool> stop{false};
    std::atomic<std::uint64_t> echoed{0};
    std::string failure;  // why a chatter stopped early (read after finish())
    std::vector<double> samples;
    std::thread thread;
};

std::string summary(std::vector<double> us) {
    if (us.empty()) {
        return "no samples";
    }
    std::sort(us.begin(), us.end());
    const auto at = [&](double q) {
        return us[std::min(us.size() - 1, static_cast<std::size_t>(q * us.size()))];
    };
    char text[160];
    std::snprintf(text, sizeof text, "n=%zu p50=%.0f us p99=%.0f us max=%.0f us", us.size(),
                  at(0.5), at(0.99), us.back());
    return text;
}

}  // namespace

BOOST_AUTO_TEST_CASE(a_deleted_file_message_can_no_longer_be_fetched_and_leaves_the_disk) {
    // The quota holds one file of this size: the second fits only once the
    // first is gone.
    const std::string bytes = randomBytes(400'000, 11);
    it::HubGuard guard(fileHub({{"files.quota_bytes", "600000"}}));
    const auto port = guard.hub.port();
    const std::string store = guard.hub.directory() + "/hermes-files";
    TempDir dir;
    auto ana = member(port, "ana", "dev");
    auto bob = member(port, "bob", "dev");
    const std::string path = writeFile(dir.path + "/d.bin", bytes);
    FileUpload upload = FileUpload::fromPath("dev", path);
    const auto first = runUpload(*ana, upload, it::after(10s));
    BOOST_TEST_REQUIRE(upload.state() == FileUpload::State::Done, upload.error());
    const std::string sha = upload.file().sha256();
    // The same content shared again: a second message names it.
    FileUpload again = FileUpload::fromPath("dev", path, "again.bin");
    const auto second = runUpload(*ana, again, it::after(10s));
    BOOST_TEST_REQUIRE(again.state() == FileUpload::State::Done, again.error());
    BOOST_TEST_REQUIRE(fs::exists(store + "/" + sha));

    // The first message deleted: not by its seq, but by hash through the second.
    deleteMessage(*ana, "dev", first->seq(), 90);
    FileDownload bySeq = FileDownload::bySeq("dev", first->seq(), dir.path + "/1");
    runDownload(*bob, bySeq, it::after(5s));
    BOOST_TEST(bySeq.state() == FileDownload::State::Failed);
    BOOST_TEST(bySeq.error().find("no file shared") != std::string::npos, bySeq.error());
    FileDownload stillByHash = FileDownload::byHash(sha, dir.path + "/2");
    runDownload(*bob, stillByHash, it::after(5s));
    BOOST_TEST(stillByHash.state() == FileDownload::State::Done, stillByHash.error());
    BOOST_TEST(stillByHash.file().name() == "again.bin");
    BOOST_TEST(fs::exists(store + "/" + sha));

    // The second deleted too: no live message names it. Neither by seq nor by
    // hash, and the content leaves the disk and the quota.
    deleteMessage(*ana, "dev", second->seq(), 91);
    FileDownload secondBySeq = FileDownload::bySeq("dev", second->seq(), dir.path + "/3");
    runDownload(*bob, secondBySeq, it::after(5s));
    BOOST_TEST(secondBySeq.state() == FileDownload::State::Failed);
    FileDownload byHash = FileDownload::byHash(sha, dir.path + "/4");
    runDownload(*bob, byHash, it::after(5s));
    BOOST_TEST(byHash.state() == FileDownload::State::Failed);
    BOOST_TEST(byHash.error().find("no file shared") != std::string::npos, byHash.error());
    BOOST_TEST(waitGone(store + "/" + sha, it::after(5s)), "the deleted file is still on disk");

    // Its bytes left the quota: another file of the same size fits.
    FileUpload other =
        FileUpload::fromPath("dev", writeFile(dir.path + "/o.bin", randomBytes(400'000, 12)));
    runUpload(*ana, other, it::after(10s));
    BOOST_TEST(other.state() == FileUpload::State::Done, other.error());
    guard.expectCleanStop();
}

BOOST_AUTO_TEST_CASE(several_downloads_run_below_the_room_at_the_session_rate) {
    // 1 MiB/s for the session over its downloads: two files of 1.5 MB take
    // about three seconds, and the room's lines reach the downloader in the
    // middle of them.
    it::HubGuard guard(fileHub({{"files.download_bytes_per_second", "1048576"},
                                {"files.max_downloads_per_session", "2"}}));
    const auto port = guard.hub.port();
    TempDir dir;
    auto ana = member(port, "ana", "dev");
    auto bob = member(port, "bob", "dev");
    auto cy = member(port, "cy", "dev");
    std::vector<std::string> contents;
    std::vector<std::string> hashes;
    for (std::uint32_t i = 0; i < 3; ++i) {
        contents.push_back(randomBytes(i < 2 ? 1'500'000 : 1000, 20 + i));
        FileUpload up = FileUpload::fromPath(
            "dev", writeFile(dir.path + "/f" + std::to_string(i), contents.back()));
        runUpload(*ana, up, it::after(10s));
        BOOST_TEST_REQUIRE(up.state() == FileUpload::State::Done, up.error());
        hashes.push_back(up.file().sha256());
    }
    bob->sync(it::after(5s));
    bob->inbox().clear();

    std::vector<FileDownload> downloads;
    downloads.push_back(FileDownload::byHash(hashes[0], dir.path + "/d0"));
    downloads.push_back(FileDownload::byHash(hashes[1], dir.path + "/d1"));
    for (FileDownload& d : downloads) {
        bob->send(d.request());
    }
    // A third while two run: refused, the two go on.
    v1::Envelope third;
    third.mutable_file_request()->set_sha256(hashes[2]);
    bob->send(third);
    const auto refused =
        bob->expect(it::isError(v1::ERROR_CODE_INVALID_FILE), it::after(5s), "the third refused");
    BOOST_TEST(
        refused.envelope.error().text().find("max_downloads_per_session") != std::string::npos,
        refused.envelope.error().text());

    // cy talks while they run: her echo, and bob gets her lines between chunks.
    int linesSeen = 0;
    bool chunksAfterLines = false;
    std::uint64_t lastSeq = 0;
    const auto deadline = it::after(30s);
    for (int line = 1; line <= 3; ++line) {
        cy->send(it::sayEnvelope("dev", "line " + std::to_string(line), line));
        cy->expect(it::isChatText("dev", "line " + std::to_string(line)), it::after(5s),
                   "cy's echo");
    }
    auto running = [&] {
        return std::any_of(downloads.begin(), downloads.end(), [](const FileDownload& d) {
            return d.state() == FileDownload::State::Requested ||
                   d.state() == FileDownload::State::Receiving;
        });
    };
    while (running() && it::Clock::now() < deadline) {
        if (!bob->readSome(deadline)) {
            continue;
        }
        auto& inbox = bob->inbox();
        for (auto frame = inbox.begin(); frame != inbox.end();) {
            const v1::Envelope& e = frame->envelope;
            bool taken = false;
            for (FileDownload& d : downloads) {
                if (!taken && d.handle(e)) {
                    taken = true;
                    chunksAfterLines = chunksAfterLines || linesSeen == 3;
                }
            }
            if (!taken && e.has_message() && e.message().room() == "dev") {
                BOOST_TEST(e.message().seq() > lastSeq);  // in order, none lost
                lastSeq = e.message().seq();
                ++linesSeen;
                taken = true;
            }
            frame = taken ? inbox.erase(frame) : std::next(frame);
        }
    }
    for (std::size_t i = 0; i < downloads.size(); ++i) {
        BOOST_TEST_REQUIRE(downloads[i].state() == FileDownload::State::Done, downloads[i].error());
        BOOST_TEST(readFile(dir.path + "/d" + std::to_string(i)) == contents[i]);
    }
    BOOST_TEST(linesSeen == 3);
    // The lines did not wait for the files: chunks came after all three.
    BOOST_TEST(chunksAfterLines);
    guard.expectCleanStop();
}

BOOST_AUTO_TEST_CASE(a_50_mib_upload_and_download_while_others_chat) {
    it::HubGuard guard(fileHub());
    const auto port = guard.hub.port();
    TempDir dir;
    const std::string bytes = randomBytes(50 * 1024 * 1024, 11);
    const std::string path = writeFile(dir.path + "/fifty.bin", bytes);
    auto ana = member(port, "ana", "dev");
    auto bob = member(port, "bob", "dev");
    Chatters chatters(port, "dev", 3);

    chatters.start();
    std::this_thread::sleep_for(1s);  // a baseline: chat alone
    const auto idle = chatters.finish();

    FileUpload upload = FileUpload::fromPath("dev", path);
    chatters.start();
    const auto started = it::Clock::now();
    runUpload(*ana, upload, it::after(120s));
    const double uploadSeconds = std::chrono::duration<double>(it::Clock::now() - started).count();
    const auto duringUpload = chatters.finish();
    BOOST_TEST_REQUIRE(chatters.failure.empty(), chatters.failure);
    BOOST_TEST_REQUIRE(upload.state() == FileUpload::State::Done, upload.error());

    bob->inbox().clear();
    chatters.start();
    const auto downloadStarted = it::Clock::now();
    FileDownload download = FileDownload::byHash(upload.file().sha256(), dir.path + "/got.bin");
    BOOST_TEST_REQUIRE(runDownload(*bob, download, it::after(120s)));
    const double downloadSeconds =
        std::chrono::duration<double>(it::Clock::now() - downloadStarted).count();
    const auto duringDownload = chatters.finish();
    BOOST_TEST(chatters.failure.empty(), chatters.failure);
    BOOST_TEST_REQUIRE(download.state() == FileDownload::State::Done, download.error());
    BOOST_TEST(fs::file_size(dir.path + "/got.bin") == bytes.size());

    BOOST_TEST(!duringUpload.empty());
    BOOST_TEST(!duringDownload.empty());
    const double mib = static_cast<double>(bytes.size()) / (1024.0 * 1024.0);
    std::cout << "50 MiB file, 3 members chatting (send to echo):\n"
              << "  chat alone:          " << summary(idle) << "\n"
              << "  during the upload:   " << summary(duringUpload) << "; upload " << uploadSeconds
              << " s (" << mib / uploadSeconds << " MiB/s)\n"
              << "  during the download: " << summary(duringDownload) << "; download "
              << downloadSeconds << " s (" << mib / downloadSeconds << " MiB/s)\n";
    guard.expectCleanStop();
}

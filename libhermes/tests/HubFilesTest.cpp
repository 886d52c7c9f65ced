// The hub's transfers without sockets (Transfers, FileRequests): a download
// queues at most two chunks for a member that does not read, so the room's
// messages are never behind a file; an upload's chunks take no token of the
// message rate; acknowledgements are paced to files.upload_bytes_per_second;
// a client that sends beyond its window is closed as a flood, alone.
#define BOOST_TEST_MODULE HubFilesTest
#include <boost/test/unit_test.hpp>

#include <filesystem>
#include <map>
#include <string>

#include "HubTestHarness.hpp"
#include "hermes/client/FileUpload.hpp"
#include "hermes/hub/MemoryHistory.hpp"
#include "hermes/protocol/FileRules.hpp"
#include "hermes/test/TempDir.hpp"

using namespace hermes::hub;
using namespace hermes::hub::test;
using hermes::client::FileUpload;
using hermes::test::TempDir;
namespace v1 = hermes::v1;

BOOST_TEST_DONT_PRINT_LOG_VALUE(FileUpload::State)

namespace {

HubConfig filesConfig(const TempDir& dir) {
    HubConfig config = testConfig();
    config.filesPath = dir.path + "/files";
    config.uploadBytesPerSecond = 0;
    return config;
}

std::string content(std::size_t size) {
    std::string bytes(size, '\0');
    for (std::size_t i = 0; i < size; ++i) {
        bytes[i] = static_cast<char>(i * 131 + i / 977);
    }
    return bytes;
}

// Uploads `bytes` as `owner` into `room` (ignoring the window: rate 0 acks
// at once); returns the FILE message.
v1::ChatMessage upload(HubHarness& h, SessionId owner, const std::string& room,
                       const std::string& bytes, const std::string& name = "f.bin") {
    FileUpload up = FileUpload::fromText(room, bytes, name);
    h.send(owner, up.offer());
    for (int turns = 0; turns < 10000 && up.state() != FileUpload::State::Done &&
                        up.state() != FileUpload::State::Failed;
         ++turns) {
        for (const v1::Envelope& e : h.take(owner)) {
            up.handle(e);
            if (e.has_message() && e.message().kind() == v1::MESSAGE_KIND_FILE) {
                return e.message();
            }
        }
        while (auto chunk = up.nextChunk()) {
            h.send(owner, *chunk);
        }
    }
    BOOST_TEST_FAIL("the upload did not finish: " << up.error());
    return {};
}

v1::Envelope fileRequest(const std::string& sha, std::uint64_t offset = 0) {
    v1::Envelope e;
    e.mutable_file_request()->set_sha256(sha);
    e.mutable_file_request()->set_offset(offset);
    return e;
}

}  // namespace

BOOST_AUTO_TEST_CASE(a_download_never_queues_more_than_two_chunks) {
    TempDir dir;
    HubHarness h(filesConfig(dir));
    const SessionId ana = h.login("ana");
    const SessionId bob = h.login("bob");
    const SessionId cy = h.login("cy");
    for (const SessionId id : {ana, bob, cy}) {
        h.send(id, join("dev"));
        h.clear(id);
    }
    const std::string bytes = content(1'000'000);
    const v1::ChatMessage file = upload(h, ana, "dev", bytes);
    h.clear(bob);
    h.clear(cy);

    h.peers[bob].reading = false;  // bob's socket takes nothing
    h.send(bob, fileRequest(file.file().sha256()));
    for (int i = 0; i < 20; ++i) {
        h.pump();
    }
    const std::size_t chunk = hermes::protocol::chunkBytesFor(h.hub.config().maxFrameBytes);
    const std::size_t queued = outputBytes(h.hub, bob).size();
    BOOST_TEST(queued <= 2 * (chunk + 1024), "queued " << queued);
    BOOST_TEST(queued >= chunk);
    BOOST_TEST(!h.hub.transfersWantTurn());  // bob's queue is not near empty

    // The room goes on: cy gets ana's line at once; bob's queue grows by it only.
    h.send(ana, say("dev", 1, "still fast"));
    BOOST_TEST(h.take(cy).size() == 1u);
    BOOST_TEST(outputBytes(h.hub, bob).size() < queued + 200);

    // bob reads: the rest comes, chunk by chunk, and ends with the whole file.
    h.peers[bob].reading = true;
    std::string got;
    for (int turns = 0; turns < 1000 && got.size() < bytes.size(); ++turns) {
        h.readNow(bob);
        // Its queue is empty: the next chunks are wanted now, unless all are out.
        if (got.size() + 3 * chunk < bytes.size()) {
            BOOST_TEST(h.hub.transfersWantTurn());
        }
        h.pump();
        for (const v1::Envelope& e : h.take(bob)) {
            if (e.has_file_data()) {
                BOOST_TEST(e.file_data().offset() == got.size());
                got += e.file_data().data();
            }
        }
    }
    BOOST_TEST(got == bytes);
    BOOST_TEST(!h.hub.transfersWantTurn());
}

BOOST_AUTO_TEST_CASE(upload_chunks_take_no_message_token) {
    TempDir dir;
    HubConfig config = filesConfig(dir);
    config.ratePerSecond = 1;
    config.rateBurst = 4;  // Hello, Join, FileOffer, Say: none waits, if chunks take none
    HubHarness h(config);
    const SessionId ana = h.login("ana");
    h.send(ana, join("dev"));
    h.clear(ana);
    // 1 MB in ~17 chunks: far beyond 1 message a second.
    upload(h, ana, "dev", content(1'000'000));
    h.send(ana, say("dev", 9, "right away"));
    const auto out = h.take(ana);
    BOOST_TEST_REQUIRE(out.size() == 1u);
    BOOST_TEST(out[0].message().text() == "right away");
}

BOOST_AUTO_TEST_CASE(acknowledgements_are_paced_to_the_upload_rate) {
    TempDir dir;
    HubConfig config = filesConfig(dir);
    config.uploadBytesPerSecond = 100'000;
    config.fileWindowBytes = 100'000;
    HubHarness h(config);
    const SessionId ana = h.login("ana");
    h.send(ana, join("dev"));
    h.clear(ana);
    FileUpload up = FileUpload::fromText("dev", content(1'000'000), "f.bin");
    h.send(ana, up.offer());
    up.handle(h.next(ana));
    BOOST_TEST_REQUIRE(up.state() == FileUpload::State::Sending);
    // The window's worth is acknowledged at once (a burst of one window)...
    while (auto chunk = up.nextChunk()) {
        h.send(ana, *chunk);
    }
    for (const v1::Envelope& e : h.take(ana)) {
        up.handle(e);
    }
    const std::uint64_t first = up.acknowledged();
    BOOST_TEST(first > 0u);
    while (auto chunk = up.nextChunk()) {
        h.send(ana, *chunk);
    }
    for (const v1::Envelope& e : h.take(ana)) {
        up.handle(e);
    }
    // ... the next only as time pays for it: 100 kB a second.
    BOOST_TEST(up.acknowledged() == first);
    const bool wakesLater = h.tick() > h.now;  // it wakes for the due acknowledgement
    BOOST_TEST(wakesLater);
    h.advance(1s);
    for (const v1::Envelope& e : h.take(ana)) {
        up.handle(e);
    }
    BOOST_TEST(up.acknowledged() > first);
    BOOST_TEST(up.acknowledged() <= first + 110'000);
}

BOOST_AUTO_TEST_CASE(sending_beyond_the_window_is_a_flood_for_that_client_alone) {
    TempDir dir;
    HubConfig config = filesConfig(dir);
    config.uploadBytesPerSecond = 1000;  // acknowledgements crawl
    config.fileWindowBytes = 64 * 1024;
    HubHarness h(config);
    const SessionId ana = h.login("ana");
    const SessionId bob = h.login("bob");
    h.send(ana, join("dev"));
    h.send(bob, join("dev"));
    h.clear(ana);
    h.clear(bob);
    FileUpload up = FileUpload::fromText("dev", content(2'000'000), "f.bin");
    h.send(ana, up.offer());
    const v1::Envelope accept = h.next(ana);
    BOOST_TEST_REQUIRE(accept.has_file_accept(), accept.ShortDebugString());
    const std::size_t chunk = accept.file_accept().chunk_bytes();
    // Ignore the window: send chunk after chunk.
    std::uint64_t offset = 0;
    const std::string bytes = content(2'000'000);
    for (int i = 0; i < 10 && !h.closed(ana); ++i) {
        v1::Envelope e;
        e.mutable_file_chunk()->set_upload_id(accept.file_accept().upload_id());
        e.mutable_file_chunk()->set_offset(offset);
        e.mutable_file_chunk()->set_data(bytes.substr(offset, chunk));
        offset += chunk;
        h.send(ana, e);
    }
    BOOST_TEST_REQUIRE(h.closed(ana));
    bool flood = false;
    for (const v1::Envelope& e : h.take(ana)) {
        flood = flood || (e.has_error() && e.error().code() == v1::ERROR_CODE_FLOOD);
    }
    BOOST_TEST(flood);
    BOOST_TEST(offset > 64u * 1024);
    // bob is untouched.
    h.send(bob, say("dev", 1, "hi"));
    bool echoed = false;
    for (const v1::Envelope& e : h.take(bob)) {
        echoed = echoed || (e.has_message() && e.message().text() == "hi");
    }
    BOOST_TEST(echoed);
    BOOST_TEST(!h.closed(bob));
}

BOOST_AUTO_TEST_CASE(without_a_files_path_the_hub_keeps_no_files) {
    HubHarness h;  // testConfig(): no filesPath
    const SessionId ana = h.login("ana");
    h.send(ana, join("dev"));
    h.clear(ana);
    FileUpload up = FileUpload::fromText("dev", "x\ny\n", "p.txt");
    h.send(ana, up.offer());
    const v1::Envelope e = h.next(ana);
    BOOST_TEST_REQUIRE(e.has_error());
    BOOST_TEST(e.error().code() == v1::ERROR_CODE_FILES_DISABLED);
    BOOST_TEST(e.error().client_msg_id() == up.clientMsgId());
}

// Knowing a file's hash fetches nothing: an offer of stored content from
// someone who may not read it is answered FileAccept (send the bytes), as for
// content the hub does not hold, never at once with the FILE message. And a
// FILE message is not edited, even by its sender: its text names the bytes.
BOOST_AUTO_TEST_CASE(a_known_hash_is_no_key_and_a_file_is_not_edited) {
    TempDir dir;
    HubHarness h(filesConfig(dir));
    const SessionId ana = h.login("ana");
    const SessionId eve = h.login("eve");
    h.send(ana, join("dev"));
    h.send(eve, join("elsewhere"));
    h.clear(ana);
    h.clear(eve);
    const std::string bytes = content(200'000);
    const v1::ChatMessage file = upload(h, ana, "dev", bytes);

    v1::Envelope offer;
    offer.mutable_file_offer()->set_room("elsewhere");
    offer.mutable_file_offer()->set_client_msg_id(9);
    *offer.mutable_file_offer()->mutable_file() = file.file();
    h.send(eve, offer);
    const auto answer = h.take(eve);
    BOOST_TEST_REQUIRE(answer.size() == 1u);
    BOOST_TEST(answer[0].has_file_accept());  // not the FILE message: send the bytes
    h.send(eve, fileRequest(file.file().sha256()));
    const auto refused = h.take(eve);
    BOOST_TEST_REQUIRE(refused.size() == 1u);
    BOOST_TEST(refused[0].error().code() == v1::ERROR_CODE_NO_SUCH_FILE);

    v1::Envelope edit = say("dev", 10, "shared invoice.pdf (1 KB)");
    edit.mutable_say()->set_kind(v1::MESSAGE_KIND_EDIT);
    edit.mutable_say()->set_target_seq(file.seq());
    h.send(ana, edit);
    const auto noEdit = h.take(ana);
    BOOST_TEST_REQUIRE(noEdit.size() == 1u);
    BOOST_TEST(noEdit[0].error().code() == v1::ERROR_CODE_UNSUPPORTED);
}

// The same content shared in two rooms under two names: each room's members
// fetch it under their room's name, never learning the other's.
BOOST_AUTO_TEST_CASE(each_room_fetches_a_file_under_its_own_name) {
    TempDir dir;
    HubHarness h(filesConfig(dir));
    const SessionId ana = h.login("ana");
    const SessionId bob = h.login("bob");
    h.send(ana, join("dev"));
    h.send(bob, join("ops"));
    h.clear(ana);
    h.clear(bob);
    const std::string bytes = content(100'000);
    upload(h, ana, "dev", bytes, "salaries-2027.xlsx");
    const v1::ChatMessage mine = upload(h, bob, "ops", bytes, "report.bin");
    h.clear(bob);
    h.send(bob, fileRequest(mine.file().sha256()));
    for (int i = 0; i < 5; ++i) {
        h.pump();
    }
    bool named = false;
    for (const v1::Envelope& e : h.take(bob)) {
        if (e.has_file_data() && e.file_data().has_file()) {
            BOOST_TEST(e.file_data().file().name() == "report.bin");
            named = true;
        }
    }
    BOOST_TEST(named);
}

// The disk work runs on the file thread (here: when the test runs it): a
// chunk is acknowledged only once written, and the FILE message goes out
// only once the file is committed under its hash; what the uploader sends
// after its last chunk waits for the commit, so its order holds.
BOOST_AUTO_TEST_CASE(acknowledged_once_written_and_announced_once_committed) {
    TempDir dir;
    HubHarness h(filesConfig(dir));
    const SessionId ana = h.login("ana");
    const SessionId cy = h.login("cy");
    for (const SessionId id : {ana, cy}) {
        h.send(id, join("dev"));
    }
    h.clear(ana);
    h.clear(cy);
    const std::string bytes = content(200'000);
    FileUpload up = FileUpload::fromText("dev", bytes, "w.bin");
    h.send(ana, up.offer());
    up.handle(h.next(ana));
    BOOST_TEST_REQUIRE(up.state() == FileUpload::State::Sending);

    // One chunk, its job not yet run: no FileProgress.
    auto chunk = up.nextChunk();
    BOOST_TEST_REQUIRE(chunk.has_value());
    h.hub.receive(ana, hermes::codec::encodeFrame(*chunk), h.now);
    h.hub.flush();
    BOOST_TEST(outputBytes(h.hub, ana).empty());
    BOOST_TEST(h.hub.runFileJobs(SIZE_MAX) == 1u);
    h.hub.filesDone(h.now);
    h.pump();
    const auto progress = h.take(ana);
    BOOST_TEST_REQUIRE(progress.size() == 1u);
    BOOST_TEST(progress[0].file_progress().received() == chunk->file_chunk().data().size());
    up.handle(progress[0]);

    // The rest and a Say in one read, no job run: nothing announced, the Say waits.
    std::string frames;
    while (auto next = up.nextChunk()) {
        frames += hermes::codec::encodeFrame(*next);
    }
    frames += hermes::codec::encodeFrame(say("dev", 5, "after the file"));
    h.hub.receive(ana, frames, h.now);
    h.hub.flush();
    std::vector<SessionId> writable;
    std::vector<Closing> closing;
    h.hub.takeReady(writable, closing);
    BOOST_TEST(outputBytes(h.hub, cy).empty());
    const std::string stored = dir.path + "/files/" + up.file().sha256();
    BOOST_TEST(!std::filesystem::exists(stored));

    h.pump();  // the jobs run: written, committed, announced, then the Say
    const auto seen = h.take(cy);
    BOOST_TEST_REQUIRE(seen.size() == 2u);
    BOOST_TEST(seen[0].message().kind() == v1::MESSAGE_KIND_FILE);
    BOOST_TEST(seen[1].message().text() == "after the file");
    BOOST_TEST(seen[1].message().seq() == seen[0].message().seq() + 1);
    BOOST_TEST(std::filesystem::file_size(stored) == bytes.size());
    BOOST_TEST(std::filesystem::is_empty(dir.path + "/files/tmp"));
}

// Past files.max_queued_bytes handed to the file thread, the uploader's next
// frames wait for the disk; others' do not.
BOOST_AUTO_TEST_CASE(a_busy_disk_holds_the_uploader_alone) {
    TempDir dir;
    HubConfig config = filesConfig(dir);
    config.maxQueuedFileBytes = 1000;  // one chunk is past it
    HubHarness h(config);
    const SessionId ana = h.login("ana");
    const SessionId cy = h.login("cy");
    for (const SessionId id : {ana, cy}) {
        h.send(id, join("dev"));
    }
    h.clear(ana);
    h.clear(cy);
    FileUpload up = FileUpload::fromText("dev", content(300'000), "b.bin");
    h.send(ana, up.offer());
    up.handle(h.next(ana));
    auto chunk = up.nextChunk();
    h.hub.receive(
        ana, hermes::codec::encodeFrame(*chunk) + hermes::codec::encodeFrame(say("dev", 1, "held")),
        h.now);
    h.hub.receive(cy, hermes::codec::encodeFrame(say("dev", 2, "not held")), h.now);
    h.hub.flush();
    std::vector<SessionId> writable;
    std::vector<Closing> closing;
    h.hub.takeReady(writable, closing);
    h.readNow(cy);
    const auto first = h.take(cy);
    BOOST_TEST_REQUIRE(first.size() == 1u);
    BOOST_TEST(first[0].message().text() == "not held");
    h.pump();  // the chunk is written: ana's Say goes on
    const auto second = h.take(cy);
    BOOST_TEST_REQUIRE(second.size() == 1u);
    BOOST_TEST(second[0].message().text() == "held");
}

// A session may fetch several files at once, each chunk tagged by its hash;
// past files.max_downloads_per_session the next is refused; asking again
// for one under way replaces it (a resume).
BOOST_AUTO_TEST_CASE(several_downloads_per_session_up_to_the_limit) {
    TempDir dir;
    HubConfig config = filesConfig(dir);
    config.maxDownloadsPerSession = 2;
    HubHarness h(config);
    const SessionId ana = h.login("ana");
    const SessionId bob = h.login("bob");
    for (const SessionId id : {ana, bob}) {
        h.send(id, join("dev"));
    }
    h.clear(ana);
    h.clear(bob);
    const std::string a = content(300'000);
    const std::string b = content(200'000) + "b";
    const v1::ChatMessage fa = upload(h, ana, "dev", a, "a");
    const v1::ChatMessage fb = upload(h, ana, "dev", b, "b");
    const v1::ChatMessage fc = upload(h, ana, "dev", "c", "c");
    h.clear(bob);
    h.peers[bob].reading = false;
    h.send(bob, fileRequest(fa.file().sha256()));
    h.send(bob, fileRequest(fb.file().sha256()));
    h.send(bob, fileRequest(fa.file().sha256()));  // replaces the first: still two
    h.send(bob, fileRequest(fc.file().sha256()));
    h.peers[bob].reading = true;
    std::map<std::string, std::string> got;
    bool refused = false;
    for (int turns = 0;
         turns < 1000 &&
         got[fa.file().sha256()].size() + got[fb.file().sha256()].size() < a.size() + b.size();
         ++turns) {
        h.readNow(bob);
        h.pump();
        for (const v1::Envelope& e : h.take(bob)) {
            if (e.has_error()) {
                refused = refused ||
                          (e.error().code() == v1::ERROR_CODE_INVALID_FILE &&
                           e.error().text().find("max_downloads_per_session") != std::string::npos);
                continue;
            }
            if (e.has_file_data()) {
                std::string& into = got[e.file_data().sha256()];
                if (e.file_data().offset() == 0) {
                    into.clear();  // the replaced download starts again
                }
                BOOST_TEST(e.file_data().offset() == into.size());
                into += e.file_data().data();
            }
        }
    }
    BOOST_TEST(refused);
    BOOST_TEST(got[fa.file().sha256()] == a);
    BOOST_TEST(got[fb.file().sha256()] == b);
    BOOST_TEST(!got.contains(fc.file().sha256()));
    BOOST_TEST(!h.hub.transfersWantTurn());
}

// A FILE message deleted while someone else's upload of the same content is
// under way keeps the content (that upload's commit may name it again);
// when that upload then fails its hash, the content leaves the disk.
BOOST_AUTO_TEST_CASE(content_named_by_nothing_goes_when_a_pending_upload_of_it_fails) {
    TempDir dir;
    HubHarness h(filesConfig(dir));
    const SessionId ana = h.login("ana");
    const SessionId bob = h.login("bob");
    for (const SessionId id : {ana, bob}) {
        h.send(id, join("dev"));
    }
    h.clear(ana);
    h.clear(bob);
    const std::string bytes = content(100'000);
    const std::string sha = FileUpload::fromText("dev", bytes, "f.bin").file().sha256();

    // bob offers the same hash, but his bytes differ: accepted, not yet sent.
    std::string other = bytes;
    other[0] = static_cast<char>(other[0] + 1);
    FileUpload forged = FileUpload::fromText("dev", other, "f.bin");
    v1::Envelope offer = forged.offer();
    offer.mutable_file_offer()->mutable_file()->set_sha256(sha);
    h.send(bob, offer);
    forged.handle(h.next(bob));
    BOOST_TEST_REQUIRE(forged.state() == FileUpload::State::Sending);

    const v1::ChatMessage file = upload(h, ana, "dev", bytes);
    const std::string stored = dir.path + "/files/" + sha;
    BOOST_TEST_REQUIRE(std::filesystem::exists(stored));
    v1::Envelope del = say("dev", 51, "", v1::MESSAGE_KIND_DELETE);
    del.mutable_say()->set_target_seq(file.seq());
    h.send(ana, del);
    h.pump();
    BOOST_TEST(std::filesystem::exists(stored));  // bob's upload may still name it

    h.clear(bob);
    while (auto chunk = forged.nextChunk()) {
        h.send(bob, *chunk);
    }
    h.pump();
    bool mismatch = false;
    for (const v1::Envelope& e : h.take(bob)) {
        mismatch =
            mismatch || (e.has_error() && e.error().code() == v1::ERROR_CODE_FILE_HASH_MISMATCH);
    }
    BOOST_TEST(mismatch);
    BOOST_TEST(!std::filesystem::exists(stored));
}

// An uploader whose chunks wait for a busy disk is not silent: its upload
// outlives files.upload_timeout_ms while the hub holds its chunks, and
// goes on once the disk is free.
BOOST_AUTO_TEST_CASE(an_upload_does_not_time_out_while_the_hub_holds_its_chunks) {
    TempDir dir;
    HubConfig config = filesConfig(dir);
    config.maxQueuedFileBytes = 1000;  // one chunk is past it
    config.uploadTimeout = std::chrono::milliseconds(500);
    HubHarness h(config);
    const SessionId ana = h.login("ana");
    h.send(ana, join("dev"));
    h.clear(ana);
    FileUpload up = FileUpload::fromText("dev", content(200'000), "slow.bin");
    h.send(ana, up.offer());
    up.handle(h.next(ana));
    std::string frames;
    while (auto chunk = up.nextChunk()) {
        frames += hermes::codec::encodeFrame(*chunk);
    }
    h.hub.receive(ana, frames, h.now);  // the first chunk's write is not run: the rest wait
    h.now += std::chrono::seconds(5);
    h.hub.tick(h.now);  // a scan, the disk still busy
    h.pump();           // the disk catches up: the chunks go on
    bool announced = false;
    for (const v1::Envelope& e : h.take(ana)) {
        BOOST_TEST(!e.has_error(), "unexpected error: " << e.error().text());
        announced = announced || (e.has_message() && e.message().kind() == v1::MESSAGE_KIND_FILE);
    }
    BOOST_TEST(announced);
}

namespace {

// MemoryHistory that counts what the hub takes of retention's pruned list.
class PrunedCounter : public MemoryHistory {
public:
    explicit PrunedCounter(int& taken) : MemoryHistory(100), taken_(taken) {}
    std::vector<std::pair<std::string, std::uint64_t>> takePruned() override {
        ++taken_;
        return {};
    }

private:
    int& taken_;
};

}  // namespace

// Retention's list of pruned seqs is taken at each scan even with files off,
// so the store does not keep it growing.
BOOST_AUTO_TEST_CASE(the_pruned_list_is_taken_with_files_off) {
    int taken = 0;
    HubHarness h(testConfig(), 77, std::make_unique<PrunedCounter>(taken));  // no filesPath
    h.login("ana");
    h.advance(std::chrono::seconds(60));
    BOOST_TEST(taken > 0);
}

// Three uploads at once from one session (as the page sends them): one's
// last chunk makes the session's next frames wait for its commit, while the
// others' windows are still in flight. Those chunks wait in order, but they
// are no flood (more of them than hub.flood_backlog) and take no token; both
// files are announced.
BOOST_AUTO_TEST_CASE(chunks_held_behind_a_commit_are_no_flood) {
    TempDir dir;
    HubConfig config = filesConfig(dir);
    config.floodBacklog = 4;
    config.ratePerSecond = 1;
    config.rateBurst = 6;  // Hello, Join, two FileOffers, a Say: none waits for a token
    HubHarness h(config);
    const SessionId ana = h.login("ana");
    h.send(ana, join("dev"));
    h.clear(ana);
    FileUpload small = FileUpload::fromText("dev", content(100'000), "small.bin");
    FileUpload large = FileUpload::fromText("dev", content(3'000'000), "large.bin");
    h.send(ana, small.offer());
    small.handle(h.next(ana));
    h.send(ana, large.offer());
    large.handle(h.next(ana));
    BOOST_TEST_REQUIRE(small.state() == FileUpload::State::Sending);
    BOOST_TEST_REQUIRE(large.state() == FileUpload::State::Sending);

    // All of the small one, then a window of the large one, in one read,
    // with no file job run: the small one's commit holds what follows it.
    std::string frames;
    while (auto chunk = small.nextChunk()) {
        frames += hermes::codec::encodeFrame(*chunk);
    }
    std::size_t held = 0;
    while (auto chunk = large.nextChunk()) {
        frames += hermes::codec::encodeFrame(*chunk);
        ++held;
    }
    BOOST_TEST_REQUIRE(held > config.floodBacklog);
    h.hub.receive(ana, frames, h.now);
    h.hub.flush();
    std::vector<SessionId> writable;
    std::vector<Closing> closing;
    h.hub.takeReady(writable, closing);
    BOOST_TEST(closing.empty());

    for (int turns = 0; turns < 10000 && large.state() != FileUpload::State::Done &&
                        large.state() != FileUpload::State::Failed;
         ++turns) {
        h.pump();
        for (const v1::Envelope& e : h.take(ana)) {
            BOOST_TEST(!e.has_error(), e.error().text());
            small.handle(e);
            large.handle(e);
        }
        while (auto chunk = large.nextChunk()) {
            h.send(ana, *chunk);
        }
    }
    BOOST_TEST(small.state() == FileUpload::State::Done);
    BOOST_TEST(large.state() == FileUpload::State::Done);
    // And the message rate was not spent on the chunks.
    h.send(ana, say("dev", 9, "right away"));
    const auto out = h.take(ana);
    BOOST_TEST_REQUIRE(out.size() == 1u);
    BOOST_TEST(out[0].message().text() == "right away");
}

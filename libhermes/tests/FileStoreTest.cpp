// FileStore on a real directory: an upload written to a temp file and renamed
// to its hash, the same content stored once, a mismatch keeping nothing, a
// dropped upload's temp file removed, reads by offset, and the start's sweep
// (temp files, and files no message names), and hubs sharing one directory.
#define BOOST_TEST_MODULE FileStoreTest
#include <boost/test/unit_test.hpp>

#include <filesystem>
#include <fstream>
#include <set>
#include <string>

#include "hermes/files/FileStore.hpp"
#include "hermes/files/Sha256.hpp"
#include "hermes/test/TempDir.hpp"

namespace fs = std::filesystem;
using hermes::files::FileStore;
using hermes::files::Sha256;
using hermes::test::TempDir;

BOOST_TEST_DONT_PRINT_LOG_VALUE(FileStore::Finished)

namespace {

std::size_t filesIn(const std::string& directory) {
    std::size_t count = 0;
    for (const auto& entry : fs::directory_iterator(directory)) {
        count += entry.is_regular_file() ? 1 : 0;
    }
    return count;
}

FileStore::Finished store(FileStore& files, std::uint64_t id, const std::string& content,
                          const std::string& announced) {
    auto partial = files.begin(std::to_string(id), announced, content.size());
    // In chunks, as the hub receives them.
    for (std::size_t at = 0; at < content.size(); at += 1000) {
        files.append(*partial, std::string_view(content).substr(at, 1000));
    }
    return files.finish(std::move(partial));
}

}  // namespace

BOOST_AUTO_TEST_CASE(sha256_of_known_texts) {
    // FIPS 180-2 test vectors.
    BOOST_TEST(Sha256::hex("") ==
               "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    BOOST_TEST(Sha256::hex("abc") ==
               "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    Sha256 pieces;
    pieces.update("a");
    pieces.update("bc");
    BOOST_TEST(pieces.finishHex() == Sha256::hex("abc"));
}

BOOST_AUTO_TEST_CASE(stores_under_the_hash_once) {
    TempDir dir;
    FileStore files(dir.path + "/files");
    const std::string content(25'000, 'x');
    const std::string hash = Sha256::hex(content);
    BOOST_TEST(store(files, 1, content, hash) == FileStore::Finished::Stored);
    BOOST_TEST(fs::file_size(dir.path + "/files/" + hash) == content.size());
    BOOST_TEST(files.usedBytes() == content.size());
    BOOST_TEST(store(files, 2, content, hash) == FileStore::Finished::AlreadyStored);
    BOOST_TEST(files.count() == 1u);
    BOOST_TEST(files.usedBytes() == content.size());
    BOOST_TEST(filesIn(dir.path + "/files/tmp") == 0u);

    std::string out;
    files.read(hash, 24'990, 100, out);
    BOOST_TEST(out == std::string(10, 'x'));  // short at the end
    // A new store over the same directory finds it.
    FileStore reopened(dir.path + "/files");
    BOOST_TEST(reopened.size(hash).value_or(0) == content.size());
}

BOOST_AUTO_TEST_CASE(a_mismatch_keeps_nothing) {
    TempDir dir;
    FileStore files(dir.path);
    std::string actual;
    auto partial = files.begin("7", Sha256::hex("something else"), 5);
    files.append(*partial, "hello");
    BOOST_TEST(filesIn(dir.path + "/tmp") == 1u);
    BOOST_TEST(files.finish(std::move(partial), &actual) == FileStore::Finished::Mismatch);
    BOOST_TEST(actual == Sha256::hex("hello"));
    BOOST_TEST(filesIn(dir.path + "/tmp") == 0u);
    BOOST_TEST(filesIn(dir.path) == 0u);
    BOOST_TEST(files.usedBytes() == 0u);
}

BOOST_AUTO_TEST_CASE(a_dropped_upload_leaves_no_temp_file) {
    TempDir dir;
    FileStore files(dir.path);
    auto partial = files.begin("3", Sha256::hex("hello"), 5);
    files.append(*partial, "he");
    BOOST_TEST(filesIn(dir.path + "/tmp") == 1u);
    files.discard(std::move(partial));
    BOOST_TEST(filesIn(dir.path + "/tmp") == 0u);
}

BOOST_AUTO_TEST_CASE(the_sweep_removes_temp_files_and_what_no_message_names) {
    TempDir dir;
    std::string kept, dropped;
    {
        FileStore files(dir.path);
        kept = Sha256::hex("kept");
        dropped = Sha256::hex("dropped");
        store(files, 1, "kept", kept);
        store(files, 2, "dropped", dropped);
        std::ofstream(dir.path + "/tmp/9.part") << "a crash left this";
        std::ofstream(dir.path + "/not-a-hash") << "an admin's note";
    }
    FileStore files(dir.path);
    BOOST_TEST(files.count() == 2u);
    const std::set<std::string, std::less<>> referenced = {kept};
    BOOST_TEST(files.sweep(referenced) == 2u);  // the temp file and `dropped`
    BOOST_TEST(fs::exists(dir.path + "/" + kept));
    BOOST_TEST(!fs::exists(dir.path + "/" + dropped));
    BOOST_TEST(fs::exists(dir.path + "/not-a-hash"));  // only what the store names is its own
    BOOST_TEST(files.usedBytes() == 4u);
}

// Two hubs sharing one directory (a cluster's cluster.shared_files): each
// writes uploads to its own temp directory and sweeps only that one; a file
// the other stored is found on disk and taken into the index.
BOOST_AUTO_TEST_CASE(hubs_sharing_a_directory_keep_their_temp_files_apart) {
    TempDir dir;
    FileStore one(dir.path, "tmp/hub-1");
    FileStore two(dir.path, "tmp/hub-2");
    auto underWay = one.begin("1", Sha256::hex("not yet"), 7);
    one.append(*underWay, "not");
    std::ofstream(dir.path + "/tmp/hub-2/4.part") << "hub 2 crashed here";
    BOOST_TEST(two.sweepTemp() == 1u);
    BOOST_TEST(filesIn(dir.path + "/tmp/hub-1") == 1u);  // hub 1's upload goes on
    BOOST_TEST(filesIn(dir.path + "/tmp/hub-2") == 0u);

    const std::string sha = Sha256::hex("shared");
    BOOST_TEST(store(one, 2, "shared", sha) == FileStore::Finished::Stored);
    BOOST_TEST(!two.size(sha));  // hub 2's index: as it was listed
    BOOST_TEST(two.sizeOnDisk(sha).value_or(0) == 6u);
    BOOST_TEST(!two.sizeOnDisk(Sha256::hex("absent")));
    two.adopt(sha, 6);
    std::string out;
    two.read(sha, 0, 100, out);
    BOOST_TEST(out == "shared");

    // A store alone sweeps tmp/ but leaves the hubs' temp directories.
    FileStore alone(dir.path);
    BOOST_TEST(alone.sweepTemp() == 0u);
    BOOST_TEST(fs::is_directory(dir.path + "/tmp/hub-1"));
}

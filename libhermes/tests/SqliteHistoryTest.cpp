// SqliteHistory on real temporary files: group commit, reads that merge what
// is not yet committed, reopening, retention, search (FTS5 and LIKE), and
// clear errors for a corrupt or unusable file.
#define BOOST_TEST_MODULE sqlite_history
#include <boost/test/unit_test.hpp>

#include <poll.h>
#include <sched.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include <Poco/Data/SQLite/Connector.h>
#include <Poco/Data/Session.h>

#include "hermes/hub/SqliteAccounts.hpp"
#include "hermes/hub/SqliteHistory.hpp"
#include "hermes/hub/SqliteModerationStore.hpp"
#include "hermes/hub/SqliteReadMarkers.hpp"
#include "hermes/test/TempDir.hpp"
#include "hermes/threads/ThisThread.hpp"

using namespace hermes;
using namespace hermes::hub;
using namespace std::chrono_literals;

using hermes::test::TempDir;

namespace {

v1::ChatMessage message(const std::string& room, std::uint64_t seq, const std::string& text,
                        std::int64_t timeMs = 1'700'000'000'000) {
    v1::ChatMessage m;
    m.set_room(room);
    m.set_seq(seq);
    m.set_epoch(99);
    m.set_time_ms(timeMs);
    m.set_from("ana");
    m.set_client_msg_id(0xFFFF'FFFF'0000'0000ULL + seq);  // above INT64_MAX: round trip
    m.set_kind(v1::MESSAGE_KIND_TEXT);
    m.set_text(text);
    return m;
}

SqliteHistoryOptions options(const std::string& path) {
    SqliteHistoryOptions o;
    o.path = path;
    return o;
}

std::vector<std::uint64_t> seqs(const std::vector<v1::ChatMessage>& messages) {
    std::vector<std::uint64_t> out;
    for (const auto& m : messages) {
        out.push_back(m.seq());
    }
    return out;
}

// Polls `done` until it holds or 5 s pass; the writer works on its own thread.
bool eventually(const std::function<bool()>& done) {
    const auto deadline = std::chrono::steady_clock::now() + 5s;
    while (std::chrono::steady_clock::now() < deadline) {
        if (done()) {
            return true;
        }
        std::this_thread::yield();
    }
    return done();
}

// The layout hermesd wrote at schema version 2, holding message 1 of room
// "r" ("old"), nothing indexed for search.
void writeVersion2File(const std::string& path) {
    using Poco::Data::Keywords::now;
    Poco::Data::SQLite::Connector::registerConnector();
    Poco::Data::Session db("SQLite", path);
    db << "CREATE TABLE schema_version (version INTEGER NOT NULL)", now;
    db << "INSERT INTO schema_version VALUES (2)", now;
    db << "CREATE TABLE rooms (name TEXT PRIMARY KEY NOT NULL, last_seq INTEGER NOT NULL"
          " DEFAULT 0, topic TEXT NOT NULL DEFAULT '', topic_set_by TEXT NOT NULL DEFAULT '',"
          " topic_time_ms INTEGER NOT NULL DEFAULT 0)",
        now;
    db << "CREATE TABLE messages (room TEXT NOT NULL, seq INTEGER NOT NULL, epoch INTEGER NOT"
          " NULL, time_ms INTEGER NOT NULL, from_nick TEXT NOT NULL, to_nick TEXT NOT NULL"
          " DEFAULT '', client_msg_id INTEGER NOT NULL, kind INTEGER NOT NULL, text TEXT NOT"
          " NULL, PRIMARY KEY (room, seq))",
        now;
    db << "CREATE TABLE search_index (indexed_upto INTEGER NOT NULL)", now;
    db << "INSERT INTO search_index VALUES (0)", now;
    db << "INSERT INTO rooms(name, last_seq) VALUES ('r', 1)", now;
    db << "INSERT INTO messages VALUES ('r', 1, 7, 1000, 'ana', '', 1, 0, 'old')", now;
}

}  // namespace

BOOST_AUTO_TEST_CASE(appended_messages_are_read_back_before_and_after_commit) {
    TempDir dir;
    SqliteHistory history(options(dir.file("h.db")));
    BOOST_TEST(!history.synchronous());
    for (std::uint64_t seq = 1; seq <= 10; ++seq) {
        history.append(message("lobby", seq, "m" + std::to_string(seq)));
    }
    // Whether or not the writer has committed yet, every message is there.
    const HistorySlice slice = history.after("lobby", 3, 100);
    BOOST_TEST(seqs(slice.messages) == (std::vector<std::uint64_t>{4, 5, 6, 7, 8, 9, 10}),
               boost::test_tools::per_element());
    BOOST_TEST(!slice.gap.has_value());
    BOOST_TEST(!slice.hasMore);
    BOOST_TEST(seqs(history.tail("lobby", 3)) == (std::vector<std::uint64_t>{8, 9, 10}),
               boost::test_tools::per_element());
    BOOST_TEST(history.lastSeq("lobby") == 10u);

    history.flush();
    BOOST_TEST(history.committedSeq("lobby") == 10u);
    const HistorySlice page = history.after("lobby", 0, 4);
    BOOST_TEST(seqs(page.messages) == (std::vector<std::uint64_t>{1, 2, 3, 4}),
               boost::test_tools::per_element());
    BOOST_TEST(page.hasMore);
    BOOST_TEST(page.messages[1].client_msg_id() == 0xFFFF'FFFF'0000'0002ULL);
    BOOST_TEST(page.messages[1].text() == "m2");
    BOOST_TEST(page.messages[1].from() == "ana");
    BOOST_TEST(page.messages[1].epoch() == 99u);
    BOOST_TEST(history.after("lobby", 10, 5).messages.empty());
    BOOST_TEST(history.after("nowhere", 0, 5).messages.empty());
}

BOOST_AUTO_TEST_CASE(commit_fd_becomes_readable_after_a_submitted_append_is_committed) {
    TempDir dir;
    SqliteHistory history(options(dir.file("h.db")));
    BOOST_TEST_REQUIRE(history.commitFd() >= 0);
    history.append(message("lobby", 1, "hello"));
    history.submit();  // as the hub does at the end of its turn
    pollfd fd{history.commitFd(), POLLIN, 0};
    BOOST_TEST_REQUIRE(::poll(&fd, 1, 5000) == 1);
    BOOST_TEST(history.committedSeq("lobby") == 1u);
    BOOST_TEST(history.committedSeq("other") == 0u);
}

// The ids of this process's threads named `name` (/proc/self/task/*/comm).
std::vector<pid_t> threadsNamed(const std::string& name) {
    std::vector<pid_t> out;
    for (const auto& task : std::filesystem::directory_iterator("/proc/self/task")) {
        std::ifstream comm(task.path() / "comm");
        std::string line;
        std::getline(comm, line);
        if (line == name) {
            out.push_back(static_cast<pid_t>(std::stol(task.path().filename().string())));
        }
    }
    return out;
}

BOOST_AUTO_TEST_CASE(the_writer_and_checkpoint_threads_are_named_batch_work) {
    TempDir dir;
    SqliteHistory history(options(dir.file("h.db")));
    // Each thread names itself as it starts: wait for both, bounded.
    const auto deadline = std::chrono::steady_clock::now() + 5s;
    const auto allNamed = [] {
        return !threadsNamed("hist-writer").empty() && !threadsNamed("hist-checkpoint").empty() &&
               !threadsNamed("hist-search").empty();
    };
    while (!allNamed() && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(1ms);
    }
    // Some sandboxes (gVisor) refuse SCHED_BATCH: the store then runs its
    // threads as any, which only costs speed. Asked of a thread of our own.
    bool batchAllowed = false;
    std::thread([&] { batchAllowed = threads::scheduleThisThreadAsBatch(); }).join();
    for (const char* name : {"hist-writer", "hist-checkpoint", "hist-search"}) {
        BOOST_TEST_CONTEXT(name) {
            const std::vector<pid_t> ids = threadsNamed(name);
            BOOST_TEST_REQUIRE(ids.size() == 1u);
            // The writer and the checkpointer never preempt the hub's loop
            // (each switches before it names itself); a search is answered
            // as soon as possible.
            const bool batch = batchAllowed && std::string(name) != "hist-search";
            BOOST_TEST(::sched_getscheduler(ids.front()) == (batch ? SCHED_BATCH : SCHED_OTHER));
        }
    }
    if (!batchAllowed) {
        BOOST_TEST_MESSAGE("SCHED_BATCH is refused here: only the names were checked");
    }
}

BOOST_AUTO_TEST_CASE(reopening_restores_rooms_seqs_topics_and_messages) {
    TempDir dir;
    {
        SqliteHistory history(options(dir.file("h.db")));
        for (std::uint64_t seq = 1; seq <= 5; ++seq) {
            history.append(message("lobby", seq, "m" + std::to_string(seq)));
        }
        history.append(message("kitchen", 1, "soup"));
        history.setTopic(StoredRoom{"kitchen", 0, "cooking", "bob", 1234});
        history.setTopic(StoredRoom{"quiet", 0, "shh", "cy", 99});
    }  // the destructor drains and commits
    SqliteHistory reopened(options(dir.file("h.db")));
    BOOST_TEST(reopened.restoredMessages() == 6u);
    const std::vector<StoredRoom> rooms = reopened.rooms();
    BOOST_TEST_REQUIRE(rooms.size() == 3u);
    BOOST_TEST(rooms[0].name == "kitchen");
    BOOST_TEST(rooms[0].lastSeq == 1u);
    BOOST_TEST(rooms[0].topic == "cooking");
    BOOST_TEST(rooms[0].topicSetBy == "bob");
    BOOST_TEST(rooms[0].topicTimeMs == 1234);
    BOOST_TEST(rooms[1].name == "lobby");
    BOOST_TEST(rooms[1].lastSeq == 5u);
    BOOST_TEST(rooms[2].name == "quiet");
    BOOST_TEST(rooms[2].lastSeq == 0u);
    BOOST_TEST(reopened.lastSeq("lobby") == 5u);
    BOOST_TEST(reopened.committedSeq("lobby") == 5u);
    BOOST_TEST(seqs(reopened.after("lobby", 0, 100).messages) ==
                   (std::vector<std::uint64_t>{1, 2, 3, 4, 5}),
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(retention_by_count_leaves_a_gap) {
    TempDir dir;
    SqliteHistoryOptions o = options(dir.file("h.db"));
    o.maxMessagesPerRoom = 5;
    SqliteHistory history(o);
    for (std::uint64_t seq = 1; seq <= 12; ++seq) {
        history.append(message("r", seq, "m" + std::to_string(seq)));
    }
    history.flush();
    BOOST_TEST_REQUIRE(eventually([&] { return history.prunedMessages() == 7u; }));
    const HistorySlice slice = history.after("r", 2, 100);
    BOOST_TEST_REQUIRE(slice.gap.has_value());
    BOOST_TEST(slice.gap->first == 3u);
    BOOST_TEST(slice.gap->second == 7u);
    BOOST_TEST(seqs(slice.messages) == (std::vector<std::uint64_t>{8, 9, 10, 11, 12}),
               boost::test_tools::per_element());
    BOOST_TEST(!history.after("r", 9, 100).gap.has_value());
}

BOOST_AUTO_TEST_CASE(retention_by_age_prunes_old_messages_in_the_background) {
    TempDir dir;
    const std::int64_t now = 1'800'000'000'000;
    const std::int64_t day = 24LL * 3600 * 1000;
    SqliteHistoryOptions o = options(dir.file("h.db"));
    o.maxAge = std::chrono::milliseconds(day);
    o.agePruneInterval = 10ms;
    o.wallClock = [now] { return now; };
    SqliteHistory history(o);
    history.append(message("r", 1, "old", now - 3 * day));
    history.append(message("r", 2, "old too", now - 2 * day));
    history.append(message("r", 3, "young", now - 1000));
    history.flush();
    BOOST_TEST_REQUIRE(eventually([&] { return history.prunedMessages() == 2u; }));
    const HistorySlice slice = history.after("r", 0, 100);
    BOOST_TEST_REQUIRE(slice.gap.has_value());
    BOOST_TEST(slice.gap->first == 1u);
    BOOST_TEST(slice.gap->second == 2u);
    BOOST_TEST(seqs(slice.messages) == (std::vector<std::uint64_t>{3}),
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(all_messages_pruned_still_gives_the_gap_up_to_last_seq) {
    TempDir dir;
    {
        SqliteHistoryOptions o = options(dir.file("h.db"));
        SqliteHistory history(o);
        for (std::uint64_t seq = 1; seq <= 3; ++seq) {
            history.append(message("r", seq, "x", 1000));
        }
    }
    SqliteHistoryOptions o = options(dir.file("h.db"));
    o.maxAge = 1ms;
    SqliteHistory history(o);
    BOOST_TEST_REQUIRE(eventually([&] { return history.prunedMessages() == 3u; }));
    const HistorySlice slice = history.after("r", 0, 10);
    BOOST_TEST_REQUIRE(slice.gap.has_value());
    BOOST_TEST(slice.gap->first == 1u);
    BOOST_TEST(slice.gap->second == 3u);
    BOOST_TEST(slice.messages.empty());
    BOOST_TEST(history.lastSeq("r") == 3u);
}

BOOST_AUTO_TEST_CASE(search_finds_every_word_newest_first_and_pages) {
    for (const bool fts : {true, false}) {
        BOOST_TEST_CONTEXT("fts " << fts) {
            TempDir dir;
            SqliteHistoryOptions o = options(dir.file("h.db"));
            o.useFts = fts;
            SqliteHistory history(o);
            BOOST_TEST(history.ftsAvailable() == fts);
            const std::vector<std::string> texts = {"the red fox",      "a blue whale",
                                                    "Red fox jumps",    "no match here",
                                                    "fox, red and shy", "redundant \"quote\" fox"};
            for (std::size_t i = 0; i < texts.size(); ++i) {
                history.append(message("r", i + 1, texts[i]));
            }
            history.append(message("other", 1, "red fox elsewhere"));
            history.flush();

            SearchHits hits = history.search("r", "red FOX", 10, 0);
            std::vector<std::uint64_t> expected = {5, 3, 1};
            if (!fts) {
                expected = {6, 5, 3, 1};  // LIKE matches "red" inside "redundant"
            }
            BOOST_TEST(seqs(hits.messages) == expected, boost::test_tools::per_element());
            BOOST_TEST(!hits.hasMore);

            hits = history.search("r", "red fox", 1, 0);
            BOOST_TEST(seqs(hits.messages) == (std::vector<std::uint64_t>{expected[0]}),
                       boost::test_tools::per_element());
            BOOST_TEST(hits.hasMore);
            hits = history.search("r", "red fox", 10, 5);
            BOOST_TEST(seqs(hits.messages) == (std::vector<std::uint64_t>{3, 1}),
                       boost::test_tools::per_element());

            BOOST_TEST(history.search("r", "giraffe", 10, 0).messages.empty());
            BOOST_TEST(history.search("r", "\"quote\"", 10, 0).messages.size() == 1u);
            BOOST_TEST(history.search("r", "   ", 10, 0).messages.empty());
            BOOST_TEST(history.search("nowhere", "fox", 10, 0).messages.empty());
        }
    }
}

BOOST_AUTO_TEST_CASE(a_corrupt_file_is_a_clear_error_at_open) {
    TempDir dir;
    const std::string path = dir.file("corrupt.db");
    {
        std::ofstream out(path, std::ios::binary);
        out << std::string(8192, 'x');
    }
    try {
        SqliteHistory history(options(path));
        BOOST_FAIL("a corrupt database opened");
    } catch (const HistoryOpenError& error) {
        const std::string text = error.what();
        BOOST_TEST(text.find(path) != std::string::npos, text);
        BOOST_TEST(text.find("not a database") != std::string::npos, text);
    }
}

BOOST_AUTO_TEST_CASE(an_unusable_path_is_a_clear_error_at_open) {
    TempDir dir;
    for (const std::string& path : {dir.file("no-such-dir/h.db"), dir.path}) {
        BOOST_TEST_CONTEXT(path) {
            try {
                SqliteHistory history(options(path));
                BOOST_FAIL("opened " + path);
            } catch (const HistoryOpenError& error) {
                const std::string text = error.what();
                BOOST_TEST(text.find(path) != std::string::npos, text);
                BOOST_TEST(text.find("unable to open") != std::string::npos, text);
            }
        }
    }
}

BOOST_AUTO_TEST_CASE(a_newer_schema_is_refused) {
    TempDir dir;
    const std::string path = dir.file("h.db");
    { SqliteHistory history(options(path)); }
    {
        // As a later hermesd would leave it.
        Poco::Data::SQLite::Connector::registerConnector();
        Poco::Data::Session session("SQLite", path);
        session << "UPDATE schema_version SET version = 99", Poco::Data::Keywords::now;
    }
    BOOST_CHECK_EXCEPTION(
        SqliteHistory(options(path)), HistoryOpenError, [](const HistoryOpenError& error) {
            return std::string(error.what()).find("schema version 99") != std::string::npos;
        });
}

namespace {

// Rows the FTS index itself (not the content table) returns for `word`:
// catches entries missing from the index, stale ones and duplicates.
std::int64_t indexedRows(const std::string& path, const std::string& word) {
    Poco::Data::SQLite::Connector::registerConnector();
    Poco::Data::Session session("SQLite", path);
    std::int64_t count = 0;
    std::string match = "\"" + word + "\"";
    session << "SELECT count(*) FROM messages_fts WHERE messages_fts MATCH ?",
        Poco::Data::Keywords::use(match), Poco::Data::Keywords::into(count),
        Poco::Data::Keywords::now;
    return count;
}

}  // namespace

BOOST_AUTO_TEST_CASE(search_finds_committed_messages_before_they_are_indexed) {
    TempDir dir;
    const std::vector<std::string> texts = {"the red fox",   "a blue whale", "Red fox jumps",
                                            "no match here", "fox, red!",    "redundant fox"};
    {
        SqliteHistoryOptions o = options(dir.file("h.db"));
        o.indexWhenIdle = false;  // nothing reaches the index: every hit comes from the tail
        SqliteHistory history(o);
        BOOST_TEST_REQUIRE(history.ftsAvailable());
        for (std::size_t i = 0; i < texts.size(); ++i) {
            history.append(message("r", i + 1, texts[i]));
        }
        history.flush();
        BOOST_TEST(history.unindexedMessages() == texts.size());
        BOOST_TEST(seqs(history.search("r", "RED fox", 10, 0).messages) ==
                       (std::vector<std::uint64_t>{5, 3, 1}),
                   boost::test_tools::per_element());
        const SearchHits page = history.search("r", "red fox", 2, 0);
        BOOST_TEST(seqs(page.messages) == (std::vector<std::uint64_t>{5, 3}),
                   boost::test_tools::per_element());
        BOOST_TEST(page.hasMore);
        BOOST_TEST(history.search("r", "fo", 10, 0).messages.empty());
    }
    BOOST_TEST(indexedRows(dir.file("h.db"), "fox") == 0);
    {
        // Reopened with indexing on: the writer catches up.
        SqliteHistory history(options(dir.file("h.db")));
        BOOST_TEST_REQUIRE(eventually([&] { return history.unindexedMessages() == 0u; }));
    }
    // And an index that is up to date is kept as it is at the next open.
    SqliteHistory history(options(dir.file("h.db")));
    BOOST_TEST(history.unindexedMessages() == 0u);
    BOOST_TEST(seqs(history.search("r", "RED fox", 10, 0).messages) ==
                   (std::vector<std::uint64_t>{5, 3, 1}),
               boost::test_tools::per_element());
    BOOST_TEST(
        seqs(history.search("r", "red fox", 10, 5).messages) == (std::vector<std::uint64_t>{3, 1}),
        boost::test_tools::per_element());
    BOOST_TEST(indexedRows(dir.file("h.db"), "fox") == 4);
}

BOOST_AUTO_TEST_CASE(indexing_in_batches_and_retention_keep_the_index_exact) {
    TempDir dir;
    SqliteHistoryOptions o = options(dir.file("h.db"));
    o.indexSlice = 4;
    o.maxMessagesPerRoom = 5;
    {
        SqliteHistory history(o);
        for (std::uint64_t seq = 1; seq <= 30; ++seq) {
            history.append(message("r", seq, "w" + std::to_string(seq) + " common"));
        }
        history.flush();
        BOOST_TEST_REQUIRE(eventually(
            [&] { return history.prunedMessages() == 25u && history.unindexedMessages() == 0u; }));
        BOOST_TEST(seqs(history.search("r", "common", 10, 0).messages) ==
                       (std::vector<std::uint64_t>{30, 29, 28, 27, 26}),
                   boost::test_tools::per_element());
        BOOST_TEST(history.search("r", "w3", 10, 0).messages.empty());
        BOOST_TEST(history.search("r", "w30", 10, 0).messages.size() == 1u);
    }
    BOOST_TEST(indexedRows(dir.file("h.db"), "common") == 5);
    BOOST_TEST(indexedRows(dir.file("h.db"), "w3") == 0);
}

BOOST_AUTO_TEST_CASE(pruning_everything_never_hides_a_new_message_from_search) {
    TempDir dir;
    SqliteHistoryOptions o = options(dir.file("h.db"));
    {
        SqliteHistory history(o);
        for (std::uint64_t seq = 1; seq <= 3; ++seq) {
            history.append(message("r", seq, "old words", 1000));
        }
        history.flush();
        BOOST_TEST_REQUIRE(eventually([&] { return history.unindexedMessages() == 0u; }));
    }
    // Everything is past its age: the table empties, and SQLite would number
    // the next row 1 again, below the index's old bound.
    o.maxAge = 500ms;
    o.agePruneInterval = 10ms;
    o.wallClock = [] { return std::int64_t{2000}; };
    SqliteHistory history(o);
    BOOST_TEST_REQUIRE(eventually([&] { return history.prunedMessages() == 3u; }));
    history.append(message("r", 4, "fresh words", 1900));
    history.flush();
    BOOST_TEST_REQUIRE(eventually([&] { return history.unindexedMessages() == 0u; }));
    BOOST_TEST(
        seqs(history.search("r", "words", 10, 0).messages) == (std::vector<std::uint64_t>{4}),
        boost::test_tools::per_element());
    history.close();
    BOOST_TEST(indexedRows(dir.file("h.db"), "fresh") == 1);
    BOOST_TEST(indexedRows(dir.file("h.db"), "old") == 0);
}

// Retention cutting through a block (schema 8) whose messages were indexed:
// the pruned part leaves the index, the kept part stays found, and the
// limit is exact.
BOOST_AUTO_TEST_CASE(retention_cutting_through_an_indexed_block_keeps_the_index_exact) {
    TempDir dir;
    SqliteHistoryOptions o = options(dir.file("h.db"));
    {
        SqliteHistory history(o);
        for (std::uint64_t seq = 1; seq <= 10; ++seq) {
            history.append(message("r", seq, "kiwi " + std::to_string(seq)));
        }
        history.flush();  // one commit: one block of 10
        BOOST_TEST_REQUIRE(eventually([&] { return history.unindexedMessages() == 0u; }));
    }
    BOOST_TEST_REQUIRE(indexedRows(dir.file("h.db"), "kiwi") == 10);
    o.maxMessagesPerRoom = 4;
    {
        SqliteHistory history(o);
        BOOST_TEST_REQUIRE(eventually([&] { return history.prunedMessages() == 6u; }));
        const HistorySlice slice = history.after("r", 0, 100);
        BOOST_TEST(seqs(slice.messages) == (std::vector<std::uint64_t>{7, 8, 9, 10}),
                   boost::test_tools::per_element());
        BOOST_TEST_REQUIRE(slice.gap.has_value());
        BOOST_TEST(slice.gap->second == 6u);
        BOOST_TEST(seqs(history.search("r", "kiwi", 10, 0).messages) ==
                       (std::vector<std::uint64_t>{10, 9, 8, 7}),
                   boost::test_tools::per_element());
    }
    BOOST_TEST(indexedRows(dir.file("h.db"), "kiwi") == 4);
    BOOST_TEST(indexedRows(dir.file("h.db"), "5") == 0);
    BOOST_TEST(indexedRows(dir.file("h.db"), "8") == 1);
}

// A message pruned while its edit is kept (the hub's edit window may reach
// past retention): the message's DELETE still erases the kept edit, and
// search still takes only the newest edit.
BOOST_AUTO_TEST_CASE(a_kept_edit_of_a_pruned_message_is_erased_by_its_delete) {
    TempDir dir;
    SqliteHistoryOptions o = options(dir.file("h.db"));
    o.maxMessagesPerRoom = 4;
    const auto event = [](std::uint64_t seq, v1::MessageKind kind, std::uint64_t target,
                          const std::string& text) {
        v1::ChatMessage m = message("r", seq, text);
        m.set_kind(kind);
        m.set_target_seq(target);
        return m;
    };
    SqliteHistory history(o);
    history.append(message("r", 1, "plain first"));
    history.flush();
    for (std::uint64_t seq = 2; seq <= 4; ++seq) {
        history.append(message("r", seq, "filler"));
        history.flush();
    }
    history.append(event(5, v1::MESSAGE_KIND_EDIT, 1, "secret walrus"));
    history.flush();
    history.append(event(6, v1::MESSAGE_KIND_EDIT, 1, "public walrus"));
    history.flush();
    BOOST_TEST_REQUIRE(eventually([&] { return history.prunedMessages() == 2u; }));
    BOOST_TEST(
        seqs(history.search("r", "walrus", 10, 0).messages) == (std::vector<std::uint64_t>{6}),
        boost::test_tools::per_element());
    history.append(event(7, v1::MESSAGE_KIND_DELETE, 1, "deleted message 1"));
    history.flush();
    BOOST_TEST_REQUIRE(eventually([&] { return history.prunedMessages() == 3u; }));
    const HistorySlice slice = history.after("r", 0, 100);
    BOOST_TEST_REQUIRE(seqs(slice.messages) == (std::vector<std::uint64_t>{4, 5, 6, 7}),
                       boost::test_tools::per_element());
    BOOST_TEST(slice.messages[1].text().empty());
    BOOST_TEST(slice.messages[2].text().empty());
    BOOST_TEST(history.search("r", "walrus", 10, 0).messages.empty());
}

BOOST_AUTO_TEST_CASE(a_version_1_file_with_index_triggers_is_migrated_and_indexed_once) {
    TempDir dir;
    const std::string path = dir.file("v1.db");
    {
        // The layout hermesd wrote before schema version 2.
        using Poco::Data::Keywords::now;
        Poco::Data::SQLite::Connector::registerConnector();
        Poco::Data::Session db("SQLite", path);
        db << "CREATE TABLE schema_version (version INTEGER NOT NULL)", now;
        db << "INSERT INTO schema_version VALUES (1)", now;
        db << "CREATE TABLE rooms (name TEXT PRIMARY KEY NOT NULL, last_seq INTEGER NOT NULL"
              " DEFAULT 0, topic TEXT NOT NULL DEFAULT '', topic_set_by TEXT NOT NULL DEFAULT '',"
              " topic_time_ms INTEGER NOT NULL DEFAULT 0)",
            now;
        db << "CREATE TABLE messages (room TEXT NOT NULL, seq INTEGER NOT NULL, epoch INTEGER NOT"
              " NULL, time_ms INTEGER NOT NULL, from_nick TEXT NOT NULL, to_nick TEXT NOT NULL"
              " DEFAULT '', client_msg_id INTEGER NOT NULL, kind INTEGER NOT NULL, text TEXT NOT"
              " NULL, PRIMARY KEY (room, seq))",
            now;
        db << "CREATE VIRTUAL TABLE messages_fts USING fts5(text, content='messages',"
              " content_rowid='rowid')",
            now;
        db << "CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN INSERT INTO"
              " messages_fts(rowid, text) VALUES (new.rowid, new.text); END",
            now;
        db << "CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN INSERT INTO"
              " messages_fts(messages_fts, rowid, text) VALUES ('delete', old.rowid, old.text);"
              " END",
            now;
        db << "INSERT INTO rooms(name, last_seq) VALUES ('r', 2)", now;
        db << "INSERT INTO messages VALUES ('r', 1, 7, 1000, 'ana', '', 1, 1, 'older news')", now;
        db << "INSERT INTO messages VALUES ('r', 2, 7, 1000, 'ana', '', 2, 1, 'old news')", now;
    }
    {
        SqliteHistory history(options(path));
        BOOST_TEST_REQUIRE(eventually([&] { return history.unindexedMessages() == 0u; }));
        history.append(message("r", 3, "new news"));
        history.flush();
        BOOST_TEST(seqs(history.search("r", "news", 10, 0).messages) ==
                       (std::vector<std::uint64_t>{3, 2, 1}),
                   boost::test_tools::per_element());
        BOOST_TEST_REQUIRE(eventually([&] { return history.unindexedMessages() == 0u; }));
    }
    // Indexed once each: no row is in the index twice.
    BOOST_TEST(indexedRows(path, "news") == 3);
    Poco::Data::Session db("SQLite", path);
    int version = 0;
    std::size_t triggers = 0;
    db << "SELECT max(version) FROM schema_version", Poco::Data::Keywords::into(version),
        Poco::Data::Keywords::now;
    db << "SELECT count(*) FROM sqlite_master WHERE type = 'trigger'",
        Poco::Data::Keywords::into(triggers), Poco::Data::Keywords::now;
    BOOST_TEST(version == SqliteHistory::kSchemaVersion);
    BOOST_TEST(triggers == 0u);
    // The old index was rebuilt with the current definition.
    std::string definition;
    db << "SELECT sql FROM sqlite_master WHERE name = 'messages_fts'",
        Poco::Data::Keywords::into(definition), Poco::Data::Keywords::now;
    BOOST_TEST(definition.find("columnsize=0") != std::string::npos, definition);
}

BOOST_AUTO_TEST_CASE(under_sustained_load_the_unindexed_backlog_stays_bounded) {
    TempDir dir;
    SqliteHistoryOptions o = options(dir.file("h.db"));
    o.indexWhenIdle = false;  // never idle: only the lag bound makes the writer index
    o.indexSlice = 2;
    o.indexMaxLag = 5;
    SqliteHistory history(o);
    for (std::uint64_t seq = 1; seq <= 40; ++seq) {
        history.append(message("r", seq, "load " + std::to_string(seq)));
        if (seq % 10 == 0) {
            history.flush();  // commits of 10: each more than a slice
            BOOST_TEST_REQUIRE(eventually([&] { return history.unindexedMessages() < 5u; }));
        }
    }
    // Some hits come from the index, the newest from the unindexed tail.
    const SearchHits hits = history.search("r", "load", 100, 0);
    BOOST_TEST_REQUIRE(hits.messages.size() == 40u);
    BOOST_TEST(hits.messages.front().seq() == 40u);
    BOOST_TEST(hits.messages.back().seq() == 1u);
    history.close();
    BOOST_TEST(indexedRows(dir.file("h.db"), "load") >= 36);
}

// Private messages waiting for an offline account (Conversations.hpp): a
// version 2 file gains the table; rows survive a reopen until removed, and
// the conversation's messages and seqs live beside the rooms'.
BOOST_AUTO_TEST_CASE(a_version_3_file_gains_the_file_column) {
    TempDir dir;
    const std::string path = dir.file("v3.db");
    writeVersion2File(path);
    {
        // The layout of version 3: version 2's and private_waiting.
        using Poco::Data::Keywords::now;
        Poco::Data::Session db("SQLite", path);
        db << "CREATE TABLE private_waiting (recipient TEXT NOT NULL, conversation TEXT NOT NULL,"
              " seq INTEGER NOT NULL, time_ms INTEGER NOT NULL,"
              " PRIMARY KEY (recipient, conversation, seq))",
            now;
        db << "UPDATE schema_version SET version = 3", now;
    }
    {
        SqliteHistory history(options(path));
        hermes::v1::ChatMessage shared = message("r", 2, "shared a.txt (5 B)");
        shared.set_kind(hermes::v1::MESSAGE_KIND_FILE);
        shared.mutable_file()->set_name("a.txt");
        shared.mutable_file()->set_size(5);
        shared.mutable_file()->set_sha256(std::string(64, 'b'));
        history.append(shared);
        history.flush();
    }
    SqliteHistory history(options(path));
    const auto slice = history.after("r", 0, 10);
    BOOST_TEST_REQUIRE(slice.messages.size() == 2u);
    BOOST_TEST(!slice.messages[0].has_file());
    BOOST_TEST(slice.messages[1].file().sha256() == std::string(64, 'b'));
    const auto references = history.fileReferences();
    BOOST_TEST_REQUIRE(references.size() == 1u);
    BOOST_TEST(references[0].room == "r");
    BOOST_TEST(references[0].seq == slice.messages[1].seq());
    BOOST_TEST(references[0].file.name() == "a.txt");
}

BOOST_AUTO_TEST_CASE(a_version_2_file_gains_waiting_rows_that_survive_until_removed) {
    TempDir dir;
    const std::string path = dir.file("v2.db");
    writeVersion2File(path);
    const WaitingMessage first{"bob", "@ana bob", 1, 1000};
    const WaitingMessage second{"bob", "@bob carol", 1, 2000};
    {
        SqliteHistory history(options(path));
        BOOST_TEST(history.waiting().empty());
        BOOST_TEST(history.lastSeq("r") == 1u);
        history.append(message("@ana bob", 1, "psst"));
        history.addWaiting(first);
        history.append(message("@bob carol", 1, "psst too"));
        history.addWaiting(second);
        history.flush();
    }
    {
        SqliteHistory history(options(path));
        const std::vector<WaitingMessage> waiting = history.waiting();
        BOOST_TEST_REQUIRE(waiting.size() == 2u);
        BOOST_TEST(waiting[0].conversation == "@ana bob");
        BOOST_TEST(waiting[1].conversation == "@bob carol");
        BOOST_TEST(waiting[1].timeMs == 2000);
        BOOST_TEST(history.lastSeq("@ana bob") == 1u);
        BOOST_TEST(history.after("@ana bob", 0, 10).messages.at(0).text() == "psst");
        history.removeWaiting(first);
        history.flush();
    }
    SqliteHistory history(options(path));
    BOOST_TEST_REQUIRE(history.waiting().size() == 1u);
    BOOST_TEST(history.waiting()[0].conversation == "@bob carol");
}

// Schema version 5 added reply_to, target_seq and reaction: a version 2 file
// (through 3 and 4) keeps its messages (with none of them) and stores them from then on.
BOOST_AUTO_TEST_CASE(a_version_2_file_gets_the_reply_and_reaction_columns) {
    TempDir dir;
    const std::string path = dir.file("v2.db");
    writeVersion2File(path);
    {
        SqliteHistory history(options(path));
        BOOST_TEST(history.lastSeq("r") == 1u);
        v1::ChatMessage reply = message("r", 2, "a reply");
        reply.set_reply_to(1);
        v1::ChatMessage react = message("r", 3, "reacted ok to message 1");
        react.set_kind(v1::MESSAGE_KIND_REACT);
        react.set_target_seq(1);
        react.set_reaction("ok");
        history.append(reply);
        history.append(react);
        history.flush();
    }
    SqliteHistory history(options(path));
    const HistorySlice slice = history.after("r", 0, 10);
    BOOST_TEST_REQUIRE(slice.messages.size() == 3u);
    BOOST_TEST(slice.messages[0].text() == "old");
    BOOST_TEST(slice.messages[0].reply_to() == 0u);
    BOOST_TEST(slice.messages[0].reaction().empty());
    BOOST_TEST(slice.messages[1].reply_to() == 1u);
    BOOST_TEST(slice.messages[2].kind() == v1::MESSAGE_KIND_REACT);
    BOOST_TEST(slice.messages[2].target_seq() == 1u);
    BOOST_TEST(slice.messages[2].reaction() == "ok");
    BOOST_TEST(history.search("r", "reply", 10, 0).messages.at(0).reply_to() == 1u);
}

// Schema version 6 (authors, erased deletes), from a copy of a version 5 file
// that hermesd itself wrote (libhermes/tests/data/make-history-v5.py: ana
// says 1, bob 2, ana replies 3, bob reacts +1 to 1 (4), ana edits 1 (5), bob
// edits 2 (6) and deletes it (7), ana says 8; its search index covers all 8).
// The migration erases what the old hub only hid: message 2 and its edit.
BOOST_AUTO_TEST_CASE(a_version_5_file_written_by_hermesd_is_migrated_and_its_deletes_erased) {
    TempDir dir;
    const std::string path = dir.file("v5.db");
    {
        std::ifstream in(HERMES_TEST_DATA "/history-v5.db", std::ios::binary);
        BOOST_TEST_REQUIRE(static_cast<bool>(in));
        std::ofstream out(path, std::ios::binary);
        out << in.rdbuf();
    }
    const auto check = [](SqliteHistory& history) {
        const HistorySlice slice = history.after("dev", 0, 20);
        BOOST_TEST_REQUIRE(slice.messages.size() == 8u);  // every seq stays
        BOOST_TEST((seqs(slice.messages) == std::vector<std::uint64_t>{1, 2, 3, 4, 5, 6, 7, 8}));
        BOOST_TEST(slice.messages[0].text() == "hello from ana");  // edited, not deleted
        BOOST_TEST(slice.messages[1].text().empty());              // deleted
        BOOST_TEST(slice.messages[5].kind() == v1::MESSAGE_KIND_EDIT);
        BOOST_TEST(slice.messages[5].text().empty());  // the deleted message's edit
        BOOST_TEST(slice.messages[6].kind() == v1::MESSAGE_KIND_DELETE);
        BOOST_TEST(slice.messages[6].text() == "deleted message 2");
        BOOST_TEST(slice.messages[3].reaction() == "+1");
        BOOST_TEST(slice.messages[3].reactor().empty());  // not known before version 6
        BOOST_TEST(history.search("dev", "secret", 10, 0).messages.empty());
        BOOST_TEST(history.search("dev", "beta", 10, 0).messages.empty());
        // Only the newest text of message 1 matches: its edit.
        const SearchHits hello = history.search("dev", "hello", 10, 0);
        BOOST_TEST_REQUIRE(hello.messages.size() == 1u);
        BOOST_TEST(hello.messages[0].seq() == 5u);
        BOOST_TEST(hello.messages[0].target_seq() == 1u);
        for (const auto& [m, author] : history.authoredTail("dev", 10)) {
            BOOST_TEST(author.empty());  // version 5 kept no authors
        }
    };
    {
        SqliteHistory history(options(path));
        check(history);
        BOOST_TEST_REQUIRE(eventually([&] { return history.unindexedMessages() == 0u; }));
        check(history);  // from the index built anew, too
    }
    using Poco::Data::Keywords::into;
    using Poco::Data::Keywords::now;
    {
        Poco::Data::Session db("SQLite", path);
        int version = 0;
        db << "SELECT max(version) FROM schema_version", into(version), now;
        BOOST_TEST(version == SqliteHistory::kSchemaVersion);
    }
    // The index holds no entry for the erased words, the kept ones once.
    BOOST_TEST(indexedRows(path, "secret") == 0);
    BOOST_TEST(indexedRows(path, "beta") == 0);
    BOOST_TEST(indexedRows(path, "keeps") == 1);
    SqliteHistory reopened(options(path));
    check(reopened);
}

// A DELETE erases the text of its message and of the message's edits, in
// the rows and the search index, whether or not they were indexed yet; the
// seqs stay. Search matches a message's newest text only. Authors survive
// a reopen.
BOOST_AUTO_TEST_CASE(a_delete_erases_text_and_search_matches_only_the_newest_edit) {
    TempDir dir;
    const std::string path = dir.file("h.db");
    const auto event = [](std::uint64_t seq, v1::MessageKind kind, std::uint64_t target,
                          const std::string& text) {
        v1::ChatMessage m = message("r", seq, text);
        m.set_kind(kind);
        m.set_target_seq(target);
        return m;
    };
    const auto hitSeqs = [](const SearchHits& hits) { return seqs(hits.messages); };
    {
        SqliteHistory history(options(path));
        history.appendAuthored(message("r", 1, "alpha first draft"), "Ana");
        history.appendAuthored(message("r", 2, "bravo stays"), "");
        history.appendAuthored(event(3, v1::MESSAGE_KIND_EDIT, 1, "alpha second draft"), "Ana");
        history.flush();
        BOOST_TEST(hitSeqs(history.search("r", "alpha", 10, 0)) == std::vector<std::uint64_t>{3});
        BOOST_TEST(history.search("r", "first", 10, 0).messages.empty());
        BOOST_TEST_REQUIRE(eventually([&] { return history.unindexedMessages() == 0u; }));
        BOOST_TEST(hitSeqs(history.search("r", "alpha", 10, 0)) == std::vector<std::uint64_t>{3});
        BOOST_TEST(history.search("r", "first", 10, 0).messages.empty());
        history.appendAuthored(event(4, v1::MESSAGE_KIND_EDIT, 1, "alpha third draft"), "Ana");
        history.appendAuthored(event(5, v1::MESSAGE_KIND_DELETE, 1, "deleted message 1"), "Ana");
        // A message and its delete in one commit: nothing of it is indexed.
        history.appendAuthored(message("r", 6, "charlie oops"), "");
        history.appendAuthored(event(7, v1::MESSAGE_KIND_DELETE, 6, "deleted message 6"), "");
        history.flush();
        BOOST_TEST(history.search("r", "alpha", 10, 0).messages.empty());
        BOOST_TEST(history.search("r", "charlie", 10, 0).messages.empty());
        BOOST_TEST(hitSeqs(history.search("r", "bravo", 10, 0)) == std::vector<std::uint64_t>{2});
        BOOST_TEST_REQUIRE(eventually([&] { return history.unindexedMessages() == 0u; }));
        BOOST_TEST(history.search("r", "alpha", 10, 0).messages.empty());
        BOOST_TEST(history.search("r", "draft", 10, 0).messages.empty());
    }
    BOOST_TEST(indexedRows(path, "alpha") == 0);
    BOOST_TEST(indexedRows(path, "charlie") == 0);
    BOOST_TEST(indexedRows(path, "bravo") == 1);
    SqliteHistory history(options(path));
    const HistorySlice slice = history.after("r", 0, 10);
    BOOST_TEST((seqs(slice.messages) == std::vector<std::uint64_t>{1, 2, 3, 4, 5, 6, 7}));
    for (const std::size_t erased : {0, 2, 3, 5}) {
        BOOST_TEST(slice.messages[erased].text().empty(), "seq " << erased + 1 << " erased");
    }
    BOOST_TEST(slice.messages[1].text() == "bravo stays");
    BOOST_TEST(slice.messages[4].text() == "deleted message 1");
    const auto authored = history.authoredTail("r", 10);
    BOOST_TEST_REQUIRE(authored.size() == 7u);
    BOOST_TEST(authored[0].second == "Ana");
    BOOST_TEST(authored[1].second.empty());
    BOOST_TEST(history.search("r", "alpha", 10, 0).messages.empty());
}

// A reaction's reactor is kept in the author column and read back as
// ChatMessage.reactor; a message's author is not shown to readers.
BOOST_AUTO_TEST_CASE(a_reactions_reactor_is_read_back_a_messages_author_is_not) {
    TempDir dir;
    {
        SqliteHistory history(options(dir.file("h.db")));
        history.appendAuthored(message("r", 1, "hi"), "ana");
        v1::ChatMessage react = message("r", 2, "reacted +1 to message 1");
        react.set_kind(v1::MESSAGE_KIND_REACT);
        react.set_target_seq(1);
        react.set_reaction("+1");
        react.set_reactor("~19a.4");
        history.appendAuthored(react, react.reactor());
        history.flush();
    }
    SqliteHistory history(options(dir.file("h.db")));
    const HistorySlice slice = history.after("r", 0, 10);
    BOOST_TEST_REQUIRE(slice.messages.size() == 2u);
    BOOST_TEST(slice.messages[0].reactor().empty());
    BOOST_TEST(slice.messages[1].reactor() == "~19a.4");
    BOOST_TEST(history.authoredTail("r", 10).at(0).second == "ana");
}

// A delete after a reopen erases what the earlier run stored and indexed.
BOOST_AUTO_TEST_CASE(a_delete_after_a_reopen_erases_what_was_stored_before) {
    TempDir dir;
    const std::string path = dir.file("h.db");
    const auto event = [](std::uint64_t seq, v1::MessageKind kind, std::uint64_t target,
                          const std::string& text) {
        v1::ChatMessage m = message("dev", seq, text);
        m.set_kind(kind);
        m.set_target_seq(target);
        return m;
    };
    {
        SqliteHistory history(options(path));
        history.appendAuthored(message("dev", 1, "plan zebra one"), "ana");
        history.appendAuthored(message("dev", 2, "typo walrus"), "ana");
        history.appendAuthored(message("dev", 3, "bare"), "");
        history.appendAuthored(event(4, v1::MESSAGE_KIND_REACT, 1, "reacted"), "carol");
        history.appendAuthored(event(5, v1::MESSAGE_KIND_REACT, 1, "reacted"), "carol");
        history.flush();
        BOOST_TEST_REQUIRE(eventually([&] { return history.unindexedMessages() == 0u; }));
        history.appendAuthored(event(6, v1::MESSAGE_KIND_DELETE, 2, "deleted message 2"), "ana");
        history.flush();
    }
    SqliteHistory history(options(path));
    // What a hub reads at start (MessageLedger::restore) holds no snapshot.
    BOOST_TEST(history.authoredTail("dev", 100).size() == 6u);
    BOOST_TEST(history.tail("dev", 100).size() == 6u);
    history.appendAuthored(event(7, v1::MESSAGE_KIND_EDIT, 1, "plan yak two"), "ana");
    history.flush();
    BOOST_TEST(history.search("dev", "zebra", 10, 0).messages.empty());
    history.appendAuthored(event(8, v1::MESSAGE_KIND_DELETE, 1, "deleted message 1"), "ana");
    history.flush();
    const HistorySlice slice = history.after("dev", 0, 10);
    BOOST_TEST_REQUIRE(slice.messages.size() == 8u);
    BOOST_TEST(slice.messages[0].text().empty());
    BOOST_TEST(slice.messages[1].text().empty());
    BOOST_TEST(slice.messages[6].text().empty());
}

// A DELETE not yet committed (no submit(): the writer is not woken) has not
// erased the rows, but a page never serves the deleted text next to it: the
// message and its edits come blank, committed or pending.
BOOST_AUTO_TEST_CASE(a_pending_delete_blanks_its_message_in_pages) {
    TempDir dir;
    SqliteHistory history(options(dir.file("h.db")));
    const auto event = [](std::uint64_t seq, v1::MessageKind kind, std::uint64_t target,
                          const std::string& text) {
        v1::ChatMessage m = message("r", seq, text);
        m.set_kind(kind);
        m.set_target_seq(target);
        return m;
    };
    history.appendAuthored(message("r", 1, "committed secret"), "ana");
    history.appendAuthored(event(2, v1::MESSAGE_KIND_EDIT, 1, "committed edit"), "ana");
    history.flush();
    // Indexed: the writer sleeps until the next submit().
    BOOST_TEST_REQUIRE(eventually([&] { return history.unindexedMessages() == 0u; }));
    history.appendAuthored(message("r", 3, "pending secret"), "ana");
    history.appendAuthored(message("r", 4, "stays"), "bob");
    history.appendAuthored(event(5, v1::MESSAGE_KIND_DELETE, 1, "deleted message 1"), "ana");
    history.appendAuthored(event(6, v1::MESSAGE_KIND_DELETE, 3, "deleted message 3"), "ana");
    BOOST_TEST_REQUIRE(history.committedSeq("r") == 2u);  // the deletes are pending
    const HistorySlice slice = history.after("r", 0, 10);
    BOOST_TEST_REQUIRE(slice.messages.size() == 6u);
    const std::vector<v1::ChatMessage> tail = history.tail("r", 6);
    BOOST_TEST_REQUIRE(tail.size() == 6u);
    for (const auto* page : {&slice.messages, &tail}) {
        for (const std::size_t erased : {0, 1, 2}) {
            BOOST_TEST((*page)[erased].text().empty(), "seq " << erased + 1 << " blank");
        }
        BOOST_TEST((*page)[3].text() == "stays");
        BOOST_TEST((*page)[4].text() == "deleted message 1");
    }
}

namespace {

// One message row as schema version 6 stored it, and as a v7 read gives it
// back (the author from authoredTail).
struct V6Row {
    std::string room;
    std::uint64_t seq = 0, epoch = 0, clientMsgId = 0, replyTo = 0, targetSeq = 0;
    std::int64_t timeMs = 0;
    int kind = 0;
    std::string from, to, text, file, reaction, author;
};

// The rows `sql` selects (the columns of V6Row, in its order) from `path`.
std::vector<V6Row> rowsOf(const std::string& path, const std::string& sql) {
    using namespace Poco::Data::Keywords;
    Poco::Data::SQLite::Connector::registerConnector();
    Poco::Data::Session db("SQLite", path);
    std::vector<std::string> room, from, to, text, file, reaction, author;
    std::vector<Poco::Int64> seq, epoch, timeMs, clientMsgId, kind, replyTo, targetSeq;
    db << sql, into(room), into(seq), into(epoch), into(timeMs), into(from), into(to),
        into(clientMsgId), into(kind), into(text), into(file), into(replyTo), into(targetSeq),
        into(reaction), into(author), now;
    std::vector<V6Row> rows;
    for (std::size_t i = 0; i < room.size(); ++i) {
        rows.push_back(V6Row{
            room[i], static_cast<std::uint64_t>(seq[i]), static_cast<std::uint64_t>(epoch[i]),
            static_cast<std::uint64_t>(clientMsgId[i]), static_cast<std::uint64_t>(replyTo[i]),
            static_cast<std::uint64_t>(targetSeq[i]), timeMs[i], static_cast<int>(kind[i]), from[i],
            to[i], text[i], file[i], reaction[i], author[i]});
    }
    return rows;
}

std::vector<V6Row> v6Rows(const std::string& path) {
    return rowsOf(path,
                  "SELECT room, seq, epoch, time_ms, from_nick, to_nick, client_msg_id, kind, text,"
                  " file, reply_to, target_seq, reaction, author FROM messages ORDER BY room, seq");
}

// The same rows as schema version 7 stored them (keys: room id << 40 | seq).
std::vector<V6Row> v7Rows(const std::string& path) {
    return rowsOf(path,
                  "SELECT r.name, m.id & 1099511627775, m.epoch, m.time_ms, m.from_nick,"
                  " m.to_nick, m.client_msg_id, m.kind, m.text, m.file, m.reply_to,"
                  " m.target & 1099511627775, m.reaction, m.author FROM messages m"
                  " JOIN rooms r ON r.id = m.id >> 40 ORDER BY r.name, m.id");
}

// The FileInfo of a v6 `file` column (its protobuf bytes as hex).
v1::FileInfo fileOf(const std::string& hex) {
    std::string bytes;
    for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
        bytes += static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16));
    }
    v1::FileInfo file;
    file.ParseFromString(bytes);
    return file;
}

// Schema version 7 (messages keyed by room id and seq packed, the search
// index's progress per room), from a copy of a version 6 file hermesd wrote
// (libhermes/tests/data/make-history-fixture.py says what it holds): every row,
// search result, private conversation, waiting message, reaction, read
// marker, ban, mode, operator and account is still there, and seqs go on.
// And schema version 8 (a commit's messages of a room in one block), from
// it and from a copy of a version 7 file hermesd wrote, telling the same
// story.
void checkFixtureMigrated(const std::string& fixture, const std::string& version,
                          std::vector<V6Row> (*rowsOf)(const std::string&)) {
    TempDir dir;
    const std::string path = dir.file(version + ".db");
    {
        std::ifstream in(std::string(HERMES_TEST_DATA) + "/" + fixture, std::ios::binary);
        BOOST_TEST_REQUIRE(static_cast<bool>(in));
        std::ofstream out(path, std::ios::binary);
        out << in.rdbuf();
    }
    const std::vector<V6Row> before = rowsOf(path);
    BOOST_TEST_REQUIRE(before.size() == 53u);

    const auto checkRows = [&](SqliteHistory& history) {
        std::map<std::string, std::vector<const V6Row*>> byRoom;
        for (const V6Row& row : before) {
            byRoom[row.room].push_back(&row);
        }
        BOOST_TEST_REQUIRE(byRoom.size() == 5u);
        for (const auto& [room, rows] : byRoom) {
            BOOST_TEST_CONTEXT("room " << room) {
                const HistorySlice slice = history.after(room, 0, 100);
                BOOST_TEST(!slice.gap.has_value());
                BOOST_TEST_REQUIRE(slice.messages.size() == rows.size());
                const auto authored = history.authoredTail(room, 100);
                BOOST_TEST_REQUIRE(authored.size() == rows.size());
                for (std::size_t i = 0; i < rows.size(); ++i) {
                    const V6Row& want = *rows[i];
                    const v1::ChatMessage& got = slice.messages[i];
                    BOOST_TEST_CONTEXT("seq " << want.seq) {
                        BOOST_TEST(got.room() == want.room);
                        BOOST_TEST(got.seq() == want.seq);
                        BOOST_TEST(got.epoch() == want.epoch);
                        BOOST_TEST(got.time_ms() == want.timeMs);
                        BOOST_TEST(got.from() == want.from);
                        BOOST_TEST(got.to() == want.to);
                        BOOST_TEST(got.client_msg_id() == want.clientMsgId);
                        BOOST_TEST(static_cast<int>(got.kind()) == want.kind);
                        BOOST_TEST(got.text() == want.text);
                        BOOST_TEST(got.reply_to() == want.replyTo);
                        BOOST_TEST(got.target_seq() == want.targetSeq);
                        BOOST_TEST(got.reaction() == want.reaction);
                        BOOST_TEST(got.has_file() == !want.file.empty());
                        if (!want.file.empty()) {
                            BOOST_TEST(got.file().SerializeAsString() ==
                                       fileOf(want.file).SerializeAsString());
                        }
                        BOOST_TEST(authored[i].first.seq() == want.seq);
                        BOOST_TEST(authored[i].second == want.author);
                    }
                }
            }
        }
        // What the fixture's story says, spelled out.
        const HistorySlice dev = history.after("dev", 0, 100);
        BOOST_TEST(dev.messages[2].text().empty());   // 3: deleted
        BOOST_TEST(dev.messages[35].text().empty());  // 36: its edit, erased
        BOOST_TEST(dev.messages[31].reactor() == "bob");
        BOOST_TEST(dev.messages[33].kind() == v1::MESSAGE_KIND_UNREACT);
        BOOST_TEST(dev.messages[38].file().name() == "notes.txt");
        const std::vector<StoredFile> files = history.fileReferences();
        BOOST_TEST_REQUIRE(files.size() == 1u);
        BOOST_TEST(files[0].room == "dev");
        BOOST_TEST(files[0].seq == 39u);
        BOOST_TEST(files[0].file.name() == "notes.txt");

        BOOST_TEST(seqs(history.search("dev", "needle", 10, 0).messages) ==
                       (std::vector<std::uint64_t>{28, 20, 12, 4}),
                   boost::test_tools::per_element());
        BOOST_TEST(seqs(history.search("dev", "needle", 2, 20).messages) ==
                       (std::vector<std::uint64_t>{12, 4}),
                   boost::test_tools::per_element());
        BOOST_TEST(seqs(history.search("ops", "needle", 10, 0).messages) ==
                       (std::vector<std::uint64_t>{4}),
                   boost::test_tools::per_element());
        BOOST_TEST(seqs(history.search("dev", "zeppelin", 10, 0).messages) ==
                       (std::vector<std::uint64_t>{35}),
                   boost::test_tools::per_element());
        BOOST_TEST(history.search("dev", "quokka", 10, 0).messages.empty());  // deleted
        // Message 2's first text was replaced by its edit: only the edit matches.
        BOOST_TEST(seqs(history.search("dev", "lantern", 10, 0).messages) ==
                       (std::vector<std::uint64_t>{30, 26, 22, 18, 14, 10, 6}),
                   boost::test_tools::per_element());
        BOOST_TEST(seqs(history.search("@ana bob", "walrus", 10, 0).messages) ==
                       (std::vector<std::uint64_t>{1}),
                   boost::test_tools::per_element());
        BOOST_TEST(history.search("lobby", "walrus", 10, 0).messages.empty());
    };

    {
        SqliteHistory history(options(path));
        BOOST_TEST(history.restoredMessages() == 53u);
        std::map<std::string, StoredRoom> rooms;
        for (const StoredRoom& room : history.rooms()) {
            rooms[room.name] = room;
        }
        BOOST_TEST_REQUIRE(rooms.size() == 5u);
        BOOST_TEST(rooms["dev"].lastSeq == 40u);
        BOOST_TEST(rooms["dev"].topic == "the dev room, " + version);
        BOOST_TEST(rooms["dev"].topicSetBy == "ana");
        BOOST_TEST(rooms["dev"].topicTimeMs > 0);
        BOOST_TEST(rooms["ops"].lastSeq == 5u);
        BOOST_TEST(rooms["lobby"].lastSeq == 2u);
        BOOST_TEST(rooms["@ana bob"].lastSeq == 4u);
        BOOST_TEST(rooms["@ana cy"].lastSeq == 2u);
        const std::vector<WaitingMessage> waiting = history.waiting();
        BOOST_TEST_REQUIRE(waiting.size() == 2u);
        BOOST_TEST(waiting[0].recipient == "cy");
        BOOST_TEST(waiting[0].conversation == "@ana cy");
        BOOST_TEST(waiting[0].seq == 1u);
        BOOST_TEST(waiting[1].seq == 2u);
        checkRows(history);  // the index is built anew: matched one by one
        BOOST_TEST_REQUIRE(eventually([&] { return history.unindexedMessages() == 0u; }));
        checkRows(history);  // from the new index
        // Seqs go on after the stored ones, in a room and a conversation,
        // and a new room is stored beside them.
        history.append(message("dev", 41, "after the migration needle"));
        history.append(message("@ana bob", 5, "fifth private"));
        history.append(message("fresh", 1, "a new room needle"));
        history.flush();
    }
    {
        using namespace Poco::Data::Keywords;
        Poco::Data::Session db("SQLite", path);
        int schema = 0;
        std::size_t oldTables = 0;
        db << "SELECT max(version) FROM schema_version", into(schema), now;
        db << "SELECT count(*) FROM sqlite_master WHERE name IN ('search_index', 'rooms_v7',"
              " 'messages_v7', 'messages', 'messages_target')",
            into(oldTables), now;
        BOOST_TEST(schema == SqliteHistory::kSchemaVersion);
        BOOST_TEST(oldTables == 0u);
    }
    BOOST_TEST(indexedRows(path, "needle") == 5);  // dev 4, 12, 20, 28 and ops 4
    BOOST_TEST(indexedRows(path, "quokka") == 0);
    SqliteHistory history(options(path));
    BOOST_TEST(history.lastSeq("dev") == 41u);
    BOOST_TEST(history.lastSeq("@ana bob") == 5u);
    BOOST_TEST(history.lastSeq("fresh") == 1u);
    BOOST_TEST(history.after("dev", 40, 10).messages.at(0).text() == "after the migration needle");
    BOOST_TEST(history.after("@ana bob", 4, 10).messages.at(0).text() == "fifth private");
    BOOST_TEST(seqs(history.search("dev", "needle", 10, 0).messages) ==
                   (std::vector<std::uint64_t>{41, 28, 20, 12, 4}),
               boost::test_tools::per_element());
    BOOST_TEST(
        seqs(history.search("fresh", "needle", 10, 0).messages) == (std::vector<std::uint64_t>{1}),
        boost::test_tools::per_element());
    history.close();

    // The tables beside the history's, which the migration must not touch.
    SqliteReadMarkers markers(path);
    std::vector<StoredReadMarker> marks = markers.load();
    std::sort(marks.begin(), marks.end(),
              [](const auto& a, const auto& b) { return a.account < b.account; });
    BOOST_TEST_REQUIRE(marks.size() == 2u);
    BOOST_TEST(marks[0].account == "ana");
    BOOST_TEST(marks[0].peer == "bob");
    BOOST_TEST(marks[0].seq == 2u);
    BOOST_TEST(marks[1].account == "bob");
    BOOST_TEST(marks[1].room == "dev");
    BOOST_TEST(marks[1].seq == 10u);
    SqliteModerationStore moderation(path);
    const StoredModeration stored = moderation.load(0);
    BOOST_TEST_REQUIRE(stored.bans.size() == 1u);
    BOOST_TEST(stored.bans[0].room == "dev");
    BOOST_TEST(stored.bans[0].target == "eve");
    BOOST_TEST(stored.bans[0].reason == "spam");
    BOOST_TEST_REQUIRE(stored.modes.size() == 2u);
    BOOST_TEST_REQUIRE(stored.operators.size() == 1u);
    BOOST_TEST(stored.operators[0].room == "dev");
    BOOST_TEST(stored.operators[0].account == "bob");
    SqliteAccounts accounts(path);
    BOOST_TEST(accounts.load().size() == 3u);
}

}  // namespace

BOOST_AUTO_TEST_CASE(a_version_6_file_written_by_hermesd_is_migrated_with_everything_in_it) {
    checkFixtureMigrated("history-v6.db", "v6", v6Rows);
}

BOOST_AUTO_TEST_CASE(a_version_7_file_written_by_hermesd_is_migrated_with_everything_in_it) {
    checkFixtureMigrated("history-v7.db", "v7", v7Rows);
}

// WalCheckpointer on a real WAL database: once the log passes kWakePages the
// checkpoint happens on the checkpointer's thread (and copies the log: until
// 2026-12 the thread's connection had never read the database, so SQLite
// answered its checkpoints with SQLITE_OK and did nothing), the data stays
// whole, and the writer connection outlives a detached checkpointer safely.
#define BOOST_TEST_MODULE wal_checkpointer
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <chrono>
#include <string>
#include <thread>

#include <Poco/Data/SQLite/Connector.h>
#include <Poco/Data/SQLite/Utility.h>
#include <Poco/Data/Session.h>

#include "hermes/hub/WalCheckpointer.hpp"
#include "hermes/test/TempDir.hpp"

using namespace hermes::hub;
using namespace Poco::Data::Keywords;
using namespace std::chrono_literals;

using hermes::test::TempDir;

namespace {

// Commits `rows` rows of ~4 KiB (about one page each) with ids from `first`,
// 100 per transaction; a row with an id already there is replaced.
void writePages(Poco::Data::Session& db, int first, int rows) {
    for (int done = 0; done < rows; done += 100) {
        db.begin();
        for (int i = done; i < std::min(rows, done + 100); ++i) {
            int id = first + i;
            std::string blob(4000, static_cast<char>('a' + i % 26));
            db << "INSERT OR REPLACE INTO t(id, data) VALUES (?, ?)", use(id), use(blob), now;
        }
        db.commit();
    }
}

}  // namespace

BOOST_AUTO_TEST_CASE(a_growing_log_is_checkpointed_on_the_checkpointer_thread) {
    TempDir dir;
    const std::string path = dir.path + "/w.db";
    Poco::Data::SQLite::Connector::registerConnector();
    Poco::Data::Session writer("SQLite", path);
    std::string mode;
    writer << "PRAGMA journal_mode=WAL", into(mode), now;
    BOOST_TEST_REQUIRE(mode == "wal");
    writer << "CREATE TABLE t (id INTEGER PRIMARY KEY, data BLOB)", now;
    {
        WalCheckpointer checkpointer(path);
        checkpointer.attach(Poco::Data::SQLite::Utility::dbHandle(writer));
        writePages(writer, 0, 500);  // below the wake-up size
        BOOST_TEST(checkpointer.checkpoints() == 0u);
        writePages(writer, 500, WalCheckpointer::kWakePages);
        const auto deadline = std::chrono::steady_clock::now() + 10s;
        while (checkpointer.checkpoints() == 0 && std::chrono::steady_clock::now() < deadline) {
            std::this_thread::sleep_for(1ms);  // polling with a deadline, not synchronisation
        }
        BOOST_TEST(checkpointer.checkpoints() >= 1u);
    }
    // Detached: the writer goes on committing without the hook.
    writePages(writer, 1'000'000, 200);
    Poco::Data::Session reader("SQLite", path);
    std::size_t rows = 0;
    reader << "SELECT count(*) FROM t", into(rows), now;
    BOOST_TEST(rows == 500u + WalCheckpointer::kWakePages + 200u);
    std::string check;
    reader << "PRAGMA integrity_check", into(check), now;
    BOOST_TEST(check == "ok");
}

// Writes that never pause (as hermes-bench L1's): the thread's passive
// passes never reach the log's end, and it is the thread, not the writer's
// own commit at kWriterPages, that brings the log back to its beginning.
//
// Whether a given wake-up's RESTART gets the writer's lock depends on the
// scheduler (the writer pauses only between two commits, and on a loaded
// machine, as under CI's parallel builds, the thread may miss those pauses
// for a whole 20 ms wait). So the writer goes on until the thread succeeded
// once, bounded by time, not by a count of pages that a busy machine
// exhausts in one or two wake-ups; it rewrites the same kKeptRows rows, so
// the database stays small however long that takes.
BOOST_AUTO_TEST_CASE(under_writes_that_never_pause_the_thread_restarts_the_log) {
    constexpr int kKeptRows = 2000;
    TempDir dir;
    const std::string path = dir.path + "/w.db";
    Poco::Data::SQLite::Connector::registerConnector();
    Poco::Data::Session writer("SQLite", path);
    std::string mode;
    writer << "PRAGMA journal_mode=WAL", into(mode), now;
    BOOST_TEST_REQUIRE(mode == "wal");
    writer << "CREATE TABLE t (id INTEGER PRIMARY KEY, data BLOB)", now;
    int rows = 0;
    {
        WalCheckpointer checkpointer(path);
        checkpointer.attach(Poco::Data::SQLite::Utility::dbHandle(writer));
        // (This writer, 100 pages a commit back to back, outruns any disk:
        // the writer's own checkpoint at kWriterPages may come first, and
        // the thread's RESTART after it.)
        const auto deadline = std::chrono::steady_clock::now() + 60s;
        while (checkpointer.restarts() == 0 && std::chrono::steady_clock::now() < deadline) {
            writePages(writer, rows % kKeptRows, 100);
            rows += 100;
        }
        BOOST_TEST(checkpointer.restarts() >= 1u);
        BOOST_TEST_MESSAGE("pages written until the thread restarted the log: " << rows);
    }
    Poco::Data::Session reader("SQLite", path);
    int count = 0;
    reader << "SELECT count(*) FROM t", into(count), now;
    BOOST_TEST(count == std::min(rows, kKeptRows));
    std::string check;
    reader << "PRAGMA integrity_check", into(check), now;
    BOOST_TEST(check == "ok");
}

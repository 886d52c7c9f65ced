// WalCheckpointer on a real WAL database: once the log passes kWakePages the
// checkpoint happens on the checkpointer's thread, the data stays whole, and
// the writer connection outlives a detached checkpointer safely.
#define BOOST_TEST_MODULE wal_checkpointer
#include <boost/test/unit_test.hpp>

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

// Commits `rows` rows of ~4 KiB (about one page each), 100 per transaction.
void writePages(Poco::Data::Session& db, int first, int rows) {
    for (int done = 0; done < rows; done += 100) {
        db.begin();
        for (int i = done; i < std::min(rows, done + 100); ++i) {
            int id = first + i;
            std::string blob(4000, static_cast<char>('a' + i % 26));
            db << "INSERT INTO t(id, data) VALUES (?, ?)", use(id), use(blob), now;
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
        writePages(writer, 0, 500);  // half the wake-up size
        BOOST_TEST(checkpointer.checkpoints() == 0u);
        writePages(writer, 500, WalCheckpointer::kWakePages);
        const auto deadline = std::chrono::steady_clock::now() + 10s;
        while (checkpointer.checkpoints() == 0 && std::chrono::steady_clock::now() < deadline) {
            std::this_thread::sleep_for(1ms);  // polling with a deadline, not synchronisation
        }
        BOOST_TEST(checkpointer.checkpoints() >= 1u);
    }
    // Detached: the writer goes on committing without the hook.
    writePages(writer, 10'000, 200);
    Poco::Data::Session reader("SQLite", path);
    std::size_t rows = 0;
    reader << "SELECT count(*) FROM t", into(rows), now;
    BOOST_TEST(rows == 500u + WalCheckpointer::kWakePages + 200u);
    std::string check;
    reader << "PRAGMA integrity_check", into(check), now;
    BOOST_TEST(check == "ok");
}

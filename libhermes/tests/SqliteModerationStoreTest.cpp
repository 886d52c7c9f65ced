// SqliteModerationStore: which bans came from the cluster (cluster_version)
// survives a reopen, and a file written before the column existed is
// migrated (its bans read as the hub's own).
#define BOOST_TEST_MODULE SqliteModerationStoreTest
#include <boost/test/unit_test.hpp>

#include <string>

#include <Poco/Data/SQLite/Connector.h>
#include <Poco/Data/Session.h>

#include "hermes/hub/SqliteModerationStore.hpp"
#include "hermes/test/TempDir.hpp"

using namespace hermes::hub;
using namespace Poco::Data::Keywords;
using hermes::test::TempDir;

BOOST_AUTO_TEST_CASE(a_bans_cluster_version_survives_a_reopen) {
    TempDir dir;
    const std::string path = dir.file("hub.db");
    {
        SqliteModerationStore store(path);
        store.putBan(StoredBan{"r", BanKind::Nick, "ben", "ana", "why", 1, 0, 42});
        store.putBan(StoredBan{"", BanKind::Address, "10.0.0.1", "ana", "", 2, 0, 0});
    }
    SqliteModerationStore store(path);
    const StoredModeration loaded = store.load(10);
    BOOST_TEST_REQUIRE(loaded.bans.size() == 2U);
    BOOST_TEST(loaded.bans[0].target == "ben");
    BOOST_TEST(loaded.bans[0].clusterVersion == 42U);
    BOOST_TEST(loaded.bans[1].clusterVersion == 0U);
}

BOOST_AUTO_TEST_CASE(a_table_without_the_column_is_migrated_and_its_bans_are_the_hubs_own) {
    TempDir dir;
    const std::string path = dir.file("old.db");
    {
        Poco::Data::SQLite::Connector::registerConnector();
        Poco::Data::Session db("SQLite", path);
        db << "CREATE TABLE moderation_bans ("
              " room TEXT NOT NULL, kind INTEGER NOT NULL, target TEXT NOT NULL,"
              " set_by TEXT NOT NULL, reason TEXT NOT NULL, set_ms INTEGER NOT NULL,"
              " expires_ms INTEGER NOT NULL, PRIMARY KEY (room, kind, target))",
            now;
        db << "INSERT INTO moderation_bans VALUES ('r', 0, 'old', 'ana', '', 1, 0)", now;
    }
    SqliteModerationStore store(path);
    StoredModeration loaded = store.load(10);
    BOOST_TEST_REQUIRE(loaded.bans.size() == 1U);
    BOOST_TEST(loaded.bans[0].target == "old");
    BOOST_TEST(loaded.bans[0].clusterVersion == 0U);
    // Written with a version after the migration, read back with it.
    store.putBan(StoredBan{"r", BanKind::Nick, "new", "ana", "", 2, 0, 7});
    loaded = store.load(10);
    BOOST_TEST_REQUIRE(loaded.bans.size() == 2U);
    BOOST_TEST(loaded.bans[1].clusterVersion == 7U);
}

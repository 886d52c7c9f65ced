// The key table (ConfigKeys.cpp) against what DaemonConfig reads: every row
// is read, with the default the row states; and the reader's checks of type
// and range, and the did-you-mean of unknown keys.
#define BOOST_TEST_MODULE ConfigKeys
#include <boost/test/unit_test.hpp>

#include <Poco/AutoPtr.h>
#include <Poco/Util/MapConfiguration.h>

#include "ConfigCheck.hpp"
#include "ConfigKeys.hpp"
#include "ConfigReader.hpp"
#include "DaemonConfig.hpp"

using namespace hermesd;

BOOST_AUTO_TEST_CASE(every_row_is_read_with_its_stated_default) {
    Poco::AutoPtr<Poco::Util::MapConfiguration> empty(new Poco::Util::MapConfiguration);
    ConfigReader reader(*empty, ConfigReader::Mode::Strict);
    readDaemonConfig(reader);
    const auto& values = reader.values();
    for (const ConfigKey& key : configKeys()) {
        const auto it = values.find(std::string(key.name));
        BOOST_TEST_CONTEXT(key.name) {
            BOOST_REQUIRE_MESSAGE(it != values.end(), "in the table but never read");
            BOOST_TEST(it->second == std::string(key.defaultValue));
        }
    }
    BOOST_TEST(values.size() == configKeys().size());
}

BOOST_AUTO_TEST_CASE(collect_mode_keeps_every_problem_and_goes_on) {
    Poco::AutoPtr<Poco::Util::MapConfiguration> file(new Poco::Util::MapConfiguration);
    file->setString("hub.max_clients", "0");         // below its minimum
    file->setString("hub.rate_per_second", "fast");  // not a number
    file->setString("tls.enabled", "maybe");         // not a flag
    file->setString("hermesd.port", "70000");        // above 65535
    file->setString("hub.max_text_bytes", "65536");  // disagrees with hub.max_frame_bytes
    ConfigReader reader(*file, ConfigReader::Mode::Collect);
    const DaemonConfig settings = readDaemonConfig(reader);
    std::vector<std::string> keys;
    for (const auto& problem : reader.problems()) {
        keys.push_back(problem.key);
    }
    const std::vector<std::string> expected{"hermesd.port", "tls.enabled", "hub.max_clients",
                                            "hub.rate_per_second", "hub.max_frame_bytes"};
    BOOST_TEST(keys == expected, boost::test_tools::per_element());
    BOOST_TEST(settings.hub.maxClients == 1024u);  // the default, where the value was bad
}

BOOST_AUTO_TEST_CASE(strict_mode_throws_naming_the_key) {
    Poco::AutoPtr<Poco::Util::MapConfiguration> file(new Poco::Util::MapConfiguration);
    file->setString("typing.expires_ms", "100");
    BOOST_CHECK_EXCEPTION(readDaemonConfig(*file), Poco::InvalidArgumentException,
                          [](const Poco::Exception& error) {
                              return error.message().find("typing.expires_ms") == 0;
                          });
}

// Files shared by a cluster's hubs need a directory named for them: the
// default one is beside each hub's own database.
BOOST_AUTO_TEST_CASE(shared_files_need_files_path) {
    Poco::AutoPtr<Poco::Util::MapConfiguration> file(new Poco::Util::MapConfiguration);
    file->setString("cluster.redis", "127.0.0.1:6379");
    file->setString("cluster.shared_files", "true");
    BOOST_CHECK_EXCEPTION(readDaemonConfig(*file), Poco::InvalidArgumentException,
                          [](const Poco::Exception& error) {
                              return error.message().find("cluster.shared_files") == 0 &&
                                     error.message().find("files.path") != std::string::npos;
                          });
    file->setString("files.path", "/srv/hermes-files");
    const DaemonConfig settings = readDaemonConfig(*file);
    BOOST_TEST(settings.hub.clusterSharedFiles);
    BOOST_TEST(settings.hub.filesPath == "/srv/hermes-files");
}

BOOST_AUTO_TEST_CASE(a_key_not_in_the_table_cannot_be_read) {
    Poco::AutoPtr<Poco::Util::MapConfiguration> file(new Poco::Util::MapConfiguration);
    ConfigReader reader(*file, ConfigReader::Mode::Strict);
    BOOST_CHECK_THROW(reader.count("hub.no_such_key", 1), std::logic_error);
    BOOST_CHECK_THROW(reader.flag("hub.max_clients", true), std::logic_error);  // wrong type
}

BOOST_AUTO_TEST_CASE(unknown_keys_suggest_the_nearest) {
    BOOST_TEST(nearestKey("hub.mtod") == "hub.motd");
    BOOST_TEST(nearestKey("hub.rate_per_sec") == "hub.rate_per_second");
    BOOST_TEST(nearestKey("hub.port") == "hermesd.port");
    BOOST_TEST(nearestKey("completely.different") == "");
}

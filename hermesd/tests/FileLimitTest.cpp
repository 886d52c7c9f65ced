// The descriptor limit hermesd asks for (FileLimit.hpp): every client, the
// HTTP listener's connections (two descriptors each while a WebSocket is
// handed off) and its queue, the acceptor's queue, and a margin; and the
// soft limit raised to it.
#define BOOST_TEST_MODULE hermesd_file_limit
#include <boost/test/unit_test.hpp>

#include <sys/resource.h>

#include <algorithm>

#include <Poco/Logger.h>

#include "DaemonConfig.hpp"
#include "FileLimit.hpp"

BOOST_AUTO_TEST_CASE(the_http_and_irc_listeners_and_the_queues_are_counted) {
    hermesd::DaemonConfig config;
    config.hub.maxClients = 1000;
    config.http.maxConnections = 32;
    config.http.acceptQueue = 64;
    config.edge.acceptQueue = 500;
    config.irc.port = 0;  // no IRC listener: as before it
    const hermesd::FileNeeds needs = hermesd::fileNeeds(config);
    BOOST_TEST(needs.essential == 1000u + 2u * 32u + 64u + hermesd::kFileMargin);
    BOOST_TEST(needs.wanted == needs.essential + 500u);

    config.http.port = 0;  // no HTTP listener: nothing for it
    const hermesd::FileNeeds tcpOnly = hermesd::fileNeeds(config);
    BOOST_TEST(tcpOnly.essential == 1000u + hermesd::kFileMargin);
    BOOST_TEST(tcpOnly.wanted == tcpOnly.essential + 500u);

    config.irc.port = 6667;  // the IRC listener's queue, and itself
    BOOST_TEST(hermesd::fileNeeds(config).wanted == tcpOnly.wanted + 501u);
    config.irc.tlsPort = 6697;  // and IRC over TLS's
    BOOST_TEST(hermesd::fileNeeds(config).wanted == tcpOnly.wanted + 2u * 501u);
}

BOOST_AUTO_TEST_CASE(the_soft_limit_is_raised_to_what_is_wanted) {
    rlimit original{};
    BOOST_TEST_REQUIRE(getrlimit(RLIMIT_NOFILE, &original) == 0);
    const rlim_t hard = original.rlim_max;
    if (hard != RLIM_INFINITY && hard < 512) {
        return;  // too low a hard limit to lower the soft one and see it raised
    }
    rlimit low = original;
    low.rlim_cur = 256;
    BOOST_TEST_REQUIRE(setrlimit(RLIMIT_NOFILE, &low) == 0);
    hermesd::raiseFileLimit(hermesd::FileNeeds{400, 500}, 300, Poco::Logger::get("test"));
    rlimit now{};
    BOOST_TEST_REQUIRE(getrlimit(RLIMIT_NOFILE, &now) == 0);
    BOOST_TEST(now.rlim_cur == (hard == RLIM_INFINITY ? rlim_t{500} : std::min<rlim_t>(500, hard)));
    BOOST_TEST_REQUIRE(setrlimit(RLIMIT_NOFILE, &original) == 0);
}

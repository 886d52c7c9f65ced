// The pieces of GET /metrics that need no hub: who may read it
// (AddressAllowList: metrics.allow) and the text format's fixed parts
// (PrometheusText: families, escaping, cumulative histogram buckets).
// integration-tests/MetricsTest.cpp scrapes a real hermesd.
#define BOOST_TEST_MODULE MetricsTextTest
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <string>

#include <Poco/Exception.h>
#include <Poco/Net/IPAddress.h>

#include "AddressAllowList.hpp"
#include "PrometheusText.hpp"

using hermesd::AddressAllowList;
using Poco::Net::IPAddress;

BOOST_AUTO_TEST_CASE(networks_match_by_prefix_and_mapped_ipv4_as_ipv4) {
    const AddressAllowList allow(
        {"127.0.0.0/8", "192.168.1.7", "10.20.0.0/14", "fd00::/8", "::1/128"});
    for (const char* yes : {"127.0.0.1", "127.255.0.9", "192.168.1.7", "10.20.0.1", "10.23.255.255",
                            "fd12:3456::1", "::1", "::ffff:127.0.0.1", "::ffff:10.21.1.1"}) {
        BOOST_TEST(allow.allows(IPAddress(yes)), yes);
    }
    for (const char* no : {"128.0.0.1", "192.168.1.8", "10.24.0.0", "10.19.255.255", "fe80::1",
                           "::2", "::ffff:192.168.1.9", "8.8.8.8"}) {
        BOOST_TEST(!allow.allows(IPAddress(no)), no);
    }
    BOOST_TEST(AddressAllowList({"*"}).allows(IPAddress("203.0.113.9")));
    BOOST_TEST(!AddressAllowList({}).allows(IPAddress("127.0.0.1")));
    BOOST_TEST(AddressAllowList({"0.0.0.0/0"}).allows(IPAddress("203.0.113.9")));
}

BOOST_AUTO_TEST_CASE(a_bad_entry_is_refused_with_its_text) {
    for (const char* bad : {"10.0.0.0/33", "::/129", "lan", "10.0.0.0/", "10.0.0.0/x"}) {
        try {
            AddressAllowList list({bad});
            BOOST_ERROR("accepted " << bad);
        } catch (const Poco::InvalidArgumentException& error) {
            BOOST_TEST(error.message().find(bad) != std::string::npos, error.message());
        }
    }
}

BOOST_AUTO_TEST_CASE(histograms_are_cumulative_and_labels_escaped) {
    hermesd::MetricsSnapshot figures;
    figures.stats.deliveries = 42;
    figures.stats.disconnects["client_quit"] = 3;
    figures.loopLag.observe(std::chrono::microseconds(30));   // first bucket
    figures.loopLag.observe(std::chrono::microseconds(700));  // 0.001
    figures.loopLag.observe(std::chrono::seconds(20));        // only +Inf
    figures.connections[static_cast<std::size_t>(hermesd::Transport::WebSocket)] = 2;
    figures.tlsHandshakeFailures = 5;
    hermesd::BuildFacts build{"0.1.0", "ab\"c\\d\ne", 1.5};
    const std::string text = hermesd::prometheusText(figures, build);
    const auto has = [&](const std::string& line) {
        return text.find("\n" + line + "\n") != std::string::npos;
    };
    BOOST_TEST(has("hermes_deliveries_total 42"));
    BOOST_TEST(has("hermes_disconnects_total{reason=\"client_quit\"} 3"));
    BOOST_TEST(has("hermes_disconnects_total{reason=\"flood\"} 0"));
    BOOST_TEST(has("hermes_connections{transport=\"websocket\"} 2"));
    BOOST_TEST(has("hermes_handshake_failures_total{reason=\"tls\"} 5"));
    BOOST_TEST(has("hermes_event_loop_lag_seconds_bucket{le=\"5e-05\"} 1"));
    BOOST_TEST(has("hermes_event_loop_lag_seconds_bucket{le=\"0.0005\"} 1"));
    BOOST_TEST(has("hermes_event_loop_lag_seconds_bucket{le=\"0.001\"} 2"));
    BOOST_TEST(has("hermes_event_loop_lag_seconds_bucket{le=\"10\"} 2"));
    BOOST_TEST(has("hermes_event_loop_lag_seconds_bucket{le=\"+Inf\"} 3"));
    BOOST_TEST(has("hermes_event_loop_lag_seconds_count 3"));
    BOOST_TEST(has("hermes_build_info{version=\"0.1.0\",commit=\"ab\\\"c\\\\d\\ne\"} 1"));
    BOOST_TEST(has("# TYPE hermes_deliveries_total counter"));
    BOOST_TEST(text.starts_with("# HELP hermes_build_info "));
    BOOST_TEST(text.ends_with("\n"));
}

// A hub list as users type it (--host a:7070,b:7071, the config's host):
// names, IPv4, IPv6 with and without brackets, default ports, and the
// mistakes refused with the item at fault.
#define BOOST_TEST_MODULE client_hub_address
#include <boost/test/unit_test.hpp>

#include <stdexcept>
#include <string>
#include <vector>

#include "hermes/client/ClientOptions.hpp"
#include "hermes/client/HubAddress.hpp"

using hermes::client::formatHubList;
using hermes::client::HubAddress;
using hermes::client::parseHubList;

BOOST_AUTO_TEST_CASE(lists_parse_item_by_item) {
    struct Case {
        const char* text;
        std::vector<HubAddress> hubs;
    };
    const std::vector<Case> cases{
        {"hub.lan", {{"hub.lan", 7070}}},
        {"hub.lan:7071", {{"hub.lan", 7071}}},
        {"10.0.0.1:7071, 10.0.0.2", {{"10.0.0.1", 7071}, {"10.0.0.2", 7070}}},
        {"::1", {{"::1", 7070}}},
        {"[::1]:7072,[fe80::2]", {{"::1", 7072}, {"fe80::2", 7070}}},
        {"a:7070,b:7071,a:7070", {{"a", 7070}, {"b", 7071}}},
    };
    for (const auto& c : cases) {
        BOOST_TEST_CONTEXT(c.text) {
            const auto hubs = parseHubList(c.text, 7070);
            BOOST_TEST_REQUIRE(hubs.size() == c.hubs.size());
            for (std::size_t i = 0; i < hubs.size(); ++i) {
                BOOST_TEST(hubs[i].host == c.hubs[i].host);
                BOOST_TEST(hubs[i].port == c.hubs[i].port);
            }
        }
    }
}

BOOST_AUTO_TEST_CASE(mistakes_are_refused_naming_the_item) {
    struct Case {
        const char* text;
        const char* says;
    };
    const std::vector<Case> cases{
        {"a,,b", "empty item"},    {"a,", "empty item"},
        {"a:0", "'a:0'"},          {"a:70000", "'a:70000'"},
        {"a:x", "'a:x'"},          {":7070", "no host"},
        {"[::1", "needs its ']'"}, {"[::1]7070", "only ':PORT'"},
    };
    for (const auto& c : cases) {
        BOOST_TEST_CONTEXT(c.text) {
            try {
                parseHubList(c.text, 7070);
                BOOST_TEST(false, "accepted");
            } catch (const std::invalid_argument& error) {
                BOOST_TEST(std::string(error.what()).find(c.says) != std::string::npos,
                           error.what());
            }
        }
    }
}

BOOST_AUTO_TEST_CASE(a_list_prints_back_as_typed) {
    const std::string text = "hub.lan:7070,[::1]:7072";
    BOOST_TEST(formatHubList(parseHubList(text, 7070)) == text);
}

BOOST_AUTO_TEST_CASE(options_list_host_port_first_and_each_hub_once) {
    hermes::client::ClientOptions options;
    options.host = "a";
    options.port = 7070;
    options.moreHubs = {{"b", 7071}, {"a", 7070}, {"c", 7072}};
    BOOST_TEST(formatHubList(options.hubs()) == "a:7070,b:7071,c:7072");
    options.moreHubs.clear();
    BOOST_TEST(formatHubList(options.hubs()) == "a:7070");
}

// HostCheck: the names hermesd's HTTP listener answers to (DNS rebinding).
#define BOOST_TEST_MODULE HostCheckTest
#include <boost/test/unit_test.hpp>

#include <string>
#include <vector>

#include "HostCheck.hpp"

using hermesd::HostCheck;

BOOST_AUTO_TEST_CASE(addresses_localhost_and_the_machine_name_are_allowed) {
    const HostCheck check({}, {}, "Hubbox");
    for (const char* host : {"127.0.0.1:7080", "192.168.1.20", "10.0.0.7:80", "[::1]:7080",
                             "[fe80::1]", "localhost", "LOCALHOST:7080", "app.localhost", "hubbox",
                             "HubBox:7080", "hubbox.local", "hubbox.local.:7080", ""}) {
        BOOST_TEST(check.allows(host), "Host '" << host << "'");
    }
}

BOOST_AUTO_TEST_CASE(other_names_are_refused_as_a_rebinding_would_send_them) {
    const HostCheck check({}, {}, "hubbox");
    for (const char* host :
         {"evil.example:7080", "evil.example", "127.0.0.1.nip.io", "hubbox.evil.example",
          "localhost.evil.example", "2130706433", "0x7f.0.0.1", "127.1", "[not-an-address]",
          "hubbox.lan", "1.2.3.4.5"}) {
        BOOST_TEST(!check.allows(host), "Host '" << host << "'");
    }
}

BOOST_AUTO_TEST_CASE(listed_hosts_and_the_hosts_of_listed_origins_are_allowed) {
    const HostCheck check({"Chat.Example", "intranet.corp:8443"},
                          {"https://web.example", "http://proxy.example:8080", "*"}, "");
    for (const char* host : {"chat.example", "chat.example:7080", "intranet.corp", "web.example",
                             "proxy.example:8080"}) {
        BOOST_TEST(check.allows(host), "Host '" << host << "'");
    }
    BOOST_TEST(!check.allows("other.example"));
    BOOST_TEST(check.describe().find("chat.example") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_star_turns_the_check_off) {
    const HostCheck check({"*"}, {}, "hubbox");
    BOOST_TEST(check.allows("anything.example"));
    BOOST_TEST(check.describe() == "any");
}

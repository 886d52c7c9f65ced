// hermes-cat's command line: what is refused, and how it is worded.
#define BOOST_TEST_MODULE CatOptionsTest
#include <boost/test/unit_test.hpp>

#include <stdexcept>
#include <string>
#include <vector>

#include "CatOptions.hpp"

using namespace hermes::cat;

BOOST_AUTO_TEST_CASE(version_needs_nothing_else) {
    for (const auto& args : std::vector<std::vector<std::string>>{
             {"--version"}, {"--nick", "ana", "--version"}, {"--version", "--bogus"}}) {
        BOOST_TEST_CONTEXT(args.size() << " arguments") {
            const auto o = parseCatOptions(args);
            BOOST_REQUIRE(o);
            BOOST_TEST(o->version);
        }
    }
    BOOST_TEST(catVersion().rfind("hermes-cat ", 0) == 0u);
    BOOST_TEST(catVersion().size() > std::string("hermes-cat ").size());
    BOOST_TEST(catUsage().find("--version") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(mistakes_are_named) {
    struct Case {
        const char* name;
        std::vector<std::string> args;
        std::string error;
    };
    const std::vector<Case> cases = {
        {"unknown option", {"--bogus"}, "unknown option '--bogus' (see --help)"},
        {"unknown option after good ones",
         {"--nick", "ana", "--room", "dev", "--bogus"},
         "unknown option '--bogus' (see --help)"},
        {"value missing at the end", {"--room", "dev", "--nick"}, "missing value for --nick"},
        {"an option where the value goes", {"--nick", "--room", "dev"}, "missing value for --nick"},
    };
    for (const Case& c : cases) {
        BOOST_TEST_CONTEXT(c.name) {
            try {
                parseCatOptions(c.args);
                BOOST_ERROR("accepted");
            } catch (const std::invalid_argument& e) {
                BOOST_TEST(std::string(e.what()) == c.error);
            }
        }
    }
}

BOOST_AUTO_TEST_CASE(values_after_an_equals_sign_and_the_last_of_a_repeated_option) {
    const auto o = parseCatOptions(
        {"--nick=ana", "--room=Dev", "--host", "::1", "--port=7001", "--nick", "bob"});
    BOOST_REQUIRE(o);
    BOOST_TEST(o->nick == "bob");
    BOOST_TEST(o->room == "dev");
    BOOST_TEST(o->host == "::1");
    BOOST_TEST(o->port == 7001);
}

BOOST_AUTO_TEST_CASE(a_hub_list_in_one_host_or_several) {
    // --host a,b or --host repeated: a list, not the last one winning; a
    // hub without :PORT has --port, wherever --port comes.
    const auto o = parseCatOptions(
        {"--nick", "ana", "--room", "dev", "--host", "a:7071,[::1]", "--host=b", "--port", "7001"});
    BOOST_REQUIRE(o);
    BOOST_TEST(o->host == "a");
    BOOST_TEST(o->port == 7071);
    BOOST_TEST_REQUIRE(o->moreHubs.size() == 2u);
    BOOST_TEST(o->moreHubs[0].text() == "[::1]:7001");
    BOOST_TEST(o->moreHubs[1].text() == "b:7001");
    try {
        parseCatOptions({"--nick", "ana", "--room", "dev", "--host", "a,,b"});
        BOOST_ERROR("accepted");
    } catch (const std::invalid_argument& e) {
        BOOST_TEST(std::string(e.what()).find("empty item") != std::string::npos, e.what());
    }
}

BOOST_AUTO_TEST_CASE(help_comes_first_and_lists_every_option) {
    BOOST_TEST(!parseCatOptions({"--nick", "ana", "-h", "--bogus"}).has_value());
    BOOST_TEST(!parseCatOptions({"--help"}).has_value());
    const std::string help = catUsage();
    BOOST_TEST(help.rfind("usage: hermes-cat --nick NICK --room ROOM", 0) == 0u);
    for (const char* option : {"\n--host=H ", "\n--port=P ", "\n--nick=NICK ", "\n--room=ROOM ",
                               "\n--json ", "\n--follow ", "\n--backlog ", "\n--timeout=S ",
                               "\n--version ", "\n-h, --help ", "\nExit codes:\n"}) {
        BOOST_TEST_CONTEXT(option) {
            BOOST_TEST(help.find(option) != std::string::npos);
        }
    }
}

BOOST_AUTO_TEST_CASE(discover_needs_no_nick_or_room) {
    const auto o = parseCatOptions({"--discover", "--json"});
    BOOST_REQUIRE(o);
    BOOST_TEST(o->discover);
    BOOST_TEST(o->json);
    BOOST_TEST(o->discoverTime.count() == 2000);
    const auto longer = parseCatOptions({"--discover", "--discover-time", "0.5"});
    BOOST_REQUIRE(longer);
    BOOST_TEST(longer->discoverTime.count() == 500);
    try {
        parseCatOptions({"--discover", "--discover-time", "0"});
        BOOST_ERROR("accepted");
    } catch (const std::invalid_argument& e) {
        BOOST_TEST(std::string(e.what()) == "--discover-time wants seconds in (0, 86400], not '0'");
    }
    BOOST_TEST(catUsage().find("--discover") != std::string::npos);
}

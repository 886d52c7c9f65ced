// hermes-tui's settings file on POCO's PropertyFileConfiguration: what is
// read, what is written back, and that a rewrite keeps the other keys.
#define BOOST_TEST_MODULE ConfigTest
#include <boost/test/unit_test.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "hermes/test/TempDir.hpp"
#include "ui/Config.hpp"

using hermes::test::TempDir;
using hermes::tui::Config;

namespace {

void write(const std::string& path, const std::string& text) {
    std::ofstream(path) << text;
}

std::string read(const std::string& path) {
    std::ifstream in(path);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

}  // namespace

BOOST_AUTO_TEST_CASE(a_missing_file_is_an_empty_config) {
    const TempDir dir("hermes-tui-config");
    const Config config = Config::load(dir.file("none.conf"));
    BOOST_TEST(!config.get("nick"));
    BOOST_TEST(!Config::load(std::filesystem::path()).get("nick"));
}

BOOST_AUTO_TEST_CASE(reads_the_lines_people_write) {
    const TempDir dir("hermes-tui-config");
    write(dir.file("a.conf"),
          "# a comment\n"
          "! another\n"
          "  host = ::1  \n"
          "port:7071\n"
          "nick=ana\n"
          "room =\n"
          "ignore = bob carol\n"
          "mouse = off # not a comment: part of the value\n"
          "stray line\n");
    const Config config = Config::load(dir.file("a.conf"));
    struct Case {
        const char* key;
        std::optional<std::string> value;
    };
    const std::vector<Case> cases = {
        {"host", "::1"},
        {"port", "7071"},
        {"nick", "ana"},
        {"room", std::nullopt},  // empty is unset
        {"ignore", "bob carol"},
        {"mouse", "off # not a comment: part of the value"},
        {"stray line", std::nullopt},  // a key without a value
        {"# a comment", std::nullopt},
        {"absent", std::nullopt},
    };
    for (const Case& c : cases) {
        BOOST_TEST_CONTEXT(c.key) {
            BOOST_TEST((config.get(c.key) == c.value));
        }
    }
}

BOOST_AUTO_TEST_CASE(save_writes_every_key_and_reads_back_the_same) {
    const TempDir dir("hermes-tui-config");
    // The folder is created, as on a first start.
    const std::string path = dir.file("hermes/hermes-tui.conf");
    Config config;
    config.set("nick", "ana");
    config.set("host", "hub.lan");
    config.set("ignore", Config::joinList({"bob", "carol"}));
    config.set("odd", "back\\slash\tand ${not.expanded}");
    config.save(path);
    const std::string text = read(path);
    BOOST_TEST(text.rfind("# hermes-tui settings", 0) == 0u);
    // POCO's layout: "key: value", by key.
    BOOST_TEST(text.find("\nhost: hub.lan\nignore: bob carol\nnick: ana\nodd: ") !=
               std::string::npos);
    BOOST_TEST(!std::filesystem::exists(path + ".tmp"));

    const Config again = Config::load(path);
    BOOST_TEST(again.get("nick").value_or("") == "ana");
    BOOST_TEST(again.get("host").value_or("") == "hub.lan");
    BOOST_TEST(again.get("odd").value_or("") == "back\\slash\tand ${not.expanded}");
    BOOST_TEST((Config::splitList(again.get("ignore").value_or("")) ==
                std::vector<std::string>{"bob", "carol"}));
}

BOOST_AUTO_TEST_CASE(a_rewrite_of_one_key_keeps_the_others) {
    const TempDir dir("hermes-tui-config");
    const std::string path = dir.file("hermes-tui.conf");
    write(path, "host = hub.lan\nport = 7071\nnick = ana\nmouse = off\n");
    Config config = Config::load(path);
    config.set("nick", "ana_");
    config.save(path);
    const Config again = Config::load(path);
    BOOST_TEST(again.get("nick").value_or("") == "ana_");
    BOOST_TEST(again.get("host").value_or("") == "hub.lan");
    BOOST_TEST(again.get("port").value_or("") == "7071");
    BOOST_TEST(again.get("mouse").value_or("") == "off");
}

BOOST_AUTO_TEST_CASE(a_file_that_cannot_be_written_throws) {
    const TempDir dir("hermes-tui-config");
    write(dir.file("file"), "");
    Config config;
    config.set("nick", "ana");
    // Its folder would be a file.
    BOOST_CHECK_THROW(config.save(dir.file("file/hermes-tui.conf")), std::runtime_error);
}

BOOST_AUTO_TEST_CASE(lists_are_words) {
    BOOST_TEST((Config::splitList(" bob,carol\tdave  ") ==
                std::vector<std::string>{"bob", "carol", "dave"}));
    BOOST_TEST(Config::splitList("").empty());
    BOOST_TEST(Config::joinList({"bob", "carol"}) == "bob carol");
    BOOST_TEST(Config::joinList({}).empty());
}

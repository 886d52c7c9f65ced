// hermes-tui's command line: what is taken, what ends the reading, and what
// is refused (main() words the refusals; tui_e2e.sh's no_terminal checks them).
#define BOOST_TEST_MODULE TuiOptionsTest
#include <boost/test/unit_test.hpp>

#include <string>
#include <vector>

#include "hermes/cli/CommandLine.hpp"
#include "ui/TuiOptions.hpp"

using hermes::cli::OptionError;
using hermes::tui::parseTuiCommandLine;
using hermes::tui::TuiCommandLine;

BOOST_AUTO_TEST_CASE(values_are_kept_as_given) {
    const TuiCommandLine given = parseTuiCommandLine(
        {"--host", "::1", "--port=7001", "--nick", "ana", "--room", "dev", "--no-mouse"});
    BOOST_TEST((given.action == TuiCommandLine::Action::Run));
    BOOST_TEST(given.host.value_or("") == "::1");
    BOOST_TEST(given.port.value_or("") == "7001");
    BOOST_TEST(given.nick.value_or("") == "ana");
    BOOST_TEST(given.room.value_or("") == "dev");
    BOOST_TEST(given.noMouse);
    const TuiCommandLine none = parseTuiCommandLine({});
    BOOST_TEST(!none.host);
    BOOST_TEST(!none.port);
    BOOST_TEST(!none.nick);
    BOOST_TEST(!none.room);
    BOOST_TEST(!none.noMouse);
    // The port is text here: main() checks it.
    BOOST_TEST(parseTuiCommandLine({"--port", "x"}).port.value_or("") == "x");
}

BOOST_AUTO_TEST_CASE(a_repeated_host_is_a_hub_list) {
    // Not "the last one wins": each --host adds hubs (main() parses the list).
    const TuiCommandLine given =
        parseTuiCommandLine({"--host", "a:7070", "--host=b:7071,c", "--port", "7072"});
    BOOST_TEST(given.host.value_or("") == "a:7070,b:7071,c");
    BOOST_TEST(given.port.value_or("") == "7072");
}

BOOST_AUTO_TEST_CASE(help_and_version_end_the_reading) {
    using Action = TuiCommandLine::Action;
    BOOST_TEST((parseTuiCommandLine({"--help"}).action == Action::Help));
    BOOST_TEST((parseTuiCommandLine({"-h", "--bogus"}).action == Action::Help));
    BOOST_TEST(
        (parseTuiCommandLine({"--nick", "ana", "--version", "--nick"}).action == Action::Version));
    BOOST_CHECK_THROW(parseTuiCommandLine({"--bogus", "--help"}), OptionError);
    const std::string usage = hermes::tui::tuiUsage();
    BOOST_TEST(usage.rfind("usage: hermes-tui [--host HOST]", 0) == 0u);
    for (const char* option :
         {"\n--host=HOST ", "\n--port=PORT ", "\n--nick=NICK ", "\n--room=ROOM ", "\n--no-mouse ",
          "\n--version ", "\n-h, --help ", "hermes-tui.conf", "\nExit status: "}) {
        BOOST_TEST_CONTEXT(option) {
            BOOST_TEST(usage.find(option) != std::string::npos);
        }
    }
}

BOOST_AUTO_TEST_CASE(mistakes_say_which_option) {
    using Kind = OptionError::Kind;
    struct Case {
        std::vector<std::string> args;
        Kind kind;
        std::string argument;
    };
    const std::vector<Case> cases = {
        {{"--bogus"}, Kind::Unknown, "--bogus"},
        {{"lobby"}, Kind::Unknown, "lobby"},
        {{"--nick"}, Kind::MissingValue, "--nick"},
        {{"--nick", "--room", "dev"}, Kind::MissingValue, "--nick"},
        {{"--no-mouse=yes"}, Kind::UnexpectedValue, "--no-mouse"},
    };
    for (const Case& c : cases) {
        BOOST_TEST_CONTEXT(c.args.front()) {
            try {
                parseTuiCommandLine(c.args);
                BOOST_ERROR("accepted");
            } catch (const OptionError& e) {
                BOOST_TEST((e.kind() == c.kind));
                BOOST_TEST(e.argument() == c.argument);
            }
        }
    }
}

BOOST_AUTO_TEST_CASE(discover_is_a_switch) {
    BOOST_TEST(parseTuiCommandLine({"--discover", "--nick", "ana"}).discover);
    BOOST_TEST(!parseTuiCommandLine({"--nick", "ana"}).discover);
    BOOST_TEST(hermes::tui::tuiUsage().find("--discover") != std::string::npos);
}

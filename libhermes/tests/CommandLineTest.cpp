// hermes::cli::CommandLine: what POCO's OptionProcessor is given and what the
// programs get back, and the mistakes each one is told.
#define BOOST_TEST_MODULE CommandLineTest
#include <boost/test/unit_test.hpp>

#include <string>
#include <utility>
#include <vector>

#include "hermes/cli/CommandLine.hpp"

using hermes::cli::CommandLine;
using hermes::cli::OptionError;
using Poco::Util::Option;

namespace {

using Taken = std::vector<std::pair<std::string, std::string>>;

CommandLine sample() {
    CommandLine line("sample");
    line.add(Option("nick", "", "nick to ask for").argument("NICK"))
        .add(Option("clients", "n", "clients").argument("N"))
        .add(Option("json", "", "JSON output"))
        .add(Option("verbose", "v", "progress on stderr"))
        .add(Option("help", "h", "print this help and exit"));
    return line;
}

// Every option given, in order, until --help.
Taken parse(const std::vector<std::string>& args) {
    Taken taken;
    sample().parse(args, [&](const std::string& name, const std::string& value) {
        taken.emplace_back(name, value);
        return name != "help";
    });
    return taken;
}

}  // namespace

BOOST_AUTO_TEST_CASE(each_form_of_an_option_gives_its_name_and_value) {
    struct Case {
        const char* name;
        std::vector<std::string> args;
        Taken taken;
    };
    const std::vector<Case> cases = {
        {"nothing", {}, {}},
        {"long, value apart", {"--nick", "ana"}, {{"nick", "ana"}}},
        {"long, value after =", {"--nick=ana"}, {{"nick", "ana"}}},
        {"empty value after =", {"--nick="}, {{"nick", ""}}},
        {"short, value apart", {"-n", "5"}, {{"clients", "5"}}},
        {"short, value attached", {"-n5"}, {{"clients", "5"}}},
        {"a value that starts with one dash", {"--nick", "-x"}, {{"nick", "-x"}}},
        {"switches", {"--json", "-v"}, {{"json", ""}, {"verbose", ""}}},
        {"repeated: each in order",
         {"--nick", "ana", "-n", "1", "--nick", "bob"},
         {{"nick", "ana"}, {"clients", "1"}, {"nick", "bob"}}},
        {"stops when told, the rest unread",
         {"-v", "-h", "--bogus", "--nick"},
         {{"verbose", ""}, {"help", ""}}},
    };
    for (const Case& c : cases) {
        BOOST_TEST_CONTEXT(c.name) {
            BOOST_TEST(parse(c.args) == c.taken);
        }
    }
}

BOOST_AUTO_TEST_CASE(mistakes_are_named) {
    using Kind = OptionError::Kind;
    struct Case {
        const char* name;
        std::vector<std::string> args;
        Kind kind;
        std::string argument;
        std::string what;
    };
    const std::vector<Case> cases = {
        {"unknown long",
         {"--bogus"},
         Kind::Unknown,
         "--bogus",
         "unknown option '--bogus' (see --help)"},
        {"unknown long with a value",
         {"--bogus=1"},
         Kind::Unknown,
         "--bogus",
         "unknown option '--bogus' (see --help)"},
        {"unknown short", {"-x"}, Kind::Unknown, "-x", "unknown option '-x' (see --help)"},
        {"a prefix is not the option",
         {"--ni", "ana"},
         Kind::Unknown,
         "--ni",
         "unknown option '--ni' (see --help)"},
        {"names are matched with their case",
         {"--NICK", "ana"},
         Kind::Unknown,
         "--NICK",
         "unknown option '--NICK' (see --help)"},
        {"a word that is no option",
         {"ana"},
         Kind::Unknown,
         "ana",
         "unknown option 'ana' (see --help)"},
        {"a lone dash", {"-"}, Kind::Unknown, "-", "unknown option '-' (see --help)"},
        {"a double dash",
         {"--", "--json"},
         Kind::Unknown,
         "--",
         "unknown option '--' (see --help)"},
        {"unknown after good ones",
         {"--json", "--nick", "ana", "--bogus"},
         Kind::Unknown,
         "--bogus",
         "unknown option '--bogus' (see --help)"},
        {"value missing at the end",
         {"--json", "--nick"},
         Kind::MissingValue,
         "--nick",
         "missing value for --nick"},
        {"short value missing at the end",
         {"-n"},
         Kind::MissingValue,
         "-n",
         "missing value for -n"},
        {"an option where the value goes",
         {"--nick", "--json"},
         Kind::MissingValue,
         "--nick",
         "missing value for --nick"},
        {"a value for a switch",
         {"--json=yes"},
         Kind::UnexpectedValue,
         "--json",
         "--json takes no value (see --help)"},
        {"a value for a short switch",
         {"-vx"},
         Kind::UnexpectedValue,
         "-v",
         "-v takes no value (see --help)"},
    };
    for (const Case& c : cases) {
        BOOST_TEST_CONTEXT(c.name) {
            try {
                parse(c.args);
                BOOST_ERROR("accepted");
            } catch (const OptionError& e) {
                BOOST_TEST((e.kind() == c.kind));
                BOOST_TEST(e.argument() == c.argument);
                BOOST_TEST(std::string(e.what()) == c.what);
            }
        }
    }
}

BOOST_AUTO_TEST_CASE(what_take_throws_passes_through) {
    BOOST_CHECK_THROW(sample().parse({"--nick", "ana"},
                                     [](const std::string&, const std::string&) -> bool {
                                         throw std::invalid_argument("--nick: taken");
                                     }),
                      std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(help_is_laid_out_by_poco) {
    const std::string help =
        sample().help("[--nick NICK] [options]", "A sample.", "Exit status: 0.");
    BOOST_TEST_MESSAGE(help);
    BOOST_TEST(help.rfind("usage: sample [--nick NICK] [options]\nA sample.\n\n", 0) == 0u);
    BOOST_TEST(help.find("\n--nick=NICK ") != std::string::npos);
    BOOST_TEST(help.find("\n-nN, --clients=N ") != std::string::npos);
    BOOST_TEST(help.find("\n-h, --help ") != std::string::npos);
    // Descriptions start in one column.
    const auto column = [&](const std::string& text) {
        const auto at = help.find(text);
        return at - help.rfind('\n', at) - 1;
    };
    BOOST_TEST(column("nick to ask for") == column("print this help and exit"));
    BOOST_TEST(help.size() >= std::string("\nExit status: 0.\n").size());
    BOOST_TEST(help.compare(help.size() - 17, 17, "\nExit status: 0.\n") == 0);
}

#define BOOST_TEST_MODULE CommandParserTest
#include "model/CommandParser.hpp"

#include <algorithm>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include <boost/test/data/monomorphic.hpp>
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

using hermes::tui::CommandKind;
using hermes::tui::CommandParser;

namespace {

struct Case {
    const char* input;
    CommandKind kind;
    const char* arg;
    const char* text;
    int number;
    bool isError;  // Invalid: an error line
};

std::ostream& operator<<(std::ostream& os, const Case& c) {
    return os << '"' << c.input << '"';
}

const Case kCases[] = {
    {"", CommandKind::None, "", "", 0, false},
    {"   ", CommandKind::None, "", "", 0, false},
    {"hello there", CommandKind::Say, "", "hello there", 0, false},
    {"//not a command", CommandKind::Say, "", "/not a command", 0, false},
    {"/join lobby", CommandKind::Join, "lobby", "", 0, false},
    {"/JOIN  #Dev ", CommandKind::Join, "#Dev", "", 0, false},
    {"/join", CommandKind::Invalid, "join", "", 0, true},
    {"/join a b", CommandKind::Invalid, "join", "", 0, true},
    {"/part", CommandKind::Part, "", "", 0, false},
    {"/part dev bye all", CommandKind::Part, "dev", "bye all", 0, false},
    {"/nick ana", CommandKind::Nick, "ana", "", 0, false},
    {"/nick", CommandKind::Invalid, "nick", "", 0, true},
    {"/msg bob hi bob", CommandKind::Msg, "bob", "hi bob", 0, false},
    {"/msg bob", CommandKind::Invalid, "msg", "", 0, true},
    {"/me waves", CommandKind::Me, "", "waves", 0, false},
    {"/me", CommandKind::Invalid, "me", "", 0, true},
    {"/who", CommandKind::Who, "", "", 0, false},
    {"/who dev", CommandKind::Who, "dev", "", 0, false},
    {"/who dev x", CommandKind::Invalid, "who", "", 0, true},
    {"/rooms", CommandKind::Rooms, "", "", 0, false},
    {"/rooms x", CommandKind::Invalid, "rooms", "", 0, true},
    {"/topic", CommandKind::Topic, "", "", 0, false},
    {"/topic new topic", CommandKind::Topic, "", "new topic", 0, false},
    {"/clear", CommandKind::Clear, "", "", 0, false},
    {"/help", CommandKind::Help, "", "", 0, false},
    {"/help /join", CommandKind::Help, "join", "", 0, false},
    {"/help join", CommandKind::Help, "join", "", 0, false},
    {"/help J", CommandKind::Help, "join", "", 0, false},
    {"/help /exit", CommandKind::Help, "quit", "", 0, false},
    {"/help frob", CommandKind::Invalid, "", "", 0, true},
    {"/help join part", CommandKind::Invalid, "help", "", 0, true},
    {"/quit", CommandKind::Quit, "", "", 0, false},
    {"/quit gone fishing", CommandKind::Quit, "", "gone fishing", 0, false},
    {"/window 3", CommandKind::Window, "", "", 3, false},
    {"/window 0", CommandKind::Invalid, "window", "", 0, true},
    {"/window x", CommandKind::Invalid, "window", "", 0, true},
    {"/window 2x", CommandKind::Invalid, "window", "", 0, true},
    {"/members", CommandKind::Members, "", "", 0, false},
    {"/search deploy failed", CommandKind::Search, "", "deploy failed", 0, false},
    {"/SEARCH  #Ops  deploy  ", CommandKind::Search, "#Ops", "deploy", 0, false},
    {"/search", CommandKind::Invalid, "search", "", 0, true},
    {"/search #ops", CommandKind::Invalid, "search", "", 0, true},
    {"/search-more", CommandKind::SearchMore, "", "", 0, false},
    {"/search-more x", CommandKind::Invalid, "search-more", "", 0, true},
    {"/context 2", CommandKind::Context, "", "", 2, false},
    {"/context", CommandKind::Invalid, "context", "", 0, true},
    {"/context 0", CommandKind::Invalid, "context", "", 0, true},
    {"/context x1", CommandKind::Invalid, "context", "", 0, true},
    {"/frobnicate now", CommandKind::Invalid, "", "", 0, true},
    {"/", CommandKind::Invalid, "", "", 0, true},
    // Aliases from irssi and WeeChat habits.
    {"/j #dev", CommandKind::Join, "#dev", "", 0, false},
    {"/J", CommandKind::Invalid, "join", "", 0, true},
    {"/leave", CommandKind::Part, "", "", 0, false},
    {"/leave dev later", CommandKind::Part, "dev", "later", 0, false},
    {"/names", CommandKind::Who, "", "", 0, false},
    {"/names ops", CommandKind::Who, "ops", "", 0, false},
    {"/list", CommandKind::Rooms, "", "", 0, false},
    {"/win 2", CommandKind::Window, "", "", 2, false},
    {"/win", CommandKind::Invalid, "window", "", 0, true},
    {"/exit", CommandKind::Quit, "", "", 0, false},
    {"/exit bye now", CommandKind::Quit, "", "bye now", 0, false},
    // New commands.
    {"/query bob", CommandKind::Query, "bob", "", 0, false},
    {"/query bob are you there?", CommandKind::Query, "bob", "are you there?", 0, false},
    {"/query", CommandKind::Invalid, "query", "", 0, true},
    {"/close", CommandKind::Close, "", "", 0, false},
    {"/close now", CommandKind::Invalid, "close", "", 0, true},
    {"/ignore", CommandKind::Ignore, "", "", 0, false},
    {"/ignore Bob", CommandKind::Ignore, "Bob", "", 0, false},
    {"/ignore bob carol", CommandKind::Invalid, "ignore", "", 0, true},
    {"/unignore bob", CommandKind::Unignore, "bob", "", 0, false},
    {"/unignore", CommandKind::Invalid, "unignore", "", 0, true},
    {"/whois bob", CommandKind::Whois, "bob", "", 0, false},
    {"/whois", CommandKind::Invalid, "whois", "", 0, true},
    {"/whois bob carol", CommandKind::Invalid, "whois", "", 0, true},
    {"/away", CommandKind::Away, "", "", 0, false},
    {"/away gone to lunch", CommandKind::Away, "", "gone to lunch", 0, false},
};

}  // namespace

BOOST_DATA_TEST_CASE(parses_each_line, boost::unit_test::data::make(kCases), c) {
    const auto cmd = CommandParser::parse(c.input);
    BOOST_TEST(static_cast<int>(cmd.kind) == static_cast<int>(c.kind));
    BOOST_TEST(cmd.arg == c.arg);
    if (c.kind != CommandKind::Invalid) {
        BOOST_TEST(cmd.text == c.text);
    }
    BOOST_TEST(cmd.number == c.number);
    BOOST_TEST(cmd.error.empty() == !c.isError);
}

BOOST_AUTO_TEST_CASE(unknown_command_is_one_line_and_never_text) {
    const std::pair<const char*, const char*> cases[] = {
        {"/jion lobby", "unknown command /jion; /help lists them"},
        {"/JION", "unknown command /JION; /help lists them"},
        {"/help jion", "unknown command /jion; /help lists them"},
        {"/help /jion", "unknown command /jion; /help lists them"},
    };
    for (const auto& [line, error] : cases) {
        BOOST_TEST_CONTEXT(line) {
            const auto cmd = CommandParser::parse(line);
            BOOST_TEST(static_cast<int>(cmd.kind) == static_cast<int>(CommandKind::Invalid));
            BOOST_TEST(cmd.error == error);
            BOOST_TEST(cmd.text.empty());
        }
    }
}

BOOST_AUTO_TEST_CASE(missing_arguments_say_the_commands_usage_line) {
    struct Usage {
        const char* line;
        const char* error;
    };
    const Usage cases[] = {
        {"/join", "usage: /join <room>"},
        {"/j", "usage: /join <room>"},
        {"/msg bob", "usage: /msg <nick> <text>"},
        {"/query", "usage: /query <nick> [text]"},
        {"/whois", "usage: /whois <nick>"},
        {"/unignore", "usage: /unignore <nick>"},
        {"/win x", "usage: /window <n>"},
        {"/search", "usage: /search [#room] <words>"},
        {"/clear all", "/clear takes no arguments"},
    };
    for (const Usage& u : cases) {
        BOOST_TEST_CONTEXT(u.line) {
            BOOST_TEST(CommandParser::parse(u.line).error == u.error);
        }
    }
}

BOOST_AUTO_TEST_CASE(help_for_one_command_by_name_or_alias) {
    const auto join = CommandParser::helpFor("join");
    BOOST_TEST_REQUIRE(join.has_value());
    BOOST_TEST(join->front().rfind("/join <room>", 0) == 0);
    BOOST_TEST(join->front().find("join (or create) a room (also /j)") != std::string::npos);
    BOOST_TEST((CommandParser::helpFor("/J") == join));
    BOOST_TEST((CommandParser::helpFor("j") == join));
    const auto part = CommandParser::helpFor("leave");
    BOOST_TEST_REQUIRE(part.has_value());
    BOOST_TEST(part->front().find("(also /leave)") != std::string::npos);
    const auto close = CommandParser::helpFor("close");
    BOOST_TEST_REQUIRE(close.has_value());
    BOOST_TEST(close->size() > 1u);  // says what it does in a room
    BOOST_TEST(!CommandParser::helpFor("frob").has_value());
    BOOST_TEST(!CommandParser::helpFor("").has_value());
}

// "HH:MM -- " takes 9 columns: every help line fits an 80-column window.
BOOST_AUTO_TEST_CASE(help_lines_fit_an_80_column_window) {
    std::vector<std::string> all = CommandParser::helpLines();
    for (const std::string& name : CommandParser::commandNames()) {
        const auto one = CommandParser::helpFor(name);
        BOOST_TEST_REQUIRE(one.has_value(), name);
        all.insert(all.end(), one->begin(), one->end());
    }
    for (const std::string& line : all) {
        BOOST_TEST(line.size() <= 71u, line);
    }
}

BOOST_AUTO_TEST_CASE(command_names_are_sorted_and_complete) {
    const auto& names = CommandParser::commandNames();
    BOOST_TEST(names.size() == 47u);
    for (const char* name :
         {"/search", "/context",  "/query",    "/close",    "/ignore", "/unignore", "/whois",
          "/away",   "/retry",    "/kick",     "/ban",      "/unban",  "/bans",     "/mute",
          "/unmute", "/op",       "/deop",     "/invite",   "/mode",   "/gban",     "/gunban",
          "/gbans",  "/register", "/identify", "/password", "/upload", "/download", "/reply",
          "/edit",   "/delete",   "/react",    "/unreact",  "/seqs"}) {
        BOOST_TEST(std::count(names.begin(), names.end(), name) == 1, name);
    }
    BOOST_TEST(std::count(names.begin(), names.end(), "/j") == 0);  // aliases do not complete
    BOOST_TEST(std::is_sorted(names.begin(), names.end()));
    BOOST_TEST(names.front() == "/away");
    const auto help = CommandParser::helpLines();
    BOOST_TEST(help.size() >= names.size());
    // Every command has its line, in order, and the summaries line up.
    const std::size_t column = help.front().find("mark yourself away");
    BOOST_TEST_REQUIRE(column != std::string::npos);
    for (std::size_t i = 0; i < names.size(); ++i) {
        BOOST_TEST(help[i].rfind(names[i] + " ", 0) == 0, help[i]);
        BOOST_TEST_REQUIRE(help[i].size() > column);
        BOOST_TEST((help[i][column - 1] == ' ' && help[i][column] != ' '), help[i]);
    }
}

BOOST_AUTO_TEST_CASE(reply_edit_delete_and_react_take_a_seq) {
    struct Case {
        const char* line;
        CommandKind kind;
        std::uint64_t seq;
        const char* text;
    };
    const Case cases[] = {
        {"/reply 12 sure", CommandKind::Reply, 12, "sure"},
        {"/reply sure thing", CommandKind::Reply, 0, "sure thing"},
        {"/reply 42", CommandKind::Reply, 0, "42"},  // a number alone is the text
        {"/edit 7 fixed it", CommandKind::Edit, 7, "fixed it"},
        {"/delete 7", CommandKind::Delete, 7, ""},
        {"/react 3 +1", CommandKind::React, 3, "+1"},
        {"/react \xF0\x9F\x91\x8D", CommandKind::React, 0, "\xF0\x9F\x91\x8D"},
        {"/unreact 3 +1", CommandKind::Unreact, 3, "+1"},
        {"/unreact +1", CommandKind::Unreact, 0, "+1"},
    };
    for (const Case& c : cases) {
        BOOST_TEST_CONTEXT(c.line) {
            const hermes::tui::Command got = CommandParser::parse(c.line);
            BOOST_TEST((got.kind == c.kind));
            BOOST_TEST(got.seq == c.seq);
            BOOST_TEST(got.text == c.text);
        }
    }
    for (const char* bad :
         {"/reply", "/edit", "/edit 7", "/edit x text", "/edit 0 text", "/delete", "/delete x",
          "/delete 7 now", "/react", "/react 3 two words", "/unreact", "/seqs on"}) {
        BOOST_TEST_CONTEXT(bad) {
            const hermes::tui::Command got = CommandParser::parse(bad);
            BOOST_TEST((got.kind == CommandKind::Invalid));
            BOOST_TEST(!got.error.empty());
        }
    }
    BOOST_TEST((CommandParser::parse("/seqs").kind == CommandKind::Seqs));
}

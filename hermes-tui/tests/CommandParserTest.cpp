#define BOOST_TEST_MODULE CommandParserTest
#include "model/CommandParser.hpp"

#include <algorithm>
#include <ostream>

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
    bool isError;  // Help shown because of a mistake
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
    {"/join", CommandKind::Help, "join", "", 0, true},
    {"/join a b", CommandKind::Help, "join", "", 0, true},
    {"/part", CommandKind::Part, "", "", 0, false},
    {"/part dev bye all", CommandKind::Part, "dev", "bye all", 0, false},
    {"/nick ana", CommandKind::Nick, "ana", "", 0, false},
    {"/nick", CommandKind::Help, "nick", "", 0, true},
    {"/msg bob hi bob", CommandKind::Msg, "bob", "hi bob", 0, false},
    {"/msg bob", CommandKind::Help, "msg", "", 0, true},
    {"/me waves", CommandKind::Me, "", "waves", 0, false},
    {"/me", CommandKind::Help, "me", "", 0, true},
    {"/who", CommandKind::Who, "", "", 0, false},
    {"/who dev", CommandKind::Who, "dev", "", 0, false},
    {"/rooms", CommandKind::Rooms, "", "", 0, false},
    {"/rooms x", CommandKind::Help, "rooms", "", 0, true},
    {"/topic", CommandKind::Topic, "", "", 0, false},
    {"/topic new topic", CommandKind::Topic, "", "new topic", 0, false},
    {"/clear", CommandKind::Clear, "", "", 0, false},
    {"/help", CommandKind::Help, "", "", 0, false},
    {"/help /join", CommandKind::Help, "join", "", 0, false},
    {"/quit", CommandKind::Quit, "", "", 0, false},
    {"/quit gone fishing", CommandKind::Quit, "", "gone fishing", 0, false},
    {"/window 3", CommandKind::Window, "", "", 3, false},
    {"/window 0", CommandKind::Help, "window", "", 0, true},
    {"/window x", CommandKind::Help, "window", "", 0, true},
    {"/window 2x", CommandKind::Help, "window", "", 0, true},
    {"/members", CommandKind::Members, "", "", 0, false},
    {"/search deploy failed", CommandKind::Search, "", "deploy failed", 0, false},
    {"/SEARCH  #Ops  deploy  ", CommandKind::Search, "#Ops", "deploy", 0, false},
    {"/search", CommandKind::Help, "search", "", 0, true},
    {"/search #ops", CommandKind::Help, "search", "", 0, true},
    {"/search-more", CommandKind::SearchMore, "", "", 0, false},
    {"/search-more x", CommandKind::Help, "search-more", "", 0, true},
    {"/context 2", CommandKind::Context, "", "", 2, false},
    {"/context", CommandKind::Help, "context", "", 0, true},
    {"/context 0", CommandKind::Help, "context", "", 0, true},
    {"/context x1", CommandKind::Help, "context", "", 0, true},
    {"/frobnicate now", CommandKind::Help, "", "", 0, true},
    {"/", CommandKind::Help, "", "", 0, true},
};

}  // namespace

BOOST_DATA_TEST_CASE(parses_each_line, boost::unit_test::data::make(kCases), c) {
    const auto cmd = CommandParser::parse(c.input);
    BOOST_TEST(static_cast<int>(cmd.kind) == static_cast<int>(c.kind));
    BOOST_TEST(cmd.arg == c.arg);
    if (c.kind != CommandKind::Help) {
        BOOST_TEST(cmd.text == c.text);
    }
    BOOST_TEST(cmd.number == c.number);
    BOOST_TEST(cmd.error.empty() == !c.isError);
}

BOOST_AUTO_TEST_CASE(unknown_command_is_never_text) {
    const auto cmd = CommandParser::parse("/jion lobby");
    BOOST_TEST(static_cast<int>(cmd.kind) == static_cast<int>(CommandKind::Help));
    BOOST_TEST(cmd.error.find("/jion") != std::string::npos);
    BOOST_TEST(cmd.text.empty());
}

BOOST_AUTO_TEST_CASE(command_names_are_sorted_and_complete) {
    const auto& names = CommandParser::commandNames();
    BOOST_TEST(names.size() == 16u);
    BOOST_TEST(std::count(names.begin(), names.end(), "/search") == 1);
    BOOST_TEST(std::count(names.begin(), names.end(), "/context") == 1);
    BOOST_TEST(std::is_sorted(names.begin(), names.end()));
    BOOST_TEST(names.front() == "/clear");
    BOOST_TEST(CommandParser::helpLines().size() >= names.size());
}

#define BOOST_TEST_MODULE CompletionTest
#include "model/Completion.hpp"

#include <boost/test/unit_test.hpp>

#include "model/CommandParser.hpp"

using hermes::tui::CommandParser;
using hermes::tui::Completion;
using hermes::tui::LineEditor;

namespace {
const std::vector<std::string> kNicks = {"bob", "Bertha", "alice", "bobby"};
}

BOOST_AUTO_TEST_CASE(first_word_nick_gets_a_colon) {
    LineEditor e;
    e.insert("al");
    Completion c;
    BOOST_TEST(c.complete(e, kNicks, CommandParser::commandNames()));
    BOOST_TEST(e.text() == "alice: ");
    BOOST_TEST(e.cursor() == e.text().size());
}

BOOST_AUTO_TEST_CASE(later_word_nick_gets_a_space_and_tab_cycles) {
    LineEditor e;
    e.insert("hi b");
    Completion c;
    c.complete(e, kNicks, {});
    BOOST_TEST(e.text() == "hi Bertha ");  // sorted: "Bertha" < "bob" < "bobby"
    c.complete(e, kNicks, {});
    BOOST_TEST(e.text() == "hi bob ");
    c.complete(e, kNicks, {});
    BOOST_TEST(e.text() == "hi bobby ");
    c.complete(e, kNicks, {});
    BOOST_TEST(e.text() == "hi Bertha ");
}

BOOST_AUTO_TEST_CASE(prefix_match_ignores_case) {
    LineEditor e;
    e.insert("x BER");
    Completion c;
    BOOST_TEST(c.complete(e, kNicks, {}));
    BOOST_TEST(e.text() == "x Bertha ");
}

BOOST_AUTO_TEST_CASE(commands_complete_at_the_start_only) {
    LineEditor e;
    e.insert("/jo");
    Completion c;
    BOOST_TEST(c.complete(e, kNicks, CommandParser::commandNames()));
    BOOST_TEST(e.text() == "/join ");

    LineEditor mid;
    mid.insert("say /jo");
    Completion c2;
    BOOST_TEST(!c2.complete(mid, kNicks, CommandParser::commandNames()));
    BOOST_TEST(mid.text() == "say /jo");
}

BOOST_AUTO_TEST_CASE(search_commands_complete) {
    for (const auto& [typed, expected] :
         {std::pair{"/sea", "/search "}, std::pair{"/con", "/context "}}) {
        BOOST_TEST_CONTEXT(typed) {
            LineEditor e;
            e.insert(typed);
            Completion c;
            BOOST_TEST(c.complete(e, kNicks, CommandParser::commandNames()));
            BOOST_TEST(e.text() == expected);
        }
    }
}

BOOST_AUTO_TEST_CASE(no_match_leaves_the_line) {
    LineEditor e;
    e.insert("zz");
    Completion c;
    BOOST_TEST(!c.complete(e, kNicks, {}));
    BOOST_TEST(e.text() == "zz");
    BOOST_TEST(!c.active());
}

BOOST_AUTO_TEST_CASE(completes_in_the_middle_of_the_line) {
    LineEditor e;
    e.insert("hi al how are you");
    for (int i = 0; i < 12; ++i) {
        e.left();
    }
    Completion c;
    BOOST_TEST(c.complete(e, kNicks, {}));
    BOOST_TEST(e.text() == "hi alice  how are you");
}

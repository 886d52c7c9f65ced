// SearchQuery: splitting, the FTS5 form, the substring fallback, and matches() agreeing
// with a real FTS5 index over ASCII texts (the rule SqliteHistory uses for
// messages not yet indexed).
#define BOOST_TEST_MODULE search_query
#include <boost/test/unit_test.hpp>

#include <set>
#include <string>
#include <vector>

#include <Poco/Data/SQLite/Connector.h>
#include <Poco/Data/Session.h>

#include "hermes/hub/SearchQuery.hpp"

using hermes::hub::SearchQuery;
using namespace Poco::Data::Keywords;

BOOST_AUTO_TEST_CASE(words_are_split_at_whitespace_and_capped) {
    BOOST_TEST(SearchQuery("  red\tfox \n").words() == (std::vector<std::string>{"red", "fox"}),
               boost::test_tools::per_element());
    BOOST_TEST(SearchQuery("   ").empty());
    BOOST_TEST(SearchQuery("a b c d e f g h i j").words().size() == SearchQuery::kMaxWords);
}

BOOST_AUTO_TEST_CASE(fts_expression_quotes_every_word) {
    BOOST_TEST(SearchQuery("red \"fox\" a*b").ftsExpression() == "\"red\" \"\"\"fox\"\"\" \"a*b\"");
}

// The fallback without FTS5: substrings, as SQL's LIKE took them (its
// wildcards are plain characters here).
BOOST_AUTO_TEST_CASE(contains_every_word_as_an_ascii_case_insensitive_substring) {
    BOOST_TEST(SearchQuery("RED fox").containsEveryWord("a redundant Fox"));
    BOOST_TEST(!SearchQuery("red fox").containsEveryWord("a red whale"));
    BOOST_TEST(SearchQuery("50% a_b").containsEveryWord("a_b at 50%"));
    BOOST_TEST(!SearchQuery("50%").containsEveryWord("500"));
    BOOST_TEST(!SearchQuery("   ").containsEveryWord("anything"));
}

BOOST_AUTO_TEST_CASE(matches_tokens_case_insensitively_and_in_sequence) {
    BOOST_TEST(SearchQuery("FOX").matches("the red fox."));
    BOOST_TEST(!SearchQuery("fo").matches("the red fox"));
    BOOST_TEST(SearchQuery("red-fox").matches("a Red fox"));
    BOOST_TEST(!SearchQuery("fox-red").matches("a red fox"));
    BOOST_TEST(SearchQuery("fox red").matches("a red fox"));
    BOOST_TEST(!SearchQuery("fox whale").matches("a red fox"));
    BOOST_TEST(!SearchQuery("!!!").matches("wow!!!"));
    BOOST_TEST(SearchQuery("!!! wow").matches("wow!!!"));
    BOOST_TEST(SearchQuery("日本").matches("今日 日本 語"));
}

// Every query over every text: the FTS5 index and matches() find the same rows.
BOOST_AUTO_TEST_CASE(matches_agrees_with_fts5_on_ascii_text) {
    Poco::Data::SQLite::Connector::registerConnector();
    Poco::Data::Session db("SQLite", ":memory:");
    try {
        db << "CREATE VIRTUAL TABLE t USING fts5(text)", now;
    } catch (const Poco::Exception& error) {
        BOOST_TEST_MESSAGE("no FTS5 in this SQLite, nothing to compare: " << error.displayText());
        return;
    }
    const std::vector<std::string> texts = {"the red fox",
                                            "Red, FOX! jumps",
                                            "fox_red and shy",
                                            "redundant \"quote\" fox",
                                            "e-mail me at a.b",
                                            "x!!!y",
                                            "50% off at 9am",
                                            "C++ and C# (and C)",
                                            "don't stop",
                                            "tab\tseparated\twords",
                                            "",
                                            "   spaces   ",
                                            "MiXeD CaSe WoRdS",
                                            "a1b2 c3",
                                            "end.",
                                            "re-d fox-es"};
    for (const std::string& text : texts) {
        std::string value = text;
        db << "INSERT INTO t(text) VALUES (?)", use(value), now;
    }
    const std::vector<std::string> queries = {
        "red", "fox red", "RED FOX", "red-fox", "fox!",   "\"quote\"", "e-mail", "a.b",
        "x",   "y x",     "50%",     "9am",     "c++",    "c#",        "don't",  "don",
        "t",   "words",   "case",    "a1b2",    "b2",     "end",       "re d",   "es",
        "!!!", "!!! fox", "jumps",   "_",       "fox_red"};
    for (const std::string& text : queries) {
        BOOST_TEST_CONTEXT("query " << text) {
            const SearchQuery query(text);
            std::vector<Poco::Int64> rows;
            std::string match = query.ftsExpression();
            db << "SELECT rowid FROM t WHERE t MATCH ? ORDER BY rowid", use(match), into(rows), now;
            std::set<Poco::Int64> fromFts(rows.begin(), rows.end());
            std::set<Poco::Int64> fromMatches;
            for (std::size_t i = 0; i < texts.size(); ++i) {
                if (query.matches(texts[i])) {
                    fromMatches.insert(static_cast<Poco::Int64>(i + 1));
                }
            }
            BOOST_TEST(fromMatches == fromFts, boost::test_tools::per_element());
        }
    }
}

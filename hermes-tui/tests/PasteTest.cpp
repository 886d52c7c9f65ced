// The socket-free parts of a paste: how its text splits into the lines it
// would send, how byte counts are written, and how a pasted Tab is drawn.
#define BOOST_TEST_MODULE PasteTest
#include "model/Paste.hpp"

#include <boost/test/unit_test.hpp>

#include <string>
#include <vector>

#include "TestLocale.hpp"
#include "model/Utf8.hpp"
#include "ui/TextGrid.hpp"

using namespace hermes::tui;
using hermes::tui::test::Utf8Locale;

BOOST_TEST_GLOBAL_FIXTURE(Utf8Locale);

BOOST_AUTO_TEST_CASE(split_lines_at_any_line_break) {
    struct Case {
        const char* name;
        std::string text;
        std::vector<std::string> lines;
    };
    const std::vector<Case> cases = {
        {"one line", "hello", {"hello"}},
        {"empty", "", {""}},
        {"CR (what terminals paste)", "a\rb\rc", {"a", "b", "c"}},
        {"LF", "a\nb", {"a", "b"}},
        {"CR LF is one break", "a\r\nb", {"a", "b"}},
        {"LF CR is two", "a\n\rb", {"a", "", "b"}},
        {"one break at the end makes no extra line", "a\rb\r", {"a", "b"}},
        {"a single line with its break", "hello\n", {"hello"}},
        {"two breaks at the end keep one empty line", "a\r\r", {"a", ""}},
        {"blank lines inside are kept", "a\r\rb", {"a", "", "b"}},
        {"Tabs are kept", "a\tb\rc\t", {"a\tb", "c\t"}},
        {"other control characters are left out", "a\x01\x1b[31mb\x7f", {"a[31mb"}},
        {"UTF-8 is kept", "日本\r😀", {"日本", "😀"}},
    };
    for (const Case& c : cases) {
        BOOST_TEST_CONTEXT(c.name) {
            BOOST_TEST(paste::splitLines(c.text) == c.lines, boost::test_tools::per_element());
        }
    }
}

BOOST_AUTO_TEST_CASE(byte_counts_are_grouped_by_thousands) {
    const std::vector<std::pair<std::size_t, std::string>> cases = {
        {0, "0"},        {999, "999"},        {1000, "1,000"},        {4096, "4,096"},
        {5120, "5,120"}, {123456, "123,456"}, {1048576, "1,048,576"},
    };
    for (const auto& [n, text] : cases) {
        BOOST_TEST_CONTEXT(n) {
            BOOST_TEST(paste::groupDigits(n) == text);
        }
    }
}

BOOST_AUTO_TEST_CASE(a_tab_takes_one_column_and_is_drawn_as_a_space) {
    BOOST_TEST(utf8::charWidth('\t') == 1);
    BOOST_TEST(utf8::displayWidth("a\tb") == 3);
    TextGrid grid(1, 10);
    BOOST_TEST(grid.put(0, 0, "a\tb|", Style{}, 10) == 4);
    BOOST_TEST(grid.row(0) == "a b|");
}

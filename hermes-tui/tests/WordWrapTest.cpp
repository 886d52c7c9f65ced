#define BOOST_TEST_MODULE WordWrapTest
#include "model/WordWrap.hpp"

#include <boost/test/unit_test.hpp>

#include "TestLocale.hpp"
#include "model/Utf8.hpp"

using hermes::tui::wordWrap;
namespace utf8 = hermes::tui::utf8;

using hermes::tui::test::Utf8Locale;
BOOST_TEST_GLOBAL_FIXTURE(Utf8Locale);

BOOST_AUTO_TEST_CASE(breaks_at_spaces) {
    const auto rows = wordWrap("the quick brown fox", 10);
    BOOST_REQUIRE(rows.size() == 2u);
    BOOST_TEST(rows[0] == "the quick");
    BOOST_TEST(rows[1] == "brown fox");
}

BOOST_AUTO_TEST_CASE(short_text_is_one_row) {
    BOOST_TEST(wordWrap("hi", 10).size() == 1u);
    BOOST_TEST(wordWrap("", 10).size() == 1u);
}

BOOST_AUTO_TEST_CASE(long_words_are_cut_between_characters) {
    const auto rows = wordWrap("abcdefghij", 4);
    BOOST_REQUIRE(rows.size() == 3u);
    BOOST_TEST(rows[0] == "abcd");
    BOOST_TEST(rows[2] == "ij");
}

BOOST_AUTO_TEST_CASE(wide_characters_count_two_columns) {
    // 6 CJK characters = 12 columns, at width 5: 2 per row (4 columns).
    const auto rows = wordWrap("日本語日本語", 5);
    BOOST_REQUIRE(rows.size() == 3u);
    for (const auto& r : rows) {
        BOOST_TEST(utf8::displayWidth(r) <= 5);
        BOOST_TEST((r == "日本" || r == "語日" || r == "本語"));
    }
}

BOOST_AUTO_TEST_CASE(emoji_never_straddles_the_edge) {
    const auto rows = wordWrap("abc\xF0\x9F\x98\x80", 4);
    BOOST_REQUIRE(rows.size() == 2u);
    BOOST_TEST(rows[0] == "abc");
    BOOST_TEST(rows[1] == "\xF0\x9F\x98\x80");
}

BOOST_AUTO_TEST_CASE(every_row_fits_for_every_width) {
    const std::string text = "mixed 日本語 text with 😀 emoji and longwordlongwordlongword end";
    for (int width = 1; width <= 30; ++width) {
        BOOST_TEST_CONTEXT("width " << width) {
            for (const auto& r : wordWrap(text, width)) {
                // Width 1 cannot hold a wide character; it gets a row alone.
                BOOST_TEST(utf8::displayWidth(r) <= std::max(width, 2));
            }
        }
    }
}

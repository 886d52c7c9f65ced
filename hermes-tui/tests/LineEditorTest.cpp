#define BOOST_TEST_MODULE LineEditorTest
#include "model/LineEditor.hpp"

#include <boost/test/unit_test.hpp>

#include <string>
#include <vector>

#include "TestLocale.hpp"
#include "model/Utf8.hpp"

using hermes::tui::LineEditor;
namespace utf8 = hermes::tui::utf8;

using hermes::tui::test::Utf8Locale;
BOOST_TEST_GLOBAL_FIXTURE(Utf8Locale);

namespace {
LineEditor typed(const std::string& text) {
    LineEditor e;
    e.insert(text);
    return e;
}
}  // namespace

BOOST_AUTO_TEST_CASE(display_width_counts_wide_characters_twice) {
    BOOST_TEST(utf8::displayWidth("abc") == 3);
    BOOST_TEST(utf8::displayWidth("日本語") == 6);
    BOOST_TEST(utf8::displayWidth("\xF0\x9F\x98\x80") == 2);  // 😀
    BOOST_TEST(utf8::displayWidth("e\xCC\x81") == 1);         // e + combining acute
    BOOST_TEST(utf8::displayWidth("é") == 1);
}

BOOST_AUTO_TEST_CASE(invalid_utf8_decodes_as_replacement_without_overrun) {
    const std::string bad = "a\xE6\x97";  // truncated 3-byte sequence at the end
    std::size_t len = 0;
    BOOST_TEST(static_cast<unsigned>(utf8::decode(bad, 1, len)) == 0xFFFDu);
    BOOST_TEST(len == 1u);
    BOOST_TEST(utf8::next(bad, 1) == 2u);
}

BOOST_AUTO_TEST_CASE(cursor_moves_by_whole_characters) {
    LineEditor e = typed("a日😀b");
    BOOST_TEST(e.cursor() == e.text().size());
    BOOST_TEST(e.cursorColumn() == 6);
    e.left();  // over b
    BOOST_TEST(e.cursorColumn() == 5);
    e.left();  // over the emoji: 4 bytes, 2 columns
    BOOST_TEST(e.cursor() == 4u);
    BOOST_TEST(e.cursorColumn() == 3);
    e.left();
    BOOST_TEST(e.cursor() == 1u);
    BOOST_TEST(e.cursorColumn() == 1);
    e.right();
    BOOST_TEST(e.cursor() == 4u);
}

BOOST_AUTO_TEST_CASE(combining_mark_moves_with_its_base) {
    LineEditor e = typed("xe\xCC\x81y");
    e.left();
    e.left();
    BOOST_TEST(e.cursor() == 1u);  // before "e" + mark, not between them
    e.del();
    BOOST_TEST(e.text() == "xy");
}

BOOST_AUTO_TEST_CASE(backspace_and_delete_remove_one_character) {
    LineEditor e = typed("日本語");
    e.backspace();
    BOOST_TEST(e.text() == "日本");
    e.home();
    e.del();
    BOOST_TEST(e.text() == "本");
    BOOST_TEST(e.cursor() == 0u);
    e.backspace();  // at the start: nothing
    BOOST_TEST(e.text() == "本");
}

BOOST_AUTO_TEST_CASE(insert_in_the_middle_and_home_end) {
    LineEditor e = typed("hllo");
    e.home();
    e.right();
    e.insert(U'e');
    BOOST_TEST(e.text() == "hello");
    BOOST_TEST(e.cursor() == 2u);
    e.end();
    BOOST_TEST(e.cursor() == 5u);
    e.insert(U'\x01');  // control characters are refused
    BOOST_TEST(e.text() == "hello");
}

BOOST_AUTO_TEST_CASE(kill_commands) {
    LineEditor e = typed("one two three");
    e.wordLeft();
    BOOST_TEST(e.cursor() == 8u);
    e.killToEnd();
    BOOST_TEST(e.text() == "one two ");
    e.killWordBack();
    BOOST_TEST(e.text() == "one ");
    e.insert("x");
    e.home();
    e.wordRight();
    BOOST_TEST(e.cursor() == 3u);
    e.killToStart();
    BOOST_TEST(e.text() == " x");
    BOOST_TEST(e.cursor() == 0u);
}

BOOST_AUTO_TEST_CASE(word_moves_over_wide_words) {
    LineEditor e = typed("日本 語😀");
    e.wordLeft();
    BOOST_TEST(e.cursorColumn() == 5);
    e.wordLeft();
    BOOST_TEST(e.cursor() == 0u);
    e.wordRight();
    BOOST_TEST(e.cursorColumn() == 4);
}

BOOST_AUTO_TEST_CASE(history_up_down_keeps_the_draft) {
    LineEditor e;
    e.insert("first");
    BOOST_TEST(e.submit() == "first");
    e.insert("second");
    e.submit();
    e.insert("draft");
    e.historyUp();
    BOOST_TEST(e.text() == "second");
    e.historyUp();
    BOOST_TEST(e.text() == "first");
    e.historyUp();  // at the oldest: stays
    BOOST_TEST(e.text() == "first");
    e.historyDown();
    e.historyDown();
    BOOST_TEST(e.text() == "draft");
    e.historyDown();
    BOOST_TEST(e.text() == "draft");
}

BOOST_AUTO_TEST_CASE(submit_clears_and_skips_repeated_history) {
    LineEditor e;
    e.insert("same");
    e.submit();
    e.insert("same");
    e.submit();
    BOOST_TEST(e.empty());
    e.historyUp();
    BOOST_TEST(e.text() == "same");
    e.historyUp();
    BOOST_TEST(e.text() == "same");  // only one entry
    e.historyDown();
    BOOST_TEST(e.text().empty());
}

BOOST_AUTO_TEST_CASE(kill_word_forward_deletes_to_the_end_of_the_next_word) {
    struct Case {
        const char* name;
        std::size_t cursor;
        std::string text;
        std::size_t after;
    };
    const std::vector<Case> cases = {
        {"at the start", 0, " beta\tgamma", 0},
        {"inside a word", 2, "al beta\tgamma", 2},
        {"before spaces", 5, "alpha\tgamma", 5},
        {"before the last word", 11, "alpha beta\t", 11},
        {"at the end", 16, "alpha beta\tgamma", 16},
    };
    for (const Case& c : cases) {
        BOOST_TEST_CONTEXT(c.name) {
            LineEditor e;
            e.setText("alpha beta\tgamma", c.cursor);
            e.killWordForward();
            BOOST_TEST(e.text() == c.text);
            BOOST_TEST(e.cursor() == c.after);
        }
    }
}

BOOST_AUTO_TEST_CASE(set_text_puts_the_cursor_on_a_character_boundary) {
    LineEditor e;
    e.setText("a日b", 2);  // inside 日: moves to its end
    BOOST_TEST(e.cursor() == 4u);
    e.setText("abc", 99);
    BOOST_TEST(e.cursor() == 3u);
}

BOOST_AUTO_TEST_CASE(long_input_is_kept_whole_up_to_the_bound_and_refused_past_it) {
    LineEditor e;
    const std::string text(5120, 'x');  // over a hub's 4,096: the model refuses it on Enter
    BOOST_TEST(e.insert(text));
    BOOST_TEST(e.text().size() == 5120u);
    BOOST_TEST(!e.insert(std::string(LineEditor::kMaxBytes, 'y')));
    BOOST_TEST(e.text().size() == 5120u);  // refused whole, not cut
    e.setText(std::string(LineEditor::kMaxBytes, 'y'));
    BOOST_TEST(!e.insert(U'z'));
    BOOST_TEST(e.text().size() == LineEditor::kMaxBytes);
}

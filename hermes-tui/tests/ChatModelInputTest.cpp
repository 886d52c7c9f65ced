// ChatModel's side of the input line: the keys irssi and WeeChat users
// expect, bracketed pastes (one line into the input line, several only after
// y), and lines over the hub's text limit refused on Enter without losing
// them. Socket-free: a FakeHub records what would be sent.
#define BOOST_TEST_MODULE ChatModelInputTest
#include "model/ChatModel.hpp"

#include <boost/test/unit_test.hpp>

#include <string>
#include <vector>

#include "FakeHub.hpp"
#include "TestLocale.hpp"
#include "model/Paste.hpp"

using namespace hermes::tui;
using namespace hermes::tui::test;
using namespace std::chrono_literals;

BOOST_TEST_GLOBAL_FIXTURE(Utf8Locale);

namespace {

// Online in lobby (window 2), also in dev (window 3), lobby active.
struct Online {
    FakeHub hub;
    ChatModel model;
    SteadyTime t0{};

    // maxTextBytes 0: the Welcome leaves the limit out (the default applies).
    explicit Online(std::uint32_t maxTextBytes = 0)
        : model(hub, ChatModel::Settings{"127.0.0.1", 7070, "ana", "lobby", 2000ms}) {
        hermes::client::Event welcome = welcomed("ana");
        welcome.envelope->mutable_welcome()->mutable_limits()->set_max_text_bytes(maxTextBytes);
        model.onEvent(welcome, t0);
        model.onEnvelope(joined("lobby", "ana"), t0);
        model.onEnvelope(joined("dev", "ana"), t0);
        model.switchTo(1);
    }
    const Buffer& lobby() const { return *model.buffers().at(1); }
    const std::string& lastNote() const { return lobby().lines().back().text; }
    void press(KeyCode code) { model.handleKey(key(code), t0); }
    void press(char32_t ch) { model.handleKey(key(KeyCode::Char, ch), t0); }
    void typeText(const std::string& text) {
        for (std::size_t pos = 0, len = 0; pos < text.size(); pos += len) {
            press(utf8::decode(text, pos, len));
        }
    }
    void paste(const std::string& text) {
        Key k = key(KeyCode::Paste);
        k.text = text;
        model.handleKey(k, t0);
    }
    std::vector<std::string> said() const {
        std::vector<std::string> out;
        for (const auto& s : hub.said) {
            out.push_back(s.target + ": " + s.text);
        }
        return out;
    }

    static Key key(KeyCode code, char32_t ch = 0) {
        Key k;
        k.code = code;
        k.ch = ch;
        return k;
    }
};

// "pasted 01\r...\rpasted NN\r", line 5 with a Tab in it.
std::string twelveLines(int n = 12) {
    std::string text;
    for (int i = 1; i <= n; ++i) {
        text += "pasted " + std::string(i < 10 ? "0" : "") + std::to_string(i) +
                (i == 5 ? "\tcol" : "") + "\r";
    }
    return text;
}

}  // namespace

// ---------------------------------------------------------------- keys

BOOST_AUTO_TEST_CASE(editing_keys_move_and_delete_by_word) {
    struct Case {
        const char* name;
        std::vector<KeyCode> keys;
        std::string text;  // after the keys, from "alpha beta gamma|"
        std::size_t cursor;
    };
    const std::vector<Case> cases = {
        {"Ctrl-Left", {KeyCode::CtrlLeft}, "alpha beta gamma", 11},
        {"Ctrl-Left twice", {KeyCode::CtrlLeft, KeyCode::CtrlLeft}, "alpha beta gamma", 6},
        {"Alt-B", {KeyCode::AltB}, "alpha beta gamma", 11},
        {"Ctrl-Right", {KeyCode::Home, KeyCode::CtrlRight}, "alpha beta gamma", 5},
        {"Alt-F", {KeyCode::Home, KeyCode::AltF, KeyCode::AltF}, "alpha beta gamma", 10},
        {"Alt-Backspace", {KeyCode::AltBackspace}, "alpha beta ", 11},
        {"Ctrl-W", {KeyCode::CtrlW}, "alpha beta ", 11},
        {"Ctrl-Del", {KeyCode::Home, KeyCode::CtrlDelete}, " beta gamma", 0},
        {"Alt-D mid-line",
         {KeyCode::CtrlLeft, KeyCode::CtrlLeft, KeyCode::AltD},
         "alpha  gamma",
         6},
        {"Alt-D at the end", {KeyCode::AltD}, "alpha beta gamma", 16},
    };
    for (const Case& c : cases) {
        BOOST_TEST_CONTEXT(c.name) {
            Online s;
            s.typeText("alpha beta gamma");
            for (const KeyCode k : c.keys) {
                s.press(k);
            }
            BOOST_TEST(s.model.editor().text() == c.text);
            BOOST_TEST(s.model.editor().cursor() == c.cursor);
            BOOST_TEST(s.hub.said.empty());
        }
    }
}

BOOST_AUTO_TEST_CASE(alt_left_and_right_switch_windows_round) {
    Online s;  // status, lobby, dev; lobby active
    s.press(KeyCode::AltRight);
    BOOST_TEST(s.model.active().name() == "dev");
    s.press(KeyCode::AltRight);
    BOOST_TEST(s.model.activeIndex() == 0u);  // round to status
    s.press(KeyCode::AltLeft);
    BOOST_TEST(s.model.active().name() == "dev");
    s.press(KeyCode::AltLeft);
    BOOST_TEST(s.model.active().name() == "lobby");
}

BOOST_AUTO_TEST_CASE(the_mouse_wheel_scrolls_by_three_rows) {
    Online s;
    s.model.setScreen(8, 80);  // a pane of 5 rows; every line here takes one
    for (int i = 1; i <= 30; ++i) {
        s.model.onEnvelope(
            message("lobby", "bob", "m" + std::to_string(i), static_cast<std::uint64_t>(i)), s.t0);
    }
    const int width = s.model.paneFor(s.lobby()).width;
    s.press(KeyCode::ScrollUp);
    BOOST_TEST(s.lobby().rowsBelow(width) == ChatModel::kWheelRows);
    s.press(KeyCode::ScrollUp);
    BOOST_TEST(s.lobby().rowsBelow(width) == 2 * ChatModel::kWheelRows);
    s.press(KeyCode::ScrollDown);
    s.press(KeyCode::ScrollDown);
    BOOST_TEST(s.lobby().rowsBelow(width) == 0u);
    BOOST_TEST(!s.lobby().scrolled());
}

// ---------------------------------------------------------------- pastes

BOOST_AUTO_TEST_CASE(a_paste_of_several_lines_is_sent_only_after_y) {
    Online s;
    s.paste(twelveLines());
    BOOST_TEST(s.hub.said.empty());
    BOOST_TEST(s.lastNote() == "Paste of 12 lines: send 12 lines? [y/N]");
    BOOST_TEST(s.model.inputPrompt() == "send 12 lines? [y/N] ");
    BOOST_TEST(s.model.editor().text() == "");
    s.press(U'y');
    BOOST_REQUIRE(s.hub.said.size() == 12u);
    for (std::size_t i = 0; i < 12; ++i) {
        BOOST_TEST_CONTEXT("line " << i + 1) {
            BOOST_TEST(s.hub.said[i].target == "lobby");
            BOOST_TEST(!s.hub.said[i].action);
        }
    }
    BOOST_TEST(s.hub.said[0].text == "pasted 01");
    BOOST_TEST(s.hub.said[4].text == "pasted 05\tcol");  // the Tab is text
    BOOST_TEST(s.hub.said[11].text == "pasted 12");
    BOOST_TEST(s.model.inputPrompt() == "[lobby] ");
    BOOST_TEST(s.model.editor().text() == "");
    // Each line went the way a typed one goes: waiting for its echo.
    BOOST_TEST(s.model.pendingCount() == 12u);
}

BOOST_AUTO_TEST_CASE(pasted_lines_are_text_not_commands) {
    // A pasted log with a "/quit" or "/nick" in it runs nothing.
    Online s;
    s.paste("look at this:\r/quit now\r/me is not an action\r");
    s.press(U'y');
    BOOST_REQUIRE(s.hub.said.size() == 3u);
    BOOST_TEST(s.hub.said[1].text == "/quit now");
    BOOST_TEST(s.hub.said[2].text == "/me is not an action");
    BOOST_TEST(!s.hub.said[2].action);
    BOOST_TEST(!s.model.quitRequested());
}

BOOST_AUTO_TEST_CASE(a_paste_goes_where_the_cursor_is) {
    Online s;
    s.typeText("see: and more");
    for (int i = 0; i < 8; ++i) {
        s.press(KeyCode::Left);  // after "see: "
    }
    s.paste("one\rtwo\r");
    BOOST_TEST(s.lastNote() == "Paste of 3 lines: send 3 lines? [y/N]");
    s.press(U'Y');
    BOOST_TEST(
        s.said() == (std::vector<std::string>{"lobby: see: one", "lobby: two", "lobby: and more"}),
        boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(any_key_but_y_cancels_a_paste_and_says_so) {
    const std::vector<std::pair<const char*, Key>> answers = {
        {"n", Online::key(KeyCode::Char, U'n')},
        {"N", Online::key(KeyCode::Char, U'N')},
        {"Enter", Online::key(KeyCode::Enter)},
        {"Tab", Online::key(KeyCode::Tab)},
        {"Ctrl-C", Online::key(KeyCode::CtrlC)},
        {"PgUp", Online::key(KeyCode::PageUp)},
        {"Alt-3",
         [] {
             Key k = Online::key(KeyCode::AltDigit);
             k.digit = 3;
             return k;
         }()},
    };
    for (const auto& [name, answer] : answers) {
        BOOST_TEST_CONTEXT(name) {
            Online s;
            s.typeText("draft");
            s.press(KeyCode::Left);
            s.paste("one\rtwo");
            s.model.handleKey(answer, s.t0);
            BOOST_TEST(s.hub.said.empty());
            BOOST_TEST(s.lastNote() == "Paste of 2 lines not sent");
            // The input line is back as it was, cursor and all; the answer
            // itself did nothing else.
            BOOST_TEST(s.model.editor().text() == "draft");
            BOOST_TEST(s.model.editor().cursor() == 4u);
            BOOST_TEST(s.model.active().name() == "lobby");
            BOOST_TEST(!s.model.quitRequested());
            BOOST_TEST(!s.lobby().scrolled());
            BOOST_TEST(s.model.inputPrompt() == "[lobby] ");
        }
    }
}

BOOST_AUTO_TEST_CASE(a_new_paste_replaces_the_one_asked_about) {
    Online s;
    s.paste("one\rtwo");
    s.paste("three\rfour\rfive");
    BOOST_TEST(s.lastNote() == "Paste of 3 lines: send 3 lines? [y/N]");
    s.press(U'y');
    BOOST_TEST(s.said() == (std::vector<std::string>{"lobby: three", "lobby: four", "lobby: five"}),
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(a_paste_is_not_sent_to_a_window_that_changed) {
    Online s;
    s.paste("one\rtwo");
    s.model.switchTo(2);  // e.g. a join the hub confirmed meanwhile
    s.press(U'y');
    BOOST_TEST(s.hub.said.empty());
    BOOST_TEST(s.model.active().lines().back().text ==
               "Paste of 2 lines not sent (the window changed)");
}

BOOST_AUTO_TEST_CASE(blank_pasted_lines_are_not_sent) {
    Online s;
    s.paste("a\r\r  \rb\r");
    BOOST_TEST(s.lastNote() == "Paste of 4 lines: send 2 lines? [y/N]");
    s.press(U'y');
    BOOST_TEST(s.said() == (std::vector<std::string>{"lobby: a", "lobby: b"}),
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(a_one_line_paste_goes_into_the_input_line) {
    struct Case {
        const char* name;
        std::string paste;
        std::string text;
    };
    const std::vector<Case> cases = {
        {"plain", "hello", "say hello|"},
        {"its line break does not send", "hello\r", "say hello|"},
        {"a Tab stays a Tab (no completion)", "a\tb", "say a\tb|"},
        {"control characters are left out",
         "a\x07"
         "b",
         "say ab|"},
    };
    for (const Case& c : cases) {
        BOOST_TEST_CONTEXT(c.name) {
            Online s;
            s.typeText("say |");
            s.press(KeyCode::Left);
            const std::size_t notes = s.lobby().lines().size();
            s.paste(c.paste);
            BOOST_TEST(s.model.editor().text() == c.text);
            BOOST_TEST(s.model.editor().cursor() == c.text.size() - 1);
            BOOST_TEST(s.hub.said.empty());
            BOOST_TEST(s.lobby().lines().size() == notes);
        }
    }
}

BOOST_AUTO_TEST_CASE(a_key_the_full_input_line_cannot_take_rings_the_bell) {
    Online s;
    s.paste(std::string(LineEditor::kMaxBytes - 1, 'x'));
    s.press(U'y');
    BOOST_TEST(!s.model.takeBell());
    s.press(U'z');
    BOOST_TEST(s.model.takeBell());
    BOOST_TEST(s.model.editor().text().size() == LineEditor::kMaxBytes);
    BOOST_TEST(s.model.editor().text().back() == 'y');
}

BOOST_AUTO_TEST_CASE(a_paste_over_the_paste_limit_is_refused) {
    Online s;
    s.paste(std::string(paste::kMaxBytes + 1, 'x'));
    BOOST_TEST(s.model.editor().text() == "");
    BOOST_TEST(s.lastNote() == "Paste not taken: it is over 1,048,576 bytes");
}

// ---------------------------------------------------------------- limits

BOOST_AUTO_TEST_CASE(a_line_over_the_hubs_limit_is_refused_and_kept) {
    struct Case {
        const char* name;
        std::uint32_t hubLimit;  // 0: the Welcome does not say (4,096)
        std::string line;
        std::string error;  // "" when sent
    };
    const std::string x5120(5120, 'x');
    const std::vector<Case> cases = {
        {"default limit, over", 0, x5120,
         "line is 5,120 bytes; the hub takes at most 4,096 \u2014 not sent"},
        {"default limit, at it", 0, std::string(4096, 'x'), ""},
        {"the hub's own limit", 100, std::string(101, 'x'),
         "line is 101 bytes; the hub takes at most 100 \u2014 not sent"},
        {"UTF-8 at the limit", 100, std::string(94, 'y') + "日日", ""},
        {"UTF-8 counts bytes, not characters", 100, std::string(95, 'y') + "日日",
         "line is 101 bytes; the hub takes at most 100 \u2014 not sent"},
        {"/me text", 100, "/me " + std::string(101, 'x'),
         "line is 101 bytes; the hub takes at most 100 \u2014 not sent"},
        {"/msg text", 100, "/msg bob " + std::string(101, 'x'),
         "line is 101 bytes; the hub takes at most 100 \u2014 not sent"},
        {"a command is no text", 100, "/topic " + std::string(101, 'x'), ""},
    };
    for (const Case& c : cases) {
        BOOST_TEST_CONTEXT(c.name) {
            Online s(c.hubLimit);
            const std::size_t calls = s.hub.calls.size();
            s.typeText(c.line);
            s.press(KeyCode::Enter);
            if (c.error.empty()) {
                BOOST_TEST(s.model.editor().text() == "");
                BOOST_TEST((s.hub.said.size() + s.hub.calls.size() - calls) == 1u);
            } else {
                BOOST_TEST(s.hub.said.empty());
                BOOST_TEST(s.model.editor().text() == c.line);  // nothing lost
                BOOST_TEST(s.lastNote() == c.error);
                BOOST_TEST(static_cast<int>(s.lobby().lines().back().kind) ==
                           static_cast<int>(LineKind::Error));
            }
        }
    }
}

BOOST_AUTO_TEST_CASE(a_pasted_line_over_the_limit_goes_into_the_input_line_whole) {
    Online s;
    const std::string x5120(5120, 'x');
    s.paste(x5120);
    BOOST_TEST(s.model.editor().text().size() == 5120u);  // not cut at 4,096
    s.press(KeyCode::Enter);
    BOOST_TEST(s.hub.said.empty());
    BOOST_TEST(s.lastNote() == "line is 5,120 bytes; the hub takes at most 4,096 \u2014 not sent");
    BOOST_TEST(s.model.editor().text() == x5120);
}

BOOST_AUTO_TEST_CASE(a_multi_line_paste_with_a_line_over_the_limit_is_refused_whole) {
    Online s(100);
    s.typeText("draft");
    s.paste("short\r" + std::string(150, 'x') + "\rshort again");
    BOOST_TEST(s.hub.said.empty());
    BOOST_TEST(s.lastNote() ==
               "Paste of 3 lines not sent: line 2 is 150 bytes; the hub takes at most 100");
    BOOST_TEST(s.model.editor().text() == "draft");
    BOOST_TEST(s.model.inputPrompt() == "[lobby] ");  // no question asked
    s.press(U'y');
    BOOST_TEST(s.hub.said.empty());
    BOOST_TEST(s.model.editor().text() == "drafty");
}

BOOST_AUTO_TEST_CASE(help_lists_the_keys) {
    Online s;
    s.typeText("/help");
    s.press(KeyCode::Enter);
    std::string shown;
    for (const Line& l : s.lobby().lines()) {
        shown += l.text + "\n";
    }
    for (const char* keys : {"Alt-Left/Right", "Ctrl-Left/Right, Alt-B/F", "Ctrl-W, Alt-Backspace",
                             "Ctrl-Del, Alt-D", "Shift-PgUp/PgDn", "wheel"}) {
        BOOST_TEST_CONTEXT(keys) {
            BOOST_TEST(shown.find(keys) != std::string::npos);
        }
    }
}

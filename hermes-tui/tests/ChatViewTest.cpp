#define BOOST_TEST_MODULE ChatViewTest
#include "ui/ChatView.hpp"

#include <boost/test/unit_test.hpp>

#include <algorithm>

#include "FakeHub.hpp"
#include "TestLocale.hpp"
#include "model/Utf8.hpp"
#include "ui/TextGrid.hpp"

using namespace hermes::tui;
using namespace hermes::tui::test;
using namespace std::chrono_literals;

BOOST_TEST_GLOBAL_FIXTURE(Utf8Locale);

namespace {

struct Scene {
    FakeHub hub;
    ChatModel model{hub, ChatModel::Settings{"10.0.0.1", 7070, "ana", "lobby", 2000ms}};
    SteadyTime t0{};
    ChatView view;

    Scene() {
        model.setWallClock([] { return std::int64_t{45296000}; });
        model.onEvent(welcomed("ana"), t0);
        model.onEnvelope(joined("lobby", "ana"), t0);
    }
    TextGrid draw(int rows, int cols) {
        TextGrid grid(rows, cols);
        view.draw(model, grid, dirty::kAll);
        return grid;
    }
    // bob says `text` as message `seq` in lobby.
    void say(const std::string& text, int seq) {
        model.onEnvelope(message("lobby", "bob", text, static_cast<std::uint64_t>(seq)), t0);
    }
    hermes::client::Event welcomedAgain() { return welcomed("ana"); }
    void press(KeyCode code, int times = 1) {
        Key key;
        key.code = code;
        for (int i = 0; i < times; ++i) {
            model.handleKey(key, t0);
        }
    }
};

// Row `row` of message `msg`: 28 columns, exactly the text width of a
// "12:34 <bob> " line 40 columns wide, so each takes a row of its own.
std::string rowText(int msg, int row) {
    std::string t = "m" + std::to_string(msg) + "r" + std::to_string(row);
    return t + std::string(28 - t.size(), '.');
}

// A message of `rows` rows at 40 columns.
std::string tallText(int msg, int rows) {
    std::string t;
    for (int r = 0; r < rows; ++r) {
        t += (r ? " " : "") + rowText(msg, r);
    }
    return t;
}

// What a message pane row shows: its row id, "presence" or "".
std::string rowId(const std::string& row) {
    if (row.find("joined lobby") != std::string::npos) {
        return "presence";
    }
    const std::size_t space = row.find_last_of(' ');
    return space == std::string::npos ? row : row.substr(space + 1);
}

}  // namespace

BOOST_AUTO_TEST_CASE(title_counts_members_in_words) {
    Scene s;
    BOOST_TEST(s.draw(8, 60).row(0) == " testhub @ 10.0.0.1:7070 | lobby (1 member)");
    s.model.onEnvelope(joined("lobby", "bob"), s.t0);
    BOOST_TEST(s.draw(8, 60).row(0) == " testhub @ 10.0.0.1:7070 | lobby (2 members)");
}

BOOST_AUTO_TEST_CASE(layout_at_40x8) {
    Scene s;
    s.model.onEnvelope(message("lobby", "bob", "hi there", 1), s.t0);
    s.model.onEnvelope(message("lobby", "bob", "waves", 2, 0, hermes::v1::MESSAGE_KIND_ACTION),
                       s.t0);
    const TextGrid g = s.draw(8, 40);
    BOOST_TEST(g.row(0) == " testhub @ 10.0.0.1:7070 | lobby (1 memb");
    BOOST_TEST(g.row(3) == "12:34 -!- ana joined lobby");
    BOOST_TEST(g.row(4) == "12:34 <bob> hi there");
    BOOST_TEST(g.row(5) == "12:34 * bob waves");
    BOOST_TEST(g.row(6) == " [ana] [2:lobby] [online]");
    BOOST_TEST(g.row(7) == "[lobby]");
    BOOST_TEST(g.styleAt(0, 5).reverse);
    BOOST_TEST(g.styleAt(3, 10).dim);  // presence is dimmed
    BOOST_TEST(static_cast<int>(g.styleAt(4, 7).fg) == static_cast<int>(nickColour("bob")));
    BOOST_TEST(g.cursorRow() == 7);
    BOOST_TEST(g.cursorCol() == 8);
}

BOOST_AUTO_TEST_CASE(long_lines_wrap_under_the_text) {
    Scene s;
    s.model.onEnvelope(message("lobby", "bob", "one two three four five six seven", 1), s.t0);
    const TextGrid g = s.draw(8, 30);
    // "12:34 <bob> " is 12 columns: 18 left for text, continuation indented.
    BOOST_TEST(g.row(4) == "12:34 <bob> one two three four");
    BOOST_TEST(g.row(5) == "            five six seven");
}

BOOST_AUTO_TEST_CASE(wide_characters_take_two_cells) {
    Scene s;
    s.model.onEnvelope(message("lobby", "bob", "日本語 \xF0\x9F\x98\x80 ok", 1), s.t0);
    const TextGrid g = s.draw(8, 40);
    BOOST_TEST(g.row(5) == "12:34 <bob> 日本語 \xF0\x9F\x98\x80 ok");
    // 12 (prefix) + 6 (three CJK) + 1 + 2 (emoji) + 1 + 2 ("ok") columns.
    BOOST_TEST(utf8::displayWidth(g.row(5)) == 24);
    s.model.onEnvelope(message("lobby", "bob", "x日本語日本語日本語日本語", 2), s.t0);
    TextGrid narrow(8, 30);
    s.view.draw(s.model, narrow, dirty::kAll);
    // 18 columns for the text: x and 8 wide characters take 17; the 9th
    // would straddle the edge, so it starts the next row.
    BOOST_TEST(narrow.row(4) == "12:34 <bob> x日本語日本語日本");
    BOOST_TEST(narrow.row(5) == "            語日本語");
}

BOOST_AUTO_TEST_CASE(input_line_scrolls_to_keep_the_cursor_visible) {
    Scene s;
    for (int i = 0; i < 50; ++i) {
        Key k;
        k.ch = i % 2 ? U'本' : U'x';
        s.model.handleKey(k, s.t0);
    }
    const TextGrid g = s.draw(8, 40);
    BOOST_TEST(g.cursorRow() == 7);
    BOOST_TEST(g.cursorCol() < 40);
    BOOST_TEST(g.cursorCol() > 30);
    BOOST_TEST(utf8::displayWidth(g.row(7)) <= 40);
}

BOOST_AUTO_TEST_CASE(scrolled_up_shows_new_messages_marker) {
    Scene s;
    for (int i = 1; i <= 20; ++i) {
        s.model.onEnvelope(
            message("lobby", "bob", "m" + std::to_string(i), static_cast<std::uint64_t>(i)), s.t0);
    }
    s.model.setScreen(8, 40);
    Key up;
    up.code = KeyCode::PageUp;
    s.model.handleKey(up, s.t0);
    s.model.onEnvelope(message("lobby", "bob", "fresh", 21), s.t0);
    const TextGrid g = s.draw(8, 40);
    BOOST_TEST(g.row(5) == "-- new messages below (PgDn) --");
    BOOST_TEST(g.row(4) == "12:34 <bob> m16");
    BOOST_TEST(g.toString().find("fresh") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(member_pane_and_activity) {
    Scene s;
    hermes::v1::Envelope list;
    list.mutable_members()->set_room("lobby");
    list.mutable_members()->add_nicks("ana");
    list.mutable_members()->add_nicks("bob");
    s.model.onEnvelope(list, s.t0);
    s.model.onEnvelope(joined("dev", "ana"), s.t0);
    s.model.switchTo(1);
    s.model.onEnvelope(message("dev", "bob", "ana: here?", 1), s.t0);
    Key f2;
    f2.code = KeyCode::ToggleMembers;
    s.model.handleKey(f2, s.t0);
    // Shown, the pane asks for the room's list as it is now.
    BOOST_TEST(std::count(s.hub.calls.begin(), s.hub.calls.end(), "who lobby") == 1);
    const TextGrid g = s.draw(10, 60);
    BOOST_TEST(g.row(1).find("\u2502 2 members") == 41u);
    BOOST_TEST(g.row(2).find("\u2502 ana") != std::string::npos);
    BOOST_TEST(g.row(8).find("[Act: 3(1)!]") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(tiny_terminal_gets_a_notice) {
    Scene s;
    const TextGrid g = s.draw(3, 20);
    BOOST_TEST(g.row(0) == "Terminal too small");
}

BOOST_AUTO_TEST_CASE(layout_holds_at_80x24_and_after_resize) {
    Scene s;
    for (int i = 1; i <= 40; ++i) {
        s.model.onEnvelope(
            message("lobby", "bob", std::string(static_cast<std::size_t>(i * 3), 'w'),
                    static_cast<std::uint64_t>(i)),
            s.t0);
    }
    for (const auto& [rows, cols] : {std::pair{24, 80}, std::pair{30, 120}, std::pair{10, 40}}) {
        BOOST_TEST_CONTEXT(rows << "x" << cols) {
            const TextGrid g = s.draw(rows, cols);
            BOOST_TEST(g.row(0).find("testhub") != std::string::npos);
            BOOST_TEST(g.row(rows - 2).find("[ana]") != std::string::npos);
            BOOST_TEST(g.row(rows - 1) == "[lobby]");
            for (int r = 0; r < rows; ++r) {
                BOOST_TEST(utf8::displayWidth(g.row(r)) <= cols);
            }
            BOOST_TEST(g.row(rows - 3).find(std::string(5, 'w')) != std::string::npos);
        }
    }
}

// PgUp moves the view up by the rows shown less one, PgDn back down, whatever
// the lines' heights (1, 3 and 10 rows here, the 10 taller than some panes):
// every row is seen, each step shares exactly one row with the one before,
// up to the oldest row at the top and back down to following.
BOOST_AUTO_TEST_CASE(page_keys_show_every_row_once_with_one_row_of_overlap) {
    for (const int screenRows : {12, 8, 6}) {
        BOOST_TEST_CONTEXT("40x" << screenRows) {
            Scene s;
            s.model.setScreen(screenRows, 40);
            std::vector<std::string> all{"presence"};  // "ana joined lobby"
            int msg = 0;
            for (const int height : {1, 3, 10, 1, 10, 3, 1, 1}) {
                ++msg;
                s.say(tallText(msg, height), msg);
                for (int r = 0; r < height; ++r) {
                    all.push_back(rowText(msg, r));
                }
            }
            const int pane = ScreenLayout::paneRows(screenRows);
            const auto total = static_cast<int>(all.size());
            // The rows shown, as [first, last] indexes into `all`.
            auto shown = [&]() {
                const TextGrid g = s.draw(screenRows, 40);
                const bool scrolled = s.model.active().scrolled();
                BOOST_TEST((g.row(pane).find("more below") != std::string::npos ||
                            g.row(pane).find("new messages below") != std::string::npos) ==
                           scrolled);
                const int rows = scrolled ? pane - 1 : pane;
                const auto first = std::find(all.begin(), all.end(), rowId(g.row(1))) - all.begin();
                BOOST_REQUIRE(first + rows <= total);
                for (int r = 0; r < rows; ++r) {
                    BOOST_TEST(rowId(g.row(1 + r)) == all[static_cast<std::size_t>(first + r)]);
                }
                return std::pair<int, int>{static_cast<int>(first),
                                           static_cast<int>(first) + rows - 1};
            };
            auto view = shown();
            BOOST_TEST(view.second == total - 1);
            std::vector<int> seen(all.size(), 0);
            for (int steps = 0; view.first > 0; ++steps) {
                BOOST_REQUIRE(steps < total);
                s.press(KeyCode::PageUp);
                const auto next = shown();
                BOOST_REQUIRE(next.first < view.first);
                if (next.first > 0) {
                    BOOST_TEST(next.second == view.first);  // one row of overlap
                } else {
                    BOOST_TEST(next.second >= view.first);  // the top: a full pane
                }
                for (int r = next.first; r <= next.second; ++r) {
                    ++seen[static_cast<std::size_t>(r)];
                }
                view = next;
            }
            BOOST_TEST(view.first == 0);
            s.press(KeyCode::PageUp);  // at the top: stays
            const auto again = shown();
            BOOST_TEST(again.first == view.first);
            BOOST_TEST(again.second == view.second);
            for (int r = total - pane; r < total; ++r) {
                ++seen[static_cast<std::size_t>(r)];  // the first, following view
            }
            BOOST_TEST(std::count(seen.begin(), seen.end(), 0) == 0);

            for (int steps = 0; s.model.active().scrolled(); ++steps) {
                BOOST_REQUIRE(steps < total);
                s.press(KeyCode::PageDown);
                const auto next = shown();
                if (s.model.active().scrolled()) {
                    BOOST_TEST(next.first == view.second);  // one row of overlap
                } else {
                    BOOST_TEST(next.first <= view.second);  // following: nothing skipped
                    BOOST_TEST(next.second == total - 1);
                }
                view = next;
            }
            BOOST_TEST(!s.model.active().newBelow());
        }
    }
}

// A resize keeps the line at the bottom of the view there.
BOOST_AUTO_TEST_CASE(resize_keeps_the_bottom_line_in_view) {
    Scene s;
    s.model.setScreen(8, 40);
    for (int msg = 1; msg <= 20; ++msg) {
        s.say(tallText(msg, 3), msg);
    }
    s.press(KeyCode::PageUp, 8);
    TextGrid g = s.draw(8, 40);
    // 61 rows (the presence line, then 3 for each message); a pane of 5: up 4
    // rows, then 3 at a time, 25 in all: the bottom row is row 35, m12's second.
    BOOST_TEST(rowId(g.row(4)) == rowText(12, 1));
    BOOST_TEST(rowId(g.row(1)) == rowText(11, 1));
    s.model.setScreen(12, 120);  // each message fits one row of 120 columns
    g = s.draw(12, 120);
    BOOST_TEST(g.row(8).find(rowText(12, 0)) == 12u);
    BOOST_TEST(g.row(8).find(rowText(12, 2)) != std::string::npos);
    BOOST_TEST(g.row(7).find(rowText(11, 0)) == 12u);
    BOOST_TEST(g.row(9).find("more below") != std::string::npos);
    // PgDn goes on from the row at the bottom: m12 comes to the top.
    s.press(KeyCode::PageDown);
    g = s.draw(12, 120);
    BOOST_TEST(g.row(1).find(rowText(12, 0)) == 12u);
    BOOST_TEST(g.row(8).find(rowText(19, 0)) == 12u);
}

BOOST_AUTO_TEST_CASE(a_taller_pane_shows_no_blank_rows_above_the_oldest_line) {
    Scene s;
    s.model.setScreen(8, 40);
    for (int msg = 1; msg <= 20; ++msg) {
        s.say(tallText(msg, 3), msg);
    }
    s.press(KeyCode::PageUp, 30);  // to the oldest row, and then some
    BOOST_TEST(s.draw(8, 40).row(1).find("joined lobby") != std::string::npos);
    // At 120 columns the 21 lines take 21 rows; a pane of 17 shows 16 while
    // scrolled: the oldest line at the top, m15 at the bottom, m16..m20 below.
    s.model.setScreen(20, 120);
    const TextGrid g = s.draw(20, 120);
    BOOST_TEST(g.row(1).find("joined lobby") != std::string::npos);
    BOOST_TEST(g.row(2).find(rowText(1, 0)) == 12u);
    BOOST_TEST(g.row(16).find(rowText(15, 0)) == 12u);
    BOOST_TEST(g.row(17).find("more below") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_pending_line_is_dimmed_with_its_state_and_counted) {
    Scene s;
    hermes::client::Event down;
    down.kind = hermes::client::EventKind::Disconnected;
    down.text = "connect to 10.0.0.1:7070: Connection refused";
    down.willRetry = true;
    s.model.onEvent(down, s.t0);
    for (const char ch : std::string("typed away")) {
        Key key;
        key.ch = static_cast<char32_t>(ch);
        s.model.handleKey(key, s.t0);
    }
    s.press(KeyCode::Enter);
    const TextGrid g = s.draw(8, 60);
    BOOST_TEST(g.row(5) == "12:34 <ana> typed away [queued]");
    BOOST_TEST(g.styleAt(5, 12).dim);
    BOOST_TEST(g.styleAt(5, 7).dim);  // the nick too
    // The count shows however long the offline reason is.
    BOOST_TEST(g.row(6).find("[pending 1]") != std::string::npos, g.row(6));
    BOOST_TEST(g.row(6).rfind(" [ana] [2:lobby] [offline", 0) == 0u, g.row(6));
    // Its echo takes its place: no longer dim, no state.
    hermes::client::Event acked;
    acked.kind = hermes::client::EventKind::SendAcked;
    acked.clientMsgId = s.hub.said.at(0).id;
    s.model.onEvent(s.welcomedAgain(), s.t0);
    s.model.onEnvelope(message("lobby", "ana", "typed away", 1, s.hub.said[0].id), s.t0);
    s.model.onEvent(acked, s.t0);
    const TextGrid after = s.draw(8, 60);
    BOOST_TEST(after.row(6) == " [ana] [2:lobby] [online]");
    bool found = false;
    for (int r = 1; r < 6; ++r) {
        if (after.row(r) == "12:34 <ana> typed away") {
            found = true;
            BOOST_TEST(!after.styleAt(r, 12).dim);
        }
    }
    BOOST_TEST(found);
}

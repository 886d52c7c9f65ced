#define BOOST_TEST_MODULE BufferTest
#include "model/Buffer.hpp"

#include <boost/test/unit_test.hpp>

#include <algorithm>

#include "model/LineLayout.hpp"
#include "model/NickColour.hpp"

using namespace hermes::tui;

namespace {
Line text(const std::string& t, std::uint64_t seq = 0, bool mention = false) {
    Line l;
    l.nick = "bob";
    l.text = t;
    l.seq = seq;
    l.epoch = seq ? 1 : 0;
    l.mention = mention;
    return l;
}
}  // namespace

BOOST_AUTO_TEST_CASE(scrollback_is_capped) {
    Buffer b(BufferKind::Room, "lobby", 3);
    for (int i = 0; i < 5; ++i) {
        b.add(text(std::to_string(i)), true);
    }
    BOOST_TEST(b.lines().size() == 3u);
    BOOST_TEST(b.lines().front().text == "2");
    BOOST_TEST(b.lines().back().text == "4");
}

BOOST_AUTO_TEST_CASE(unread_only_when_not_active_and_only_for_talk) {
    Buffer b(BufferKind::Room, "lobby");
    b.add(text("seen"), true);
    BOOST_TEST(!b.unread());
    Line presence = text("bob joined");
    presence.kind = LineKind::Presence;
    b.add(presence, false);
    BOOST_TEST(!b.unread());
    b.add(text("hello"), false);
    BOOST_TEST(b.unread());
    BOOST_TEST(!b.mentioned());
    b.add(text("hey ana", 0, true), false);
    BOOST_TEST(b.mentioned());
    b.markRead();
    BOOST_TEST(!b.unread());
    BOOST_TEST(!b.mentioned());
}

BOOST_AUTO_TEST_CASE(scrolled_up_view_stays_and_marks_new_below) {
    Buffer b(BufferKind::Room, "lobby");
    for (int i = 0; i < 10; ++i) {
        b.add(text(std::to_string(i)), true);
    }
    const Pane pane{5, 80};  // every line here takes one row
    b.scrollUp(4, pane);
    BOOST_TEST(b.scroll() == 4u);
    BOOST_TEST(!b.newBelow());
    b.add(text("new"), true);
    BOOST_TEST(b.scroll() == 5u);  // the same lines stay on screen
    BOOST_TEST(b.newBelow());
    b.scrollDown(2, pane);
    BOOST_TEST(b.newBelow());
    b.scrollDown(100, pane);
    BOOST_TEST(b.scroll() == 0u);
    BOOST_TEST(!b.newBelow());
    b.add(text("more"), true);
    BOOST_TEST(!b.newBelow());
}

BOOST_AUTO_TEST_CASE(scroll_is_bounded_by_the_lines) {
    Buffer b(BufferKind::Room, "lobby", 5);
    for (int i = 0; i < 3; ++i) {
        b.add(text(std::to_string(i)), true);
    }
    // One row shown while scrolled: up to the oldest line at the bottom.
    const Pane pane{2, 80};
    b.scrollUp(100, pane);
    BOOST_TEST(b.scroll() == 2u);
    // All three fit in a taller pane: nothing to scroll.
    Buffer fits(BufferKind::Room, "lobby", 5);
    for (int i = 0; i < 3; ++i) {
        fits.add(text(std::to_string(i)), true);
    }
    fits.scrollUp(100, Pane{3, 80});
    BOOST_TEST(!fits.scrolled());
    b.clear();
    BOOST_TEST(b.scroll() == 0u);
    b.scrollUp(1, pane);
    BOOST_TEST(b.scroll() == 0u);
}

BOOST_AUTO_TEST_CASE(history_lines_are_placed_in_seq_order) {
    Buffer b(BufferKind::Room, "lobby");
    b.add(text("five", 5), true);
    b.add(text("seven", 7), true);
    b.add(text("six", 6), true);  // catch-up after a reconnect
    BOOST_REQUIRE(b.lines().size() == 3u);
    BOOST_TEST(b.lines()[0].text == "five");
    BOOST_TEST(b.lines()[1].text == "six");
    BOOST_TEST(b.lines()[2].text == "seven");
}

BOOST_AUTO_TEST_CASE(unread_counts_follow_the_read_marker_and_the_new_messages_line) {
    Buffer b(BufferKind::Room, "lobby");
    b.add(text("one", 1), true);
    Line mine = text("mine", 2);
    mine.own = true;
    b.add(mine, false);  // ours: never unread
    b.add(text("three", 3), false);
    b.add(text("four", 4), false);
    BOOST_TEST(b.unreadCount() == 2u);
    BOOST_TEST(b.newestSeq() == 4u);
    b.applyReadMarker(3);  // another device read up to 3
    BOOST_TEST(b.unreadCount() == 1u);
    BOOST_TEST(b.placeNewMarker());
    BOOST_REQUIRE(b.lines().size() == 5u);
    BOOST_TEST(b.lines()[3].newMarker);
    BOOST_TEST(b.lines()[4].text == "four");
    // A catch-up line older than the marker's neighbours goes above it, in order.
    b.add(text("three and a half", 3), true);  // a duplicate of 3: dropped
    BOOST_TEST(b.lines().size() == 5u);
    b.markRead();
    BOOST_TEST(!b.placeNewMarker());  // nothing unread: the old line goes, none comes
    BOOST_TEST(std::none_of(b.lines().begin(), b.lines().end(),
                            [](const Line& l) { return l.newMarker; }));
    b.applyReadMarker(9);
    BOOST_TEST(!b.unread());
}

BOOST_AUTO_TEST_CASE(members_and_topic) {
    Buffer b(BufferKind::Room, "lobby");
    b.setMembers({"b", "a"});
    b.addMember("c");
    b.removeMember("a");
    BOOST_TEST(b.members().size() == 2u);
    BOOST_TEST(*b.members().begin() == "b");
    b.setTopic("hi");
    BOOST_TEST(b.topic() == "hi");
}

BOOST_AUTO_TEST_CASE(nick_colour_is_stable_and_case_blind) {
    BOOST_TEST(static_cast<int>(nickColour("ana")) == static_cast<int>(nickColour("ANA")));
    BOOST_TEST(static_cast<int>(nickColour("ana")) != static_cast<int>(Colour::Default));
    // Different nicks spread over the palette.
    std::set<int> seen;
    for (const char* n : {"ana", "bob", "carol", "dave", "erin", "frank", "grace", "heidi"}) {
        seen.insert(static_cast<int>(nickColour(n)));
    }
    BOOST_TEST(seen.size() >= 3u);
}

BOOST_AUTO_TEST_CASE(a_room_line_already_shown_is_not_added_twice) {
    Buffer b(BufferKind::Room, "lobby");
    for (std::uint64_t seq : {1u, 2u, 3u, 2u, 3u}) {
        Line l;
        l.epoch = 1;
        l.seq = seq;
        l.text = std::to_string(seq);
        b.add(l, true);
    }
    BOOST_TEST(b.lines().size() == 3u);
    Line otherEpoch;
    otherEpoch.epoch = 2;
    otherEpoch.seq = 2;
    b.add(otherEpoch, true);
    BOOST_TEST(b.lines().size() == 4u);
}

BOOST_AUTO_TEST_CASE(show_seq_marks_one_line_and_scrolls_to_it) {
    Buffer b(BufferKind::Room, "lobby");
    for (std::uint64_t seq = 1; seq <= 20; ++seq) {
        Line l;
        l.epoch = 1;
        l.seq = seq;
        b.add(l, true);
    }
    const Pane pane{5, 80};
    BOOST_TEST(!b.showSeq(1, 21, 3, pane));
    BOOST_TEST(!b.showSeq(2, 5, 3, pane));
    BOOST_TEST(b.showSeq(1, 5, 3, pane));
    BOOST_TEST(b.scroll() == 12u);  // 15 below it, 3 of them shown
    BOOST_TEST(b.lines()[4].marked);
    BOOST_TEST(b.showSeq(1, 19, 3, pane));
    BOOST_TEST(b.scroll() == 0u);
    BOOST_TEST(!b.lines()[4].marked);
    BOOST_TEST(b.lines()[18].marked);
}

namespace {

// A line of `rows` rows at kWidth: each word fills the 28 columns left of 40
// after "HH:MM <bob> ".
constexpr int kWidth = 40;
Line tall(int rows, std::uint64_t seq = 0) {
    std::string t;
    for (int r = 0; r < rows; ++r) {
        t += (r ? " " : "") + std::string(28, static_cast<char>('a' + r % 26));
    }
    return text(t, seq);
}

// The line at the bottom of the view.
const Line& bottomLine(const Buffer& b) {
    return b.lines()[b.lines().size() - 1 - b.scroll()];
}

}  // namespace

BOOST_AUTO_TEST_CASE(layout_counts_the_rows_the_view_draws) {
    BOOST_TEST(lineRowCount(tall(1), kWidth) == 1u);
    BOOST_TEST(lineRowCount(tall(3), kWidth) == 3u);
    BOOST_TEST(lineRowCount(tall(10), kWidth) == 10u);
    BOOST_TEST(lineRowCount(tall(10), 400) == 1u);
    const LineLayout l = layoutLine(tall(3), kWidth);
    BOOST_TEST(l.indent == 12);
    BOOST_TEST(l.rows.at(2) == std::string(28, 'c'));
}

BOOST_AUTO_TEST_CASE(a_line_taller_than_the_pane_is_read_row_by_row) {
    Buffer b(BufferKind::Room, "lobby");
    b.add(tall(1), true);
    b.add(tall(10), true);
    b.add(tall(1), true);
    const Pane pane{4, kWidth};  // 3 rows shown while scrolled
    for (std::size_t below = 1; below <= 9; ++below) {
        b.scrollUp(1, pane);
        BOOST_TEST_CONTEXT("row " << below) {
            BOOST_TEST(b.rowsBelow(kWidth) == below);
        }
    }
    // 12 rows, 3 shown: the top of the pane is the oldest row.
    BOOST_TEST(b.scroll() == 1u);
    BOOST_TEST(b.hiddenRows(kWidth) == 8u);
    b.scrollUp(1, pane);
    BOOST_TEST(b.rowsBelow(kWidth) == 9u);
    // PgUp/PgDn by 2 (3 shown, one kept): from row 3 of the tall line down.
    b.pageDown(pane);
    BOOST_TEST(b.rowsBelow(kWidth) == 7u);
    BOOST_TEST(b.scroll() == 1u);
    BOOST_TEST(b.hiddenRows(kWidth) == 6u);
    for (int i = 0; i < 4; ++i) {
        b.pageDown(pane);
    }
    BOOST_TEST(!b.scrolled());
}

BOOST_AUTO_TEST_CASE(new_and_history_lines_keep_a_row_scrolled_view_still) {
    Buffer b(BufferKind::Room, "lobby");
    for (std::uint64_t seq = 10; seq <= 15; ++seq) {
        b.add(tall(3, seq), true);
    }
    const Pane pane{6, kWidth};
    b.pageUp(pane);  // 5 rows up: the bottom row is the middle one of seq 14
    BOOST_TEST(b.rowsBelow(kWidth) == 5u);
    BOOST_TEST(bottomLine(b).seq == 14u);
    BOOST_TEST(b.hiddenRows(kWidth) == 2u);
    BOOST_TEST(!b.newBelow());
    b.add(tall(10, 16), true);
    BOOST_TEST(b.rowsBelow(kWidth) == 15u);  // the same rows on screen
    BOOST_TEST(bottomLine(b).seq == 14u);
    BOOST_TEST(b.hiddenRows(kWidth) == 2u);
    BOOST_TEST(b.newBelow());
    b.add(tall(3, 5), true);  // history catch-up, above the view
    BOOST_TEST(b.rowsBelow(kWidth) == 15u);
    BOOST_TEST(bottomLine(b).seq == 14u);
    // Down all the way: following, and the flag goes.
    b.pageDown(pane);
    BOOST_TEST(b.rowsBelow(kWidth) == 11u);
    BOOST_TEST(b.newBelow());
    for (int i = 0; i < 3; ++i) {
        b.pageDown(pane);
    }
    BOOST_TEST(!b.scrolled());
    BOOST_TEST(!b.newBelow());
}

BOOST_AUTO_TEST_CASE(trimming_keeps_the_view_on_its_line) {
    Buffer b(BufferKind::Room, "lobby", 6);
    for (std::uint64_t seq = 1; seq <= 6; ++seq) {
        b.add(tall(3, seq), true);
    }
    const Pane pane{4, kWidth};
    b.pageUp(pane);
    b.pageUp(pane);  // 3 + 2 rows up: seq 5's first row at the bottom
    BOOST_TEST(bottomLine(b).seq == 5u);
    b.add(tall(3, 7), true);  // seq 1 goes
    BOOST_TEST(b.lines().front().seq == 2u);
    BOOST_TEST(bottomLine(b).seq == 5u);
    BOOST_TEST(b.hiddenRows(kWidth) == 2u);
    BOOST_TEST(b.rowsBelow(kWidth) == 8u);
    // With the bottom line itself trimmed, the oldest line left is at the bottom.
    for (int i = 0; i < 10; ++i) {
        b.pageUp(pane);
    }
    BOOST_TEST(bottomLine(b).seq == 2u);
    b.add(tall(3, 8), true);
    BOOST_TEST(b.scroll() == b.lines().size() - 1);
    BOOST_TEST(bottomLine(b).seq == 3u);
}

BOOST_AUTO_TEST_CASE(show_seq_keeps_the_hit_in_view_under_tall_lines) {
    Buffer b(BufferKind::Room, "lobby");
    for (std::uint64_t seq = 1; seq <= 10; ++seq) {
        b.add(tall(seq == 4 ? 10 : 3, seq), true);
    }
    const Pane pane{8, kWidth};  // 7 rows shown while scrolled
    // Seq 2 and the two after it take 9 rows: only seq 3 fits below it.
    BOOST_TEST(b.showSeq(1, 2, 2, pane));
    BOOST_TEST(bottomLine(b).seq == 3u);
    BOOST_TEST(b.hiddenRows(kWidth) == 0u);
    // Seq 4 alone is taller than the pane: its first 7 rows.
    BOOST_TEST(b.showSeq(1, 4, 2, pane));
    BOOST_TEST(bottomLine(b).seq == 4u);
    BOOST_TEST(b.hiddenRows(kWidth) == 3u);
    BOOST_TEST(b.lines()[3].marked);
}

namespace {
Line pending(const std::string& t, std::uint64_t id) {
    Line l = text(t);
    l.nick = "ana";
    l.own = true;
    l.sendId = id;
    l.send = SendState::Queued;
    return l;
}

// The text of the view's bottom line.
std::string bottom(const Buffer& b) {
    return b.lines()[b.lines().size() - 1 - b.scroll()].text;
}
}  // namespace

BOOST_AUTO_TEST_CASE(pending_lines_stay_below_the_hubs_lines) {
    Buffer b(BufferKind::Room, "lobby", 3);
    b.add(text("hub 1", 1), true);
    b.addPending(pending("mine", 7));
    b.add(text("hub 2", 2), true);
    b.add(text("a notice"), true);
    BOOST_TEST_REQUIRE(b.lines().size() == 4u);
    BOOST_TEST(b.lines().back().text == "mine");
    BOOST_TEST(b.pendingLines() == 1u);
    // Scrollback counts the hub's lines: the pending one is never trimmed.
    b.add(text("hub 3", 3), true);
    BOOST_TEST(b.lines().front().text == "hub 2");
    BOOST_TEST(b.lines().back().text == "mine");
    BOOST_TEST(b.updatePending(7, SendState::Failed, "refused"));
    BOOST_TEST(sendMark(b.lines().back()) == " [not sent: refused; /retry]");
    BOOST_TEST(!b.updatePending(8, SendState::Sending));
    // /clear keeps what is still to be decided.
    b.clear();
    BOOST_TEST(b.lines().size() == 1u);
    BOOST_TEST(b.removePending(7));
    BOOST_TEST(b.lines().empty());
    BOOST_TEST(!b.removePending(7));
}

BOOST_AUTO_TEST_CASE(a_pending_line_leaving_keeps_a_scrolled_view_still) {
    Buffer b(BufferKind::Room, "lobby");
    for (int i = 0; i < 10; ++i) {
        b.add(text("hub " + std::to_string(i), static_cast<std::uint64_t>(i + 1)), true);
    }
    for (std::uint64_t id = 1; id <= 3; ++id) {
        b.addPending(pending("pending " + std::to_string(id), id));
    }
    const Pane pane{5, 80};
    b.scrollUp(4, pane);  // bottom: 4 lines up from the newest
    BOOST_TEST(bottom(b) == "hub 8");
    // A pending line below the view goes: the view does not move.
    BOOST_TEST(b.removePending(3));
    BOOST_TEST(bottom(b) == "hub 8");
    // New pending lines below the view do not move it either.
    b.addPending(pending("pending 4", 4));
    BOOST_TEST(bottom(b) == "hub 8");
    // The bottom line itself goes: the line above it takes its place.
    b.scrollDown(2, pane);
    BOOST_TEST(bottom(b) == "pending 1");
    BOOST_TEST(b.removePending(1));
    BOOST_TEST(bottom(b) == "hub 9");
}

#define BOOST_TEST_MODULE BufferTest
#include "model/Buffer.hpp"

#include <boost/test/unit_test.hpp>

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
    b.scrollUp(4);
    BOOST_TEST(b.scroll() == 4u);
    BOOST_TEST(!b.newBelow());
    b.add(text("new"), true);
    BOOST_TEST(b.scroll() == 5u);  // the same lines stay on screen
    BOOST_TEST(b.newBelow());
    b.scrollDown(2);
    BOOST_TEST(b.newBelow());
    b.scrollDown(100);
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
    b.scrollUp(100);
    BOOST_TEST(b.scroll() == 2u);
    b.clear();
    BOOST_TEST(b.scroll() == 0u);
    b.scrollUp(1);
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
    BOOST_TEST(!b.showSeq(1, 21, 3));
    BOOST_TEST(!b.showSeq(2, 5, 3));
    BOOST_TEST(b.showSeq(1, 5, 3));
    BOOST_TEST(b.scroll() == 12u);  // 15 below it, 3 of them shown
    BOOST_TEST(b.lines()[4].marked);
    BOOST_TEST(b.showSeq(1, 19, 3));
    BOOST_TEST(b.scroll() == 0u);
    BOOST_TEST(!b.lines()[4].marked);
    BOOST_TEST(b.lines()[18].marked);
}

// The commands people type from habit (aliases, /help CMD, /query, /close,
// /ignore, /whois, /away), on the model and as ChatView draws them.
#define BOOST_TEST_MODULE ChatModelCommandsTest
#include "model/ChatModel.hpp"

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <string>
#include <vector>

#include "FakeHub.hpp"
#include "OnlineModel.hpp"
#include "TestLocale.hpp"
#include "ui/ChatView.hpp"
#include "ui/TextGrid.hpp"

using namespace hermes::tui;
using namespace hermes::tui::test;
using namespace std::chrono_literals;
using hermes::client::Event;
using hermes::client::EventKind;
namespace v1 = hermes::v1;

BOOST_TEST_GLOBAL_FIXTURE(Utf8Locale);

namespace {

v1::Envelope privateFrom(const std::string& from, const std::string& text) {
    v1::Envelope e = message("", from, text, 0);
    e.mutable_message()->set_to("ana");
    return e;
}

v1::Envelope awayReply(const std::string& from, const std::string& away) {
    v1::Envelope e = privateFrom(from, from + " is away: " + away);
    e.mutable_message()->set_kind(v1::MESSAGE_KIND_NOTICE);
    e.mutable_message()->set_away(away);
    return e;
}

v1::Envelope presence(const std::string& room, v1::PresenceKind kind, const std::string& nick,
                      const std::string& reason = {}) {
    v1::Envelope e;
    auto* p = e.mutable_presence();
    p->set_room(room);
    p->set_kind(kind);
    p->add_nicks(nick);
    p->set_reason(reason);
    return e;
}

Event disconnected(const std::string& text, bool willRetry = true) {
    Event e;
    e.kind = EventKind::Disconnected;
    e.text = text;
    e.willRetry = willRetry;
    return e;
}

}  // namespace

// ------------------------------------------------------------ commands

BOOST_AUTO_TEST_CASE(unknown_command_is_one_line_not_the_whole_help) {
    Online s;
    const auto added = s.run("/frobnicate now");
    BOOST_TEST_REQUIRE(added.size() == 1u);
    BOOST_TEST(added[0] == "unknown command /frobnicate; /help lists them");
    BOOST_TEST(static_cast<int>(s.lobby().lines().back().kind) ==
               static_cast<int>(LineKind::Error));
    BOOST_TEST(s.hub.said.empty());
    BOOST_TEST(s.hub.calls.empty());
}

BOOST_AUTO_TEST_CASE(missing_arguments_say_the_usage_line) {
    Online s;
    BOOST_TEST(s.run("/join") == std::vector<std::string>{"usage: /join <room>"});
    BOOST_TEST(s.run("/whois") == std::vector<std::string>{"usage: /whois <nick>"});
    BOOST_TEST(s.hub.calls.empty());
}

BOOST_AUTO_TEST_CASE(help_lists_all_and_help_cmd_shows_one) {
    Online s;
    const auto all = s.run("/help");
    BOOST_TEST(all.size() == CommandParser::helpLines().size());
    const auto one = s.run("/help j");
    BOOST_TEST(one == *CommandParser::helpFor("join"));
    BOOST_TEST_REQUIRE(!one.empty());
    BOOST_TEST(one[0].find("(also /j)") != std::string::npos);
    BOOST_TEST(s.run("/help /close") == *CommandParser::helpFor("close"));
    BOOST_TEST(s.run("/help nope") ==
               std::vector<std::string>{"unknown command /nope; /help lists them"});
}

BOOST_AUTO_TEST_CASE(aliases_do_what_their_commands_do) {
    Online s;
    type(s.model, "/j #dev", s.t0);
    type(s.model, "/names", s.t0);
    type(s.model, "/list", s.t0);
    type(s.model, "/leave", s.t0);
    const std::vector<std::string> expected = {"join #dev", "who lobby", "rooms", "leave lobby "};
    BOOST_TEST(s.hub.calls == expected, boost::test_tools::per_element());
    type(s.model, "/win 1", s.t0);
    BOOST_TEST(s.model.activeIndex() == 0u);
    BOOST_TEST(!s.model.quitRequested());
    type(s.model, "/exit gone home", s.t0);
    BOOST_TEST(s.model.quitRequested());
    BOOST_TEST(s.model.quitMessage() == "gone home");
}

BOOST_AUTO_TEST_CASE(query_opens_a_private_window_and_optionally_sends) {
    Online s;
    type(s.model, "/query bob", s.t0);
    BOOST_TEST(s.model.active().name() == "bob");
    BOOST_TEST(static_cast<int>(s.model.active().kind()) == static_cast<int>(BufferKind::Query));
    BOOST_TEST(s.hub.said.empty());
    s.model.switchTo(1);
    type(s.model, "/query Bob are you there?", s.t0);
    BOOST_TEST(s.model.active().name() == "bob");  // the same window, any case
    BOOST_TEST(s.model.buffers().size() == 3u);
    BOOST_TEST_REQUIRE(s.hub.said.size() == 1u);
    BOOST_TEST(s.hub.said[0].isPrivate);
    BOOST_TEST(s.hub.said[0].target == "Bob");
    BOOST_TEST(s.hub.said[0].text == "are you there?");
    const auto added = s.run("/query 2bad");
    BOOST_TEST_REQUIRE(added.size() == 1u);
    BOOST_TEST(added[0].find("Not a nick") == 0u);
    BOOST_TEST(s.model.buffers().size() == 3u);
}

BOOST_AUTO_TEST_CASE(close_parts_a_room_and_closes_other_windows) {
    Online s;
    type(s.model, "/query bob", s.t0);
    BOOST_TEST(s.model.buffers().size() == 3u);
    type(s.model, "/close", s.t0);  // a private window just closes
    BOOST_TEST(s.model.buffers().size() == 2u);
    BOOST_TEST(s.model.active().name() == "lobby");
    const auto added = s.run("/close");  // a room: parted, the window goes when the hub says so
    BOOST_TEST(s.hub.calls == std::vector<std::string>{"leave lobby "});
    BOOST_TEST(added == std::vector<std::string>{"Closing lobby: parting the room."});
    BOOST_TEST(s.model.buffers().size() == 2u);
    s.envelope(presence("lobby", v1::PRESENCE_KIND_LEFT, "ana"));
    BOOST_TEST(s.model.buffers().size() == 1u);
    const auto refused = s.run("/close");  // the status window stays
    BOOST_TEST(refused ==
               std::vector<std::string>{"The status window stays open; /quit leaves Hermes."});
    BOOST_TEST(s.model.buffers().size() == 1u);
}

// ------------------------------------------------------------ ignore

BOOST_AUTO_TEST_CASE(ignore_hides_a_nicks_messages_and_says_so_once_per_window) {
    Online s;
    BOOST_TEST(
        s.run("/ignore") ==
        std::vector<std::string>{"Nobody is ignored; /ignore <nick> hides a nick's messages."});
    const auto added = s.run("/ignore Bob");
    BOOST_TEST_REQUIRE(added.size() == 1u);
    BOOST_TEST(added[0].find("Ignoring Bob") == 0u);
    BOOST_TEST((s.model.takeIgnoreChange() == std::vector<std::string>{"Bob"}));
    BOOST_TEST(!s.model.takeIgnoreChange().has_value());
    // Room messages, any case: kept out, one note.
    const std::size_t before = s.lobby().lines().size();
    s.envelope(message("lobby", "bob", "first", 1));
    s.envelope(message("lobby", "BOB", "second", 2));
    BOOST_TEST(s.lobby().lines().size() == before + 1);
    BOOST_TEST(count(s.lobby(), "first") == 0u);
    BOOST_TEST(count(s.lobby(), "second") == 0u);
    BOOST_TEST(count(s.lobby(), "bob is ignored: their messages here are hidden") == 1u);
    BOOST_TEST(!s.model.takeBell());
    // Private messages: no window opens; one note in the status window.
    s.envelope(privateFrom("bob", "psst"));
    s.envelope(privateFrom("bob", "psst again"));
    BOOST_TEST(s.find(BufferKind::Query, "bob") == nullptr);
    BOOST_TEST(count(s.status(), "bob is ignored: their private messages are hidden") == 1u);
    BOOST_TEST(!s.model.takeBell());
    // Others are not affected; neither is our own nick.
    s.envelope(message("lobby", "carol", "hello", 3));
    BOOST_TEST(s.lobby().lines().back().text == "hello");
    BOOST_TEST(s.run("/ignore ana") == std::vector<std::string>{"You cannot ignore yourself."});
    BOOST_TEST(s.run("/ignore BOB") == std::vector<std::string>{"BOB is already ignored."});
    BOOST_TEST(s.run("/ignore") == std::vector<std::string>{"Ignored (1): Bob"});
    // Unignored: shown again, and saved.
    BOOST_TEST(s.run("/unignore bob") == std::vector<std::string>{"No longer ignoring bob."});
    BOOST_TEST((s.model.takeIgnoreChange() == std::vector<std::string>{}));
    s.envelope(message("lobby", "bob", "third", 4));
    BOOST_TEST(s.lobby().lines().back().text == "third");
    BOOST_TEST(s.run("/unignore bob") == std::vector<std::string>{"bob is not ignored."});
}

BOOST_AUTO_TEST_CASE(ignore_list_from_the_config_applies_from_the_start) {
    Online s;
    s.model.setIgnored({"carol", "Bob"});
    s.envelope(message("lobby", "bob", "a secret", 1));
    BOOST_TEST(count(s.lobby(), "a secret") == 0u);
    BOOST_TEST(s.run("/ignore") == std::vector<std::string>{"Ignored (2): carol, Bob"});
    BOOST_TEST(!s.model.takeIgnoreChange().has_value());  // nothing to save yet
}

// ------------------------------------------------------------ whois and away

BOOST_AUTO_TEST_CASE(whois_asks_the_hub_and_shows_a_few_notice_lines) {
    Online s;
    type(s.model, "/whois bob", s.t0);
    BOOST_TEST(s.hub.calls == std::vector<std::string>{"whois bob"});
    v1::Envelope e;
    auto* r = e.mutable_whois_reply();
    r->set_nick("Bob");
    r->add_rooms("dev");
    r->add_rooms("lobby");
    r->set_signed_on_ms(kNowMs - 3'720'000);  // 1h 2m ago: 11:32 UTC
    r->set_idle_ms(252'000);
    r->set_away("lunch");
    r->set_client_name("hermes-tui 0.1");
    const std::size_t before = s.lobby().lines().size();
    s.envelope(e);
    std::vector<std::string> shown;
    for (std::size_t i = before; i < s.lobby().lines().size(); ++i) {
        shown.push_back(s.lobby().lines()[i].text);
        BOOST_TEST(static_cast<int>(s.lobby().lines()[i].kind) ==
                   static_cast<int>(LineKind::Notice));
    }
    const std::vector<std::string> expected = {"Bob (hermes-tui 0.1)", "  rooms: dev, lobby",
                                               "  signed on 11:32, 1h 2m ago; idle 4m 12s",
                                               "  away: lunch", "End of /whois Bob"};
    BOOST_TEST(shown == expected, boost::test_tools::per_element());
    BOOST_TEST(s.model.isAway("bob"));
    // Not away, no rooms, no client name: fewer lines.
    r->clear_rooms();
    r->clear_away();
    r->clear_client_name();
    s.envelope(e);
    BOOST_TEST(s.lobby().lines().back().text == "End of /whois Bob");
    BOOST_TEST(count(s.lobby(), "  in no rooms") == 1u);
    BOOST_TEST(!s.model.isAway("bob"));
    // Nobody: the hub's error, one line where the user is.
    v1::Envelope nobody;
    nobody.mutable_error()->set_code(v1::ERROR_CODE_NO_SUCH_NICK);
    nobody.mutable_error()->set_text("no one is called zed");
    s.envelope(nobody);
    BOOST_TEST(s.lobby().lines().back().text == "no one is called zed");
}

BOOST_AUTO_TEST_CASE(away_is_asked_confirmed_and_shown) {
    Online s;
    type(s.model, "/away lunch break", s.t0);
    BOOST_TEST(s.hub.calls == std::vector<std::string>{"away lunch break"});
    BOOST_TEST(!s.model.away());  // until the hub confirms
    s.envelope(presence("", v1::PRESENCE_KIND_AWAY, "ana", "lunch break"));
    s.envelope(presence("lobby", v1::PRESENCE_KIND_AWAY, "ana", "lunch break"));
    BOOST_TEST(s.model.away());
    BOOST_TEST(s.model.awayText() == "lunch break");
    BOOST_TEST(count(s.status(), "You are away: lunch break") == 1u);
    BOOST_TEST(s.lobby().lines().back().text == "ana is away: lunch break");
    // A reconnect: the new session is sent the away text again, quietly.
    s.model.onEvent(disconnected("connection reset"), s.t0);
    s.model.onEvent(welcomed("ana"), s.t0);
    BOOST_TEST(s.hub.calls.back() == "away lunch break");
    s.envelope(presence("", v1::PRESENCE_KIND_AWAY, "ana", "lunch break"));
    BOOST_TEST(count(s.status(), "You are away") == 1u);
    // Back.
    type(s.model, "/away", s.t0);
    BOOST_TEST(s.hub.calls.back() == "away ");
    s.envelope(presence("", v1::PRESENCE_KIND_BACK, "ana"));
    BOOST_TEST(!s.model.away());
    BOOST_TEST(s.status().lines().back().text == "You are back.");
}

BOOST_AUTO_TEST_CASE(others_away_in_rooms_and_member_lists) {
    Online s;
    s.envelope(presence("lobby", v1::PRESENCE_KIND_AWAY, "bob", "meeting"));
    BOOST_TEST(s.lobby().lines().back().text == "bob is away: meeting");
    BOOST_TEST(static_cast<int>(s.lobby().lines().back().kind) ==
               static_cast<int>(LineKind::Presence));
    BOOST_TEST(s.model.isAway("BOB"));
    s.envelope(presence("lobby", v1::PRESENCE_KIND_BACK, "bob"));
    BOOST_TEST(s.lobby().lines().back().text == "bob is back");
    BOOST_TEST(!s.model.isAway("bob"));
    v1::Envelope list;
    list.mutable_members()->set_room("lobby");
    for (const char* n : {"ana", "bob", "carol"}) {
        list.mutable_members()->add_nicks(n);
    }
    list.mutable_members()->add_away("carol");
    s.envelope(list);
    BOOST_TEST(s.model.isAway("carol"));
    BOOST_TEST(!s.model.isAway("bob"));
    // A quit forgets it; a nick change carries it.
    s.envelope(presence("lobby", v1::PRESENCE_KIND_QUIT, "carol"));
    BOOST_TEST(!s.model.isAway("carol"));
    s.envelope(presence("lobby", v1::PRESENCE_KIND_AWAY, "bob", "x"));
    v1::Envelope renamed = presence("lobby", v1::PRESENCE_KIND_NICK_CHANGED, "bob");
    renamed.mutable_presence()->set_new_nick("robert");
    s.envelope(renamed);
    BOOST_TEST(s.model.isAway("robert"));
    BOOST_TEST(!s.model.isAway("bob"));
}

BOOST_AUTO_TEST_CASE(away_reply_to_a_private_message_shows_once_per_run) {
    Online s;
    type(s.model, "/msg bob hello?", s.t0);
    const Buffer& q = *s.find(BufferKind::Query, "bob");
    const std::size_t before = q.lines().size();
    s.envelope(awayReply("bob", "gone fishing"));
    BOOST_TEST_REQUIRE(q.lines().size() == before + 1);
    // Above our own line, which is still pending (no echo in this test).
    const Line& reply = q.lines()[q.lines().size() - 1 - q.pendingLines()];
    BOOST_TEST(reply.text == "bob is away: gone fishing");
    BOOST_TEST(static_cast<int>(reply.kind) == static_cast<int>(LineKind::Notice));
    BOOST_TEST(!reply.mention);
    BOOST_TEST(!s.model.takeBell());
    BOOST_TEST(s.model.isAway("bob"));
    s.envelope(awayReply("bob", "gone fishing"));  // the next message's reply: the same
    BOOST_TEST(q.lines().size() == before + 1);
    s.envelope(awayReply("bob", "back at 5"));  // a new text is news
    BOOST_TEST(q.lines().size() == before + 2);
    s.envelope(privateFrom("bob", "i'm here"));  // they wrote: a later reply is news again
    s.envelope(awayReply("bob", "back at 5"));
    BOOST_TEST(count(q, "bob is away: back at 5") == 2u);
}

BOOST_AUTO_TEST_CASE(view_marks_away_in_the_status_bar_and_dims_away_members) {
    Online s;
    ChatView view;
    s.envelope(presence("", v1::PRESENCE_KIND_AWAY, "ana", "lunch"));
    s.envelope(presence("lobby", v1::PRESENCE_KIND_AWAY, "bob", "meeting"));
    type(s.model, "/members", s.t0);
    TextGrid grid(10, 60);
    view.draw(s.model, grid, dirty::kAll);
    const std::string bar = grid.row(8);
    BOOST_TEST(bar.find("[online] [away]") != std::string::npos, bar);
    int bobRow = -1;
    int anaRow = -1;
    for (int r = 1; r < 8; ++r) {
        // The member pane: "│ nick" from column 41 of 60.
        const std::string row = grid.row(r);
        if (row.ends_with("\u2502 bob")) {
            bobRow = r;
        }
        if (row.ends_with("\u2502 ana")) {
            anaRow = r;
        }
    }
    BOOST_TEST_REQUIRE(bobRow > 0, grid.toString());
    BOOST_TEST_REQUIRE(anaRow > 0);
    BOOST_TEST(grid.styleAt(bobRow, 43).dim);
    BOOST_TEST(grid.styleAt(anaRow, 43).dim);  // we are away too
    s.envelope(presence("lobby", v1::PRESENCE_KIND_BACK, "bob"));
    view.draw(s.model, grid, dirty::kAll);
    BOOST_TEST(!grid.styleAt(bobRow, 43).dim);
}

// Replies, edits, deletes and reactions in hermes-tui: the room's events
// folded into the lines they name, the commands that send them, Up on an
// empty line, /seqs, and how ChatView draws the quote, "(edited)",
// "(deleted)" and the reaction counts.
#define BOOST_TEST_MODULE ChatModelReactionsTest
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <string>
#include <vector>

#include "FakeHub.hpp"
#include "OnlineModel.hpp"
#include "TestLocale.hpp"
#include "model/ChatModel.hpp"
#include "model/MessageEvents.hpp"
#include "ui/ChatView.hpp"
#include "ui/TextGrid.hpp"

using namespace hermes::tui;
using namespace hermes::tui::test;
using hermes::client::Event;
using hermes::client::EventKind;
namespace v1 = hermes::v1;

BOOST_TEST_GLOBAL_FIXTURE(Utf8Locale);

namespace {

const std::string kThumbs = "\xF0\x9F\x91\x8D";
const std::string kParty = "\xF0\x9F\x8E\x89";

v1::Envelope event(const std::string& from, v1::MessageKind kind, std::uint64_t seq,
                   std::uint64_t target, const std::string& text,
                   const std::string& reaction = {}) {
    v1::Envelope e = message("lobby", from, text, seq, 0, kind);
    e.mutable_message()->set_target_seq(target);
    e.mutable_message()->set_reaction(reaction);
    return e;
}

v1::Envelope reply(const std::string& from, std::uint64_t seq, std::uint64_t to,
                   const std::string& text) {
    v1::Envelope e = message("lobby", from, text, seq);
    e.mutable_message()->set_reply_to(to);
    return e;
}

// The drawn screen, one string per row.
std::string screen(const ChatModel& model, int rows = 12, int cols = 60) {
    ChatView view;
    TextGrid grid(rows, cols);
    view.draw(model, grid, dirty::kAll);
    return grid.toString();
}

Event sendFailed(std::uint64_t id, const std::string& why) {
    Event e;
    e.kind = EventKind::SendFailed;
    e.clientMsgId = id;
    e.envelope = std::make_unique<v1::Envelope>();
    e.envelope->mutable_error()->set_client_msg_id(id);
    e.envelope->mutable_error()->set_text(why);
    return e;
}

}  // namespace

BOOST_AUTO_TEST_CASE(events_fold_into_the_line_they_name) {
    Online s;
    s.envelope(message("lobby", "bob", "helo wrold", 1));
    s.envelope(message("lobby", "ana", "hi", 2, 0));
    s.envelope(event("bob", v1::MESSAGE_KIND_EDIT, 3, 1, "hello world"));
    s.envelope(event("ana", v1::MESSAGE_KIND_REACT, 4, 1, "reacted", kThumbs));
    s.envelope(event("carol", v1::MESSAGE_KIND_REACT, 5, 1, "reacted", kThumbs));
    s.envelope(event("carol", v1::MESSAGE_KIND_REACT, 6, 1, "reacted", kParty));
    s.envelope(event("carol", v1::MESSAGE_KIND_REACT, 6, 1, "again", kParty));  // a repeat
    s.envelope(event("bob", v1::MESSAGE_KIND_DELETE, 7, 2, "deleted message 2"));
    s.envelope(event("bob", v1::MESSAGE_KIND_EDIT, 8, 99, "not here"));  // no such line

    const Line* first = s.lobby().findSeq(1);
    BOOST_TEST_REQUIRE(first != nullptr);
    BOOST_TEST(first->text == "hello world");
    BOOST_TEST(first->edited);
    BOOST_TEST(reactionSummary(*first) == kThumbs + " 2  " + kParty + " 1");
    BOOST_TEST(s.lobby().findSeq(2)->deleted);
    // Events are no lines of their own.
    BOOST_TEST(s.lobby().findSeq(3) == nullptr);
    BOOST_TEST(s.lobby().findSeq(8) == nullptr);

    s.envelope(event("carol", v1::MESSAGE_KIND_UNREACT, 9, 1, "removed", kParty));
    BOOST_TEST(reactionSummary(*s.lobby().findSeq(1)) == kThumbs + " 2");

    const std::string shown = screen(s.model);
    BOOST_TEST(shown.find("<bob> hello world (edited)") != std::string::npos, shown);
    BOOST_TEST(shown.find("  " + kThumbs + " 2") != std::string::npos, shown);
    BOOST_TEST(shown.find("<ana> (deleted)") != std::string::npos, shown);
    BOOST_TEST(shown.find("helo wrold") == std::string::npos, shown);
}

// Reactions fold by reactor (an account, or one connection), not by nick:
// the same member under a new nick is one reaction, shown by its newest
// nick, and its UNREACT under the new nick removes it.
BOOST_AUTO_TEST_CASE(reactions_fold_by_reactor_and_show_the_newest_nick) {
    Online s;
    s.envelope(message("lobby", "bob", "ship it", 1));
    const auto react = [](const std::string& from, v1::MessageKind kind, std::uint64_t seq,
                          const std::string& reactor) {
        v1::Envelope e = event(from, kind, seq, 1, "reacted", kThumbs);
        e.mutable_message()->set_reactor(reactor);
        return e;
    };
    s.envelope(react("carol", v1::MESSAGE_KIND_REACT, 2, "carol"));
    s.envelope(react("carla", v1::MESSAGE_KIND_REACT, 3, "carol"));   // her phone
    s.envelope(react("carol", v1::MESSAGE_KIND_REACT, 4, "~19a.7"));  // someone else as carol
    const Line* line = s.lobby().findSeq(1);
    BOOST_TEST_REQUIRE(line != nullptr);
    BOOST_TEST(reactionSummary(*line) == kThumbs + " 2");
    BOOST_TEST_REQUIRE(line->reactions.size() == 1u);
    BOOST_TEST((line->reactions[0].nicks == std::vector<std::string>{"carla", "carol"}));
    s.envelope(react("carla", v1::MESSAGE_KIND_UNREACT, 5, "carol"));
    BOOST_TEST(reactionSummary(*s.lobby().findSeq(1)) == kThumbs + " 1");
    s.envelope(react("carol", v1::MESSAGE_KIND_UNREACT, 6, "~19a.7"));
    BOOST_TEST(reactionSummary(*s.lobby().findSeq(1)).empty());
}

BOOST_AUTO_TEST_CASE(a_reply_shows_the_first_line_it_answers_above_it) {
    Online s;
    s.envelope(message("lobby", "bob", "lunch at noon?", 1));
    s.envelope(reply("ana", 2, 1, "yes"));
    s.envelope(reply("ana", 3, 77, "to something older"));
    BOOST_TEST(s.lobby().findSeq(2)->quote == "bob: lunch at noon?");
    BOOST_TEST(s.lobby().findSeq(3)->quote == "message 77");
    const std::string shown = screen(s.model);
    const auto quote = shown.find("  > bob: lunch at noon?");
    const auto answer = shown.find("<ana> yes");
    BOOST_TEST_REQUIRE(quote != std::string::npos, shown);
    BOOST_TEST_REQUIRE(answer != std::string::npos, shown);
    BOOST_TEST(quote < answer);
    // An edit of the message changes the quote; a delete hides it.
    s.envelope(event("bob", v1::MESSAGE_KIND_EDIT, 4, 1, "lunch at one?"));
    BOOST_TEST(s.lobby().findSeq(2)->quote == "bob: lunch at one?");
    s.envelope(event("bob", v1::MESSAGE_KIND_DELETE, 5, 1, "deleted message 1"));
    BOOST_TEST(s.lobby().findSeq(2)->quote == "bob: (deleted)");
}

BOOST_AUTO_TEST_CASE(commands_send_the_events_of_the_current_room) {
    Online s;
    s.envelope(message("lobby", "bob", "ship it?", 1));
    s.envelope(message("lobby", "ana", "mine", 2));
    s.envelope(message("lobby", "bob", "newest", 3));

    type(s.model, "/reply yes", s.t0);  // no seq: the newest from someone else
    BOOST_TEST_REQUIRE(s.hub.says.size() == 1u);
    BOOST_TEST(s.hub.says[0].reply_to() == 3u);
    BOOST_TEST(s.hub.says[0].text() == "yes");
    BOOST_TEST(s.lobby().lines().back().quote == "bob: newest");  // pending, quoted
    BOOST_TEST((s.lobby().lines().back().send == SendState::Queued));

    type(s.model, "/react 1 " + kThumbs, s.t0);
    type(s.model, "/react " + kParty, s.t0);
    type(s.model, "/edit 2 mine, fixed", s.t0);
    type(s.model, "/delete 2", s.t0);
    BOOST_TEST_REQUIRE(s.hub.says.size() == 5u);
    BOOST_TEST(s.hub.says[1].kind() == v1::MESSAGE_KIND_REACT);
    BOOST_TEST(s.hub.says[1].target_seq() == 1u);
    BOOST_TEST(s.hub.says[1].text() == kThumbs);
    BOOST_TEST(s.hub.says[2].target_seq() == 3u);
    BOOST_TEST(s.hub.says[3].kind() == v1::MESSAGE_KIND_EDIT);
    BOOST_TEST(s.hub.says[3].text() == "mine, fixed");
    BOOST_TEST(s.hub.says[4].kind() == v1::MESSAGE_KIND_DELETE);
    BOOST_TEST(s.hub.says[4].room() == "lobby");

    // /unreact without a seq: the newest message carrying our reaction.
    s.envelope(event("ana", v1::MESSAGE_KIND_REACT, 4, 1, "reacted", kThumbs));
    type(s.model, "/unreact " + kThumbs, s.t0);
    BOOST_TEST_REQUIRE(s.hub.says.size() == 6u);
    BOOST_TEST(s.hub.says[5].kind() == v1::MESSAGE_KIND_UNREACT);
    BOOST_TEST(s.hub.says[5].target_seq() == 1u);

    // The hub's refusal is said in the room.
    s.model.onEvent(sendFailed(s.hub.says[3].client_msg_id(), "message 2 of lobby is not yours"),
                    s.t0);
    const auto& lines = s.lobby().lines();
    BOOST_TEST(std::count_if(lines.begin(), lines.end(), [](const Line& l) {
                   return l.text == "Not done: message 2 of lobby is not yours" &&
                          l.kind == LineKind::Error;
               }) == 1);
}

BOOST_AUTO_TEST_CASE(without_a_target_the_commands_say_how_to_name_one) {
    Online s;
    s.envelope(message("lobby", "ana", "only me here", 1));
    const auto added = s.run("/react " + kThumbs);
    BOOST_TEST_REQUIRE(added.size() == 1u);
    BOOST_TEST(added[0].find("No message from someone else") != std::string::npos);
    BOOST_TEST(s.hub.says.empty());
}

BOOST_AUTO_TEST_CASE(up_on_an_empty_line_edits_our_newest_line) {
    Online s;
    type(s.model, "/seqs", s.t0);  // in the input history
    s.envelope(message("lobby", "ana", "teh typo", 1));
    s.envelope(message("lobby", "bob", "lol", 2));
    hermes::tui::Key up;
    up.code = KeyCode::Up;
    s.model.handleKey(up, s.t0);
    BOOST_TEST(s.model.editor().text() == "/edit 1 teh typo");
    // Up again: the input history, as before.
    s.model.handleKey(up, s.t0);
    BOOST_TEST(s.model.editor().text() == "/seqs");
}

BOOST_AUTO_TEST_CASE(seqs_shows_each_room_lines_number) {
    Online s;
    s.envelope(message("lobby", "bob", "first", 41));
    BOOST_TEST(screen(s.model).find("[41]") == std::string::npos);
    type(s.model, "/seqs", s.t0);
    s.envelope(message("lobby", "bob", "second", 42));
    const std::string shown = screen(s.model);
    BOOST_TEST(shown.find("[41] ") != std::string::npos, shown);
    BOOST_TEST(shown.find("[42] ") != std::string::npos, shown);
    type(s.model, "/seqs", s.t0);
    BOOST_TEST(screen(s.model).find("[42] ") == std::string::npos);
}

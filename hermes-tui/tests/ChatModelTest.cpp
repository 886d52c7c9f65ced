#define BOOST_TEST_MODULE ChatModelTest
#include "model/ChatModel.hpp"

#include <boost/test/unit_test.hpp>

#include "FakeHub.hpp"
#include "TestLocale.hpp"
#include "model/LineLayout.hpp"

using namespace hermes::tui;
using namespace hermes::tui::test;
using namespace std::chrono_literals;
using hermes::client::Event;
using hermes::client::EventKind;

BOOST_TEST_GLOBAL_FIXTURE(Utf8Locale);

namespace {

struct Online {
    FakeHub hub;
    ChatModel model;
    SteadyTime t0{};

    explicit Online(unsigned rate = 0, unsigned burst = 10)
        : model(hub, ChatModel::Settings{"127.0.0.1", 7070, "ana", "lobby", 2000ms}) {
        model.onEvent(welcomed("ana", 1, rate, burst), t0);
        model.onEnvelope(joined("lobby", "ana"), t0);
    }
    const Buffer& lobby() const { return *model.buffers().at(1); }
};

hermes::v1::Envelope searchResults(const std::string& room, const std::string& query,
                                   const std::vector<std::uint64_t>& seqs, bool hasMore) {
    hermes::v1::Envelope env;
    auto* r = env.mutable_search_results();
    r->set_room(room);
    r->set_query(query);
    r->set_has_more(hasMore);
    for (const std::uint64_t seq : seqs) {
        *r->add_messages() =
            message(room, "bob", query + " at " + std::to_string(seq), seq).message();
    }
    return env;
}

hermes::v1::Envelope historyPage(const std::string& room, std::uint64_t first, std::uint64_t last) {
    hermes::v1::Envelope env;
    auto* p = env.mutable_history_page();
    p->set_room(room);
    p->set_epoch(1);
    for (std::uint64_t seq = first; seq <= last && first != 0; ++seq) {
        *p->add_messages() = message(room, "bob", "line " + std::to_string(seq), seq).message();
    }
    return env;
}

std::vector<std::string> texts(const Buffer& b) {
    std::vector<std::string> out;
    for (const Line& l : b.lines()) {
        out.push_back(l.text);
    }
    return out;
}

const Line* lineWithSeq(const Buffer& b, std::uint64_t seq) {
    for (const Line& l : b.lines()) {
        if (l.seq == seq) {
            return &l;
        }
    }
    return nullptr;
}

Key key(KeyCode code, int digit = 0) {
    Key k;
    k.code = code;
    k.digit = digit;
    return k;
}

}  // namespace

BOOST_AUTO_TEST_CASE(joins_the_configured_room_and_switches_to_it) {
    Online s;
    BOOST_TEST(s.hub.calls.at(0) == "join lobby");
    BOOST_REQUIRE(s.model.buffers().size() == 2u);
    BOOST_TEST(s.model.active().name() == "lobby");
    BOOST_TEST(static_cast<int>(s.model.connState()) == static_cast<int>(ConnState::Online));
}

// A line of the buffer (notes go above the pending lines) says `text`.
bool says(const Buffer& b, const std::string& text) {
    for (const Line& l : b.lines()) {
        if (l.text.find(text) != std::string::npos) {
            return true;
        }
    }
    return false;
}

Event sendEvent(EventKind kind, std::uint64_t id, const std::string& text = {}) {
    Event e;
    e.kind = kind;
    e.clientMsgId = id;
    e.text = text;
    return e;
}

BOOST_AUTO_TEST_CASE(own_line_is_pending_until_its_echo) {
    Online s;
    const std::size_t before = s.lobby().lines().size();
    type(s.model, "hello all", s.t0);
    BOOST_REQUIRE(s.hub.said.size() == 1u);
    BOOST_TEST(s.hub.said[0].target == "lobby");
    // Shown at once, dimmed at the bottom with its state.
    BOOST_REQUIRE(s.lobby().lines().size() == before + 1);
    const Line& pending = s.lobby().lines().back();
    BOOST_TEST(pending.text == "hello all");
    BOOST_TEST((pending.send == SendState::Queued));
    BOOST_TEST(s.model.pendingCount() == 1u);
    s.model.onEvent(sendEvent(EventKind::SendWritten, s.hub.said[0].id), s.t0);
    BOOST_TEST((s.lobby().lines().back().send == SendState::Sending));
    // Someone else's line arrives first: it goes above ours.
    s.model.onEnvelope(message("lobby", "bob", "hi", 1), s.t0);
    BOOST_TEST(s.lobby().lines().back().text == "hello all");
    BOOST_TEST(s.lobby().lines()[s.lobby().lines().size() - 2].text == "hi");
    // The echo takes its place in the hub's order; the pending line goes.
    s.model.onEnvelope(message("lobby", "ana", "hello all", 2, s.hub.said[0].id), s.t0 + 10ms);
    s.model.onEvent(sendEvent(EventKind::SendAcked, s.hub.said[0].id), s.t0 + 10ms);
    BOOST_TEST(s.model.pendingCount() == 0u);
    BOOST_REQUIRE(s.lobby().lines().size() == before + 2);
    BOOST_TEST(s.lobby().lines().back().text == "hello all");
    BOOST_TEST(s.lobby().lines().back().own);
    BOOST_TEST((s.lobby().lines().back().send == SendState::None));
    BOOST_TEST(s.lobby().lines().back().seq == 2u);
}

BOOST_AUTO_TEST_CASE(a_failed_line_says_why_and_retry_sends_it_again) {
    Online s;
    type(s.model, "one", s.t0);
    type(s.model, "two", s.t0);
    // No time limit: the core says where a line is.
    s.model.tick(s.t0 + 60s);
    BOOST_TEST(s.model.pendingCount() == 2u);
    BOOST_TEST(!s.model.nextDeadline().has_value());
    s.model.onEvent(sendEvent(EventKind::SendFailed, s.hub.said[0].id,
                              "the connection dropped before the hub confirmed it"),
                    s.t0);
    Event refused = sendEvent(EventKind::SendFailed, s.hub.said[1].id, "ignored");
    refused.envelope = std::make_unique<hermes::v1::Envelope>();
    refused.envelope->mutable_error()->set_client_msg_id(s.hub.said[1].id);
    refused.envelope->mutable_error()->set_text("text too long");
    s.model.onEvent(refused, s.t0);
    BOOST_TEST(s.model.pendingCount() == 0u);
    BOOST_TEST(s.model.failedCount() == 2u);
    const auto& lines = s.lobby().lines();
    BOOST_REQUIRE(lines.size() >= 2u);
    BOOST_TEST((lines[lines.size() - 2].send == SendState::Failed));
    BOOST_TEST(lines[lines.size() - 2].sendNote.find("dropped") != std::string::npos);
    BOOST_TEST(lines.back().sendNote == "text too long");
    BOOST_TEST(sendMark(lines.back()) == " [not sent: text too long; /retry]");
    // /retry sends both again, in order, as new sends.
    type(s.model, "/retry", s.t0);
    BOOST_REQUIRE(s.hub.said.size() == 4u);
    BOOST_TEST(s.hub.said[2].text == "one");
    BOOST_TEST(s.hub.said[3].text == "two");
    BOOST_TEST(s.model.failedCount() == 0u);
    BOOST_TEST(s.model.pendingCount() == 2u);
    BOOST_TEST(s.lobby().pendingLines() == 2u);
}

BOOST_AUTO_TEST_CASE(a_paste_goes_to_the_core_at_once_which_paces_it) {
    Online s(5, 4);
    for (int i = 0; i < 6; ++i) {
        type(s.model, "line " + std::to_string(i), s.t0);
    }
    // The client core paces to Welcome.limits (ClientSession); the model
    // neither holds lines back nor has a timer for them.
    BOOST_TEST(s.hub.said.size() == 6u);
    BOOST_TEST(s.model.pendingCount() == 6u);
    BOOST_TEST(s.hub.said[5].text == "line 5");
    BOOST_TEST(s.lobby().pendingLines() == 6u);
}

BOOST_AUTO_TEST_CASE(lines_typed_while_offline_show_as_queued) {
    Online s;
    Event down;
    down.kind = EventKind::Disconnected;
    down.text = "connection reset";
    down.willRetry = true;
    s.model.onEvent(down, s.t0);
    BOOST_TEST(static_cast<int>(s.model.connState()) == static_cast<int>(ConnState::Offline));
    type(s.model, "still here", s.t0);
    // Handed to the core, which holds it until it is welcomed again; the
    // window shows it, not only the status bar's count.
    BOOST_TEST(s.hub.said.size() == 1u);
    BOOST_TEST(s.model.pendingCount() == 1u);
    BOOST_TEST(s.lobby().lines().back().text == "still here");
    BOOST_TEST(sendMark(s.lobby().lines().back()) == " [queued]");
    s.model.onEvent(welcomed("ana", 1), s.t0 + 61s);
    BOOST_TEST(s.hub.calls.size() == 1u);  // the room is not joined twice by the UI
    BOOST_TEST(s.model.pendingCount() == 1u);
}

BOOST_AUTO_TEST_CASE(quit_waits_for_lines_on_their_way) {
    Online s;
    type(s.model, "last words", s.t0);
    type(s.model, "/quit bye", s.t0);
    BOOST_TEST(!s.model.quitRequested());
    BOOST_REQUIRE(s.model.nextDeadline().has_value());
    BOOST_TEST((*s.model.nextDeadline() == s.t0 + 2000ms));  // Settings::quitWait here
    BOOST_TEST(says(s.model.active(), "1 line still on the way to the hub"));
    // The echo comes: it leaves, and everything was sent.
    s.model.onEnvelope(message("lobby", "ana", "last words", 1, s.hub.said[0].id), s.t0);
    s.model.onEvent(sendEvent(EventKind::SendAcked, s.hub.said[0].id), s.t0);
    s.model.tick(s.t0 + 10ms);
    BOOST_TEST(s.model.quitRequested());
    BOOST_TEST(s.model.quitMessage() == "bye");
    BOOST_TEST(s.model.exitStatus() == 0);
}

BOOST_AUTO_TEST_CASE(quit_gives_up_after_its_wait_and_says_so_in_the_status) {
    Online s;
    type(s.model, "into the void", s.t0);
    Key ctrlC;
    ctrlC.code = KeyCode::CtrlC;
    s.model.handleKey(ctrlC, s.t0);  // Ctrl-C is /quit
    BOOST_TEST(!s.model.quitRequested());
    s.model.tick(s.t0 + 1999ms);
    BOOST_TEST(!s.model.quitRequested());
    s.model.tick(s.t0 + 2000ms);
    BOOST_TEST(s.model.quitRequested());
    BOOST_TEST(s.model.exitStatus() == 1);
}

BOOST_AUTO_TEST_CASE(quit_again_leaves_at_once_and_failed_lines_are_asked_about) {
    Online s;
    type(s.model, "lost", s.t0);
    s.model.onEvent(sendEvent(EventKind::SendFailed, s.hub.said[0].id, "gone"), s.t0);
    type(s.model, "/quit", s.t0);
    BOOST_TEST(!s.model.quitRequested());  // asked, no timer
    BOOST_TEST(says(s.model.active(), "1 line was not sent"));
    s.model.tick(s.t0 + 60s);
    BOOST_TEST(!s.model.quitRequested());
    type(s.model, "/quit", s.t0 + 60s);
    BOOST_TEST(s.model.quitRequested());
    BOOST_TEST(s.model.exitStatus() == 1);
}

BOOST_AUTO_TEST_CASE(a_line_the_core_cannot_take_is_failed_at_once) {
    Online s;
    s.hub.full = true;
    type(s.model, "too much", s.t0);
    BOOST_TEST(s.model.failedCount() == 1u);
    BOOST_TEST((s.lobby().lines().back().send == SendState::Failed));
    s.hub.full = false;
    type(s.model, "/retry", s.t0);
    BOOST_TEST(s.hub.said.size() == 1u);
    BOOST_TEST(s.model.failedCount() == 0u);
}

BOOST_AUTO_TEST_CASE(mention_rings_and_marks_other_buffer) {
    Online s;
    s.model.onEnvelope(joined("dev", "ana"), s.t0);
    s.model.switchTo(1);  // lobby
    s.model.onEnvelope(message("dev", "bob", "ping ana: look", 1), s.t0);
    BOOST_TEST(s.model.takeBell());
    BOOST_TEST(!s.model.takeBell());
    const Buffer& dev = *s.model.buffers().at(2);
    BOOST_TEST(dev.mentioned());
    BOOST_TEST(dev.lines().back().mention);
    s.model.onEnvelope(message("dev", "bob", "banana", 2), s.t0);
    BOOST_TEST(!s.model.takeBell());  // not a whole word
    s.model.handleKey(key(KeyCode::AltDigit, 3), s.t0);
    BOOST_TEST(s.model.active().name() == "dev");
    BOOST_TEST(!dev.mentioned());
}

BOOST_AUTO_TEST_CASE(window_switching_keys_and_command) {
    Online s;
    s.model.onEnvelope(joined("dev", "ana"), s.t0);
    s.model.switchTo(0);
    s.model.handleKey(key(KeyCode::CtrlN), s.t0);
    BOOST_TEST(s.model.activeIndex() == 1u);
    s.model.handleKey(key(KeyCode::CtrlP), s.t0);
    s.model.handleKey(key(KeyCode::CtrlP), s.t0);
    BOOST_TEST(s.model.activeIndex() == 2u);
    type(s.model, "/window 1", s.t0);
    BOOST_TEST(s.model.activeIndex() == 0u);
    type(s.model, "/window 9", s.t0);
    BOOST_TEST(s.model.activeIndex() == 0u);
    BOOST_TEST(static_cast<int>(s.model.active().lines().back().kind) ==
               static_cast<int>(LineKind::Error));
}

BOOST_AUTO_TEST_CASE(unknown_command_says_so_in_one_line_and_sends_nothing) {
    Online s;
    const std::size_t before = s.lobby().lines().size();
    type(s.model, "/jion dev", s.t0);
    BOOST_TEST(s.hub.said.empty());
    BOOST_TEST(s.hub.calls.size() == 1u);
    BOOST_TEST_REQUIRE(s.lobby().lines().size() == before + 1);
    BOOST_TEST(s.lobby().lines().back().text == "unknown command /jion; /help lists them");
}

BOOST_AUTO_TEST_CASE(commands_reach_the_hub) {
    Online s;
    type(s.model, "/nick bea", s.t0);
    type(s.model, "/topic hello", s.t0);
    type(s.model, "/who", s.t0);
    type(s.model, "/rooms", s.t0);
    type(s.model, "/part", s.t0);
    type(s.model, "/me waves", s.t0);
    const std::vector<std::string> expected = {"join lobby", "nick bea", "topic lobby hello",
                                               "who lobby",  "rooms",    "leave lobby "};
    BOOST_TEST(s.hub.calls == expected, boost::test_tools::per_element());
    BOOST_REQUIRE(s.hub.said.size() == 1u);
    BOOST_TEST(s.hub.said[0].action);
}

BOOST_AUTO_TEST_CASE(nick_change_and_presence) {
    Online s;
    hermes::v1::Envelope mine;
    mine.mutable_presence()->set_kind(hermes::v1::PRESENCE_KIND_NICK_CHANGED);
    mine.mutable_presence()->add_nicks("ana");
    mine.mutable_presence()->set_new_nick("bea");
    s.model.onEnvelope(mine, s.t0);
    BOOST_TEST(s.model.nick() == "bea");
    BOOST_TEST(s.model.takeGrantedNick().value_or("") == "bea");
    s.model.onEnvelope(joined("lobby", "carl"), s.t0);
    BOOST_TEST(s.lobby().members().count("carl") == 1u);
    BOOST_TEST(static_cast<int>(s.lobby().lines().back().kind) ==
               static_cast<int>(LineKind::Presence));
    hermes::v1::Envelope left;
    left.mutable_presence()->set_room("lobby");
    left.mutable_presence()->set_kind(hermes::v1::PRESENCE_KIND_LEFT);
    left.mutable_presence()->add_nicks("bea");
    s.model.onEnvelope(left, s.t0);
    BOOST_TEST(s.model.buffers().size() == 1u);  // our own leave closes the window
}

BOOST_AUTO_TEST_CASE(nick_rejected_prompts_for_another) {
    FakeHub hub;
    ChatModel model(hub, ChatModel::Settings{"h", 1, "ana", "", 2000ms});
    Event rejected;
    rejected.kind = EventKind::NickRejected;
    rejected.envelope = std::make_unique<hermes::v1::Envelope>();
    rejected.envelope->mutable_error()->set_text("nick taken");
    model.onEvent(rejected, SteadyTime{});
    BOOST_TEST(static_cast<int>(model.connState()) == static_cast<int>(ConnState::NickPrompt));
    BOOST_TEST(model.inputPrompt() == "nick> ");
    type(model, "ana2", SteadyTime{});
    BOOST_REQUIRE(hub.calls.size() == 1u);
    BOOST_TEST(hub.calls[0] == "retry ana2");
    BOOST_TEST(hub.said.empty());
}

BOOST_AUTO_TEST_CASE(private_messages_open_a_query_window) {
    Online s;
    type(s.model, "/msg bob psst", s.t0);
    BOOST_TEST(s.model.active().name() == "bob");
    BOOST_REQUIRE(s.hub.said.size() == 1u);
    BOOST_TEST(s.hub.said[0].isPrivate);
    auto echo = message("", "ana", "psst", 0, s.hub.said[0].id);
    echo.mutable_message()->set_to("bob");
    s.model.onEnvelope(echo, s.t0);
    BOOST_TEST(s.model.active().lines().back().text == "psst");
    auto reply = message("", "bob", "yes?", 0);
    reply.mutable_message()->set_to("ana");
    s.model.switchTo(1);
    s.model.onEnvelope(reply, s.t0);
    BOOST_TEST(s.model.takeBell());  // a private message is a mention
    BOOST_TEST(s.model.buffers().at(2)->mentioned());
}

BOOST_AUTO_TEST_CASE(restart_notice_on_a_new_epoch) {
    Online s;
    s.model.onEvent(welcomed("ana", 2), s.t0);
    BOOST_TEST(s.lobby().lines().back().text.find("restarted") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(page_keys_scroll_the_active_buffer) {
    Online s;
    s.model.setScreen(8, 80);  // a pane of 5 rows; every line here takes one
    for (int i = 1; i <= 30; ++i) {
        s.model.onEnvelope(
            message("lobby", "bob", "m" + std::to_string(i), static_cast<std::uint64_t>(i)), s.t0);
    }
    s.model.handleKey(key(KeyCode::PageUp), s.t0);
    BOOST_TEST(s.lobby().scroll() == 4u);
    s.model.onEnvelope(message("lobby", "bob", "new", 31), s.t0);
    BOOST_TEST(s.lobby().newBelow());
    s.model.handleKey(key(KeyCode::PageDown), s.t0);
    s.model.handleKey(key(KeyCode::PageDown), s.t0);
    BOOST_TEST(s.lobby().scroll() == 0u);
}

BOOST_AUTO_TEST_CASE(tab_completes_room_members) {
    Online s;
    hermes::v1::Envelope list;
    list.mutable_members()->set_room("lobby");
    list.mutable_members()->add_nicks("ana");
    list.mutable_members()->add_nicks("zelda");
    s.model.onEnvelope(list, s.t0);
    Key z;
    z.ch = U'z';
    s.model.handleKey(z, s.t0);
    s.model.handleKey(key(KeyCode::Tab), s.t0);
    BOOST_TEST(s.model.editor().text() == "zelda: ");
}

BOOST_AUTO_TEST_CASE(search_lists_hits_newest_first_and_pages_older) {
    Online s;
    type(s.model, "/search deploy", s.t0);
    BOOST_TEST(s.hub.calls.back() == "search lobby before 0: deploy");
    BOOST_TEST(static_cast<int>(s.model.active().kind()) == static_cast<int>(BufferKind::Search));
    BOOST_TEST(s.model.active().name() == "search: deploy");

    s.model.onEnvelope(searchResults("lobby", "deploy", {40, 12}, true), s.t0);
    const auto first = texts(s.model.active());
    BOOST_REQUIRE(first.size() == 4u);
    BOOST_TEST(first[0].find("Searching #lobby for \"deploy\"") == 0u);
    BOOST_TEST(first[1] == "1. [#lobby seq 40 12:34] <bob> deploy at 40");
    BOOST_TEST(first[2] == "2. [#lobby seq 12 12:34] <bob> deploy at 12");
    BOOST_TEST(first[3] == "more results: /search-more");

    type(s.model, "/search-more", s.t0);
    BOOST_TEST(s.hub.calls.back() == "search lobby before 12: deploy");
    s.model.onEnvelope(searchResults("lobby", "deploy", {5}, false), s.t0);
    const auto all = texts(s.model.active());
    BOOST_REQUIRE(all.size() == 6u);
    BOOST_TEST(all[4] == "3. [#lobby seq 5 12:34] <bob> deploy at 5");
    BOOST_TEST(all[5] == "end of results (3)");

    // Nothing more to page: no request, an error instead.
    const std::size_t calls = s.hub.calls.size();
    type(s.model, "/search-more", s.t0);
    BOOST_TEST(s.hub.calls.size() == calls);
    BOOST_TEST(static_cast<int>(s.model.active().lines().back().kind) ==
               static_cast<int>(LineKind::Error));
}

BOOST_AUTO_TEST_CASE(search_in_another_room_with_no_matches) {
    Online s;
    type(s.model, "/search #Dev no such words", s.t0);
    BOOST_TEST(s.hub.calls.back() == "search dev before 0: no such words");
    // A late answer to some other search is not shown as this one's.
    s.model.onEnvelope(searchResults("dev", "older search", {7}, false), s.t0);
    BOOST_TEST(s.model.active().lines().size() == 1u);
    s.model.onEnvelope(searchResults("dev", "no such words", {}, false), s.t0);
    BOOST_TEST(s.model.active().lines().back().text == "no matches for \"no such words\" in #dev");

    // A new search reuses the one results window.
    const std::size_t windows = s.model.buffers().size();
    type(s.model, "/search other", s.t0);
    BOOST_TEST(s.hub.calls.back() == "search dev before 0: other");
    BOOST_TEST(s.model.buffers().size() == windows);
    BOOST_TEST(s.model.active().name() == "search: other");
    BOOST_TEST(s.model.active().lines().size() == 1u);
}

BOOST_AUTO_TEST_CASE(search_without_words_shows_usage_and_sends_nothing) {
    Online s;
    const std::size_t calls = s.hub.calls.size();
    type(s.model, "/search", s.t0);
    BOOST_TEST(s.hub.calls.size() == calls);
    BOOST_TEST(s.model.active().name() == "lobby");
    bool usage = false;
    for (const Line& l : s.lobby().lines()) {
        usage = usage || (l.kind == LineKind::Error && l.text.find("/search") != std::string::npos);
    }
    BOOST_TEST(usage);
}

BOOST_AUTO_TEST_CASE(context_of_a_hit_in_scrollback_marks_and_scrolls_to_it) {
    Online s;
    s.model.setScreen(10, 80);  // 6 rows shown while scrolled: the hit and 5 after it
    for (std::uint64_t seq = 1; seq <= 30; ++seq) {
        s.model.onEnvelope(message("lobby", "bob", "line " + std::to_string(seq), seq), s.t0);
    }
    type(s.model, "/search line", s.t0);
    s.model.onEnvelope(searchResults("lobby", "line", {12}, false), s.t0);
    const std::size_t calls = s.hub.calls.size();
    type(s.model, "/context 1", s.t0);
    BOOST_TEST(s.hub.calls.size() == calls);  // no history needed
    BOOST_TEST(s.model.active().name() == "lobby");
    const Line* hit = lineWithSeq(s.lobby(), 12);
    BOOST_REQUIRE(hit);
    BOOST_TEST(hit->marked);
    BOOST_TEST(!lineWithSeq(s.lobby(), 13)->marked);
    // Lines 13..30 are below it; ChatModel::kContextAfter of them stay visible.
    BOOST_TEST(s.lobby().scroll() == 18u - ChatModel::kContextAfter);
}

BOOST_AUTO_TEST_CASE(context_of_a_hit_not_in_scrollback_fetches_history_around_it) {
    Online s;
    s.model.setScreen(10, 80);
    for (std::uint64_t seq = 100; seq <= 105; ++seq) {
        s.model.onEnvelope(message("lobby", "bob", "line " + std::to_string(seq), seq), s.t0);
    }
    type(s.model, "/search line", s.t0);
    s.model.onEnvelope(searchResults("lobby", "line", {104, 50}, false), s.t0);
    type(s.model, "/context 2", s.t0);
    BOOST_TEST(s.hub.calls.back() == "history lobby after 40 limit 20");
    BOOST_TEST(s.model.active().name() == "lobby");

    s.model.onEnvelope(historyPage("lobby", 41, 60), s.t0);
    const Line* hit = lineWithSeq(s.lobby(), 50);
    BOOST_REQUIRE(hit);
    BOOST_TEST(hit->marked);
    // Fetched lines sit in seq order before the newer ones: 51..60, 100..105 below.
    BOOST_TEST(s.lobby().lines().back().seq == 105u);
    BOOST_TEST(s.lobby().scroll() == 16u - ChatModel::kContextAfter);

    // A hit near the start asks from seq 0; one already shown needs no request.
    type(s.model, "/context 1", s.t0);
    BOOST_TEST(s.hub.calls.back() == "history lobby after 40 limit 20");
    BOOST_TEST(lineWithSeq(s.lobby(), 104)->marked);
    BOOST_TEST(!lineWithSeq(s.lobby(), 50)->marked);
}

BOOST_AUTO_TEST_CASE(context_in_a_room_not_joined_and_gone_from_history) {
    Online s;
    type(s.model, "/search #dev word", s.t0);
    s.model.onEnvelope(searchResults("dev", "word", {3}, false), s.t0);
    type(s.model, "/context 1", s.t0);
    BOOST_TEST(s.hub.calls.back() == "history dev after 0 limit 20");
    BOOST_TEST(s.model.active().name() == "dev");
    BOOST_TEST(s.model.active().lines().back().text.find("Not joined") == 0u);
    s.model.onEnvelope(historyPage("dev", 0, 0), s.t0);  // nothing left
    BOOST_TEST(s.model.active().lines().back().text == "Message seq 3 is no longer available");
}

BOOST_AUTO_TEST_CASE(context_with_a_bad_number_is_an_error) {
    Online s;
    const std::size_t calls = s.hub.calls.size();
    type(s.model, "/context 1", s.t0);
    BOOST_TEST(s.hub.calls.size() == calls);
    BOOST_TEST(s.lobby().lines().back().text == "No search results: /search <words> first");
    type(s.model, "/search x", s.t0);
    s.model.onEnvelope(searchResults("lobby", "x", {9}, false), s.t0);
    type(s.model, "/context 2", s.t0);
    BOOST_TEST(s.model.active().lines().back().text == "No search hit 2 (1-1)");
}

BOOST_AUTO_TEST_CASE(a_line_failing_during_the_quit_wait_asks_and_does_not_spin) {
    Online s;
    type(s.model, "on its way", s.t0);
    type(s.model, "/quit", s.t0);
    s.model.onEvent(sendEvent(EventKind::SendFailed, s.hub.said[0].id, "refused"), s.t0 + 1s);
    s.model.tick(s.t0 + 1s);
    BOOST_TEST(!s.model.quitRequested());
    // The wait is over (nothing is on its way): no deadline left to spin on.
    BOOST_TEST(!s.model.nextDeadline().has_value());
    BOOST_TEST(says(s.model.active(), "/quit again to leave"));
    type(s.model, "/quit", s.t0 + 2s);
    BOOST_TEST(s.model.quitRequested());
    BOOST_TEST(s.model.exitStatus() == 1);
}

BOOST_AUTO_TEST_CASE(a_line_whose_window_was_closed_fails_in_the_status_window) {
    Online s;
    type(s.model, "/msg bob are you there?", s.t0);
    BOOST_REQUIRE(s.hub.said.size() == 1u);
    type(s.model, "/close", s.t0);  // the private window goes; the line is on its way
    s.model.onEvent(sendEvent(EventKind::SendFailed, s.hub.said[0].id, "no one is called bob"),
                    s.t0);
    BOOST_TEST(says(*s.model.buffers().at(0), "Not sent to bob (no one is called bob)"));
    BOOST_TEST(s.model.failedCount() == 0u);  // said, not kept where no window shows it
    BOOST_TEST(s.model.exitStatus() == 1);    // but it was not sent
}

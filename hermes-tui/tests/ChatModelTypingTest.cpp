// Typing notices and read markers in the model, the clock driven by hand:
// "ana is typing…" for the window on screen, gone at 6 s or at her message;
// our typing sent at most every 3 s and a stop when the line is cleared;
// nothing either way with typing off or on a hub without typing; read
// markers (another device's) set unread counts, a viewed room is marked
// read (paced), and "new messages" sits before the first unread line.
#define BOOST_TEST_MODULE ChatModelTypingTest
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <chrono>
#include <string>

#include "FakeHub.hpp"
#include "TestLocale.hpp"
#include "model/ChatModel.hpp"
#include "ui/ChatView.hpp"
#include "ui/TextGrid.hpp"

using namespace hermes::tui;
using namespace hermes::tui::test;
using namespace std::chrono_literals;
namespace v1 = hermes::v1;

BOOST_TEST_GLOBAL_FIXTURE(Utf8Locale);

namespace {

hermes::client::Event welcomedWith(bool typing, bool markers) {
    hermes::client::Event e = welcomed("ana");
    e.envelope->mutable_welcome()->set_typing(typing);
    e.envelope->mutable_welcome()->set_read_markers(markers);
    e.envelope->mutable_welcome()->set_account("ana");  // markers follow an account
    return e;
}

v1::Envelope notice(const std::string& room, const std::string& from, bool stopped = false) {
    v1::Envelope e;
    e.mutable_typing_notice()->set_room(room);
    e.mutable_typing_notice()->set_from(from);
    e.mutable_typing_notice()->set_stopped(stopped);
    e.mutable_typing_notice()->set_expires_ms(6000);
    return e;
}

v1::Envelope markers(const std::string& room, std::uint64_t seq) {
    v1::Envelope e;
    auto* m = e.mutable_read_markers()->add_markers();
    m->set_room(room);
    m->set_seq(seq);
    return e;
}

struct Scene {
    explicit Scene(bool typing = true, bool hubTyping = true) {
        ChatModel::Settings settings{"127.0.0.1", 7070, "ana", "lobby", 2000ms};
        settings.typing = typing;
        model = std::make_unique<ChatModel>(hub, settings);
        model->setWallClock([] { return std::int64_t{45296000}; });
        model->onEvent(welcomedWith(hubTyping, true), t0);
        model->onEnvelope(joined("lobby", "ana"), t0);
        model->onEnvelope(joined("lobby", "bob"), t0);
        hub.calls.clear();
    }
    void key(char32_t ch, SteadyTime now) {
        Key k;
        k.ch = ch;
        model->handleKey(k, now);
    }
    void press(KeyCode code, SteadyTime now) {
        Key k;
        k.code = code;
        model->handleKey(k, now);
    }
    std::size_t called(const std::string& prefix) const {
        return static_cast<std::size_t>(
            std::count_if(hub.calls.begin(), hub.calls.end(),
                          [&](const std::string& c) { return c.rfind(prefix, 0) == 0; }));
    }
    std::string statusRow() {
        TextGrid grid(12, 80);
        view.draw(*model, grid, dirty::kAll);
        return grid.row(10);
    }
    FakeHub hub;
    std::unique_ptr<ChatModel> model;
    ChatView view;
    SteadyTime t0{};
};

}  // namespace

BOOST_AUTO_TEST_CASE(the_status_line_says_who_types_until_6_s_or_their_message) {
    Scene s;
    s.model->onEnvelope(notice("lobby", "bob"), s.t0);
    BOOST_TEST(s.model->typingStatus() == "bob is typing\u2026");
    BOOST_TEST(s.statusRow().find("bob is typing\u2026") != std::string::npos, s.statusRow());
    BOOST_TEST((s.model->nextDeadline() == s.t0 + 6s));
    s.model->onEnvelope(notice("lobby", "cat"), s.t0 + 1s);
    BOOST_TEST(s.model->typingStatus() == "bob and cat are typing\u2026");
    s.model->tick(s.t0 + 6s);
    BOOST_TEST(s.model->typingStatus() == "cat is typing\u2026");
    s.model->onEnvelope(message("lobby", "cat", "done", 1), s.t0 + 2s);
    BOOST_TEST(s.model->typingStatus().empty());
    // Another window's typist is not shown here.
    s.model->onEnvelope(notice("", "dan"), s.t0 + 2s);
    BOOST_TEST(s.model->typingStatus().empty());
    s.model->onEnvelope(notice("lobby", "ana"), s.t0 + 2s);  // our own: never
    BOOST_TEST(s.model->typingStatus().empty());
}

BOOST_AUTO_TEST_CASE(we_tell_the_hub_at_most_every_3_s_and_stop_on_a_cleared_line) {
    Scene s;
    s.key('h', s.t0);
    s.key('i', s.t0 + 1s);
    BOOST_TEST(s.hub.calls == (std::vector<std::string>{"typing lobby"}));
    s.key('!', s.t0 + 3s);
    BOOST_TEST(s.called("typing lobby") == 2u);
    for (int i = 0; i < 3; ++i) {
        s.press(KeyCode::Backspace, s.t0 + 4s);
    }
    BOOST_TEST(s.hub.calls.back() == "stopped lobby");
    // A line sent: no stop (the message ends the notice); a command: no typing.
    s.hub.calls.clear();
    s.key('y', s.t0 + 5s);
    s.press(KeyCode::Enter, s.t0 + 5s);
    BOOST_TEST(s.called("stopped") == 0u);
    BOOST_TEST(s.called("typing lobby") == 1u);
    s.hub.calls.clear();
    s.key('/', s.t0 + 10s);
    s.key('j', s.t0 + 10s);
    BOOST_TEST(s.called("typing") == 0u);
}

BOOST_AUTO_TEST_CASE(typing_off_sends_and_shows_nothing) {
    Scene off(false, true);
    off.key('h', off.t0);
    off.model->onEnvelope(notice("lobby", "bob"), off.t0);
    BOOST_TEST(off.called("typing") == 0u);
    BOOST_TEST(off.model->typingStatus().empty());
    // A hub that does not relay typing gets none; notices (none come) would show.
    Scene oldHub(true, false);
    oldHub.key('h', oldHub.t0);
    BOOST_TEST(oldHub.called("typing") == 0u);
}

BOOST_AUTO_TEST_CASE(another_devices_marker_sets_the_unread_count) {
    Scene s;
    s.model->onEnvelope(joined("dev", "ana"), s.t0);
    s.model->switchTo(2);  // dev on screen
    for (std::uint64_t seq = 1; seq <= 5; ++seq) {
        s.model->onEnvelope(message("lobby", "bob", "line " + std::to_string(seq), seq), s.t0);
    }
    const Buffer& lobby = *s.model->buffers()[1];
    BOOST_TEST(lobby.name() == "lobby");
    BOOST_TEST(lobby.unreadCount() == 5u);
    BOOST_TEST(s.statusRow().find("[Act: 2(5)]") != std::string::npos, s.statusRow());
    s.model->onEnvelope(markers("lobby", 3), s.t0);  // read up to 3 elsewhere
    BOOST_TEST(lobby.unreadCount() == 2u);
    s.model->onEnvelope(markers("lobby", 5), s.t0);
    BOOST_TEST(lobby.unreadCount() == 0u);
    BOOST_TEST(!lobby.unread());
    BOOST_TEST(s.statusRow().find("[Act:") == std::string::npos, s.statusRow());
}

BOOST_AUTO_TEST_CASE(viewing_a_room_marks_it_read_paced_and_shows_new_messages) {
    Scene s;
    s.model->onEnvelope(joined("dev", "ana"), s.t0);
    s.model->switchTo(2);  // dev on screen
    s.model->onEnvelope(message("lobby", "bob", "one", 1), s.t0);
    s.model->onEnvelope(markers("lobby", 1), s.t0);
    s.model->onEnvelope(message("lobby", "bob", "two", 2), s.t0);
    s.model->onEnvelope(message("lobby", "bob", "three", 3), s.t0);
    s.hub.calls.clear();
    s.model->switchTo(1);  // lobby
    const Buffer& lobby = s.model->active();
    const auto& lines = lobby.lines();
    const auto marker =
        std::find_if(lines.begin(), lines.end(), [](const Line& l) { return l.newMarker; });
    BOOST_TEST_REQUIRE((marker != lines.end()));
    BOOST_TEST((marker + 1)->text == "two");
    BOOST_TEST((marker - 1)->text == "one");
    s.model->tick(s.t0);
    BOOST_TEST(s.hub.calls == (std::vector<std::string>{"markread lobby 3"}));
    // Read as they come; the next MarkRead waits its 2 s, then carries the newest.
    s.model->onEnvelope(message("lobby", "bob", "four", 4), s.t0 + 1s);
    s.model->onEnvelope(message("lobby", "bob", "five", 5), s.t0 + 1s);
    s.model->tick(s.t0 + 1s);
    BOOST_TEST(s.hub.calls.size() == 1u);
    BOOST_TEST((s.model->nextDeadline() == s.t0 + 2s));
    s.model->tick(s.t0 + 2s);
    BOOST_TEST(s.hub.calls.back() == "markread lobby 5");
}

BOOST_AUTO_TEST_CASE(no_markread_without_an_account_and_markers_learnt_at_sign_in) {
    FakeHub hub;
    ChatModel model(hub, ChatModel::Settings{"127.0.0.1", 7070, "ana", "lobby", 2000ms});
    hermes::client::Event welcome = welcomed("ana");
    welcome.envelope->mutable_welcome()->set_read_markers(true);
    const SteadyTime t0{};
    model.onEvent(welcome, t0);
    model.onEnvelope(joined("lobby", "ana"), t0);
    model.onEnvelope(message("lobby", "bob", "one", 1), t0);
    model.tick(t0 + 5s);
    BOOST_TEST(std::none_of(hub.calls.begin(), hub.calls.end(),
                            [](const std::string& c) { return c.rfind("markread", 0) == 0; }));
    // Signed in later (/identify): the account's markers are asked for, and
    // what was seen is marked.
    v1::Envelope reply;
    reply.mutable_account_reply()->set_event(v1::ACCOUNT_EVENT_IDENTIFIED);
    reply.mutable_account_reply()->set_account("ana");
    model.onEnvelope(reply, t0 + 5s);
    BOOST_TEST(hub.calls.back() == "markers");
    model.tick(t0 + 6s);
    BOOST_TEST(hub.calls.back() == "markread lobby 1");
}

// A private conversation's marker is its private_seq, keyed by the peer:
// another device's marker sets the query's unread count, and viewing the
// query tells the hub (MarkRead{peer}).
BOOST_AUTO_TEST_CASE(a_query_has_its_marker_by_private_seq) {
    Scene s;
    for (std::uint64_t seq = 1; seq <= 4; ++seq) {
        v1::Envelope e;
        auto* m = e.mutable_message();
        m->set_from("bob");
        m->set_to("ana");
        m->set_epoch(1);
        m->set_text("psst " + std::to_string(seq));
        m->set_private_seq(seq);
        s.model->onEnvelope(e, s.t0);
    }
    const Buffer* bob = nullptr;
    std::size_t index = 0;
    for (std::size_t i = 0; i < s.model->buffers().size(); ++i) {
        if (s.model->buffers()[i]->kind() == BufferKind::Query) {
            bob = s.model->buffers()[i].get();
            index = i;
        }
    }
    BOOST_TEST_REQUIRE(bob != nullptr);
    BOOST_TEST(bob->unreadCount() == 4u);
    v1::Envelope marker;
    auto* m = marker.mutable_read_markers()->add_markers();
    m->set_peer("bob");
    m->set_seq(3);
    s.model->onEnvelope(marker, s.t0);  // read up to 3 on another device
    BOOST_TEST(bob->unreadCount() == 1u);
    s.hub.calls.clear();
    s.model->switchTo(index);
    s.model->tick(s.t0);
    BOOST_TEST(s.called("markread @bob 4") == 1u);
}

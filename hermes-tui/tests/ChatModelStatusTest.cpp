// Status texts that must tell the truth: a restart of a hub with durable
// history, the topic once, the retry countdown, the hub's goodbye once; on
// the model and as ChatView draws them.
#define BOOST_TEST_MODULE ChatModelStatusTest
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

v1::Envelope topic(const std::string& room, const std::string& text, const std::string& by,
                   std::int64_t timeMs) {
    v1::Envelope e;
    auto* t = e.mutable_topic();
    t->set_room(room);
    t->set_text(text);
    t->set_set_by(by);
    t->set_time_ms(timeMs);
    return e;
}

Event disconnected(const std::string& text, bool willRetry = true) {
    Event e;
    e.kind = EventKind::Disconnected;
    e.text = text;
    e.willRetry = willRetry;
    return e;
}

Event retryIn(std::chrono::milliseconds delay, const std::string& text) {
    Event e;
    e.kind = EventKind::ReconnectScheduled;
    e.delay = delay;
    e.text = text;
    return e;
}

Event connecting() {
    Event e;
    e.kind = EventKind::Connecting;
    e.text = "127.0.0.1:7070";
    e.attempt = 2;
    return e;
}

Event welcomedAgain(std::uint64_t epoch, bool durable) {
    Event e = welcomed("ana", epoch);
    e.envelope->mutable_welcome()->set_durable_history(durable);
    return e;
}

}  // namespace
// ------------------------------------------------------------ truthful status

BOOST_AUTO_TEST_CASE(restart_of_a_durable_hub_says_history_is_kept) {
    Online s;
    s.model.onEvent(disconnected("connection closed by the hub"), s.t0);
    s.model.onEvent(welcomedAgain(2, true), s.t0);
    BOOST_TEST(s.lobby().lines().back().text == "The hub restarted; history is kept, catching up.");
    BOOST_TEST(count(s.lobby(), "lost") == 0u);
    s.model.onEvent(disconnected("connection closed by the hub"), s.t0);
    s.model.onEvent(welcomedAgain(3, false), s.t0);
    BOOST_TEST(s.lobby().lines().back().text ==
               "The hub restarted: what was said while it was down is lost.");
    // The same epoch: no restart line at all.
    const std::size_t before = count(s.lobby(), "restarted");
    s.model.onEvent(disconnected("connection reset"), s.t0);
    s.model.onEvent(welcomedAgain(3, true), s.t0);
    BOOST_TEST(count(s.lobby(), "restarted") == before);
}

BOOST_AUTO_TEST_CASE(a_move_to_another_hub_of_the_list_says_where_and_what_it_means) {
    // A hub list (--host a:7070,b:7071): the title follows the hub, and a
    // move says whether the new hub shares the history (one cluster, one
    // epoch) instead of claiming a restart.
    Online s;
    s.model.onEvent(disconnected("connection reset by peer"), s.t0);
    Event toB = connecting();
    toB.text = "127.0.0.1:7071";
    s.model.onEvent(toB, s.t0);
    BOOST_TEST(s.model.hubAddress() == "127.0.0.1:7071");
    s.model.onEvent(welcomed("ana"), s.t0);  // the same epoch: the same cluster
    BOOST_TEST(s.lobby().lines().back().text ==
               "Now on hub 127.0.0.1:7071 (same cluster); catching up.");
    BOOST_TEST(count(s.lobby(), "restarted") == 0u);
    s.model.onEvent(disconnected("connection reset by peer"), s.t0);
    s.model.onEvent(connecting(), s.t0);  // back to 127.0.0.1:7070, another epoch
    s.model.onEvent(welcomedAgain(5, true), s.t0);
    BOOST_TEST(s.lobby().lines().back().text ==
               "Now on hub 127.0.0.1:7070, which is not of the same cluster: its history is its "
               "own.");
    BOOST_TEST(count(s.lobby(), "restarted") == 0u);
    // The title names the hub connected to, not the first of the list.
    s.model.onEvent(disconnected("connection reset by peer"), s.t0);
    s.model.onEvent(toB, s.t0);
    ChatView view;
    TextGrid grid(8, 80);
    view.draw(s.model, grid, dirty::kAll);
    BOOST_TEST(grid.row(0).find("@ 127.0.0.1:7071 |") != std::string::npos, grid.row(0));
}

BOOST_AUTO_TEST_CASE(topic_shows_on_first_join_and_change_not_on_rejoin) {
    Online s;
    s.envelope(topic("lobby", "release Friday", "bob", 1000));
    BOOST_TEST(count(s.lobby(), "release Friday") == 1u);
    // A reconnect: the hub's default room and the core's rejoin each re-send it.
    s.model.onEvent(disconnected("connection reset"), s.t0);
    s.model.onEvent(welcomed("ana"), s.t0);
    s.envelope(topic("lobby", "release Friday", "bob", 1000));
    s.envelope(topic("lobby", "release Friday", "bob", 1000));
    BOOST_TEST(count(s.lobby(), "release Friday") == 1u);
    // Changed (even to the same words, by someone else): shown.
    s.envelope(topic("lobby", "release Monday", "carol", 2000));
    BOOST_TEST(s.lobby().lines().back().text == "carol set the topic: release Monday");
    s.envelope(topic("lobby", "release Monday", "bob", 3000));
    BOOST_TEST(count(s.lobby(), "release Monday") == 2u);
    BOOST_TEST(s.lobby().topic() == "release Monday");
    // Parted and joined again: a new window shows it again.
    s.envelope(presence("lobby", v1::PRESENCE_KIND_LEFT, "ana"));
    s.envelope(topic("lobby", "release Monday", "bob", 3000));
    BOOST_TEST(count(s.lobby(), "release Monday") == 1u);
}

BOOST_AUTO_TEST_CASE(retry_counts_down_each_second_from_the_models_deadline) {
    Online s;
    s.model.onEvent(disconnected("connection reset"), s.t0);
    s.model.onEvent(retryIn(10s, "connection reset"), s.t0);
    BOOST_TEST(s.model.connDetail() == "retry in 10s: connection reset");
    // No polling: the model names the moment its text changes.
    SteadyTime now = s.t0;
    std::vector<std::string> seen;
    for (int step = 0; step < 20; ++step) {
        const auto next = s.model.nextDeadline();
        if (!next) {
            break;
        }
        BOOST_TEST((*next > now));
        now = *next;
        s.model.tick(now);
        seen.push_back(s.model.connDetail());
    }
    BOOST_TEST_REQUIRE(seen.size() == 10u);
    BOOST_TEST(seen.front() == "retry in 9s: connection reset");
    BOOST_TEST(seen[8] == "retry in 1s: connection reset");
    BOOST_TEST(seen.back() == "retrying: connection reset");
    BOOST_TEST((now == s.t0 + 10s));
    // A tick between the deadlines changes nothing; the next attempt ends it.
    s.model.onEvent(connecting(), now);
    BOOST_TEST(!s.model.nextDeadline().has_value());
    BOOST_TEST(static_cast<int>(s.model.connState()) == static_cast<int>(ConnState::Connecting));
}

BOOST_AUTO_TEST_CASE(countdown_shows_in_the_status_bar) {
    Online s;
    ChatView view;
    s.model.onEvent(disconnected("connection reset"), s.t0);
    s.model.onEvent(retryIn(3s, ""), s.t0);
    TextGrid grid(8, 80);
    view.draw(s.model, grid, dirty::kAll);
    BOOST_TEST(grid.row(6).find("[offline, retry in 3s]") != std::string::npos, grid.row(6));
    s.model.tick(s.t0 + 1500ms);
    BOOST_TEST((s.model.dirtyFlags() & dirty::kTitle) != 0u);
    view.draw(s.model, grid, dirty::kAll);
    BOOST_TEST(grid.row(6).find("[offline, retry in 2s]") != std::string::npos, grid.row(6));
}

BOOST_AUTO_TEST_CASE(hub_goodbye_is_said_once) {
    Online s;
    v1::Envelope bye;
    bye.mutable_bye()->set_reason(v1::BYE_REASON_SHUTDOWN);
    bye.mutable_bye()->set_text("hub shutting down");
    s.envelope(bye);
    // The core's text joins its own words and the Bye's.
    s.model.onEvent(disconnected("the hub is shutting down: hub shutting down"), s.t0);
    s.model.onEvent(retryIn(1s, "the hub is shutting down: hub shutting down"), s.t0);
    for (const Buffer* b : {&s.status(), &s.lobby()}) {
        BOOST_TEST(count(*b, "shutting down") == 1u);
        BOOST_TEST(b->lines().back().text ==
                   "Disconnected: the hub is shutting down (reconnecting)");
    }
    BOOST_TEST(s.model.connDetail() == "retry in 1s: the hub is shutting down");
    // A Bye that says more keeps what it adds.
    s.model.onEvent(connecting(), s.t0);
    s.model.onEvent(welcomed("ana"), s.t0);
    bye.mutable_bye()->set_text("upgrade, back at 5");
    s.envelope(bye);
    s.model.onEvent(disconnected("the hub is shutting down: upgrade, back at 5"), s.t0);
    BOOST_TEST(s.lobby().lines().back().text ==
               "Disconnected: the hub is shutting down: upgrade, back at 5 (reconnecting)");
    // A fatal error too: one line, the hub's words.
    s.model.onEvent(connecting(), s.t0);
    s.model.onEvent(welcomed("ana"), s.t0);
    v1::Envelope fatal;
    fatal.mutable_error()->set_code(v1::ERROR_CODE_SLOW_CONSUMER);
    fatal.mutable_error()->set_text("you did not read your frames");
    fatal.mutable_error()->set_fatal(true);
    s.envelope(fatal);
    s.model.onEvent(disconnected("hub error SLOW_CONSUMER: you did not read your frames"), s.t0);
    BOOST_TEST(count(s.lobby(), "you did not read your frames") == 1u);
    BOOST_TEST(s.lobby().lines().back().text ==
               "Disconnected: you did not read your frames (reconnecting)");
    // A later connection's own failure is told as the core tells it.
    s.model.onEvent(connecting(), s.t0);
    s.model.onEvent(retryIn(2s, "connect to 127.0.0.1:7070: Connection refused"), s.t0);
    BOOST_TEST(s.model.connDetail() ==
               "retry in 2s: connect to 127.0.0.1:7070: Connection refused");
}

BOOST_AUTO_TEST_CASE(kicked_for_good_is_said_once) {
    Online s;
    v1::Envelope bye;
    bye.mutable_bye()->set_reason(v1::BYE_REASON_KICKED);
    bye.mutable_bye()->set_text("flooding");
    s.envelope(bye);
    s.model.onEvent(disconnected("kicked by the hub: flooding", false), s.t0);
    Event failed;
    failed.kind = EventKind::Failed;
    failed.text = "kicked by the hub: flooding";
    s.model.onEvent(failed, s.t0);
    BOOST_TEST(count(s.status(), "flooding") == 1u);
    BOOST_TEST(s.status().lines().back().text == "Not reconnecting.");
}

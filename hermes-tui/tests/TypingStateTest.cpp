// TypingState with a clock driven by hand: notices lapse after their
// expires_ms unless renewed, end at "stopped" or at the typist's message,
// and read "ana is typing…", "ana and bob are typing…", "several people are
// typing…"; our own notices go at most once every 3 s per window.
#define BOOST_TEST_MODULE TypingStateTest
#include "model/TypingState.hpp"

#include <boost/test/unit_test.hpp>

using namespace hermes::tui;
using namespace std::chrono_literals;

namespace {
const TypingState::Time t0{};
const std::string lobby = TypingState::typingKey(false, "lobby");
}  // namespace

BOOST_AUTO_TEST_CASE(a_notice_lapses_unless_renewed) {
    TypingState s;
    BOOST_TEST(s.notice(lobby, "ana", false, 6000ms, t0));
    BOOST_TEST(s.statusText(lobby) == "ana is typing\u2026");
    BOOST_TEST((s.nextExpiry() == t0 + 6000ms));
    BOOST_TEST(!s.expire(t0 + 5999ms));
    BOOST_TEST(!s.notice(lobby, "ANA", false, 6000ms, t0 + 4s));  // renewed, same text
    BOOST_TEST(!s.expire(t0 + 9s));
    BOOST_TEST(s.statusText(lobby) == "ana is typing\u2026");
    BOOST_TEST(s.expire(t0 + 10s));
    BOOST_TEST(s.statusText(lobby).empty());
    BOOST_TEST(!s.nextExpiry().has_value());
}

BOOST_AUTO_TEST_CASE(stopped_and_a_message_end_it_at_once) {
    TypingState s;
    s.notice(lobby, "ana", false, 6000ms, t0);
    s.notice(lobby, "bob", false, 6000ms, t0);
    BOOST_TEST(s.statusText(lobby) == "ana and bob are typing\u2026");
    BOOST_TEST(s.notice(lobby, "ana", true, 6000ms, t0 + 1s));
    BOOST_TEST(s.statusText(lobby) == "bob is typing\u2026");
    BOOST_TEST(s.spoke(lobby, "Bob"));
    BOOST_TEST(s.statusText(lobby).empty());
    BOOST_TEST(!s.spoke(lobby, "bob"));
}

BOOST_AUTO_TEST_CASE(three_or_more_are_several_and_windows_are_apart) {
    TypingState s;
    for (const char* nick : {"ana", "bob", "cat"}) {
        s.notice(lobby, nick, false, 6000ms, t0);
    }
    BOOST_TEST(s.statusText(lobby) == "several people are typing\u2026");
    const std::string query = TypingState::typingKey(true, "Dan");
    BOOST_TEST(s.statusText(query).empty());
    s.notice(query, "dan", false, 0ms, t0);  // no expires_ms: the default 6 s
    BOOST_TEST(s.statusText(query) == "dan is typing\u2026");
    BOOST_TEST(!s.expire(t0 + 5s));
    BOOST_TEST(s.expire(t0 + 6s));
    BOOST_TEST(s.statusText(query).empty());
    BOOST_TEST(s.statusText(lobby).empty());
}

BOOST_AUTO_TEST_CASE(ours_go_once_every_three_seconds_per_window) {
    TypingState s;
    const std::string dev = TypingState::typingKey(false, "dev");
    BOOST_TEST(s.shouldSend(lobby, t0));
    BOOST_TEST(!s.shouldSend(lobby, t0 + 2999ms));
    BOOST_TEST(s.shouldSend(dev, t0 + 1s));  // another window
    BOOST_TEST(s.shouldSend(lobby, t0 + 3s));
    BOOST_TEST(s.cleared(lobby));  // we said we type: a stop is owed
    BOOST_TEST(!s.cleared(lobby));
    BOOST_TEST(s.shouldSend(lobby, t0 + 3100ms));  // typing again after a clear: at once
    s.sent(lobby);
    BOOST_TEST(!s.cleared(lobby));  // the message ends it; no stop
}

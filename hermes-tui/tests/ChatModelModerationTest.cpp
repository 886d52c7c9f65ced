// Moderation in hermes-tui: the commands (/kick, /ban, /mute, /op, /invite,
// /mode, /bans and the hub-wide /gban, /gunban, /gbans) become the hub requests they name, and
// what operators did is shown in the room ("bob was kicked by ana (spam)").
#define BOOST_TEST_MODULE ChatModelModerationTest
#include "model/ChatModel.hpp"

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <string>
#include <vector>

#include "FakeHub.hpp"
#include "OnlineModel.hpp"
#include "TestLocale.hpp"

using namespace hermes::tui;
using namespace hermes::tui::test;
namespace v1 = hermes::v1;

BOOST_TEST_GLOBAL_FIXTURE(Utf8Locale);

namespace {

v1::Envelope moderation(const std::string& room, v1::PresenceKind kind, const std::string& nick,
                        const std::string& by, const std::string& reason = {}) {
    v1::Envelope e;
    auto* p = e.mutable_presence();
    p->set_room(room);
    p->set_kind(kind);
    if (!nick.empty()) {
        p->add_nicks(nick);
    }
    p->set_by(by);
    p->set_reason(reason);
    return e;
}

}  // namespace

BOOST_AUTO_TEST_CASE(moderation_commands_become_the_requests_they_name) {
    Online s;
    for (const char* line :
         {"/kick bob spam and more", "/ban address:10.0.0.7 2h flooding", "/ban bob", "/unban bob",
          "/mute bob shouting", "/unmute bob", "/op account:carol", "/deop bob", "/invite dave",
          "/mode +t", "/mode -i", "/gban account:mal 7d bot", "/hubunban address:::1", "/bans",
          "/gbans"}) {
        type(s.model, line, s.t0);
    }
    const std::vector<std::string> expected = {
        "moderate lobby 1 0:bob 0 spam and more",
        "moderate lobby 2 2:10.0.0.7 7200 flooding",
        "moderate lobby 2 0:bob 0 ",
        "moderate lobby 3 0:bob 0 ",
        "moderate lobby 4 0:bob 0 shouting",
        "moderate lobby 5 0:bob 0 ",
        "moderate lobby 6 1:carol 0 ",
        "moderate lobby 7 0:bob 0 ",
        "moderate lobby 8 0:dave 0 ",
        "moderate lobby 9 0: 0 ",
        "moderate lobby 12 0: 0 ",
        "moderate  2 1:mal 604800 bot",
        "moderate  3 2:::1 0 ",
        "bans lobby",
        "bans ",
    };
    BOOST_TEST(s.hub.calls == expected, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(a_wrong_moderation_command_is_its_usage_not_a_request) {
    Online s;
    BOOST_TEST(s.run("/kick") == std::vector<std::string>{"usage: /kick <nick> [reason]"});
    BOOST_TEST(s.run("/mute address:1.2.3.4") ==
               std::vector<std::string>{"usage: /mute <nick> [reason]"});
    BOOST_TEST(s.run("/mode +x") == std::vector<std::string>{"usage: /mode <+t|-t|+i|-i>"});
    BOOST_TEST(s.run("/unmute bob now") == std::vector<std::string>{"usage: /unmute <nick>"});
    BOOST_TEST(s.hub.calls.empty());
    // "2x" is no duration: it starts the reason.
    type(s.model, "/ban bob 2x spam", s.t0);
    BOOST_TEST(s.hub.calls == std::vector<std::string>{"moderate lobby 2 0:bob 0 2x spam"});
}

BOOST_AUTO_TEST_CASE(what_operators_did_is_shown_in_the_room) {
    Online s;
    s.envelope(moderation("lobby", v1::PRESENCE_KIND_KICKED, "bob", "carol", "spam"));
    BOOST_TEST(s.lobby().lines().back().text == "bob was kicked by carol (spam)");
    BOOST_TEST(static_cast<int>(s.lobby().lines().back().kind) ==
               static_cast<int>(LineKind::Presence));
    BOOST_TEST(s.lobby().members().count("bob") == 0u);

    s.envelope(moderation("lobby", v1::PRESENCE_KIND_MUTED, "ana", "carol"));
    BOOST_TEST(s.lobby().lines().back().text == "You were muted by carol");
    s.envelope(moderation("lobby", v1::PRESENCE_KIND_OPPED, "dave", "carol"));
    BOOST_TEST(s.lobby().lines().back().text == "carol made dave an operator");
    s.envelope(moderation("lobby", v1::PRESENCE_KIND_MODE_CHANGED, "", "carol", "topic locked"));
    BOOST_TEST(s.lobby().lines().back().text == "carol set lobby: topic locked");

    v1::Envelope bans;
    auto* list = bans.mutable_ban_list();
    list->set_room("lobby");
    auto* ban = list->add_bans();
    ban->set_kind(v1::TARGET_KIND_ADDRESS);
    ban->set_target("10.0.0.7");
    ban->set_set_by("carol");
    ban->set_reason("flooding");
    ban->set_expires_ms(kNowMs + 3'600'000);
    s.envelope(bans);
    BOOST_TEST(s.lobby().lines().back().text ==
               "  address:10.0.0.7 by carol (flooding), until 13:34");

    // Kicked ourselves: the room's window goes, the status window says why.
    s.envelope(moderation("lobby", v1::PRESENCE_KIND_KICKED, "ana", "carol", "bye"));
    BOOST_TEST(s.find(BufferKind::Room, "lobby") == nullptr);
    BOOST_TEST(s.status().lines().back().text == "You were kicked from lobby by carol (bye)");
    // Invited to a room we are not in.
    s.envelope(moderation("club", v1::PRESENCE_KIND_INVITED, "ana", "carol"));
    BOOST_TEST(s.status().lines().back().text == "carol invited you to club: /join club");
}

// Moderation's account paths (Moderation.cpp, ModerationRequests.cpp): hub
// operators named in the config, bans and operators by account, the
// hub-wide ban closing the sessions it names. A signed-in session only
// exists over the wire once accounts do; here Hub::testSignIn sets
// Session::profile.account as a sign-in will. The rest of moderation is
// tested against a real hermesd (integration-tests/ModerationTest.cpp).
#define BOOST_TEST_MODULE hub_moderation
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <string>
#include <vector>

#include "HubTestHarness.hpp"
#include "hub/Moderation.hpp"

using namespace hermes;
using namespace hermes::hub;
using namespace hermes::hub::test;

namespace {

v1::Envelope moderate(const std::string& room, v1::ModerationAction action,
                      const std::string& target = {}, v1::TargetKind kind = v1::TARGET_KIND_NICK,
                      const std::string& reason = {}) {
    v1::Envelope e;
    auto* r = e.mutable_moderation_request();
    r->set_room(room);
    r->set_action(action);
    r->set_target(target);
    r->set_target_kind(kind);
    r->set_reason(reason);
    return e;
}

v1::Envelope setNick(const std::string& nick) {
    v1::Envelope e;
    e.mutable_set_nick()->set_nick(nick);
    return e;
}

HubConfig withOperators() {
    HubConfig config = testConfig();
    config.operators = {"Root"};
    return config;
}

// The first envelope of `id`'s inbox that satisfies `pred`, or nullptr.
template <typename Pred>
const v1::Envelope* find(HubHarness& h, SessionId id, Pred pred) {
    for (const v1::Envelope& e : h.peers[id].inbox) {
        if (pred(e)) {
            return &e;
        }
    }
    return nullptr;
}

const v1::Envelope* errorOf(HubHarness& h, SessionId id, v1::ErrorCode code) {
    return find(h, id,
                [&](const v1::Envelope& e) { return e.has_error() && e.error().code() == code; });
}

const v1::Envelope* presenceOf(HubHarness& h, SessionId id, v1::PresenceKind kind) {
    return find(h, id, [&](const v1::Envelope& e) {
        return e.has_presence() && e.presence().kind() == kind;
    });
}

bool joined(HubHarness& h, SessionId id, const std::string& room) {
    return find(h, id, [&](const v1::Envelope& e) {
               return e.has_members() && e.members().room() == room;
           }) != nullptr;
}

}  // namespace

BOOST_AUTO_TEST_CASE(a_hub_operator_moderates_every_room_without_being_in_it) {
    HubHarness h(withOperators());
    const SessionId ana = h.login("ana");
    const SessionId bob = h.login("bob");
    const SessionId root = h.login("admin");
    h.send(ana, join("dev"));
    h.send(bob, join("dev"));
    h.clear(ana);
    h.clear(bob);

    // Not signed in: an ordinary session.
    h.send(root, moderate("dev", v1::MODERATION_ACTION_KICK, "bob"));
    BOOST_TEST(errorOf(h, root, v1::ERROR_CODE_NOT_OPERATOR) != nullptr);
    h.clear(root);

    h.hub.testSignIn(root, "root", h.now);  // the config's "Root", in any case
    h.pump();
    h.send(root, moderate("dev", v1::MODERATION_ACTION_KICK, "bob", v1::TARGET_KIND_NICK, "spam"));
    const v1::Envelope* kicked = presenceOf(h, bob, v1::PRESENCE_KIND_KICKED);
    BOOST_TEST_REQUIRE(kicked != nullptr);
    BOOST_TEST(kicked->presence().by() == "admin");
    BOOST_TEST(kicked->presence().reason() == "spam");
    // Not a member: its own copy is its confirmation.
    BOOST_TEST(presenceOf(h, root, v1::PRESENCE_KIND_KICKED) != nullptr);
    BOOST_TEST(presenceOf(h, ana, v1::PRESENCE_KIND_KICKED) != nullptr);

    // A room operator may not act against a hub operator.
    h.send(root, join("dev"));
    h.clear(ana);
    h.send(ana, moderate("dev", v1::MODERATION_ACTION_KICK, "admin"));
    BOOST_TEST(errorOf(h, ana, v1::ERROR_CODE_NOT_OPERATOR) != nullptr);
}

BOOST_AUTO_TEST_CASE(a_hub_wide_ban_closes_the_sessions_it_names_and_refuses_them_again) {
    HubHarness h(withOperators());
    const SessionId root = h.login("admin");
    h.hub.testSignIn(root, "root", h.now);
    const SessionId bob = h.login("bob");
    const SessionId cat = h.login("cat");
    h.send(bob, join("dev"));
    h.send(cat, join("dev"));
    h.clear(cat);

    h.send(root, moderate("", v1::MODERATION_ACTION_BAN, "bob", v1::TARGET_KIND_NICK, "bot"));
    BOOST_TEST(h.closed(bob));
    const v1::Envelope* fatal = errorOf(h, bob, v1::ERROR_CODE_HUB_BANNED);
    BOOST_TEST_REQUIRE(fatal != nullptr);
    BOOST_TEST(fatal->error().fatal());
    BOOST_TEST(fatal->error().text() == "banned from the hub by admin: bot");
    BOOST_TEST(h.peers[bob].closeReason == "hub_banned");
    const v1::Envelope* quit = presenceOf(h, cat, v1::PRESENCE_KIND_QUIT);
    BOOST_TEST_REQUIRE(quit != nullptr);
    BOOST_TEST(quit->presence().reason() == "banned from the hub");
    const v1::Envelope* confirmed = presenceOf(h, root, v1::PRESENCE_KIND_BANNED);
    BOOST_TEST_REQUIRE(confirmed != nullptr);
    BOOST_TEST(confirmed->presence().room().empty());
    BOOST_TEST(!h.closed(cat));

    // Back with the same nick: refused at Hello.
    const SessionId again = h.connect("127.0.0.1:40001");
    h.send(again, hello("BOB"));
    BOOST_TEST(errorOf(h, again, v1::ERROR_CODE_HUB_BANNED) != nullptr);
    BOOST_TEST(h.closed(again));
    BOOST_TEST(find(h, again, [](const v1::Envelope& e) { return e.has_welcome(); }) == nullptr);

    // Only hub operators see the list.
    v1::Envelope list;
    list.mutable_ban_list_request();
    h.send(cat, list);
    BOOST_TEST(errorOf(h, cat, v1::ERROR_CODE_NOT_OPERATOR) != nullptr);
    h.send(root, list);
    const v1::Envelope* bans =
        find(h, root, [](const v1::Envelope& e) { return e.has_ban_list(); });
    BOOST_TEST_REQUIRE(bans != nullptr);
    BOOST_TEST_REQUIRE(bans->ban_list().bans_size() == 1);
    BOOST_TEST(bans->ban_list().bans(0).target() == "bob");
}

BOOST_AUTO_TEST_CASE(a_hub_wide_ban_by_account_closes_a_session_when_it_signs_in) {
    HubHarness h(withOperators());
    const SessionId root = h.login("admin");
    h.hub.testSignIn(root, "root", h.now);
    h.send(root, moderate("", v1::MODERATION_ACTION_BAN, "Mallory", v1::TARGET_KIND_ACCOUNT));
    const SessionId mal = h.login("innocent");  // the nick is not banned
    BOOST_TEST(!h.closed(mal));
    h.hub.testSignIn(mal, "mallory", h.now);
    h.pump();
    BOOST_TEST(h.closed(mal));
    BOOST_TEST(errorOf(h, mal, v1::ERROR_CODE_HUB_BANNED) != nullptr);
}

BOOST_AUTO_TEST_CASE(a_room_ban_by_account_follows_the_account_not_the_nick) {
    HubHarness h;
    const SessionId ana = h.login("ana");
    const SessionId carl = h.login("carl");
    h.hub.testSignIn(carl, "carl", h.now);
    h.send(ana, join("dev"));
    h.send(carl, join("dev"));
    h.send(ana, moderate("dev", v1::MODERATION_ACTION_BAN, "carl", v1::TARGET_KIND_ACCOUNT));
    BOOST_TEST(presenceOf(h, carl, v1::PRESENCE_KIND_BANNED) != nullptr);
    h.clear(carl);

    // A new nick does not help; another account with carl's old nick is welcome.
    h.send(carl, setNick("carl2"));
    h.send(carl, join("dev"));
    BOOST_TEST(errorOf(h, carl, v1::ERROR_CODE_BANNED) != nullptr);
    BOOST_TEST(!joined(h, carl, "dev"));
    const SessionId other = h.login("carl");  // the nick is free again
    h.send(other, join("dev"));
    BOOST_TEST(joined(h, other, "dev"));
}

BOOST_AUTO_TEST_CASE(an_operator_by_account_is_remembered_past_its_session) {
    HubHarness h;
    const SessionId ana = h.login("ana");
    h.send(ana, join("dev"));
    SessionId bob = h.login("bob");
    h.hub.testSignIn(bob, "bob", h.now);
    h.send(ana, moderate("dev", v1::MODERATION_ACTION_OP, "bob"));
    h.hub.closed(bob, "gone", h.now);
    h.pump();

    bob = h.login("bob");
    const SessionId cat = h.login("cat");
    h.send(cat, join("dev"));
    // Not signed in yet: not an operator.
    h.send(bob, moderate("dev", v1::MODERATION_ACTION_MUTE, "cat"));
    BOOST_TEST(errorOf(h, bob, v1::ERROR_CODE_NOT_OPERATOR) != nullptr);
    h.hub.testSignIn(bob, "BOB", h.now);
    h.send(bob, moderate("dev", v1::MODERATION_ACTION_MUTE, "cat"));
    BOOST_TEST(presenceOf(h, cat, v1::PRESENCE_KIND_MUTED) != nullptr);
    h.send(cat, say("dev", 1, "hi"));
    BOOST_TEST(errorOf(h, cat, v1::ERROR_CODE_MUTED) != nullptr);
}

BOOST_AUTO_TEST_CASE(the_default_room_has_no_creator_operator) {
    HubConfig config = testConfig();
    config.defaultRoom = "lobby";
    HubHarness h(config);
    const SessionId ana = h.login("ana");  // the first in the lobby
    h.login("bob");
    h.send(ana, moderate("lobby", v1::MODERATION_ACTION_KICK, "bob"));
    BOOST_TEST(errorOf(h, ana, v1::ERROR_CODE_NOT_OPERATOR) != nullptr);
}

BOOST_AUTO_TEST_CASE(a_ban_matches_by_nick_account_and_address_until_it_lapses) {
    StoredBan ban{"", BanKind::Nick, "bob", "ana", "", 0, 2000};
    BOOST_TEST(Moderation::matches(ban, "BoB", "10.0.0.1", "", 1999));
    BOOST_TEST(!Moderation::matches(ban, "bob", "10.0.0.1", "", 2000));
    BOOST_TEST(!Moderation::matches(ban, "bobby", "10.0.0.1", "", 0));
    ban.expiresMs = 0;
    BOOST_TEST(Moderation::matches(ban, "bob", "", "", 1'000'000'000));
    StoredBan account{"", BanKind::Account, "carl", "ana", "", 0, 0};
    BOOST_TEST(Moderation::matches(account, "x", "", "Carl", 0));
    BOOST_TEST(!Moderation::matches(account, "carl", "", "", 0));  // the nick is not the account
    StoredBan address{"", BanKind::Address, "10.0.0.1", "ana", "", 0, 0};
    BOOST_TEST(Moderation::matches(address, "x", "10.0.0.1", "", 0));
    BOOST_TEST(!Moderation::matches(address, "x", "10.0.0.10", "", 0));
}

// docs/PROTOCOL.md section 3: the moderation test vectors are what protobuf writes.
BOOST_AUTO_TEST_CASE(the_protocol_documents_test_vectors_match_the_encoder) {
    auto hex = [](const std::string& bytes) {
        static const char* digits = "0123456789abcdef";
        std::string out;
        for (const unsigned char c : bytes) {
            out += out.empty() ? "" : " ";
            out += digits[c >> 4];
            out += digits[c & 15];
        }
        return out;
    };
    v1::Envelope kick =
        moderate("dev", v1::MODERATION_ACTION_KICK, "bob", v1::TARGET_KIND_NICK, "spam");
    BOOST_TEST(hex(codec::encodeFrame(kick)) ==
               "15 e2 03 12 0a 03 64 65 76 10 01 1a 03 62 6f 62 2a 04 73 70 61 6d");
    v1::Envelope list;
    list.mutable_ban_list_request()->set_room("dev");
    BOOST_TEST(hex(codec::encodeFrame(list)) == "08 ea 03 05 0a 03 64 65 76");
    v1::Envelope kicked;
    auto* p = kicked.mutable_presence();
    p->set_room("dev");
    p->set_kind(v1::PRESENCE_KIND_KICKED);
    p->add_nicks("bob");
    p->set_reason("spam");
    p->set_by("ana");
    BOOST_TEST(hex(codec::encodeFrame(kicked)) ==
               "19 42 17 0a 03 64 65 76 10 07 1a 03 62 6f 62 2a 04 73 70 61 6d 3a 03 61 6e 61");
}

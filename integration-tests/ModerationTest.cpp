// Moderation against a real hermesd (issue 16): kick, ban and unban by nick
// and address (a second loopback address is another machine), bans that
// lapse, mute, topic lock, invite-only rooms, op and deop, non-operators
// refused, and bans and room modes kept across a restart; the hub-wide ban
// list refusing a nick and an address at Hello; and with accounts, signed-in
// hub operators, bans and operators by account.
#define BOOST_TEST_MODULE ModerationTest
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "BoostSupport.hpp"
#include "Frames.hpp"
#include "RawClient.hpp"
#include "hermes/hub/SqliteHistory.hpp"
#include "hermes/hub/SqliteModerationStore.hpp"
#include "hermes/test/TempDir.hpp"

using namespace std::chrono_literals;
namespace it = hermes::it;
namespace v1 = hermes::v1;

using hermes::test::TempDir;

namespace {

// Other machines on the LAN, as far as the hub can tell.
const std::string kOtherMachine = "127.0.0.2";
const std::string kOperatorMachine = "127.0.0.3";

it::HubProcess::Settings noLobby(it::HubProcess::Settings extra = {}) {
    extra.try_emplace("default_room", "");
    return extra;
}

// A hub whose hub operators (hub.operators) are registered accounts, set up
// as an admin does it: the accounts are registered first, on the hub without
// them (Register refuses a name hub.operators already names), then the hub
// restarts with hub.operators naming them.
// Accounts and their passwords.
using Operators = std::vector<std::pair<std::string, std::string>>;

struct OperatorHub {
    OperatorHub(const std::string& db, const Operators& operators,
                it::HubProcess::Settings extra = {}) {
        extra["history.path"] = db;
        std::string names;
        {
            it::HubGuard setup(noLobby(extra));
            for (const auto& [name, password] : operators) {
                it::registerNick(setup.hub.port(), name, password);
                names += (names.empty() ? "" : ", ") + name;
            }
            setup.expectCleanStop();
        }
        extra["operators"] = names;
        guard = std::make_unique<it::HubGuard>(noLobby(extra));
    }
    // The database in a directory of its own, gone with the hub.
    explicit OperatorHub(const Operators& operators)
        : OperatorHub(std::make_unique<TempDir>(), operators) {}
    it::HubGuard& operator*() { return *guard; }

    std::unique_ptr<TempDir> dir;
    std::unique_ptr<it::HubGuard> guard;

private:
    OperatorHub(std::unique_ptr<TempDir> own, const Operators& operators)
        : OperatorHub(own->path + "/history.db", operators) {
        dir = std::move(own);
    }
};

v1::Envelope moderate(const std::string& room, v1::ModerationAction action,
                      const std::string& target = {}, v1::TargetKind kind = v1::TARGET_KIND_NICK,
                      const std::string& reason = {}, std::uint32_t expirySeconds = 0) {
    v1::Envelope e;
    auto* r = e.mutable_moderation_request();
    r->set_room(room);
    r->set_action(action);
    r->set_target(target);
    r->set_target_kind(kind);
    r->set_reason(reason);
    r->set_expiry_seconds(expirySeconds);
    return e;
}

v1::Envelope banList(const std::string& room) {
    v1::Envelope e;
    e.mutable_ban_list_request()->set_room(room);
    return e;
}

// A moderation Presence of `kind` in `room` naming `nick` (empty: any), by `by`.
it::RawClient::Predicate isModeration(v1::PresenceKind kind, const std::string& room,
                                      const std::string& nick, const std::string& by) {
    return [=](const it::Frame& frame) {
        if (!frame.envelope.has_presence()) {
            return false;
        }
        const v1::Presence& p = frame.envelope.presence();
        if (p.kind() != kind || p.room() != room || p.by() != by) {
            return false;
        }
        if (nick.empty()) {
            return true;
        }
        for (const auto& n : p.nicks()) {
            if (n == nick) {
                return true;
            }
        }
        return false;
    };
}

it::RawClient::Predicate isErrorIn(v1::ErrorCode code, const std::string& room) {
    return [=](const it::Frame& frame) {
        return frame.envelope.has_error() && frame.envelope.error().code() == code &&
               frame.envelope.error().room() == room && !frame.envelope.error().fatal();
    };
}

// Joins and waits for the member list that says it worked.
void join(it::RawClient& client, const std::string& room) {
    client.send(it::joinEnvelope(room));
    client.expect(
        [&](const it::Frame& f) {
            return f.envelope.has_members() && f.envelope.members().room() == room;
        },
        it::after(5s), client.name() + " joined " + room);
}

// A Join the hub must refuse with `code` (and nothing else joins).
void joinRefused(it::RawClient& client, const std::string& room, v1::ErrorCode code) {
    client.inbox().clear();
    client.send(it::joinEnvelope(room));
    client.expect(isErrorIn(code, room), it::after(5s),
                  client.name() + " refused " + room + " (" + v1::ErrorCode_Name(code) + ")");
    client.sync(it::after(5s));
    for (const auto& frame : client.inbox()) {
        BOOST_TEST(!frame.envelope.has_members(), client.name() << " got into " << room);
    }
}

}  // namespace

BOOST_AUTO_TEST_CASE(kick_with_a_reason_removes_the_member_who_sees_why) {
    it::HubGuard guard(noLobby());
    it::RawClient ana(guard.hub.port(), "ana");
    it::RawClient bob(guard.hub.port(), "bob");
    ana.hello("ana", it::after(5s));
    bob.hello("bob", it::after(5s));
    join(ana, "dev");  // creates it: ana is its operator
    join(bob, "dev");

    ana.send(moderate("dev", v1::MODERATION_ACTION_KICK, "bob", v1::TARGET_KIND_NICK, "spam"));
    const it::Frame told = bob.expect(isModeration(v1::PRESENCE_KIND_KICKED, "dev", "bob", "ana"),
                                      it::after(5s), "bob told he was kicked");
    BOOST_TEST(told.envelope.presence().reason() == "spam");
    ana.expect(isModeration(v1::PRESENCE_KIND_KICKED, "dev", "bob", "ana"), it::after(5s),
               "the room told");

    bob.send(it::sayEnvelope("dev", "still here?", 1));
    bob.expect(isErrorIn(v1::ERROR_CODE_NOT_IN_ROOM, "dev"), it::after(5s), "no longer a member");
    ana.send(it::sayEnvelope("dev", "after the kick", 2));
    ana.expect(it::isChatText("dev", "after the kick"), it::after(5s), "ana's echo");
    bob.sync(it::after(5s));
    BOOST_TEST(!bob.tryExpect(it::isChatText("dev", "after the kick"), it::after(0ms)),
               "bob got the room's message after the kick");

    // A kick is not a ban: bob may come back.
    join(bob, "dev");
    BOOST_TEST(guard.hub.log().find("kicked bob in dev: spam") != std::string::npos,
               guard.hub.logTail(10));
    guard.expectCleanStop();
}

BOOST_AUTO_TEST_CASE(a_non_operator_is_refused_and_stays_connected) {
    it::HubGuard guard(noLobby());
    it::RawClient ana(guard.hub.port(), "ana");
    it::RawClient bob(guard.hub.port(), "bob");
    ana.hello("ana", it::after(5s));
    bob.hello("bob", it::after(5s));
    join(ana, "dev");
    join(bob, "dev");

    for (const auto action : {v1::MODERATION_ACTION_KICK, v1::MODERATION_ACTION_MUTE,
                              v1::MODERATION_ACTION_BAN, v1::MODERATION_ACTION_OP}) {
        bob.send(moderate("dev", action, "ana"));
        const it::Frame error = bob.expect(isErrorIn(v1::ERROR_CODE_NOT_OPERATOR, "dev"),
                                           it::after(5s), "NOT_OPERATOR");
        BOOST_TEST(error.envelope.error().text().find("not an operator of dev") !=
                   std::string::npos);
    }
    bob.send(moderate("dev", v1::MODERATION_ACTION_LOCK_TOPIC));
    bob.expect(isErrorIn(v1::ERROR_CODE_NOT_OPERATOR, "dev"), it::after(5s), "NOT_OPERATOR");
    bob.send(banList("dev"));
    bob.expect(isErrorIn(v1::ERROR_CODE_NOT_OPERATOR, "dev"), it::after(5s), "NOT_OPERATOR");
    bob.send(moderate("", v1::MODERATION_ACTION_BAN, "ana"));
    bob.expect(it::isError(v1::ERROR_CODE_NOT_OPERATOR), it::after(5s), "hub-wide: NOT_OPERATOR");

    // Both still connected, still in the room, nothing happened to ana.
    bob.send(it::sayEnvelope("dev", "sorry", 1));
    ana.expect(it::isChatText("dev", "sorry"), it::after(5s), "bob still speaks");
    ana.sync(it::after(5s));
    for (const auto& frame : ana.inbox()) {
        BOOST_TEST(!(frame.envelope.has_presence() && frame.envelope.presence().by() == "bob"));
    }
    guard.expectCleanStop();
}

BOOST_AUTO_TEST_CASE(ban_by_nick_and_by_address_keeps_them_out_until_unbanned) {
    // Addresses are banned by hub operators only: ana is one.
    OperatorHub hub(Operators{{"ana", "anas"}});
    it::HubGuard& guard = *hub;
    it::RawClient ana(guard.hub.port(), "ana", 0, kOperatorMachine);
    it::RawClient bob(guard.hub.port(), "bob");  // 127.0.0.1
    ana.signIn("ana", "anas", it::after(10s));
    bob.hello("bob", it::after(5s));
    join(ana, "dev");
    join(bob, "dev");

    // By nick: bob is removed and cannot rejoin.
    ana.send(moderate("dev", v1::MODERATION_ACTION_BAN, "Bob", v1::TARGET_KIND_NICK, "trolling"));
    bob.expect(isModeration(v1::PRESENCE_KIND_BANNED, "dev", "bob", "ana"), it::after(5s),
               "bob told he is banned");
    ana.expect(isModeration(v1::PRESENCE_KIND_BANNED, "dev", "bob", "ana"), it::after(5s),
               "the room told, with the nick as its holder spells it");
    joinRefused(bob, "dev", v1::ERROR_CODE_BANNED);

    // By address: bob's machine is out under any nick, another machine is not.
    ana.send(moderate("dev", v1::MODERATION_ACTION_BAN, "127.0.0.1", v1::TARGET_KIND_ADDRESS));
    ana.expect(isModeration(v1::PRESENCE_KIND_BANNED, "dev", "127.0.0.1", "ana"), it::after(5s),
               "ana's confirmation names the address");
    it::RawClient bob2(guard.hub.port(), "bob2");
    bob2.hello("bob2", it::after(5s));
    joinRefused(bob2, "dev", v1::ERROR_CODE_BANNED);
    it::RawClient carol(guard.hub.port(), "carol", 0, kOtherMachine);
    carol.hello("carol", it::after(5s));
    join(carol, "dev");

    ana.inbox().clear();
    ana.send(banList("dev"));
    const it::Frame list =
        ana.expect(it::isBody(v1::Envelope::kBanList), it::after(5s), "the room's bans");
    BOOST_TEST_REQUIRE(list.envelope.ban_list().bans_size() == 2);
    BOOST_TEST(list.envelope.ban_list().bans(0).target() == "bob");
    BOOST_TEST(list.envelope.ban_list().bans(0).reason() == "trolling");
    BOOST_TEST(list.envelope.ban_list().bans(0).set_by() == "ana");
    BOOST_TEST(list.envelope.ban_list().bans(1).kind() == v1::TARGET_KIND_ADDRESS);
    BOOST_TEST(list.envelope.ban_list().bans(1).expires_ms() == 0);

    ana.send(moderate("dev", v1::MODERATION_ACTION_UNBAN, "127.0.0.1", v1::TARGET_KIND_ADDRESS));
    ana.expect(isModeration(v1::PRESENCE_KIND_UNBANNED, "dev", "127.0.0.1", "ana"), it::after(5s),
               "unban confirmed");
    join(bob2, "dev");
    joinRefused(bob, "dev", v1::ERROR_CODE_BANNED);  // the nick ban stands
    ana.send(moderate("dev", v1::MODERATION_ACTION_UNBAN, "bob"));
    carol.expect(isModeration(v1::PRESENCE_KIND_UNBANNED, "dev", "bob", "ana"), it::after(5s),
                 "the room told of the unban");
    join(bob, "dev");
    ana.send(moderate("dev", v1::MODERATION_ACTION_UNBAN, "bob"));
    ana.expect(isErrorIn(v1::ERROR_CODE_NO_SUCH_BAN, "dev"), it::after(5s), "nothing to unban");
    // An operator cannot ban itself.
    ana.send(moderate("dev", v1::MODERATION_ACTION_BAN, kOperatorMachine, v1::TARGET_KIND_ADDRESS));
    ana.expect(isErrorIn(v1::ERROR_CODE_INVALID_MODERATION, "dev"), it::after(5s),
               "a ban matching its operator");
    // A room operator who is not a hub operator bans no address: banning
    // them one by one would tell who is behind which.
    join(carol, "carols");
    carol.send(moderate("carols", v1::MODERATION_ACTION_BAN, "127.0.0.1", v1::TARGET_KIND_ADDRESS));
    carol.expect(isErrorIn(v1::ERROR_CODE_NOT_OPERATOR, "carols"), it::after(5s),
                 "an address ban by a room operator");
    guard.expectCleanStop();
}

BOOST_AUTO_TEST_CASE(a_ban_with_an_expiry_lapses) {
    it::HubGuard guard(noLobby());
    it::RawClient ana(guard.hub.port(), "ana");
    it::RawClient bob(guard.hub.port(), "bob");
    ana.hello("ana", it::after(5s));
    bob.hello("bob", it::after(5s));
    join(ana, "dev");
    ana.send(
        moderate("dev", v1::MODERATION_ACTION_BAN, "bob", v1::TARGET_KIND_NICK, "cool off", 3));
    ana.expect(isModeration(v1::PRESENCE_KIND_BANNED, "dev", "bob", "ana"), it::after(5s),
               "banned");
    joinRefused(bob, "dev", v1::ERROR_CODE_BANNED);

    // Ask again until the hub lets bob in; three seconds (still in force at
    // the first Join on a loaded machine), give it fifteen.
    const it::Deadline deadline = it::after(15s);
    bool joined = false;
    while (!joined && it::Clock::now() < deadline) {
        bob.inbox().clear();
        bob.send(it::joinEnvelope("dev"));
        const auto answer = bob.expect(
            [](const it::Frame& f) { return f.envelope.has_members() || f.envelope.has_error(); },
            deadline, "an answer to Join");
        joined = answer.envelope.has_members();
        if (!joined) {
            BOOST_TEST_REQUIRE(answer.envelope.error().code() == v1::ERROR_CODE_BANNED);
            bob.readSome(it::after(100ms));  // paces the asking; the hub sends nothing
        }
    }
    BOOST_TEST(joined, "the ban of three seconds had not lapsed after fifteen");
    ana.inbox().clear();
    ana.send(banList("dev"));
    const it::Frame list = ana.expect(it::isBody(v1::Envelope::kBanList), it::after(5s), "bans");
    BOOST_TEST(list.envelope.ban_list().bans_size() == 0);
    guard.expectCleanStop();
}

BOOST_AUTO_TEST_CASE(a_muted_member_stays_but_cannot_say) {
    it::HubGuard guard(noLobby());
    it::RawClient ana(guard.hub.port(), "ana");
    it::RawClient bob(guard.hub.port(), "bob");
    ana.hello("ana", it::after(5s));
    bob.hello("bob", it::after(5s));
    join(ana, "dev");
    join(bob, "dev");

    ana.send(moderate("dev", v1::MODERATION_ACTION_MUTE, "bob", v1::TARGET_KIND_NICK, "shouting"));
    bob.expect(isModeration(v1::PRESENCE_KIND_MUTED, "dev", "bob", "ana"), it::after(5s), "muted");
    bob.send(it::sayEnvelope("dev", "LOUD", 7));
    const it::Frame refused =
        bob.expect(isErrorIn(v1::ERROR_CODE_MUTED, "dev"), it::after(5s), "MUTED");
    BOOST_TEST(refused.envelope.error().client_msg_id() == 7u);
    // Nor can the topic say it for them.
    bob.send(it::topicEnvelope("dev", "LOUD TOPIC"));
    bob.expect(isErrorIn(v1::ERROR_CODE_MUTED, "dev"), it::after(5s), "MUTED for the topic");
    ana.send(it::sayEnvelope("dev", "calm down", 1));
    bob.expect(it::isChatText("dev", "calm down"), it::after(5s), "bob still hears the room");
    // Leaving and coming back does not shake it off.
    bob.send(it::leaveEnvelope("dev"));
    join(bob, "dev");
    bob.send(it::sayEnvelope("dev", "again", 8));
    bob.expect(isErrorIn(v1::ERROR_CODE_MUTED, "dev"), it::after(5s), "still MUTED");

    ana.send(moderate("dev", v1::MODERATION_ACTION_UNMUTE, "bob"));
    bob.expect(isModeration(v1::PRESENCE_KIND_UNMUTED, "dev", "bob", "ana"), it::after(5s),
               "unmuted");
    bob.send(it::sayEnvelope("dev", "quietly", 9));
    ana.expect(it::isChatText("dev", "quietly"), it::after(5s), "bob heard again");
    guard.expectCleanStop();
}

BOOST_AUTO_TEST_CASE(a_locked_topic_is_set_by_operators_only) {
    it::HubGuard guard(noLobby());
    it::RawClient ana(guard.hub.port(), "ana");
    it::RawClient bob(guard.hub.port(), "bob");
    ana.hello("ana", it::after(5s));
    bob.hello("bob", it::after(5s));
    join(ana, "dev");
    join(bob, "dev");

    ana.send(moderate("dev", v1::MODERATION_ACTION_LOCK_TOPIC));
    const it::Frame mode =
        bob.expect(isModeration(v1::PRESENCE_KIND_MODE_CHANGED, "dev", "", "ana"), it::after(5s),
                   "mode change");
    BOOST_TEST(mode.envelope.presence().reason() == "topic locked");
    bob.send(it::topicEnvelope("dev", "bob's topic"));
    bob.expect(isErrorIn(v1::ERROR_CODE_TOPIC_LOCKED, "dev"), it::after(5s), "TOPIC_LOCKED");
    ana.send(it::topicEnvelope("dev", "ana's topic"));
    const it::Frame topic = bob.expect(it::isBody(v1::Envelope::kTopic), it::after(5s), "topic");
    BOOST_TEST(topic.envelope.topic().text() == "ana's topic");

    ana.send(moderate("dev", v1::MODERATION_ACTION_UNLOCK_TOPIC));
    bob.expect(isModeration(v1::PRESENCE_KIND_MODE_CHANGED, "dev", "", "ana"), it::after(5s),
               "unlocked");
    bob.inbox().clear();
    bob.send(it::topicEnvelope("dev", "bob's topic"));
    const it::Frame mine = bob.expect(it::isBody(v1::Envelope::kTopic), it::after(5s), "topic");
    BOOST_TEST(mine.envelope.topic().text() == "bob's topic");
    guard.expectCleanStop();
}

BOOST_AUTO_TEST_CASE(invite_only_admits_the_invited_once) {
    it::HubGuard guard(noLobby());
    it::RawClient ana(guard.hub.port(), "ana");
    it::RawClient carol(guard.hub.port(), "carol");
    ana.hello("ana", it::after(5s));
    carol.hello("carol", it::after(5s));
    join(ana, "club");
    ana.send(moderate("club", v1::MODERATION_ACTION_INVITE_ONLY));
    ana.expect(isModeration(v1::PRESENCE_KIND_MODE_CHANGED, "club", "", "ana"), it::after(5s),
               "invite-only");
    joinRefused(carol, "club", v1::ERROR_CODE_INVITE_ONLY);

    ana.send(moderate("club", v1::MODERATION_ACTION_INVITE, "carol"));
    carol.expect(isModeration(v1::PRESENCE_KIND_INVITED, "club", "carol", "ana"), it::after(5s),
                 "carol told of her invite");
    join(carol, "club");
    carol.send(it::leaveEnvelope("club"));
    joinRefused(carol, "club", v1::ERROR_CODE_INVITE_ONLY);  // the invite was used

    ana.send(moderate("club", v1::MODERATION_ACTION_OPEN));
    ana.expect(isModeration(v1::PRESENCE_KIND_MODE_CHANGED, "club", "", "ana"), it::after(5s),
               "open");
    join(carol, "club");
    guard.expectCleanStop();
}

BOOST_AUTO_TEST_CASE(op_gives_and_deop_takes_the_right_to_moderate) {
    it::HubGuard guard(noLobby());
    it::RawClient ana(guard.hub.port(), "ana");
    it::RawClient bob(guard.hub.port(), "bob");
    it::RawClient carol(guard.hub.port(), "carol");
    ana.hello("ana", it::after(5s));
    bob.hello("bob", it::after(5s));
    carol.hello("carol", it::after(5s));
    join(ana, "dev");
    join(bob, "dev");
    join(carol, "dev");

    ana.send(moderate("dev", v1::MODERATION_ACTION_OP, "bob"));
    carol.expect(isModeration(v1::PRESENCE_KIND_OPPED, "dev", "bob", "ana"), it::after(5s),
                 "opped");
    bob.send(moderate("dev", v1::MODERATION_ACTION_MUTE, "carol"));
    carol.expect(isModeration(v1::PRESENCE_KIND_MUTED, "dev", "carol", "bob"), it::after(5s),
                 "bob's mute");

    ana.send(moderate("dev", v1::MODERATION_ACTION_DEOP, "bob"));
    bob.expect(isModeration(v1::PRESENCE_KIND_DEOPPED, "dev", "bob", "ana"), it::after(5s),
               "deopped");
    bob.send(moderate("dev", v1::MODERATION_ACTION_UNMUTE, "carol"));
    bob.expect(isErrorIn(v1::ERROR_CODE_NOT_OPERATOR, "dev"), it::after(5s), "no longer operator");
    guard.expectCleanStop();
}

BOOST_AUTO_TEST_CASE(bans_and_room_modes_survive_a_restart) {
    TempDir dir;
    const std::string db = dir.path + "/history.db";
    {
        OperatorHub hub(db, Operators{{"ana", "anas"}});
        it::HubGuard& guard = *hub;
        it::RawClient ana(guard.hub.port(), "ana", 0, kOperatorMachine);
        ana.signIn("ana", "anas", it::after(10s));
        join(ana, "keep");
        ana.send(moderate("keep", v1::MODERATION_ACTION_BAN, "bob", v1::TARGET_KIND_NICK, "troll"));
        ana.send(moderate("keep", v1::MODERATION_ACTION_BAN, "127.0.0.1", v1::TARGET_KIND_ADDRESS));
        ana.send(moderate("keep", v1::MODERATION_ACTION_LOCK_TOPIC));
        join(ana, "club");
        ana.send(moderate("club", v1::MODERATION_ACTION_INVITE_ONLY));
        ana.expect(isModeration(v1::PRESENCE_KIND_MODE_CHANGED, "club", "", "ana"), it::after(5s),
                   "the last change");
        guard.expectCleanStop();
    }
    it::HubGuard guard(noLobby({{"history.path", db}}));
    BOOST_TEST(guard.hub.log().find("restored 2 bans, 2 room modes") != std::string::npos,
               guard.hub.logTail(10));
    it::RawClient bob(guard.hub.port(), "bob", 0, kOtherMachine);
    bob.hello("bob", it::after(5s));
    joinRefused(bob, "keep", v1::ERROR_CODE_BANNED);  // by nick
    it::RawClient dave(guard.hub.port(), "dave");     // 127.0.0.1
    dave.hello("dave", it::after(5s));
    joinRefused(dave, "keep", v1::ERROR_CODE_BANNED);  // by address
    it::RawClient carol(guard.hub.port(), "carol", 0, kOtherMachine);
    carol.hello("carol", it::after(5s));
    join(carol, "keep");
    carol.send(it::topicEnvelope("keep", "mine now"));
    carol.expect(isErrorIn(v1::ERROR_CODE_TOPIC_LOCKED, "keep"), it::after(5s), "still locked");
    joinRefused(carol, "club", v1::ERROR_CODE_INVITE_ONLY);
    guard.expectCleanStop();
}

BOOST_AUTO_TEST_CASE(the_hub_wide_ban_list_refuses_a_nick_and_an_address_at_hello) {
    // The list as a hub operator left it in the database (hermesd's own
    // store): what a restarted hub must refuse before anyone signs in.
    TempDir dir;
    const std::string db = dir.path + "/history.db";
    {
        hermes::hub::SqliteHistoryOptions options;
        options.path = db;
        hermes::hub::SqliteHistory history(
            options);  // the file and its schema, as hermesd makes them
        hermes::hub::SqliteModerationStore store(db);
        store.putBan({"", hermes::hub::BanKind::Nick, "mallory", "root", "spam bot", 1, 0});
        store.putBan({"", hermes::hub::BanKind::Address, "127.0.0.1", "root", "", 1, 0});
    }
    it::HubGuard guard(noLobby({{"history.path", db}, {"operators", "root, Ops"}}));
    BOOST_TEST(guard.hub.log().find("hub operators (accounts): root, Ops") != std::string::npos,
               guard.hub.logTail(10));
    it::RawClient mallory(guard.hub.port(), "mallory", 0, kOtherMachine);
    mallory.send(it::helloEnvelope("Mallory"));
    const it::Frame refused =
        mallory.expect(it::isError(v1::ERROR_CODE_HUB_BANNED), it::after(5s), "HUB_BANNED");
    BOOST_TEST(refused.envelope.error().fatal());
    BOOST_TEST(refused.envelope.error().text() == "you are banned from this hub by root: spam bot");
    BOOST_TEST(mallory.waitClosed(it::after(5s)));

    it::RawClient local(guard.hub.port(), "eve");  // 127.0.0.1
    local.send(it::helloEnvelope("eve"));
    local.expect(it::isError(v1::ERROR_CODE_HUB_BANNED), it::after(5s), "address HUB_BANNED");
    BOOST_TEST(local.waitClosed(it::after(5s)));

    it::RawClient eve(guard.hub.port(), "eve", 0, kOtherMachine);
    eve.hello("eve", it::after(5s));
    eve.send(it::setNickEnvelope("mallory"));
    const it::Frame nick =
        eve.expect(it::isError(v1::ERROR_CODE_HUB_BANNED), it::after(5s), "nick refused");
    BOOST_TEST(!nick.envelope.error().fatal());
    eve.sync(it::after(5s));  // still connected
    BOOST_TEST(guard.hub.log().find("hub-wide ban on nick mallory") != std::string::npos);
    guard.expectCleanStop();
}

// --- with accounts: hub operators, bans and operators by account ---------------------------

// A hub operator is an account named in hub.operators, signed in over the
// wire: it moderates a room it did not create, and its hub-wide ban closes a
// live session, whose reconnect is refused.
BOOST_AUTO_TEST_CASE(a_signed_in_hub_operator_moderates_any_room_and_bans_from_the_hub) {
    OperatorHub hub(Operators{{"boss", "in charge"}});
    it::HubGuard& guard = *hub;
    const std::uint16_t port = guard.hub.port();
    it::RawClient ana(port, "ana");
    it::RawClient bob(port, "bob");
    it::RawClient mallory(port, "mallory", 0, kOtherMachine);
    ana.hello("ana", it::after(5s));
    bob.hello("bob", it::after(5s));
    mallory.hello("mallory", it::after(5s));
    join(ana, "dev");  // ana's room
    join(bob, "dev");

    // Not signed in, "boss" is nobody: refused.
    it::RawClient impostor(port, "impostor", 0, kOperatorMachine);
    impostor.hello("impostor", it::after(5s));
    impostor.send(moderate("dev", v1::MODERATION_ACTION_KICK, "bob"));
    impostor.expect(isErrorIn(v1::ERROR_CODE_NOT_OPERATOR, "dev"), it::after(5s),
                    "not an operator");

    it::RawClient boss(port, "boss", 0, kOperatorMachine);
    BOOST_TEST(boss.signIn("boss", "in charge", it::after(10s)).account() == "boss");
    boss.send(moderate("dev", v1::MODERATION_ACTION_KICK, "bob", v1::TARGET_KIND_NICK, "enough"));
    bob.expect(isModeration(v1::PRESENCE_KIND_KICKED, "dev", "bob", "boss"), it::after(5s),
               "bob kicked by the hub operator");

    boss.send(moderate("", v1::MODERATION_ACTION_BAN, "mallory", v1::TARGET_KIND_NICK, "spam"));
    const it::Frame closed =
        mallory.expect(it::isError(v1::ERROR_CODE_HUB_BANNED), it::after(5s), "HUB_BANNED");
    BOOST_TEST(closed.envelope.error().fatal());
    BOOST_TEST(mallory.waitClosed(it::after(5s)));
    it::RawClient again(port, "mallory-again", 0, kOtherMachine);
    again.send(it::helloEnvelope("mallory"));
    again.expect(it::isError(v1::ERROR_CODE_HUB_BANNED), it::after(5s), "refused at Hello");
    BOOST_TEST(again.waitClosed(it::after(5s)));
    guard.expectCleanStop();
}

// A ban by account follows the person to another nick and another machine,
// and a hub-wide ban by account refuses the sign-in itself.
BOOST_AUTO_TEST_CASE(a_ban_by_account_follows_the_person_to_a_new_nick_and_machine) {
    OperatorHub hub(Operators{{"boss", "in charge"}});
    it::HubGuard& guard = *hub;
    const std::uint16_t port = guard.hub.port();
    it::registerNick(port, "carol", "carols");
    it::registerNick(port, "eve", "eves");
    it::RawClient ana(port, "ana", 0, kOperatorMachine);
    ana.hello("ana", it::after(5s));
    join(ana, "dev");
    ana.send(moderate("dev", v1::MODERATION_ACTION_BAN, "carol", v1::TARGET_KIND_ACCOUNT, "no"));
    ana.expect(isModeration(v1::PRESENCE_KIND_BANNED, "dev", "", "ana"), it::after(5s), "banned");

    {
        it::RawClient carol(port, "carol");
        carol.signIn("carol", "carols", it::after(10s));
        joinRefused(carol, "dev", v1::ERROR_CODE_BANNED);
    }
    // Another machine, another nick, then signed in to the account: still out.
    it::RawClient disguised(port, "disguised", 0, kOtherMachine);
    disguised.hello("cee", it::after(5s));
    join(disguised, "lobby2");  // not banned elsewhere
    disguised.send(it::identifyEnvelope("carol", "carols"));
    disguised.expect(it::isAccountReply(v1::ACCOUNT_EVENT_IDENTIFIED), it::after(10s),
                     "identified");
    joinRefused(disguised, "dev", v1::ERROR_CODE_BANNED);

    // Hub-wide, by account: the sign-in is what is refused.
    it::RawClient boss(port, "boss", 0, kOperatorMachine);
    boss.signIn("boss", "in charge", it::after(10s));
    boss.send(moderate("", v1::MODERATION_ACTION_BAN, "eve", v1::TARGET_KIND_ACCOUNT));
    boss.sync(it::after(5s));
    it::RawClient eve(port, "eve", 0, kOtherMachine);
    eve.send(it::helloWithPasswordEnvelope("eve", "eves"));
    const it::Frame refused =
        eve.expect(it::isError(v1::ERROR_CODE_HUB_BANNED), it::after(10s), "HUB_BANNED at sign-in");
    BOOST_TEST(refused.envelope.error().fatal());
    BOOST_TEST(eve.waitClosed(it::after(5s)));
    guard.expectCleanStop();
}

// An operator by account is remembered across reconnects and restarts.
BOOST_AUTO_TEST_CASE(an_operator_by_account_survives_a_restart) {
    TempDir dir;
    const std::string db = dir.path + "/history.db";
    {
        it::HubGuard guard(noLobby({{"history.path", db}}));
        it::registerNick(guard.hub.port(), "dave", "daves");
        it::RawClient ana(guard.hub.port(), "ana");
        ana.hello("ana", it::after(5s));
        join(ana, "dev");
        ana.send(moderate("dev", v1::MODERATION_ACTION_OP, "dave", v1::TARGET_KIND_ACCOUNT));
        ana.expect(isModeration(v1::PRESENCE_KIND_OPPED, "dev", "", "ana"), it::after(5s), "opped");
        guard.expectCleanStop();
    }
    it::HubGuard guard(noLobby({{"history.path", db}}));
    it::RawClient bob(guard.hub.port(), "bob");
    bob.hello("bob", it::after(5s));
    join(bob, "dev");
    it::RawClient dave(guard.hub.port(), "dave", 0, kOtherMachine);
    dave.signIn("dave", "daves", it::after(10s));
    join(dave, "dev");
    dave.send(moderate("dev", v1::MODERATION_ACTION_MUTE, "bob", v1::TARGET_KIND_NICK, "quiet"));
    bob.expect(isModeration(v1::PRESENCE_KIND_MUTED, "dev", "bob", "dave"), it::after(5s),
               "muted by dave, operator by account");
    guard.expectCleanStop();
}

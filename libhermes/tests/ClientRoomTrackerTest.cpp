#define BOOST_TEST_MODULE client_room_tracker
#include <boost/test/unit_test.hpp>

#include <vector>

#include "hermes/client/RoomTracker.hpp"

using hermes::client::RoomTracker;

namespace {

hermes::v1::Welcome welcome(const std::string& nick, std::uint64_t epoch) {
    hermes::v1::Welcome w;
    w.set_nick(nick);
    w.set_epoch(epoch);
    return w;
}

hermes::v1::Presence presence(const std::string& room, hermes::v1::PresenceKind kind,
                              std::vector<std::string> nicks, const std::string& newNick = {}) {
    hermes::v1::Presence p;
    p.set_room(room);
    p.set_kind(kind);
    for (auto& nick : nicks) {
        p.add_nicks(nick);
    }
    p.set_new_nick(newNick);
    return p;
}

}  // namespace

BOOST_AUTO_TEST_CASE(rooms_follow_own_presence_and_member_lists) {
    RoomTracker tracker;
    tracker.onWelcome(welcome("Ana", 1));
    tracker.onPresence(presence("lobby", hermes::v1::PRESENCE_KIND_JOINED, {"bo", "ana"}));
    tracker.onPresence(presence("dev", hermes::v1::PRESENCE_KIND_JOINED, {"bo"}));
    hermes::v1::MemberList members;
    members.set_room("ops");
    members.add_nicks("ANA");
    tracker.onMemberList(members);
    hermes::v1::MemberList others;
    others.set_room("misc");
    others.add_nicks("bo");
    tracker.onMemberList(others);
    BOOST_TEST(tracker.joinedRooms() == (std::vector<std::string>{"lobby", "ops"}));

    tracker.onPresence(presence("lobby", hermes::v1::PRESENCE_KIND_LEFT, {"ana"}));
    BOOST_TEST(!tracker.isJoined("lobby"));
    BOOST_TEST(tracker.isJoined("ops"));
}

BOOST_AUTO_TEST_CASE(own_nick_changes_only_on_the_roomless_confirmation) {
    RoomTracker tracker;
    tracker.onWelcome(welcome("ana", 1));
    BOOST_TEST(!tracker.onPresence(
        presence("lobby", hermes::v1::PRESENCE_KIND_NICK_CHANGED, {"ana"}, "ana2")));
    BOOST_TEST(tracker.ownNick() == "ana");
    BOOST_TEST(
        tracker.onPresence(presence("", hermes::v1::PRESENCE_KIND_NICK_CHANGED, {"ana"}, "ana2")));
    BOOST_TEST(tracker.ownNick() == "ana2");
    BOOST_TEST(tracker.isOwnNick("ANA2"));
}

BOOST_AUTO_TEST_CASE(each_seq_is_accepted_once_and_holes_fill_in) {
    RoomTracker tracker;
    tracker.onWelcome(welcome("ana", 1));
    struct Step {
        std::uint64_t seq;
        bool accepted;
        std::uint64_t lastSeq;
    };
    // Baseline 3, live 4, reconnect, live 7 ahead of history 5..7.
    const Step steps[] = {{3, true, 3}, {4, true, 4}, {4, false, 4}, {2, false, 4}, {7, true, 4},
                          {5, true, 5}, {6, true, 7}, {7, false, 7}, {8, true, 8}};
    for (const auto& step : steps) {
        BOOST_TEST_CONTEXT("seq " << step.seq) {
            BOOST_TEST(tracker.accept("lobby", step.seq) == step.accepted);
            BOOST_TEST(tracker.lastSeq("lobby") == step.lastSeq);
        }
    }
    BOOST_TEST(tracker.accept("lobby", 0));  // private messages are never duplicates
    BOOST_TEST(tracker.accept("lobby", 0));
    BOOST_TEST(tracker.lastSeq("other") == 0u);
}

BOOST_AUTO_TEST_CASE(catch_up_baseline_and_gap) {
    RoomTracker tracker;
    tracker.onWelcome(welcome("ana", 1));
    tracker.startAt("lobby", 10);
    BOOST_TEST(!tracker.accept("lobby", 10));
    BOOST_TEST(tracker.accept("lobby", 20));  // live, ahead of the history
    BOOST_TEST(tracker.lastSeq("lobby") == 10u);
    tracker.markGone("lobby", 11, 15);
    BOOST_TEST(tracker.lastSeq("lobby") == 15u);
    for (std::uint64_t seq = 16; seq <= 19; ++seq) {
        BOOST_TEST(tracker.accept("lobby", seq));
    }
    BOOST_TEST(tracker.lastSeq("lobby") == 20u);
}

BOOST_AUTO_TEST_CASE(unfilled_hole_is_given_up_when_too_much_runs_ahead) {
    RoomTracker tracker;
    tracker.onWelcome(welcome("ana", 1));
    BOOST_TEST(tracker.accept("lobby", 1));
    const std::uint64_t last = 2 + RoomTracker::kMaxAhead + 1;
    for (std::uint64_t seq = 3; seq <= last; ++seq) {
        tracker.accept("lobby", seq);
    }
    BOOST_TEST(tracker.lastSeq("lobby") == last);
    BOOST_TEST(!tracker.accept("lobby", 2));
}

BOOST_AUTO_TEST_CASE(new_epoch_forgets_seqs_but_keeps_rooms) {
    RoomTracker tracker;
    BOOST_TEST(!tracker.onWelcome(welcome("ana", 5)));
    tracker.onPresence(presence("lobby", hermes::v1::PRESENCE_KIND_JOINED, {"ana"}));
    BOOST_TEST(tracker.accept("lobby", 1));
    BOOST_TEST(tracker.accept("lobby", 2));
    BOOST_TEST(!tracker.onWelcome(welcome("ana", 5)));  // same hub, reconnected
    BOOST_TEST(!tracker.accept("lobby", 2));
    BOOST_TEST(tracker.onWelcome(welcome("ana", 6)));  // restarted hub
    BOOST_TEST(tracker.lastSeq("lobby") == 0u);
    BOOST_TEST(tracker.isJoined("lobby"));
    BOOST_TEST(tracker.accept("lobby", 1));
}

BOOST_AUTO_TEST_CASE(new_epoch_of_a_durable_hub_keeps_seqs) {
    RoomTracker tracker;
    hermes::v1::Welcome durable = welcome("ana", 5);
    durable.set_durable_history(true);
    BOOST_TEST(!tracker.onWelcome(durable));
    tracker.onPresence(presence("lobby", hermes::v1::PRESENCE_KIND_JOINED, {"ana"}));
    BOOST_TEST(tracker.accept("lobby", 1));
    BOOST_TEST(tracker.accept("lobby", 2));
    durable.set_epoch(6);  // restarted, seqs continue
    BOOST_TEST(!tracker.onWelcome(durable));
    BOOST_TEST(tracker.lastSeq("lobby") == 2u);
    BOOST_TEST(!tracker.accept("lobby", 2));  // already shown: no duplicate
    BOOST_TEST(tracker.accept("lobby", 3));
}

BOOST_AUTO_TEST_CASE(restart_at_accepts_old_seqs_again) {
    RoomTracker tracker;
    tracker.onWelcome(welcome("ana", 5));
    tracker.onPresence(presence("lobby", hermes::v1::PRESENCE_KIND_JOINED, {"ana"}));
    BOOST_TEST(tracker.accept("lobby", 1));
    BOOST_TEST(tracker.accept("lobby", 2));
    BOOST_TEST(!tracker.accept("lobby", 1));
    tracker.restartAt("lobby", 0);  // the hub's head went back to 0
    BOOST_TEST(tracker.lastSeq("lobby") == 0u);
    BOOST_TEST(tracker.accept("lobby", 1));
}

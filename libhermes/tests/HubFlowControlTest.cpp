// The output budget and slow members (HubFlowControl.cpp): a burst cuts
// nobody, a member far behind its rooms is cut, input pauses at the budget
// and resumes where it stopped, and a stalled member cannot hold it paused.
#define BOOST_TEST_MODULE hub_flow_control
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "HubTestHarness.hpp"

using namespace hermes::hub;
using namespace hermes::hub::test;
namespace v1 = hermes::v1;

namespace {

// `count` says to `room` in one buffer, ids and texts from `first`.
std::string says(const std::string& room, std::uint64_t first, std::size_t count,
                 std::size_t textBytes) {
    std::string bytes;
    for (std::size_t i = 0; i < count; ++i) {
        std::string text = "m" + std::to_string(first + i) + " ";
        text.resize(textBytes, '.');
        bytes += hermes::codec::encodeFrame(say(room, first + i, text));
    }
    return bytes;
}

// The seqs of `room`'s messages in the peer's inbox, in arrival order.
std::vector<std::uint64_t> seqsOf(HubHarness& h, SessionId id, const std::string& room) {
    std::vector<std::uint64_t> seqs;
    for (const auto& e : h.peers[id].inbox) {
        if (e.has_message() && e.message().room() == room) {
            seqs.push_back(e.message().seq());
        }
    }
    return seqs;
}

// The reasons of the QUIT presence for `nick` in the peer's inbox.
std::vector<std::string> quitReasons(HubHarness& h, SessionId id, const std::string& nick) {
    std::vector<std::string> reasons;
    for (const auto& e : h.peers[id].inbox) {
        if (e.has_presence() && e.presence().kind() == v1::PRESENCE_KIND_QUIT) {
            for (const auto& quitter : e.presence().nicks()) {
                if (quitter == nick) {
                    reasons.push_back(e.presence().reason());
                }
            }
        }
    }
    return reasons;
}

std::vector<std::uint64_t> oneTo(std::uint64_t n) {
    std::vector<std::uint64_t> out;
    for (std::uint64_t i = 1; i <= n; ++i) {
        out.push_back(i);
    }
    return out;
}

// A hub whose budget is small enough to reach with a few hundred messages:
// input pauses at 768 KiB (the budget less four 64 KiB frames) and resumes
// at 576 KiB.
HubConfig smallBudget() {
    HubConfig config = testConfig();
    config.maxQueuedBytes = 1024 * 1024;
    config.outboundQueueBytes = 64 * 1024 * 1024;
    return config;
}

std::vector<SessionId> inRoom(HubHarness& h, const std::vector<std::string>& nicks,
                              const std::string& room) {
    std::vector<SessionId> ids;
    for (const auto& nick : nicks) {
        ids.push_back(h.login(nick));
        h.send(ids.back(), join(room));
    }
    for (const SessionId id : ids) {
        h.clear(id);
    }
    return ids;
}

}  // namespace

BOOST_AUTO_TEST_CASE(a_burst_far_past_the_member_bound_cuts_nobody) {
    // 20 members send 10 messages of 1,000 bytes each at the same moment:
    // 200 KB for every member, 50 times hub.outbound_queue_bytes, queued
    // before anyone reads. The old per-member bound cut them all.
    HubConfig config = testConfig();
    config.outboundQueueBytes = 4096;
    HubHarness h(config);
    std::vector<std::string> nicks;
    for (int i = 0; i < 20; ++i) {
        nicks.push_back("n" + std::to_string(i));
    }
    const auto ids = inRoom(h, nicks, "r");
    for (std::size_t i = 0; i < ids.size(); ++i) {
        h.hub.receive(ids[i], says("r", 1 + 10 * i, 10, 1000), h.now);
    }
    h.hub.flush();
    // Every member's queue holds the whole burst when the timer scan judges it.
    BOOST_TEST(h.hub.stats().bytesQueued >= 20u * 200u * 1000u);
    h.now += 300ms;
    h.hub.tick(h.now);
    h.pump();
    for (std::size_t i = 0; i < ids.size(); ++i) {
        BOOST_TEST_CONTEXT("member " << i) {
            BOOST_TEST(!h.closed(ids[i]));
            BOOST_TEST(seqsOf(h, ids[i], "r") == oneTo(200), boost::test_tools::per_element());
        }
    }
    BOOST_TEST(h.hub.stats().disconnects.empty());
}

BOOST_AUTO_TEST_CASE(behind_with_everyone_is_not_slow_behind_alone_is) {
    // Nobody in room "busy" reads: they are all equally behind, so the hub
    // (not one of them) is behind, and the size bound cuts none of them.
    // ana is also in "quiet", whose other members keep up: that does not
    // make her slow, since she is not behind the others in "busy".
    HubConfig config = testConfig();
    config.outboundQueueBytes = 8192;
    HubHarness h(config);
    const auto busy = inRoom(h, {"ana", "bob", "cat", "dan"}, "busy");
    const auto quiet = inRoom(h, {"eve", "fay"}, "quiet");
    h.send(busy[0], join("quiet"));
    h.clear(busy[0]);
    for (const SessionId id : busy) {
        h.peers[id].reading = false;
    }
    h.sendRaw(busy[1], says("busy", 1, 20, 1000));
    h.advance(300ms);
    h.advance(300ms);
    for (const SessionId id : busy) {
        BOOST_TEST(!h.closed(id));
    }
    // Now everyone in "busy" but dan catches up: dan is behind alone.
    for (const SessionId id : {busy[0], busy[1], busy[2]}) {
        h.peers[id].reading = true;
        h.readNow(id);
    }
    h.advance(300ms);
    BOOST_TEST(h.closed(busy[3]));
    BOOST_TEST(h.peers[busy[3]].closeReason == "slow_consumer");
    for (const SessionId id : {busy[0], busy[1], busy[2], quiet[0], quiet[1]}) {
        BOOST_TEST(!h.closed(id));
    }
    BOOST_TEST(seqsOf(h, busy[0], "busy") == oneTo(20), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(input_pauses_at_the_budget_and_resumes_where_it_stopped) {
    HubHarness h(smallBudget());
    const auto ids = inRoom(h, {"ana", "bob"}, "r");
    const SessionId ana = ids[0];
    const SessionId bob = ids[1];
    h.peers[bob].reading = false;
    // 300 messages of 4,000 bytes (1.2 MB) in one read: more than the budget.
    h.sendRaw(ana, says("r", 1, 300, 4000));
    BOOST_TEST_REQUIRE(h.hub.inputPaused());
    const auto before = seqsOf(h, ana, "r").size();
    BOOST_TEST(before > 100u);
    BOOST_TEST(before < 300u);
    BOOST_TEST(h.hub.outputMemory().bytes() <= 1024u * 1024u);
    BOOST_TEST(h.hub.stats().inputPauses == 1u);
    // Paused: nothing more is taken, however long it lasts, and bob is not
    // cut while he is not yet stalled for kPausedStall.
    h.advance(300ms);
    h.advance(300ms);
    BOOST_TEST(seqsOf(h, ana, "r").size() == before);
    BOOST_TEST(!h.closed(bob));
    // bob reads: the budget drains, input resumes and takes up the rest.
    h.peers[bob].reading = true;
    h.readNow(bob);
    BOOST_TEST(!h.hub.inputPaused());
    h.advance(1ms);
    BOOST_TEST(seqsOf(h, ana, "r") == oneTo(300), boost::test_tools::per_element());
    BOOST_TEST(seqsOf(h, bob, "r") == oneTo(300), boost::test_tools::per_element());
    BOOST_TEST(h.hub.stats().disconnects.empty());
    BOOST_TEST(h.hub.stats().inputPausedMs >= 600u);
    // Every echo is an acknowledgement of its own say: ids 1..300 in order.
    std::uint64_t id = 0;
    for (const auto& e : h.peers[ana].inbox) {
        if (e.has_message()) {
            BOOST_TEST(e.message().client_msg_id() == ++id);
        }
    }
}

BOOST_AUTO_TEST_CASE(a_stalled_member_cannot_hold_input_paused) {
    HubHarness h(smallBudget());
    const auto ids = inRoom(h, {"ana", "bob", "cat"}, "r");
    const SessionId ana = ids[0];
    const SessionId bob = ids[1];
    h.peers[bob].reading = false;
    h.sendRaw(ana, says("r", 1, 300, 4000));
    BOOST_TEST_REQUIRE(h.hub.inputPaused());
    h.advance(600ms);
    BOOST_TEST(!h.closed(bob));
    h.advance(600ms);  // 1.2 s without taking a byte, with input paused
    BOOST_TEST_REQUIRE(h.closed(bob));
    BOOST_TEST(h.peers[bob].closeReason == "budget_stall");
    const auto error = h.take(bob).back();
    BOOST_TEST(error.error().code() == v1::ERROR_CODE_SLOW_CONSUMER);
    BOOST_TEST(error.error().text().find("hub.max_queued_bytes") != std::string::npos);
    BOOST_TEST(error.error().text().find("took no bytes for 1000 ms") != std::string::npos);
    // His rooms are told what happened, not "write stall".
    BOOST_TEST(quitReasons(h, ids[2], "bob") ==
                   std::vector<std::string>{"output budget full, not reading"},
               boost::test_tools::per_element());
    // His queue was the budget: input resumed, and the rest went out.
    BOOST_TEST(!h.hub.inputPaused());
    h.advance(1ms);
    BOOST_TEST(seqsOf(h, ana, "r") == oneTo(300), boost::test_tools::per_element());
    BOOST_TEST(seqsOf(h, ids[2], "r") == oneTo(300), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(readers_that_trickle_cannot_hold_input_paused_for_good) {
    // bob and cat keep taking a few bytes, so neither is ever stalled for
    // kPausedStall; bob takes fewer. Once input has been paused for
    // kPausedHold the longest queue (bob's) is cut, and input resumes.
    HubHarness h(smallBudget());
    const auto ids = inRoom(h, {"ana", "bob", "cat"}, "r");
    const SessionId ana = ids[0];
    const SessionId bob = ids[1];
    const SessionId cat = ids[2];
    h.peers[bob].reading = false;
    h.peers[cat].reading = false;
    h.sendRaw(ana, says("r", 1, 300, 4000));
    BOOST_TEST_REQUIRE(h.hub.inputPaused());
    const auto trickle = [&] {
        h.readPart(bob, 1000);
        h.readPart(cat, 50000);
    };
    // 1.75 s paused: nobody is cut yet.
    for (int i = 0; i < 7; ++i) {
        h.advance(250ms);
        trickle();
    }
    BOOST_TEST_REQUIRE(h.hub.inputPaused());
    BOOST_TEST(!h.closed(bob));
    BOOST_TEST(!h.closed(cat));
    // 2 s: bob, holding the longest queue, is cut; what cat's queue holds
    // is under the resume mark, so input resumes and nobody else is cut.
    h.advance(250ms);
    BOOST_TEST_REQUIRE(h.closed(bob));
    BOOST_TEST(h.peers[bob].closeReason == "budget_hold");
    const auto error = h.take(bob).back();
    BOOST_TEST(error.error().code() == v1::ERROR_CODE_SLOW_CONSUMER);
    BOOST_TEST(error.error().fatal());
    BOOST_TEST(error.error().text().find("longest queue") != std::string::npos);
    BOOST_TEST(error.error().text().find("hub.max_queued_bytes") != std::string::npos);
    BOOST_TEST(quitReasons(h, ana, "bob") ==
                   std::vector<std::string>{"output budget full, reading too slowly"},
               boost::test_tools::per_element());
    // That pause ended (input then took the rest of ana's says, up to the
    // mark again while cat is still behind).
    BOOST_TEST(h.hub.stats().inputPausedMs >= 2000u);
    BOOST_TEST(!h.closed(cat));
    h.peers[cat].reading = true;
    h.readNow(cat);
    h.advance(1ms);
    BOOST_TEST(seqsOf(h, ana, "r") == oneTo(300), boost::test_tools::per_element());
    BOOST_TEST(seqsOf(h, cat, "r") == oneTo(300), boost::test_tools::per_element());
    BOOST_TEST(h.hub.stats().disconnects.size() == 1u);
    BOOST_TEST(h.hub.stats().disconnects.at("budget_hold") == 1u);
}

BOOST_AUTO_TEST_CASE(a_pause_does_not_count_against_a_senders_rate) {
    // ana and cy each say a line every 20 ms, their full rate (50/s, burst
    // 10, 20 frames may wait), before and during a pause. Their clients
    // keep writing while the hub reads nothing; when it resumes it finds
    // 1.5 s of their lines at once. That backlog was sent within the rate:
    // it must not be taken for a flood.
    HubConfig config = smallBudget();
    config.ratePerSecond = 50.0;
    config.rateBurst = 10.0;
    config.floodBacklog = 20;
    HubHarness h(config);
    const auto ids = inRoom(h, {"ana", "bob", "cy", "dan"}, "r");
    const SessionId ana = ids[0];
    const SessionId bob = ids[1];
    const SessionId cy = ids[2];
    const SessionId dan = ids[3];  // says nothing meanwhile
    h.peers[bob].reading = false;
    std::uint64_t said = 0;
    int steps = 0;
    const auto step = [&] {
        h.advance(20ms);
        ++said;
        h.sendRaw(ana, says("r", said, 1, 4000));
        h.sendRaw(cy, says("r", said, 1, 4000));
        if (++steps % 12 == 0) {
            h.readPart(bob, 100);  // slow, never stalled for kPausedStall
        }
    };
    // bob's queue fills the budget: input pauses.
    while (!h.hub.inputPaused() && said < 1000) {
        step();
    }
    BOOST_TEST_REQUIRE(h.hub.inputPaused());
    const std::size_t seenAtPause = seqsOf(h, ana, "r").size();
    // 1.5 s more at the same rate (under kPausedHold): 75 lines each wait
    // in their sockets.
    for (int i = 0; i < 75; ++i) {
        step();
    }
    BOOST_TEST_REQUIRE(h.hub.inputPaused());
    BOOST_TEST(seqsOf(h, ana, "r").size() == seenAtPause);  // nothing was taken
    // bob reads everything: input resumes and the backlog is taken.
    h.peers[bob].reading = true;
    h.readNow(bob);
    for (int i = 0; i < 10; ++i) {
        h.advance(20ms);
    }
    BOOST_TEST(!h.hub.inputPaused());
    BOOST_TEST(!h.closed(ana));
    BOOST_TEST(!h.closed(cy));
    BOOST_TEST(h.hub.stats().disconnects.empty());
    // Every line of each, in the order sent.
    std::vector<std::uint64_t> fromAna;
    std::vector<std::uint64_t> fromCy;
    for (const auto& e : h.peers[bob].inbox) {
        if (e.has_message()) {
            (e.message().from() == "ana" ? fromAna : fromCy).push_back(e.message().client_msg_id());
        }
    }
    BOOST_TEST(fromAna == oneTo(said), boost::test_tools::per_element());
    BOOST_TEST(fromCy == oneTo(said), boost::test_tools::per_element());
    // dan had nothing waiting: a scan interval later he has no credit left,
    // and a paste of 31 lines at once is a flood as it always was.
    h.advance(300ms);
    h.advance(300ms);
    h.sendRaw(dan, says("r", 1, 31, 10));
    BOOST_TEST(h.closed(dan));
    BOOST_TEST(h.peers[dan].closeReason == "flood");
}

namespace {

v1::Envelope pong(std::uint64_t nonce) {
    v1::Envelope e;
    e.mutable_pong()->set_nonce(nonce);
    return e;
}

// bob reads slowly (100 bytes every 240 ms: never stalled for
// kPausedStall) and ana says lines of 4,000 bytes every 20 ms until input
// pauses. `every20ms` runs at each step.
void fillUntilPaused(HubHarness& h, SessionId ana, SessionId bob, std::uint64_t& said,
                     const std::function<void()>& every20ms) {
    h.peers[bob].reading = false;
    for (int steps = 1; !h.hub.inputPaused() && steps < 10000; ++steps) {
        h.advance(20ms);
        every20ms();
        h.sendRaw(ana, says("r", ++said, 1, 4000));
        if (steps % 12 == 0) {
            h.readPart(bob, 100);
        }
    }
    BOOST_TEST_REQUIRE(h.hub.inputPaused());
}

// Input stays paused for `hold`: bob takes 100 bytes now and then, so he is
// never stalled for kPausedStall (the hold is under kPausedHold).
void holdPaused(HubHarness& h, SessionId bob, std::chrono::milliseconds hold,
                const std::function<void()>& every20ms) {
    int steps = 0;
    for (auto held = 0ms; held < hold; held += 20ms) {
        h.advance(20ms);
        every20ms();
        if (++steps % 12 == 0) {
            h.readPart(bob, 100);
        }
    }
    BOOST_TEST_REQUIRE(h.hub.inputPaused());
}

HubConfig rateLimitedSmallBudget() {
    HubConfig config = smallBudget();
    config.ratePerSecond = 50.0;
    config.rateBurst = 10.0;
    config.floodBacklog = 20;
    return config;
}

}  // namespace

BOOST_AUTO_TEST_CASE(two_pauses_in_a_row_do_not_add_up) {
    // eve says nothing through two pauses, the second straight after the
    // first: bob reads just enough for input to resume and ana's next lines
    // fill the budget again at once (no timer scan between). eve's credit is
    // one pause's, not two: a paste just past one pause's credit and the
    // flood backlog is a flood.
    const HubConfig config = rateLimitedSmallBudget();
    HubHarness h(config);
    const auto ids = inRoom(h, {"ana", "bob", "eve"}, "r");
    const SessionId ana = ids[0];
    const SessionId bob = ids[1];
    const SessionId eve = ids[2];
    std::uint64_t said = 0;
    const auto nothing = [] {};
    fillUntilPaused(h, ana, bob, said, nothing);
    holdPaused(h, bob, 1500ms, nothing);
    while (h.hub.inputPaused() && h.readPart(bob, 4096) > 0) {
    }
    BOOST_TEST_REQUIRE(!h.hub.inputPaused());
    const auto first = std::chrono::milliseconds(h.hub.stats().inputPausedMs);
    for (int i = 0; i < 100 && !h.hub.inputPaused(); ++i) {
        h.sendRaw(ana, says("r", ++said, 1, 4000));  // her credit pays for them
    }
    BOOST_TEST_REQUIRE(h.hub.inputPaused());
    BOOST_TEST_REQUIRE(!h.closed(ana));
    holdPaused(h, bob, 1500ms, nothing);
    h.peers[bob].reading = true;
    h.readNow(bob);
    BOOST_TEST_REQUIRE(!h.hub.inputPaused());
    BOOST_TEST_REQUIRE(h.hub.stats().inputPauses == 2u);
    const auto second = std::chrono::milliseconds(h.hub.stats().inputPausedMs) - first;
    const auto credit = [&](std::chrono::milliseconds paused) {
        return config.rateBurst + config.ratePerSecond * static_cast<double>(paused.count()) / 1000;
    };
    // One pause's credit, the frames that may wait, and one more.
    const auto paste =
        static_cast<std::size_t>(std::max(credit(first), credit(second))) + config.floodBacklog + 2;
    // Added up, the two credits would have taken the whole paste.
    BOOST_TEST_REQUIRE(static_cast<double>(paste) < credit(first) + credit(second));
    h.sendRaw(eve, says("r", 1, paste, 10));
    BOOST_TEST(h.closed(eve));
    BOOST_TEST(h.peers[eve].closeReason == "flood");
    BOOST_TEST(!h.closed(ana));
}

BOOST_AUTO_TEST_CASE(pongs_through_pauses_keep_no_credit) {
    // eve answers a Ping every 200 ms and says nothing, through three pauses.
    // Pong takes no token: once the backlog she did not have is read (a
    // scan interval with no token taken), her credit is gone, and a paste
    // of 31 lines is a flood as it always was.
    HubHarness h(rateLimitedSmallBudget());
    const auto ids = inRoom(h, {"ana", "bob", "eve"}, "r");
    const SessionId ana = ids[0];
    const SessionId bob = ids[1];
    const SessionId eve = ids[2];
    std::uint64_t said = 0;
    std::uint64_t nonce = 0;
    int steps = 0;
    const auto pongs = [&] {
        if (++steps % 10 == 0) {
            h.send(eve, pong(++nonce));
        }
    };
    for (int i = 0; i < 3; ++i) {
        fillUntilPaused(h, ana, bob, said, pongs);
        holdPaused(h, bob, 1500ms, pongs);
        h.peers[bob].reading = true;
        h.readNow(bob);
        BOOST_TEST_REQUIRE(!h.hub.inputPaused());
        for (int k = 0; k < 30; ++k) {  // 600 ms: two timer scans or more
            h.advance(20ms);
            pongs();
        }
    }
    BOOST_TEST_REQUIRE(h.hub.stats().inputPauses == 3u);
    BOOST_TEST_REQUIRE(!h.closed(eve));
    h.sendRaw(eve, says("r", 1, 31, 10));
    BOOST_TEST(h.closed(eve));
    BOOST_TEST(h.peers[eve].closeReason == "flood");
    BOOST_TEST(!h.closed(ana));
}

BOOST_AUTO_TEST_CASE(a_pause_does_not_count_as_silence) {
    // A connection that has not said Hello yet when input pauses is not
    // timed out while the hub reads nothing, and its clock resumes after.
    HubConfig config = smallBudget();
    config.handshakeTimeout = 800ms;
    HubHarness h(config);
    const auto ids = inRoom(h, {"ana", "bob"}, "r");
    const SessionId mute = h.connect();
    h.peers[ids[1]].reading = false;
    h.sendRaw(ids[0], says("r", 1, 300, 4000));
    BOOST_TEST_REQUIRE(h.hub.inputPaused());
    // bob reads a little every 250 ms: slow, not stalled, so the pause lasts
    // (1.5 s, under Hub::kPausedHold).
    for (int i = 0; i < 6; ++i) {
        h.advance(250ms);
        h.readPart(ids[1], 4096);
        BOOST_TEST_REQUIRE(h.hub.inputPaused());
    }
    BOOST_TEST(!h.closed(mute));
    BOOST_TEST(!h.closed(ids[1]));
    h.peers[ids[1]].reading = true;
    h.readNow(ids[1]);
    BOOST_TEST_REQUIRE(!h.hub.inputPaused());
    h.advance(300ms);
    BOOST_TEST(!h.closed(mute));  // it had 800 ms, not all of it gone
    h.advance(800ms);
    BOOST_TEST(h.closed(mute));
    BOOST_TEST(h.peers[mute].closeReason == "handshake_timeout");
}

BOOST_AUTO_TEST_CASE(output_memory_is_given_back) {
    HubHarness h(testConfig());
    const auto ids = inRoom(h, {"ana", "bob"}, "r");
    h.sendRaw(ids[0], says("r", 1, 50, 2000));
    BOOST_TEST(h.hub.outputMemory().peak() > 0u);
    // Idle rooms drop their block, idle sessions their buffers.
    h.advance(300ms);
    h.advance(300ms);
    BOOST_TEST(h.hub.outputMemory().bytes() == 0u);
    // Stats report it.
    h.send(ids[0], [] {
        v1::Envelope e;
        e.mutable_stats_request();
        return e;
    }());
    const auto stats = h.take(ids[0]).back().stats();
    BOOST_TEST(stats.output_memory_peak_bytes() >= 50u * 2000u);
    BOOST_TEST(stats.output_memory_budget_bytes() == testConfig().maxQueuedBytes);
}

#define BOOST_TEST_MODULE hub_limits
#include <boost/test/unit_test.hpp>

#include "HubTestHarness.hpp"
#include "hub/Session.hpp"  // private: its size is asserted below

using namespace hermes;
using namespace hermes::hub;
using namespace hermes::hub::test;

namespace {
std::string frames(const std::vector<v1::Envelope>& envelopes) {
    std::string out;
    for (const auto& e : envelopes) {
        codec::appendFrame(e, out);
    }
    return out;
}
}  // namespace

BOOST_AUTO_TEST_CASE(rate_limit_delays_in_order_and_spares_ping) {
    HubConfig config = testConfig();
    config.ratePerSecond = 2;
    config.rateBurst = 3;  // Hello takes one; two says go at once
    config.floodBacklog = 5;
    HubHarness h(config);
    const SessionId ana = h.connect();
    h.send(ana, hello("ana"));
    h.clear(ana);
    // Burst exhausted by Join + one Say; three more Says wait, a Ping does not.
    h.sendRaw(ana, frames({join("r"), say("r", 1, "a"), say("r", 2, "b"), say("r", 3, "c"),
                           say("r", 4, "d"), ping(7)}));
    auto got = h.take(ana);
    BOOST_TEST_REQUIRE(got.size() == 4u);  // members, presence, message 1, pong
    BOOST_TEST(got[0].has_members());
    BOOST_TEST(got[1].has_presence());
    BOOST_TEST(got[2].message().client_msg_id() == 1u);
    BOOST_TEST(got[3].pong().nonce() == 7u);
    // The next token is due in 500 ms: tick() asks to run by then.
    const TimePoint wake = h.tick();
    BOOST_TEST((wake > h.now && wake <= h.now + 500ms));
    h.advance(499ms);
    BOOST_TEST(h.take(ana).empty());
    h.advance(1ms);
    got = h.take(ana);
    BOOST_TEST_REQUIRE(got.size() == 1u);
    BOOST_TEST(got[0].message().client_msg_id() == 2u);
    h.advance(1s);
    got = h.take(ana);
    BOOST_TEST_REQUIRE(got.size() == 2u);
    BOOST_TEST(got[0].message().client_msg_id() == 3u);
    BOOST_TEST(got[1].message().client_msg_id() == 4u);
    BOOST_TEST(got[1].message().seq() == 4u);  // all in order, none lost
    BOOST_TEST(!h.closed(ana));
}

BOOST_AUTO_TEST_CASE(flood_closes) {
    HubConfig config = testConfig();
    config.ratePerSecond = 1;
    config.rateBurst = 2;
    config.floodBacklog = 3;
    HubHarness h(config);
    const SessionId watcher = h.login("watcher");
    h.send(watcher, join("r"));
    const SessionId ana = h.connect();
    h.sendRaw(ana, frames({hello("ana"), join("r")}));
    h.clear(ana);
    h.clear(watcher);
    // Three may wait; the fourth waiting frame is a flood.
    h.sendRaw(ana, frames({say("r", 1, "a"), say("r", 2, "b"), say("r", 3, "c")}));
    BOOST_TEST(!h.closed(ana));
    h.sendRaw(ana, frames({say("r", 4, "d")}));
    BOOST_TEST_REQUIRE(h.closed(ana));
    BOOST_TEST(h.peers[ana].closeReason == "flood");
    const v1::Envelope e = h.take(ana).back();
    BOOST_TEST(e.error().code() == v1::ERROR_CODE_FLOOD);
    BOOST_TEST(e.error().fatal());
    BOOST_TEST(h.hub.stats().disconnects.at("flood") == 1u);
    const auto seen = h.take(watcher);
    BOOST_TEST_REQUIRE(seen.size() == 1u);
    BOOST_TEST(seen[0].presence().kind() == v1::PRESENCE_KIND_QUIT);
    BOOST_TEST(seen[0].presence().reason() == "flood");
    // Nothing it queued is relayed after it is gone.
    h.advance(5s);
    BOOST_TEST(h.take(watcher).empty());
}

BOOST_AUTO_TEST_CASE(slow_consumer_by_size) {
    // bob stops reading while the others read: what waits for him alone
    // grows past the bound, and the next timer scan closes him.
    HubConfig config = testConfig();
    config.outboundQueueBytes = 4096;
    HubHarness h(config);
    const SessionId ana = h.login("ana");
    const SessionId bob = h.login("bob");
    const SessionId carol = h.login("carol");
    for (const SessionId id : {ana, bob, carol}) {
        h.send(id, join("r"));
    }
    for (const SessionId id : {ana, bob, carol}) {
        h.clear(id);
    }
    h.peers[bob].reading = false;
    for (int i = 1; i <= 5; ++i) {
        h.send(ana, say("r", static_cast<std::uint64_t>(i), std::string(1000, 'x')));
    }
    BOOST_TEST(!h.closed(bob));  // judged by the timer scan, not per message
    h.advance(300ms);
    BOOST_TEST_REQUIRE(h.closed(bob));
    BOOST_TEST(h.peers[bob].closeReason == "slow_consumer");
    // Its queue was dropped: the Error is all it gets.
    const auto last = h.take(bob);
    BOOST_TEST_REQUIRE(last.size() == 1u);
    BOOST_TEST(last[0].error().code() == v1::ERROR_CODE_SLOW_CONSUMER);
    BOOST_TEST(last[0].error().fatal());
    // The reason names the limit it passed.
    BOOST_TEST(last[0].error().text().find("hub.outbound_queue_bytes") != std::string::npos);
    // The others got every message, and bob's quit in between.
    const auto seen = h.take(carol);
    std::size_t messages = 0;
    std::size_t quits = 0;
    for (const auto& e : seen) {
        messages += e.has_message() ? 1 : 0;
        quits += e.has_presence() && e.presence().kind() == v1::PRESENCE_KIND_QUIT ? 1 : 0;
    }
    BOOST_TEST(messages == 5u);
    BOOST_TEST(quits == 1u);
    BOOST_TEST(h.hub.stats().disconnects.at("slow_consumer") == 1u);
    BOOST_TEST(h.hub.stats().bytesQueued == 0u);
    BOOST_TEST(h.hub.stats().clients == 2u);
}

BOOST_AUTO_TEST_CASE(slow_consumers_in_one_broadcast) {
    // Several members overflow during the same fan-out: all are closed, the
    // fan-out still reaches everyone else.
    HubConfig config = testConfig();
    config.outboundQueueBytes = 2048;
    HubHarness h(config);
    std::vector<SessionId> ids;
    for (int i = 0; i < 8; ++i) {
        ids.push_back(h.login("n" + std::to_string(i)));
        h.send(ids.back(), join("r"));
    }
    for (std::size_t i = 0; i < ids.size(); ++i) {
        h.clear(ids[i]);
        h.peers[ids[i]].reading = (i % 2 == 0);
    }
    for (int k = 0; k < 3; ++k) {
        h.send(ids[0], say("r", 1, std::string(900, 'y')));
    }
    h.advance(300ms);
    for (std::size_t i = 0; i < ids.size(); ++i) {
        BOOST_TEST_CONTEXT("member " << i) {
            BOOST_TEST(h.closed(ids[i]) == (i % 2 == 1));
        }
    }
    BOOST_TEST(h.hub.stats().disconnects.at("slow_consumer") == 4u);
    BOOST_TEST(h.hub.stats().clients == 4u);
}

BOOST_AUTO_TEST_CASE(slow_consumer_by_write_stall_keeps_frames_whole) {
    HubConfig config = testConfig();
    config.writeStallTimeout = 10s;
    HubHarness h(config);
    const SessionId ana = h.login("ana");
    const SessionId bob = h.login("bob");
    h.send(ana, join("r"));
    h.send(bob, join("r"));
    h.clear(ana);
    h.clear(bob);
    h.peers[bob].reading = false;
    h.send(ana, say("r", 1, "first"));
    h.send(ana, say("r", 2, "second"));
    // Bob's socket takes 3 bytes of the first frame, then nothing more.
    const std::string head = outputBytes(h.hub, bob).substr(0, 3);
    h.peers[bob].decoder.feed(head);
    h.hub.consumed(bob, 3, h.now);
    h.advance(5s);
    BOOST_TEST(!h.closed(bob));
    h.advance(6s);
    BOOST_TEST_REQUIRE(h.closed(bob));
    BOOST_TEST(h.peers[bob].closeReason == "write_stall");
    // The rest of the started frame, then the Error; the second message is dropped.
    const auto got = h.take(bob);
    BOOST_TEST_REQUIRE(got.size() == 2u);
    BOOST_TEST(got[0].message().text() == "first");
    BOOST_TEST(got[1].error().code() == v1::ERROR_CODE_SLOW_CONSUMER);
    BOOST_TEST(h.hub.stats().disconnects.at("write_stall") == 1u);
    BOOST_TEST(h.take(ana).back().presence().kind() == v1::PRESENCE_KIND_QUIT);
}

BOOST_AUTO_TEST_CASE(ping_then_ping_timeout) {
    HubHarness h;  // 30 s interval, 15 s timeout
    const SessionId ana = h.login("ana");
    const SessionId bob = h.login("bob");
    h.advance(29s);
    BOOST_TEST(h.take(ana).empty());
    h.advance(1s);
    const v1::Envelope p = h.next(ana);
    BOOST_TEST_REQUIRE(p.has_ping());
    BOOST_TEST(h.next(bob).has_ping());
    v1::Envelope pong;
    pong.mutable_pong()->set_nonce(p.ping().nonce());
    h.send(ana, pong);
    h.advance(15s);
    BOOST_TEST(!h.closed(ana));
    BOOST_TEST_REQUIRE(h.closed(bob));
    BOOST_TEST(h.peers[bob].closeReason == "ping_timeout");
    BOOST_TEST(h.take(bob).back().error().code() == v1::ERROR_CODE_PING_TIMEOUT);
    BOOST_TEST(h.hub.stats().disconnects.at("ping_timeout") == 1u);
    // Any frame counts as life, and the client's own Ping is answered.
    h.send(ana, ping(3));
    BOOST_TEST(h.next(ana).pong().nonce() == 3u);
}

BOOST_AUTO_TEST_CASE(tick_wants_to_run_within_a_second) {
    HubHarness h;
    h.login("ana");
    const TimePoint next = h.hub.tick(h.now);
    BOOST_TEST((next > h.now));
    BOOST_TEST((next <= h.now + 1s));
}

BOOST_AUTO_TEST_CASE(idle_sessions_release_buffers) {
    HubHarness h;
    const SessionId ana = h.login("ana");
    h.send(ana, join("r"));
    h.send(ana, say("r", 1, std::string(3000, 'z')));
    BOOST_TEST(outputBytes(h.hub, ana).empty());  // all written
    h.advance(1s);                                // active during this interval
    h.advance(1s);                                // idle: released
    BOOST_TEST(h.hub.stats().bytesQueued == 0u);
    BOOST_TEST(!h.closed(ana));
    // The budget for 5,000 idle clients is 4 KiB each; the session itself
    // is a small part of that once its buffers are gone.
    BOOST_TEST(sizeof(Session) < 1024u);
}

BOOST_AUTO_TEST_CASE(shutdown_says_bye_to_all) {
    HubHarness h;
    const SessionId ana = h.login("ana");
    const SessionId bob = h.login("bob");
    const SessionId fresh = h.connect();
    h.send(ana, join("r"));
    h.send(bob, join("r"));
    h.clear(ana);
    h.clear(bob);
    h.hub.shutdown("maintenance");
    h.pump();
    for (const SessionId id : {ana, bob, fresh}) {
        BOOST_TEST_CONTEXT("session " << id) {
            BOOST_TEST_REQUIRE(h.closed(id));
            BOOST_TEST(h.peers[id].closeReason == "shutdown");
            const auto got = h.take(id);
            BOOST_TEST_REQUIRE(got.size() == 1u);  // no presence storm
            BOOST_TEST(got[0].bye().reason() == v1::BYE_REASON_SHUTDOWN);
            BOOST_TEST(got[0].bye().text() == "maintenance");
        }
    }
    BOOST_TEST(h.hub.stats().disconnects.at("shutdown") == 3u);
    BOOST_TEST(h.hub.stats().connections == 0u);
    BOOST_TEST(h.hub.registry().size() == 0u);
    const SessionId late = h.connect();
    BOOST_TEST(h.closed(late));
}

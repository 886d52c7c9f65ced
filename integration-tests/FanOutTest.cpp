// Fan-out correctness at scale (issue 5 item 2): many clients in one or more
// rooms all send at once; every member must receive exactly every message of
// its room, no duplicate, each sender's messages in the order sent, and every
// member the identical sequence (same seq -> the very same bytes).
//
// One poll() thread drives every client (ClientSwarm). The first member to
// receive position p of a room parses it and records its bytes as the
// room's canonical message p; every other member's message p must be
// byte-identical (the hub serializes each ChatMessage once), so only one
// parse per message is needed however many members there are.
#define BOOST_TEST_MODULE FanOutTest
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "BoostSupport.hpp"
#include "ClientSwarm.hpp"
#include "FanOutCheck.hpp"
#include "Frames.hpp"
#include "hermes/codec/FrameDecoder.hpp"

using namespace std::chrono_literals;
namespace it = hermes::it;
namespace v1 = hermes::v1;
using hermes::it::FanOutCheck;
using hermes::it::FanOutPlan;
using hermes::it::nickOf;
using hermes::it::textOf;

namespace {

void runFanOut(const FanOutPlan& plan) {
    it::HubGuard guard({{"default_room", ""},
                        {"rate_per_second", "1000000"},
                        {"rate_burst", "1000000"},
                        {"flood_backlog", "1000000"},
                        {"outbound_queue_bytes", std::to_string(64 * 1024 * 1024)},
                        {"max_clients", "2048"}});
    const std::size_t total = plan.rooms * plan.clientsPerRoom;
    it::ClientSwarm swarm(guard.hub.port());
    FanOutCheck check(plan);
    std::vector<bool> joined(total, false);
    std::size_t joinedCount = 0;
    std::map<std::string, std::size_t> closes;

    auto onClose = [&](std::size_t client, const std::string& why) {
        check.fail(nickOf(client) + " was disconnected: " + why);
    };
    // Before the messages: wait until every client is a member (its own
    // MemberList has arrived). Anything else but presence is a failure.
    auto onSetupFrame = [&](std::size_t client, std::string_view payload) {
        v1::Envelope envelope;
        if (!hermes::codec::parseEnvelope(payload, envelope)) {
            check.fail(nickOf(client) + " got an undecodable frame");
            return;
        }
        if (envelope.has_members() && !joined[client]) {
            joined[client] = true;
            ++joinedCount;
        } else if (envelope.has_error() || envelope.has_bye() || envelope.has_message()) {
            check.fail(nickOf(client) + " during setup: " + it::describe(envelope));
        }
    };
    for (std::size_t client = 0; client < total; ++client) {
        swarm.add();
        swarm.queue(client, it::helloEnvelope(nickOf(client)));
        swarm.queue(client, it::joinEnvelope(FanOutCheck::roomName(check.roomOf(client))));
    }
    const auto setupStart = it::Clock::now();
    const bool allJoined = swarm.run(
        it::after(60s), onSetupFrame, [&] { return joinedCount == total || check.failures() > 0; },
        onClose);
    BOOST_TEST_REQUIRE(allJoined);
    BOOST_TEST_REQUIRE(joinedCount == total);
    BOOST_TEST_MESSAGE(total << " clients joined in "
                             << std::chrono::duration_cast<std::chrono::milliseconds>(
                                    it::Clock::now() - setupStart)
                                    .count()
                             << " ms");

    // Everyone sends everything at once.
    for (std::size_t client = 0; client < total; ++client) {
        std::string frames;
        for (std::uint64_t id = 1; id <= plan.messagesPerClient; ++id) {
            frames += it::frameOf(it::sayEnvelope(FanOutCheck::roomName(check.roomOf(client)),
                                                  textOf(client, id), id));
        }
        swarm.queue(client, frames);
    }
    auto onFrame = [&](std::size_t client, std::string_view payload) {
        if (!payload.empty() && payload[0] == it::kChatMessageTag) {
            check.onChat(client, payload);
            return;
        }
        v1::Envelope envelope;
        if (!hermes::codec::parseEnvelope(payload, envelope)) {
            check.fail(nickOf(client) + " got an undecodable frame");
        } else if (envelope.has_error() || envelope.has_bye() || envelope.has_history_page()) {
            check.fail(nickOf(client) + ": " + it::describe(envelope));
        }
    };
    const auto sendStart = it::Clock::now();
    const bool complete = swarm.run(
        it::after(45s), onFrame, [&] { return check.allComplete() || check.failures() > 0; },
        onClose);
    const auto took =
        std::chrono::duration_cast<std::chrono::milliseconds>(it::Clock::now() - sendStart);
    BOOST_TEST_MESSAGE(total * check.perRoom() << " deliveries in " << took.count() << " ms");

    // Nothing more may come: a ping round trip per client flushes what the
    // hub queued before it; a duplicate would show up as one message too many.
    std::size_t pongs = 0;
    for (std::size_t client = 0; client < total; ++client) {
        swarm.queue(client, it::pingEnvelope(client + 1));
    }
    swarm.run(
        it::after(20s),
        [&](std::size_t client, std::string_view payload) {
            v1::Envelope envelope;
            if (!payload.empty() && payload[0] == it::kChatMessageTag) {
                check.onChat(client, payload);
            } else if (hermes::codec::parseEnvelope(payload, envelope) && envelope.has_pong()) {
                ++pongs;
            }
        },
        [&] { return pongs == total; }, onClose);
    check.checkSenders();

    for (const auto& failure : check.firstFailures()) {
        BOOST_TEST_MESSAGE("failure: " << failure);
    }
    BOOST_TEST(check.failures() == 0u);
    BOOST_TEST(complete);
    BOOST_TEST(pongs == total);
    swarm.closeAll();
    guard.expectCleanStop();
    if (!complete) {
        for (std::size_t client = 0; client < total; ++client) {
            if (check.receivedBy(client) != check.perRoom()) {
                BOOST_TEST_MESSAGE(nickOf(client) << " received " << check.receivedBy(client)
                                                  << " of " << check.perRoom());
            }
        }
    }
}

}  // namespace

BOOST_AUTO_TEST_CASE(two_hundred_clients_one_room_fifty_messages_each) {
    runFanOut({1, 200, 50});
}

BOOST_AUTO_TEST_CASE(four_rooms_of_fifty_clients_no_cross_talk) {
    runFanOut({4, 50, 50});
}

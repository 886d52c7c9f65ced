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
#include "Frames.hpp"
#include "hermes/codec/FrameDecoder.hpp"

using namespace std::chrono_literals;
namespace it = hermes::it;
namespace v1 = hermes::v1;

namespace {

struct FanOutPlan {
    std::size_t rooms;
    std::size_t clientsPerRoom;
    std::size_t messagesPerClient;
};

std::string nickOf(std::size_t client) {
    return "c" + std::to_string(client);
}

std::string textOf(std::size_t client, std::uint64_t id) {
    return nickOf(client) + " says message " + std::to_string(id) + " of the fan-out test";
}

class FanOutCheck {
public:
    explicit FanOutCheck(const FanOutPlan& plan)
        : plan_(plan),
          perRoom_(plan.clientsPerRoom * plan.messagesPerClient),
          canonical_(plan.rooms, std::vector<std::string>(perRoom_)),
          received_(plan.rooms * plan.clientsPerRoom, 0),
          lastIdFromSender_(plan.rooms * plan.clientsPerRoom, 0) {}

    std::size_t roomOf(std::size_t client) const { return client / plan_.clientsPerRoom; }
    static std::string roomName(std::size_t room) { return "fan" + std::to_string(room); }

    void onChat(std::size_t client, std::string_view payload) {
        const std::size_t room = roomOf(client);
        const std::size_t position = received_[client]++;
        if (position >= perRoom_) {
            fail(nickOf(client) + " received more than the " + std::to_string(perRoom_) +
                 " messages of " + roomName(room) + ": " + describePayload(payload));
            return;
        }
        std::string& expected = canonical_[room][position];
        if (expected.empty()) {
            record(room, position, payload);
            expected.assign(payload);
        } else if (payload != expected) {
            fail(nickOf(client) + " message #" + std::to_string(position + 1) + " in " +
                 roomName(room) + " differs from what others got: " + describePayload(payload) +
                 " vs " + describePayload(expected));
        }
        if (received_[client] == perRoom_) {
            ++complete_;
        }
    }

    void fail(std::string what) {
        ++failures_;
        if (firstFailures_.size() < 20) {
            firstFailures_.push_back(std::move(what));
        }
    }

    bool allComplete() const { return complete_ == received_.size(); }
    std::size_t failures() const { return failures_; }
    const std::vector<std::string>& firstFailures() const { return firstFailures_; }
    std::size_t receivedBy(std::size_t client) const { return received_[client]; }
    std::size_t perRoom() const { return perRoom_; }

    // After all: every sender's messages, in each room, all there and in order.
    void checkSenders() {
        for (std::size_t client = 0; client < lastIdFromSender_.size(); ++client) {
            if (lastIdFromSender_[client] != plan_.messagesPerClient) {
                fail(nickOf(client) + ": " + std::to_string(lastIdFromSender_[client]) +
                     " of its " + std::to_string(plan_.messagesPerClient) +
                     " messages were delivered in order");
            }
        }
    }

private:
    static std::string describePayload(std::string_view payload) {
        v1::Envelope envelope;
        if (!hermes::codec::parseEnvelope(payload, envelope)) {
            return "(undecodable " + it::toHex(payload) + ")";
        }
        return it::describe(envelope);
    }

    // The first copy of a room's message at `position`: is it the right
    // room, the next seq, from a member of this room, the sender's next id?
    void record(std::size_t room, std::size_t position, std::string_view payload) {
        v1::Envelope envelope;
        if (!hermes::codec::parseEnvelope(payload, envelope) || !envelope.has_message()) {
            fail("undecodable chat frame in " + roomName(room));
            return;
        }
        const auto& message = envelope.message();
        if (message.room() != roomName(room) || message.seq() != position + 1) {
            fail("in " + roomName(room) + " message #" + std::to_string(position + 1) + " is " +
                 it::describe(envelope));
            return;
        }
        const auto& from = message.from();
        std::size_t sender = 0;
        if (from.size() < 2 || from[0] != 'c' ||
            (sender = std::stoul(from.substr(1))) >= lastIdFromSender_.size() ||
            roomOf(sender) != room) {
            fail("in " + roomName(room) +
                 " a message from a non-member: " + it::describe(envelope));
            return;
        }
        std::uint64_t& lastId = lastIdFromSender_[sender];
        if (message.client_msg_id() != lastId + 1 ||
            message.text() != textOf(sender, message.client_msg_id())) {
            fail("sender " + from + " out of order or altered: after id " + std::to_string(lastId) +
                 " came " + it::describe(envelope));
        }
        lastId = message.client_msg_id();
    }

    FanOutPlan plan_;
    std::size_t perRoom_;
    std::vector<std::vector<std::string>> canonical_;
    std::vector<std::size_t> received_;
    std::vector<std::uint64_t> lastIdFromSender_;
    std::size_t complete_ = 0;
    std::size_t failures_ = 0;
    std::vector<std::string> firstFailures_;
};

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

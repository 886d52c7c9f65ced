#pragma once
// The fan-out checks (FanOutTest, ClusterTest): every member receives
// exactly every message of its room, no duplicate, each sender's messages
// in the order sent, and every member the identical sequence (same seq ->
// the very same bytes). The first member to receive position p of a room
// parses it and records its bytes as the room's canonical message p; every
// other member's message p must be byte-identical, so only one parse per
// message is needed however many members there are.
//
// Threading: one owner thread (the swarm's).

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "Frames.hpp"
#include "hermes/codec/FrameDecoder.hpp"

namespace hermes::it {

struct FanOutPlan {
    std::size_t rooms;
    std::size_t clientsPerRoom;
    std::size_t messagesPerClient;
};

inline std::string nickOf(std::size_t client) {
    return "c" + std::to_string(client);
}

inline std::string textOf(std::size_t client, std::uint64_t id) {
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
            return "(undecodable " + toHex(payload) + ")";
        }
        return describe(envelope);
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
                 describe(envelope));
            return;
        }
        const auto& from = message.from();
        std::size_t sender = 0;
        if (from.size() < 2 || from[0] != 'c' ||
            (sender = std::stoul(from.substr(1))) >= lastIdFromSender_.size() ||
            roomOf(sender) != room) {
            fail("in " + roomName(room) + " a message from a non-member: " + describe(envelope));
            return;
        }
        std::uint64_t& lastId = lastIdFromSender_[sender];
        if (message.client_msg_id() != lastId + 1 ||
            message.text() != textOf(sender, message.client_msg_id())) {
            fail("sender " + from + " out of order or altered: after id " + std::to_string(lastId) +
                 " came " + describe(envelope));
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

}  // namespace hermes::it

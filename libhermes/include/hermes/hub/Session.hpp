#pragma once
// One connection as the hub holds it, from open() to close. Kept small: an
// idle welcomed session holds no buffers (see Hub's timer scan), so
// thousands of idle clients cost a few hundred bytes each.
//
// Threading: none; owned by the Hub, on the hub's thread.

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "hermes/codec/FrameDecoder.hpp"
#include "hermes/hub/Clock.hpp"
#include "hermes/hub/MemoryGauge.hpp"
#include "hermes/hub/OutboundQueue.hpp"
#include "hermes/hub/SessionId.hpp"
#include "hermes/protocol/TokenBucket.hpp"
#include "hermes/v1/hermes.pb.h"

namespace hermes::hub {

struct Room;

struct Session {
    struct Membership {
        Room* room = nullptr;
        std::uint32_t index = 0;  // index of this session in room->members
    };

    Session(SessionId sessionId, std::string peerAddress, std::size_t handshakeMaxFrameBytes,
            TimePoint now, MemoryGauge* outputGauge = nullptr)
        : id(sessionId),
          peer(std::move(peerAddress)),
          decoder(handshakeMaxFrameBytes),
          out(outputGauge),
          openedAt(now),
          lastHeard(now) {}

    SessionId id;
    std::string peer;
    std::string nick;  // empty until welcomed
    bool welcomed = false;

    codec::FrameDecoder decoder;
    OutboundQueue out;
    protocol::TokenBucket bucket;
    // Frames held back by the rate limit, oldest first from waitingHead.
    std::vector<hermes::v1::Envelope> waiting;
    std::size_t waitingHead = 0;

    std::vector<Membership> rooms;

    TimePoint openedAt;
    TimePoint lastHeard;  // any frame counts as life
    TimePoint pingSentAt{};
    bool pingOutstanding = false;

    bool writable = false;    // listed in the hub's writable list
    bool throttled = false;   // listed in the hub's throttled list
    bool active = false;      // did I/O since the last timer scan
    bool doomed = false;      // close decided, not yet carried out
    bool inputHeld = false;   // input left undecoded while the hub's input is paused
    std::string closeReason;  // stats key, e.g. "slow_consumer"
    std::string quitReason;   // what the rooms' QUIT presence says
    std::string closeDetail;  // the fatal Error's text, for the log line

    // Who the session is to others, for Whois and away (HubWhois.cpp, HubAway.cpp).
    std::string clientName;       // Hello.client_name if it obeys the text rules, else empty
    std::int64_t signedOnMs = 0;  // hub wall clock at its Welcome
    TimePoint lastSpoke{};        // its last stamped Say or PrivateMessage; its Welcome until then
    std::string away;             // its away text; empty: not away

    std::size_t waitingCount() const { return waiting.size() - waitingHead; }
};

}  // namespace hermes::hub

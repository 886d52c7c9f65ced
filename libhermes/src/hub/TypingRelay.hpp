#pragma once
// Typing notices (docs/PROTOCOL.md "Typing", docs/HUB.md "Typing"): the only
// writer of each session's typing bucket (Session::typing) and of the typing
// figures of HubStats.
//
// A Typing frame is best-effort from end to end. It never takes a token of
// the sender's message bucket, never waits behind the rate limit, is never
// stored and never given a seq, and never goes near the DurabilityGate:
// Intake admits it at once and this relays it or drops it. So:
//
// - each sender has a bucket of its own (typing.rate_per_second,
//   typing.burst); past it a notice is dropped quietly and counted, and the
//   sender is never closed for it;
// - a room notice goes to the room's other members now, as a small frame
//   queued to each (not through the room's FrameBlock, which is the chat
//   messages' path), except to a member whose queue is backed up past
//   typing.skip_queue_bytes: it would read a stale notice late and its
//   queue is better spent on messages (counted as skipped);
// - a room with more than typing.max_room_members relays none;
// - a private notice goes to the nick if it is connected, else nowhere.
//
// Threading: none; the hub's thread.

#include <string>

#include "hermes/hub/Clock.hpp"
#include "hermes/hub/HubConfig.hpp"
#include "hermes/hub/HubStats.hpp"
#include "hermes/v1/hermes.pb.h"

namespace hermes::hub {

class Outbox;
class RoomTable;
class SessionTable;
struct Session;

class TypingRelay {
public:
    TypingRelay(const HubConfig& config, HubStats& stats) : config_(config), stats_(stats) {}
    TypingRelay(const TypingRelay&) = delete;
    TypingRelay& operator=(const TypingRelay&) = delete;

    // A Typing from the welcomed session `s`. Answers an Error only for a
    // request that is wrong in itself (no or both targets, a bad room name,
    // a room it is not in); everything else is relayed or dropped quietly.
    void onTyping(Session& s, const v1::Typing& typing, const RoomTable& rooms,
                  const SessionTable& sessions, Outbox& outbox, TimePoint now);

private:
    bool takeToken(Session& s, TimePoint now);
    void buildNotice(const Session& from, const std::string& room, bool stopped);
    void deliver(Session& to, Outbox& outbox);

    const HubConfig& config_;
    HubStats& stats_;
    v1::Envelope notice_;  // scratch
    std::string frame_;    // scratch: the notice, framed once per Typing
};

}  // namespace hermes::hub

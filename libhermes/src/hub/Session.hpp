#pragma once
// One connection as the hub holds it, from open() to close.
//
// A session is in parts, and each part has one writer, named on it (the
// others only read it, through its const accessors; the writer is the
// part's friend):
//
//   part        writer          holds
//   ----        ------          -----
//   who         SessionTable    state (handshaking, welcomed, closing), nick,
//                               why it is closing
//   in          Intake          the frame decoder, the rate limit's bucket and
//                               waiting frames, and whether it is listed as
//                               throttled / holding input for the budget /
//                               waiting for a history read or a hash
//   out         Outbox          the outbound queue, and whether it is listed
//                               as writable
//   rooms       RoomTable       its side of the two-way membership index
//   clocks      Liveness        opened, last heard, ping outstanding
//   profile     People (the identity requests and the Stamper): what Whois
//               tells and the away text
//   typing      TypingRelay     the sender's typing bucket (apart from `in`'s)
//
// Kept small: an idle welcomed session holds no buffers (the timer scan gives
// them back), so thousands of idle clients cost a few hundred bytes each.
//
// Threading: none; owned by the SessionTable, on the hub's thread.

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "hermes/codec/FrameDecoder.hpp"
#include "hermes/hub/Clock.hpp"
#include "hermes/hub/CloseReason.hpp"
#include "hermes/hub/MemoryGauge.hpp"
#include "hermes/hub/OutboundQueue.hpp"
#include "hermes/hub/SessionId.hpp"
#include "hermes/protocol/TokenBucket.hpp"
#include "hermes/v1/hermes.pb.h"

namespace hermes::hub {

class Intake;
class Liveness;
class Outbox;
class RoomTable;
class SessionTable;
struct Room;

// Every session is in exactly one of these.
enum class SessionState : std::uint8_t {
    Handshaking,  // opened, no successful Hello yet
    Welcomed,     // has a nick; may use rooms
    Closing,      // close decided; carried out at the end of the hub's call
};

// Written by SessionTable.
class SessionIdentity {
public:
    SessionState state() const { return state_; }
    bool welcomed() const { return state_ == SessionState::Welcomed; }
    bool closing() const { return state_ == SessionState::Closing; }
    // Empty until welcomed; while not empty the Registry holds it for this session.
    const std::string& nick() const { return nick_; }
    CloseReason closeReason() const { return closeReason_; }
    const std::string& quitReason() const { return quitReason_; }    // the rooms' QUIT text
    const std::string& closeDetail() const { return closeDetail_; }  // the fatal Error's text

private:
    friend class SessionTable;
    SessionState state_ = SessionState::Handshaking;
    CloseReason closeReason_ = CloseReason::ConnectionClosed;
    std::string nick_;
    std::string quitReason_;
    std::string closeDetail_;
};

// Written by Intake.
class SessionInput {
public:
    SessionInput(std::size_t maxFrameBytes, protocol::TokenBucket bucket)
        : decoder_(maxFrameBytes), bucket_(bucket) {}

    const codec::FrameDecoder& decoder() const { return decoder_; }
    // Frames held back by the rate limit.
    std::size_t waiting() const { return waiting_.size() - waitingHead_; }
    // Of those, the FileChunks that wait without counting as a flood
    // (Intake::admit), and their bytes.
    std::size_t waitingChunks() const { return waitingChunks_; }
    std::size_t waitingChunkBytes() const { return waitingChunkBytes_; }
    bool throttled() const { return throttled_; }  // listed in Intake's throttled list
    bool held() const { return held_; }            // listed in Intake's held list
    // A history read or a password hash is under way.
    bool awaitingRead() const { return awaitingRead_; }

private:
    friend class Intake;
    codec::FrameDecoder decoder_;
    protocol::TokenBucket bucket_;
    std::vector<hermes::v1::Envelope> waiting_;  // oldest first from waitingHead_
    std::size_t waitingHead_ = 0;
    // Of the waiting frames, the FileChunks (Intake::admit: no flood, no
    // token) and what they cost (their data and kChunkOverheadBytes each).
    std::size_t waitingChunks_ = 0;
    std::size_t waitingChunkBytes_ = 0;
    bool throttled_ = false;
    bool held_ = false;
    bool awaitingRead_ = false;
    bool active_ = false;  // took input since the last timer scan
    bool spent_ = false;   // took a token since the last timer scan (or was credited a pause)
};

// Written by Outbox.
class SessionOutput {
public:
    explicit SessionOutput(MemoryGauge* gauge) : queue_(gauge) {}
    const OutboundQueue& queue() const { return queue_; }
    bool listed() const { return listed_; }  // in Outbox's writable list

private:
    friend class Outbox;
    OutboundQueue queue_;
    bool listed_ = false;
    bool active_ = false;  // queued or wrote since the last timer scan
};

// One room of the session's, with the session's position in that room's
// member list (RoomTable keeps both sides).
struct Membership {
    Room* room = nullptr;
    std::uint32_t index = 0;  // of this session in room->members
};

// Written by RoomTable.
class SessionRooms {
public:
    const std::vector<Membership>& list() const { return list_; }
    std::size_t size() const { return list_.size(); }
    bool empty() const { return list_.empty(); }
    auto begin() const { return list_.begin(); }
    auto end() const { return list_.end(); }
    // This session's slot of `room`, or npos.
    std::size_t find(const Room* room) const {
        for (std::size_t i = 0; i < list_.size(); ++i) {
            if (list_[i].room == room) {
                return i;
            }
        }
        return npos;
    }
    static constexpr std::size_t npos = static_cast<std::size_t>(-1);

private:
    friend class RoomTable;
    std::vector<Membership> list_;
};

// Written by Liveness.
class SessionClocks {
public:
    explicit SessionClocks(TimePoint now) : openedAt_(now), lastHeard_(now) {}
    TimePoint openedAt() const { return openedAt_; }
    TimePoint lastHeard() const { return lastHeard_; }  // any frame counts as life
    TimePoint pingSentAt() const { return pingSentAt_; }
    bool pingOutstanding() const { return pingOutstanding_; }

private:
    friend class Liveness;
    TimePoint openedAt_;
    TimePoint lastHeard_;
    TimePoint pingSentAt_{};
    bool pingOutstanding_ = false;
};

// Who the session is to others (Whois, away): written by the identity
// requests at Welcome and by SetAway, and by the Stamper (lastSpoke).
struct SessionProfile {
    std::string clientName;       // Hello.client_name if it obeys the text rules, else empty
    std::int64_t signedOnMs = 0;  // hub wall clock at its Welcome
    TimePoint lastSpoke{};        // its last stamped Say or PrivateMessage; its Welcome until then
    std::string away;             // its away text; empty: not away
    // The account it is signed in to (a registered nick, as registered);
    // empty: none. Written only by SessionTable::signIn (which indexes
    // sessions by account); read by moderation (hub operators, bans by
    // account), conversations and read markers.
    std::string account;
    // In a cluster: the account whose sign-in this session published
    // (Backplane::signedIn), once, when it first spoke as it (its nick the
    // account's), and again after each reconnect to Redis; empty: none yet.
    std::string announcedAccount;
};

// Written by TypingRelay: typing notices have a bucket of their own, so they
// never spend the message bucket (nor wait in `in`, nor count to a FLOOD).
class SessionTyping {
public:
    bool started() const { return started_; }

private:
    friend class TypingRelay;
    protocol::TokenBucket bucket_;
    bool started_ = false;  // bucket_ made at the session's first Typing
};

struct Session {
    Session(SessionId sessionId, std::string peerAddress, std::size_t handshakeMaxFrameBytes,
            protocol::TokenBucket bucket, TimePoint now, MemoryGauge* outputGauge)
        : id(sessionId),
          peer(std::move(peerAddress)),
          in(handshakeMaxFrameBytes, bucket),
          out(outputGauge),
          clocks(now) {}
    Session(const Session&) = delete;
    Session& operator=(const Session&) = delete;

    const SessionId id;
    const std::string peer;
    SessionIdentity who;
    SessionInput in;
    SessionOutput out;
    SessionRooms rooms;
    SessionClocks clocks;
    SessionProfile profile;
    SessionTyping typing;
};

}  // namespace hermes::hub

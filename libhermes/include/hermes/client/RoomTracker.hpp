#pragma once
// What the client core knows about its session, from what the hub said:
// its own nick, the rooms it is in, the hub's epoch and, per room, which
// sequence numbers have already been handed to the UI. No sockets: fed
// decoded messages, answers questions.
//
// Rooms: the core is in a room after a Presence JOINED (or a MemberList)
// naming its own nick, and out of it after a Presence LEFT naming it. Its own
// nick comes from Welcome and from Presence NICK_CHANGED with an empty room.
//
// Sequence numbers (per room, per epoch): the first message seen in a room
// sets the baseline (seqs before it are not ours to fetch); after that a seq
// is delivered at most once. `lastSeq(room)` is the highest seq up to which
// everything was delivered or is known gone (a history Gap): the after_seq
// of the catch-up HistoryRequest after a reconnect. Live messages may run
// ahead of it while history fills the hole; they are remembered individually
// (at most kMaxAhead, beyond which the hole is given up as lost).
//
// Epoch: the hub's epoch changes when it restarts. Without durable history
// (Welcome.durable_history false) its seqs start again from 1, so onWelcome()
// with a new epoch forgets every room's seq tracking (membership is kept: the
// rooms are rejoined). With durable history seqs continue: tracking is kept
// and the catch-up fetches exactly what was missed. Another hub (a client
// with a hub list moved) is comparable only if its epoch is the same: the
// hubs of a cluster share one (docs/CLUSTER.md); another epoch there resets.
//
// Threading: none; owned by the client's I/O thread.

#include <cstddef>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "hermes/v1/hermes.pb.h"

namespace hermes::client {

class RoomTracker {
public:
    // Out-of-order seqs remembered per room before the hole below them is
    // declared lost.
    static constexpr std::size_t kMaxAhead = 4096;

    const std::string& ownNick() const { return ownNick_; }
    void setOwnNick(std::string nick) { ownNick_ = std::move(nick); }
    // Nicks are unique ignoring ASCII case.
    bool isOwnNick(std::string_view nick) const;

    // Returns true when seq tracking has been reset: a new epoch (not on the
    // first Welcome) from the same hub without durable history, or from
    // another hub (`sameHub` false: a hub list's next one), whose seqs are
    // its own unless it shares the epoch (a cluster's hubs do).
    bool onWelcome(const hermes::v1::Welcome& welcome, bool sameHub = true);
    std::uint64_t epoch() const { return epoch_; }

    // Returns true when it changed our own nick (NICK_CHANGED, empty room).
    bool onPresence(const hermes::v1::Presence& presence);
    void onMemberList(const hermes::v1::MemberList& members);

    bool isJoined(std::string_view room) const;
    std::vector<std::string> joinedRooms() const;

    // True if (room, seq) was not delivered yet: records it. seq 0 (private
    // messages) is always new.
    bool accept(const std::string& room, std::uint64_t seq);
    // The hub no longer has seqs first..last: nothing to wait for below last.
    void markGone(const std::string& room, std::uint64_t firstSeq, std::uint64_t lastSeq);
    std::uint64_t lastSeq(std::string_view room) const;
    // Sets a room's baseline to `seq` if nothing was seen in it yet this epoch:
    // a catch-up from `seq` must not be mistaken for the first message.
    void startAt(const std::string& room, std::uint64_t seq);
    // Forgets what was seen in `room` and starts again after `seq`: the hub's
    // seqs went back (it lost its history), so old seqs are new messages.
    void restartAt(const std::string& room, std::uint64_t seq);

private:
    struct Seqs {
        bool started = false;           // the baseline is set
        std::uint64_t contiguous = 0;   // all seqs <= this are delivered or gone
        std::set<std::uint64_t> ahead;  // delivered seqs above contiguous + 1
    };
    void advance(Seqs& seqs);

    std::string ownNick_;
    std::uint64_t epoch_ = 0;
    bool welcomedBefore_ = false;
    std::set<std::string, std::less<>> joined_;
    std::map<std::string, Seqs, std::less<>> seqs_;
};

}  // namespace hermes::client

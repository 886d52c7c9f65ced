#pragma once
// One chat room as the hub holds it. A room someone wrote in outlives its
// members (with its topic and seqs); one that holds nothing is reclaimed
// when it empties (RoomTable.hpp). Its history lives in the HistoryStore.
//
// Like Session, a room is in parts, each with one writer (its friend):
//
//   part       writer           holds
//   ----       ------           -----
//   members    RoomTable        members by pointer (a broadcast walks a flat
//                               vector, no lookups): the room's side of the
//                               two-way membership index
//   topic      RoomTable        text, who set it, when
//   presence   Presence         the batch waiting to go out, when it is due,
//                               and whether the room is listed as dirty
//   log        DurabilityGate   the next seq, the newest seq sent, frames
//                               held for the store's commit, listed as holding
//   block      Outbox           the FrameBlock broadcasts are copied into,
//                               whether it was used since the last scan
//   moderation Moderation       modes (topic lock, invite-only), operators,
//                               mutes, invites, bans
//   ledger     MessageLedger    the newest seqs: message or event, author,
//                               deleted, reactions (replies, edits, deletes)
//   pages      MemberPages      the members in nick order and encoded pages,
//                               for MembersRequest (invalidated by RoomTable)
//
// Membership is a two-way index so that leaving is O(1): `members[i].slot`
// is the position of this room in that session's rooms, and the session's
// `rooms[k].index` is its position in `members`. Both sides are swap-removed
// and the moved entries' back-references fixed (RoomTable).
//
// With an asynchronous HistoryStore a stamped message's frame waits in the
// log's `held` until the store has committed its seq; presence and topic
// frames sent to the room meanwhile wait behind it (seq 0), so every member
// sees one order.
//
// Threading: none; owned by the RoomTable, on the hub's thread.

#include <cstdint>
#include <deque>
#include <memory>
#include <set>
#include <string>
#include <unordered_set>
#include <utility>
#include <vector>

#include "MemberPages.hpp"
#include "PresenceBatch.hpp"
#include "hermes/hub/Clock.hpp"
#include "hermes/hub/FrameBlock.hpp"
#include "hermes/hub/ModerationStore.hpp"
#include "hermes/hub/SessionId.hpp"

namespace hermes::hub {

class DurabilityGate;
class Moderation;
class Outbox;
class Presence;
class RoomTable;
struct Session;

struct Member {
    Session* session = nullptr;
    std::uint32_t slot = 0;  // of this room in session->rooms
    // Joined with all_presence: gets every presence event even when the
    // room is large (docs/HUB.md "Large rooms").
    bool follows = false;
    // Has said something in the room since it joined: its presence reaches
    // every member even when the room is large.
    bool spoke = false;
};

// Written by RoomTable.
class RoomMembers {
public:
    const std::vector<Member>& list() const { return list_; }
    std::size_t size() const { return list_.size(); }
    bool empty() const { return list_.empty(); }
    auto begin() const { return list_.begin(); }
    auto end() const { return list_.end(); }

private:
    friend class RoomTable;
    std::vector<Member> list_;
    bool emptied_ = false;  // in RoomTable's list of rooms to look at for reclaiming
};

// Written by RoomTable.
class RoomTopic {
public:
    const std::string& text() const { return text_; }
    const std::string& setBy() const { return setBy_; }
    std::int64_t timeMs() const { return timeMs_; }
    bool empty() const { return text_.empty(); }

private:
    friend class RoomTable;
    std::string text_;
    std::string setBy_;
    std::int64_t timeMs_ = 0;
};

// Written by Presence.
class RoomPresence {
public:
    const PresenceBatch& pending() const { return pending_; }
    bool listed() const { return listed_; }  // in Presence's dirty list
    TimePoint due() const { return due_; }   // large rooms: when the batch must go out

private:
    friend class Presence;
    PresenceBatch pending_;
    bool listed_ = false;
    TimePoint due_{};
};

// Written by DurabilityGate.
class RoomLog {
public:
    struct Held {
        std::uint64_t seq = 0;  // the message's seq; 0 for presence or topic
        std::string frame;
        bool followersOnly = false;  // presence of a large room: to its followers
    };
    explicit RoomLog(std::uint64_t lastSeq) : nextSeq_(lastSeq + 1), sentSeq_(lastSeq) {}
    std::uint64_t nextSeq() const { return nextSeq_; }
    // Newest seq broadcast: history never shows past it.
    std::uint64_t sentSeq() const { return sentSeq_; }
    const std::deque<Held>& held() const { return held_; }
    bool listed() const { return listed_; }  // in DurabilityGate's holding list

private:
    friend class DurabilityGate;
    std::uint64_t nextSeq_;
    std::uint64_t sentSeq_;
    std::deque<Held> held_;
    bool listed_ = false;
};

// Written by Outbox. Broadcast frames are copied once into the block and
// referenced from each member's outbound queue; the room drops the block
// when it has broadcast nothing for a whole timer scan, so idle rooms hold
// none.
class RoomBlock {
public:
    const FrameBlock* get() const { return block_.get(); }

private:
    friend class Outbox;
    FrameBlockPtr block_;  // null when idle; non-null exactly while in Outbox's block list
    bool used_ = false;    // broadcast since the last timer scan
};

// Written by Moderation. Operators and mutes by session last as long as the
// session (ids are never reused, so a stale one matches no one); by account
// they outlive it (operators are stored, mutes are not).
class RoomModeration {
public:
    bool topicLocked() const { return topicLocked_; }
    bool inviteOnly() const { return inviteOnly_; }
    // Say's check: one test while no one in the room is muted, O(1) after.
    bool muted(SessionId id) const { return !muted_.empty() && muted_.contains(id); }
    bool operatorSession(SessionId id) const { return operators_.contains(id); }
    const std::set<std::string>& operatorAccounts() const { return operatorAccounts_; }
    const std::vector<StoredBan>& bans() const { return bans_; }  // may hold lapsed ones
    // Anything that outlives the room's members: a mode, operators or mutes
    // by account, invites, bans. (Operators and mutes by session end with the
    // session.) An empty room holding any of it is not reclaimed.
    bool keepsSomething() const {
        return topicLocked_ || inviteOnly_ || !operatorAccounts_.empty() ||
               !mutedAccounts_.empty() || !invites_.empty() || !bans_.empty();
    }

private:
    friend class Moderation;
    bool topicLocked_ = false;
    bool inviteOnly_ = false;
    std::unordered_set<SessionId> muted_;
    std::unordered_set<SessionId> operators_;
    std::set<std::string> operatorAccounts_;  // ASCII lower case
    std::set<std::string> mutedAccounts_;     // muted again when they join
    std::set<std::string> invites_;           // nicks, ASCII lower case; used up by a Join
    std::vector<StoredBan> bans_;             // oldest first
};

// Written by MessageLedger: a ring over the room's newest seqs, grown on
// demand up to HubConfig::editWindow (a room that says little holds little).
class RoomLedger {
public:
    struct Entry {
        std::uint64_t seq = 0;
        SessionId session = 0;  // its author's session; 0: gone (restored)
        std::string account;    // its author's account, as signed in; empty: none
        bool event = false;     // EDIT, DELETE, REACT or UNREACT: not a message
        bool deleted = false;
        bool file = false;  // a FILE message: its text names the bytes, so no EDIT
        // A cluster's message from another hub's guest: no one here is its
        // author (no account, and its session is that hub's).
        bool elsewhere = false;
        // (reactor, reaction), in the order added; null while none.
        // MessageLedger::reactorOf: the account folded, else the session.
        std::unique_ptr<std::vector<std::pair<std::string, std::string>>> reactions;
    };
    std::uint64_t firstSeq() const { return firstSeq_; }
    std::size_t size() const { return count_; }

private:
    friend class MessageLedger;
    std::vector<Entry> ring_;
    std::size_t oldest_ = 0;  // slot of firstSeq_
    std::size_t count_ = 0;
    std::uint64_t firstSeq_ = 0;
};

struct Room {
    Room(std::string canonicalName, std::uint64_t lastSeq)
        : name(std::move(canonicalName)), log(lastSeq) {}
    Room(const Room&) = delete;
    Room& operator=(const Room&) = delete;

    const std::string name;  // canonical
    RoomMembers members;
    RoomTopic topic;
    RoomPresence presence;
    RoomLog log;
    RoomBlock block;
    RoomModeration moderation;
    RoomLedger ledger;
    MemberPages pages;
};

}  // namespace hermes::hub

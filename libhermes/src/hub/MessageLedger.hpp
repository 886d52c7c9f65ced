#pragma once
// MessageLedger: what the hub remembers of each room's recent seqs so that
// replies, edits, deletes and reactions (docs/PROTOCOL.md "Replies, edits,
// deletes and reactions") are checked without reading the history store:
// for each of a room's newest seqs (HubConfig::editWindow), whether it is a
// message or an event about one, who wrote it (the account it was signed in
// to, else its session), whether it is deleted, and its reactions by
// reactor (reactorOf: the account, else the session). The only writer of
// each room's ledger part (Room.hpp).
//
// Every seq a room stamps passes through record() (a ring slot assigned, no
// allocation once the ring has grown), so a seq below the window is "too
// old" and one above the room's head does not exist: both are refused. A
// jump in seqs (a store that lost some) starts the ring again.
//
// At start the ring is filled from the store's tail of each room (restore()),
// with the authors the store kept (HistoryStore::appendAuthored): a message
// written from an account stays its account's to edit and delete; one from a
// session that was not signed in (its session is gone) or one the store has
// no author for (written before schema version 6, or a store that does not
// persist) is no one's: only operators may delete it. Reactions come back
// under the reactor they were counted under; a session's reactor carries
// the hub's start (reactorOf), so a restarted hub's sessions never match one
// from before.
//
// In a cluster (docs/CLUSTER.md "Edits, deletes and reactions across
// hubs") every hub records every room's messages and events in the
// backplane's seq order, so every ledger holds the same authors (accounts),
// deletions and reactions. The sender's hub checks an event as a hub alone
// does; record() of an event that a concurrent one, earlier in the order,
// made pointless (a reaction already counted, anything about a message
// deleted meanwhile) changes nothing, on every hub alike.
//
// Threading: none; the hub's thread.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "Room.hpp"
#include "Session.hpp"
#include "hermes/hub/HistoryStore.hpp"
#include "hermes/v1/hermes.pb.h"

namespace hermes::hub {

class RoomTable;

class MessageLedger {
public:
    // Most reactions one message carries, over all members (each member's
    // reaction counts once): a bound on the memory one message can take.
    static constexpr std::size_t kMaxReactionsPerMessage = 256;

    explicit MessageLedger(std::size_t window) : window_(window) {}

    // Who a reaction of `s` is counted under, and told to clients as
    // ChatMessage.reactor: its account folded when signed in, else "~",
    // the hub's start (restore()) and the session's id.
    std::string reactorOf(const Session& s) const;
    // The author HistoryStore::appendAuthored keeps for `message`, stamped
    // from `s`: a reaction's reactor, else the account (empty: none).
    static const std::string& authorOf(const v1::ChatMessage& message, const Session& s);

    // EDIT, DELETE, REACT or UNREACT: an event about a message, not one.
    static bool isEvent(v1::MessageKind kind);

    // Fills each room's ring from the newest messages `history` keeps;
    // `startMs` (the hub's wall clock at start) makes this start's session
    // reactors unlike any earlier start's.
    void restore(RoomTable& rooms, const HistoryStore& history, std::int64_t startMs);
    // This hub is `hubName` of a cluster: a guest's reactor names the hub
    // too, so that no two hubs' guests share one (called after restore()).
    void inCluster(std::string_view hubName);

    struct Refusal {
        v1::ErrorCode code;
        std::string text;
    };
    // Why `seq` of `room` cannot be replied to (or edited, or reacted to):
    // 0, above the head, below the window, an event rather than a message,
    // or deleted.
    std::optional<Refusal> checkTarget(const Room& room, std::uint64_t seq) const;
    // Why `s` may not edit (or, unless `op`, delete) message `seq`, which
    // checkTarget() accepted.
    std::optional<Refusal> checkAuthor(const Room& room, std::uint64_t seq, const Session& s,
                                       bool op) const;
    // Why `reactor` (reactorOf) cannot add (`add`) or remove `reaction` on
    // `seq`, which checkTarget() accepted.
    std::optional<Refusal> checkReaction(const Room& room, std::uint64_t seq,
                                         std::string_view reactor, std::string_view reaction,
                                         bool add) const;

    // A stamped message of the room (TEXT, ACTION, or any kind that is
    // content, e.g. a file: `file`), written by `s`.
    void recordMessage(Room& room, std::uint64_t seq, const Session& s, bool file = false);
    // The same for a message the cluster's backplane delivered: written by
    // `session` of this hub (0: not a session here), signed in to
    // `account`; `elsewhere`: sent by another hub (its guests are no one's
    // here, and checkAuthor() says so).
    void recordMessage(Room& room, std::uint64_t seq, SessionId session, std::string_view account,
                       bool elsewhere);
    // Why message `seq` may not be edited by anyone: a FILE message.
    std::optional<Refusal> checkEditable(const Room& room, std::uint64_t seq) const;
    // A stamped event (EDIT, DELETE, REACT, UNREACT) and its effect.
    void recordEvent(Room& room, const v1::ChatMessage& event);

    // Message `seq` is in the window and deleted.
    bool deleted(const Room& room, std::uint64_t seq) const;

    // The reactions message `seq` carries now (0 when unknown): tests.
    std::size_t reactionsOf(const Room& room, std::uint64_t seq) const;

private:
    using Entry = RoomLedger::Entry;
    Entry& push(RoomLedger& ledger, std::uint64_t seq);
    static const Entry* find(const RoomLedger& ledger, std::uint64_t seq);
    static Entry* find(RoomLedger& ledger, std::uint64_t seq);
    void apply(RoomLedger& ledger, const v1::ChatMessage& event);

    const std::size_t window_;
    std::string startTag_ = "0";  // restore(): the hub's start, in hex
};

}  // namespace hermes::hub

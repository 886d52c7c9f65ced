#pragma once
// Private conversations between two signed-in accounts: their keys in the
// history store, their seqs, and the private messages waiting for an
// offline account (docs/PROTOCOL.md "Private history", docs/SECURITY.md).
//
// A conversation is kept only between two accounts, each party a session
// signed in to its account under that account's own nick (a registered nick
// cannot be taken without its password, so the name means the same person).
// Its messages are stored as the rooms' are, under the key "@" + the two
// accounts' nickKeys in order, joined by a space: no room name starts with
// '@' (room names are letters, digits and _-.), and a nick holds no space,
// so no room and no other pair has the key.
// Its seq (ChatMessage.private_seq) is the store's lastSeq + 1, so it is
// gapless per pair and continues across restarts as a room's does.
//
// Waiting: a private message to a registered nick no one holds is stored in
// its conversation and listed here (and in the store, HistoryStore::
// addWaiting) under the recipient's account. At that account's next sign-in
// takeWaiting() hands the hub the list and the store forgets it (one removal
// per message, committed with the next group commit): the hub's cursor of
// delivery. A hub that crashes after the delivery but before that commit
// delivers again after its restart, with the same private_seq, which the
// client drops (ClientSession: a conversation's private_seq never goes back).
//
// The sender's echo of a waiting message is its only acknowledgement, so
// with an asynchronous store it is held here until the store has committed
// the message (holdEcho, releaseCommitted), as a room's frames are held by
// the DurabilityGate: an echoed waiting message survives a crash.
//
//   waiting_[r] holds at most config.privateMaxWaiting entries, oldest first
//   held_ is in commit order: what is committed is a prefix of it
//
// Threading: the hub's thread.

#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "Session.hpp"
#include "hermes/hub/HistoryStore.hpp"
#include "hermes/hub/HubConfig.hpp"

namespace hermes::hub {

class Conversations {
public:
    // Restores what waited in `history` when it was opened.
    Conversations(const HubConfig& config, HistoryStore& history);
    Conversations(const Conversations&) = delete;
    Conversations& operator=(const Conversations&) = delete;

    bool enabled() const { return config_.privateHistory; }
    // The key of the conversation of accounts `a` and `b` (any case).
    static std::string key(std::string_view a, std::string_view b);
    // True for a name the store holds that is a conversation, not a room.
    static bool isKey(std::string_view name) { return !name.empty() && name.front() == '@'; }
    // The account `s` speaks as in a conversation: its account when its nick
    // is that account's, else empty (no conversation is kept).
    static std::string party(const Session& s);

    // A message as the store keeps it (room: the key, seq: its private_seq)
    // turned into what a client is sent: room empty, seq 0, private_seq.
    static void toWire(v1::ChatMessage& message);

    // The conversation's next seq (taken: the caller appends the message).
    std::uint64_t nextSeq(std::string_view key) const { return history_.lastSeq(key) + 1; }
    std::uint64_t lastSeq(std::string_view key) const { return history_.lastSeq(key); }

    // True when `recipient` (an account's nickKey) may not be left another
    // message; forgets its expired ones first.
    bool full(const std::string& recipient, std::int64_t nowMs);
    void addWaiting(WaitingMessage waiting);
    // What waits for `recipient`, oldest first, not expired; forgotten here
    // and in the store.
    std::vector<WaitingMessage> takeWaiting(const std::string& recipient, std::int64_t nowMs);
    std::size_t waitingFor(const std::string& recipient) const;
    // The largest number waiting for one recipient (invariants).
    std::size_t largestMailbox() const;

    // --- echoes held for the store's commit ---------------------------------

    void holdEcho(SessionId session, std::string key, std::uint64_t seq, std::string_view frame);
    bool holdingEchoes() const { return !held_.empty(); }
    // Hands each held echo whose message is committed to send(session, frame),
    // in order.
    template <typename Send>
    void releaseCommitted(Send&& send) {
        while (!held_.empty() && history_.committedSeq(held_.front().key) >= held_.front().seq) {
            send(held_.front().session, std::string_view(held_.front().frame));
            held_.pop_front();
        }
    }

private:
    bool expired(const WaitingMessage& w, std::int64_t nowMs) const;

    const HubConfig& config_;
    HistoryStore& history_;
    std::unordered_map<std::string, std::deque<WaitingMessage>> waiting_;  // by recipient
    struct HeldEcho {
        SessionId session;
        std::string key;
        std::uint64_t seq;
        std::string frame;
    };
    std::deque<HeldEcho> held_;
};

}  // namespace hermes::hub

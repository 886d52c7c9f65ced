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
// In a cluster, one sent on to another hub (takeToSendOn) keeps its place
// in the store until Redis took it (settleSentOn): a hub that crashes before
// the answer sends it again after its restart, where it may come twice.
//
// The sender's echo of a waiting message is its only acknowledgement, so
// with an asynchronous store it is held here until the store has committed
// the message (holdEcho, releaseCommitted), as a room's frames are held by
// the DurabilityGate: an echoed waiting message survives a crash.
//
//   waiting_[r] and sentOn_[r] hold at most config.privateMaxWaiting
//     entries together, waiting_[r] oldest first, and at most
//     config.privateMaxWaitingPerSender of one conversation (one sender: the
//     conversation's key names the two accounts, one is r)
//   held_ is in commit order: what is committed is a prefix of it
//
//   delivering_ names sessions whose waiting messages the store is reading
//     (they wait for the read: Intake's awaitingRead); what they took is in
//     neither waiting_ nor the store's waiting rows until it is put back
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

    // Why `recipient` (an account's nickKey) may not be left another
    // message in conversation `key`: its mailbox is full (private.max_waiting),
    // or the sender of `key` has its share of it already
    // (private.max_waiting_per_sender). Forgets its expired ones first.
    enum class Space { Free, MailboxFull, SenderShareFull };
    Space spaceFor(const std::string& recipient, const std::string& key, std::int64_t nowMs);
    void addWaiting(WaitingMessage waiting);
    // What waits for `recipient`, oldest first, not expired; forgotten here
    // and in the store.
    std::vector<WaitingMessage> takeWaiting(const std::string& recipient, std::int64_t nowMs);
    // In a cluster, what waits for `recipient` goes on to the hub where it
    // signed in (ClusterWaiting.cpp): taken as by takeWaiting(), and still
    // counted against the mailbox's caps (and listed here) until the
    // backplane has answered for it (settleSentOn): taken for that hub, or
    // waiting here again, in time order among those waiting now. The store
    // forgets it only once taken for that hub.
    std::vector<WaitingMessage> takeToSendOn(const std::string& recipient, std::int64_t nowMs);
    void settleSentOn(const WaitingMessage& waiting, bool taken);
    std::size_t waitingFor(const std::string& recipient) const;
    // The recipients (account keys) that have messages waiting here.
    std::vector<std::string> waitingRecipients() const;
    // Those and the ones sent on to another hub, not answered yet: what the
    // mailbox's caps count.
    std::size_t mailboxSize(const std::string& recipient) const;
    // Of those, how many in conversation `key` (from its other party).
    std::size_t waitingFrom(const std::string& recipient, const std::string& key) const;
    // The largest number waiting for one recipient (invariants).
    std::size_t largestMailbox() const;
    // The most waiting for one recipient from one sender (invariants).
    std::size_t largestShare() const;

    // --- a sign-in's waiting messages, read off the hub's thread -------------

    // `session` took `taken` (takeWaiting) and the store reads them in the
    // background. Until finishDelivery(), private frames for the session wait
    // here (holdForDelivery): a live message of a conversation must not
    // arrive before the older ones that waited, which the client would then
    // drop as seen (its private_seq never goes back).
    void startDelivery(SessionId session, std::vector<WaitingMessage> taken);
    bool delivering(SessionId session) const {
        return !delivering_.empty() && delivering_.contains(session);
    }
    void holdForDelivery(SessionId session, std::string_view frame);
    // The read is done: the frames held meanwhile, in order.
    std::vector<std::string> finishDelivery(SessionId session);
    // The session ended before its read was done: what it took waits again,
    // oldest first, here and in the store. True if anything was put back
    // (the hub then starts it again on another session of the account).
    bool forget(SessionId session);
    // Shutdown: every delivery under way is put back (forget), and so is
    // every message sent on to another hub and not answered yet.
    void forgetAll();
    template <typename F>
    void forEachDelivering(F&& f) const {
        for (const auto& [session, delivery] : delivering_) {
            f(session);
        }
    }

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
    // What waits for `recipient`, not expired; the expired are forgotten in
    // the store, the others too unless `keepStored`.
    std::vector<WaitingMessage> take(const std::string& recipient, std::int64_t nowMs,
                                     bool keepStored);
    bool expired(const WaitingMessage& w, std::int64_t nowMs) const;

    const HubConfig& config_;
    HistoryStore& history_;
    std::unordered_map<std::string, std::deque<WaitingMessage>> waiting_;  // by recipient
    // Sent on to another hub, not answered yet (takeToSendOn), by recipient.
    std::unordered_map<std::string, std::deque<WaitingMessage>> sentOn_;
    std::size_t sentOnFor(const std::string& recipient) const;
    struct HeldEcho {
        SessionId session;
        std::string key;
        std::uint64_t seq;
        std::string frame;
    };
    std::deque<HeldEcho> held_;
    struct Delivery {
        std::vector<WaitingMessage> taken;  // what is being read, oldest first
        std::vector<std::string> held;      // private frames for the session meanwhile
    };
    std::unordered_map<SessionId, Delivery> delivering_;
};

}  // namespace hermes::hub

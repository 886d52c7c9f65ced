#pragma once
// Which private messages of each conversation (ChatMessage.private_seq,
// docs/PROTOCOL.md "Private history") were already handed to the UI, so that
// one delivered twice is shown once: a waited message the hub delivers
// again after a crash (its delivery cursor was not yet committed), or a
// message both live and in a page the UI asked for.
//
// Live messages of one conversation arrive in private_seq order (the hub
// stamps them on one thread and queues them to both parties in that order;
// what waited is delivered at sign-in, before any live one), so the highest
// seen per conversation is enough. A message without a private_seq (not
// kept by the hub: not between two accounts) is always fresh.
//
// Epoch: like a room's seq, a conversation's private_seq starts again from 1
// when a hub without durable history restarts (onWelcome() forgets them).
//
// Threading: none; owned by the client's I/O thread.

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "hermes/v1/hermes.pb.h"

namespace hermes::client {

class ConversationTracker {
public:
    // A new hub epoch without durable history forgets every conversation.
    // `sameHub` false: a hub list's next hub, whose conversations' seqs are
    // its own, even in a cluster (the same epoch): each hub of a cluster
    // numbers its own copy of a conversation; forgotten too.
    void onWelcome(const hermes::v1::Welcome& welcome, bool sameHub = true);
    // The account this session is signed in to (Welcome.account,
    // AccountReply.account; empty: none): a private message `from` it, sent
    // by another session of the account, is ours, its peer its `to`.
    void onAccount(std::string_view account);
    // True if `message`, a private message seen by `ownNick`, was not
    // delivered before; records it.
    bool accept(const hermes::v1::ChatMessage& message, std::string_view ownNick);
    // The highest private_seq delivered with `peer` (any case), 0 if none.
    std::uint64_t lastSeq(std::string_view peer) const;

private:
    std::uint64_t epoch_ = 0;
    std::string account_;  // nickKey of the account signed in to; empty: none
    std::map<std::string, std::uint64_t, std::less<>> last_;  // by the peer's nickKey
};

}  // namespace hermes::client

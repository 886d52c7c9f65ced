#include "hermes/client/ConversationTracker.hpp"

#include "hermes/protocol/Validation.hpp"

namespace hermes::client {

void ConversationTracker::onWelcome(const hermes::v1::Welcome& welcome, bool sameHub) {
    // Each hub numbers its own copy of a conversation, also in a cluster
    // (docs/CLUSTER.md "Private messages across hubs"): another hub's
    // private_seqs are not comparable with this one's, whatever the epoch.
    if (!sameHub || (welcome.epoch() != epoch_ && !welcome.durable_history())) {
        last_.clear();
    }
    epoch_ = welcome.epoch();
    onAccount(welcome.account());
}

void ConversationTracker::onAccount(std::string_view account) {
    if (!account.empty()) {
        account_ = protocol::nickKey(account);
    } else {
        account_.clear();
    }
}

bool ConversationTracker::accept(const hermes::v1::ChatMessage& message, std::string_view ownNick) {
    if (message.private_seq() == 0) {
        return true;
    }
    const std::string from = protocol::nickKey(message.from());
    const bool ours = from == protocol::nickKey(ownNick) || (!account_.empty() && from == account_);
    const std::string peer = protocol::nickKey(ours ? message.to() : message.from());
    std::uint64_t& last = last_[peer];
    if (message.private_seq() <= last) {
        return false;
    }
    last = message.private_seq();
    return true;
}

std::uint64_t ConversationTracker::lastSeq(std::string_view peer) const {
    const auto it = last_.find(protocol::nickKey(peer));
    return it == last_.end() ? 0 : it->second;
}

}  // namespace hermes::client

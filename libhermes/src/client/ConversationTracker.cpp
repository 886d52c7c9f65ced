#include "hermes/client/ConversationTracker.hpp"

#include "hermes/protocol/Validation.hpp"

namespace hermes::client {

void ConversationTracker::onWelcome(const hermes::v1::Welcome& welcome) {
    if (welcome.epoch() != epoch_ && !welcome.durable_history()) {
        last_.clear();
    }
    epoch_ = welcome.epoch();
}

bool ConversationTracker::accept(const hermes::v1::ChatMessage& message, std::string_view ownNick) {
    if (message.private_seq() == 0) {
        return true;
    }
    const bool ours = protocol::nickKey(message.from()) == protocol::nickKey(ownNick);
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

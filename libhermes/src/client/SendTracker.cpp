#include "hermes/client/SendTracker.hpp"

#include <utility>

#include "hermes/protocol/Validation.hpp"

namespace hermes::client {

void SendTracker::add(std::uint64_t id, hermes::v1::Envelope frame) {
    sends_[id] = Send{std::move(frame), Stage::Queued};
}

void SendTracker::written(std::uint64_t id) {
    if (const auto it = sends_.find(id); it != sends_.end() && it->second.stage != Stage::Written) {
        it->second.stage = Stage::Written;
        ++written_;
    }
}

void SendTracker::erase(std::map<std::uint64_t, Send>::iterator it) {
    if (it->second.stage == Stage::Written) {
        --written_;
    }
    sends_.erase(it);
}

void SendTracker::addOwnNick(std::string_view nick) {
    if (!nick.empty()) {
        ownNicks_.insert(protocol::nickKey(nick));
    }
}

bool SendTracker::isOwnNick(std::string_view nick) const {
    return !nick.empty() && ownNicks_.count(protocol::nickKey(nick)) != 0;
}

bool SendTracker::echoed(const hermes::v1::ChatMessage& message) {
    const auto it = sends_.find(message.client_msg_id());
    if (message.client_msg_id() == 0 || it == sends_.end() || !isOwnNick(message.from())) {
        return false;
    }
    // Queued: not written on this connection yet, so this is the echo of the
    // copy written before a drop (a durable hub broadcasts once committed,
    // possibly after we reconnected). Taken all the same: it is this send.
    erase(it);
    return true;
}

bool SendTracker::refused(std::uint64_t id) {
    const auto it = sends_.find(id);
    if (id == 0 || it == sends_.end()) {
        return false;
    }
    erase(it);
    return true;
}

void SendTracker::requeue(std::uint64_t id) {
    if (const auto it = sends_.find(id); it != sends_.end()) {
        written_ -= it->second.stage == Stage::Written ? 1 : 0;
        it->second.stage = Stage::Queued;
    }
}

void SendTracker::connectionLost() {
    for (auto& [id, send] : sends_) {
        if (send.stage == Stage::Written) {
            send.stage = Stage::InDoubt;
        }
    }
    written_ = 0;
}

bool SendTracker::foundInCatchUp(const hermes::v1::ChatMessage& message) {
    const auto it = sends_.find(message.client_msg_id());
    if (message.client_msg_id() == 0 || it == sends_.end() || it->second.stage != Stage::InDoubt ||
        !isOwnNick(message.from())) {
        return false;
    }
    erase(it);
    return true;
}

SendTracker::Settlement SendTracker::settle() {
    Settlement out;
    for (auto it = sends_.begin(); it != sends_.end();) {
        Send& send = it->second;
        if (send.stage != Stage::InDoubt) {
            ++it;
            continue;
        }
        if (send.frame.has_say()) {
            send.stage = Stage::Queued;
            out.resend.push_back(it->first);
            ++it;
        } else {
            out.failed.push_back(Failure{
                it->first,
                "the connection dropped before the hub confirmed it; it may or may not have "
                "been delivered"});
            it = sends_.erase(it);
        }
    }
    return out;
}

std::vector<std::uint64_t> SendTracker::clear() {
    std::vector<std::uint64_t> ids;
    ids.reserve(sends_.size());
    for (const auto& entry : sends_) {
        ids.push_back(entry.first);
    }
    sends_.clear();
    written_ = 0;
    return ids;
}

std::optional<SendTracker::Stage> SendTracker::stage(std::uint64_t id) const {
    const auto it = sends_.find(id);
    if (it == sends_.end()) {
        return std::nullopt;
    }
    return it->second.stage;
}

std::size_t SendTracker::inDoubt() const {
    std::size_t count = 0;
    for (const auto& entry : sends_) {
        count += entry.second.stage == Stage::InDoubt ? 1 : 0;
    }
    return count;
}

}  // namespace hermes::client

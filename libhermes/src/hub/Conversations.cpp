#include "Conversations.hpp"

#include <algorithm>
#include <chrono>
#include <utility>

#include "hermes/protocol/Validation.hpp"

namespace hermes::hub {

Conversations::Conversations(const HubConfig& config, HistoryStore& history)
    : config_(config), history_(history) {
    for (WaitingMessage& w : history_.waiting()) {
        waiting_[w.recipient].push_back(std::move(w));
    }
}

std::string Conversations::key(std::string_view a, std::string_view b) {
    std::string first = protocol::nickKey(a);
    std::string second = protocol::nickKey(b);
    if (second < first) {
        std::swap(first, second);
    }
    return "@" + first + " " + second;
}

std::string Conversations::party(const Session& s) {
    if (s.profile.account.empty() ||
        protocol::nickKey(s.profile.account) != protocol::nickKey(s.who.nick())) {
        return {};
    }
    return s.profile.account;
}

void Conversations::toWire(v1::ChatMessage& message) {
    message.set_private_seq(message.seq());
    message.set_seq(0);
    message.clear_room();
}

bool Conversations::expired(const WaitingMessage& w, std::int64_t nowMs) const {
    const auto maxAge =
        std::chrono::duration_cast<std::chrono::milliseconds>(config_.privateWaitingMaxAge);
    return maxAge.count() > 0 && nowMs - w.timeMs > maxAge.count();
}

bool Conversations::full(const std::string& recipient, std::int64_t nowMs) {
    auto it = waiting_.find(recipient);
    if (it == waiting_.end()) {
        return config_.privateMaxWaiting == 0;
    }
    auto& queue = it->second;
    while (!queue.empty() && expired(queue.front(), nowMs)) {
        history_.removeWaiting(queue.front());
        queue.pop_front();
    }
    return queue.size() >= config_.privateMaxWaiting;
}

void Conversations::addWaiting(WaitingMessage waiting) {
    history_.addWaiting(waiting);
    waiting_[waiting.recipient].push_back(std::move(waiting));
}

std::vector<WaitingMessage> Conversations::takeWaiting(const std::string& recipient,
                                                       std::int64_t nowMs) {
    std::vector<WaitingMessage> out;
    auto it = waiting_.find(recipient);
    if (it == waiting_.end()) {
        return out;
    }
    for (WaitingMessage& w : it->second) {
        history_.removeWaiting(w);
        if (!expired(w, nowMs)) {
            out.push_back(std::move(w));
        }
    }
    waiting_.erase(it);
    return out;
}

std::size_t Conversations::largestMailbox() const {
    std::size_t largest = 0;
    for (const auto& [recipient, queue] : waiting_) {
        largest = std::max(largest, queue.size());
    }
    return largest;
}

void Conversations::holdEcho(SessionId session, std::string key, std::uint64_t seq,
                             std::string_view frame) {
    held_.push_back(HeldEcho{session, std::move(key), seq, std::string(frame)});
}

std::size_t Conversations::waitingFor(const std::string& recipient) const {
    const auto it = waiting_.find(recipient);
    return it == waiting_.end() ? 0 : it->second.size();
}

}  // namespace hermes::hub

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

Conversations::Space Conversations::spaceFor(const std::string& recipient, const std::string& key,
                                             std::int64_t nowMs) {
    if (config_.privateMaxWaiting == 0 || config_.privateMaxWaitingPerSender == 0) {
        return config_.privateMaxWaiting == 0 ? Space::MailboxFull : Space::SenderShareFull;
    }
    auto it = waiting_.find(recipient);
    const std::size_t sentOn = sentOnFor(recipient);
    if (it == waiting_.end() && sentOn == 0) {
        return Space::Free;
    }
    std::size_t waiting = 0;
    if (it != waiting_.end()) {
        auto& queue = it->second;
        while (!queue.empty() && expired(queue.front(), nowMs)) {
            history_.removeWaiting(queue.front());
            queue.pop_front();
        }
        waiting = queue.size();
    }
    if (waiting + sentOn >= config_.privateMaxWaiting) {
        return Space::MailboxFull;
    }
    // One pass over at most max_waiting entries, and only for a message that
    // waits: never on the live path.
    if (waitingFrom(recipient, key) >= config_.privateMaxWaitingPerSender) {
        return Space::SenderShareFull;
    }
    return Space::Free;
}

std::size_t Conversations::waitingFrom(const std::string& recipient, const std::string& key) const {
    std::size_t count = 0;
    for (const auto* lists : {&waiting_, &sentOn_}) {
        const auto it = lists->find(recipient);
        if (it != lists->end()) {
            count += static_cast<std::size_t>(
                std::count_if(it->second.begin(), it->second.end(),
                              [&](const WaitingMessage& w) { return w.conversation == key; }));
        }
    }
    return count;
}

void Conversations::addWaiting(WaitingMessage waiting) {
    history_.addWaiting(waiting);
    waiting_[waiting.recipient].push_back(std::move(waiting));
}

std::vector<WaitingMessage> Conversations::takeWaiting(const std::string& recipient,
                                                       std::int64_t nowMs) {
    return take(recipient, nowMs, false);
}

std::vector<WaitingMessage> Conversations::take(const std::string& recipient, std::int64_t nowMs,
                                                bool keepStored) {
    std::vector<WaitingMessage> out;
    auto it = waiting_.find(recipient);
    if (it == waiting_.end()) {
        return out;
    }
    for (WaitingMessage& w : it->second) {
        const bool live = !expired(w, nowMs);
        if (!live || !keepStored) {
            history_.removeWaiting(w);
        }
        if (live) {
            out.push_back(std::move(w));
        }
    }
    waiting_.erase(it);
    return out;
}

std::vector<WaitingMessage> Conversations::takeToSendOn(const std::string& recipient,
                                                        std::int64_t nowMs) {
    // The store forgets them only once Redis took them (settleSentOn): a
    // hub killed before the answer finds them waiting at its restart.
    std::vector<WaitingMessage> out = take(recipient, nowMs, true);
    if (!out.empty()) {
        auto& sent = sentOn_[recipient];
        sent.insert(sent.end(), out.begin(), out.end());
    }
    return out;
}

void Conversations::settleSentOn(const WaitingMessage& waiting, bool taken) {
    const auto it = sentOn_.find(waiting.recipient);
    if (it == sentOn_.end()) {
        return;
    }
    auto& sent = it->second;
    const auto found = std::find_if(sent.begin(), sent.end(), [&](const WaitingMessage& w) {
        return w.conversation == waiting.conversation && w.seq == waiting.seq;
    });
    if (found == sent.end()) {
        return;
    }
    if (taken) {
        history_.removeWaiting(*found);
    } else {
        auto& queue = waiting_[found->recipient];
        // In time order; among messages of one millisecond, a conversation's
        // in its seq order (a burst put back one by one keeps its order).
        const WaitingMessage& back = *found;
        const auto at = std::find_if(queue.begin(), queue.end(), [&](const WaitingMessage& w) {
            return w.timeMs > back.timeMs ||
                   (w.timeMs == back.timeMs && w.conversation == back.conversation &&
                    w.seq > back.seq);
        });
        queue.insert(at, std::move(*found));
    }
    sent.erase(found);
    if (sent.empty()) {
        sentOn_.erase(it);
    }
}

std::size_t Conversations::mailboxSize(const std::string& recipient) const {
    return waitingFor(recipient) + sentOnFor(recipient);
}

std::size_t Conversations::sentOnFor(const std::string& recipient) const {
    const auto it = sentOn_.find(recipient);
    return it == sentOn_.end() ? 0 : it->second.size();
}

std::size_t Conversations::largestMailbox() const {
    std::size_t largest = 0;
    for (const auto& [recipient, queue] : waiting_) {
        largest = std::max(largest, queue.size() + sentOnFor(recipient));
    }
    for (const auto& [recipient, sent] : sentOn_) {
        largest = std::max(largest, sent.size() + waitingFor(recipient));
    }
    return largest;
}

std::size_t Conversations::largestShare() const {
    std::size_t largest = 0;
    const auto countIn = [](const auto& lists, const std::string& recipient,
                            std::unordered_map<std::string_view, std::size_t>& bySender) {
        const auto it = lists.find(recipient);
        if (it != lists.end()) {
            for (const WaitingMessage& w : it->second) {
                ++bySender[w.conversation];
            }
        }
    };
    for (const auto* lists : {&waiting_, &sentOn_}) {
        for (const auto& [recipient, queue] : *lists) {
            std::unordered_map<std::string_view, std::size_t> bySender;
            countIn(waiting_, recipient, bySender);
            countIn(sentOn_, recipient, bySender);
            for (const auto& [sender, n] : bySender) {
                largest = std::max(largest, n);
            }
        }
    }
    return largest;
}

void Conversations::holdEcho(SessionId session, std::string key, std::uint64_t seq,
                             std::string_view frame) {
    held_.push_back(HeldEcho{session, std::move(key), seq, std::string(frame)});
}

void Conversations::startDelivery(SessionId session, std::vector<WaitingMessage> taken) {
    delivering_[session].taken = std::move(taken);
}

void Conversations::holdForDelivery(SessionId session, std::string_view frame) {
    delivering_[session].held.emplace_back(frame);
}

std::vector<std::string> Conversations::finishDelivery(SessionId session) {
    const auto it = delivering_.find(session);
    if (it == delivering_.end()) {
        return {};
    }
    std::vector<std::string> held = std::move(it->second.held);
    delivering_.erase(it);
    return held;
}

bool Conversations::forget(SessionId session) {
    const auto it = delivering_.find(session);
    if (it == delivering_.end()) {
        return false;
    }
    std::vector<WaitingMessage>& taken = it->second.taken;
    const bool putBack = !taken.empty();
    if (putBack) {
        // Older than anything that waits now: back in front, in order.
        auto& queue = waiting_[taken.front().recipient];
        for (auto w = taken.rbegin(); w != taken.rend(); ++w) {
            history_.addWaiting(*w);
        }
        queue.insert(queue.begin(), std::make_move_iterator(taken.begin()),
                     std::make_move_iterator(taken.end()));
    }
    delivering_.erase(it);
    return putBack;
}

void Conversations::forgetAll() {
    while (!delivering_.empty()) {
        forget(delivering_.begin()->first);
    }
    // Sent on and not answered: of unknown fate, so kept (a duplicate at
    // the next sign-in rather than a loss).
    while (!sentOn_.empty()) {
        const WaitingMessage w = sentOn_.begin()->second.front();
        settleSentOn(w, false);
    }
}

std::vector<std::string> Conversations::waitingRecipients() const {
    std::vector<std::string> out;
    for (const auto& [recipient, messages] : waiting_) {
        if (!messages.empty()) {
            out.push_back(recipient);
        }
    }
    return out;
}

std::size_t Conversations::waitingFor(const std::string& recipient) const {
    const auto it = waiting_.find(recipient);
    return it == waiting_.end() ? 0 : it->second.size();
}

}  // namespace hermes::hub

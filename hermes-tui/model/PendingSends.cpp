#include "model/PendingSends.hpp"

namespace hermes::tui {

std::optional<PendingLine> PendingSends::acknowledge(std::uint64_t id) {
    const auto it = pending_.find(id);
    if (it == pending_.end()) {
        return std::nullopt;
    }
    PendingLine line = std::move(it->second);
    pending_.erase(it);
    return line;
}

std::vector<PendingLine> PendingSends::expire(SteadyTime now) {
    std::vector<PendingLine> out;
    for (auto it = pending_.begin(); it != pending_.end();) {
        if (now - it->second.sentAt >= timeout_) {
            out.push_back(std::move(it->second));
            it = pending_.erase(it);
        } else {
            ++it;
        }
    }
    return out;
}

std::optional<SteadyTime> PendingSends::nextDeadline() const {
    std::optional<SteadyTime> earliest;
    for (const auto& [id, line] : pending_) {
        const SteadyTime at = line.sentAt + timeout_;
        if (!earliest || at < *earliest) {
            earliest = at;
        }
    }
    return earliest;
}

}  // namespace hermes::tui

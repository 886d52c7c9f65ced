#include "model/PendingSends.hpp"

#include <utility>

namespace hermes::tui {

PendingLine* PendingSends::find(std::uint64_t id) {
    const auto it = lines_.find(id);
    return it == lines_.end() ? nullptr : &it->second;
}

std::optional<PendingLine> PendingSends::remove(std::uint64_t id) {
    const auto it = lines_.find(id);
    if (it == lines_.end()) {
        return std::nullopt;
    }
    PendingLine line = std::move(it->second);
    lines_.erase(it);
    return line;
}

std::size_t PendingSends::unsent() const {
    std::size_t n = 0;
    for (const auto& [id, line] : lines_) {
        n += line.state == SendState::Failed ? 0 : 1;
    }
    return n;
}

std::size_t PendingSends::failed() const {
    return lines_.size() - unsent();
}

std::vector<PendingLine> PendingSends::takeFailed(const std::string& target, bool query) {
    std::vector<PendingLine> out;
    for (auto it = lines_.begin(); it != lines_.end();) {
        if (it->second.state == SendState::Failed && it->second.target == target &&
            it->second.query == query) {
            out.push_back(std::move(it->second));
            it = lines_.erase(it);
        } else {
            ++it;
        }
    }
    return out;
}

}  // namespace hermes::tui

#include "hermes/hub/Registry.hpp"

#include "hermes/protocol/Validation.hpp"

namespace hermes::hub {

bool Registry::reserve(std::string_view nick, SessionId id) {
    std::string key = protocol::nickKey(nick);
    const std::lock_guard lock(mutex_);
    const auto [it, inserted] = byNickKey_.emplace(std::move(key), id);
    return inserted || it->second == id;
}

bool Registry::rename(SessionId id, std::string_view oldNick, std::string_view newNick) {
    std::string oldKey = protocol::nickKey(oldNick);
    std::string newKey = protocol::nickKey(newNick);
    const std::lock_guard lock(mutex_);
    const auto holder = byNickKey_.find(newKey);
    if (holder != byNickKey_.end()) {
        // A change of case only keeps the same key, held by this session.
        return holder->second == id;
    }
    const auto old = byNickKey_.find(oldKey);
    if (old != byNickKey_.end() && old->second == id) {
        byNickKey_.erase(old);
    }
    byNickKey_.emplace(std::move(newKey), id);
    return true;
}

void Registry::release(std::string_view nick, SessionId id) {
    const std::string key = protocol::nickKey(nick);
    const std::lock_guard lock(mutex_);
    const auto it = byNickKey_.find(key);
    if (it != byNickKey_.end() && it->second == id) {
        byNickKey_.erase(it);
    }
}

std::optional<SessionId> Registry::find(std::string_view nick) const {
    const std::string key = protocol::nickKey(nick);
    const std::lock_guard lock(mutex_);
    const auto it = byNickKey_.find(key);
    if (it == byNickKey_.end()) {
        return std::nullopt;
    }
    return it->second;
}

std::size_t Registry::size() const {
    const std::lock_guard lock(mutex_);
    return byNickKey_.size();
}

}  // namespace hermes::hub

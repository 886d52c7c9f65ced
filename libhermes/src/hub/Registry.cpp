#include "hermes/hub/Registry.hpp"

#include "hermes/hub/HubConfig.hpp"
#include "hermes/protocol/Validation.hpp"

namespace hermes::hub {

Registry::Limits Registry::limitsOf(const HubConfig& config) {
    return Limits{config.maxClients, config.maxClientsPerAddress, config.maxHandshakesPerAddress};
}

std::string_view Registry::addressOf(std::string_view peer) {
    if (!peer.empty() && peer.front() == '[') {
        const auto close = peer.find(']');
        return close == std::string_view::npos ? peer : peer.substr(1, close - 1);
    }
    const auto colon = peer.rfind(':');
    if (colon == std::string_view::npos || peer.find(':') != colon) {
        return peer;  // no port, or a bare IPv6 address
    }
    return peer.substr(0, colon);
}

Registry::Admission Registry::judge(const State& state, std::string_view address,
                                    const Limits& limits) {
    if (state.connections >= limits.maxClients) {
        return Admission::HubFull;
    }
    const auto it = state.byAddress.find(std::string(address));
    if (it == state.byAddress.end()) {
        return Admission::Admitted;
    }
    if (limits.maxClientsPerAddress > 0 && it->second.connections >= limits.maxClientsPerAddress) {
        return Admission::AddressFull;
    }
    if (limits.maxHandshakesPerAddress > 0 &&
        it->second.handshaking >= limits.maxHandshakesPerAddress) {
        return Admission::HandshakesFull;
    }
    return Admission::Admitted;
}

Registry::Admission Registry::admission(std::string_view address, const Limits& limits) const {
    return judge(*state_.lock(), address, limits);
}

Registry::Admission Registry::admit(std::string_view address, const Limits& limits) {
    auto state = state_.lock();
    const Admission verdict = judge(*state, address, limits);
    if (verdict == Admission::Admitted) {
        ++state->connections;
        AddressCount& count = state->byAddress[std::string(address)];
        ++count.connections;
        ++count.handshaking;
    }
    return verdict;
}

void Registry::handshakeDone(std::string_view address) {
    auto state = state_.lock();
    const auto it = state->byAddress.find(std::string(address));
    if (it != state->byAddress.end() && it->second.handshaking > 0) {
        --it->second.handshaking;
    }
}

void Registry::leave(std::string_view address, bool handshaking) {
    auto state = state_.lock();
    const auto it = state->byAddress.find(std::string(address));
    if (it == state->byAddress.end()) {
        return;
    }
    --state->connections;
    if (handshaking && it->second.handshaking > 0) {
        --it->second.handshaking;
    }
    if (--it->second.connections == 0) {
        state->byAddress.erase(it);
    }
}

std::size_t Registry::connections() const {
    return state_.lock()->connections;
}

std::size_t Registry::connectionsFrom(std::string_view address) const {
    auto state = state_.lock();
    const auto it = state->byAddress.find(std::string(address));
    return it == state->byAddress.end() ? 0 : it->second.connections;
}

std::size_t Registry::handshakesFrom(std::string_view address) const {
    auto state = state_.lock();
    const auto it = state->byAddress.find(std::string(address));
    return it == state->byAddress.end() ? 0 : it->second.handshaking;
}

bool Registry::reserve(std::string_view nick, SessionId id) {
    std::string key = protocol::nickKey(nick);
    auto state = state_.lock();
    const auto [it, inserted] = state->byNickKey.emplace(std::move(key), id);
    return inserted || it->second == id;
}

bool Registry::rename(SessionId id, std::string_view oldNick, std::string_view newNick) {
    std::string oldKey = protocol::nickKey(oldNick);
    std::string newKey = protocol::nickKey(newNick);
    auto state = state_.lock();
    const auto holder = state->byNickKey.find(newKey);
    if (holder != state->byNickKey.end()) {
        // A change of case only keeps the same key, held by this session.
        return holder->second == id;
    }
    const auto old = state->byNickKey.find(oldKey);
    if (old != state->byNickKey.end() && old->second == id) {
        state->byNickKey.erase(old);
    }
    state->byNickKey.emplace(std::move(newKey), id);
    return true;
}

void Registry::release(std::string_view nick, SessionId id) {
    const std::string key = protocol::nickKey(nick);
    auto state = state_.lock();
    const auto it = state->byNickKey.find(key);
    if (it != state->byNickKey.end() && it->second == id) {
        state->byNickKey.erase(it);
    }
}

std::optional<SessionId> Registry::find(std::string_view nick) const {
    const std::string key = protocol::nickKey(nick);
    auto state = state_.lock();
    const auto it = state->byNickKey.find(key);
    if (it == state->byNickKey.end()) {
        return std::nullopt;
    }
    return it->second;
}

std::size_t Registry::size() const {
    return state_.lock()->byNickKey.size();
}

}  // namespace hermes::hub

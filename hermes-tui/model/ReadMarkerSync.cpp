#include "model/ReadMarkerSync.hpp"

#include <algorithm>

namespace hermes::tui {

void ReadMarkerSync::seen(const std::string& room, std::uint64_t seq) {
    if (seq == 0) {
        return;
    }
    Room& r = rooms_[room];
    r.seen = std::max(r.seen, seq);
}

void ReadMarkerSync::confirmed(const std::string& room, std::uint64_t seq) {
    Room& r = rooms_[room];
    r.hub = std::max(r.hub, seq);
}

std::uint64_t ReadMarkerSync::marker(const std::string& room) const {
    const auto it = rooms_.find(room);
    return it == rooms_.end() ? 0 : it->second.hub;
}

std::vector<std::pair<std::string, std::uint64_t>> ReadMarkerSync::due(Time now) {
    std::vector<std::pair<std::string, std::uint64_t>> out;
    for (auto& [name, r] : rooms_) {
        if (wants(r) && (!r.lastSent || now - *r.lastSent >= kEvery)) {
            out.emplace_back(name, r.seen);
            r.sent = r.seen;
            r.lastSent = now;
        }
    }
    return out;
}

std::optional<ReadMarkerSync::Time> ReadMarkerSync::nextDue() const {
    std::optional<Time> next;
    for (const auto& [name, r] : rooms_) {
        if (!wants(r)) {
            continue;
        }
        const Time at = r.lastSent ? *r.lastSent + kEvery : Time{};
        if (!next || at < *next) {
            next = at;
        }
    }
    return next;
}

void ReadMarkerSync::reconnected() {
    for (auto& [name, r] : rooms_) {
        r.sent = 0;
        r.lastSent.reset();
    }
}

}  // namespace hermes::tui

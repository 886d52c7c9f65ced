#include "hermes/irc/IrcRenderCache.hpp"

#include <algorithm>
#include <bit>
#include <cstring>
#include <stdexcept>

#include "hermes/codec/FrameDecoder.hpp"

namespace hermes::irc {

IrcRenderCache::IrcRenderCache(std::size_t slots, std::size_t maxBytes)
    : tags_(slots / kWays),
      slots_(slots),
      setBits_(std::countr_zero(slots / kWays)),
      maxBytes_(maxBytes) {
    if (slots < kWays || !std::has_single_bit(slots)) {
        throw std::invalid_argument(
            "IrcRenderCache: the number of slots must be a power of two, at least 4");
    }
}

namespace {

// The bits of IrcSession::capBits() (one per word of kCapabilities, in its
// order) that are capabilities of kKeyCapabilities.
std::uint32_t keyMask() {
    std::uint32_t mask = 0;
    std::uint32_t bit = 1;
    std::string_view offered = IrcSession::kCapabilities;
    while (!offered.empty() && bit != 0) {
        const std::size_t space = offered.find(' ');
        const std::string_view cap = offered.substr(0, space);
        for (const std::string_view keyed : IrcRenderCache::kKeyCapabilities) {
            if (keyed == cap) {
                mask |= bit;
            }
        }
        bit <<= 1;
        offered = space == std::string_view::npos ? std::string_view{} : offered.substr(space + 1);
    }
    return mask;
}

}  // namespace

std::uint32_t IrcRenderCache::renderKey(const IrcSession& session) {
    // The session keeps its capabilities as bits as CAP REQs change them
    // (searching the list at every write was a third of an L1 delivery's
    // instructions); the key keeps those that shape a room message's lines.
    static const std::uint32_t mask = keyMask();
    return session.capBits() & mask;
}

namespace {

// Nicks are ASCII (docs/PROTOCOL.md "Nicks"): no locale, no tolower() call.
bool sameNick(std::string_view a, std::string_view b) {
    const auto lower = [](char c) {
        return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
    };
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(),
                                              [&](char x, char y) { return lower(x) == lower(y); });
}

}  // namespace

std::size_t IrcRenderCache::setOf(const char* address, std::uint32_t key) const {
    // A room's frames follow each other in its block, a hundred bytes or so
    // apart, and a member takes them in that order: consecutive 128-byte
    // granules of a block go to consecutive sets, so the sets a write reads
    // are neighbours in memory (what the prefetcher follows) instead of
    // scattered. Blocks alias only every sets x 128 bytes; the ways absorb
    // it. The key moves other capability sets elsewhere.
    const auto granule = static_cast<std::size_t>(reinterpret_cast<std::uintptr_t>(address) >> 7);
    return (granule + static_cast<std::size_t>(key) * 0x9E3779B1u) &
           ((std::size_t{1} << setBits_) - 1);
}

bool IrcRenderCache::deliver(IrcSession& session, std::uint32_t key, std::string_view payload,
                             bool inPlace, hermes::v1::Envelope& scratch, std::string& out) {
    if (!inPlace || payload.empty() || session.holding()) {
        // holding(): a SASL sign-in keeps the hub's lines in the session
        // until CAP END; lines appended here would come before its 001.
        return deliverUncached(session, payload, scratch, out);
    }
    const std::size_t set = setOf(payload.data(), key);
    Tags& tags = tags_[set];
    std::size_t victim = kWays;
    for (std::size_t way = 0; way < kWays; ++way) {
        if (tags.address[way] != payload.data() || tags.key[way] != key) {
            continue;
        }
        const Slot& slot = slots_[set * kWays + way];
        if (slot.payloadBytes == payload.size() &&
            std::memcmp(slot.bytes.data(), payload.data(), payload.size()) == 0) {
            if (sameNick(slot.from(), session.nick())) {
                // The member's own message: its echo, the session's to render.
                return deliverUncached(session, payload, scratch, out);
            }
            ++stats_.hits;
            session.sawRoomMessage(slot.room(), slot.timeMs);
            out.append(slot.lines());
            return true;
        }
        victim = way;  // the same address holds another frame now: stale
        break;
    }
    ++stats_.misses;
    if (victim == kWays) {
        victim = 0;  // the way stored longest ago (or never)
        for (std::size_t way = 1; way < kWays; ++way) {
            if (tags.stamp[way] < tags.stamp[victim]) {
                victim = way;
            }
        }
    }
    if (!hermes::codec::parseEnvelope(payload, scratch)) {
        return false;
    }
    const std::size_t start = out.size();
    session.deliver(scratch, out);
    store(set, victim, session, key, payload, scratch, std::string_view(out).substr(start));
    return true;
}

bool IrcRenderCache::deliverUncached(IrcSession& session, std::string_view payload,
                                     hermes::v1::Envelope& scratch, std::string& out) {
    if (!hermes::codec::parseEnvelope(payload, scratch)) {
        return false;
    }
    session.deliver(scratch, out);
    return true;
}

void IrcRenderCache::store(std::size_t set, std::size_t way, const IrcSession& session,
                           std::uint32_t key, std::string_view payload,
                           const hermes::v1::Envelope& envelope, std::string_view lines) {
    if (!envelope.has_message()) {
        return;
    }
    // What IrcSession renders the same for every member with this key: a room
    // message from someone else. (The away text is on private messages only.)
    const hermes::v1::ChatMessage& message = envelope.message();
    if (message.room().empty() || !message.away().empty() || session.isMe(message.from()) ||
        lines.empty()) {
        return;
    }
    Slot& slot = slots_[set * kWays + way];
    const std::size_t size =
        payload.size() + message.from().size() + message.room().size() + lines.size();
    if (size > kMaxEntryBytes) {
        return;
    }
    if (size > slot.held && stats_.bytes - slot.held + size > maxBytes_) {
        return;  // over the budget: this one is rendered per member
    }
    Tags& tags = tags_[set];
    if (tags.address[way] != nullptr && tags.address[way] != payload.data()) {
        ++stats_.evictions;
    }
    tags.address[way] = payload.data();
    tags.key[way] = key;
    tags.stamp[way] = ++clock_;
    slot.payloadBytes = static_cast<std::uint32_t>(payload.size());
    slot.fromBytes = static_cast<std::uint32_t>(message.from().size());
    slot.timeMs = message.time_ms();
    slot.roomBytes = static_cast<std::uint32_t>(message.room().size());
    slot.bytes.assign(payload);
    slot.bytes.append(message.from());
    slot.bytes.append(message.room());
    slot.bytes.append(lines);
    stats_.bytes = stats_.bytes - slot.held + slot.bytes.capacity();
    slot.held = static_cast<std::uint32_t>(slot.bytes.capacity());
    ++stats_.stores;
}

}  // namespace hermes::irc

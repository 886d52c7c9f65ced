#include "hermes/irc/IrcRenderCache.hpp"

#include <bit>
#include <cstring>
#include <stdexcept>

#include "hermes/codec/FrameDecoder.hpp"

namespace hermes::irc {

IrcRenderCache::IrcRenderCache(std::size_t slots, std::size_t maxBytes)
    : slots_(slots), maxBytes_(maxBytes) {
    if (slots == 0 || !std::has_single_bit(slots)) {
        throw std::invalid_argument("IrcRenderCache: the number of slots must be a power of two");
    }
}

std::uint32_t IrcRenderCache::renderKey(const IrcSession& session) {
    // One bit per offered capability, whichever of them a rendering reads:
    // a capability added to kCapabilities is in the key without a change here.
    std::uint32_t key = 0;
    std::uint32_t bit = 1;
    std::string_view offered = IrcSession::kCapabilities;
    while (!offered.empty() && bit != 0) {
        const std::size_t space = offered.find(' ');
        if (session.hasCap(offered.substr(0, space))) {
            key |= bit;
        }
        bit <<= 1;
        offered = space == std::string_view::npos ? std::string_view{} : offered.substr(space + 1);
    }
    return key;
}

IrcRenderCache::Slot& IrcRenderCache::slotFor(const char* address, std::uint32_t key) {
    // Frames of a block sit a hundred bytes or so apart: Fibonacci hashing
    // spreads them over the slots; the key separates capability sets.
    const std::uint64_t mixed =
        (static_cast<std::uint64_t>(reinterpret_cast<std::uintptr_t>(address)) ^
         (static_cast<std::uint64_t>(key) << 40)) *
        0x9E3779B97F4A7C15ull;
    const int bits = std::countr_zero(slots_.size());
    const std::size_t index = bits == 0 ? 0 : static_cast<std::size_t>(mixed >> (64 - bits));
    return slots_[index];
}

bool IrcRenderCache::deliver(IrcSession& session, std::uint32_t key, std::string_view payload,
                             bool inPlace, hermes::v1::Envelope& scratch, std::string& out) {
    Slot* slot = nullptr;
    if (inPlace && !payload.empty()) {
        slot = &slotFor(payload.data(), key);
        if (slot->address != nullptr && slot->key == key && slot->payloadBytes == payload.size() &&
            std::memcmp(slot->bytes.data(), payload.data(), payload.size()) == 0) {
            if (!session.isMe(slot->from())) {
                ++stats_.hits;
                session.sawRoomSeq(slot->room, slot->seq);
                out.append(slot->lines());
                return true;
            }
            slot = nullptr;  // the member's own message: its echo, rendered by the session
        } else {
            ++stats_.misses;
        }
    }
    if (!hermes::codec::parseEnvelope(payload, scratch)) {
        return false;
    }
    const std::size_t start = out.size();
    session.deliver(scratch, out);
    if (slot != nullptr) {
        store(*slot, session, key, payload, scratch, std::string_view(out).substr(start));
    }
    return true;
}

void IrcRenderCache::store(Slot& slot, const IrcSession& session, std::uint32_t key,
                           std::string_view payload, const hermes::v1::Envelope& envelope,
                           std::string_view lines) {
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
    const std::size_t size = payload.size() + message.from().size() + lines.size();
    if (size > kMaxEntryBytes) {
        return;
    }
    if (size > slot.held && stats_.bytes - slot.held + size > maxBytes_) {
        return;  // over the budget: this one is rendered per member
    }
    if (slot.address != nullptr) {
        ++stats_.evictions;
    }
    slot.address = payload.data();
    slot.key = key;
    slot.payloadBytes = static_cast<std::uint32_t>(payload.size());
    slot.fromBytes = static_cast<std::uint32_t>(message.from().size());
    slot.seq = message.seq();
    slot.bytes.assign(payload);
    slot.bytes.append(message.from());
    slot.bytes.append(lines);
    slot.room = message.room();
    stats_.bytes = stats_.bytes - slot.held + slot.bytes.capacity();
    slot.held = slot.bytes.capacity();
    ++stats_.stores;
}

}  // namespace hermes::irc

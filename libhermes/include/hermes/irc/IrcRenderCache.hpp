#pragma once
// The IRC lines of the hub's room messages, rendered once for every IRC
// member that receives the same frame (docs/IRC.md "Cost").
//
// The hub copies a room's message once into the room's FrameBlock and every
// member's queue references those bytes (hub/Outbox.hpp). Without this
// cache each IRC member parsed the frame again and built the same lines;
// with it the first member with a given set of the capabilities that shape
// a room message's lines (kKeyCapabilities) parses and renders, and the
// others append its lines:
//
//   frame (in place in the hub's block) + the member's render key
//     -> a set of kWays slots (from the frame's address in 128-byte steps,
//        so a run of frames reads neighbouring sets, and the key)
//     -> hit: a slot of the set with that address and key whose bytes
//        equal the frame's -> its lines
//     -> miss: parse, IrcSession::deliver, and, when the lines are the same
//        for every such member, keep them in the set's slot stored longest
//        ago (a frame every member has rendered by now, most likely)
//
// Validity: a block's memory is reused (a room's block starts over once no
// queue references it; a freed block's address comes back), so an address
// proves nothing: a hit needs the slot's copy of the frame to equal the
// frame byte for byte. Equal bytes are the same Envelope, and the lines are
// a function of the Envelope and the render key alone for what is kept:
// room ChatMessages (no away text) from another member. The rest takes
// IrcSession::deliver as before: the member's own messages (echo-message,
// the pending send it acknowledges), private messages, away replies,
// errors, presence, lists, history (batch tags), and anything larger than
// kMaxEntryBytes.
//
// The lines also depend on IrcSessionSettings::host, which is the same for
// every session of a listener: one cache serves one listener's sessions.
//
// Memory: the slots and their tags, allocated at construction (80 bytes a
// slot: 1.3 MiB for kSlots), each slot keeping one frame and its lines in
// one string: an entry over kMaxEntryBytes is not kept, and the strings'
// capacity is capped at maxBytes in all (a store that would pass it is
// skipped: that frame is rendered per member). The figures are in stats().
//
// Threading: none; one cache per event loop, used by its IRC connections on
// the loop thread only.

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "hermes/irc/IrcSession.hpp"
#include "hermes/v1/hermes.pb.h"

namespace hermes::irc {

class IrcRenderCache {
public:
    // T1 keeps 1,600 messages of one room in flight (100 senders x 16), and
    // members that read late are thousands behind the first: room for them
    // all, with few collisions (64 bytes of slot and 16 of tags each, 1.3 MiB).
    static constexpr std::size_t kSlots = 16384;
    static constexpr std::size_t kWays = 4;
    static constexpr std::size_t kMaxBytes = 8 * 1024 * 1024;
    // A frame and its lines larger than this are rendered per member.
    static constexpr std::size_t kMaxEntryBytes = 4 * 1024;

    // `slots`: a power of two, at least kWays. `maxBytes`: the kept strings'
    // capacity in all.
    explicit IrcRenderCache(std::size_t slots = kSlots, std::size_t maxBytes = kMaxBytes);
    IrcRenderCache(const IrcRenderCache&) = delete;
    IrcRenderCache& operator=(const IrcRenderCache&) = delete;

    // The capabilities that change the lines of another member's room
    // message (IrcSession::renderMessage and the tags, IrcClientTags.cpp,
    // IrcMultiline.cpp). The others do not (sasl, multi-prefix, away-notify;
    // echo-message: one's own lines, never kept here; draft/chathistory:
    // history, never kept here), so members that differ only in those share
    // renders. IrcRenderCacheTest renders room messages with and without
    // each capability of IrcSession::kCapabilities left out of this list,
    // and fails when one of them changes a line: a capability that comes to
    // matter must be added here.
    static constexpr std::array<std::string_view, 5> kKeyCapabilities = {
        "account-tag", "batch", "draft/multiline", "message-tags", "server-time"};

    // What in a session changes the lines of a room message (the
    // kKeyCapabilities it has): equal keys, equal lines. Computed per write,
    // not per frame (capabilities change only on the client's CAP REQ).
    // Anything else a room message's lines come to depend on must be added here.
    static std::uint32_t renderKey(const IrcSession& session);

    // Renders one frame of the hub's for `session` onto `out`. `payload` is
    // the frame's Envelope bytes; `inPlace`: they lie in the hub's shared
    // memory (the same address for every member), so they may be looked up
    // and kept; otherwise (a frame copied together across writes) they are
    // only rendered. `key` is renderKey(session); `scratch` a reused
    // Envelope. Returns false when the payload is not an Envelope (nothing
    // is appended).
    bool deliver(IrcSession& session, std::uint32_t key, std::string_view payload, bool inPlace,
                 hermes::v1::Envelope& scratch, std::string& out);

    struct Stats {
        std::uint64_t hits = 0;
        std::uint64_t misses = 0;     // looked up, not found: rendered by the session
        std::uint64_t stores = 0;     // kept after a miss
        std::uint64_t evictions = 0;  // a store that replaced another frame's lines (elsewhere)
        std::size_t bytes = 0;        // the kept strings' capacity now (at most maxBytes)
    };
    const Stats& stats() const { return stats_; }

private:
    // The tags of one set, in one cache line: a lookup reads it, then only
    // the way whose address and key match.
    struct alignas(64) Tags {
        const char* address[kWays] = {};  // of the payload kept in each way
        std::uint32_t key[kWays] = {};
        std::uint32_t stamp[kWays] = {};  // when stored: the set's oldest is replaced
    };
    struct Slot {
        std::int64_t timeMs = 0;  // for CHATHISTORY TARGETS (sawRoomMessage)
        std::uint32_t payloadBytes = 0;
        std::uint32_t fromBytes = 0;
        std::uint32_t roomBytes = 0;
        std::uint32_t held = 0;  // bytes.capacity() as counted in Stats::bytes
        std::string bytes;       // payload | from | room | lines, one allocation

        std::string_view from() const {
            return std::string_view(bytes).substr(payloadBytes, fromBytes);
        }
        std::string_view room() const {
            return std::string_view(bytes).substr(payloadBytes + fromBytes, roomBytes);
        }
        std::string_view lines() const {
            return std::string_view(bytes).substr(payloadBytes + fromBytes + roomBytes);
        }
    };

    // The set a frame at `address` may be kept in.
    std::size_t setOf(const char* address, std::uint32_t key) const;
    bool deliverUncached(IrcSession& session, std::string_view payload,
                         hermes::v1::Envelope& scratch, std::string& out);
    // After a miss rendered `lines` for `envelope`: keeps them in `way` of
    // `set` when they are every such member's.
    void store(std::size_t set, std::size_t way, const IrcSession& session, std::uint32_t key,
               std::string_view payload, const hermes::v1::Envelope& envelope,
               std::string_view lines);

    std::vector<Tags> tags_;   // one per set
    std::vector<Slot> slots_;  // kWays per set
    int setBits_;              // log2 of the number of sets
    std::size_t maxBytes_;
    std::uint32_t clock_ = 0;  // stores so far (wrapping only makes a worse victim choice)
    Stats stats_;
};

}  // namespace hermes::irc

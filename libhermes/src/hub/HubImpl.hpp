#pragma once
// Hub::Impl, the hub's state and logic behind the Hub facade (private to
// libhermes; not installed).
//
// Impl owns every Session (by id) and every Room (by canonical name), the
// history store, the lists of sessions and rooms with work pending (writable,
// throttled, doomed, dirty presence, held for the store, holding a block),
// and scratch envelopes reused on every frame so the message path does not
// allocate. The Hub's config, stats and registry are the facade's members;
// Impl refers to them.
//
// Threading: not thread safe. Everything here runs on the one thread that
// calls the Hub (the edge's event loop), as Hub.hpp says.
//
// Which file holds what (all in libhermes/src/hub/):
//   HubImpl.hpp           this struct; time, lookups, and the output path that
//                         queues bytes to sessions and rooms, defined here so the
//                         per-delivery loop inlines into its callers
//   Hub.cpp               the public Hub facade and Impl's construction
//   HubOpening.cpp        a new connection: accepted, or refused (full, shutting down)
//   HubInput.cpp          decoding, the rate limit's waiting frames, dispatch
//   HubIdentity.cpp       Hello, SetNick, Bye
//   HubRooms.cpp          rooms restored at start; Join, Leave, Who, Topic, RoomList
//   HubChat.cpp           Say and PrivateMessage: stamping and fan-out
//   HubHistory.cpp        backlog, History and Search pages; held messages
//                         released when the store commits
//   HubStatsRequest.cpp   StatsRequest
//   HubMembership.cpp     room membership and coalesced presence
//   HubOutput.cpp         Error replies and frames, handing output to the edge
//   HubFlowControl.cpp    the output budget: pausing and resuming input, and
//                         which members are slow (far behind, or stalled)
//   HubClosing.cpp        fatal errors, slow consumers, forgetting sessions, shutdown
//   HubTimers.cpp         the timer scan (handshake, ping, stall, buffer release),
//                         rates, and the throttled sessions' turn
//   HubWhois.cpp          WhoisRequest, and the sign-on facts it tells
//   HubAway.cpp           SetAway, and the away reply to a private message

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <Poco/Logger.h>

#include "hermes/codec/FrameEncoder.hpp"
#include "hermes/hub/FrameBlock.hpp"
#include "hermes/hub/Hub.hpp"
#include "hermes/hub/Room.hpp"
#include "hermes/hub/Session.hpp"
#include "hermes/protocol/Validation.hpp"
#include "hermes/v1/hermes.pb.h"

namespace hermes::hub {

struct Hub::Impl {
    // Lets `rooms` be searched with a string_view, without building a string.
    struct NameHash {
        using is_transparent = void;
        std::size_t operator()(std::string_view name) const {
            return std::hash<std::string_view>{}(name);
        }
    };

    Impl(Hub& owner, std::unique_ptr<HistoryStore> store, WallClock clock);

    Hub& hub;
    const HubConfig& config;
    HubStats& stats;
    Registry& registry;
    MemoryGauge& memory;  // output bytes, against config.maxQueuedBytes
    std::unique_ptr<HistoryStore> history;
    WallClock wallClock;
    Poco::Logger& log;
    const bool durable;  // messages wait for the store's commit

    std::unordered_map<SessionId, std::unique_ptr<Session>> sessions;
    std::unordered_map<std::string, std::unique_ptr<Room>, NameHash, std::equal_to<>> rooms;
    SessionId nextId = 1;
    bool shutDown = false;
    std::uint64_t pingNonce = 0;

    TimePoint now{};
    bool started = false;
    TimePoint startedAt{};
    TimePoint nextScan{};
    TimePoint rateAt{};
    std::uint64_t rateMessagesIn = 0;
    std::uint64_t rateDeliveries = 0;

    std::vector<SessionId> writable;   // output grew since the last takeReady()
    std::vector<SessionId> throttled;  // frames waiting for tokens
    std::vector<Session*> doomed;      // close decided, carried out by processDoomed()
    std::vector<Room*> dirtyRooms;     // presence waiting for flush()
    std::vector<Room*> flushingRooms;  // swapped with dirtyRooms, keeps its capacity
    std::vector<Room*> deferredRooms;  // large rooms whose presence waits; back to dirtyRooms
    std::vector<Room*> holdingRooms;   // rooms with frames waiting for the store
    std::vector<Room*> blockRooms;     // rooms holding a FrameBlock; the scan drops idle ones
    std::size_t heldMessages = 0;
    // Refusing says: set when heldMessages reaches maxHeldMessages, cleared
    // when it is back to half, so that senders are not let in one at a time.
    bool storeBehind = false;
    std::vector<Closing> closing;

    // Flow control (HubFlowControl.cpp): no input is decoded while paused.
    bool inputPaused = false;
    TimePoint pausedAt{};
    std::vector<SessionId> heldInput;  // sessions with input left undecoded (inputHeld)
    bool releaseAfterPause = false;    // held messages the store committed meanwhile

    // Scratch reused on every frame so the hot path does not allocate.
    v1::Envelope in;
    v1::Envelope out;
    v1::ChatMessage chat;
    std::string frame;

    // --- time ----------------------------------------------------------------

    void setNow(TimePoint t) {
        now = t;
        if (!started) {
            started = true;
            startedAt = t;
            rateAt = t;
            nextScan = t;
        }
    }

    // --- lookups -------------------------------------------------------------

    Session* findSession(SessionId id) const {
        const auto it = sessions.find(id);
        return it == sessions.end() ? nullptr : it->second.get();
    }

    Room* findCanonicalRoom(std::string_view canonical) const {
        const auto it = rooms.find(canonical);
        return it == rooms.end() ? nullptr : it->second.get();
    }

    // Clients usually send the canonical name, found without allocating; any
    // other spelling is validated and canonicalised. `invalid` reports a name
    // that breaks the room rules.
    Room* lookupRoom(std::string_view name, std::optional<protocol::ProtocolError>& invalid) const {
        if (Room* room = findCanonicalRoom(name)) {
            return room;
        }
        invalid = protocol::checkRoom(name);
        if (invalid) {
            return nullptr;
        }
        return findCanonicalRoom(protocol::canonicalRoom(name));
    }

    static std::size_t findSlot(const Session& s, const Room* room) {
        for (std::size_t i = 0; i < s.rooms.size(); ++i) {
            if (s.rooms[i].room == room) {
                return i;
            }
        }
        return std::string::npos;
    }

    std::string describe(const Session& s) const {
        std::string text = "session " + std::to_string(s.id) + " (" + s.peer;
        if (!s.nick.empty()) {
            text += ", " + s.nick;
        }
        return text + ")";
    }

    // --- output --------------------------------------------------------------
    // Defined here, not in HubOutput.cpp: broadcast()'s loop runs once per
    // delivery, and it must compile, with admit(), queued() and
    // OutboundQueue's inline append, into each file that sends to a room.

    // Output is queued for every session not about to close. Nobody is
    // refused for a queue's size here: the output budget pauses input, and
    // the timer scan judges who is slow (HubFlowControl.cpp).
    static bool acceptsOutput(const Session& s) { return !s.doomed; }

    void queued(Session& s, std::size_t bytes) {
        stats.bytesQueued += bytes;
        s.active = true;
        if (!s.writable) {
            s.writable = true;
            writable.push_back(s.id);
        }
    }

    // Copies whole frames into one session's queue.
    bool enqueue(Session& s, std::string_view bytes) {
        if (!acceptsOutput(s)) {
            return false;
        }
        s.out.append(bytes, now);
        queued(s, bytes.size());
        return true;
    }

    void send(Session& s, const v1::Envelope& envelope) {
        frame.clear();
        codec::appendFrame(envelope, frame);
        enqueue(s, frame);
    }

    // Copies `bytes` to the end of the room's block; returns their offset.
    std::size_t appendToBlock(Room& room, std::string_view bytes) {
        FrameBlock* block = room.block.get();
        if (block != nullptr && block->use_count() == 1) {
            block->clear();  // every member wrote what it held: start over, no allocation
        }
        if (block == nullptr || block->available() < bytes.size()) {
            // Queues keep the full block alive as long as they reference it.
            if (block == nullptr) {
                blockRooms.push_back(&room);
            }
            room.block = FrameBlockPtr(
                new FrameBlock(FrameBlock::nextCapacity(block, bytes.size()), &memory));
        }
        room.blockUsed = true;
        return room.block->append(bytes);
    }

    // One copy of the frame, in the room's block; each member references it.
    std::size_t broadcast(Room& room, std::string_view bytes) {
        if (room.members.empty() || bytes.empty()) {
            return 0;
        }
        const std::size_t offset = appendToBlock(room, bytes);
        const FrameBlockPtr& block = room.block;
        std::size_t delivered = 0;
        for (const Room::Member& member : room.members) {
            Session& s = *member.session;
            if (!acceptsOutput(s)) {
                continue;
            }
            s.out.append(block, offset, bytes.size(), now);
            queued(s, bytes.size());
            ++delivered;
        }
        return delivered;
    }

    // Everything that goes to a room's members goes through here: while a
    // message waits for the store, later frames wait behind it.
    void roomBroadcast(Room& room, std::string_view bytes) {
        if (room.held.empty()) {
            broadcast(room, bytes);
            return;
        }
        room.held.push_back(Room::Held{0, std::string(bytes)});
    }

    void holdMessage(Room& room, std::uint64_t seq, std::string_view bytes) {
        room.held.push_back(Room::Held{seq, std::string(bytes)});
        ++heldMessages;
        if (!room.holding) {
            room.holding = true;
            holdingRooms.push_back(&room);
        }
    }

    // --- HubOpening.cpp: new connections -------------------------------------

    SessionId open(std::string peer);

    // --- HubInput.cpp: decoding, rate limit, dispatch ------------------------

    void receive(Session& s, std::string_view bytes);
    void rejectPayload(Session& s, std::string_view payload);
    void decodeFailed(Session& s);
    void admit(Session& s, v1::Envelope& envelope);
    void drainWaiting(Session& s);
    void dispatch(Session& s, const v1::Envelope& envelope);

    // --- HubIdentity.cpp: Hello, SetNick, Bye --------------------------------

    void onHello(Session& s, const v1::Hello& hello);
    void onSetNick(Session& s, const v1::SetNick& request);
    void onBye(Session& s, const v1::Bye& bye);

    // --- HubRooms.cpp: rooms -------------------------------------------------

    void restoreRooms();
    void onJoin(Session& s, const v1::Join& join);
    void sendMemberList(Session& s, const Room& room);
    void fillTopic(const Room& room, v1::Envelope& envelope);
    void sendTopic(Session& s, const Room& room);
    void onLeave(Session& s, const v1::Leave& leave);
    void onWho(Session& s, const v1::Who& who);
    void onTopic(Session& s, const v1::Topic& topic);
    void onRoomList(Session& s);

    // --- HubChat.cpp: Say and PrivateMessage ---------------------------------

    void onSay(Session& s, const v1::Say& say);
    void refuseStoreBehind(Session& s, Room& room, const v1::Say& say);
    void serializeChat();
    void onPrivateMessage(Session& s, const v1::PrivateMessage& pm);

    // --- HubHistory.cpp: history, search, and held messages ------------------

    void releaseHeld(Room& room, std::uint64_t committed);
    void storeCommitted();
    std::size_t pageBudget(const Room& room) const;
    // The room a History or Search names, or nullptr once `s` got the error.
    Room* existingRoom(Session& s, const std::string& name);
    // Messages in one page: what the client asked for (0: the most), capped.
    std::size_t pageLimit(std::uint32_t requested) const;
    void sendBacklog(Session& s, const Room& room);
    void onHistory(Session& s, const v1::HistoryRequest& request);
    void onSearch(Session& s, const v1::SearchRequest& request);

    // --- HubStatsRequest.cpp: StatsRequest -----------------------------------

    void onStats(Session& s);

    // --- HubMembership.cpp: membership and presence --------------------------

    static void addMember(Session& s, Room& room);
    static void removeMembership(Session& s, std::size_t slot);
    void queuePresence(Room& room, v1::PresenceKind kind, std::string_view reason,
                       std::string_view nick);
    void fillPending(const Room& room, v1::Envelope& envelope);
    void flushPresence(Room& room);
    void flushAll(bool force = false);
    TimePoint nextPresenceDue(TimePoint fallback) const;
    void sendPresence(Session& s, std::string_view room, v1::PresenceKind kind,
                      std::string_view nick, std::string_view newNick, std::string_view reason);

    // --- HubOutput.cpp: Error replies and frames; handing output to the edge ---

    void sendError(Session& s, v1::ErrorCode code, std::string_view text,
                   std::string_view room = {}, std::uint64_t clientMsgId = 0);
    static std::string errorFrame(v1::ErrorCode code, std::string_view text);
    void takeReady(std::vector<SessionId>& writableOut, std::vector<Closing>& closingOut);

    // --- HubFlowControl.cpp: the output budget and slow members -------------

    // Output memory at which input pauses: the budget less what handling one
    // more frame may add (a block, a page, a member list), so the budget is
    // never passed.
    std::size_t pauseMark() const;
    // Output memory at which input resumes.
    std::size_t resumeMark() const;
    // False while input is paused; pauses it first if memory is at the mark.
    bool takingInput();
    // `s` has bytes or waiting frames left undecoded: decoded on resume.
    void holdInput(Session& s);
    void pauseInput();
    void resumeIfDrained();
    void resumeInput();
    void decodeHeldInput();
    // The scan's judgement of one session's output: stalled, or far behind.
    void judgeOutput(Session& s);
    std::size_t typicalQueue(const Session& s);
    // Each room's member queue sizes, sorted, for judgeOutput; cleared by
    // every scan.
    std::unordered_map<const Room*, std::vector<std::size_t>> scanQueues;

    // --- HubClosing.cpp: ending sessions -------------------------------------

    void doom(Session& s, std::string reasonKey, std::string quitReason);
    void fatal(Session& s, v1::ErrorCode code, const std::string& text, std::string reasonKey,
               std::string quitReason);
    void slowConsumer(Session& s, std::string reasonKey, const std::string& text);
    void finish(Session& s, const std::string& reasonKey, const std::string& quitReason,
                bool toEdge);
    void processDoomed();
    void shutdown(std::string_view reason);

    // --- HubTimers.cpp: timers -----------------------------------------------

    void scan();
    void updateRates();
    TimePoint tick();

    // --- HubWhois.cpp, HubAway.cpp: whois and away ---------------------------

    void noteSignOn(Session& s, const v1::Hello& hello);
    // The welcomed, not doomed session holding `nick` (any case), or nullptr.
    Session* findNick(std::string_view nick) const;
    void onWhois(Session& s, const v1::WhoisRequest& request);
    void onSetAway(Session& s, const v1::SetAway& request);
    // Tells `sender`, whose private message went to `target`, that target is away.
    void sendAwayReply(Session& sender, const Session& target);
};

}  // namespace hermes::hub

#include "hermes/hub/Hub.hpp"

#include <algorithm>
#include <cmath>
#include <optional>
#include <unordered_map>
#include <utility>

#include <google/protobuf/unknown_field_set.h>

#include <Poco/Logger.h>

#include "hermes/codec/FrameDecoder.hpp"
#include "hermes/codec/FrameEncoder.hpp"
#include "hermes/hub/FrameBlock.hpp"
#include "hermes/hub/HistoryStore.hpp"
#include "hermes/hub/MemoryHistory.hpp"
#include "hermes/hub/Room.hpp"
#include "hermes/hub/Session.hpp"
#include "hermes/protocol/Limits.hpp"
#include "hermes/protocol/Validation.hpp"

namespace hermes::hub {

std::int64_t systemWallClockMs() {
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

namespace {

// Timer checks (handshake, ping, write stall, buffer release) scan every
// session, so they run at most this often: a scan of 5,000 sessions costs
// tens of microseconds, and a session quiet for one interval gives its
// buffers back soon after a burst (a join storm) ends.
constexpr auto kScanInterval = std::chrono::milliseconds(250);

// Waiting frames are kept in a vector read from a head index; the consumed
// front is erased once it is this long and at least half the vector.
constexpr std::size_t kWaitingCompactAt = 16;

struct NameHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view name) const {
        return std::hash<std::string_view>{}(name);
    }
};

std::string bodyName(const v1::Envelope& envelope) {
    if (envelope.body_case() == v1::Envelope::BODY_NOT_SET) {
        return "an empty or unknown message type";
    }
    const auto* field =
        v1::Envelope::descriptor()->FindFieldByNumber(static_cast<int>(envelope.body_case()));
    return field == nullptr ? "an unknown message type" : field->name();
}

}  // namespace

struct Hub::Impl {
    Impl(Hub& owner, std::unique_ptr<HistoryStore> store, WallClock clock)
        : hub(owner),
          config(owner.config_),
          stats(owner.stats_),
          registry(owner.registry_),
          history(store ? std::move(store)
                        : std::make_unique<MemoryHistory>(owner.config_.historySize)),
          wallClock(clock ? std::move(clock) : WallClock(systemWallClockMs)),
          log(Poco::Logger::get("hermes.hub")),
          durable(!history->synchronous()) {
        restoreRooms();
    }

    // A restarted hub knows the store's rooms: seqs continue after the
    // newest stored one (never reused), topics are kept.
    void restoreRooms() {
        for (StoredRoom& stored : history->rooms()) {
            auto room = std::make_unique<Room>();
            room->name = stored.name;
            room->nextSeq = stored.lastSeq + 1;
            room->sentSeq = stored.lastSeq;
            room->topic = std::move(stored.topic);
            room->topicSetBy = std::move(stored.topicSetBy);
            room->topicTimeMs = stored.topicTimeMs;
            rooms.emplace(std::move(stored.name), std::move(room));
        }
        stats.rooms = rooms.size();
    }

    Hub& hub;
    const HubConfig& config;
    HubStats& stats;
    Registry& registry;
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

    // Scratch reused on every frame so the hot path does not allocate.
    v1::Envelope in;
    v1::Envelope out;
    v1::ChatMessage chat;
    std::string frame;

    // --- time -----------------------------------------------------------------

    void setNow(TimePoint t) {
        now = t;
        if (!started) {
            started = true;
            startedAt = t;
            rateAt = t;
            nextScan = t;
        }
    }

    // --- lookups --------------------------------------------------------------

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

    // --- output ---------------------------------------------------------------

    // Whether `bytes` more may be queued for `s`. A queue that would pass its
    // bound closes the session as a slow consumer instead (deferred).
    bool admit(Session& s, std::size_t bytes) {
        if (s.doomed) {
            return false;
        }
        if (s.out.size() + bytes > config.outboundQueueBytes) {
            slowConsumer(s, "slow_consumer",
                         "outbound queue would pass " + std::to_string(config.outboundQueueBytes) +
                             " bytes; read faster");
            return false;
        }
        return true;
    }

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
        if (!admit(s, bytes.size())) {
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
            room.block =
                FrameBlockPtr(new FrameBlock(FrameBlock::nextCapacity(block, bytes.size())));
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
            if (!admit(s, bytes.size())) {
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

    // Sends the held frames whose messages are committed (and what waits
    // behind them); stops at the first message still uncommitted.
    void releaseHeld(Room& room, std::uint64_t committed) {
        while (!room.held.empty()) {
            Room::Held& front = room.held.front();
            if (front.seq != 0) {
                if (front.seq > committed) {
                    return;
                }
                stats.deliveries += broadcast(room, front.frame);
                room.sentSeq = front.seq;
                --heldMessages;
            } else {
                broadcast(room, front.frame);
            }
            room.held.pop_front();
        }
    }

    void storeCommitted() {
        std::size_t kept = 0;
        for (Room* room : holdingRooms) {
            releaseHeld(*room, history->committedSeq(room->name));
            if (room->held.empty()) {
                room->holding = false;
            } else {
                holdingRooms[kept++] = room;
            }
        }
        holdingRooms.resize(kept);
        if (storeBehind && heldMessages <= config.maxHeldMessages / 2) {
            storeBehind = false;
            log.warning("history store caught up: " + std::to_string(heldMessages) +
                        " messages wait for their commit; taking new messages again");
        }
        processDoomed();
    }

    void sendError(Session& s, v1::ErrorCode code, std::string_view text,
                   std::string_view room = {}, std::uint64_t clientMsgId = 0) {
        if (log.debug()) {
            log.debug(describe(s) + ": " + std::string(protocol::errorCodeName(code)) + ": " +
                      std::string(text));
        }
        out.Clear();
        auto* error = out.mutable_error();
        error->set_code(code);
        error->set_text(std::string(text));
        error->set_room(std::string(room));
        error->set_client_msg_id(clientMsgId);
        send(s, out);
    }

    static std::string errorFrame(v1::ErrorCode code, std::string_view text) {
        v1::Envelope envelope;
        auto* error = envelope.mutable_error();
        error->set_code(code);
        error->set_text(std::string(text));
        error->set_fatal(true);
        return codec::encodeFrame(envelope);
    }

    // --- closing --------------------------------------------------------------

    void doom(Session& s, std::string reasonKey, std::string quitReason) {
        s.doomed = true;
        s.closeReason = std::move(reasonKey);
        s.quitReason = std::move(quitReason);
        doomed.push_back(&s);
    }

    // A fatal error: the Error frame follows whatever is queued, then the close.
    void fatal(Session& s, v1::ErrorCode code, const std::string& text, std::string reasonKey,
               std::string quitReason) {
        if (s.doomed) {
            return;
        }
        const std::string bytes = errorFrame(code, text);
        s.out.append(bytes, now);
        stats.bytesQueued += bytes.size();
        s.closeDetail = text;
        doom(s, std::move(reasonKey), std::move(quitReason));
    }

    // The peer does not read: what it has not started to receive is dropped
    // and only the Error frame remains.
    void slowConsumer(Session& s, std::string reasonKey, const std::string& text) {
        if (s.doomed) {
            return;
        }
        stats.bytesQueued -= s.out.dropUnsent();
        const std::string bytes = errorFrame(v1::ERROR_CODE_SLOW_CONSUMER, text);
        s.out.append(bytes, now);
        s.closeDetail = text;
        stats.bytesQueued += bytes.size();
        std::string quit = reasonKey == "write_stall" ? "write stall" : "slow consumer";
        doom(s, std::move(reasonKey), std::move(quit));
    }

    // Forgets a session: QUIT presence to its rooms, nick released, and (for
    // closes the hub decided) a Closing entry with its last bytes.
    void finish(Session& s, const std::string& reasonKey, const std::string& quitReason,
                bool toEdge) {
        ++stats.disconnects[reasonKey];
        const std::string& detail = s.closeDetail.empty() ? quitReason : s.closeDetail;
        log.information(describe(s) + " closed: " + reasonKey +
                        (detail.empty() ? std::string() : " (" + detail + ")"));
        while (!s.rooms.empty()) {
            Room& room = *s.rooms.back().room;
            removeMembership(s, s.rooms.size() - 1);
            queuePresence(room, v1::PRESENCE_KIND_QUIT, quitReason, s.nick);
        }
        if (s.welcomed) {
            registry.release(s.nick, s.id);
            --stats.clients;
        }
        --stats.connections;
        stats.bytesQueued -= s.out.size();
        if (toEdge) {
            closing.push_back(Closing{s.id, s.out.take(), reasonKey});
        }
        const SessionId id = s.id;  // erase() must not read a key owned by the node it frees
        sessions.erase(id);         // destroys s
    }

    void processDoomed() {
        while (!doomed.empty()) {
            Session* s = doomed.back();
            doomed.pop_back();
            // Copies: finish() destroys the session that owns the strings.
            const std::string key = s->closeReason;
            const std::string quit = s->quitReason;
            finish(*s, key, quit, true);
        }
    }

    // --- membership and presence ----------------------------------------------

    static void addMember(Session& s, Room& room) {
        room.members.push_back(Room::Member{&s, static_cast<std::uint32_t>(s.rooms.size())});
        s.rooms.push_back(
            Session::Membership{&room, static_cast<std::uint32_t>(room.members.size() - 1)});
    }

    static void removeMembership(Session& s, std::size_t slot) {
        Room& room = *s.rooms[slot].room;
        const std::size_t index = s.rooms[slot].index;
        const std::size_t lastMember = room.members.size() - 1;
        if (index != lastMember) {
            room.members[index] = room.members[lastMember];
            const Room::Member& moved = room.members[index];
            moved.session->rooms[moved.slot].index = static_cast<std::uint32_t>(index);
        }
        room.members.pop_back();
        const std::size_t lastSlot = s.rooms.size() - 1;
        if (slot != lastSlot) {
            s.rooms[slot] = s.rooms[lastSlot];
            const Session::Membership& moved = s.rooms[slot];
            moved.room->members[moved.index].slot = static_cast<std::uint32_t>(slot);
        }
        s.rooms.pop_back();
    }

    void queuePresence(Room& room, v1::PresenceKind kind, std::string_view reason,
                       std::string_view nick) {
        if (!room.pending.accepts(kind, reason)) {
            flushPresence(room);
        }
        if (room.pending.empty()) {
            room.pending.kind = kind;
            room.pending.reason.assign(reason);
            const bool large = room.members.size() >= config.presenceCoalesceMembers;
            room.presenceDue = large ? now + config.presenceCoalesceDelay : now;
        }
        room.pending.nicks.emplace_back(nick);
        if (!room.dirty) {
            room.dirty = true;
            dirtyRooms.push_back(&room);
        }
    }

    void fillPending(const Room& room, v1::Envelope& envelope) {
        envelope.Clear();
        auto* presence = envelope.mutable_presence();
        presence->set_room(room.name);
        presence->set_kind(room.pending.kind);
        for (const std::string& nick : room.pending.nicks) {
            presence->add_nicks(nick);
        }
        presence->set_reason(room.pending.reason);
        presence->set_time_ms(wallClock());
    }

    // Sends the room's pending presence to its members now; called before
    // anything else goes to the room so events keep their order.
    void flushPresence(Room& room) {
        room.dirty = false;
        if (room.pending.empty()) {
            return;
        }
        fillPending(room, out);
        room.pending.clear();
        frame.clear();
        codec::appendFrame(out, frame);
        roomBroadcast(room, frame);
    }

    // Sends pending presence; a large room's waits until its presenceDue
    // unless `force` (anything else sent to the room flushes it first).
    void flushAll(bool force = false) {
        do {
            processDoomed();
            flushingRooms.swap(dirtyRooms);
            for (Room* room : flushingRooms) {
                if (!room->dirty) {
                    continue;  // flushed already, by traffic to the room
                }
                if (!force && !room->pending.empty() && room->presenceDue > now) {
                    deferredRooms.push_back(room);
                    continue;
                }
                flushPresence(*room);
            }
            flushingRooms.clear();
        } while (!dirtyRooms.empty() || !doomed.empty());
        dirtyRooms.swap(deferredRooms);
    }

    // The soonest presenceDue of a room still holding presence back.
    TimePoint nextPresenceDue(TimePoint fallback) const {
        TimePoint due = fallback;
        for (const Room* room : dirtyRooms) {
            if (room->dirty && !room->pending.empty()) {
                due = std::min(due, room->presenceDue);
            }
        }
        return due;
    }

    void sendPresence(Session& s, std::string_view room, v1::PresenceKind kind,
                      std::string_view nick, std::string_view newNick, std::string_view reason) {
        out.Clear();
        auto* presence = out.mutable_presence();
        presence->set_room(std::string(room));
        presence->set_kind(kind);
        presence->add_nicks(std::string(nick));
        presence->set_new_nick(std::string(newNick));
        presence->set_reason(std::string(reason));
        presence->set_time_ms(wallClock());
        send(s, out);
    }

    // --- input ----------------------------------------------------------------

    void receive(Session& s, std::string_view bytes) {
        s.active = true;
        s.decoder.feed(bytes);
        drainWaiting(s);
        std::string_view payload;
        while (!s.doomed) {
            if (!s.decoder.nextPayload(payload)) {
                if (s.decoder.failed()) {
                    decodeFailed(s);
                }
                break;
            }
            s.lastHeard = now;
            s.pingOutstanding = false;
            if (!codec::parseEnvelope(payload, in)) {
                rejectPayload(s, payload);
                continue;
            }
            admit(s, in);
        }
    }

    // The frame's length was sound but its payload is no Envelope. If it is
    // still protobuf wire format, a string field was not UTF-8 (proto3
    // refuses those while parsing): the stream is intact, so the client gets
    // INVALID_TEXT like any other bad text and stays. Anything else is
    // garbage and closes the connection.
    void rejectPayload(Session& s, std::string_view payload) {
        google::protobuf::UnknownFieldSet fields;
        if (payload.size() > static_cast<std::size_t>(INT32_MAX) ||
            !fields.ParseFromArray(payload.data(), static_cast<int>(payload.size()))) {
            fatal(s, v1::ERROR_CODE_BAD_FRAME,
                  std::string(codec::describe(codec::DecodeError::BadPayload)), "bad_frame",
                  "bad frame");
            return;
        }
        // Point the error at the Say or PrivateMessage it answers, if it is one.
        std::uint64_t clientMsgId = 0;
        std::string room;
        for (int i = 0; i < fields.field_count(); ++i) {
            const auto& field = fields.field(i);
            const bool textMessage = field.number() == v1::Envelope::kSayFieldNumber ||
                                     field.number() == v1::Envelope::kPrivateMessageFieldNumber;
            google::protobuf::UnknownFieldSet inner;
            if (!textMessage ||
                field.type() != google::protobuf::UnknownField::TYPE_LENGTH_DELIMITED ||
                !inner.ParseFromString(field.length_delimited())) {
                continue;
            }
            for (int k = 0; k < inner.field_count(); ++k) {
                const auto& part = inner.field(k);
                if (part.number() == 2 &&
                    part.type() == google::protobuf::UnknownField::TYPE_VARINT) {
                    clientMsgId = part.varint();
                } else if (part.number() == 1 &&
                           part.type() == google::protobuf::UnknownField::TYPE_LENGTH_DELIMITED &&
                           protocol::isValidUtf8(part.length_delimited())) {
                    room = part.length_delimited();
                }
            }
        }
        sendError(s, v1::ERROR_CODE_INVALID_TEXT, "frame ignored: a text in it is not valid UTF-8",
                  room, clientMsgId);
    }

    void decodeFailed(Session& s) {
        const codec::DecodeError error = s.decoder.error();
        if (error == codec::DecodeError::FrameTooLarge) {
            fatal(s, v1::ERROR_CODE_FRAME_TOO_LARGE,
                  "frame of " + std::to_string(s.decoder.claimedLength()) + " bytes; the most is " +
                      std::to_string(s.decoder.maxFrameBytes()),
                  "frame_too_large", "frame too large");
            return;
        }
        fatal(s, v1::ERROR_CODE_BAD_FRAME, std::string(codec::describe(error)), "bad_frame",
              "bad frame");
    }

    // Rate limit: a frame runs now if nothing waits and a token is free;
    // otherwise it waits its turn, and too many waiting is a flood.
    void admit(Session& s, v1::Envelope& envelope) {
        const auto body = envelope.body_case();
        if (s.welcomed && (body == v1::Envelope::kPing || body == v1::Envelope::kPong)) {
            dispatch(s, envelope);  // liveness never waits and costs no token
            return;
        }
        if (s.waitingCount() == 0 && s.bucket.tryTake(now)) {
            dispatch(s, envelope);
            return;
        }
        if (s.waitingCount() >= config.floodBacklog) {
            fatal(s, v1::ERROR_CODE_FLOOD,
                  "more than " + std::to_string(config.floodBacklog) +
                      " frames waiting for the rate limit of " +
                      std::to_string(config.ratePerSecond) + "/s",
                  "flood", "flood");
            return;
        }
        if (s.waitingHead >= kWaitingCompactAt && s.waitingHead * 2 >= s.waiting.size()) {
            s.waiting.erase(s.waiting.begin(),
                            s.waiting.begin() + static_cast<std::ptrdiff_t>(s.waitingHead));
            s.waitingHead = 0;
        }
        s.waiting.push_back(std::move(envelope));
        if (!s.throttled) {
            s.throttled = true;
            throttled.push_back(s.id);
        }
    }

    void drainWaiting(Session& s) {
        while (!s.doomed && s.waitingCount() > 0 && s.bucket.tryTake(now)) {
            v1::Envelope envelope = std::move(s.waiting[s.waitingHead++]);
            dispatch(s, envelope);
        }
        if (s.waitingCount() == 0) {
            s.waiting.clear();
            s.waitingHead = 0;
        }
    }

    void dispatch(Session& s, const v1::Envelope& envelope) {
        ++stats.messagesIn;
        if (!s.welcomed) {
            if (envelope.body_case() == v1::Envelope::kHello) {
                onHello(s, envelope.hello());
            } else {
                fatal(s, v1::ERROR_CODE_HANDSHAKE_REQUIRED,
                      "send Hello first; got " + bodyName(envelope), "handshake_required",
                      "handshake required");
            }
            return;
        }
        switch (envelope.body_case()) {
            case v1::Envelope::kHello:
                sendError(s, v1::ERROR_CODE_ALREADY_WELCOMED,
                          "already welcomed as " + s.nick + "; use SetNick to change nick");
                return;
            case v1::Envelope::kJoin:
                onJoin(s, envelope.join());
                return;
            case v1::Envelope::kLeave:
                onLeave(s, envelope.leave());
                return;
            case v1::Envelope::kSay:
                onSay(s, envelope.say());
                return;
            case v1::Envelope::kPrivateMessage:
                onPrivateMessage(s, envelope.private_message());
                return;
            case v1::Envelope::kWho:
                onWho(s, envelope.who());
                return;
            case v1::Envelope::kTopic:
                onTopic(s, envelope.topic());
                return;
            case v1::Envelope::kRoomListRequest:
                onRoomList(s);
                return;
            case v1::Envelope::kHistoryRequest:
                onHistory(s, envelope.history_request());
                return;
            case v1::Envelope::kSearchRequest:
                onSearch(s, envelope.search_request());
                return;
            case v1::Envelope::kPing: {
                out.Clear();
                out.mutable_pong()->set_nonce(envelope.ping().nonce());
                send(s, out);
                return;
            }
            case v1::Envelope::kPong:
                return;  // life was already recorded when the frame arrived
            case v1::Envelope::kBye:
                onBye(s, envelope.bye());
                return;
            case v1::Envelope::kStatsRequest:
                onStats(s);
                return;
            case v1::Envelope::kSetNick:
                onSetNick(s, envelope.set_nick());
                return;
            default:
                sendError(s, v1::ERROR_CODE_UNSUPPORTED,
                          "the hub does not accept " + bodyName(envelope) + " from clients");
                return;
        }
    }

    // --- handlers -------------------------------------------------------------

    void onHello(Session& s, const v1::Hello& hello) {
        if (hello.protocol_version() != protocol::kProtocolVersion) {
            fatal(s, v1::ERROR_CODE_PROTOCOL_VERSION,
                  "this hub speaks protocol version " + std::to_string(protocol::kProtocolVersion) +
                      "; Hello asked for " + std::to_string(hello.protocol_version()),
                  "protocol_version", "protocol version");
            return;
        }
        if (auto error = protocol::checkNick(hello.nick())) {
            sendError(s, v1::ERROR_CODE_INVALID_NICK, error->text);
            return;
        }
        if (!registry.reserve(hello.nick(), s.id)) {
            sendError(s, v1::ERROR_CODE_NICK_TAKEN,
                      "nick " + hello.nick() + " is taken; choose another");
            return;
        }
        s.nick = hello.nick();
        s.welcomed = true;
        s.decoder.setMaxFrameBytes(config.maxFrameBytes);
        ++stats.clients;
        log.information(describe(s) + " welcomed (client \"" + hello.client_name().substr(0, 64) +
                        "\")");

        out.Clear();
        auto* welcome = out.mutable_welcome();
        welcome->set_session_id(s.id);
        welcome->set_nick(s.nick);
        welcome->set_server_name(config.serverName);
        welcome->set_motd(config.motd);
        welcome->set_epoch(hub.epoch_);
        welcome->set_durable_history(history->persistent());
        auto* limits = welcome->mutable_limits();
        limits->set_max_frame_bytes(static_cast<std::uint32_t>(config.maxFrameBytes));
        limits->set_max_text_bytes(static_cast<std::uint32_t>(config.maxTextBytes));
        limits->set_rate_per_second(
            static_cast<std::uint32_t>(std::lround(std::max(0.0, config.ratePerSecond))));
        limits->set_rate_burst(
            static_cast<std::uint32_t>(std::lround(std::max(0.0, config.rateBurst))));
        limits->set_max_nick_bytes(static_cast<std::uint32_t>(protocol::kMaxNickBytes));
        limits->set_max_room_bytes(static_cast<std::uint32_t>(protocol::kMaxRoomBytes));
        limits->set_history_page_max(static_cast<std::uint32_t>(config.historyPageMax));
        limits->set_max_rooms_per_client(static_cast<std::uint32_t>(config.maxRoomsPerClient));
        limits->set_ping_interval_ms(static_cast<std::uint32_t>(config.pingInterval.count()));
        send(s, out);

        if (!config.defaultRoom.empty()) {
            v1::Join join;
            join.set_room(config.defaultRoom);
            onJoin(s, join);
        }
    }

    void onJoin(Session& s, const v1::Join& join) {
        if (auto error = protocol::checkRoom(join.room())) {
            sendError(s, v1::ERROR_CODE_INVALID_ROOM, error->text, join.room());
            return;
        }
        std::string name = protocol::canonicalRoom(join.room());
        Room* room = findCanonicalRoom(name);
        const bool member = room != nullptr && findSlot(s, room) != std::string::npos;
        if (!member) {
            if (s.rooms.size() >= config.maxRoomsPerClient) {
                sendError(s, v1::ERROR_CODE_TOO_MANY_ROOMS,
                          "already in " + std::to_string(s.rooms.size()) + " rooms; the most is " +
                              std::to_string(config.maxRoomsPerClient),
                          name);
                return;
            }
            if (room == nullptr) {
                auto created = std::make_unique<Room>();
                created->name = name;
                created->nextSeq = history->lastSeq(name) + 1;
                created->sentSeq = created->nextSeq - 1;
                room = created.get();
                rooms.emplace(std::move(name), std::move(created));
                stats.rooms = rooms.size();
            }
            // Before the joiner is a member, so an earlier batch of another
            // kind goes out without it.
            queuePresence(*room, v1::PRESENCE_KIND_JOINED, {}, s.nick);
            addMember(s, *room);
        }
        sendMemberList(s, *room);
        if (!room->topic.empty()) {
            sendTopic(s, *room);
        }
        if (!join.skip_backlog()) {
            sendBacklog(s, *room);
        }
    }

    void sendMemberList(Session& s, const Room& room) {
        out.Clear();
        auto* list = out.mutable_members();
        list->set_room(room.name);
        for (const Room::Member& member : room.members) {
            list->add_nicks(member.session->nick);
        }
        send(s, out);
    }

    void fillTopic(const Room& room, v1::Envelope& envelope) {
        envelope.Clear();
        auto* topic = envelope.mutable_topic();
        topic->set_room(room.name);
        topic->set_text(room.topic);
        topic->set_set_by(room.topicSetBy);
        topic->set_time_ms(room.topicTimeMs);
    }

    void sendTopic(Session& s, const Room& room) {
        fillTopic(room, out);
        send(s, out);
    }

    // The page's frame must stay within max_frame_bytes, which the client
    // may enforce on what it receives: messages past the budget are left for
    // the next page.
    std::size_t pageBudget(const Room& room) const {
        constexpr std::size_t kPageOverhead = 64;  // header fields, gap, prefixes
        const std::size_t overhead = kPageOverhead + room.name.size();
        return config.maxFrameBytes > overhead ? config.maxFrameBytes - overhead : 0;
    }

    static std::size_t entrySize(const v1::ChatMessage& message) {
        constexpr std::size_t kEntryOverhead = 6;  // field tag and length prefix
        return message.ByteSizeLong() + kEntryOverhead;
    }

    void sendBacklog(Session& s, const Room& room) {
        if (config.joinBacklog == 0) {
            return;
        }
        std::vector<v1::ChatMessage> messages = history->tail(room.name, config.joinBacklog);
        while (!messages.empty() && messages.back().seq() > room.sentSeq) {
            messages.pop_back();  // still waiting for the store: comes live
        }
        if (messages.empty()) {
            return;
        }
        // Keep the newest that fit.
        const std::size_t budget = pageBudget(room);
        std::size_t used = 0;
        std::size_t first = messages.size();
        while (first > 0) {
            const std::size_t size = entrySize(messages[first - 1]);
            if (used + size > budget && first < messages.size()) {
                break;
            }
            used += size;
            --first;
        }
        out.Clear();
        auto* page = out.mutable_history_page();
        page->set_room(room.name);
        page->set_epoch(hub.epoch_);
        page->set_backlog(true);
        page->set_head_seq(room.sentSeq);
        for (std::size_t i = first; i < messages.size(); ++i) {
            *page->add_messages() = std::move(messages[i]);
        }
        send(s, out);
    }

    void onLeave(Session& s, const v1::Leave& leave) {
        std::optional<protocol::ProtocolError> invalid;
        Room* room = lookupRoom(leave.room(), invalid);
        if (invalid) {
            sendError(s, v1::ERROR_CODE_INVALID_ROOM, invalid->text, leave.room());
            return;
        }
        const std::size_t slot = room == nullptr ? std::string::npos : findSlot(s, room);
        if (slot == std::string::npos) {
            sendError(s, v1::ERROR_CODE_NOT_IN_ROOM, "you are not in room " + leave.room(),
                      leave.room());
            return;
        }
        if (auto error =
                protocol::checkOptionalText(leave.reason(), protocol::kMaxReasonBytes, "reason")) {
            sendError(s, v1::ERROR_CODE_INVALID_TEXT, error->text, room->name);
            return;
        }
        // The leaver sees what happened before it left, then its own leaving;
        // the others get it coalesced with the rest of this turn.
        if (!room->pending.empty()) {
            fillPending(*room, out);
            send(s, out);
        }
        sendPresence(s, room->name, v1::PRESENCE_KIND_LEFT, s.nick, {}, leave.reason());
        removeMembership(s, slot);
        queuePresence(*room, v1::PRESENCE_KIND_LEFT, leave.reason(), s.nick);
    }

    // The hot path: validate, stamp, serialize once, append the same bytes to
    // every member.
    void onSay(Session& s, const v1::Say& say) {
        std::optional<protocol::ProtocolError> invalid;
        Room* room = lookupRoom(say.room(), invalid);
        if (invalid) {
            sendError(s, v1::ERROR_CODE_INVALID_ROOM, invalid->text, say.room(),
                      say.client_msg_id());
            return;
        }
        if (room == nullptr || findSlot(s, room) == std::string::npos) {
            sendError(s, v1::ERROR_CODE_NOT_IN_ROOM,
                      "you are not in room " + say.room() + "; join it first", say.room(),
                      say.client_msg_id());
            return;
        }
        if (say.kind() != v1::MESSAGE_KIND_TEXT && say.kind() != v1::MESSAGE_KIND_ACTION) {
            sendError(s, v1::ERROR_CODE_UNSUPPORTED,
                      "message kind " + std::to_string(say.kind()) +
                          " cannot be sent; use TEXT or ACTION",
                      room->name, say.client_msg_id());
            return;
        }
        if (auto error = protocol::checkText(say.text(), config.maxTextBytes, "message")) {
            sendError(s, v1::ERROR_CODE_INVALID_TEXT, error->text, room->name, say.client_msg_id());
            return;
        }
        if (durable && (storeBehind || heldMessages >= config.maxHeldMessages)) {
            refuseStoreBehind(s, *room, say);
            return;
        }
        flushPresence(*room);
        chat.set_room(room->name);
        chat.set_seq(room->nextSeq++);
        chat.set_epoch(hub.epoch_);
        chat.set_time_ms(wallClock());
        chat.set_from(s.nick);
        chat.set_client_msg_id(say.client_msg_id());
        chat.set_kind(say.kind());
        chat.set_text(say.text());
        chat.clear_to();
        serializeChat();
        history->append(chat);
        if (durable) {
            holdMessage(*room, chat.seq(), frame);
            return;
        }
        stats.deliveries += broadcast(*room, frame);
        room->sentSeq = chat.seq();
    }

    // The store is that far behind (a stalled disk): holding more would only
    // grow memory, and the sender would not see its echo for as long anyway.
    // Nothing is taken, so nothing is lost: the client may send it again.
    void refuseStoreBehind(Session& s, Room& room, const v1::Say& say) {
        ++stats.storeBehindRefusals;
        if (!storeBehind) {
            storeBehind = true;
            log.warning("history store is behind: " + std::to_string(heldMessages) +
                        " messages wait for their commit (history.max_held_messages = " +
                        std::to_string(config.maxHeldMessages) +
                        "); refusing new messages until it catches up");
        }
        sendError(s, v1::ERROR_CODE_STORE_BEHIND,
                  "the hub's history store is behind (slow disk); message not taken, send it "
                  "again in a moment",
                  room.name, say.client_msg_id());
    }

    // Frames `chat` into `frame` without copying it into the envelope.
    void serializeChat() {
        out.Clear();
        out.set_allocated_message(&chat);
        frame.clear();
        codec::appendFrame(out, frame);
        [[maybe_unused]] v1::ChatMessage* released = out.release_message();
    }

    void onPrivateMessage(Session& s, const v1::PrivateMessage& pm) {
        if (pm.kind() != v1::MESSAGE_KIND_TEXT && pm.kind() != v1::MESSAGE_KIND_ACTION) {
            sendError(
                s, v1::ERROR_CODE_UNSUPPORTED,
                "message kind " + std::to_string(pm.kind()) + " cannot be sent; use TEXT or ACTION",
                {}, pm.client_msg_id());
            return;
        }
        if (auto error = protocol::checkText(pm.text(), config.maxTextBytes, "message")) {
            sendError(s, v1::ERROR_CODE_INVALID_TEXT, error->text, {}, pm.client_msg_id());
            return;
        }
        Session* target = nullptr;
        if (!protocol::checkNick(pm.to())) {
            if (const auto id = registry.find(pm.to())) {
                target = findSession(*id);
            }
        }
        if (target == nullptr || !target->welcomed || target->doomed) {
            sendError(s, v1::ERROR_CODE_NO_SUCH_NICK, "no one is called " + pm.to(), {},
                      pm.client_msg_id());
            return;
        }
        chat.clear_room();
        chat.set_seq(0);
        chat.set_epoch(hub.epoch_);
        chat.set_time_ms(wallClock());
        chat.set_from(s.nick);
        chat.set_client_msg_id(pm.client_msg_id());
        chat.set_kind(pm.kind());
        chat.set_text(pm.text());
        chat.set_to(target->nick);
        serializeChat();
        std::size_t delivered = enqueue(*target, frame) ? 1 : 0;
        if (target != &s) {
            delivered += enqueue(s, frame) ? 1 : 0;
        }
        stats.deliveries += delivered;
    }

    void onWho(Session& s, const v1::Who& who) {
        std::optional<protocol::ProtocolError> invalid;
        Room* room = lookupRoom(who.room(), invalid);
        if (invalid) {
            sendError(s, v1::ERROR_CODE_INVALID_ROOM, invalid->text, who.room());
            return;
        }
        if (room == nullptr) {
            sendError(s, v1::ERROR_CODE_INVALID_ROOM, "there is no room " + who.room(), who.room());
            return;
        }
        sendMemberList(s, *room);
    }

    void onTopic(Session& s, const v1::Topic& topic) {
        std::optional<protocol::ProtocolError> invalid;
        Room* room = lookupRoom(topic.room(), invalid);
        if (invalid) {
            sendError(s, v1::ERROR_CODE_INVALID_ROOM, invalid->text, topic.room());
            return;
        }
        if (room == nullptr || findSlot(s, room) == std::string::npos) {
            sendError(s, v1::ERROR_CODE_NOT_IN_ROOM,
                      "you are not in room " + topic.room() + "; join it to set its topic",
                      topic.room());
            return;
        }
        if (auto error = protocol::checkOptionalText(topic.text(), config.maxTextBytes, "topic")) {
            sendError(s, v1::ERROR_CODE_INVALID_TEXT, error->text, room->name);
            return;
        }
        room->topic = topic.text();
        room->topicSetBy = s.nick;
        room->topicTimeMs = wallClock();
        history->setTopic(
            StoredRoom{room->name, 0, room->topic, room->topicSetBy, room->topicTimeMs});
        flushPresence(*room);
        fillTopic(*room, out);
        frame.clear();
        codec::appendFrame(out, frame);
        roomBroadcast(*room, frame);
    }

    void onRoomList(Session& s) {
        std::vector<const Room*> sorted;
        sorted.reserve(rooms.size());
        for (const auto& entry : rooms) {
            sorted.push_back(entry.second.get());
        }
        std::sort(sorted.begin(), sorted.end(),
                  [](const Room* a, const Room* b) { return a->name < b->name; });
        out.Clear();
        auto* list = out.mutable_room_list();
        for (const Room* room : sorted) {
            auto* info = list->add_rooms();
            info->set_name(room->name);
            info->set_members(static_cast<std::uint32_t>(room->members.size()));
            info->set_topic(room->topic);
        }
        send(s, out);
    }

    void onHistory(Session& s, const v1::HistoryRequest& request) {
        std::optional<protocol::ProtocolError> invalid;
        Room* room = lookupRoom(request.room(), invalid);
        if (invalid) {
            sendError(s, v1::ERROR_CODE_INVALID_ROOM, invalid->text, request.room());
            return;
        }
        if (room == nullptr) {
            sendError(s, v1::ERROR_CODE_INVALID_ROOM, "there is no room " + request.room(),
                      request.room());
            return;
        }
        const std::size_t pageMax = std::max<std::size_t>(config.historyPageMax, 1);
        const std::size_t limit =
            request.limit() == 0 ? pageMax : std::min<std::size_t>(request.limit(), pageMax);
        HistorySlice slice = history->after(room->name, request.after_seq(), limit);
        // Messages still waiting for the store come live, not here.
        while (!slice.messages.empty() && slice.messages.back().seq() > room->sentSeq) {
            slice.messages.pop_back();
            slice.hasMore = false;
        }

        out.Clear();
        auto* page = out.mutable_history_page();
        page->set_room(room->name);
        page->set_epoch(hub.epoch_);
        page->set_head_seq(room->sentSeq);
        if (slice.gap) {
            page->mutable_gap()->set_first_seq(slice.gap->first);
            page->mutable_gap()->set_last_seq(slice.gap->second);
        }
        bool more = slice.hasMore;
        const std::size_t budget = pageBudget(*room);
        std::size_t used = 0;
        for (auto& message : slice.messages) {
            const std::size_t size = entrySize(message);
            if (used + size > budget && page->messages_size() > 0) {
                more = true;  // the rest is one request away
                break;
            }
            used += size;
            *page->add_messages() = std::move(message);
        }
        page->set_has_more(more);
        send(s, out);
    }

    void onSearch(Session& s, const v1::SearchRequest& request) {
        std::optional<protocol::ProtocolError> invalid;
        Room* room = lookupRoom(request.room(), invalid);
        if (invalid) {
            sendError(s, v1::ERROR_CODE_INVALID_ROOM, invalid->text, request.room());
            return;
        }
        if (room == nullptr) {
            sendError(s, v1::ERROR_CODE_INVALID_ROOM, "there is no room " + request.room(),
                      request.room());
            return;
        }
        if (auto error =
                protocol::checkText(request.query(), config.maxTextBytes, "search query")) {
            sendError(s, v1::ERROR_CODE_INVALID_TEXT, error->text, room->name);
            return;
        }
        const std::size_t pageMax = std::max<std::size_t>(config.historyPageMax, 1);
        const std::size_t limit =
            request.limit() == 0 ? pageMax : std::min<std::size_t>(request.limit(), pageMax);
        // Only what was broadcast: a held message is not found before its echo.
        std::uint64_t before = room->sentSeq + 1;
        if (request.before_seq() != 0) {
            before = std::min(before, request.before_seq());
        }
        SearchHits hits = history->search(room->name, request.query(), limit, before);

        out.Clear();
        auto* results = out.mutable_search_results();
        results->set_room(room->name);
        results->set_query(request.query());
        bool more = hits.hasMore;
        const std::size_t budget = pageBudget(*room) > request.query().size()
                                       ? pageBudget(*room) - request.query().size()
                                       : 0;
        std::size_t used = 0;
        for (auto& message : hits.messages) {
            const std::size_t size = entrySize(message);
            if (used + size > budget && results->messages_size() > 0) {
                more = true;
                break;
            }
            used += size;
            *results->add_messages() = std::move(message);
        }
        results->set_has_more(more);
        send(s, out);
    }

    void onBye(Session& s, const v1::Bye& bye) {
        // The quit text is relayed to the rooms, so it obeys the text rules.
        std::string reason;
        if (!protocol::checkOptionalText(bye.text(), protocol::kMaxReasonBytes, "quit message")) {
            reason = bye.text();
        }
        doom(s, "client_quit", std::move(reason));
    }

    void onStats(Session& s) {
        out.Clear();
        auto* figures = out.mutable_stats();
        figures->set_clients(stats.clients);
        figures->set_rooms(stats.rooms);
        figures->set_messages_in_per_second(stats.messagesInPerSecond);
        figures->set_deliveries_per_second(stats.deliveriesPerSecond);
        figures->set_queued_bytes(stats.bytesQueued);
        figures->set_uptime_seconds(static_cast<std::uint64_t>(
            std::chrono::duration_cast<std::chrono::seconds>(now - startedAt).count()));
        figures->set_messages_in_total(stats.messagesIn);
        figures->set_deliveries_total(stats.deliveries);
        for (const auto& [reason, count] : stats.disconnects) {
            (*figures->mutable_disconnects())[reason] = count;
        }
        send(s, out);
    }

    void onSetNick(Session& s, const v1::SetNick& request) {
        const std::string& nick = request.nick();
        if (auto error = protocol::checkNick(nick)) {
            sendError(s, v1::ERROR_CODE_INVALID_NICK, error->text);
            return;
        }
        if (nick != s.nick && !registry.rename(s.id, s.nick, nick)) {
            sendError(s, v1::ERROR_CODE_NICK_TAKEN, "nick " + nick + " is taken; choose another");
            return;
        }
        const std::string old = s.nick;
        s.nick = nick;
        log.information(describe(s) + " changed nick from " + old);
        if (nick != old) {
            for (const Session::Membership& membership : s.rooms) {
                Room& room = *membership.room;
                flushPresence(room);
                out.Clear();
                auto* presence = out.mutable_presence();
                presence->set_room(room.name);
                presence->set_kind(v1::PRESENCE_KIND_NICK_CHANGED);
                presence->add_nicks(old);
                presence->set_new_nick(nick);
                presence->set_time_ms(wallClock());
                frame.clear();
                codec::appendFrame(out, frame);
                roomBroadcast(room, frame);
            }
        }
        sendPresence(s, {}, v1::PRESENCE_KIND_NICK_CHANGED, old, nick, {});
    }

    // --- timers ---------------------------------------------------------------

    void scan() {
        for (auto& entry : sessions) {
            Session& s = *entry.second;
            if (s.doomed) {
                continue;
            }
            if (!s.welcomed) {
                if (now - s.openedAt >= config.handshakeTimeout) {
                    fatal(s, v1::ERROR_CODE_HANDSHAKE_TIMEOUT,
                          "no successful Hello within " +
                              std::to_string(config.handshakeTimeout.count()) + " ms",
                          "handshake_timeout", "handshake timeout");
                    continue;
                }
            } else if (s.pingOutstanding) {
                if (now - s.pingSentAt >= config.pingTimeout) {
                    fatal(s, v1::ERROR_CODE_PING_TIMEOUT,
                          "no answer to Ping within " + std::to_string(config.pingTimeout.count()) +
                              " ms",
                          "ping_timeout", "ping timeout");
                    continue;
                }
            } else if (config.pingInterval.count() > 0 &&
                       now - s.lastHeard >= config.pingInterval) {
                out.Clear();
                out.mutable_ping()->set_nonce(++pingNonce);
                send(s, out);
                s.pingOutstanding = true;
                s.pingSentAt = now;
            }
            if (!s.doomed && !s.out.empty() && config.writeStallTimeout.count() > 0 &&
                now - s.out.lastProgress() >= config.writeStallTimeout) {
                slowConsumer(s, "write_stall",
                             "no bytes written for " +
                                 std::to_string(config.writeStallTimeout.count()) + " ms");
                continue;
            }
            if (!s.active) {
                // Idle since the last scan: give the buffers back.
                stats.bytesReleased += s.out.empty() ? s.out.capacity() : 0;
                s.out.release();
                if (s.decoder.buffered() == 0) {
                    s.decoder.shrink();
                }
                if (s.waitingCount() == 0) {
                    std::vector<v1::Envelope>().swap(s.waiting);
                    s.waitingHead = 0;
                }
            }
            s.active = false;
        }
        std::size_t kept = 0;
        for (Room* room : blockRooms) {
            if (room->blockUsed) {
                room->blockUsed = false;
                blockRooms[kept++] = room;
                continue;
            }
            // Idle: queues that still reference the block keep it until written.
            stats.bytesReleased += room->block->use_count() == 1 ? room->block->capacity() : 0;
            room->block.reset();
        }
        blockRooms.resize(kept);
    }

    void updateRates() {
        const double seconds = std::chrono::duration<double>(now - rateAt).count();
        if (seconds > 0.0) {
            stats.messagesInPerSecond =
                static_cast<double>(stats.messagesIn - rateMessagesIn) / seconds;
            stats.deliveriesPerSecond =
                static_cast<double>(stats.deliveries - rateDeliveries) / seconds;
        }
        rateAt = now;
        rateMessagesIn = stats.messagesIn;
        rateDeliveries = stats.deliveries;
        stats.uptimeSeconds = static_cast<std::uint64_t>(
            std::chrono::duration_cast<std::chrono::seconds>(now - startedAt).count());
    }

    TimePoint tick() {
        std::vector<SessionId> due;
        due.swap(throttled);
        for (const SessionId id : due) {
            Session* s = findSession(id);
            if (s == nullptr) {
                continue;
            }
            s->throttled = false;
            drainWaiting(*s);
            if (!s->doomed && s->waitingCount() > 0) {
                s->throttled = true;
                throttled.push_back(id);
            }
        }
        processDoomed();
        if (now >= nextScan) {
            scan();
            updateRates();
            nextScan = now + kScanInterval;
        }
        flushAll();
        TimePoint wake = nextPresenceDue(nextScan);
        for (const SessionId id : throttled) {
            if (Session* s = findSession(id)) {
                wake = std::min(wake, s->bucket.nextTokenAt(now));
            }
        }
        return wake;
    }

    void shutdown(std::string_view reason) {
        flushAll(true);
        if (!holdingRooms.empty()) {
            // Messages held for the store go out before the Bye if the store
            // commits them now; the rest were never acknowledged.
            history->flush();
            storeCommitted();
        }
        shutDown = true;
        v1::Envelope bye;
        bye.mutable_bye()->set_reason(v1::BYE_REASON_SHUTDOWN);
        bye.mutable_bye()->set_text(std::string(reason));
        const std::string byeFrame = codec::encodeFrame(bye);
        for (auto& entry : sessions) {
            Session& s = *entry.second;
            s.out.append(byeFrame, now);
            ++stats.disconnects["shutdown"];
            log.information(describe(s) + " closed: shutdown");
            if (s.welcomed) {
                registry.release(s.nick, s.id);
            }
            closing.push_back(Closing{s.id, s.out.take(), "shutdown"});
        }
        for (auto& entry : rooms) {
            entry.second->members.clear();
            entry.second->pending.clear();
            entry.second->dirty = false;
        }
        sessions.clear();
        dirtyRooms.clear();
        writable.clear();
        throttled.clear();
        stats.clients = 0;
        stats.connections = 0;
        stats.bytesQueued = 0;
    }

    SessionId open(std::string peer) {
        const SessionId id = nextId++;
        if (shutDown) {
            v1::Envelope bye;
            bye.mutable_bye()->set_reason(v1::BYE_REASON_SHUTDOWN);
            bye.mutable_bye()->set_text("the hub is shutting down");
            closing.push_back(Closing{id, codec::encodeFrame(bye), "shutdown"});
            return id;
        }
        if (sessions.size() >= config.maxClients) {
            ++stats.disconnects["hub_full"];
            log.information("session " + std::to_string(id) + " (" + peer + ") refused: hub_full");
            closing.push_back(
                Closing{id,
                        errorFrame(v1::ERROR_CODE_HUB_FULL, "the hub serves its maximum of " +
                                                                std::to_string(config.maxClients) +
                                                                " connections; try later"),
                        "hub_full"});
            return id;
        }
        auto session =
            std::make_unique<Session>(id, std::move(peer), config.handshakeMaxFrameBytes, now);
        session->bucket = TokenBucket(config.ratePerSecond, config.rateBurst, now);
        log.information(describe(*session) + " connected");
        sessions.emplace(id, std::move(session));
        ++stats.connections;
        return id;
    }

    void takeReady(std::vector<SessionId>& writableOut, std::vector<Closing>& closingOut) {
        processDoomed();
        for (const SessionId id : writable) {
            Session* s = findSession(id);
            if (s == nullptr || s->doomed) {
                continue;
            }
            s->writable = false;
            if (!s->out.empty()) {
                writableOut.push_back(id);
            }
        }
        writable.clear();
        for (Closing& entry : closing) {
            closingOut.push_back(std::move(entry));
        }
        closing.clear();
    }
};

Hub::Hub(HubConfig config, std::uint64_t epoch, std::unique_ptr<HistoryStore> history,
         WallClock wallClock)
    : config_(std::move(config)),
      epoch_(epoch),
      impl_(std::make_unique<Impl>(*this, std::move(history), std::move(wallClock))) {}

Hub::~Hub() = default;

SessionId Hub::open(std::string peer, TimePoint now) {
    impl_->setNow(now);
    return impl_->open(std::move(peer));
}

void Hub::receive(SessionId id, std::string_view bytes, TimePoint now) {
    impl_->setNow(now);
    if (Session* s = impl_->findSession(id)) {
        impl_->receive(*s, bytes);
    }
    impl_->processDoomed();
}

void Hub::flush() {
    impl_->flushAll();
    impl_->history->submit();
}

void Hub::consumed(SessionId id, std::size_t n, TimePoint now) {
    impl_->setNow(now);
    if (Session* s = impl_->findSession(id)) {
        const std::size_t capacity = s->out.capacity();
        stats_.bytesQueued -= s->out.consume(n, now);
        stats_.bytesReleased += capacity - std::min(capacity, s->out.capacity());
        s->active = true;
    }
}

void Hub::closed(SessionId id, std::string_view why, TimePoint now) {
    impl_->setNow(now);
    impl_->processDoomed();
    if (Session* s = impl_->findSession(id)) {
        impl_->finish(*s, "connection_closed", why.empty() ? "connection closed" : std::string(why),
                      false);
    }
    impl_->processDoomed();
}

TimePoint Hub::tick(TimePoint now) {
    impl_->setNow(now);
    const TimePoint next = impl_->tick();
    impl_->history->submit();  // what timers released (rate-limited frames)
    return next;
}

void Hub::storeCommitted(TimePoint now) {
    impl_->setNow(now);
    impl_->storeCommitted();
}

int Hub::storeCommitFd() const {
    return impl_->history->commitFd();
}

std::size_t Hub::heldMessages() const {
    return impl_->heldMessages;
}

void Hub::shutdown(std::string_view reason) {
    impl_->shutdown(reason);
}

std::size_t Hub::output(SessionId id, std::span<std::string_view> views) const {
    const Session* s = impl_->findSession(id);
    return s == nullptr ? 0 : s->out.views(views);
}

void Hub::takeReady(std::vector<SessionId>& writable, std::vector<Closing>& closing) {
    impl_->takeReady(writable, closing);
}

}  // namespace hermes::hub

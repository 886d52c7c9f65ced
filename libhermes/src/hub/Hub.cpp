// The public Hub and Hub::Impl, the order of a turn: each call sets the
// hub's time, hands the work to the components (HubImpl.hpp lists them) and
// carries out the closes it decided.

#include "hermes/hub/Hub.hpp"

#include "HubImpl.hpp"

#include <chrono>
#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <google/protobuf/unknown_field_set.h>

#include <Poco/Exception.h>

#include "hermes/codec/FrameDecoder.hpp"
#include "hermes/hub/MemoryHistory.hpp"
#include "hermes/protocol/FileRules.hpp"
#include "hermes/protocol/Limits.hpp"
#include "hermes/protocol/Validation.hpp"

namespace hermes::hub {

std::int64_t systemWallClockMs() {
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

// --- Impl: construction and time ---------------------------------------------------------

namespace {

std::unique_ptr<HistoryStore> storeOrMemory(std::unique_ptr<HistoryStore> store,
                                            const HubConfig& config) {
    return store ? std::move(store) : std::make_unique<MemoryHistory>(config.historySize);
}

}  // namespace

Hub::Impl::Impl(Hub& owner, std::unique_ptr<HistoryStore> store, WallClock clock,
                std::unique_ptr<ModerationStore> moderationStore,
                std::unique_ptr<AccountStore> accountStore,
                std::unique_ptr<ReadMarkerStore> markerStore)
    : config(owner.config_),
      stats(owner.stats_),
      memory(owner.outputMemory_),
      history(storeOrMemory(std::move(store), owner.config_)),
      wallClock(clock ? std::move(clock) : WallClock(systemWallClockMs)),
      log(Poco::Logger::get("hermes.hub")),
      facts{owner.config_, owner.epoch_, history->persistent(), wallClock},
      sessions(owner.config_, owner.stats_, owner.registry_, owner.outputMemory_, log),
      intake(owner.config_),
      outbox(owner.outputMemory_, owner.stats_),
      budget(owner.config_, owner.outputMemory_, owner.stats_, log),
      rooms(owner.stats_),
      presence(owner.config_, wallClock),
      gate(!history->synchronous(), owner.config_, owner.stats_, log),
      liveness(owner.config_, owner.stats_),
      stamper(owner.epoch_, wallClock, owner.config_),
      moderation(owner.config_, std::move(moderationStore), log),
      accounts(owner.config_, std::move(accountStore), log),
      ledger(owner.config_.editWindow),
      conversations(owner.config_, *history),
      typing(owner.config_, owner.stats_),
      markers(owner.config_, std::move(markerStore), log),
      transfers(owner.config_, history->fileReferences(), log),
      backplane(owner.config_) {
    // The store lists conversations beside rooms; they are no rooms (no one
    // joins them, and a room lookup must never find one).
    std::vector<StoredRoom> stored = history->rooms();
    std::erase_if(stored, [](const StoredRoom& r) { return Conversations::isKey(r.name); });
    rooms.restore(std::move(stored));
    const std::int64_t startMs = wallClock();
    moderation.restore(rooms, *history, startMs);
    for (const StoredBan& ban : moderation.clusterBans(rooms)) {
        clusterState.remember(ClusterState::banField(ban.room, ban.kind, ban.target),
                              ban.clusterVersion);
    }
    ledger.restore(rooms, *history, startMs);
    if (owner.config_.cluster) {
        ledger.inCluster(owner.config_.clusterHubName);
        backplane.startRefsAt(startMs);
    }
    rooms.lookAtEmptyRooms();
}

void Hub::Impl::setNow(TimePoint t) {
    now = t;
    outbox.setNow(t);
    if (!started) {
        started = true;
        liveness.start(t);
        metrics.start(t, stats, history->commitLatency());
    }
}

// --- Impl: input ---------------------------------------------------------------------------

// While input is paused for the output budget the bytes stay in the
// decoder, in order, until it resumes.
void Hub::Impl::receive(Session& s, std::string_view bytes) {
    intake.feed(s, bytes);
    serveWaiting(s);
    std::string_view payload;
    while (!s.who.closing()) {
        if (!budget.takingInput(now)) {
            intake.hold(s);
            break;
        }
        const Intake::Next next = intake.nextPayload(s, payload);
        if (next == Intake::Next::Broken) {
            decodeFailed(s);
            break;
        }
        if (next == Intake::Next::None) {
            break;
        }
        liveness.heard(s, now);
        v1::Envelope& envelope = intake.scratch();
        if (!codec::parseEnvelope(payload, envelope)) {
            rejectPayload(s, payload);
            continue;
        }
        admit(s, envelope);
    }
}

void Hub::Impl::serveWaiting(Session& s) {
    if (s.in.waiting() > 0) {  // usually not: no envelope to build then
        v1::Envelope envelope;
        while (!s.who.closing() && !s.in.awaitingRead() && s.in.waiting() > 0) {
            if (!budget.takingInput(now)) {
                intake.hold(s);
                return;
            }
            if (!intake.popWaiting(s, now, envelope)) {
                break;
            }
            serve(s, envelope);
        }
    }
    intake.settleWaiting(s);
}

void Hub::Impl::admit(Session& s, v1::Envelope& envelope) {
    switch (intake.admit(s, envelope, now)) {
        case Intake::Admission::Now:
            serve(s, envelope);
            return;
        case Intake::Admission::Waiting:
            return;
        case Intake::Admission::Flood:
            closeFatally(s, v1::ERROR_CODE_FLOOD,
                         "more than " + std::to_string(config.floodBacklog) +
                             " frames waiting for the rate limit of " +
                             std::to_string(config.ratePerSecond) + "/s",
                         CloseReason::Flood, sessions, outbox);
            return;
    }
}

// The catch-all per connection: whatever one client's frame makes throw (a
// history store's read error, an allocation) ends that client, not the hub.
void Hub::Impl::serve(Session& s, const v1::Envelope& envelope) {
    try {
        dispatch(s, envelope);
    } catch (const Poco::Exception& error) {
        // what() is only the exception's name; displayText() has its words.
        internalError(s, "handling " + bodyName(envelope), error.displayText());
    } catch (const std::exception& error) {
        internalError(s, "handling " + bodyName(envelope), error.what());
    } catch (...) {
        internalError(s, "handling " + bodyName(envelope), "an exception of unknown type");
    }
}

void Hub::Impl::internalError(Session& s, std::string_view doing, std::string_view what) {
    log.error(SessionTable::describe(s) + ": internal error while " + std::string(doing) + ": " +
              std::string(what) + "; closing this session, the hub goes on");
    closeFatally(
        s, v1::ERROR_CODE_INTERNAL,
        "internal error in the hub while " + std::string(doing) + "; the hub's log has the details",
        CloseReason::Internal, sessions, outbox);
}

void Hub::Impl::dispatch(Session& s, const v1::Envelope& envelope) {
    ++stats.messagesIn;
    if (!s.who.welcomed()) {
        if (envelope.body_case() != v1::Envelope::kHello) {
            closeFatally(s, v1::ERROR_CODE_HANDSHAKE_REQUIRED,
                         "send Hello first; got " + bodyName(envelope),
                         CloseReason::HandshakeRequired, sessions, outbox);
            return;
        }
        if (refuseHubBanned(s, envelope.hello().nick(), moderation, sessions, outbox, facts, log)) {
            return;
        }
        if (backplane.enabled() && claimNick(s, envelope.hello())) {
            return;  // the Hello waits for the cluster's answer (backplaneClaimed)
        }
        if (onHello(s, envelope.hello(), sessions, accounts, intake, outbox, facts, now)) {
            afterWelcome(s);
        }
        return;
    }
    switch (envelope.body_case()) {
        case v1::Envelope::kSetAway:
        case v1::Envelope::kModerationRequest:
        case v1::Envelope::kIdentify:
        case v1::Envelope::kRegisterNick:
            ++memberFacts;  // what a member list page shows may change
            break;
        default:
            break;
    }
    switch (envelope.body_case()) {
        case v1::Envelope::kHello:
            outbox.error(s, v1::ERROR_CODE_ALREADY_WELCOMED,
                         "already welcomed as " + s.who.nick() + "; use SetNick to change nick");
            return;
        case v1::Envelope::kJoin:
            join(s, envelope.join());
            return;
        case v1::Envelope::kLeave: {
            const std::size_t before = s.rooms.size();
            onLeave(s, envelope.leave(), rooms, presence, gate, outbox, now);
            if (backplane.enabled() && s.rooms.size() < before) {
                backplane.announce(protocol::canonicalRoom(envelope.leave().room()), "left",
                                   s.who.nick(), envelope.leave().reason());
            }
            return;
        }
        case v1::Envelope::kSay:
            onSay(s, envelope.say(), rooms, presence, gate, stamper, *history, outbox, ledger,
                  moderation, backplane, now);
            if (envelope.say().kind() == v1::MESSAGE_KIND_DELETE) {
                forgetDeletedFile(envelope.say());
            }
            return;
        case v1::Envelope::kPrivateMessage:
            onPrivateMessage(s, envelope.private_message(), sessions, accounts, conversations, gate,
                             stamper, *history, outbox, facts, now,
                             backplane.enabled() ? &backplane : nullptr);
            return;
        case v1::Envelope::kWho:
            onWho(s, envelope.who(), rooms, moderation, outbox,
                  backplane.enabled() ? &backplane : nullptr);
            return;
        case v1::Envelope::kMembersRequest:
            if (backplane.enabled()) {
                // Its pages walk this hub's members only; Who lists every hub's.
                outbox.error(s, v1::ERROR_CODE_UNSUPPORTED,
                             "member pages are this hub's only in a cluster: ask with Who",
                             envelope.members_request().room());
                return;
            }
            onMembersRequest(s, envelope.members_request(), rooms, moderation, memberFacts, outbox);
            return;
        case v1::Envelope::kTopic:
            onTopic(s, envelope.topic(), rooms, moderation, presence, gate, *history, outbox, facts,
                    backplane.enabled() ? &backplane : nullptr);
            return;
        case v1::Envelope::kRoomListRequest:
            onRoomList(s, rooms, outbox);
            return;
        case v1::Envelope::kHistoryRequest:
            onHistory(s, envelope.history_request(), rooms, gate, *history, intake, outbox, facts);
            return;
        case v1::Envelope::kSearchRequest:
            onSearch(s, envelope.search_request(), rooms, *history, intake, outbox, facts);
            return;
        case v1::Envelope::kPing:
            onPing(s, envelope.ping(), outbox);
            return;
        case v1::Envelope::kPong:
            return;  // life was already recorded when the frame arrived
        case v1::Envelope::kBye:
            onBye(s, envelope.bye(), sessions);
            return;
        case v1::Envelope::kStatsRequest:
            onStats(s, stats, memory, liveness, outbox, config, now);
            return;
        case v1::Envelope::kMetricsRequest:
            onMetrics(s, stats, metrics, *history, moderation, outbox, now);
            return;
        case v1::Envelope::kModerationRequest:
            onModeration(s, envelope.moderation_request(), sessions, rooms, moderation, presence,
                         gate, outbox, facts, log, backplane.enabled() ? &backplane : nullptr,
                         &clusterState);
            return;
        case v1::Envelope::kBanListRequest:
            onBanList(s, envelope.ban_list_request(), rooms, moderation, outbox, facts);
            return;
        case v1::Envelope::kSetNick:
            if (refuseBannedNick(s, envelope.set_nick(), moderation, outbox, facts)) {
                return;
            }
            if (backplane.enabled()) {
                renameAcross(s, envelope.set_nick());  // claimed in Redis first
                return;
            }
            onSetNick(s, envelope.set_nick(), sessions, accounts, presence, gate, outbox);
            return;
        case v1::Envelope::kRegisterNick:
            if (!refuseAccountChange(s, "register your nick")) {
                onRegister(s, envelope.register_nick(), accounts, intake, outbox, now);
            }
            return;
        case v1::Envelope::kIdentify:
            onIdentify(s, envelope.identify(), accounts, intake, outbox, now);
            return;
        case v1::Envelope::kChangePassword:
            if (!refuseAccountChange(s, "change your password")) {
                onChangePassword(s, envelope.change_password(), accounts, intake, outbox, now);
            }
            return;
        case v1::Envelope::kWhoisRequest:
            onWhois(s, envelope.whois_request(), sessions, outbox, now,
                    backplane.enabled() ? &backplane : nullptr,
                    backplane.enabled() ? wallClock() : 0);
            return;
        case v1::Envelope::kSetAway:
            if (backplane.enabled()) {
                awayAcross(s, envelope.set_away());
                return;
            }
            onSetAway(s, envelope.set_away(), presence, gate, outbox, now);
            return;
        case v1::Envelope::kTyping:
            typing.onTyping(s, envelope.typing(), rooms, sessions, outbox, now);
            return;
        case v1::Envelope::kMarkRead:
            markers.onMarkRead(s, envelope.mark_read(), rooms, sessions, outbox);
            return;
        case v1::Envelope::kReadMarkersRequest:
            markers.onRequest(s, envelope.read_markers_request(), outbox);
            return;
        case v1::Envelope::kFileOffer:
            if (backplane.enabled() && !config.clusterSharedFiles) {
                // Not CLUSTER_UNAVAILABLE: that sends a client on to its next hub.
                outbox.error(s, v1::ERROR_CODE_UNSUPPORTED,
                             "files are not shared in this cluster: its hubs do not share a files "
                             "directory (cluster.shared_files)",
                             envelope.file_offer().room(), envelope.file_offer().client_msg_id());
                return;
            }
            onFileOffer(s, envelope.file_offer(), rooms, presence, gate, stamper, ledger, *history,
                        transfers, intake, outbox, facts, now, backplane);
            return;
        case v1::Envelope::kFileChunk:
            onFileChunk(s, envelope.file_chunk(), sessions, transfers, intake, outbox, facts, now);
            return;
        case v1::Envelope::kFileRequest:
            onFileRequest(s, envelope.file_request(), rooms, transfers, outbox, facts);
            return;
        case v1::Envelope::kFileCancel:
            onFileCancel(s, envelope.file_cancel(), transfers, outbox);
            return;
        default:
            outbox.error(s, v1::ERROR_CODE_UNSUPPORTED,
                         "the hub does not accept " + bodyName(envelope) + " from clients");
            return;
    }
}

// The frame's length was sound but its payload is no Envelope. If it is
// still protobuf wire format, a string field was not UTF-8 (proto3 refuses
// those while parsing): the stream is intact, so the client gets
// INVALID_TEXT like any other bad text and stays. Anything else is garbage
// and closes the connection.
void Hub::Impl::rejectPayload(Session& s, std::string_view payload) {
    google::protobuf::UnknownFieldSet fields;
    if (payload.size() > static_cast<std::size_t>(INT32_MAX) ||
        !fields.ParseFromArray(payload.data(), static_cast<int>(payload.size()))) {
        closeFatally(s, v1::ERROR_CODE_BAD_FRAME,
                     std::string(codec::describe(codec::DecodeError::BadPayload)),
                     CloseReason::BadFrame, sessions, outbox);
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
        if (!textMessage || field.type() != google::protobuf::UnknownField::TYPE_LENGTH_DELIMITED ||
            !inner.ParseFromString(field.length_delimited())) {
            continue;
        }
        for (int k = 0; k < inner.field_count(); ++k) {
            const auto& part = inner.field(k);
            if (part.number() == 2 && part.type() == google::protobuf::UnknownField::TYPE_VARINT) {
                clientMsgId = part.varint();
            } else if (part.number() == 1 &&
                       part.type() == google::protobuf::UnknownField::TYPE_LENGTH_DELIMITED &&
                       protocol::isValidUtf8(part.length_delimited())) {
                room = part.length_delimited();
            }
        }
    }
    outbox.error(s, v1::ERROR_CODE_INVALID_TEXT, "frame ignored: a text in it is not valid UTF-8",
                 room, clientMsgId);
}

void Hub::Impl::decodeFailed(Session& s) {
    const codec::FrameDecoder& decoder = s.in.decoder();
    const codec::DecodeError error = decoder.error();
    if (error == codec::DecodeError::FrameTooLarge) {
        closeFatally(s, v1::ERROR_CODE_FRAME_TOO_LARGE,
                     "frame of " + std::to_string(decoder.claimedLength()) +
                         " bytes; the most is " + std::to_string(decoder.maxFrameBytes()),
                     CloseReason::FrameTooLarge, sessions, outbox);
        return;
    }
    closeFatally(s, v1::ERROR_CODE_BAD_FRAME, std::string(codec::describe(error)),
                 CloseReason::BadFrame, sessions, outbox);
}

// --- Impl: the turn's other work ----------------------------------------------------------

// Sends pending presence; a large room's waits until it is due unless
// `force` (anything else sent to the room flushes it first). Closes carried
// out meanwhile queue QUIT presence: it goes out in the same call.
void Hub::Impl::flushAll(bool force) {
    do {
        processDoomed();
        presence.flushPass(force, now, gate, outbox);
    } while (presence.dirty() || sessions.hasDoomed());
    presence.endFlush();
}

TimePoint Hub::Impl::tick() {
    for (const SessionId id : intake.takeThrottled()) {
        Session* s = sessions.find(id);
        if (s == nullptr) {
            continue;
        }
        intake.unlist(*s);
        if (budget.paused()) {
            intake.relist(*s);  // their turn comes when input resumes
            continue;
        }
        serveWaiting(*s);
        if (!s->who.closing() && s->in.waiting() > 0) {
            intake.relist(*s);
        }
    }
    processDoomed();
    expireHeldPrivate();
    if (backplane.enabled()) {
        backplane.trimPrivate(now);
        for (const std::string& name : backplane.retryFills()) {
            if (Room* room = rooms.find(name)) {
                backplane.fill(name, room->log.nextSeq());
            }
        }
    }
    transfers.sendDueAcks(sessions, outbox, now);
    if (liveness.scanDue(now)) {
        scan();
        liveness.scanned(now);
        processDoomed();
        if (metrics.due(now)) {
            metrics.sample(now, stats, history->commitLatency());
        }
    }
    resumeIfDrained();
    decodeHeldInput();
    flushAll(false);
    const TimePoint wake =
        transfers.nextDownloadAt(now, transfers.nextAckAt(presence.nextDue(liveness.nextScan())));
    if (budget.paused()) {
        return wake;  // frames waiting for tokens wait for the resume, too
    }
    return intake.nextTokenAt(now, wake, [this](SessionId id) { return sessions.find(id); });
}

// Every session's timers, who is slow, and idle buffers given back; and
// while the budget has held input up too long, the longest queue.
void Hub::Impl::scan() {
    budget.beginScan();
    Session* longest = nullptr;
    sessions.forEach([this, &longest](Session& s) {
        if (s.who.closing()) {
            return;
        }
        // While input is paused nothing is read: silence is the hub's doing,
        // and the clocks are moved on by the pause when it ends.
        switch (budget.paused() ? Liveness::Due::Nothing : liveness.check(s, now)) {
            case Liveness::Due::HandshakeTimeout:
                closeFatally(s, v1::ERROR_CODE_HANDSHAKE_TIMEOUT,
                             "no successful Hello within " +
                                 std::to_string(config.handshakeTimeout.count()) + " ms",
                             CloseReason::HandshakeTimeout, sessions, outbox);
                return;
            case Liveness::Due::PingTimeout:
                closeFatally(s, v1::ERROR_CODE_PING_TIMEOUT,
                             "no answer to Ping within " +
                                 std::to_string(config.pingTimeout.count()) + " ms",
                             CloseReason::PingTimeout, sessions, outbox);
                return;
            case Liveness::Due::Ping: {
                const std::uint64_t nonce = liveness.pinged(s, now);
                outbox.reply(s,
                             [nonce](v1::Envelope& out) { out.mutable_ping()->set_nonce(nonce); });
                break;
            }
            case Liveness::Due::Nothing:
                break;
        }
        if (auto verdict = budget.judge(s, now)) {
            slowConsumer(s, verdict->reason, std::move(verdict->text));
            return;
        }
        outbox.releaseIfIdle(s);
        intake.releaseIfIdle(s, budget.paused());
        const std::size_t size = s.out.queue().size();
        if (longest == nullptr || size > longest->out.queue().size() ||
            (size == longest->out.queue().size() && s.id < longest->id)) {
            longest = &s;
        }
    });
    if (longest != nullptr) {
        if (auto verdict = budget.judgeHold(*longest, now)) {
            slowConsumer(*longest, verdict->reason, std::move(verdict->text));
        }
    }
    outbox.dropIdleBlocks();
    reclaimRooms();
    transfers.expire(sessions, outbox, now);
    // FILE messages retention pruned can no longer be fetched. Taken even
    // with files off: the store keeps the list until it is taken.
    for (const auto& [room, seq] : history->takePruned()) {
        if (transfers.enabled()) {
            transfers.forgetPruned(room, seq, sessions, outbox);
        }
    }
}

// Rooms that emptied holding nothing go, once no component lists them: a
// presence batch still to flush, frames held for the store, a frame block
// (dropped after a scan without broadcasts) keep a room for a later scan.
void Hub::Impl::reclaimRooms() {
    if (rooms.emptiedCount() == 0) {
        return;
    }
    const std::size_t gone = rooms.reclaimEmpty([this](const Room& room) {
        if (room.presence.listed() || room.log.listed() || room.block.get() != nullptr) {
            return false;
        }
        presence.forget(room);
        return true;
    });
    if (gone > 0) {
        log.debug("reclaimed %z empty room(s) that held nothing", gone);
    }
}

// The pause does not count as silence (handshake and ping clocks move on by
// its length), nor against a session's rate (what it sent meanwhile arrives
// at once).
void Hub::Impl::resumeIfDrained() {
    if (const auto paused = budget.resumeIfDrained(now)) {
        sessions.forEach([&](Session& s) {
            liveness.shift(s, *paused);
            intake.creditPause(s, *paused, now);
        });
    }
}

// Called by tick(): input left undecoded by a pause, messages the store
// committed and searches it finished meanwhile, go on in order once input
// is taken again.
void Hub::Impl::decodeHeldInput() {
    if (budget.paused()) {
        return;
    }
    if (budget.takeResumed()) {
        if (gate.holding() || gate.historyWaiting()) {
            storeCommitted();
        }
        storeReadsDone();
    }
    for (const SessionId id : intake.takeHeld()) {
        Session* s = sessions.find(id);
        if (s == nullptr) {
            continue;
        }
        intake.unhold(*s);
        if (!s->who.closing()) {
            receive(*s, {});
        }
    }
}

void Hub::Impl::storeCommitted() {
    gate.release(*history, outbox, budget, now);
    conversations.releaseCommitted([this](SessionId id, std::string_view frame) {
        if (Session* s = sessions.find(id); s != nullptr && !s->who.closing()) {
            if (conversations.delivering(id)) {
                conversations.holdForDelivery(id, frame);  // after what waited for it
            } else {
                outbox.enqueueChat(*s, frame);
            }
        }
    });
    answerWaitingHistory();
    processDoomed();
}

// History requests whose rooms have now sent what was said before them are
// answered, in the order asked; then the frames their sessions sent after
// them. A page adds output: none goes out while the budget holds it back.
void Hub::Impl::answerWaitingHistory() {
    while (gate.historyWaiting() && budget.releasing(now)) {
        std::optional<DurabilityGate::WaitingHistory> waiting = gate.takeAnswerable();
        if (!waiting) {
            return;
        }
        Session* s = sessions.find(waiting->session);
        if (s == nullptr || s->who.closing()) {
            continue;  // gone meanwhile
        }
        intake.readDone(*s);
        try {
            sendHistoryPage(*s, *waiting->room, waiting->request, *history, outbox, facts);
        } catch (const Poco::Exception& error) {
            internalError(*s, "answering a history request", error.displayText());
        } catch (const std::exception& error) {
            internalError(*s, "answering a history request", error.what());
        }
        resumeWaiting(*s);
        receive(*s, {});
    }
}

// Each finished search is answered, then its session's frames that waited
// behind it are handled. An answer adds output: none goes out while the
// budget holds input up.
void Hub::Impl::storeReadsDone() {
    for (FinishedSearch& done : history->finishedSearches()) {
        readsReady.push_back(std::move(done));
    }
    while (!readsReady.empty() && budget.takingInput(now)) {
        FinishedSearch done = std::move(readsReady.front());
        readsReady.pop_front();
        Session* s = sessions.find(done.job.ticket);
        if (s == nullptr || s->who.closing()) {
            continue;  // gone meanwhile
        }
        intake.readDone(*s);
        const bool waited = !done.job.waited.empty();
        try {
            if (waited) {
                sendWaited(*s, std::move(done.hits.messages), conversations, outbox);
            } else {
                sendSearchResults(*s, done.job, std::move(done.hits), outbox, facts);
            }
        } catch (const Poco::Exception& error) {
            internalError(*s, waited ? "delivering waiting messages" : "answering a search",
                          error.displayText());
        } catch (const std::exception& error) {
            internalError(*s, waited ? "delivering waiting messages" : "answering a search",
                          error.what());
        }
        resumeWaiting(*s);
        receive(*s, {});
    }
    processDoomed();
}

// Each finished hashing job is answered (a Hello welcomed or refused, a
// sign-in, registration or password change), then its session's frames
// that waited behind it are handled.
void Hub::Impl::accountsDone() {
    for (AccountResult& result : accounts.finished()) {
        ++memberFacts;  // a sign-in may make an operator (by account)
        Session* s = sessions.find(result.job.ticket);
        const bool here = s != nullptr && !s->who.closing();
        if (result.toCluster()) {
            accountToCluster(here ? s : nullptr, result);  // a cluster's: Redis first
            continue;
        }
        if (!here) {
            continue;  // gone meanwhile; the book has the account anyway
        }
        intake.readDone(*s);
        try {
            const bool welcomed =
                onAccountResult(*s, result, sessions, accounts, intake, outbox, facts, now);
            // A sign-in (at Hello, or by Identify) to an account banned
            // hub-wide ends the session here.
            // A hub ban set while a hashed hub password was checked is
            // caught here too.
            const bool banned =
                (welcomed || !s->profile.account.empty()) &&
                refuseHubBanned(*s, s->who.nick(), moderation, sessions, outbox, facts, log);
            if (welcomed && !banned) {
                joinDefaultRoom(*s);
                deliverHeldPrivate(*s);
            }
            if (!banned && !s->profile.account.empty()) {
                afterSignIn(*s);
            }
        } catch (const Poco::Exception& error) {
            internalError(*s, "answering an account request", error.displayText());
        } catch (const std::exception& error) {
            internalError(*s, "answering an account request", error.what());
        }
        receive(*s, {});
    }
    processDoomed();
}

// The file thread's results: chunks written are acknowledged, read-ahead
// queued for the downloads; each committed upload is announced (or refused)
// and its session's frames that waited behind it are handled; so are those
// of sessions that waited for a busy disk.
void Hub::Impl::filesDone() {
    for (Transfers::Committed& done : transfers.filesDone(sessions, outbox, now)) {
        Session* s = sessions.find(done.upload.session);
        if (s == nullptr || s->who.closing()) {
            transfers.releaseIfUnnamed(done.actual, sessions, outbox);
            continue;  // gone meanwhile
        }
        intake.readDone(*s);
        try {
            onFilesCommitted(*s, done, sessions, rooms, presence, gate, stamper, ledger, *history,
                             transfers, outbox, log, now, backplane);
        } catch (const Poco::Exception& error) {
            internalError(*s, "announcing a file", error.displayText());
        } catch (const std::exception& error) {
            internalError(*s, "announcing a file", error.what());
        }
        resumeWaiting(*s);
        receive(*s, {});
    }
    for (const SessionId id : transfers.takeDiskWaiters(now)) {
        if (Session* s = sessions.find(id); s != nullptr && !s->who.closing()) {
            intake.readDone(*s);
            resumeWaiting(*s);
            receive(*s, {});
        }
    }
    processDoomed();
}

// A DELETE the ledger took, of a FILE message: the file can no longer be
// fetched through it (and leaves the disk if nothing else names it).
void Hub::Impl::forgetDeletedFile(const v1::Say& say) {
    std::optional<protocol::ProtocolError> invalid;
    const Room* room = rooms.lookup(say.room(), invalid);
    if (room != nullptr && transfers.atSeq(room->name, say.target_seq()) != nullptr &&
        ledger.deleted(*room, say.target_seq())) {
        transfers.forgetMessage(room->name, say.target_seq(), sessions, outbox);
    }
}

// After a Welcome: a session signed in to an account banned hub-wide ends
// here; any other joins the default room.
// --- Impl: the cluster's backplane ----------------------------------------------------------

void Hub::Impl::backplaneEntry(BackplaneEntry entry) {
    if (protocol::checkRoom(entry.room) || protocol::canonicalRoom(entry.room) != entry.room) {
        log.warning("backplane: an entry of '%s' (seq %?u, from hub %s) names no room; dropped",
                    entry.room, entry.seq, entry.hub);
        return;
    }
    // Every hub keeps every room's messages, members here or not: a client
    // that moves to this hub finds its rooms' history from its cursors.
    Room& room = rooms.obtain(entry.room, *history);
    switch (backplane.accept(room.log.nextSeq(), entry)) {
        case Backplane::Verdict::Delivered:
        case Backplane::Verdict::Waits:
            return;
        case Backplane::Verdict::Deliver:
            break;
    }
    deliverEntry(room, entry);
    deliverWaitingEntries(room);
}

void Hub::Impl::deliverWaitingEntries(Room& room) {
    while (auto next = backplane.takeNext(room.name, room.log.nextSeq())) {
        deliverEntry(room, *next);
    }
}

// Another hub's private message to a member here, in number order.
void Hub::Impl::deliverPrivate(BackplaneEntry entry) {
    switch (privateFromAcross(entry, sessions, accounts, conversations, stamper, outbox)) {
        case AcrossDelivery::Delivered:
            return;
        case AcrossDelivery::NotOne:
            log.warning(
                "backplane: private message %?u from hub %s is not a private message; dropped",
                entry.seq, entry.hub);
            return;
        case AcrossDelivery::NoOneHere:
            break;
    }
    const std::string nick = protocol::nickKey(stamper.message().to());
    if (backplane.nickPendingHere(nick)) {
        // A session here claims the nick (a reconnect, or one whose password
        // is being checked): it is here, not on another hub. Held for it.
        holdPrivate(nick, std::move(entry));
        return;
    }
    if (entry.ref == 0) {
        log.warning(
            "backplane: private message %?u from hub %s (forwarded once already) finds no one "
            "here; dropped",
            entry.seq, entry.hub);
        return;
    }
    // The recipient left this hub after the sender's hub looked it up (it
    // moved, or quit): to whichever hub holds the nick now, once.
    backplane.forwardPrivate(std::move(entry), nick);
}

void Hub::Impl::holdPrivate(const std::string& nickKey, BackplaneEntry entry) {
    const std::uint64_t seq = entry.seq;
    const std::string from = entry.hub;
    if (!backplane.hold(nickKey, std::move(entry), now)) {
        log.warning(
            "backplane: private message %?u from hub %s for %s, who is signing in here, is "
            "dropped: %z messages are held already",
            seq, from, nickKey, Backplane::kMaxHeldPrivate);
    }
}

// What was held for `s`'s nick while it was signing in (deliverPrivate).
void Hub::Impl::deliverHeldPrivate(Session& s) {
    if (!backplane.enabled() || backplane.held() == 0 || s.who.closing() || !s.who.welcomed()) {
        return;
    }
    for (BackplaneEntry& entry : backplane.takeHeld(protocol::nickKey(s.who.nick()))) {
        entry.ref = 0;  // not forwarded anywhere from here
        deliverPrivate(std::move(entry));
    }
}

void Hub::Impl::expireHeldPrivate() {
    if (backplane.held() == 0) {
        return;
    }
    for (const auto& [nick, n] : backplane.expireHeld(now)) {
        log.warning(
            "backplane: %z private message(s) held for %s, who did not finish signing in here "
            "within %?d s, dropped",
            n, nick, static_cast<int>(Backplane::kHeldPrivateFor.count()));
    }
}

// As onSay delivers a hub's own message, with the backplane's seq.
void Hub::Impl::deliverEntry(Room& room, const BackplaneEntry& entry) {
    // Taken for every entry (an event's, a skipped one's too): its send is
    // done with, and a sender left behind would stay until evicted.
    const SessionId sender = backplane.takeSender(entry.hub, entry.ref);
    if (!stamper.backplaneMessage(room.name, entry.message, entry.seq)) {
        // Not from a hub of this build (or damaged): its seq is skipped, so
        // the room's order goes on; its history lacks it.
        log.error("backplane: entry %?u of %s from hub %s is not a room message; skipped",
                  entry.seq, room.name, entry.hub);
        gate.skipTo(room, entry.seq + 1);
        return;
    }
    presence.flush(room, gate, outbox);
    const std::uint64_t seq = gate.takeSeq(room);
    if (stamper.message().kind() == v1::MESSAGE_KIND_EDIT &&
        ledger.deleted(room, stamper.message().target_seq())) {
        // Checked before a concurrent DELETE came first: a delete erases.
        stamper.eraseText();
    }
    const v1::ChatMessage& message = stamper.message();
    if (MessageLedger::isEvent(message.kind())) {
        // Checked on its sender's hub; its effect, in this order, is every
        // hub's (MessageLedger::recordEvent).
        ledger.recordEvent(room, message);
    } else {
        if (entry.hub != backplane.hubName()) {
            backplane.spoke(message.from(), message.time_ms());  // Whois idle time
        }
        ledger.recordMessage(room, seq, sender, entry.account, entry.hub != backplane.hubName());
    }
    // A reaction's author is its reactor, as a hub alone stores it.
    history->appendAuthored(message, message.reactor().empty() ? entry.account : message.reactor());
    gate.publish(room, seq, stamper.frame(), outbox);
    if (transfers.enabled()) {
        filesOfEntry(room, message);
    }
}

// A FILE entry names its file here too (in the directory the hubs share);
// a DELETE of one names it no more, as a hub alone forgets it at the Say.
void Hub::Impl::filesOfEntry(const Room& room, const v1::ChatMessage& message) {
    if (message.kind() == v1::MESSAGE_KIND_DELETE) {
        if (transfers.atSeq(room.name, message.target_seq()) != nullptr) {
            transfers.forgetMessage(room.name, message.target_seq(), sessions, outbox);
        }
        return;
    }
    if (message.kind() != v1::MESSAGE_KIND_FILE || !message.has_file() ||
        !protocol::isSha256Hex(message.file().sha256())) {
        return;
    }
    if (!transfers.announcedAcross(room.name, message.seq(), message.file())) {
        log.warning(
            "backplane: file %s of message %?u of %s is not in %s: the hubs of this cluster do "
            "not share that directory (cluster.shared_files), so it cannot be fetched here",
            message.file().sha256(), message.seq(), room.name, config.filesPath);
    }
}

// A clustered hub's Hello: its nick claimed in Redis first, unless this hub
// can answer at once (a bad nick, a nick taken here: onHello says so).
bool Hub::Impl::claimNick(Session& s, const v1::Hello& hello) {
    if (protocol::checkNick(hello.nick()) || sessions.findNick(hello.nick()) != nullptr) {
        return false;
    }
    if (!backplane.up()) {
        outbox.error(s, v1::ERROR_CODE_CLUSTER_UNAVAILABLE,
                     "this hub cannot reach the cluster's backplane (Redis) to claim nick " +
                         hello.nick() + "; try again in a moment");
        return true;
    }
    backplane.claim(s.id, protocol::nickKey(hello.nick()), hello);
    intake.awaitRead(s);
    return true;
}

void Hub::Impl::afterWelcome(Session& s) {
    if (!s.profile.account.empty() &&
        refuseHubBanned(s, s.who.nick(), moderation, sessions, outbox, facts, log)) {
        return;
    }
    joinDefaultRoom(s);
    deliverHeldPrivate(s);
}

void Hub::Impl::afterSignIn(Session& s) {
    if (!s.who.closing() && s.who.welcomed()) {
        announceSignIn(s);
        deliverWaiting(s, conversations, *history, intake, outbox, facts);
    }
}

void Hub::Impl::resumeWaiting(Session& s) {
    if (s.profile.account.empty() || s.who.closing() || s.in.awaitingRead() ||
        conversations.waitingFor(protocol::nickKey(s.profile.account)) == 0) {
        return;
    }
    try {
        deliverWaiting(s, conversations, *history, intake, outbox, facts);
    } catch (const Poco::Exception& error) {
        internalError(s, "delivering waiting messages", error.displayText());
    } catch (const std::exception& error) {
        internalError(s, "delivering waiting messages", error.what());
    }
}

void Hub::Impl::restartDelivery(const std::string& account) {
    // Messages wait only while no session of the account is signed in; one
    // busy with a read of its own takes them when that read is done
    // (resumeWaiting).
    Session* free = nullptr;
    sessions.forEachOfAccount(protocol::nickKey(account), [&](Session& other) {
        if (free == nullptr && other.who.welcomed() && !other.who.closing() &&
            !other.in.awaitingRead()) {
            free = &other;
        }
    });
    if (free != nullptr) {
        resumeWaiting(*free);
    }
}

void Hub::Impl::joinDefaultRoom(Session& s) {
    if (!config.defaultRoom.empty()) {
        v1::Join request;
        request.set_room(config.defaultRoom);
        join(s, request);
    }
}

void Hub::Impl::join(Session& s, const v1::Join& request) {
    const std::size_t before = s.rooms.size();
    onJoin(s, request, rooms, moderation, presence, gate, *history, outbox, facts, now,
           backplane.enabled() ? &backplane : nullptr);
    std::optional<protocol::ProtocolError> invalid;
    const Room* room = rooms.lookup(request.room(), invalid);
    if (room != nullptr && !s.who.closing() && s.rooms.find(room) != SessionRooms::npos) {
        markers.afterJoin(s, *room, outbox);
        if (backplane.enabled()) {
            if (s.rooms.size() > before) {
                // With its sign-on and client for the other hubs' Whois.
                backplane.announce(
                    room->name, "joined", s.who.nick(),
                    RemoteProfiles::notice(s.profile.signedOnMs, s.profile.clientName));
                if (!s.profile.away.empty()) {
                    // The other hubs take a JOINED for one not away: told
                    // here, or they would show her back until her next change.
                    backplane.announce(room->name, "away", s.who.nick(), s.profile.away);
                }
            }
            // A room this hub never saw (made while it was away) has its
            // past only in Redis: read it now, not at its next message.
            // Usually an empty read; one at a time per room.
            backplane.fill(room->name, room->log.nextSeq());
        }
    }
}

// This hub's members as Redis should list them (Backplane::syncMembers):
// the presence notices written while Redis was away were lost.
void Hub::Impl::syncMembers() {
    std::vector<std::string> entries;
    rooms.forEach([&entries](Room& room) {
        for (const Member& member : room.members) {
            entries.push_back(room.name + "\n" + member.session->who.nick());
        }
    });
    // Every session, in rooms or not (one that left its last room while
    // Redis was away has left, not quit), with its away text.
    sessions.forEach([&entries](const Session& s) {
        if (s.who.welcomed()) {
            entries.push_back("\n" + s.who.nick() + "\n" + s.profile.away);
        }
    });
    backplane.syncMembers(std::move(entries));
}

// --- Impl: closing ---------------------------------------------------------------------------

// The peer does not read: what it has not started to receive is dropped and
// only the Error frame remains, saying which limit it passed.
void Hub::Impl::slowConsumer(Session& s, CloseReason reason, std::string text) {
    outbox.dropUnsent(s);
    closeFatally(s, v1::ERROR_CODE_SLOW_CONSUMER, std::move(text), reason, sessions, outbox);
}

void Hub::Impl::processDoomed() {
    while (Session* s = sessions.takeDoomed()) {
        finish(*s, s->who.closeReason(), s->who.quitReason(), true);
    }
}

void Hub::Impl::finish(Session& s, CloseReason reason, std::string quitReason, bool toEdge) {
    sessions.noteClose(s, reason, quitReason);
    transfers.forget(s.id);
    if (backplane.enabled()) {
        backplane.release(s.id);  // its nick is free on every hub
    }
    if (s.in.awaitingRead() && gate.historyWaiting()) {
        gate.forgetHistory(s.id);
    }
    while (!s.rooms.empty()) {
        const bool spoke = RoomTable::member(s, s.rooms.size() - 1).spoke;
        Room& room = rooms.leaveLast(s);
        presence.queue(room, v1::PRESENCE_KIND_QUIT, quitReason, s.who.nick(), spoke, now, gate,
                       outbox);
        if (backplane.enabled()) {
            backplane.announce(room.name, "quit", s.who.nick(), quitReason);
        }
    }
    markers.forget(s);
    // Waiting messages it was being sent wait again, or go to another
    // session of the account signed in meanwhile.
    const bool putBack = conversations.forget(s.id);
    const std::string account = putBack ? s.profile.account : std::string();
    std::string lastBytes = outbox.takeAll(s);
    sessions.remove(s, toEdge ? std::optional<std::string>(std::move(lastBytes)) : std::nullopt);
    if (putBack) {
        restartDelivery(account);
    }
}

void Hub::Impl::shutdown(std::string_view reason) {
    // The hub takes no more input (frames not yet decoded were never
    // acknowledged), but everything committed goes out before the Bye,
    // budget or not: its memory goes with the hub.
    budget.stop();
    flushAll(true);
    // Waiting messages still being read for a session, or sent on to
    // another hub and not answered, wait again (the store commits that with
    // the rest).
    conversations.forgetAll();
    if (gate.holding() || conversations.holdingEchoes()) {
        // Messages held for the store go out before the Bye if the store
        // commits them now; the rest were never acknowledged.
        history->flush();
        storeCommitted();
    }
    if (markers.store() != nullptr) {
        markers.store()->flush();  // the markers that moved last are on disk before the Bye
    }
    sessions.startShutdown();
    v1::Envelope bye;
    bye.mutable_bye()->set_reason(v1::BYE_REASON_SHUTDOWN);
    bye.mutable_bye()->set_text(std::string(reason));
    const std::string byeFrame = codec::encodeFrame(bye);
    sessions.removeAll([&](Session& s) {
        // What other components keep for a session goes with it, as in finish().
        transfers.forget(s.id);
        markers.forget(s);
        outbox.appendLast(s, byeFrame);
        return outbox.takeAll(s);
    });
    rooms.forEach([this](Room& room) {
        rooms.clearMembers(room);
        presence.clear(room);
    });
    presence.clearLists();
    outbox.clearWritable();
    intake.clear();
    gate.clearHistory();
    readsReady.clear();
}

// --- the facade --------------------------------------------------------------------------------

Hub::Hub(HubConfig config, std::uint64_t epoch, std::unique_ptr<HistoryStore> history,
         WallClock wallClock, std::unique_ptr<ModerationStore> moderation,
         std::unique_ptr<AccountStore> accounts, std::unique_ptr<ReadMarkerStore> readMarkers)
    : config_(std::move(config)),
      epoch_(epoch),
      impl_(std::make_unique<Impl>(*this, std::move(history), std::move(wallClock),
                                   std::move(moderation), std::move(accounts),
                                   std::move(readMarkers))) {}

void Hub::reload(const HubConfig& next, TimePoint now) {
    owner_.check("Hub::reload");
    impl_->setNow(now);
    const bool rateChanged =
        next.ratePerSecond != config_.ratePerSecond || next.rateBurst != config_.rateBurst;
    // Components hold a reference to config_: assigned in place, they read
    // the new values from their next use. A lowered floodBacklog leaves the
    // frames already waiting where they are: the next frame past it is a FLOOD.
    config_ = next;
    ++impl_->memberFacts;  // hub operators may have changed
    if (rateChanged) {
        impl_->intake.retune(impl_->sessions, now);
    }
    impl_->moderation.setHubOperators(config_.operators);
}

void Hub::testSignIn(SessionId id, std::string account, TimePoint now) {
    owner_.check("Hub::testSignIn");
    impl_->setNow(now);
    Session* s = impl_->sessions.find(id);
    if (s == nullptr || !s->who.welcomed()) {
        return;
    }
    impl_->sessions.signIn(*s, std::move(account));
    if (!refuseHubBanned(*s, s->who.nick(), impl_->moderation, impl_->sessions, impl_->outbox,
                         impl_->facts, impl_->log)) {
        impl_->afterSignIn(*s);
    }
    impl_->flushAll(true);
}

Hub::~Hub() = default;

SessionId Hub::open(std::string peer, TimePoint now) {
    owner_.check("Hub::open");
    impl_->setNow(now);
    return impl_->sessions.open(std::move(peer), now);
}

SessionId Hub::refuse(std::string_view peer, Registry::Admission why, TimePoint now) {
    owner_.check("Hub::refuse");
    impl_->setNow(now);
    return impl_->sessions.refuse(peer, why, true);
}

void Hub::receive(SessionId id, std::string_view bytes, TimePoint now) {
    owner_.check("Hub::receive");
    impl_->setNow(now);
    if (Session* s = impl_->sessions.find(id)) {
        impl_->receive(*s, bytes);
    }
    impl_->processDoomed();
}

void Hub::flush() {
    owner_.check("Hub::flush");
    impl_->flushAll(false);
    impl_->history->submit();
}

void Hub::consumed(SessionId id, std::size_t n, TimePoint now) {
    owner_.check("Hub::consumed");
    impl_->setNow(now);
    if (Session* s = impl_->sessions.find(id)) {
        impl_->outbox.consumed(*s, n);
    }
    impl_->resumeIfDrained();
}

void Hub::closed(SessionId id, std::string_view why, TimePoint now) {
    owner_.check("Hub::closed");
    impl_->setNow(now);
    impl_->processDoomed();
    if (Session* s = impl_->sessions.find(id)) {
        impl_->finish(*s, CloseReason::ConnectionClosed,
                      why.empty() ? std::string(closeReasonQuitText(CloseReason::ConnectionClosed))
                                  : std::string(why),
                      false);
    }
    impl_->processDoomed();
}

TimePoint Hub::tick(TimePoint now) {
    owner_.check("Hub::tick");
    impl_->setNow(now);
    const TimePoint next = impl_->tick();
    impl_->history->submit();  // what timers released (rate-limited frames)
    return next;
}

void Hub::storeCommitted(TimePoint now) {
    owner_.check("Hub::storeCommitted");
    impl_->setNow(now);
    impl_->storeCommitted();
}

void Hub::storeReadsDone(TimePoint now) {
    owner_.check("Hub::storeReadsDone");
    impl_->setNow(now);
    impl_->storeReadsDone();
    impl_->history->submit();  // messages the waiting frames said
}

void Hub::accountsDone(TimePoint now) {
    owner_.check("Hub::accountsDone");
    impl_->setNow(now);
    impl_->accountsDone();
    impl_->history->submit();  // messages the waiting frames said
}

int Hub::accountsFd() const {
    return impl_->accounts.fd();
}

void Hub::filesDone(TimePoint now) {
    owner_.check("Hub::filesDone");
    impl_->setNow(now);
    impl_->filesDone();
    impl_->history->submit();  // FILE messages, and what the waiting frames said
}

std::size_t Hub::runFileJobs(std::size_t count) {
    owner_.check("Hub::runFileJobs");
    return impl_->transfers.runQueued(count);
}

int Hub::filesFd() const {
    return impl_->transfers.fd();
}

LatencyHistogram Hub::storeCommitLatency() const {
    return impl_->history->commitLatency();
}

std::uint64_t Hub::storeBacklog() const {
    return impl_->history->backlog();
}

int Hub::storeCommitFd() const {
    return impl_->history->commitFd();
}

int Hub::storeReadFd() const {
    return impl_->history->searchFd();
}

std::size_t Hub::heldMessages() const {
    return impl_->gate.heldMessages();
}

bool Hub::transfersWantTurn() const {
    return !impl_->budget.paused() && impl_->transfers.wantsTurn(impl_->sessions, impl_->now);
}

bool Hub::inputPaused() const {
    return impl_->budget.paused();
}

void Hub::takeBackplaneRequests(std::vector<BackplaneRequest>& out) {
    owner_.check("Hub::takeBackplaneRequests");
    impl_->backplane.takeRequests(out);
}

void Hub::backplanePublished(std::uint64_t ref, std::string_view error, TimePoint now) {
    owner_.check("Hub::backplanePublished");
    impl_->setNow(now);
    auto sent = impl_->backplane.answered(ref);
    if (!sent) {
        return;
    }
    if (sent->entrySeen) {
        // Its entry came (delivered, the sender's echo included): an error
        // now (the connection lost after Redis ran the script) is no
        // failure, and the sender told so would send it again.
        return;
    }
    if (error.empty()) {
        impl_->backplane.published(ref, sent->session);
        return;
    }
    Session* s = impl_->sessions.find(sent->session);
    if (s == nullptr || s->who.closing()) {
        return;
    }
    impl_->outbox.error(*s, v1::ERROR_CODE_CLUSTER_UNAVAILABLE, std::string(error), sent->room,
                        sent->clientMsgId);
}

std::size_t Hub::backplaneAwaited() const {
    return impl_->backplane.awaited();
}

void Hub::backplaneEntry(BackplaneEntry entry, TimePoint now) {
    owner_.check("Hub::backplaneEntry");
    impl_->setNow(now);
    impl_->backplaneEntry(std::move(entry));
}

void Hub::backplaneClaimed(std::uint64_t ref, bool granted, std::string_view error, TimePoint now) {
    owner_.check("Hub::backplaneClaimed");
    impl_->setNow(now);
    auto claim = impl_->backplane.claimed(ref);
    if (!claim) {
        return;
    }
    if (!granted && !error.empty()) {
        // Its fate is not known (the connection may have been lost after
        // Redis took it): Redis may list it as this hub's for good. Released
        // (once Redis is back, if it is down) unless a session here holds it.
        impl_->backplane.releaseNick(claim->nick);
    }
    Session* s = impl_->sessions.find(claim->session);
    if (s == nullptr || s->who.closing()) {
        if (granted) {
            impl_->backplane.releaseNick(std::move(claim->nick));  // unless held here
        }
        return;
    }
    if (claim->rename) {
        impl_->renameClaimed(*s, std::move(*claim), granted, error);
        impl_->resumeWaiting(*s);
        impl_->receive(*s, {});
        return;
    }
    impl_->intake.readDone(*s);
    if (!granted) {
        if (error.empty()) {
            impl_->outbox.error(
                *s, v1::ERROR_CODE_NICK_TAKEN,
                "nick " + claim->hello.nick() + " is in use on another hub of the cluster");
        } else {
            impl_->outbox.error(*s, v1::ERROR_CODE_CLUSTER_UNAVAILABLE, std::string(error));
        }
    } else {
        const bool welcomed = onHello(*s, claim->hello, impl_->sessions, impl_->accounts,
                                      impl_->intake, impl_->outbox, impl_->facts, now);
        if (welcomed || s->in.awaitingRead()) {
            // Held until the session ends (or claims another): also while
            // its password is checked.
            impl_->backplane.own(s->id, std::move(claim->nick));
        } else {
            // Refused further on: free again, unless another session here
            // has it (two Hellos of this hub raced for it).
            impl_->backplane.releaseNick(std::move(claim->nick));
        }
        if (welcomed) {
            impl_->afterWelcome(*s);
        }
    }
    impl_->receive(*s, {});
}

void Hub::backplanePrivateSent(std::uint64_t ref, PrivateOutcome outcome, std::string_view detail,
                               TimePoint now) {
    owner_.check("Hub::backplanePrivateSent");
    impl_->setNow(now);
    auto sent = impl_->backplane.privateAnswered(ref);
    if (!sent) {
        if (auto forwarded = impl_->backplane.forwardAnswered(ref)) {
            impl_->forwardAnswered(std::move(*forwarded), outcome, detail);
        } else if (auto waited = impl_->backplane.waitedAnswered(ref)) {
            impl_->waitedAnswered(*waited, outcome, detail);
        }
        return;
    }
    privateSentAcross(*sent, outcome, detail, impl_->sessions, impl_->accounts,
                      impl_->conversations, impl_->gate, impl_->stamper, *impl_->history,
                      impl_->outbox, impl_->facts, impl_->backplane, now);
}

void Hub::Impl::forwardAnswered(Backplane::Forwarded forwarded, PrivateOutcome outcome,
                                std::string_view detail) {
    switch (outcome) {
        case PrivateOutcome::Published:
            return;
        case PrivateOutcome::HeldHere:
            // Claimed here again since (a reconnect to this same hub): to
            // that session if welcomed by now, else held for it.
            forwarded.entry.ref = 0;
            if (sessions.findNick(forwarded.nickKey) != nullptr) {
                deliverPrivate(std::move(forwarded.entry));
            } else {
                holdPrivate(forwarded.nickKey, std::move(forwarded.entry));
            }
            return;
        case PrivateOutcome::NoHolder:
        case PrivateOutcome::HolderDeaf:
        case PrivateOutcome::Failed:
            break;
    }
    log.warning(
        "backplane: private message %?u from hub %s, forwarded for %s who left this hub, was not "
        "delivered (%s)",
        forwarded.entry.seq, forwarded.entry.hub, forwarded.nickKey,
        outcome == PrivateOutcome::Failed       ? std::string(detail)
        : outcome == PrivateOutcome::HolderDeaf ? "its hub is cut from Redis"
                                                : std::string("no hub holds the nick now"));
}

void Hub::backplanePrivate(BackplaneEntry entry, TimePoint now) {
    owner_.check("Hub::backplanePrivate");
    impl_->setNow(now);
    impl_->expireHeldPrivate();
    if (impl_->backplane.acceptPrivate(entry) != Backplane::Verdict::Deliver) {
        return;  // delivered already, or waits for the ones before it
    }
    impl_->deliverPrivate(std::move(entry));
    while (auto next = impl_->backplane.takeNextPrivate()) {
        impl_->deliverPrivate(std::move(*next));
    }
}

void Hub::backplanePrivateCursor(std::uint64_t count, TimePoint now) {
    owner_.check("Hub::backplanePrivateCursor");
    impl_->setNow(now);
    impl_->backplane.privateCursor(count);
}

void Hub::backplanePrivateFilled(std::size_t entries, TimePoint now) {
    owner_.check("Hub::backplanePrivateFilled");
    impl_->setNow(now);
    if (const std::uint64_t skip = impl_->backplane.privateFilled(entries); skip != 0) {
        impl_->log.warning(
            "backplane: this hub's private stream no longer holds messages before %?u; "
            "those were not delivered",
            skip);
    }
    while (auto next = impl_->backplane.takeNextPrivate()) {
        impl_->deliverPrivate(std::move(*next));
    }
}

void Hub::backplaneFillFailed(const std::string& room, TimePoint now) {
    owner_.check("Hub::backplaneFillFailed");
    impl_->setNow(now);
    impl_->backplane.fillFailed(room);
}

void Hub::backplanePrivateFillFailed(TimePoint now) {
    owner_.check("Hub::backplanePrivateFillFailed");
    impl_->setNow(now);
    impl_->backplane.privateFillFailed();
}

void Hub::backplaneFilled(const std::string& room, std::size_t entries, std::uint64_t lastSeq,
                          TimePoint now) {
    owner_.check("Hub::backplaneFilled");
    impl_->setNow(now);
    Room* found = impl_->rooms.find(room);
    if (found == nullptr) {
        return;
    }
    const std::uint64_t skip =
        impl_->backplane.filled(room, entries, lastSeq, found->log.nextSeq());
    if (skip != 0) {
        if (!impl_->gate.skipTo(*found, skip)) {
            // Its messages are still held for the store: asked again once
            // they are out (a Fill finds the same gap).
            impl_->backplane.fill(room, found->log.nextSeq());
            return;
        }
        impl_->log.warning(
            "backplane: %s's stream no longer holds seqs before %?u; this hub's "
            "history of it has a gap",
            room, skip);
    }
    impl_->deliverWaitingEntries(*found);
    if (skip != 0 && entries >= kFillPage) {
        // A full page after a skip: the rest from where it ended.
        impl_->backplane.fill(room, found->log.nextSeq());
    }
}

void Hub::backplanePresence(const BackplanePresence& event, TimePoint now) {
    owner_.check("Hub::backplanePresence");
    impl_->setNow(now);
    if (protocol::checkRoom(event.room) || protocol::canonicalRoom(event.room) != event.room) {
        impl_->log.warning("backplane: presence of '%s' (%s from hub %s) names no room; dropped",
                           event.room, event.nick, event.hub);
        return;
    }
    if (event.kind == "renamed" && protocol::checkNick(event.reason)) {
        impl_->log.warning("backplane: rename of %s in %s (hub %s) to '%s', not a nick; dropped",
                           event.nick, event.room, event.hub, event.reason);
        return;
    }
    if (event.kind == "away" &&
        (event.reason.empty() ||
         protocol::checkOptionalText(event.reason, protocol::kMaxAwayBytes, "away message"))) {
        // Shown to the room as an away of this hub's would be: the same rules.
        impl_->log.warning("backplane: away of %s in %s (hub %s) with a bad text; dropped",
                           event.nick, event.room, event.hub);
        return;
    }
    if (impl_->backplane.applyPresence(event)) {
        impl_->showBackplanePresence(event);
    }
}

// Another hub's presence, applied to Backplane's lists: shown to this
// hub's members of the room as a local change is.
void Hub::Impl::showBackplanePresence(const BackplanePresence& event) {
    Room* room = rooms.find(event.room);
    if (room != nullptr && event.kind == "kicked") {
        // A kick is carried out by its member's hub (applyKick): the
        // operator who asked from outside the room learns of it now. (A
        // ban's setter was told when the ban came: applyBan.)
        tellSetter(room, v1::PRESENCE_KIND_KICKED, {event.nick}, event.by, event.reason);
    }
    if (room == nullptr || room->members.empty()) {
        return;  // listed for whoever joins it here
    }
    if (event.kind == "renamed") {
        // As a rename here: NICK_CHANGED at once (it is not coalesced).
        presence.nickChanged(*room, event.nick, event.reason, false, gate, outbox);
        return;
    }
    if (event.kind == "kicked" || event.kind == "banned") {
        // Its hub removed it (ClusterRoomState.cpp): shown as a local removal.
        presence.moderation(
            *room, event.kind == "kicked" ? v1::PRESENCE_KIND_KICKED : v1::PRESENCE_KIND_BANNED,
            {event.nick}, event.by, event.reason, gate, outbox);
        return;
    }
    const v1::PresenceKind kind = event.kind == "joined" ? v1::PRESENCE_KIND_JOINED
                                  : event.kind == "left" ? v1::PRESENCE_KIND_LEFT
                                  : event.kind == "away" ? v1::PRESENCE_KIND_AWAY
                                  : event.kind == "back" ? v1::PRESENCE_KIND_BACK
                                                         : v1::PRESENCE_KIND_QUIT;
    // Whether another hub's member spoke is that hub's to know: in a large
    // room its presence reaches the followers only (docs/CLUSTER.md). A
    // JOINED's reason is its profile, for Whois (RemoteProfiles.hpp), not
    // for the room: a JOINED here has none.
    presence.queue(
        *room, kind,
        kind == v1::PRESENCE_KIND_JOINED ? std::string_view() : std::string_view(event.reason),
        event.nick, false, now, gate, outbox);
}

void Hub::backplaneMembers(const std::vector<BackplaneMember>& members, TimePoint now) {
    owner_.check("Hub::backplaneMembers");
    impl_->setNow(now);
    // What changed while this hub was away from Redis (notices it could
    // not hear) is shown now, as the notices would have been.
    for (const BackplanePresence& change : impl_->backplane.setMembers(members)) {
        impl_->showBackplanePresence(change);
    }
}

void Hub::backplaneUp(bool up, TimePoint now) {
    owner_.check("Hub::backplaneUp");
    impl_->setNow(now);
    impl_->backplane.setUp(up);
    if (!up) {
        // Their answers may still come from hiredis's callbacks (as lost);
        // a session never waits on a connection that is gone.
        impl_->accountWritesLost();
    }
    if (up) {
        impl_->rooms.forEach(
            [this](Room& room) { impl_->backplane.fill(room.name, room.log.nextSeq()); });
        impl_->syncMembers();
        impl_->backplane.loadMembers();
        impl_->clusterState.reading();
        impl_->backplane.loadStates();
        impl_->signInsAfterReconnect();
    }
}

void Hub::shutdown(std::string_view reason) {
    owner_.check("Hub::shutdown");
    impl_->shutdown(reason);
}

std::size_t Hub::output(SessionId id, std::span<std::string_view> views) const {
    owner_.check("Hub::output");
    const Session* s = impl_->sessions.find(id);
    return s == nullptr ? 0 : s->out.queue().views(views);
}

void Hub::takeReady(std::vector<SessionId>& writable, std::vector<Closing>& closing) {
    owner_.check("Hub::takeReady");
    impl_->processDoomed();
    impl_->transfers.pump(impl_->sessions, impl_->outbox, impl_->budget.paused(), impl_->now);
    impl_->outbox.takeWritable(impl_->sessions, writable);
    impl_->sessions.takeClosing(closing);
}

}  // namespace hermes::hub

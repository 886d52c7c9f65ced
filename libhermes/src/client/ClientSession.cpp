#include "hermes/client/ClientSession.hpp"

#include <algorithm>
#include <utility>

#include "hermes/codec/FrameEncoder.hpp"
#include "hermes/protocol/Limits.hpp"
#include "hermes/protocol/ProtocolError.hpp"

namespace hermes::client {

namespace {

namespace v1 = hermes::v1;
using std::chrono::milliseconds;

std::string describeMs(milliseconds ms) {
    return std::to_string(ms.count()) + " ms";
}

}  // namespace

ClientSession::ClientSession(ClientOptions options, std::uint64_t seed)
    : options_(std::move(options)),
      nick_(options_.nick),
      backoff_(options_.backoffInitial, options_.backoffMax, seed),
      hubs_(options_.hubs()),
      decoder_(options_.maxFrameBytes) {}

// ---- what the I/O loop does next ----------------------------------------------

ClientSession::Want ClientSession::want() const {
    switch (state_) {
        case State::Idle:
            return Want::Connect;
        case State::Waiting:
        case State::Connecting:
            return Want::Wait;
        case State::Handshaking:
        case State::Welcomed:
            return ended_ ? Want::Drop : Want::Talk;
        case State::Closing:
            return Want::Close;
        case State::Finished:
            return Want::Finished;
    }
    return Want::Finished;
}

std::optional<ClientSession::TimePoint> ClientSession::nextDeadline() const {
    std::optional<TimePoint> at;
    const auto earliest = [&at](TimePoint t) {
        if (!at || t < *at) {
            at = t;
        }
    };
    switch (state_) {
        case State::Waiting:
            earliest(retryAt_);
            break;
        case State::Handshaking:
            if (!nickRejected_) {
                earliest(helloAt_ + options_.handshakeTimeout);
            }
            break;
        case State::Welcomed: {
            if (options_.idlePingInterval.count() > 0) {
                earliest(pingOutstanding_ ? pingAt_ + options_.idlePingInterval
                                          : lastHeard_ + options_.idlePingInterval);
            }
            if (paceAt_) {
                earliest(*paceAt_);
            }
            if (!storeRetries_.empty()) {
                earliest(storeRetries_.begin()->first);
            }
            break;
        }
        case State::Closing:
            earliest(closeBy_);
            break;
        default:
            break;
    }
    return at;
}

// ---- the connection's life -------------------------------------------------------

void ClientSession::connecting(TimePoint) {
    state_ = State::Connecting;
    Event event;
    event.kind = EventKind::Connecting;
    event.text = hub().text();  // "[v6]:port" for IPv6, as --host takes it
    event.attempt = backoff_.attempts() + 1;
    events_.push_back(std::move(event));
}

void ClientSession::connected(TimePoint now) {
    if (state_ == State::Closing) {
        closeBy_ = now;  // stop() came during the connect: close at once
        return;
    }
    state_ = State::Handshaking;
    ++connection_;
    decoder_ = codec::FrameDecoder(options_.maxFrameBytes);
    out_.clear();
    outPos_ = 0;
    ended_ = false;
    endReason_.clear();
    hubSaid_.clear();
    mayRetry_ = true;
    backplaneLost_ = false;
    nickRejected_ = false;
    pingOutstanding_ = false;
    lastHeard_ = now;
    historyOrigins_.clear();
    catchingUp_.clear();
    internal_.clear();  // a previous connection's rejoins: this one makes its own
    sendHello(now);
    emit(EventKind::Connected);
}

void ClientSession::connectFailed(const std::string& why, TimePoint now) {
    if (state_ == State::Closing) {
        state_ = State::Finished;
        return;
    }
    if (options_.autoReconnect) {
        nextHub();
        scheduleRetry(why, now);
    } else {
        fail(why);
    }
}

void ClientSession::disconnected(const std::string& why, TimePoint now) {
    if (state_ == State::Closing || state_ == State::Finished) {
        state_ = State::Finished;
        return;
    }
    const bool wasWelcomed = state_ == State::Welcomed;
    // A fatal Error or a Bye explains the close better than the socket does.
    const std::string reason = !hubSaid_.empty() ? hubSaid_ : ended_ ? endReason_ : why;
    sends_.connectionLost();
    internal_.clear();
    settleDue_ = false;
    catchingUp_.clear();
    const bool retry = options_.autoReconnect && mayRetry_;
    Event lost;
    lost.kind = EventKind::Disconnected;
    lost.text = reason;
    lost.willRetry = retry;
    events_.push_back(std::move(lost));
    // A hub cut from its cluster welcomes us and refuses our lines: not a
    // session that worked, so the backoff keeps growing.
    if (wasWelcomed && !backplaneLost_) {
        backoff_.reset();
    }
    backplaneLost_ = false;
    if (retry) {
        nextHub();
        scheduleRetry(reason, now);
    } else {
        fail(reason);
    }
}

void ClientSession::nextHub() {
    hubIndex_ = (hubIndex_ + 1) % hubs_.size();
}

void ClientSession::scheduleRetry(const std::string& why, TimePoint now) {
    Event scheduled;
    scheduled.kind = EventKind::ReconnectScheduled;
    scheduled.delay = backoff_.next();
    scheduled.attempt = backoff_.attempts();
    scheduled.text = why;
    scheduled.hub = hub().text();
    retryAt_ = now + scheduled.delay;
    state_ = State::Waiting;
    events_.push_back(std::move(scheduled));
}

void ClientSession::fail(const std::string& why) {
    state_ = State::Finished;
    queue_.clear();
    internal_.clear();
    storeRetries_.clear();
    for (const std::uint64_t id : sends_.clear()) {
        emitSend(EventKind::SendFailed, id, "not sent: " + why);
    }
    emit(EventKind::Failed, why);
}

void ClientSession::endConnection(std::string reason) {
    if (!ended_) {
        ended_ = true;
        endReason_ = std::move(reason);
    }
}

void ClientSession::tick(TimePoint now) {
    switch (state_) {
        case State::Waiting:
            if (now >= retryAt_) {
                state_ = State::Idle;
            }
            return;
        case State::Handshaking:
            if (!nickRejected_ && now >= helloAt_ + options_.handshakeTimeout) {
                endConnection("no Welcome from the hub within " +
                              describeMs(options_.handshakeTimeout));
            }
            return;
        case State::Welcomed: {
            const auto interval = options_.idlePingInterval;
            if (interval.count() > 0) {
                if (pingOutstanding_ && now >= pingAt_ + interval) {
                    endConnection("the hub did not answer for " + describeMs(2 * interval));
                    return;
                }
                if (!pingOutstanding_ && now >= lastHeard_ + interval) {
                    v1::Envelope ping;
                    ping.mutable_ping()->set_nonce(++pingNonce_);
                    writeNow(ping);
                    pingOutstanding_ = true;
                    pingAt_ = now;
                }
            }
            retryStoreBehind(now);
            pump(now);
            return;
        }
        default:
            return;
    }
}

// ---- bytes -----------------------------------------------------------------------

std::string_view ClientSession::output() const {
    return std::string_view(out_).substr(outPos_);
}

void ClientSession::wrote(std::size_t n) {
    outPos_ = std::min(out_.size(), outPos_ + n);
    if (outPos_ == out_.size()) {
        out_.clear();
        outPos_ = 0;
    }
}

void ClientSession::received(std::string_view bytes, TimePoint now) {
    if (state_ != State::Handshaking && state_ != State::Welcomed) {
        return;
    }
    decoder_.feed(bytes);
    lastHeard_ = now;
    pingOutstanding_ = false;
    decode(now);
    pump(now);
}

void ClientSession::decode(TimePoint now) {
    while (!ended_) {
        auto envelope = std::make_unique<v1::Envelope>();
        if (!decoder_.next(*envelope)) {
            if (decoder_.failed()) {
                endConnection("bad frame from the hub: " +
                              std::string(codec::describe(decoder_.error())));
            }
            return;
        }
        handle(std::move(envelope), now);
    }
}

void ClientSession::handle(std::unique_ptr<v1::Envelope> envelope, TimePoint now) {
    using E = v1::Envelope;
    switch (envelope->body_case()) {
        case E::kPing: {
            v1::Envelope pong;
            pong.mutable_pong()->set_nonce(envelope->ping().nonce());
            writeNow(pong);
            return;
        }
        case E::kPong:
            return;
        case E::kWelcome:
            onWelcome(std::move(envelope), now);
            return;
        case E::kError:
            onError(std::move(envelope), now);
            return;
        case E::kMessage:
            onMessage(std::move(envelope));
            return;
        case E::kHistoryPage:
            onHistoryPage(std::move(envelope));
            return;
        case E::kBye: {
            const auto& bye = envelope->bye();
            const bool kicked = bye.reason() == v1::BYE_REASON_KICKED;
            hubSaid_ = std::string(kicked ? "kicked by the hub" : "the hub is shutting down") +
                       (bye.text().empty() ? "" : ": " + bye.text());
            if (kicked) {
                mayRetry_ = false;
            }
            break;
        }
        case E::kPresence:
            if (rooms_.onPresence(envelope->presence())) {
                setNick(rooms_.ownNick());
            }
            break;
        case E::kMembers:
            rooms_.onMemberList(envelope->members());
            break;
        case E::kAccountReply:
            // Signed in (Identify, Register): the account's messages from
            // its other sessions are ours too.
            conversations_.onAccount(envelope->account_reply().account());
            break;
        default:
            break;
    }
    emit(EventKind::Envelope, {}, std::move(envelope));
}

void ClientSession::onWelcome(std::unique_ptr<v1::Envelope> envelope, TimePoint now) {
    state_ = State::Welcomed;
    nickRejected_ = false;
    nickHeldRetries_ = 0;
    // Another hub than the last Welcome's: the same cluster if its epoch is
    // the same (RoomTracker keeps the cursors), else seqs of its own.
    const bool sameHub = !welcomedBy_ || *welcomedBy_ == hubIndex_;
    const bool moved = !sameHub;
    welcomedBy_ = hubIndex_;
    const bool seqsRestart = rooms_.onWelcome(envelope->welcome(), sameHub);
    conversations_.onWelcome(envelope->welcome(), sameHub);
    setNick(rooms_.ownNick());
    // Pace to the hub's bucket, which our Hello already took a token from.
    const v1::Limits& limits = envelope->welcome().limits();
    pacer_ = protocol::TokenBucket(limits.rate_per_second(), limits.rate_burst(), now);
    if (!pacer_.unlimited()) {
        pacer_.tryTake(now);
    }
    // Says written and not echoed: a burst's worth at most. A hub that stops
    // echoing (its input paused for its output budget) then stops us too,
    // instead of our lines piling up unread in its socket and arriving as a
    // flood when it reads again.
    unechoedWindow_ = limits.rate_per_second() > 0 ? std::max<std::size_t>(1, limits.rate_burst())
                                                   : kUnlimitedUnechoedWindow;
    std::string note;
    if (moved) {
        note = seqsRestart ? "now on hub " + hub().text() +
                                 ", not of the same cluster (another epoch): its rooms' history "
                                 "is its own"
                           : "now on hub " + hub().text() + " (the same cluster): catching up";
    } else if (seqsRestart) {
        note = "the hub restarted (new epoch): history before it is gone";
    }
    emit(EventKind::Welcomed, std::move(note), std::move(envelope));
    // Rejoin and catch up before anything the application queued meanwhile.
    for (const auto& room : rooms_.joinedRooms()) {
        v1::Envelope join;
        join.mutable_join()->set_room(room);
        join.mutable_join()->set_skip_backlog(true);
        internal_.push_back(Queued{std::move(join), 0});
        rooms_.startAt(room, rooms_.lastSeq(room));
        requestCatchUp(room, rooms_.lastSeq(room));
    }
    settleDue_ = connection_ > 1;
    if (settleDue_ && catchingUp_.empty()) {
        settleSends();
    }
    pump(now);
}

void ClientSession::onError(std::unique_ptr<v1::Envelope> envelope, TimePoint now) {
    const auto& error = envelope->error();
    if (state_ == State::Handshaking && error.code() == v1::ERROR_CODE_NICK_TAKEN && welcomedBy_ &&
        options_.autoReconnect && nickHeldRetries_ < kNickHeldRetries && rooms_.isOwnNick(nick_)) {
        // A reconnect with the nick we had: the holder is most likely our own
        // previous session (a half-open connection the hub has not timed out,
        // or a dead hub whose lease the cluster has not yet expired). It goes
        // away by itself: try again (the next hub, after the backoff).
        ++nickHeldRetries_;
        endConnection("nick " + nick_ +
                      " still held, most likely by our previous session: " + error.text());
        return;
    }
    if (state_ == State::Handshaking && !error.fatal() &&
        (error.code() == v1::ERROR_CODE_NICK_TAKEN || error.code() == v1::ERROR_CODE_INVALID_NICK ||
         error.code() == v1::ERROR_CODE_PASSWORD_REQUIRED ||
         error.code() == v1::ERROR_CODE_WRONG_PASSWORD ||
         error.code() == v1::ERROR_CODE_INVALID_PASSWORD ||
         error.code() == v1::ERROR_CODE_SIGN_IN_THROTTLED ||
         error.code() == v1::ERROR_CODE_ACCOUNTS_BUSY)) {
        nickRejected_ = true;
        const std::string text = error.text();
        emit(EventKind::NickRejected, text, std::move(envelope));
        return;
    }
    const std::uint64_t id = error.client_msg_id();
    if (error.code() == v1::ERROR_CODE_CLUSTER_UNAVAILABLE && options_.autoReconnect &&
        (hubs_.size() > 1 || state_ == State::Handshaking)) {
        // The hub cannot reach its cluster's Redis (partitioned, or Redis is
        // down): another hub of the list may. A say it refused may or may
        // not have been taken; it stays written, so the drop puts it in
        // doubt and the next hub's catch-up settles it (SendTracker.hpp):
        // acknowledged if it is in the room, sent again if not.
        backplaneLost_ = true;
        endConnection("hub " + hub().text() + " cannot reach its cluster: " + error.text());
        emit(EventKind::Envelope, {}, std::move(envelope));
        return;
    }
    if (id != 0 && sends_.contains(id)) {
        if (error.code() == v1::ERROR_CODE_STORE_BEHIND && !error.fatal() &&
            storeRefusals_[id] < kStoreBehindRetries) {
            // Not taken, not lost: the hub's disk is behind. Again shortly.
            const int refusals = storeRefusals_[id]++;
            sends_.requeue(id);
            storeRetries_.emplace(now + kStoreBehindRetry * (1 << refusals), id);
            return;
        }
        storeRefusals_.erase(id);
        sends_.refused(id);
        const std::string text = error.text();
        emitSend(EventKind::SendFailed, id, text, std::move(envelope));
        return;
    }
    if (error.code() == v1::ERROR_CODE_INVALID_ROOM) {
        finishCatchUp(error.room());  // its HistoryRequest has no page coming
    }
    if (error.fatal()) {
        hubSaid_ =
            "hub error " + std::string(protocol::errorCodeName(error.code())) + ": " + error.text();
        if (error.code() == v1::ERROR_CODE_PROTOCOL_VERSION) {
            mayRetry_ = false;
        }
    }
    emit(EventKind::Envelope, {}, std::move(envelope));
}

void ClientSession::onMessage(std::unique_ptr<v1::Envelope> envelope) {
    const auto& message = envelope->message();
    const std::uint64_t id = message.client_msg_id();
    // Live: the only place a send is acknowledged (SendTracker.hpp).
    const bool acked = sends_.echoed(message);
    if (acked) {
        dropQueued(id);  // a copy waiting to be sent again is not needed
    }
    // A private message is deduplicated by its conversation's private_seq
    // (ConversationTracker), never by (room, seq): its seq is 0.
    const bool fresh = message.room().empty() ? conversations_.accept(message, nick_)
                                              : rooms_.accept(message.room(), message.seq());
    if (fresh) {
        emit(EventKind::Envelope, {}, std::move(envelope));
    }
    if (acked) {
        emitSend(EventKind::SendAcked, id);
    }
}

void ClientSession::onHistoryPage(std::unique_ptr<v1::Envelope> envelope) {
    v1::HistoryPage& page = *envelope->mutable_history_page();
    bool ours = false;
    if (!page.backlog()) {
        auto origins = historyOrigins_.find(page.room());
        if (origins != historyOrigins_.end() && !origins->second.empty()) {
            ours = origins->second.front();
            origins->second.pop_front();
        }
    }
    // Only the catch-up's own pages may show a send in doubt; backlog and the
    // application's history pages never acknowledge anything.
    std::vector<std::uint64_t> found;
    if (ours) {
        for (const auto& message : page.messages()) {
            if (sends_.foundInCatchUp(message)) {
                found.push_back(message.client_msg_id());
            }
        }
    }
    if (!page.backlog() && !ours) {
        emit(EventKind::Envelope, {}, std::move(envelope));  // what the application asked for
        return;
    }
    const std::string room = page.room();
    if (ours && page.head_seq() < rooms_.lastSeq(room)) {
        // The room's newest seq is below what we saw: the hub lost its
        // history (a new database, or in memory after all). Its seqs are new
        // messages again.
        rooms_.restartAt(room, page.head_seq());
    }
    const std::uint64_t lastInPage =
        page.messages().empty() ? 0 : page.messages(page.messages_size() - 1).seq();
    if (page.has_gap()) {
        rooms_.markGone(room, page.gap().first_seq(), page.gap().last_seq());
    }
    auto& messages = *page.mutable_messages();
    int kept = 0;
    for (int i = 0; i < messages.size(); ++i) {
        if (rooms_.accept(room, messages.Get(i).seq())) {
            if (kept != i) {
                messages.SwapElements(kept, i);
            }
            ++kept;
        }
    }
    while (messages.size() > kept) {
        messages.RemoveLast();
    }
    const bool more = ours && page.has_more() && lastInPage > 0;
    const bool deliver = !ours || !messages.empty() || page.has_gap();
    if (deliver) {
        emit(EventKind::Envelope, {}, std::move(envelope));
    }
    for (const std::uint64_t id : found) {
        emitSend(EventKind::SendAcked, id);
    }
    if (!ours) {
        return;
    }
    catchingUp_.erase(room);
    if (more) {
        requestCatchUp(room, lastInPage);
    } else if (catchingUp_.empty() && settleDue_) {
        settleSends();
    }
}

// ---- the catch-up ------------------------------------------------------------------

void ClientSession::requestCatchUp(const std::string& room, std::uint64_t afterSeq) {
    v1::Envelope request;
    request.mutable_history_request()->set_room(room);
    request.mutable_history_request()->set_after_seq(afterSeq);
    internal_.push_back(Queued{std::move(request), 0});
    catchingUp_.insert(room);
}

void ClientSession::finishCatchUp(const std::string& room) {
    if (catchingUp_.erase(room) == 0) {
        return;
    }
    const auto origins = historyOrigins_.find(room);
    if (origins != historyOrigins_.end() && !origins->second.empty()) {
        origins->second.pop_front();
    }
    if (catchingUp_.empty() && settleDue_) {
        settleSends();
    }
}

// Every room has caught up: a say still in doubt was never taken (it would
// be in its room's history now) and goes out again, before anything queued
// after it; a private message in doubt cannot be looked up.
void ClientSession::settleSends() {
    settleDue_ = false;
    SendTracker::Settlement settlement = sends_.settle();
    for (auto& failure : settlement.failed) {
        emitSend(EventKind::SendFailed, failure.id, std::move(failure.why));
    }
    for (auto it = settlement.resend.rbegin(); it != settlement.resend.rend(); ++it) {
        queue_.push_front(Queued{sends_.frame(*it), *it});
    }
}

// ---- writing -------------------------------------------------------------------------

void ClientSession::writeNow(const v1::Envelope& envelope) {
    if (outPos_ > 0 && outPos_ * 2 >= out_.size()) {
        out_.erase(0, outPos_);
        outPos_ = 0;
    }
    codec::appendFrame(envelope, out_);
}

void ClientSession::sendHello(TimePoint now) {
    v1::Envelope hello;
    hello.mutable_hello()->set_protocol_version(protocol::kProtocolVersion);
    hello.mutable_hello()->set_nick(nick_);
    hello.mutable_hello()->set_client_name(options_.clientName);
    hello.mutable_hello()->set_password(options_.password);
    hello.mutable_hello()->set_hub_password(options_.hubPassword);
    writeNow(hello);
    helloAt_ = now;
}

void ClientSession::pump(TimePoint now) {
    paceAt_.reset();
    if (state_ != State::Welcomed && state_ != State::Closing) {
        return;
    }
    while (out_.size() - outPos_ < kMaxWriteBufferBytes) {
        std::deque<Queued>* from = nullptr;
        if (!internal_.empty()) {
            from = &internal_;
        } else if (!holdingQueue() && !queue_.empty()) {
            from = &queue_;
        } else {
            return;
        }
        if (from == &queue_ && from->front().trackedId != 0 &&
            sends_.written() >= unechoedWindow_) {
            return;  // the hub is not echoing (its input paused?): wait for it
        }
        // An upload's chunks are paced by the hub's FileProgress (the
        // window), not by the message rate: they take no token here either.
        if (!from->front().frame.has_file_chunk() && !pacer_.unlimited() && !pacer_.tryTake(now)) {
            paceAt_ = pacer_.nextTokenAt(now);
            return;
        }
        Queued next = std::move(from->front());
        from->pop_front();
        if (next.frame.has_history_request()) {
            historyOrigins_[next.frame.history_request().room()].push_back(from == &internal_);
        }
        writeNow(next.frame);
        if (next.trackedId != 0) {
            sends_.written(next.trackedId);
            emitSend(EventKind::SendWritten, next.trackedId);
        }
    }
}

void ClientSession::retryStoreBehind(TimePoint now) {
    // Due ones go to the front of the queue, oldest first.
    std::vector<std::uint64_t> due;
    while (!storeRetries_.empty() && storeRetries_.begin()->first <= now) {
        due.push_back(storeRetries_.begin()->second);
        storeRetries_.erase(storeRetries_.begin());
    }
    std::sort(due.begin(), due.end());
    for (auto it = due.rbegin(); it != due.rend(); ++it) {
        if (sends_.contains(*it)) {
            queue_.push_front(Queued{sends_.frame(*it), *it});
        }
    }
}

void ClientSession::dropQueued(std::uint64_t trackedId) {
    std::erase_if(queue_, [trackedId](const Queued& q) { return q.trackedId == trackedId; });
    for (auto it = storeRetries_.begin(); it != storeRetries_.end();) {
        it = it->second == trackedId ? storeRetries_.erase(it) : std::next(it);
    }
    storeRefusals_.erase(trackedId);
}

// ---- the application's side ------------------------------------------------------------

void ClientSession::submit(v1::Envelope frame, std::uint64_t trackedId, TimePoint now) {
    if (state_ == State::Finished) {
        if (trackedId != 0) {
            emitSend(EventKind::SendFailed, trackedId, "not sent: the client has stopped");
        }
        return;
    }
    if (state_ == State::Closing) {
        return;  // stop(): the application hears nothing more
    }
    if (frame.has_typing()) {
        // Best-effort: never paced (it would take a message's token), never
        // queued for later (stale by then). Written now if the session is
        // welcomed and caught up, else dropped.
        if (state_ == State::Welcomed && !holdingQueue() &&
            out_.size() - outPos_ < kMaxWriteBufferBytes) {
            writeNow(frame);
        }
        return;
    }
    if (trackedId != 0) {
        sends_.add(trackedId, frame);
    }
    queue_.push_back(Queued{std::move(frame), trackedId});
    pump(now);
}

void ClientSession::retryNick(const std::string& nick, TimePoint now) {
    nick_ = nick;
    if (state_ == State::Handshaking) {
        nickRejected_ = false;
        sendHello(now);
    }
}

void ClientSession::stop(const std::string& quitMessage, TimePoint now) {
    events_.clear();  // the application asked: it hears nothing more
    switch (state_) {
        case State::Welcomed: {
            state_ = State::Closing;
            pump(now);  // what pacing allows now
            v1::Envelope bye;
            bye.mutable_bye()->set_reason(v1::BYE_REASON_CLIENT_QUIT);
            bye.mutable_bye()->set_text(quitMessage);
            writeNow(bye);
            closeBy_ = now + options_.stopLinger;
            break;
        }
        case State::Handshaking:
        case State::Connecting:
            // Before Welcome the hub takes nothing but Hello: just close.
            out_.clear();
            outPos_ = 0;
            state_ = State::Closing;
            closeBy_ = now;
            break;
        default:
            state_ = State::Finished;
            break;
    }
}

// ---- events ----------------------------------------------------------------------------

bool ClientSession::takeEvent(Event& out) {
    if (events_.empty()) {
        return false;
    }
    out = std::move(events_.front());
    events_.pop_front();
    return true;
}

void ClientSession::emit(EventKind kind, std::string text, std::unique_ptr<v1::Envelope> envelope) {
    if (state_ == State::Closing || state_ == State::Finished) {
        if (kind != EventKind::Failed && kind != EventKind::SendFailed) {
            return;
        }
    }
    Event event;
    event.kind = kind;
    event.text = std::move(text);
    event.envelope = std::move(envelope);
    events_.push_back(std::move(event));
}

void ClientSession::emitSend(EventKind kind, std::uint64_t id, std::string text,
                             std::unique_ptr<v1::Envelope> envelope) {
    if (state_ == State::Closing) {
        return;
    }
    Event event;
    event.kind = kind;
    event.clientMsgId = id;
    event.text = std::move(text);
    event.envelope = std::move(envelope);
    events_.push_back(std::move(event));
}

void ClientSession::setNick(const std::string& nick) {
    nick_ = nick;
    sends_.addOwnNick(nick);
}

}  // namespace hermes::client

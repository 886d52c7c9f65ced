#include "SessionTable.hpp"

#include <algorithm>
#include <utility>

#include "Outbox.hpp"
#include "hermes/codec/FrameEncoder.hpp"
#include "hermes/protocol/Validation.hpp"

namespace hermes::hub {

SessionTable::SessionTable(const HubConfig& config, HubStats& stats, Registry& registry,
                           MemoryGauge& memory, Poco::Logger& log)
    : config_(config), stats_(stats), registry_(registry), memory_(memory), log_(log) {}

std::string SessionTable::describe(const Session& s) {
    std::string text = "session " + std::to_string(s.id) + " (" + s.peer;
    if (!s.who.nick().empty()) {
        text += ", " + s.who.nick();
    }
    return text + ")";
}

SessionId SessionTable::open(std::string peer, TimePoint now) {
    if (shuttingDown_) {
        v1::Envelope bye;
        bye.mutable_bye()->set_reason(v1::BYE_REASON_SHUTDOWN);
        bye.mutable_bye()->set_text("the hub is shutting down");
        const SessionId id = nextId_++;
        addClosing(id, codec::encodeFrame(bye), CloseReason::Shutdown);
        return id;
    }
    const Registry::Admission admission =
        registry_.admit(Registry::addressOf(peer), Registry::limitsOf(config_));
    if (admission != Registry::Admission::Admitted) {
        return refuse(peer, admission, false);
    }
    const SessionId id = nextId_++;
    auto session = std::make_unique<Session>(
        id, std::move(peer), config_.handshakeMaxFrameBytes,
        protocol::TokenBucket(config_.ratePerSecond, config_.rateBurst, now), now, &memory_);
    log_.information(describe(*session) + " connected");
    sessions_.emplace(id, std::move(session));
    ++stats_.connections;
    return id;
}

SessionId SessionTable::refuse(std::string_view peer, Registry::Admission why, bool atAccept) {
    const SessionId id = nextId_++;
    const std::string address(Registry::addressOf(peer));
    CloseReason reason = CloseReason::HubFull;
    std::string text = "the hub serves its maximum of " + std::to_string(config_.maxClients) +
                       " connections; try later";
    if (why == Registry::Admission::AddressFull) {
        reason = CloseReason::AddressFull;
        text = "the hub serves at most " + std::to_string(config_.maxClientsPerAddress) +
               " connections from one address (" + address + "); try later";
    } else if (why == Registry::Admission::HandshakesFull) {
        reason = CloseReason::HandshakesFull;
        text = "the hub takes at most " + std::to_string(config_.maxHandshakesPerAddress) +
               " connections at once from one address (" + address +
               ") before their Hello; try later";
    }
    ++stats_.disconnects[std::string(closeReasonKey(reason))];
    log_.information("session " + std::to_string(id) + " (" + std::string(peer) + ") refused" +
                     (atAccept ? " at accept: " : ": ") + std::string(closeReasonKey(reason)));
    addClosing(id, Outbox::fatalErrorFrame(v1::ERROR_CODE_HUB_FULL, text), reason);
    return id;
}

Session* SessionTable::findNick(std::string_view nick) const {
    if (protocol::checkNick(nick)) {
        return nullptr;
    }
    const auto id = registry_.find(nick);
    Session* session = id ? find(*id) : nullptr;
    if (session == nullptr || !session->who.welcomed()) {
        return nullptr;
    }
    return session;
}

bool SessionTable::welcome(Session& s, std::string_view nick, std::string_view clientName) {
    if (!registry_.reserve(nick, s.id)) {
        return false;
    }
    s.who.nick_ = std::string(nick);
    s.who.state_ = SessionState::Welcomed;
    registry_.handshakeDone(Registry::addressOf(s.peer));
    ++stats_.clients;
    log_.information(describe(s) + " welcomed (client \"" + std::string(clientName.substr(0, 64)) +
                     "\")");
    return true;
}

bool SessionTable::rename(Session& s, std::string_view nick) {
    if (nick != s.who.nick_ && !registry_.rename(s.id, s.who.nick_, nick)) {
        return false;
    }
    std::string old = std::exchange(s.who.nick_, std::string(nick));
    log_.information(describe(s) + " changed nick from " + old);
    return true;
}

void SessionTable::doom(Session& s, CloseReason reason, std::string quitReason,
                        std::string detail) {
    if (s.who.closing()) {
        return;
    }
    s.who.state_ = SessionState::Closing;
    s.who.closeReason_ = reason;
    s.who.quitReason_ = std::move(quitReason);
    s.who.closeDetail_ = std::move(detail);
    doomed_.push_back(s.id);
}

Session* SessionTable::takeDoomed() {
    while (!doomed_.empty()) {
        const SessionId id = doomed_.back();
        doomed_.pop_back();
        if (Session* s = find(id)) {
            return s;
        }
    }
    return nullptr;
}

void SessionTable::noteClose(const Session& s, CloseReason reason, std::string_view quitReason) {
    const std::string_view key = closeReasonKey(reason);
    ++stats_.disconnects[std::string(key)];
    const std::string_view detail = s.who.closeDetail().empty() ? quitReason : s.who.closeDetail();
    log_.information(describe(s) + " closed: " + std::string(key) +
                     (detail.empty() ? std::string() : " (" + std::string(detail) + ")"));
}

void SessionTable::remove(Session& s, std::optional<std::string> lastBytes) {
    if (!s.who.nick_.empty()) {
        registry_.release(s.who.nick_, s.id);
        --stats_.clients;
    }
    registry_.leave(Registry::addressOf(s.peer), s.who.nick_.empty());
    --stats_.connections;
    unindexAccount(s);
    const SessionId id = s.id;  // erase() must not read a key owned by the node it frees
    if (lastBytes) {
        addClosing(id, std::move(*lastBytes), s.who.closeReason_);
    }
    std::erase(doomed_, id);
    sessions_.erase(id);  // destroys s
}

void SessionTable::signIn(Session& s, std::string account) {
    if (protocol::nickKey(account) == protocol::nickKey(s.profile.account) &&
        account.empty() == s.profile.account.empty()) {
        s.profile.account = std::move(account);  // the same account (its spelling as registered)
        return;
    }
    unindexAccount(s);
    s.profile.account = std::move(account);
    if (!s.profile.account.empty()) {
        byAccount_[protocol::nickKey(s.profile.account)].push_back(s.id);
    }
}

void SessionTable::unindexAccount(const Session& s) {
    if (s.profile.account.empty()) {
        return;
    }
    const auto it = byAccount_.find(protocol::nickKey(s.profile.account));
    if (it == byAccount_.end()) {
        return;
    }
    std::erase(it->second, s.id);
    if (it->second.empty()) {
        byAccount_.erase(it);
    }
}

void SessionTable::addClosing(SessionId id, std::string lastBytes, CloseReason reason) {
    closing_.push_back(Closing{id, std::move(lastBytes), reason, closeReasonKey(reason)});
}

void SessionTable::takeClosing(std::vector<Closing>& out) {
    for (Closing& entry : closing_) {
        out.push_back(std::move(entry));
    }
    closing_.clear();
}

}  // namespace hermes::hub

// Ending sessions: a close is decided (doom, fatal, slowConsumer) while
// the hub may still be walking its lists, and carried out later by
// processDoomed(); finish() forgets the session. Also shutdown().

#include "HubImpl.hpp"

#include <string>
#include <string_view>
#include <utility>

namespace hermes::hub {

void Hub::Impl::doom(Session& s, std::string reasonKey, std::string quitReason) {
    s.doomed = true;
    s.closeReason = std::move(reasonKey);
    s.quitReason = std::move(quitReason);
    doomed.push_back(&s);
}

// A fatal error: the Error frame follows whatever is queued, then the close.
void Hub::Impl::fatal(Session& s, v1::ErrorCode code, const std::string& text,
                      std::string reasonKey, std::string quitReason) {
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
// and only the Error frame remains. `reasonKey` names the limit it passed
// (HubFlowControl.cpp).
void Hub::Impl::slowConsumer(Session& s, std::string reasonKey, const std::string& text) {
    if (s.doomed) {
        return;
    }
    stats.bytesQueued -= s.out.dropUnsent();
    const std::string bytes = errorFrame(v1::ERROR_CODE_SLOW_CONSUMER, text);
    s.out.append(bytes, now);
    s.closeDetail = text;
    stats.bytesQueued += bytes.size();
    std::string quit = reasonKey == "slow_consumer" ? "slow consumer" : "write stall";
    doom(s, std::move(reasonKey), std::move(quit));
}

// Forgets a session: QUIT presence to its rooms, nick released, and (for
// closes the hub decided) a Closing entry with its last bytes.
void Hub::Impl::finish(Session& s, const std::string& reasonKey, const std::string& quitReason,
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

void Hub::Impl::processDoomed() {
    while (!doomed.empty()) {
        Session* s = doomed.back();
        doomed.pop_back();
        // Copies: finish() destroys the session that owns the strings.
        const std::string key = s->closeReason;
        const std::string quit = s->quitReason;
        finish(*s, key, quit, true);
    }
}

void Hub::Impl::shutdown(std::string_view reason) {
    // Everything committed goes out before the Bye, budget or not: the hub
    // reads nothing more and its memory goes with it.
    inputPaused = false;
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

}  // namespace hermes::hub

#pragma once
// Every session by id, from open to close, and the only writer of who each
// one is: its state (handshaking, welcomed, closing), its nick and the nick
// index (the Registry), the account it is signed in to and the index of
// sessions by account, why it is closing, and the connection figures of
// HubStats (connections, clients, disconnects by reason).
//
// Pairs it keeps together:
//   session.who.state == Closing  <-> the session's id is in doomed_
//   session.who.nick not empty    <-> the Registry maps that nick to the session
//   sessions_.size()              == the Registry's connection count
//   session.profile.account not empty <-> its id is in byAccount_ under the
//                                 account's nick key (signIn() writes both)
//
// A close is decided (doom) while the hub may still be walking its lists and
// carried out later: the hub takes the doomed ids (takeDoomed) at the end of
// each call and forgets each session (remove) after its rooms are told.
// Ids are never reused.
//
// Threading: none; the hub's thread. The Registry it writes is read by other
// threads (Registry.hpp).

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <Poco/Logger.h>

#include "Session.hpp"
#include "hermes/hub/Hub.hpp"
#include "hermes/hub/HubConfig.hpp"
#include "hermes/hub/HubStats.hpp"
#include "hermes/hub/Registry.hpp"

namespace hermes::hub {

class SessionTable {
public:
    SessionTable(const HubConfig& config, HubStats& stats, Registry& registry, MemoryGauge& memory,
                 Poco::Logger& log);
    SessionTable(const SessionTable&) = delete;
    SessionTable& operator=(const SessionTable&) = delete;

    // A new connection: a Session, or (hub full, address full, shutting
    // down) a refusal in the closing list under the id it returns.
    SessionId open(std::string peer, TimePoint now);
    // A connection refused: its refusal goes to the closing list under a
    // new id. `atAccept`: the edge refused it before opening it (hermesd's
    // acceptor asked the Registry); the log says so.
    SessionId refuse(std::string_view peer, Registry::Admission why, bool atAccept);
    // After shutdown() every open is refused with a Bye.
    void startShutdown() { shuttingDown_ = true; }
    bool shuttingDown() const { return shuttingDown_; }

    Session* find(SessionId id) const {
        const auto it = sessions_.find(id);
        return it == sessions_.end() ? nullptr : it->second.get();
    }
    // The welcomed session (not closing) holding `nick` in any case, or nullptr.
    Session* findNick(std::string_view nick) const;
    std::size_t size() const { return sessions_.size(); }
    template <typename F>
    void forEach(F&& f) {
        for (auto& entry : sessions_) {
            f(*entry.second);
        }
    }
    template <typename F>
    void forEach(F&& f) const {
        for (const auto& entry : sessions_) {
            f(static_cast<const Session&>(*entry.second));
        }
    }

    // Hello: claims the nick; false if another session holds it. Logs the
    // client's name as it sent it.
    bool welcome(Session& s, std::string_view nick, std::string_view clientName);
    // SetNick: false if another session holds `nick`. Logs the change.
    bool rename(Session& s, std::string_view nick);

    // `s` is signed in to `account` (a registered nick as registered, or
    // empty: none): the only writer of session.profile.account and the
    // account index.
    void signIn(Session& s, std::string account);
    // f(session) for each session signed in to the account with nick key
    // `accountKey` (welcomed or not, closing or not: the caller decides).
    // Costs one step per session of that account.
    template <typename F>
    void forEachOfAccount(const std::string& accountKey, F&& f) const {
        const auto it = byAccount_.find(accountKey);
        if (it == byAccount_.end()) {
            return;
        }
        for (const SessionId id : it->second) {
            if (Session* s = find(id)) {
                f(*s);
            }
        }
    }
    // The ids indexed under each account (invariants).
    const std::unordered_map<std::string, std::vector<SessionId>>& byAccount() const {
        return byAccount_;
    }

    // Decides the close: the session takes no more output (but what is
    // queued) and is carried out by the hub at the end of its call.
    void doom(Session& s, CloseReason reason, std::string quitReason, std::string detail = {});
    bool hasDoomed() const { return !doomed_.empty(); }
    // The next session whose close was decided, or nullptr.
    Session* takeDoomed();

    // Counts and logs the close; call before its rooms are told.
    void noteClose(const Session& s, CloseReason reason, std::string_view quitReason);
    // Forgets the session (its rooms must be left): nick released, the
    // connection no longer counted; `lastBytes` go to the edge unless the
    // edge closed it itself (nullopt).
    void remove(Session& s, std::optional<std::string> lastBytes);
    // Shutdown: every session ends with `lastBytes(s)` (its queue and the Bye).
    template <typename LastBytes>
    void removeAll(LastBytes&& lastBytes);

    void takeClosing(std::vector<Closing>& out);
    const std::vector<Closing>& closing() const { return closing_; }

    // "session 7 (127.0.0.1:4711, ana)", for log lines.
    static std::string describe(const Session& s);

private:
    void addClosing(SessionId id, std::string lastBytes, CloseReason reason);

    const HubConfig& config_;
    HubStats& stats_;
    Registry& registry_;
    MemoryGauge& memory_;
    Poco::Logger& log_;
    void unindexAccount(const Session& s);

    std::unordered_map<SessionId, std::unique_ptr<Session>> sessions_;
    // Sessions signed in to each account, by the account's nick key.
    std::unordered_map<std::string, std::vector<SessionId>> byAccount_;
    SessionId nextId_ = 1;
    bool shuttingDown_ = false;
    std::vector<SessionId> doomed_;  // close decided, carried out by the hub
    std::vector<Closing> closing_;   // for the edge: sessions done with, last bytes
};

template <typename LastBytes>
void SessionTable::removeAll(LastBytes&& lastBytes) {
    for (auto& entry : sessions_) {
        Session& s = *entry.second;
        noteClose(s, CloseReason::Shutdown, {});
        if (!s.who.nick_.empty()) {
            registry_.release(s.who.nick_, s.id);
        }
        registry_.leave(Registry::addressOf(s.peer), s.who.nick_.empty());
        addClosing(s.id, lastBytes(s), CloseReason::Shutdown);
    }
    sessions_.clear();
    byAccount_.clear();
    doomed_.clear();
    stats_.clients = 0;
    stats_.connections = 0;
}

}  // namespace hermes::hub

#pragma once
// Read markers (docs/PROTOCOL.md "Read markers"): per reader, the last seq
// read in each room and each private conversation. The only writer of the
// markers and of what goes to the ReadMarkerStore.
//
// A reader is the session's account when it is signed in: its markers are
// shared by the account's sessions (each is told when another moves one),
// kept across the hub's restarts when there is a store, and read back from
// it at start. A session that is not signed in has markers of its own, for
// the session only: a nick without an account proves nothing about who
// holds it next, so nothing of it outlives the session.
//
// Every request reads and moves only the requester's own markers; there is
// no way to name another reader. A marker only moves forward (a lower seq
// is answered with the marker as it is). A room's marker can be set only by
// a member of the room and never past the newest seq the room has sent.
// Private conversations are keyed by the peer's nick key, ready for their
// seqs (docs/PROTOCOL.md "Read markers").
//
// Threading: none; the hub's thread. The store writes off it.

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>

#include "Session.hpp"
#include "hermes/hub/HubConfig.hpp"
#include "hermes/hub/ReadMarkerStore.hpp"
#include "hermes/v1/hermes.pb.h"

namespace Poco {
class Logger;
}

namespace hermes::hub {

class Outbox;
class RoomTable;
class SessionTable;
struct Room;

class ReadMarkers {
public:
    ReadMarkers(const HubConfig& config, std::unique_ptr<ReadMarkerStore> store, Poco::Logger& log);
    ReadMarkers(const ReadMarkers&) = delete;
    ReadMarkers& operator=(const ReadMarkers&) = delete;

    void onMarkRead(Session& s, const v1::MarkRead& request, const RoomTable& rooms,
                    SessionTable& sessions, Outbox& outbox);
    // Any room name may be asked for: a reader's own markers tell nothing
    // about anyone else.
    void onRequest(Session& s, const v1::ReadMarkersRequest& request, Outbox& outbox);
    // `s` joined `room`: its marker there, if it has one.
    void afterJoin(Session& s, const Room& room, Outbox& outbox);
    // The session ended: its own markers (not its account's) go.
    void forget(const Session& s) { bySession_.erase(s.id); }

    // For the invariants: f(reader, its session if it is one's own, markers).
    template <typename F>
    void forEachReader(F&& f) const {
        for (const auto& [id, markers] : bySession_) {
            f("session " + std::to_string(id), std::optional<SessionId>(id), markers.size());
        }
        for (const auto& [account, markers] : byAccount_) {
            f(account, std::optional<SessionId>(), markers.size());
        }
    }
    ReadMarkerStore* store() const { return store_.get(); }

private:
    using Key = std::pair<std::string, std::string>;  // room (canonical), peer (nick key)
    using Markers = std::map<Key, std::uint64_t>;

    Markers& readerOf(const Session& s);
    const Markers* findReader(const Session& s) const;
    bool durable(const Session& s) const { return store_ && !s.profile.account.empty(); }
    void send(Session& s, const Markers* markers, const Key* only, bool all, Outbox& outbox);

    const HubConfig& config_;
    std::unique_ptr<ReadMarkerStore> store_;
    Poco::Logger& log_;
    std::unordered_map<std::string, Markers> byAccount_;  // by account nick key
    std::unordered_map<SessionId, Markers> bySession_;    // sessions not signed in
};

}  // namespace hermes::hub

#pragma once
// Where the hub keeps signed-in members' read markers across its restarts
// (docs/PROTOCOL.md "Read markers"). The hub's ReadMarkers component holds
// them all in memory, reads them back here at start, and hands each marker
// that moves to put(). Without a store (history.persist = false) they live
// as long as the hub.
//
// Markers of sessions that are not signed in are never stored: they end
// with the session.
//
// Threading: load() once at start; put() on the hub's thread, and it must
// not wait for the disk (SqliteReadMarkers writes on a thread of its own).

#include <cstdint>
#include <string>
#include <vector>

namespace hermes::hub {

struct StoredReadMarker {
    std::string account;  // ASCII lower case (protocol::nickKey)
    std::string room;     // canonical; empty for a private conversation
    std::string peer;     // the other party's nick key; empty for a room
    std::uint64_t seq = 0;
};

class ReadMarkerStore {
public:
    virtual ~ReadMarkerStore() = default;
    virtual std::vector<StoredReadMarker> load() = 0;
    // Keeps the higher seq of this and what is stored for the same key.
    virtual void put(const StoredReadMarker& marker) = 0;
    // Blocks until every put() so far is on disk (tests, shutdown).
    virtual void flush() = 0;
};

}  // namespace hermes::hub

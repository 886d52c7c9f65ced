#pragma once
// ReadMarkerStore in the hub's SQLite database (the history database's file,
// its own connection and its own table, created if missing):
//
//   read_markers (account, room, peer) -> seq
//
// A marker moves each time a reader looks at a buffer, so put() never
// touches the disk on the hub's thread: it replaces the key's pending value
// (a reader scrolling through a room costs one row write, not one per
// step) and wakes this store's writer thread, which writes what is pending
// in one transaction. The row only moves forward (MAX in the upsert), so a
// late write can never take a marker back.
//
// Threading: load() and flush() from any one thread; put() from the hub's
// thread; the writer thread is private. The destructor writes what is
// pending and joins it.

#include <condition_variable>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <tuple>

#include "hermes/hub/ReadMarkerStore.hpp"
#include "hermes/threads/LockGuarded.hpp"

namespace Poco::Data {
class Session;
}

namespace hermes::hub {

class SqliteReadMarkers final : public ReadMarkerStore {
public:
    // Opens (and creates the table of) the database at `path`; throws
    // HistoryOpenError (SqliteHistory.hpp) when it cannot.
    explicit SqliteReadMarkers(std::string path);
    ~SqliteReadMarkers() override;
    SqliteReadMarkers(const SqliteReadMarkers&) = delete;
    SqliteReadMarkers& operator=(const SqliteReadMarkers&) = delete;

    std::vector<StoredReadMarker> load() override;
    void put(const StoredReadMarker& marker) override;
    void flush() override;

private:
    using Key = std::tuple<std::string, std::string, std::string>;  // account, room, peer
    struct Shared {
        std::map<Key, std::uint64_t> pending;
        bool writing = false;  // the writer holds a batch taken from pending
        bool stopping = false;
    };
    void run();

    std::string path_;
    std::unique_ptr<Poco::Data::Session> db_;  // the writer's (and load()'s, before it starts)
    threads::LockGuarded<Shared> shared_;
    std::condition_variable wake_;  // pending grew, or stopping
    std::condition_variable idle_;  // nothing pending and no batch in hand
    std::thread writer_;
};

}  // namespace hermes::hub

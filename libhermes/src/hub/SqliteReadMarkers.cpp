#include "hermes/hub/SqliteReadMarkers.hpp"

#include <utility>
#include <vector>

#include <Poco/Data/SQLite/Connector.h>
#include <Poco/Data/Session.h>
#include <Poco/Exception.h>
#include <Poco/Logger.h>

#include "hermes/hub/SqliteHistory.hpp"
#include "hermes/threads/ThisThread.hpp"

namespace hermes::hub {

using namespace Poco::Data::Keywords;

namespace {

constexpr const char* kSchema =
    "CREATE TABLE IF NOT EXISTS read_markers ("
    " account TEXT NOT NULL, room TEXT NOT NULL, peer TEXT NOT NULL, seq INTEGER NOT NULL,"
    " PRIMARY KEY (account, room, peer))";

constexpr int kOpenRetrySeconds = 2;

}  // namespace

SqliteReadMarkers::SqliteReadMarkers(std::string path) : path_(std::move(path)) {
    try {
        Poco::Data::SQLite::Connector::registerConnector();
        db_ = std::make_unique<Poco::Data::Session>("SQLite", path_, kOpenRetrySeconds);
        *db_ << "PRAGMA busy_timeout=5000", now;
        // As the history writer: WAL makes NORMAL safe, and a marker batch
        // then holds the write lock without a sync of its own.
        *db_ << "PRAGMA synchronous=NORMAL", now;
        *db_ << kSchema, now;
    } catch (const Poco::Exception& error) {
        throw HistoryOpenError("read marker table in " + path_ + ": " + error.displayText());
    }
}

SqliteReadMarkers::~SqliteReadMarkers() {
    shared_.lock()->stopping = true;
    wake_.notify_all();
    if (writer_.joinable()) {
        writer_.join();  // it writes what is pending before it returns
    }
}

std::vector<StoredReadMarker> SqliteReadMarkers::load() {
    std::vector<std::string> accounts, rooms, peers;
    std::vector<Poco::Int64> seqs;
    *db_ << "SELECT account, room, peer, seq FROM read_markers", into(accounts), into(rooms),
        into(peers), into(seqs), now;
    std::vector<StoredReadMarker> result;
    result.reserve(accounts.size());
    for (std::size_t i = 0; i < accounts.size(); ++i) {
        if (seqs[i] < 0) {
            continue;  // not ours: a marker is a seq
        }
        result.push_back(
            StoredReadMarker{accounts[i], rooms[i], peers[i], static_cast<std::uint64_t>(seqs[i])});
    }
    return result;
}

void SqliteReadMarkers::put(const StoredReadMarker& marker) {
    {
        auto shared = shared_.lock();
        std::uint64_t& seq = shared->pending[Key{marker.account, marker.room, marker.peer}];
        seq = std::max(seq, marker.seq);
        if (!writer_.joinable()) {
            // At the first marker: most hubs see one.
            writer_ = std::thread([this] {
                threads::nameThisThread("read-markers");
                run();
            });
        }
    }
    wake_.notify_one();
}

void SqliteReadMarkers::flush() {
    auto shared = shared_.lock();
    idle_.wait(shared.unique(), [&] { return shared->pending.empty() && !shared->writing; });
}

void SqliteReadMarkers::run() {
    Poco::Logger& log = Poco::Logger::get("hermes.hub");
    for (;;) {
        std::map<Key, std::uint64_t> batch;
        {
            auto shared = shared_.lock();
            shared->writing = false;
            if (shared->pending.empty()) {
                idle_.notify_all();
                if (shared->stopping) {
                    return;
                }
                wake_.wait(shared.unique(),
                           [&] { return !shared->pending.empty() || shared->stopping; });
                if (shared->pending.empty()) {
                    idle_.notify_all();
                    return;
                }
            }
            batch.swap(shared->pending);
            shared->writing = true;
        }
        try {
            db_->begin();
            for (const auto& [key, value] : batch) {
                std::string account = std::get<0>(key), room = std::get<1>(key),
                            peer = std::get<2>(key);
                Poco::Int64 seq = static_cast<Poco::Int64>(value);
                *db_ << "INSERT INTO read_markers(account, room, peer, seq) VALUES (?, ?, ?, ?)"
                        " ON CONFLICT(account, room, peer) DO UPDATE SET seq = MAX(seq, "
                        "excluded.seq)",
                    use(account), use(room), use(peer), use(seq), now;
            }
            db_->commit();
        } catch (const Poco::Exception& error) {
            // A marker is a convenience: the hub goes on, and the reader's
            // next move writes it again.
            if (db_->isTransaction()) {
                try {
                    db_->rollback();
                } catch (const Poco::Exception&) {
                }
            }
            log.error("read markers: %z not written to %s: %s", batch.size(), path_,
                      error.displayText());
        }
    }
}

}  // namespace hermes::hub

#include "hermes/hub/SqliteModerationStore.hpp"

#include <vector>

#include <Poco/Data/SQLite/Connector.h>
#include <Poco/Data/Session.h>
#include <Poco/Exception.h>

#include "hermes/hub/SqliteHistory.hpp"

namespace hermes::hub {

using namespace Poco::Data::Keywords;

namespace {

constexpr const char* kSchema[] = {
    "CREATE TABLE IF NOT EXISTS moderation_bans ("
    " room TEXT NOT NULL, kind INTEGER NOT NULL, target TEXT NOT NULL,"
    " set_by TEXT NOT NULL, reason TEXT NOT NULL, set_ms INTEGER NOT NULL,"
    " expires_ms INTEGER NOT NULL, cluster_version INTEGER NOT NULL DEFAULT 0,"
    " PRIMARY KEY (room, kind, target))",
    "CREATE TABLE IF NOT EXISTS moderation_rooms ("
    " room TEXT PRIMARY KEY, topic_locked INTEGER NOT NULL, invite_only INTEGER NOT NULL)",
    "CREATE TABLE IF NOT EXISTS moderation_operators ("
    " room TEXT NOT NULL, account TEXT NOT NULL, PRIMARY KEY (room, account))",
};

constexpr int kOpenRetrySeconds = 2;

// A store written before bans recorded whether they came from the cluster
// (docs/CLUSTER.md): its bans are this hub's own (cluster_version 0).
void addClusterVersion(Poco::Data::Session& db) {
    int present = 0;
    db << "SELECT COUNT(*) FROM pragma_table_info('moderation_bans')"
          " WHERE name = 'cluster_version'",
        into(present), now;
    if (present == 0) {
        db << "ALTER TABLE moderation_bans"
              " ADD COLUMN cluster_version INTEGER NOT NULL DEFAULT 0",
            now;
    }
}

}  // namespace

SqliteModerationStore::SqliteModerationStore(std::string path) : path_(std::move(path)) {
    try {
        Poco::Data::SQLite::Connector::registerConnector();
        db_ = std::make_unique<Poco::Data::Session>("SQLite", path_, kOpenRetrySeconds);
        *db_ << "PRAGMA busy_timeout=5000", now;
        for (const char* statement : kSchema) {
            *db_ << statement, now;
        }
        addClusterVersion(*db_);
    } catch (const Poco::Exception& error) {
        throw HistoryOpenError("moderation tables in " + path_ + ": " + error.displayText());
    }
}

SqliteModerationStore::~SqliteModerationStore() = default;

StoredModeration SqliteModerationStore::load(std::int64_t nowMs) {
    StoredModeration result;
    Poco::Int64 cutoff = nowMs;
    // Lapsed bans go now, so the table holds only what is in force.
    *db_ << "DELETE FROM moderation_bans WHERE expires_ms != 0 AND expires_ms <= ?", use(cutoff),
        now;
    {
        std::vector<std::string> rooms, targets, setBy, reasons;
        std::vector<int> kinds;
        std::vector<Poco::Int64> setMs, expiresMs, clusterVersions;
        *db_ << "SELECT room, kind, target, set_by, reason, set_ms, expires_ms, cluster_version"
                " FROM moderation_bans ORDER BY set_ms",
            into(rooms), into(kinds), into(targets), into(setBy), into(reasons), into(setMs),
            into(expiresMs), into(clusterVersions), now;
        for (std::size_t i = 0; i < rooms.size(); ++i) {
            if (kinds[i] < 0 || kinds[i] > 2) {
                continue;  // written by a newer hermesd: not ours to guess
            }
            result.bans.push_back(StoredBan{rooms[i], static_cast<BanKind>(kinds[i]), targets[i],
                                            setBy[i], reasons[i], setMs[i], expiresMs[i],
                                            static_cast<std::uint64_t>(clusterVersions[i])});
        }
    }
    {
        std::vector<std::string> rooms;
        std::vector<int> locked, inviteOnly;
        *db_ << "SELECT room, topic_locked, invite_only FROM moderation_rooms", into(rooms),
            into(locked), into(inviteOnly), now;
        for (std::size_t i = 0; i < rooms.size(); ++i) {
            result.modes.push_back(StoredRoomModes{rooms[i], locked[i] != 0, inviteOnly[i] != 0});
        }
    }
    {
        std::vector<std::string> rooms, accounts;
        *db_ << "SELECT room, account FROM moderation_operators", into(rooms), into(accounts), now;
        for (std::size_t i = 0; i < rooms.size(); ++i) {
            result.operators.push_back(StoredRoomOperator{rooms[i], accounts[i]});
        }
    }
    return result;
}

void SqliteModerationStore::putBan(const StoredBan& ban) {
    std::string room = ban.room, target = ban.target, setBy = ban.setBy, reason = ban.reason;
    int kind = static_cast<int>(ban.kind);
    Poco::Int64 setMs = ban.setMs, expiresMs = ban.expiresMs;
    Poco::Int64 clusterVersion = static_cast<Poco::Int64>(ban.clusterVersion);
    *db_ << "INSERT OR REPLACE INTO moderation_bans"
            "(room, kind, target, set_by, reason, set_ms, expires_ms, cluster_version)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        use(room), use(kind), use(target), use(setBy), use(reason), use(setMs), use(expiresMs),
        use(clusterVersion), now;
}

void SqliteModerationStore::removeBan(const std::string& room, BanKind kind,
                                      const std::string& target) {
    std::string r = room, t = target;
    int k = static_cast<int>(kind);
    *db_ << "DELETE FROM moderation_bans WHERE room = ? AND kind = ? AND target = ?", use(r),
        use(k), use(t), now;
}

void SqliteModerationStore::putModes(const StoredRoomModes& modes) {
    std::string room = modes.room;
    int locked = modes.topicLocked ? 1 : 0, inviteOnly = modes.inviteOnly ? 1 : 0;
    *db_ << "INSERT OR REPLACE INTO moderation_rooms(room, topic_locked, invite_only)"
            " VALUES (?, ?, ?)",
        use(room), use(locked), use(inviteOnly), now;
}

void SqliteModerationStore::putOperator(const StoredRoomOperator& op) {
    std::string room = op.room, account = op.account;
    *db_ << "INSERT OR IGNORE INTO moderation_operators(room, account) VALUES (?, ?)", use(room),
        use(account), now;
}

void SqliteModerationStore::removeOperator(const StoredRoomOperator& op) {
    std::string room = op.room, account = op.account;
    *db_ << "DELETE FROM moderation_operators WHERE room = ? AND account = ?", use(room),
        use(account), now;
}

}  // namespace hermes::hub

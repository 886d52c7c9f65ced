#pragma once
// ModerationStore in the hub's SQLite database (the history database's
// file, its own connection and its own tables, created if missing):
//
//   moderation_bans      (room, kind, target) -> set_by, reason, set_ms, expires_ms,
//                        cluster_version (0: the hub's own ban; added to an
//                        older file's table when it is opened)
//   moderation_rooms     room -> topic_locked, invite_only
//   moderation_operators (room, account)
//
// Its tables are apart from SqliteHistory's schema (and its version): the
// two stores share a file, not code. Each write is its own small
// transaction on the hub's thread; they are an operator's actions, rare.
//
// Threading: the hub's thread only (the history writer's connection is
// another; SQLite's WAL and busy_timeout arbitrate).

#include <memory>
#include <stdexcept>
#include <string>

#include "hermes/hub/ModerationStore.hpp"

namespace Poco::Data {
class Session;
}

namespace hermes::hub {

class SqliteModerationStore final : public ModerationStore {
public:
    // Opens (and creates the tables of) the database at `path`; throws
    // HistoryOpenError (SqliteHistory.hpp) when it cannot.
    explicit SqliteModerationStore(std::string path);
    ~SqliteModerationStore() override;

    StoredModeration load(std::int64_t nowMs) override;
    void putBan(const StoredBan& ban) override;
    void removeBan(const std::string& room, BanKind kind, const std::string& target) override;
    void putModes(const StoredRoomModes& modes) override;
    void putOperator(const StoredRoomOperator& op) override;
    void removeOperator(const StoredRoomOperator& op) override;
    std::string describe() const override { return path_; }

private:
    std::string path_;
    std::unique_ptr<Poco::Data::Session> db_;
};

}  // namespace hermes::hub

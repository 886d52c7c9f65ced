#include "hermes/hub/SqliteAccounts.hpp"

#include <chrono>

#include <Poco/Data/SQLite/Connector.h>
#include <Poco/Data/Session.h>
#include <Poco/Data/Statement.h>
#include <Poco/Exception.h>

#include "hermes/hub/SqliteHistory.hpp"
#include "hermes/protocol/Validation.hpp"

namespace hermes::hub {

using namespace Poco::Data::Keywords;

namespace {

// As SqliteHistory: a path that cannot be opened fails at once.
constexpr std::size_t kOpenRetrySeconds = 0;

std::int64_t nowMs() {
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

}  // namespace

SqliteAccounts::SqliteAccounts(std::string path) : path_(std::move(path)) {
    try {
        Poco::Data::SQLite::Connector::registerConnector();
        db_ = std::make_unique<Poco::Data::Session>("SQLite", path_, kOpenRetrySeconds);
        // The history writer may hold the write lock for a commit.
        *db_ << "PRAGMA busy_timeout=5000", now;
        *db_ << "CREATE TABLE IF NOT EXISTS accounts ("
                "canonical TEXT PRIMARY KEY NOT NULL, name TEXT NOT NULL, hash TEXT NOT NULL, "
                "updated_ms INTEGER NOT NULL)",
            now;
    } catch (const Poco::Exception& error) {
        throw HistoryOpenError("accounts in " + path_ + ": " + error.displayText());
    }
}

SqliteAccounts::~SqliteAccounts() = default;

std::vector<StoredAccount> SqliteAccounts::load() {
    std::vector<std::string> names;
    std::vector<std::string> hashes;
    *db_ << "SELECT name, hash FROM accounts ORDER BY canonical", into(names), into(hashes), now;
    std::vector<StoredAccount> accounts;
    accounts.reserve(names.size());
    for (std::size_t i = 0; i < names.size(); ++i) {
        accounts.push_back(StoredAccount{names[i], hashes[i]});
    }
    return accounts;
}

void SqliteAccounts::save(const StoredAccount& account) {
    std::string canonical = protocol::nickKey(account.name);
    std::string name = account.name;
    std::string hash = account.hash;
    std::int64_t updated = nowMs();
    *db_ << "INSERT INTO accounts (canonical, name, hash, updated_ms) VALUES (?, ?, ?, ?) "
            "ON CONFLICT(canonical) DO UPDATE SET name = excluded.name, hash = excluded.hash, "
            "updated_ms = excluded.updated_ms",
        use(canonical), use(name), use(hash), use(updated), now;
}

}  // namespace hermes::hub

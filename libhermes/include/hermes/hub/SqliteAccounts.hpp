#pragma once
// AccountStore in the hub's SQLite database (history.path), in a table of
// its own beside SqliteHistory's, through a connection of its own (the
// database is in WAL mode: it does not wait for the history writer):
//
//   accounts(canonical PK, name, hash, updated_ms)
//
// `canonical` is protocol::nickKey(name): one account per nick in any case.
// The table is created if missing; SqliteHistory's schema_version does not
// cover it (its own CREATE IF NOT EXISTS is its migration).
//
// Threading: load() on the constructing thread, save() on the hashing
// thread; never both at once.

#include <memory>
#include <string>
#include <vector>

#include "hermes/hub/AccountStore.hpp"

namespace Poco::Data {
class Session;
}

namespace hermes::hub {

class SqliteAccounts final : public AccountStore {
public:
    // Throws HistoryOpenError (SqliteHistory.hpp) when the file cannot be used.
    explicit SqliteAccounts(std::string path);
    ~SqliteAccounts() override;

    std::vector<StoredAccount> load() override;
    void save(const StoredAccount& account) override;
    bool persistent() const override { return true; }
    const std::string& path() const { return path_; }

private:
    std::string path_;
    std::unique_ptr<Poco::Data::Session> db_;
};

}  // namespace hermes::hub

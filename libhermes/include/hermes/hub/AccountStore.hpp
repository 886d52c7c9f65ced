#pragma once
// Where a hub keeps its accounts (registered nicks and their Argon2id
// hashes, never a password): SQLite beside the history (SqliteAccounts,
// hermesd's default) or nowhere (MemoryAccounts: history.persist = false
// and tests; accounts live as long as the hub).
//
// The hub reads every account once, at start (load()), and keeps them in
// memory (AccountBook); save() runs on the hashing thread (AccountWorker),
// after the hash it stores was made.
//
// Threading: load() on the constructing thread before the hub starts;
// save() on the hashing thread only.

#include <cstdint>
#include <string>
#include <vector>

namespace hermes::hub {

struct StoredAccount {
    std::string name;  // the nick as registered
    std::string hash;  // crypto_pwhash_str's string
};

class AccountStore {
public:
    virtual ~AccountStore() = default;
    virtual std::vector<StoredAccount> load() = 0;
    // Inserts or replaces the account of `account.name` (any case). Throws
    // on a storage error (the request is answered ACCOUNTS_BUSY).
    virtual void save(const StoredAccount& account) = 0;
    // True when accounts survive a restart of the hub.
    virtual bool persistent() const = 0;
};

class MemoryAccounts final : public AccountStore {
public:
    std::vector<StoredAccount> load() override { return {}; }
    void save(const StoredAccount& /*account*/) override {}
    bool persistent() const override { return false; }
};

}  // namespace hermes::hub

#pragma once
// The hub's accounts on its thread: the book of registered nicks (name and
// Argon2id hash, all of them, read from the AccountStore at start), the
// registrations under way, the sign-in throttles, the hub password, and the
// hashing thread (AccountWorker) that does the slow work.
//
//   registered(nick)      an account exists for the nick, any case
//   registering(nick)     a Register of it is being hashed: no second one
//   book size + registering <= hub.accounts.max_accounts
//
// A session signs in (Session::profile.account) only when the worker said
// its password was right; the request handlers (AccountRequests.cpp) decide
// what to ask, and Hub::Impl::accountsDone() hands back the results.
//
// In a cluster (HubConfig::cluster) the book is the cluster's, kept in
// Redis (docs/CLUSTER.md "Accounts across hubs"): a new hash is not stored
// or booked when made (AccountJob::storeHash false); the hub sends it to
// Redis, and books and stores it (adopt) once Redis took it, as every hub
// does with every account Redis publishes. A registration stays
// registering() until Redis answered (settled).
//
// Threading: the hub's thread; the worker's thread is private to it.

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include <Poco/Logger.h>

#include "AccountWorker.hpp"
#include "hermes/hub/AccountStore.hpp"
#include "hermes/hub/Clock.hpp"
#include "hermes/hub/HubConfig.hpp"
#include "hermes/hub/SignInThrottle.hpp"

namespace hermes::hub {

class Accounts {
public:
    // `store` null: MemoryAccounts.
    Accounts(const HubConfig& config, std::unique_ptr<AccountStore> store, Poco::Logger& log);
    Accounts(const Accounts&) = delete;
    Accounts& operator=(const Accounts&) = delete;

    // The account of `nick` in any case, or nullptr.
    const StoredAccount* find(std::string_view nick) const;
    bool registering(std::string_view nick) const;
    bool full() const;
    bool persistent() const { return store_->persistent(); }
    std::size_t size() const { return book_.size(); }
    // The hub's log, for the sign-in lines (never a password).
    Poco::Logger& log() const { return log_; }

    // --- sign-ins ---------------------------------------------------------------

    // Takes an attempt's tokens for the account and the peer's address, or
    // says how long until it may try.
    std::optional<Clock::duration> attempt(std::string_view account, std::string_view peer,
                                           TimePoint now);
    // A right password, or an attempt never tried (the hashing queue was
    // full): the attempt's own tokens come back. Only failures drain the
    // buckets (a right password between guesses gives back its own token,
    // not theirs).
    void succeeded(std::string_view account, std::string_view peer, TimePoint now);
    // Registering costs a hash and lasts: a token of the address's own
    // registration bucket (the sign-in figures), never given back unless
    // the job was never tried; or how long until it may.
    std::optional<Clock::duration> registration(std::string_view peer, TimePoint now);
    void registrationNotTried(std::string_view peer, TimePoint now);
    // True when `nick` is named in hub.operators (any case).
    bool operatorName(std::string_view nick) const;

    // --- the hub password ---------------------------------------------------------

    enum class HubCheck { Open, Right, Wrong, Throttled, NeedsHash };
    // Right or Open; a wrong one takes a token of the address. `wait` is
    // set when Throttled. NeedsHash: hub.password is an Argon2id hash, to
    // be verified on the hashing thread (a token is taken; hubPasswordRight()
    // gives it back).
    HubCheck checkHubPassword(std::string_view given, std::string_view peer, TimePoint now,
                              Clock::duration& wait);

    void hubPasswordRight(std::string_view peer, TimePoint now);
    // True when hub.password is an Argon2id string ("$argon2id$...").
    bool hubPasswordHashed() const;

    // --- the cluster's accounts ------------------------------------------------------

    // `account` as the cluster has it: booked (replacing this hub's own of
    // that name, if its hash differs) and stored. False when the book held
    // it already.
    bool adopt(StoredAccount account);
    // The cluster answered a registration of `account` (or never will).
    void settled(std::string_view account);
    // Every account of the book (offered to a Redis that lacks them).
    std::vector<StoredAccount> all() const;

    // --- the hashing thread --------------------------------------------------------

    // False when the worker's queue is full. A Register marks the nick as
    // registering until its result is taken.
    bool submit(AccountJob& job);
    // Results finished since the last call; the book takes new hashes first.
    std::vector<AccountResult> finished();
    int fd() const { return worker_.fd(); }

private:
    const HubConfig& config_;
    std::unique_ptr<AccountStore> store_;
    Poco::Logger& log_;
    const bool clustered_;
    std::unordered_map<std::string, StoredAccount> book_;  // by protocol::nickKey
    std::unordered_set<std::string> registering_;          // nickKeys
    SignInThrottle signIns_;
    SignInThrottle hubPasswords_;
    SignInThrottle registrations_;  // per address
    AccountWorker worker_;
};

// The text of SIGN_IN_THROTTLED: ends "retry after N ms" (docs/PROTOCOL.md).
std::string throttledText(std::string_view what, Clock::duration wait);

}  // namespace hermes::hub

#include "Accounts.hpp"

#include <algorithm>
#include <chrono>
#include <utility>

#include "hermes/hub/Registry.hpp"
#include "hermes/protocol/Validation.hpp"

namespace hermes::hub {

namespace {

std::unique_ptr<AccountStore> storeOrMemory(std::unique_ptr<AccountStore> store) {
    return store ? std::move(store) : std::make_unique<MemoryAccounts>();
}

std::string accountKey(std::string_view account) {
    return "account:" + protocol::nickKey(account);
}

std::string addressKey(std::string_view peer) {
    return "address:" + std::string(Registry::addressOf(peer));
}

}  // namespace

std::string throttledText(std::string_view what, Clock::duration wait) {
    const auto ms = std::chrono::ceil<std::chrono::milliseconds>(wait).count();
    return "too many failed sign-ins " + std::string(what) + "; retry after " + std::to_string(ms) +
           " ms";
}

Accounts::Accounts(const HubConfig& config, std::unique_ptr<AccountStore> store, Poco::Logger& log)
    : config_(config),
      store_(storeOrMemory(std::move(store))),
      log_(log),
      clustered_(config.cluster),
      signIns_(config.signInPerMinute / 60.0, config.signInBurst, config.throttleEntries),
      hubPasswords_(config.signInPerMinute / 60.0, config.signInBurst, config.throttleEntries),
      registrations_(config.signInPerMinute / 60.0, config.signInBurst, config.throttleEntries),
      worker_(PasswordHasher(config.hashMemoryKib, config.hashOps), *store_,
              config.maxPendingHashes) {
    for (StoredAccount& account : store_->load()) {
        std::string key = protocol::nickKey(account.name);
        book_[std::move(key)] = std::move(account);
    }
    // A hub operator's account is registered before it is named in
    // hub.operators (Register refuses those names): otherwise whoever
    // registered it first would be a hub operator.
    for (const std::string& name : config_.operators) {
        if (find(name) == nullptr) {
            log_.warning("hub.operators names " + name +
                         ", which is not a registered account: it has no hub operator until it "
                         "is registered (take it out of hub.operators, restart, /register it, "
                         "put it back)");
        }
    }
}

const StoredAccount* Accounts::find(std::string_view nick) const {
    const auto it = book_.find(protocol::nickKey(nick));
    return it == book_.end() ? nullptr : &it->second;
}

bool Accounts::registering(std::string_view nick) const {
    return registering_.contains(protocol::nickKey(nick));
}

bool Accounts::full() const {
    return book_.size() + registering_.size() >= config_.maxAccounts;
}

std::optional<Clock::duration> Accounts::attempt(std::string_view account, std::string_view peer,
                                                 TimePoint now) {
    const std::string a = accountKey(account);
    const std::string p = addressKey(peer);
    return signIns_.take({a, p}, now);
}

void Accounts::succeeded(std::string_view account, std::string_view peer, TimePoint now) {
    const std::string a = accountKey(account);
    const std::string p = addressKey(peer);
    signIns_.giveBack({a, p}, now);
}

std::optional<Clock::duration> Accounts::registration(std::string_view peer, TimePoint now) {
    return registrations_.take({addressKey(peer)}, now);
}

void Accounts::registrationNotTried(std::string_view peer, TimePoint now) {
    registrations_.giveBack({addressKey(peer)}, now);
}

bool Accounts::operatorName(std::string_view nick) const {
    const std::string key = protocol::nickKey(nick);
    return std::any_of(config_.operators.begin(), config_.operators.end(),
                       [&](const std::string& name) { return protocol::nickKey(name) == key; });
}

Accounts::HubCheck Accounts::checkHubPassword(std::string_view given, std::string_view peer,
                                              TimePoint now, Clock::duration& wait) {
    if (config_.hubPassword.empty()) {
        return HubCheck::Open;
    }
    if (given.empty()) {
        // No guess: a client that does not know the hub has a password (or
        // reconnects before its user typed it) costs no token.
        return HubCheck::Wrong;
    }
    const std::string p = addressKey(peer);
    // A token per attempt, given back when right: a guesser gets the
    // sign-in rate, someone who knows it is never slowed.
    if (auto until = hubPasswords_.take({p}, now)) {
        wait = *until;
        return HubCheck::Throttled;
    }
    if (hubPasswordHashed()) {
        return HubCheck::NeedsHash;
    }
    if (PasswordHasher::sameSecret(given, config_.hubPassword)) {
        hubPasswords_.giveBack({p}, now);
        return HubCheck::Right;
    }
    return HubCheck::Wrong;
}

void Accounts::hubPasswordRight(std::string_view peer, TimePoint now) {
    const std::string p = addressKey(peer);
    hubPasswords_.giveBack({p}, now);
}

bool Accounts::hubPasswordHashed() const {
    return config_.hubPassword.rfind("$argon2", 0) == 0;
}

bool Accounts::submit(AccountJob& job) {
    const bool registers = job.kind == AccountJobKind::Register;
    job.storeHash = !clustered_;
    std::string key = registers ? protocol::nickKey(job.account) : std::string();
    if (!worker_.submit(job)) {
        return false;
    }
    if (registers) {
        registering_.insert(std::move(key));
    }
    return true;
}

std::vector<AccountResult> Accounts::finished() {
    std::vector<AccountResult> done = worker_.finished();
    for (AccountResult& result : done) {
        const std::string key = protocol::nickKey(result.job.account);
        // In a cluster a registration's hash goes to Redis next: it is
        // registering until Redis answered (settled).
        const bool toCluster = result.toCluster();
        if (result.job.kind == AccountJobKind::Register && !toCluster) {
            registering_.erase(key);
        }
        if (!result.storeError.empty()) {
            log_.error("account " + result.job.account + ": " + result.storeError);
            continue;
        }
        if (!result.newHash.empty() && !toCluster) {
            book_[key] = StoredAccount{result.job.account, result.newHash};
            log_.information(std::string("account ") + result.job.account +
                             (result.job.kind == AccountJobKind::Register ? " registered"
                                                                          : ": password changed"));
        }
    }
    return done;
}

bool Accounts::adopt(StoredAccount account) {
    std::string key = protocol::nickKey(account.name);
    const auto it = book_.find(key);
    if (it != book_.end() && it->second.name == account.name && it->second.hash == account.hash) {
        return false;
    }
    worker_.store(account);
    book_[std::move(key)] = std::move(account);
    return true;
}

void Accounts::settled(std::string_view account) {
    registering_.erase(protocol::nickKey(account));
}

std::vector<StoredAccount> Accounts::all() const {
    std::vector<StoredAccount> accounts;
    accounts.reserve(book_.size());
    for (const auto& [key, account] : book_) {
        accounts.push_back(account);
    }
    return accounts;
}

}  // namespace hermes::hub

#pragma once
// The hashing thread: runs the Argon2id work of sign-ins, registrations and
// password changes off the hub's thread (one verify takes tens of
// milliseconds and hash.memory of memory: on the loop it would stall every
// chat), and stores new hashes and the cluster's accounts (AccountStore::save).
//
// The hub submits a job and its session waits (Intake::awaitRead); the
// worker signals fd() when jobs finish, the edge calls Hub::accountsDone(),
// and the hub takes the results with finished(). At most `maxPending` jobs
// are queued or running, the hub over: submit() refuses more, so a flood of
// sign-ins costs neither unbounded memory nor CPU (one job runs at a time).
//
// Passwords in a job are wiped (PasswordHasher::wipe) once hashed.
//
// Threading: submit(), store(), finished() and pending() on the hub's thread; fd()
// from any thread; the thread itself is private and starts at the first job.

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>
#include <thread>
#include <vector>

#include "hermes/hub/AccountStore.hpp"
#include "hermes/hub/PasswordHasher.hpp"
#include "hermes/threads/LockGuarded.hpp"
#include "hermes/v1/hermes.pb.h"

namespace hermes::hub {

enum class AccountJobKind : std::uint8_t {
    Hello,           // verify Hello.password against the nick's hash
    Identify,        // verify Identify.password
    Register,        // hash the password, store the new account
    ChangePassword,  // verify the old password, hash and store the new one
    HubPassword,     // verify Hello.hub_password against a hashed hub.password
    Store,           // store `account` with `hash` as the cluster has it (no session)
};

struct AccountJob {
    std::uint64_t ticket = 0;  // the session's id
    AccountJobKind kind = AccountJobKind::Identify;
    std::string account;      // the account's name, as registered (or to be)
    std::string hash;         // to verify against (Hello, Identify, ChangePassword)
    std::string password;     // to verify, or (Register) to hash
    std::string newPassword;  // ChangePassword
    // Hello: what the Hello asked for, welcomed if the password is right.
    std::string nick;
    std::string clientName;
    // HubPassword: the whole Hello, handled again once the hub password is right.
    hermes::v1::Hello hello;
    // Register, ChangePassword: the new hash is stored here (a hub alone);
    // false in a cluster, where it goes to Redis first and is stored once
    // Redis took it (a Store job, Accounts::adopt).
    bool storeHash = true;
};

struct AccountResult {
    AccountJob job;          // its passwords wiped
    bool verified = false;   // the password was right (Register: always)
    std::string newHash;     // Register, ChangePassword: made (and stored if job.storeHash)
    std::string storeError;  // set when hashing or storing failed
    // A cluster's new hash (!job.storeHash): Redis takes it before any
    // hub books or stores it (ClusterAccounts.cpp).
    bool toCluster() const { return !job.storeHash && !newHash.empty(); }
};

class AccountWorker {
public:
    AccountWorker(PasswordHasher hasher, AccountStore& store, std::size_t maxPending);
    ~AccountWorker();
    AccountWorker(const AccountWorker&) = delete;
    AccountWorker& operator=(const AccountWorker&) = delete;

    // False (and `job` untouched) when maxPending jobs wait already.
    bool submit(AccountJob& job);
    // A Store job, queued whatever is pending and not counted in pending():
    // the cluster's accounts must all reach the store (a row each, no hash),
    // and a first join's many must neither refuse sign-ins (ACCOUNTS_BUSY)
    // nor delay them (a hashing job goes first).
    void store(StoredAccount account);
    std::vector<AccountResult> finished();
    std::size_t pending() const { return pending_; }
    // An eventfd readable after jobs finished; the watcher reads it to reset it.
    int fd() const { return fd_; }

private:
    struct Shared {
        std::deque<AccountJob> queue;   // hashing jobs: a session waits for each
        std::deque<AccountJob> stores;  // Store jobs: run when no hashing job waits
        std::vector<AccountResult> done;
        bool stopping = false;
    };
    // The thread, started at the first job (a hub without accounts has none).
    void startThread();
    void run();
    AccountResult work(AccountJob job);

    PasswordHasher hasher_;
    AccountStore& store_;
    std::size_t maxPending_;
    std::size_t pending_ = 0;  // submitted, not yet taken back (hub's thread)
    int fd_ = -1;
    threads::LockGuarded<Shared> shared_;
    std::condition_variable wake_;
    std::thread thread_;
};

}  // namespace hermes::hub

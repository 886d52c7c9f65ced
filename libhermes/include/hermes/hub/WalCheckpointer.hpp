#pragma once
// Checkpoints a WAL-mode SQLite database on its own thread and connection, so
// that the writer's commits (and so the echoes that wait for them) never
// wait for one.
//
// SQLite's default is that the commit which takes the write-ahead log past
// 1,000 pages copies the log into the database file and fsyncs it, on the
// committing thread: a stall of several milliseconds every few megabytes,
// which in a burst of chat (hermes-bench T1) cost about a fifth of the
// throughput. attach() turns that off for the writer's connection and
// installs a hook that, after each commit, wakes this thread once the log
// has grown past kWakePages; it then runs a PASSIVE checkpoint, which copies
// what it can without blocking the writer or readers.
//
// Under writes that never pause, a passive checkpoint may never catch up with
// the end of the log, and SQLite restarts the log only after one did: past
// kWriterPages the writer's own commit checkpoints (as SQLite would by
// default), so the file stays bounded.
//
// Threading: the constructor, attach() and the destructor on the owner's
// thread; the hook runs on whichever thread commits on the attached
// connection (the writer's); the checkpoint thread is private. Failures are
// logged (logger "hermes.history") and retried at the next wake-up.

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>

#include "hermes/threads/LockGuarded.hpp"

struct sqlite3;

namespace Poco::Data {
class Session;
}

namespace hermes::hub {

class WalCheckpointer {
public:
    // Log size (pages) at which the checkpoint thread is woken.
    static constexpr int kWakePages = 1000;
    // Log size (pages) at which the writer checkpoints itself.
    static constexpr int kWriterPages = 16000;

    // Opens a second connection to the database at `path` (throws Poco's
    // exceptions as POCO Data does) and starts the thread.
    explicit WalCheckpointer(const std::string& path);
    // Detaches from the writer connection, stops the thread (a checkpoint
    // under way completes) and closes its connection. Call it where the
    // writer connection is not in use.
    ~WalCheckpointer();
    WalCheckpointer(const WalCheckpointer&) = delete;
    WalCheckpointer& operator=(const WalCheckpointer&) = delete;

    // Takes over checkpointing for the writer connection `writer`, which must
    // outlive this object.
    void attach(sqlite3* writer);

    // Checkpoints completed on the thread (thread safe).
    std::uint64_t checkpoints() const;

private:
    static int onCommit(void* self, sqlite3* db, const char* schema, int pages);
    void run();

    std::string path_;
    sqlite3* writer_ = nullptr;
    std::unique_ptr<Poco::Data::Session> session_;  // the checkpoint thread's

    // What the writer's commit hook, the owner and the checkpoint thread share.
    struct State {
        bool wanted = false;
        bool stopping = false;
        std::uint64_t checkpoints = 0;
    };
    threads::LockGuarded<State> state_;
    std::condition_variable wake_;
    std::thread thread_;
};

}  // namespace hermes::hub

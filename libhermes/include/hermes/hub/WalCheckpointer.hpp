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
// has grown by kWakePages since its last pass.
//
// The thread then copies the log in PASSIVE passes, which block neither the
// writer nor readers, until little is left (kRestartRemainder), and ends
// with one RESTART checkpoint, which holds the writer back only while it
// copies that little and syncs; the writer's next commit starts the log from
// its beginning (and fsyncs the new header, a few milliseconds). Passes
// alone would not do: under writes that never pause a pass never reaches
// the log's end, and SQLite restarts the log only after one did.
//
// Why so large a log (~48 MB): each pass syncs twice, and the same hot pages
// (the tables' last leaves, the index's) are copied once per pass. Waking
// per 1,000 pages cost T1 with persistence ~10 % of its deliveries/s against
// waking per 12,000 (docs/PERFORMANCE.md, "The checkpoint thread that did
// nothing"). Should the thread fall behind, the writer's own commit
// checkpoints at kWriterPages, a stall of 30-60 ms.
//
// The writer waits for the lock in steps of kBusyStep (attach() installs the
// handler): SQLite's default waits 1, 2, 5, 10 ms..., and a writer that
// tried while the thread held the lock for 3 ms would sleep 8.
//
// Threading: the constructor, attach() and the destructor on the owner's
// thread; the hook runs on whichever thread commits on the attached
// connection (the writer's); the checkpoint thread ("hist-checkpoint",
// SCHED_BATCH like the writer: threads/ThisThread.hpp) is private. Failures are
// logged (logger "hermes.history") and retried at the next wake-up.

#include <atomic>
#include <chrono>
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
    // Growth of the log (pages) since the thread's last pass that wakes it.
    static constexpr int kWakePages = 12000;
    // Log size (pages) from which a wake-up ends with a RESTART.
    static constexpr int kRestartPages = 12000;
    // What a passive pass may leave to copy before the RESTART (pages).
    static constexpr int kRestartRemainder = 256;
    // Log size (pages) at which the writer checkpoints itself.
    static constexpr int kWriterPages = 16000;
    // The step of a wait for a lock, and the longest waits: the writer's
    // (as its busy_timeout was) and the thread's RESTART's, which holds the
    // writer back while it waits for readers of the log.
    static constexpr std::chrono::microseconds kBusyStep{100};
    static constexpr std::chrono::milliseconds kWriterBusyFor{5000};
    static constexpr std::chrono::milliseconds kRestartBusyFor{20};

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

    // Checkpoints on the thread that copied the log (a connection that has
    // not read the database yet answers SQLITE_OK and copies nothing: not
    // counted), and RESTARTs (thread safe).
    std::uint64_t checkpoints() const;
    std::uint64_t restarts() const;

private:
    static int onCommit(void* self, sqlite3* db, const char* schema, int pages);
    void run();
    // After a passive pass that left `logPages` in the log, `copied` of them
    // copied: finish it and restart the log, if it is long enough.
    void restart(sqlite3* db, int logPages, int copied);

    std::string path_;
    sqlite3* writer_ = nullptr;
    std::unique_ptr<Poco::Data::Session> session_;  // the checkpoint thread's

    // What the writer's commit hook, the owner and the checkpoint thread share.
    struct State {
        bool wanted = false;
        bool stopping = false;
        std::uint64_t checkpoints = 0;
        std::uint64_t restarts = 0;
    };
    threads::LockGuarded<State> state_;
    // The log's size (pages) at the thread's last pass: written by the
    // thread, read by the writer's hook.
    std::atomic<int> passedAt_{0};
    std::condition_variable wake_;
    std::thread thread_;
};

}  // namespace hermes::hub

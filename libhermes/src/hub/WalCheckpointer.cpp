#include "hermes/hub/WalCheckpointer.hpp"

#include <sqlite3.h>

#include <Poco/Data/SQLite/Connector.h>
#include <Poco/Data/SQLite/Utility.h>
#include <Poco/Data/Session.h>
#include <Poco/Logger.h>

#include <thread>

#include "hermes/threads/ThisThread.hpp"

namespace hermes::hub {

namespace {

Poco::Logger& logger() {
    return Poco::Logger::get("hermes.history");
}

// A busy handler that retries every kBusyStep for up to `bound` (its
// argument, a std::chrono::microseconds*).
int waitInSteps(void* bound, int tries) {
    const auto& limit = *static_cast<const std::chrono::microseconds*>(bound);
    if (WalCheckpointer::kBusyStep * tries >= limit) {
        return 0;
    }
    std::this_thread::sleep_for(WalCheckpointer::kBusyStep);
    return 1;
}

constexpr std::chrono::microseconds kWriterBound = WalCheckpointer::kWriterBusyFor;
constexpr std::chrono::microseconds kRestartBound = WalCheckpointer::kRestartBusyFor;

}  // namespace

WalCheckpointer::WalCheckpointer(const std::string& path) : path_(path) {
    Poco::Data::SQLite::Connector::registerConnector();
    session_ = std::make_unique<Poco::Data::Session>("SQLite", path_, std::size_t{0});
    // A connection learns the database is in WAL mode at its first read;
    // until then a checkpoint on it does nothing and still answers SQLITE_OK
    // (with -1 for the log's size).
    int tables = 0;
    *session_ << "SELECT count(*) FROM sqlite_master", Poco::Data::Keywords::into(tables),
        Poco::Data::Keywords::now;
    sqlite3_busy_handler(Poco::Data::SQLite::Utility::dbHandle(*session_), &waitInSteps,
                         const_cast<std::chrono::microseconds*>(&kRestartBound));
    thread_ = std::thread([this] {
        if (!threads::scheduleThisThreadAsBatch()) {
            logger().information("checkpoint thread: SCHED_BATCH refused; it runs as any thread");
        }
        threads::nameThisThread("hist-checkpoint");
        run();
    });
}

WalCheckpointer::~WalCheckpointer() {
    if (writer_ != nullptr) {
        sqlite3_wal_hook(writer_, nullptr, nullptr);
    }
    state_.lock()->stopping = true;
    wake_.notify_one();
    thread_.join();
    session_.reset();
}

void WalCheckpointer::attach(sqlite3* writer) {
    writer_ = writer;
    sqlite3_wal_autocheckpoint(writer, 0);
    sqlite3_busy_handler(writer, &waitInSteps,
                         const_cast<std::chrono::microseconds*>(&kWriterBound));
    sqlite3_wal_hook(writer, &WalCheckpointer::onCommit, this);
}

std::uint64_t WalCheckpointer::checkpoints() const {
    return state_.lock()->checkpoints;
}

std::uint64_t WalCheckpointer::restarts() const {
    return state_.lock()->restarts;
}

int WalCheckpointer::onCommit(void* self, sqlite3* db, const char* schema, int pages) {
    auto* checkpointer = static_cast<WalCheckpointer*>(self);
    if (pages >= kWriterPages) {
        // The thread has not caught up with continuous writes: do it here,
        // between two transactions, so the log can restart from its beginning.
        const int rc =
            sqlite3_wal_checkpoint_v2(db, schema, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
        if (rc != SQLITE_OK && rc != SQLITE_BUSY) {
            logger().warning("history database " + checkpointer->path_ +
                             ": checkpoint by the writer failed: " + sqlite3_errstr(rc));
        }
        return SQLITE_OK;
    }
    // Woken per kWakePages the log grew since the thread's last pass (a log
    // shorter than that pass saw was restarted since), not on every commit
    // past the first kWakePages: each pass syncs twice, and a pass per
    // commit copies the same hot pages again and again.
    const int passed = checkpointer->passedAt_.load(std::memory_order_relaxed);
    const int grown = pages >= passed ? pages - passed : pages;
    if (grown >= kWakePages) {
        checkpointer->state_.lock()->wanted = true;
        checkpointer->wake_.notify_one();
    }
    return SQLITE_OK;
}

void WalCheckpointer::run() {
    sqlite3* db = Poco::Data::SQLite::Utility::dbHandle(*session_);
    for (;;) {
        {
            auto state = state_.lock();
            wake_.wait(state.unique(), [&] { return state->wanted || state->stopping; });
            if (state->stopping) {
                return;
            }
            state->wanted = false;
        }
        int logPages = 0;
        int copied = 0;
        const int rc =
            sqlite3_wal_checkpoint_v2(db, nullptr, SQLITE_CHECKPOINT_PASSIVE, &logPages, &copied);
        if (rc == SQLITE_OK && logPages < 0) {
            // Not in WAL mode as this connection sees it: nothing was copied.
            logger().warning("history database " + path_ +
                             ": checkpoint thread sees no write-ahead log");
        } else if (rc == SQLITE_OK) {
            passedAt_.store(logPages, std::memory_order_relaxed);
            ++state_.lock()->checkpoints;
            restart(db, logPages, copied);
        } else if (rc != SQLITE_BUSY) {
            logger().warning("history database " + path_ + ": checkpoint failed (" +
                             sqlite3_errmsg(db) + "); retried when the log grows");
        }
    }
}

void WalCheckpointer::restart(sqlite3* db, int logPages, int copied) {
    if (logPages < kRestartPages) {
        return;
    }
    // Each pass copies what the writer added during the one before; a few
    // bring that down to what the writer adds in one pass's syncs.
    for (int pass = 0; pass < 4 && logPages - copied > kRestartRemainder; ++pass) {
        if (sqlite3_wal_checkpoint_v2(db, nullptr, SQLITE_CHECKPOINT_PASSIVE, &logPages, &copied) !=
            SQLITE_OK) {
            return;
        }
    }
    // Busy (the writer did not pause, or a reader kept the log, within
    // kRestartBusyFor): asked again at the next wake-up.
    const int rc =
        sqlite3_wal_checkpoint_v2(db, nullptr, SQLITE_CHECKPOINT_RESTART, nullptr, nullptr);
    if (rc == SQLITE_OK) {
        ++state_.lock()->restarts;
    } else if (rc != SQLITE_BUSY) {
        logger().warning("history database " + path_ + ": restarting the log failed (" +
                         sqlite3_errmsg(db) + "); retried when the log grows");
    }
}

}  // namespace hermes::hub

#include "hermes/hub/WalCheckpointer.hpp"

#include <sqlite3.h>

#include <Poco/Data/SQLite/Connector.h>
#include <Poco/Data/SQLite/Utility.h>
#include <Poco/Data/Session.h>
#include <Poco/Logger.h>

namespace hermes::hub {

namespace {

Poco::Logger& logger() {
    return Poco::Logger::get("hermes.history");
}

}  // namespace

WalCheckpointer::WalCheckpointer(const std::string& path) : path_(path) {
    Poco::Data::SQLite::Connector::registerConnector();
    session_ = std::make_unique<Poco::Data::Session>("SQLite", path_, std::size_t{0});
    *session_ << "PRAGMA busy_timeout=2000", Poco::Data::Keywords::now;
    thread_ = std::thread([this] { run(); });
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
    sqlite3_wal_hook(writer, &WalCheckpointer::onCommit, this);
}

std::uint64_t WalCheckpointer::checkpoints() const {
    return state_.lock()->checkpoints;
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
    if (pages >= kWakePages) {
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
        if (rc == SQLITE_OK) {
            ++state_.lock()->checkpoints;
        } else if (rc != SQLITE_BUSY) {
            logger().warning("history database " + path_ + ": checkpoint failed (" +
                             sqlite3_errmsg(db) + "); retried when the log grows");
        }
    }
}

}  // namespace hermes::hub

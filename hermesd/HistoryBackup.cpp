#include "HistoryBackup.hpp"

#include <fcntl.h>
#include <sqlite3.h>
#include <unistd.h>

#include <ctime>
#include <filesystem>
#include <memory>
#include <thread>

namespace hermesd {

namespace {

struct CloseDb {
    void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
using Db = std::unique_ptr<sqlite3, CloseDb>;

Db open(const std::string& path, int flags, const char* what) {
    sqlite3* raw = nullptr;
    const int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
    Db db(raw);
    if (rc != SQLITE_OK) {
        throw BackupError(std::string("cannot open ") + what + " " + path + ": " +
                          (raw != nullptr ? sqlite3_errmsg(raw) : sqlite3_errstr(rc)));
    }
    sqlite3_busy_timeout(db.get(), 5000);
    return db;
}

void exec(sqlite3* db, const char* sql, const std::string& path) {
    char* message = nullptr;
    if (sqlite3_exec(db, sql, nullptr, nullptr, &message) != SQLITE_OK) {
        const std::string text = message != nullptr ? message : sqlite3_errmsg(db);
        sqlite3_free(message);
        throw BackupError(path + ": " + sql + ": " + text);
    }
}

// The copy itself, into `partial` (made, empty, by the caller), renamed to
// `destination` once whole. Its SQLite handles are closed when it returns or
// throws, so the caller can remove what a failure leaves.
void copyInto(const std::string& database, const std::string& partial,
              const std::string& destination, BackupResult& result) {
    // Read-write, not read-only: a WAL database's reader needs its -shm.
    Db source = open(database, SQLITE_OPEN_READWRITE, "the history database");
    Db copy = open(partial, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, "the backup");
    // The snapshot: held over every step (see the header).
    exec(source.get(), "BEGIN; SELECT count(*) FROM sqlite_schema;", database);

    sqlite3_backup* backup = sqlite3_backup_init(copy.get(), "main", source.get(), "main");
    if (backup == nullptr) {
        throw BackupError("cannot start the backup to " + partial + ": " +
                          sqlite3_errmsg(copy.get()));
    }
    int rc = SQLITE_OK;
    while (rc == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED) {
        rc = sqlite3_backup_step(backup, kPagesPerStep);
        ++result.steps;
        if (rc == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED) {
            std::this_thread::yield();
        }
    }
    result.pages = static_cast<std::uint64_t>(sqlite3_backup_pagecount(backup));
    sqlite3_backup_finish(backup);
    exec(source.get(), "COMMIT;", database);
    if (rc != SQLITE_DONE) {
        throw BackupError("backup to " + partial + " failed: " + sqlite3_errstr(rc));
    }

    // The copy is whole and readable before it takes the name.
    sqlite3_stmt* check = nullptr;
    std::string verdict = "no answer";
    if (sqlite3_prepare_v2(copy.get(), "PRAGMA quick_check", -1, &check, nullptr) == SQLITE_OK &&
        sqlite3_step(check) == SQLITE_ROW) {
        verdict = reinterpret_cast<const char*>(sqlite3_column_text(check, 0));
    }
    sqlite3_finalize(check);
    if (verdict != "ok") {
        throw BackupError("the copy " + partial + " fails quick_check: " + verdict);
    }
    // Out of WAL mode: one self-contained file, to copy anywhere.
    exec(copy.get(), "PRAGMA journal_mode=DELETE;", partial);
    copy.reset();
    std::error_code error;
    std::filesystem::rename(partial, destination, error);
    if (error) {
        throw BackupError("cannot rename " + partial + " to " + destination + ": " +
                          error.message());
    }
}

}  // namespace

BackupResult backupHistory(const std::string& database, const std::string& destination) {
    const auto started = std::chrono::steady_clock::now();
    std::error_code error;
    if (!std::filesystem::is_regular_file(database, error)) {
        throw BackupError("no history database at " + database);
    }
    const std::string partial = destination + ".partial";
    std::filesystem::remove(partial, error);
    // Mode 0600 before SQLite writes a byte: the copy holds password hashes
    // and private messages, as the database does.
    const int fd = ::open(partial.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        throw BackupError("cannot create " + partial + ": " +
                          std::error_code(errno, std::generic_category()).message());
    }
    ::close(fd);

    BackupResult result;
    try {
        copyInto(database, partial, destination, result);
    } catch (...) {
        // A failed copy leaves nothing behind: it holds what the database does.
        for (const char* suffix : {"", "-journal", "-wal", "-shm"}) {
            std::filesystem::remove(partial + suffix, error);
        }
        throw;
    }
    result.bytes = std::filesystem::file_size(destination, error);
    result.took = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - started);
    return result;
}

std::string timestampedBackupPath(const std::string& directory) {
    const std::time_t now = std::time(nullptr);
    std::tm utc{};
    gmtime_r(&now, &utc);
    char name[64];
    std::strftime(name, sizeof name, "hermes-history-%Y%m%d-%H%M%S", &utc);
    // Two in one second: the second gets -2 (and so on), never the first's name.
    const std::filesystem::path base = std::filesystem::path(directory) / name;
    std::filesystem::path path = base.string() + ".db";
    std::error_code error;
    for (int n = 2; std::filesystem::exists(path, error); ++n) {
        path = base.string() + "-" + std::to_string(n) + ".db";
    }
    return path.string();
}

}  // namespace hermesd

#pragma once
// An online copy of the history database (SQLite's backup API) while the hub
// serves: `hermesd --backup FILE`, and SIGUSR1 with history.backup_dir.
//
// Consistency: the copy is one snapshot. A read transaction is opened on the
// source first and held over every step, so the copy is the database as it
// was at that moment, all of it: every message committed (so acknowledged
// to its sender) before the backup began is in it, each room's seqs gapless.
// Without that held snapshot, a step after the hub's writer committed would
// restart the copy from page one, and under steady traffic it might never end.
//
// The writer is not held up: the database is in WAL mode, where a reader's
// snapshot never blocks a commit (a checkpoint only stops short of the
// pages the snapshot still needs, and catches up after). The copy goes in
// steps of kPagesPerStep, yielding between them, so its cost is spread.
// It is written to FILE.partial (mode 0600: it holds password hashes and
// private messages), checked (PRAGMA quick_check), then renamed over FILE:
// a FILE that exists is a whole copy.
//
// Threading: blocking; run it off the loop thread (main thread for
// --backup, the signal thread for SIGUSR1). Its own SQLite connections.

#include <chrono>
#include <cstdint>
#include <stdexcept>
#include <string>

namespace hermesd {

struct BackupResult {
    std::uint64_t pages = 0;
    std::uint64_t bytes = 0;
    std::uint64_t steps = 0;
    std::chrono::milliseconds took{0};
};

class BackupError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

inline constexpr int kPagesPerStep = 256;

// Throws BackupError (which file, what SQLite said).
BackupResult backupHistory(const std::string& database, const std::string& destination);

// "<dir>/hermes-history-YYYYmmdd-HHMMSS.db" (UTC).
std::string timestampedBackupPath(const std::string& directory);

}  // namespace hermesd

// hermes-write-cost-bench: what writing history costs per message, in CPU,
// off the hub's thread (docs/PERFORMANCE.md "What the writer costs, and
// what a block per commit would", and "A block per commit (schema 8)").
//
//   hermes-write-cost-bench [MESSAGES] [BATCH] [DIR]
//
// Five ways of writing MESSAGES (default 100,000) T1-like messages (64
// bytes of text, 100 senders) of one room, in transactions of BATCH
// (default 600: what a T1 commit held in `hermes-bench --scenario T1 -m
// 1000`, 168 commits), each to a new database in DIR (default /tmp) in WAL
// mode with synchronous=NORMAL, as the store opens it:
//   - store: SqliteHistory itself (schema 8: a block per room per commit;
//     append() and submit() per BATCH, then flush(), then waiting, in 5 ms
//     polls, until it has indexed every message for search, as it does once
//     idle); its threads' CPU (writer, checkpointer: the process's minus
//     the caller's);
//   - commits: the same store with indexing for search off (indexWhenIdle
//     false, no lag bound), so only its commits;
//   - rows: the floor of schema 7's layout, one row per message in its
//     `messages` table (raw sqlite3, prepared statement, no index);
//   - slim: one row per message holding its key and its protobuf bytes
//     (serialization counted), and
//   - blocks: one row per BATCH holding the messages' protobuf bytes, each
//     length-prefixed (raw sqlite3; serialization counted).
// Prints one line per way: CPU microseconds per message, the median of 3.

#include <sqlite3.h>
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <limits>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "hermes/hub/SqliteHistory.hpp"
#include "hermes/v1/hermes.pb.h"

namespace {

double cpuSeconds(clockid_t clock) {
    timespec t{};
    clock_gettime(clock, &t);
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) * 1e-9;
}

std::vector<hermes::v1::ChatMessage> makeMessages(std::size_t count) {
    std::vector<hermes::v1::ChatMessage> messages(count);
    for (std::size_t i = 0; i < count; ++i) {
        hermes::v1::ChatMessage& m = messages[i];
        m.set_room("bench");
        m.set_seq(i + 1);
        m.set_epoch(1);
        m.set_from("b" + std::to_string(i % 100));
        m.set_client_msg_id(i / 100 + 1);
        m.set_time_ms(1'700'000'000'000 + static_cast<std::int64_t>(i));
        m.set_kind(hermes::v1::MESSAGE_KIND_TEXT);
        m.set_text(std::string(64, static_cast<char>('a' + i % 26)));
    }
    return messages;
}

std::string freshPath(const std::string& dir, const std::string& name) {
    const std::string path = dir + "/hermes-write-cost-" + name + ".db";
    for (const char* suffix : {"", "-wal", "-shm"}) {
        std::filesystem::remove(path + suffix);
    }
    return path;
}

void exec(sqlite3* db, const char* sql) {
    char* error = nullptr;
    if (sqlite3_exec(db, sql, nullptr, nullptr, &error) != SQLITE_OK) {
        const std::string what = std::string(sql) + ": " + (error != nullptr ? error : "?");
        sqlite3_free(error);
        throw std::runtime_error(what);
    }
}

sqlite3* openRaw(const std::string& path) {
    sqlite3* db = nullptr;
    if (sqlite3_open(path.c_str(), &db) != SQLITE_OK) {
        throw std::runtime_error("cannot open " + path);
    }
    exec(db, "PRAGMA journal_mode=WAL");
    exec(db, "PRAGMA synchronous=NORMAL");
    return db;
}

sqlite3_stmt* prepare(sqlite3* db, const char* sql) {
    sqlite3_stmt* statement = nullptr;
    if (sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &statement, nullptr) !=
        SQLITE_OK) {
        throw std::runtime_error(std::string("cannot prepare ") + sql);
    }
    return statement;
}

void step(sqlite3* db, sqlite3_stmt* statement) {
    if (sqlite3_step(statement) != SQLITE_DONE) {
        throw std::runtime_error(sqlite3_errmsg(db));
    }
    sqlite3_reset(statement);
}

// The store's own threads (writer, checkpointer) per message.
// `indexed` false: the writer never indexes for search (as while a load
// that never pauses stays under the index's lag bound): the commits alone.
double storeCost(const std::vector<hermes::v1::ChatMessage>& messages, std::size_t batch,
                 const std::string& dir, bool indexed) {
    hermes::hub::SqliteHistoryOptions options;
    options.path = freshPath(dir, "store");
    if (!indexed) {
        options.indexWhenIdle = false;
        options.indexMaxLag = std::numeric_limits<std::size_t>::max();
    }
    const double processBefore = cpuSeconds(CLOCK_PROCESS_CPUTIME_ID);
    const double callerBefore = cpuSeconds(CLOCK_THREAD_CPUTIME_ID);
    {
        hermes::hub::SqliteHistory store(options);
        for (std::size_t i = 0; i < messages.size(); ++i) {
            store.append(messages[i]);
            if ((i + 1) % batch == 0) {
                store.submit();
            }
        }
        store.flush();
        // The writer indexes for search once idle: wait for it (bounded).
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
        while (indexed && store.unindexedMessages() > 0 &&
               std::chrono::steady_clock::now() < deadline) {
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
        if (indexed && store.unindexedMessages() > 0) {
            throw std::runtime_error("the store did not index its messages within 60 s");
        }
    }
    const double others = (cpuSeconds(CLOCK_PROCESS_CPUTIME_ID) - processBefore) -
                          (cpuSeconds(CLOCK_THREAD_CPUTIME_ID) - callerBefore);
    return others / static_cast<double>(messages.size()) * 1e6;
}

// Writes `messages` one row each with `insert`, BATCH rows a transaction,
// `bind` setting the statement's values for one message: CPU us per message.
template <typename Bind>
double rowPerMessage(sqlite3* db, sqlite3_stmt* insert,
                     const std::vector<hermes::v1::ChatMessage>& messages, std::size_t batch,
                     Bind bind) {
    const double before = cpuSeconds(CLOCK_THREAD_CPUTIME_ID);
    for (std::size_t first = 0; first < messages.size(); first += batch) {
        exec(db, "BEGIN");
        for (std::size_t i = first; i < std::min(messages.size(), first + batch); ++i) {
            bind(messages[i]);
            step(db, insert);
        }
        exec(db, "COMMIT");
    }
    const double cost = cpuSeconds(CLOCK_THREAD_CPUTIME_ID) - before;
    sqlite3_finalize(insert);
    sqlite3_close(db);
    return cost / static_cast<double>(messages.size()) * 1e6;
}

double rowsCost(const std::vector<hermes::v1::ChatMessage>& messages, std::size_t batch,
                const std::string& dir) {
    sqlite3* db = openRaw(freshPath(dir, "rows"));
    exec(db,
         "CREATE TABLE messages(id INTEGER PRIMARY KEY, epoch INTEGER NOT NULL, time_ms INTEGER "
         "NOT NULL, from_nick TEXT NOT NULL, to_nick TEXT NOT NULL DEFAULT '', client_msg_id "
         "INTEGER NOT NULL, kind INTEGER NOT NULL, text TEXT NOT NULL, file TEXT NOT NULL DEFAULT "
         "'', reply_to INTEGER NOT NULL DEFAULT 0, target INTEGER NOT NULL DEFAULT 0, reaction "
         "TEXT NOT NULL DEFAULT '', author TEXT NOT NULL DEFAULT '')");
    sqlite3_stmt* insert =
        prepare(db, "INSERT INTO messages VALUES (?,?,?,?,?,?,?,?,'',0,0,'','')");
    return rowPerMessage(db, insert, messages, batch, [insert](const hermes::v1::ChatMessage& m) {
        sqlite3_bind_int64(insert, 1, static_cast<sqlite3_int64>((1ULL << 40) | m.seq()));
        sqlite3_bind_int64(insert, 2, static_cast<sqlite3_int64>(m.epoch()));
        sqlite3_bind_int64(insert, 3, m.time_ms());
        sqlite3_bind_text(insert, 4, m.from().data(), static_cast<int>(m.from().size()),
                          SQLITE_STATIC);
        sqlite3_bind_text(insert, 5, "", 0, SQLITE_STATIC);
        sqlite3_bind_int64(insert, 6, static_cast<sqlite3_int64>(m.client_msg_id()));
        sqlite3_bind_int64(insert, 7, m.kind());
        sqlite3_bind_text(insert, 8, m.text().data(), static_cast<int>(m.text().size()),
                          SQLITE_STATIC);
    });
}

// One row per message, as in `rows`, but the message as one column of its
// protobuf bytes (room and seq cleared) beside its key: what a row costs
// without SQLite's per-column encoding.
double slimCost(const std::vector<hermes::v1::ChatMessage>& messages, std::size_t batch,
                const std::string& dir) {
    sqlite3* db = openRaw(freshPath(dir, "slim"));
    exec(db,
         "CREATE TABLE messages(id INTEGER PRIMARY KEY, target INTEGER NOT NULL DEFAULT 0, "
         "author TEXT NOT NULL DEFAULT '', body BLOB NOT NULL)");
    sqlite3_stmt* insert = prepare(db, "INSERT INTO messages(id, body) VALUES (?,?)");
    std::string one;
    hermes::v1::ChatMessage stored;
    return rowPerMessage(db, insert, messages, batch, [&](const hermes::v1::ChatMessage& m) {
        stored = m;
        stored.clear_room();
        stored.clear_seq();
        stored.SerializeToString(&one);
        sqlite3_bind_int64(insert, 1, static_cast<sqlite3_int64>((1ULL << 40) | m.seq()));
        sqlite3_bind_blob(insert, 2, one.data(), static_cast<int>(one.size()), SQLITE_STATIC);
    });
}

double blocksCost(const std::vector<hermes::v1::ChatMessage>& messages, std::size_t batch,
                  const std::string& dir) {
    sqlite3* db = openRaw(freshPath(dir, "blocks"));
    exec(db, "CREATE TABLE blocks(id INTEGER PRIMARY KEY, last_seq INTEGER NOT NULL, data BLOB)");
    sqlite3_stmt* insert = prepare(db, "INSERT INTO blocks VALUES (?,?,?)");
    std::string block;
    std::string one;
    const double before = cpuSeconds(CLOCK_THREAD_CPUTIME_ID);
    for (std::size_t first = 0; first < messages.size(); first += batch) {
        const std::size_t end = std::min(messages.size(), first + batch);
        block.clear();
        for (std::size_t i = first; i < end; ++i) {
            messages[i].SerializeToString(&one);
            const auto length = static_cast<std::uint32_t>(one.size());
            block.append(reinterpret_cast<const char*>(&length), sizeof length);
            block += one;
        }
        exec(db, "BEGIN");
        sqlite3_bind_int64(insert, 1,
                           static_cast<sqlite3_int64>((1ULL << 40) | messages[first].seq()));
        sqlite3_bind_int64(insert, 2, static_cast<sqlite3_int64>(messages[end - 1].seq()));
        sqlite3_bind_blob(insert, 3, block.data(), static_cast<int>(block.size()), SQLITE_STATIC);
        step(db, insert);
        exec(db, "COMMIT");
    }
    const double cost = cpuSeconds(CLOCK_THREAD_CPUTIME_ID) - before;
    sqlite3_finalize(insert);
    sqlite3_close(db);
    return cost / static_cast<double>(messages.size()) * 1e6;
}

double median3(double a, double b, double c) {
    return std::max(std::min(a, b), std::min(std::max(a, b), c));
}

}  // namespace

int main(int argc, char** argv) {
    const std::size_t count = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 100'000;
    const std::size_t batch = argc > 2 ? std::strtoull(argv[2], nullptr, 10) : 600;
    const std::string dir = argc > 3 ? argv[3] : "/tmp";
    if (count == 0 || batch == 0) {
        std::fprintf(stderr, "usage: hermes-write-cost-bench [MESSAGES] [BATCH] [DIR]\n");
        return 2;
    }
    try {
        const auto messages = makeMessages(count);
        double store[3], commits[3], rows[3], slim[3], blocks[3];
        for (int run = 0; run < 3; ++run) {
            store[run] = storeCost(messages, batch, dir, true);
            commits[run] = storeCost(messages, batch, dir, false);
            rows[run] = rowsCost(messages, batch, dir);
            slim[run] = slimCost(messages, batch, dir);
            blocks[run] = blocksCost(messages, batch, dir);
        }
        std::printf("%zu messages in transactions of %zu, CPU us per message (median of 3):\n",
                    count, batch);
        std::printf("store   (SqliteHistory's threads, search index included) %6.2f\n",
                    median3(store[0], store[1], store[2]));
        std::printf("commits (the same, never indexing for search)            %6.2f\n",
                    median3(commits[0], commits[1], commits[2]));
        std::printf("rows    (schema 7's messages table, one row per message) %6.2f\n",
                    median3(rows[0], rows[1], rows[2]));
        std::printf("slim    (one row per message: key and protobuf bytes)    %6.2f\n",
                    median3(slim[0], slim[1], slim[2]));
        std::printf("blocks  (one row of protobuf bytes per transaction)      %6.2f\n",
                    median3(blocks[0], blocks[1], blocks[2]));
        for (const char* name : {"store", "rows", "slim", "blocks"}) {
            const std::string path = dir + "/hermes-write-cost-" + name + ".db";
            for (const char* suffix : {"", "-wal", "-shm"}) {
                std::filesystem::remove(path + suffix);
            }
        }
    } catch (const std::exception& error) {
        std::fprintf(stderr, "hermes-write-cost-bench: %s\n", error.what());
        return 1;
    }
    return 0;
}

#include "hermes/hub/SqliteHistory.hpp"

#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <limits>
#include <set>
#include <utility>

#include <sqlite3.h>

#include <Poco/Data/DataException.h>
#include <Poco/Data/SQLite/Connector.h>
#include <Poco/Data/SQLite/Utility.h>
#include <Poco/Data/Session.h>
#include <Poco/Data/Statement.h>
#include <Poco/Exception.h>
#include <Poco/Logger.h>

namespace hermes::hub {

using namespace Poco::Data::Keywords;
using Poco::Data::Session;
using Poco::Data::Statement;

namespace {

constexpr auto kRetryDelay = std::chrono::seconds(1);
// How long flush() (shutdown) waits for the writer before giving up loudly.
constexpr auto kFlushTimeout = std::chrono::seconds(30);
// POCO retries a failed sqlite3_open for this many seconds; a path that
// cannot be opened will not become openable, so fail at once.
constexpr std::size_t kOpenRetrySeconds = 0;
constexpr const char* kColumns =
    "seq, epoch, time_ms, from_nick, to_nick, client_msg_id, kind, text";

std::int64_t systemMs() {
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

Poco::Logger& logger() {
    return Poco::Logger::get("hermes.history");
}

// Version 1. A later version appends its steps as kMigrations[1], and so on:
// a database at version N gets steps N.. in one transaction.
const std::vector<std::vector<std::string>> kMigrations = {
    {
        "CREATE TABLE IF NOT EXISTS rooms ("
        " name TEXT PRIMARY KEY NOT NULL,"
        " last_seq INTEGER NOT NULL DEFAULT 0,"
        " topic TEXT NOT NULL DEFAULT '',"
        " topic_set_by TEXT NOT NULL DEFAULT '',"
        " topic_time_ms INTEGER NOT NULL DEFAULT 0)",
        "CREATE TABLE IF NOT EXISTS messages ("
        " room TEXT NOT NULL,"
        " seq INTEGER NOT NULL,"
        " epoch INTEGER NOT NULL,"
        " time_ms INTEGER NOT NULL,"
        " from_nick TEXT NOT NULL,"
        " to_nick TEXT NOT NULL DEFAULT '',"
        " client_msg_id INTEGER NOT NULL,"
        " kind INTEGER NOT NULL,"
        " text TEXT NOT NULL,"
        " PRIMARY KEY (room, seq))",
    },
};

// FTS5 is optional: created when SQLite has it, outside the versioned schema,
// so the same file works (with LIKE search) under a SQLite without FTS5.
const std::vector<std::string> kFtsSchema = {
    "CREATE VIRTUAL TABLE IF NOT EXISTS messages_fts USING fts5("
    " text, content='messages', content_rowid='rowid')",
    "CREATE TRIGGER IF NOT EXISTS messages_fts_insert AFTER INSERT ON messages BEGIN"
    " INSERT INTO messages_fts(rowid, text) VALUES (new.rowid, new.text); END",
    "CREATE TRIGGER IF NOT EXISTS messages_fts_delete AFTER DELETE ON messages BEGIN"
    " INSERT INTO messages_fts(messages_fts, rowid, text) VALUES ('delete', old.rowid,"
    " old.text); END",
};

std::vector<std::string> splitWords(std::string_view query) {
    std::vector<std::string> words;
    std::size_t i = 0;
    while (i < query.size() && words.size() < SqliteHistory::kMaxSearchWords) {
        while (i < query.size() && std::isspace(static_cast<unsigned char>(query[i])) != 0) {
            ++i;
        }
        const std::size_t start = i;
        while (i < query.size() && std::isspace(static_cast<unsigned char>(query[i])) == 0) {
            ++i;
        }
        if (i > start) {
            words.emplace_back(query.substr(start, i - start));
        }
    }
    return words;
}

// Each word becomes an FTS5 phrase ("..." with quotes doubled): the user's
// punctuation is never FTS5 syntax. Phrases side by side must all match.
std::string ftsQuery(const std::vector<std::string>& words) {
    std::string out;
    for (const std::string& word : words) {
        out += out.empty() ? "\"" : " \"";
        for (const char c : word) {
            out += c;
            if (c == '"') {
                out += '"';
            }
        }
        out += '"';
    }
    return out;
}

std::string likePattern(std::string_view word) {
    std::string out = "%";
    for (const char c : word) {
        if (c == '%' || c == '_' || c == '\\') {
            out += '\\';
        }
        out += c;
    }
    return out + "%";
}

// Column vectors of one SELECT of kColumns, turned into messages.
struct Rows {
    std::vector<Poco::Int64> seq, epoch, time, clientMsgId, kind;
    std::vector<std::string> from, to, text;

    void addTo(Statement& statement) {
        statement, into(seq), into(epoch), into(time), into(from), into(to), into(clientMsgId),
            into(kind), into(text);
    }

    std::vector<hermes::v1::ChatMessage> messages(std::string_view room) {
        std::vector<hermes::v1::ChatMessage> out(seq.size());
        for (std::size_t i = 0; i < seq.size(); ++i) {
            hermes::v1::ChatMessage& m = out[i];
            m.set_room(std::string(room));
            m.set_seq(static_cast<std::uint64_t>(seq[i]));
            m.set_epoch(static_cast<std::uint64_t>(epoch[i]));
            m.set_time_ms(time[i]);
            m.set_from(std::move(from[i]));
            m.set_to(std::move(to[i]));
            m.set_client_msg_id(static_cast<std::uint64_t>(clientMsgId[i]));
            m.set_kind(static_cast<hermes::v1::MessageKind>(kind[i]));
            m.set_text(std::move(text[i]));
        }
        return out;
    }
};

}  // namespace

// The writer thread's prepared statements, the values they are bound to, and
// what retention still has to do.
struct SqliteHistory::Writer {
    explicit Writer(Session& db) : session(db), lastSeq(db), topic(db) {
        // The one statement per message: prepared once on the session's own
        // handle, because POCO's binding costs more per row than SQLite's insert.
        sqlite3* handle = Poco::Data::SQLite::Utility::dbHandle(db);
        if (sqlite3_prepare_v2(handle,
                               "INSERT INTO messages(room, seq, epoch, time_ms, from_nick, to_nick,"
                               " client_msg_id, kind, text) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                               -1, &insert, nullptr) != SQLITE_OK) {
            throw Poco::Data::DataException(std::string("prepare insert: ") +
                                            sqlite3_errmsg(handle));
        }
        lastSeq << "INSERT INTO rooms(name, last_seq) VALUES (?, ?) ON CONFLICT(name) DO UPDATE"
                   " SET last_seq = max(last_seq, excluded.last_seq)",
            use(room), use(seq);
        topic << "INSERT INTO rooms(name, topic, topic_set_by, topic_time_ms) VALUES (?, ?, ?, ?)"
                 " ON CONFLICT(name) DO UPDATE SET topic = excluded.topic,"
                 " topic_set_by = excluded.topic_set_by, topic_time_ms = excluded.topic_time_ms",
            use(room), use(text), use(from), use(time);
    }

    ~Writer() { sqlite3_finalize(insert); }
    Writer(const Writer&) = delete;
    Writer& operator=(const Writer&) = delete;

    // Throws DataException with SQLite's words if the row cannot be inserted.
    void insertMessage(const hermes::v1::ChatMessage& m) {
        sqlite3_reset(insert);
        sqlite3_bind_text(insert, 1, m.room().data(), static_cast<int>(m.room().size()),
                          SQLITE_STATIC);
        sqlite3_bind_int64(insert, 2, static_cast<sqlite3_int64>(m.seq()));
        sqlite3_bind_int64(insert, 3, static_cast<sqlite3_int64>(m.epoch()));
        sqlite3_bind_int64(insert, 4, m.time_ms());
        sqlite3_bind_text(insert, 5, m.from().data(), static_cast<int>(m.from().size()),
                          SQLITE_STATIC);
        sqlite3_bind_text(insert, 6, m.to().data(), static_cast<int>(m.to().size()), SQLITE_STATIC);
        sqlite3_bind_int64(insert, 7, static_cast<sqlite3_int64>(m.client_msg_id()));
        sqlite3_bind_int64(insert, 8, m.kind());
        sqlite3_bind_text(insert, 9, m.text().data(), static_cast<int>(m.text().size()),
                          SQLITE_STATIC);
        const int rc = sqlite3_step(insert);
        sqlite3_reset(insert);
        if (rc != SQLITE_DONE) {
            throw Poco::Data::DataException(
                std::string("insert: ") +
                sqlite3_errmsg(Poco::Data::SQLite::Utility::dbHandle(session)));
        }
    }

    Session& session;
    sqlite3_stmt* insert = nullptr;
    Statement lastSeq;
    Statement topic;
    std::string room, from, to, text;
    Poco::Int64 seq = 0, epoch = 0, time = 0, clientMsgId = 0, kind = 0;

    RoomMap<std::uint64_t> roomLast;   // newest committed seq per room
    std::set<std::string> countPrune;  // rooms that may hold more than the limit
    std::set<std::string> agePrune;    // rooms whose oldest messages may be too old
    std::chrono::steady_clock::time_point nextAgeScan{};
};

SqliteHistory::SqliteHistory(SqliteHistoryOptions options) : options_(std::move(options)) {
    if (!options_.wallClock) {
        options_.wallClock = systemMs;
    }
    commitFd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (commitFd_ < 0) {
        throw HistoryOpenError("history database " + options_.path +
                               ": eventfd: " + std::strerror(errno));
    }
    try {
        openDatabase();
        loadRooms();
    } catch (const Poco::Exception& error) {
        ::close(commitFd_);
        throw HistoryOpenError("history database " + options_.path + ": " + error.displayText());
    } catch (...) {
        ::close(commitFd_);
        throw;
    }
    writerThread_ = std::thread([this] { writerLoop(); });
}

SqliteHistory::~SqliteHistory() {
    close();
    ::close(commitFd_);
}

void SqliteHistory::openDatabase() {
    Poco::Data::SQLite::Connector::registerConnector();
    writer_ = std::make_unique<Session>("SQLite", options_.path, kOpenRetrySeconds);
    Session& db = *writer_;
    // The first statement reads the header: a file that is not a database
    // fails here ("file is not a database").
    std::string mode;
    db << "PRAGMA journal_mode=WAL", into(mode), now;
    if (mode != "wal") {
        throw HistoryOpenError("history database " + options_.path +
                               ": cannot use WAL mode (journal_mode is " + mode + ")");
    }
    db << "PRAGMA synchronous=NORMAL", now;
    db << "PRAGMA busy_timeout=5000", now;
    migrate(db);
    if (options_.useFts) {
        try {
            for (const std::string& sql : kFtsSchema) {
                db << sql, now;
            }
            fts_ = true;
        } catch (const Poco::Exception& error) {
            logger().warning("history database " + options_.path + ": no FTS5 (" +
                             error.displayText() + "): search uses LIKE");
        }
    }
    reader_ = std::make_unique<Session>("SQLite", options_.path, kOpenRetrySeconds);
    *reader_ << "PRAGMA busy_timeout=2000", now;
    *reader_ << "PRAGMA query_only=1", now;
}

void SqliteHistory::migrate(Session& db) {
    db << "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)", now;
    int version = 0;
    std::size_t rows = 0;
    db << "SELECT count(*) FROM schema_version", into(rows), now;
    if (rows > 0) {
        db << "SELECT max(version) FROM schema_version", into(version), now;
    }
    if (version > kSchemaVersion) {
        throw HistoryOpenError("history database " + options_.path + " has schema version " +
                               std::to_string(version) + "; this hermesd knows up to " +
                               std::to_string(kSchemaVersion));
    }
    db.begin();
    try {
        for (auto step = static_cast<std::size_t>(version); step < kMigrations.size(); ++step) {
            for (const std::string& sql : kMigrations[step]) {
                db << sql, now;
            }
        }
        // Always written, even when nothing migrates: a read-only file or
        // directory fails here, at open, not at the first message.
        db << "DELETE FROM schema_version", now;
        int target = kSchemaVersion;
        db << "INSERT INTO schema_version(version) VALUES (?)", use(target), now;
        db.commit();
    } catch (...) {
        db.rollback();
        throw;
    }
}

void SqliteHistory::loadRooms() {
    std::vector<std::string> names, topics, setBy;
    std::vector<Poco::Int64> last, topicTime;
    *reader_ << "SELECT name, last_seq, topic, topic_set_by, topic_time_ms FROM rooms"
                " ORDER BY name",
        into(names), into(last), into(topics), into(setBy), into(topicTime), now;
    for (std::size_t i = 0; i < names.size(); ++i) {
        StoredRoom room;
        room.name = names[i];
        room.lastSeq = static_cast<std::uint64_t>(last[i]);
        room.topic = topics[i];
        room.topicSetBy = setBy[i];
        room.topicTimeMs = topicTime[i];
        lastSeqs_[room.name] = room.lastSeq;
        committedSeqs_[room.name] = room.lastSeq;
        restoredRooms_.push_back(std::move(room));
    }
    Poco::Int64 count = 0;
    *reader_ << "SELECT count(*) FROM messages", into(count), now;
    restoredMessages_ = static_cast<std::uint64_t>(count);
}

void SqliteHistory::close() {
    if (closed_) {
        return;
    }
    closed_ = true;
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    if (writerThread_.joinable()) {
        writerThread_.join();
    }
    reader_.reset();
    writer_.reset();
}

// --- owner thread: writes are queued ------------------------------------------

void SqliteHistory::append(const hermes::v1::ChatMessage& message) {
    auto shared = std::make_shared<const hermes::v1::ChatMessage>(message);
    lastSeqs_[message.room()] = message.seq();
    bool first = false;
    {
        std::lock_guard lock(mutex_);
        first = queue_.empty();
        queue_.push_back(Work{shared, {}});
        auto it = pending_.find(std::string_view(message.room()));
        if (it == pending_.end()) {
            it = pending_.emplace(message.room(), std::deque<MessagePtr>{}).first;
        }
        it->second.push_back(std::move(shared));
        ++appended_;
    }
    if (first) {
        wake_.notify_one();  // a writer mid-commit finds the queue when it looks again
    }
}

void SqliteHistory::setTopic(const StoredRoom& room) {
    {
        std::lock_guard lock(mutex_);
        queue_.push_back(Work{nullptr, room});
        ++appended_;
    }
    wake_.notify_one();
}

std::uint64_t SqliteHistory::committedSeq(std::string_view room) const {
    std::lock_guard lock(mutex_);
    const auto it = committedSeqs_.find(room);
    return it == committedSeqs_.end() ? 0 : it->second;
}

std::uint64_t SqliteHistory::prunedMessages() const {
    std::lock_guard lock(mutex_);
    return pruned_;
}

void SqliteHistory::flush() {
    std::unique_lock lock(mutex_);
    const std::uint64_t target = appended_;
    wake_.notify_one();
    if (!committed_.wait_for(lock, kFlushTimeout,
                             [&] { return committedCount_ >= target || writerFailed_; })) {
        logger().error(
            "history database " + options_.path + ": " + std::to_string(target - committedCount_) +
            " writes still not committed after " + std::to_string(kFlushTimeout.count()) + " s");
    }
}

// --- owner thread: reads ----------------------------------------------------------

std::uint64_t SqliteHistory::lastSeq(std::string_view room) const {
    const auto it = lastSeqs_.find(room);
    return it == lastSeqs_.end() ? 0 : it->second;
}

std::vector<SqliteHistory::MessagePtr> SqliteHistory::pendingAfter(std::string_view room,
                                                                   std::uint64_t afterSeq) const {
    std::vector<MessagePtr> out;
    std::lock_guard lock(mutex_);
    const auto it = pending_.find(room);
    if (it != pending_.end()) {
        for (const MessagePtr& message : it->second) {
            if (message->seq() > afterSeq) {
                out.push_back(message);
            }
        }
    }
    return out;
}

std::vector<hermes::v1::ChatMessage> SqliteHistory::query(std::string_view room,
                                                          std::uint64_t afterSeq,
                                                          std::uint64_t beforeSeq,
                                                          std::size_t limit,
                                                          bool newestFirst) const {
    std::string name(room);
    Poco::Int64 low = static_cast<Poco::Int64>(afterSeq);
    Poco::Int64 high = beforeSeq == 0 ? std::numeric_limits<Poco::Int64>::max()
                                      : static_cast<Poco::Int64>(beforeSeq);
    Poco::Int64 count = static_cast<Poco::Int64>(std::min<std::size_t>(
        limit, static_cast<std::size_t>(std::numeric_limits<Poco::Int64>::max())));
    Rows rows;
    Statement select(*reader_);
    select << "SELECT " + std::string(kColumns) +
                  " FROM messages WHERE room = ? AND seq > ? AND seq < ? ORDER BY seq " +
                  (newestFirst ? "DESC" : "ASC") + " LIMIT ?";
    rows.addTo(select);
    select, use(name), use(low), use(high), use(count);
    select.execute();
    return rows.messages(room);
}

std::uint64_t SqliteHistory::firstStoredSeq(std::string_view room) const {
    std::string name(room);
    Poco::Int64 first = 0;
    std::size_t rows = 0;
    *reader_ << "SELECT count(*) FROM (SELECT 1 FROM messages WHERE room = ? LIMIT 1)", use(name),
        into(rows), now;
    if (rows == 0) {
        return 0;
    }
    *reader_ << "SELECT min(seq) FROM messages WHERE room = ?", use(name), into(first), now;
    return static_cast<std::uint64_t>(first);
}

HistorySlice SqliteHistory::after(std::string_view room, std::uint64_t afterSeq,
                                  std::size_t limit) const {
    HistorySlice slice;
    const std::uint64_t last = lastSeq(room);
    if (afterSeq >= last) {
        return slice;
    }
    // Pending first: a message leaves pending only after its commit, so
    // whatever the query below misses is in this snapshot.
    const std::vector<MessagePtr> pending = pendingAfter(room, afterSeq);
    std::uint64_t firstKept = firstStoredSeq(room);
    if (firstKept == 0) {
        firstKept = pending.empty() ? last + 1 : pending.front()->seq();
    }
    std::uint64_t start = afterSeq + 1;
    if (start < firstKept) {
        slice.gap = std::make_pair(start, firstKept - 1);
        start = firstKept;
    }
    if (start > last || limit == 0) {
        slice.hasMore = start <= last;
        return slice;
    }
    slice.messages = query(room, start - 1, 0, limit, false);
    if (!slice.messages.empty() && slice.messages.front().seq() > start) {
        // The writer pruned between firstStoredSeq() and the query: the gap
        // reaches to the first message returned, never silently past it.
        slice.gap = std::make_pair(afterSeq + 1, slice.messages.front().seq() - 1);
    }
    std::uint64_t next = slice.messages.empty() ? start : slice.messages.back().seq() + 1;
    for (const MessagePtr& message : pending) {
        if (slice.messages.size() >= limit) {
            break;
        }
        if (message->seq() == next) {
            slice.messages.push_back(*message);
            ++next;
        }
    }
    slice.hasMore = next <= last;
    return slice;
}

std::vector<hermes::v1::ChatMessage> SqliteHistory::tail(std::string_view room,
                                                         std::size_t count) const {
    const std::uint64_t last = lastSeq(room);
    if (count == 0 || last == 0) {
        return {};
    }
    const std::uint64_t from = last > count ? last - count : 0;
    const std::vector<MessagePtr> pending = pendingAfter(room, from);
    std::vector<hermes::v1::ChatMessage> out = query(room, from, 0, count, false);
    const std::uint64_t stored = out.empty() ? from : out.back().seq();
    for (const MessagePtr& message : pending) {
        if (message->seq() > stored) {
            out.push_back(*message);
        }
    }
    if (out.size() > count) {
        out.erase(out.begin(), out.end() - static_cast<std::ptrdiff_t>(count));
    }
    return out;
}

SearchHits SqliteHistory::search(std::string_view room, std::string_view query, std::size_t limit,
                                 std::uint64_t beforeSeq) const {
    SearchHits hits;
    const std::vector<std::string> words = splitWords(query);
    if (words.empty() || limit == 0) {
        return hits;
    }
    std::string name(room);
    Poco::Int64 high = beforeSeq == 0 ? std::numeric_limits<Poco::Int64>::max()
                                      : static_cast<Poco::Int64>(beforeSeq);
    Poco::Int64 count = static_cast<Poco::Int64>(std::min<std::size_t>(limit, 10'000) + 1);
    Rows rows;
    Statement select(*reader_);
    std::string match;
    std::vector<std::string> patterns;
    try {
        if (fts_) {
            match = ftsQuery(words);
            select << "SELECT m.seq, m.epoch, m.time_ms, m.from_nick, m.to_nick,"
                      " m.client_msg_id, m.kind, m.text FROM messages_fts"
                      " JOIN messages m ON m.rowid = messages_fts.rowid"
                      " WHERE messages_fts MATCH ? AND m.room = ? AND m.seq < ?"
                      " ORDER BY m.seq DESC LIMIT ?";
            rows.addTo(select);
            select, use(match), use(name), use(high), use(count);
        } else {
            // Without FTS5: every word a substring (LIKE is ASCII
            // case-insensitive); unused slots match anything.
            patterns.assign(kMaxSearchWords, "%");
            for (std::size_t i = 0; i < words.size(); ++i) {
                patterns[i] = likePattern(words[i]);
            }
            std::string sql =
                "SELECT " + std::string(kColumns) + " FROM messages WHERE room = ? AND seq < ?";
            for (std::size_t i = 0; i < kMaxSearchWords; ++i) {
                sql += " AND text LIKE ? ESCAPE '\\'";
            }
            select << sql + " ORDER BY seq DESC LIMIT ?";
            rows.addTo(select);
            select, use(name), use(high);
            for (std::string& pattern : patterns) {
                select, use(pattern);
            }
            select, use(count);
        }
        select.execute();
    } catch (const Poco::Exception& error) {
        // A query FTS5 cannot parse matches nothing; the hub carries on.
        logger().debug("history search in " + name + " failed: " + error.displayText());
        return hits;
    }
    hits.messages = rows.messages(room);
    if (hits.messages.size() > limit) {
        hits.messages.resize(limit);
        hits.hasMore = true;
    }
    return hits;
}

// --- writer thread ------------------------------------------------------------------

void SqliteHistory::signalCommit() {
    const std::uint64_t one = 1;
    [[maybe_unused]] const auto written = ::write(commitFd_, &one, sizeof one);
}

void SqliteHistory::writerLoop() {
    Writer writer(*writer_);
    for (const StoredRoom& room : restoredRooms_) {
        writer.roomLast[room.name] = room.lastSeq;
        if (options_.maxMessagesPerRoom > 0) {
            writer.countPrune.insert(room.name);  // the limit may have been lowered
        }
    }
    std::vector<Work> batch;
    bool morePruning = true;
    for (;;) {
        bool stop = false;
        {
            std::unique_lock lock(mutex_);
            const auto ready = [&] { return !queue_.empty() || stopping_; };
            if (morePruning) {
                // Retention has more to do: look at the queue, do not wait.
            } else if (options_.maxAge.count() > 0) {
                wake_.wait_until(lock, writer.nextAgeScan, ready);
            } else {
                wake_.wait(lock, ready);
            }
            batch.swap(queue_);
            stop = stopping_;
        }
        if (!batch.empty()) {
            while (!commitBatch(writer, batch)) {
                std::unique_lock lock(mutex_);
                if (stopping_) {
                    writerFailed_ = true;
                    logger().critical("history database " + options_.path + ": giving up on " +
                                      std::to_string(batch.size()) +
                                      " writes while stopping; they are lost");
                    break;
                }
                wake_.wait_for(lock, kRetryDelay, [&] { return stopping_; });
            }
            batch.clear();
            committed_.notify_all();
        }
        if (stop) {
            std::lock_guard lock(mutex_);
            if (queue_.empty()) {
                break;
            }
            continue;
        }
        morePruning = pruneStep(writer, options_.wallClock());
    }
}

bool SqliteHistory::commitBatch(Writer& writer, std::vector<Work>& batch) {
    RoomMap<std::uint64_t> touched;
    try {
        writer.session.begin();
        for (const Work& work : batch) {
            if (work.message) {
                const hermes::v1::ChatMessage& m = *work.message;
                writer.insertMessage(m);
                std::uint64_t& last = touched[m.room()];
                last = std::max(last, m.seq());
            } else {
                writer.room = work.topic.name;
                writer.text = work.topic.topic;
                writer.from = work.topic.topicSetBy;
                writer.time = work.topic.topicTimeMs;
                writer.topic.execute();
            }
        }
        for (const auto& [room, last] : touched) {
            writer.room = room;
            writer.seq = static_cast<Poco::Int64>(last);
            writer.lastSeq.execute();
        }
        writer.session.commit();
    } catch (const Poco::Exception& error) {
        logger().error("history database " + options_.path + ": commit of " +
                       std::to_string(batch.size()) +
                       " writes failed (retrying): " + error.displayText());
        try {
            if (writer.session.isTransaction()) {
                writer.session.rollback();
            }
        } catch (const Poco::Exception&) {
            // The failed COMMIT may have ended the transaction already.
        }
        return false;
    }
    {
        std::lock_guard lock(mutex_);
        for (const auto& [room, last] : touched) {
            committedSeqs_[room] = last;
            auto it = pending_.find(room);
            if (it != pending_.end()) {
                auto& queue = it->second;
                while (!queue.empty() && queue.front()->seq() <= last) {
                    queue.pop_front();
                }
                if (queue.empty()) {
                    pending_.erase(it);
                }
            }
        }
        committedCount_ += batch.size();
    }
    signalCommit();
    for (const auto& [room, last] : touched) {
        writer.roomLast[room] = last;
        if (options_.maxMessagesPerRoom > 0 && last > options_.maxMessagesPerRoom) {
            writer.countPrune.insert(room);
        }
    }
    return true;
}

// One bounded step of retention; true when more remains.
bool SqliteHistory::pruneStep(Writer& writer, std::int64_t nowMs) {
    const auto steady = std::chrono::steady_clock::now();
    if (options_.maxAge.count() > 0 && steady >= writer.nextAgeScan && writer.agePrune.empty()) {
        for (const auto& entry : writer.roomLast) {
            writer.agePrune.insert(entry.first);
        }
        writer.nextAgeScan = steady + options_.agePruneInterval;
    }
    if (writer.countPrune.empty() && writer.agePrune.empty()) {
        return false;
    }
    std::string room;
    Poco::Int64 bound = 0;
    Poco::Int64 batch = static_cast<Poco::Int64>(kPruneBatch);
    std::size_t deleted = 0;
    try {
        if (!writer.countPrune.empty()) {
            room = *writer.countPrune.begin();
            writer.countPrune.erase(writer.countPrune.begin());
            const std::uint64_t last = writer.roomLast[room];
            if (last <= options_.maxMessagesPerRoom) {
                return true;
            }
            bound = static_cast<Poco::Int64>(last - options_.maxMessagesPerRoom);
            Statement prune(writer.session);
            prune << "DELETE FROM messages WHERE room = ? AND seq IN (SELECT seq FROM messages"
                     " WHERE room = ? AND seq <= ? ORDER BY seq LIMIT ?)",
                use(room), use(room), use(bound), use(batch);
            deleted = prune.execute();
            if (deleted == kPruneBatch) {
                writer.countPrune.insert(room);
            }
        } else {
            room = *writer.agePrune.begin();
            writer.agePrune.erase(writer.agePrune.begin());
            // Oldest first along the primary key; time follows seq (the hub
            // stamps both at once), so the scan stops at the first young batch.
            bound = nowMs - static_cast<Poco::Int64>(options_.maxAge.count());
            Statement prune(writer.session);
            prune << "DELETE FROM messages WHERE room = ? AND time_ms < ? AND seq IN (SELECT seq"
                     " FROM messages WHERE room = ? ORDER BY seq LIMIT ?)",
                use(room), use(bound), use(room), use(batch);
            deleted = prune.execute();
            if (deleted == kPruneBatch) {
                writer.agePrune.insert(room);
            }
        }
    } catch (const Poco::Exception& error) {
        logger().error("history database " + options_.path + ": pruning " + room +
                       " failed: " + error.displayText());
        return !writer.countPrune.empty() || !writer.agePrune.empty();
    }
    if (deleted > 0) {
        std::lock_guard lock(mutex_);
        pruned_ += deleted;
    }
    return !writer.countPrune.empty() || !writer.agePrune.empty();
}

}  // namespace hermes::hub

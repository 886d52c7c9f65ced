#include "hermes/hub/SqliteHistory.hpp"

#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <limits>
#include <map>
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

#include "hermes/hub/SearchQuery.hpp"

namespace hermes::hub {

using namespace Poco::Data::Keywords;
using Poco::Data::Session;
using Poco::Data::Statement;

namespace {

constexpr auto kRetryDelay = std::chrono::seconds(1);
// How long the writer's queue stays empty before it indexes for search.
constexpr auto kIndexIdleDelay = std::chrono::milliseconds(10);
// How long flush() (shutdown) waits for the writer before giving up loudly.
constexpr auto kFlushTimeout = std::chrono::seconds(30);
// POCO retries a failed sqlite3_open for this many seconds; a path that
// cannot be opened will not become openable, so fail at once.
constexpr std::size_t kOpenRetrySeconds = 0;
// Schema version 7 keys a message by one integer, its room's id and its seq
// packed (messageKey): the seq is the key's low kSeqBits bits.
constexpr int kSeqBits = 40;
constexpr std::int64_t kSeqMask = (std::int64_t{1} << kSeqBits) - 1;
// Room ids below this keep a key positive (63 value bits of an int64).
constexpr std::int64_t kRoomLimit = std::int64_t{1} << (63 - kSeqBits);

std::int64_t messageKey(std::int64_t roomId, std::uint64_t seq) {
    return (roomId << kSeqBits) | static_cast<std::int64_t>(seq);
}

// The columns of one message in a SELECT, `m` the messages row: the seq and
// the target's seq come out of their keys.
constexpr const char* kColumns =
    "m.id & 1099511627775, m.epoch, m.time_ms, m.from_nick, m.to_nick, m.client_msg_id, m.kind,"
    " m.text, m.file, m.reply_to, m.target & 1099511627775, m.reaction, m.author";
// The key range of a room, for `WHERE m.id > ... AND m.id < ...`: the
// subquery is NULL (no row matches) for a room not stored yet.
constexpr const char* kRoomBase = "(SELECT r.id << 40 FROM rooms r WHERE r.name = ?)";
static_assert(kSeqMask == 1099511627775 && kSeqBits == 40, "kColumns and kRoomBase spell them");
// A row whose text a later EDIT of the same message replaced: search skips it,
// so that only a message's newest text matches (`m` is the row searched).
// An index lookup per candidate hit on the partial index messages_target
// (named, as the planner otherwise walks the room's newer rows), whose WHERE
// the term `e.target != 0` repeats.
constexpr const char* kSuperseded =
    "EXISTS (SELECT 1 FROM messages e INDEXED BY messages_target WHERE e.target != 0"
    " AND e.target = (CASE WHEN m.kind = 3 THEN m.target ELSE m.id END)"
    " AND e.kind = 3 AND e.id > m.id)";

// A FILE message's FileInfo in the `file` column: its protobuf bytes as hex
// (TEXT, so every reader takes it as it takes the other columns).
std::string fileColumn(const hermes::v1::FileInfo& file) {
    static constexpr char kDigits[] = "0123456789abcdef";
    const std::string bytes = file.SerializeAsString();
    std::string hex;
    hex.reserve(2 * bytes.size());
    for (const char c : bytes) {
        hex += kDigits[static_cast<unsigned char>(c) >> 4];
        hex += kDigits[static_cast<unsigned char>(c) & 0xf];
    }
    return hex;
}

bool parseFileColumn(std::string_view hex, hermes::v1::FileInfo& file) {
    const auto digit = [](char c) { return c <= '9' ? c - '0' : c - 'a' + 10; };
    std::string bytes;
    bytes.reserve(hex.size() / 2);
    for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
        bytes += static_cast<char>(digit(hex[i]) * 16 + digit(hex[i + 1]));
    }
    return file.ParseFromString(bytes);
}

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
    // Version 2: the FTS index is no longer kept by per-row triggers (they
    // cost ~15 us a message on the writer) but filled in batches; the index
    // holds exactly the rows with rowid <= search_index.indexed_upto. A v1
    // file with triggers is fully indexed, one without has nothing indexed
    // (and an index of an older definition is rebuilt at open: kFtsSchema).
    {
        "CREATE TABLE IF NOT EXISTS search_index (indexed_upto INTEGER NOT NULL)",
        "INSERT INTO search_index(indexed_upto) SELECT CASE WHEN EXISTS (SELECT 1 FROM"
        " sqlite_master WHERE type = 'trigger' AND name = 'messages_fts_insert') THEN"
        " (SELECT coalesce(max(rowid), 0) FROM messages) ELSE 0 END",
        "DROP TRIGGER IF EXISTS messages_fts_insert",
        "DROP TRIGGER IF EXISTS messages_fts_delete",
    },
    // Version 3: private messages waiting for an offline account
    // (Conversations.hpp). The messages themselves are rows of `messages`
    // under their conversation's key ("@a b"), which no room name can be.
    {
        "CREATE TABLE IF NOT EXISTS private_waiting ("
        " recipient TEXT NOT NULL,"
        " conversation TEXT NOT NULL,"
        " seq INTEGER NOT NULL,"
        " time_ms INTEGER NOT NULL,"
        " PRIMARY KEY (recipient, conversation, seq))",
    },
    // Version 4: a FILE message's FileInfo (fileColumn), '' for the others.
    // Inserted rows leave it to its default; a FILE message's row gets it by
    // an UPDATE of its own (Writer::insertQueued), so a text message's
    // insert binds nothing more.
    {
        "ALTER TABLE messages ADD COLUMN file TEXT NOT NULL DEFAULT ''",
    },
    // Version 5: replies, edits, deletes and reactions (docs/PROTOCOL.md).
    // An older file's messages get 0 and '': none of them.
    {
        "ALTER TABLE messages ADD COLUMN reply_to INTEGER NOT NULL DEFAULT 0",
        "ALTER TABLE messages ADD COLUMN target_seq INTEGER NOT NULL DEFAULT 0",
        "ALTER TABLE messages ADD COLUMN reaction TEXT NOT NULL DEFAULT ''",
    },
    // Version 6: who wrote each message (HistoryStore::appendAuthored: the
    // sender's account, or a reaction's reactor), so that a restarted hub
    // knows who may edit; an index of the events by the message they name
    // (edits and deletes look them up); and a delete erases text: what an
    // older hermesd only hid (a DELETE's message and its edits) is erased
    // here. The search index then holds text that is gone: indexed_upto -1
    // has it built anew at open (openDatabase), even after a crash here.
    {
        "ALTER TABLE messages ADD COLUMN author TEXT NOT NULL DEFAULT ''",
        "CREATE INDEX IF NOT EXISTS messages_target ON messages(room, target_seq)"
        " WHERE target_seq != 0",
        "UPDATE messages SET text = '', file = '' WHERE kind NOT IN (4, 5, 6) AND"
        " (room, CASE WHEN kind = 3 THEN target_seq ELSE seq END) IN"
        " (SELECT room, target_seq FROM messages WHERE kind = 4 AND target_seq != 0)",
        "UPDATE search_index SET indexed_upto = -1 WHERE EXISTS (SELECT 1 FROM messages"
        " WHERE kind = 4)",
    },
    // Version 7: a message keyed by one integer, INTEGER PRIMARY KEY id =
    // room id << 40 | seq, rooms numbered in their own table. Version 6's
    // key (room, seq) was a second B-tree beside the rowid table, written
    // with every message (~0.7 us of the writer's ~2.2 a row); the room's
    // name in every row goes too. An event's target is the key of the
    // message it names. The search index tracks its progress per room
    // (rooms.indexed_seq: the index holds exactly the room's messages with
    // seq <= indexed_seq), so the writer and search find a room's unindexed
    // messages by a range of keys. The old index is keyed by the old rowids:
    // dropped at open (openDatabase) and built anew in the background.
    // Rooms are numbered in name order; every row keeps its seq.
    {
        "CREATE TABLE rooms_v7 ("
        " id INTEGER PRIMARY KEY,"
        " name TEXT NOT NULL UNIQUE,"
        " last_seq INTEGER NOT NULL DEFAULT 0,"
        " topic TEXT NOT NULL DEFAULT '',"
        " topic_set_by TEXT NOT NULL DEFAULT '',"
        " topic_time_ms INTEGER NOT NULL DEFAULT 0,"
        " indexed_seq INTEGER NOT NULL DEFAULT 0)",
        "INSERT INTO rooms_v7(name, last_seq, topic, topic_set_by, topic_time_ms)"
        " SELECT name, last_seq, topic, topic_set_by, topic_time_ms FROM rooms ORDER BY name",
        // A room has a row from its first commit on; one without (never
        // written by hermesd) is numbered after the others.
        "INSERT INTO rooms_v7(name, last_seq) SELECT room, max(seq) FROM messages"
        " WHERE room NOT IN (SELECT name FROM rooms_v7) GROUP BY room ORDER BY room",
        "CREATE TABLE messages_v7 ("
        " id INTEGER PRIMARY KEY,"
        " epoch INTEGER NOT NULL,"
        " time_ms INTEGER NOT NULL,"
        " from_nick TEXT NOT NULL,"
        " to_nick TEXT NOT NULL DEFAULT '',"
        " client_msg_id INTEGER NOT NULL,"
        " kind INTEGER NOT NULL,"
        " text TEXT NOT NULL,"
        " file TEXT NOT NULL DEFAULT '',"
        " reply_to INTEGER NOT NULL DEFAULT 0,"
        " target INTEGER NOT NULL DEFAULT 0,"
        " reaction TEXT NOT NULL DEFAULT '',"
        " author TEXT NOT NULL DEFAULT '')",
        "INSERT INTO messages_v7(id, epoch, time_ms, from_nick, to_nick, client_msg_id, kind,"
        " text, file, reply_to, target, reaction, author)"
        " SELECT (r.id << 40) | m.seq, m.epoch, m.time_ms, m.from_nick, m.to_nick,"
        " m.client_msg_id, m.kind, m.text, m.file, m.reply_to,"
        " CASE WHEN m.target_seq = 0 THEN 0 ELSE (r.id << 40) | m.target_seq END,"
        " m.reaction, m.author FROM messages m JOIN rooms_v7 r ON r.name = m.room"
        " ORDER BY 1",
        "DROP TABLE messages",  // and its index messages_target
        "DROP TABLE rooms",
        "DROP TABLE search_index",
        "ALTER TABLE messages_v7 RENAME TO messages",
        "ALTER TABLE rooms_v7 RENAME TO rooms",
        "CREATE INDEX messages_target ON messages(target) WHERE target != 0",
    },
};

// FTS5 is optional: created when SQLite has it, outside the versioned schema,
// so the same file works (with LIKE search) under a SQLite without FTS5.
// columnsize=0: no per-row token counts, which only bm25 ranking reads (hits
// are ordered by seq); indexing costs a quarter less without them.
constexpr const char* kFtsSchema =
    "CREATE VIRTUAL TABLE messages_fts USING fts5("
    " text, content='messages', content_rowid='id', columnsize=0)";

// Column vectors of one SELECT of kColumns, turned into messages.
struct Rows {
    std::vector<Poco::Int64> seq, epoch, time, clientMsgId, kind, replyTo, targetSeq;
    std::vector<std::string> from, to, text, file, reaction, author;

    void addTo(Statement& statement) {
        statement, into(seq), into(epoch), into(time), into(from), into(to), into(clientMsgId),
            into(kind), into(text), into(file), into(replyTo), into(targetSeq), into(reaction),
            into(author);
    }

    std::vector<hermes::v1::ChatMessage> messages(std::string_view room) {
        std::vector<hermes::v1::ChatMessage> out;
        out.reserve(seq.size());
        for (std::size_t i = 0; i < seq.size(); ++i) {
            out.push_back(message(i, room));
        }
        return out;
    }

    hermes::v1::ChatMessage message(std::size_t i, std::string_view room) {
        hermes::v1::ChatMessage m;
        {
            m.set_room(std::string(room));
            m.set_seq(static_cast<std::uint64_t>(seq[i]));
            m.set_epoch(static_cast<std::uint64_t>(epoch[i]));
            m.set_time_ms(time[i]);
            m.set_from(std::move(from[i]));
            m.set_to(std::move(to[i]));
            m.set_client_msg_id(static_cast<std::uint64_t>(clientMsgId[i]));
            m.set_kind(static_cast<hermes::v1::MessageKind>(kind[i]));
            m.set_text(std::move(text[i]));
            if (!file[i].empty()) {
                parseFileColumn(file[i], *m.mutable_file());
            }
            m.set_reply_to(static_cast<std::uint64_t>(replyTo[i]));
            m.set_target_seq(static_cast<std::uint64_t>(targetSeq[i]));
            m.set_reaction(std::move(reaction[i]));
            if (m.kind() == hermes::v1::MESSAGE_KIND_REACT ||
                m.kind() == hermes::v1::MESSAGE_KIND_UNREACT) {
                // Clients see who a reaction is counted under; a message's
                // author stays the hub's.
                m.set_reactor(author[i]);
            }
        }
        return m;
    }
};

// A DELETE not yet out of pending (not committed, or committed but not yet
// taken off) may not have erased its message's text in the rows a page
// read: the page blanks them as the commit does (the message's text and
// file, and its edits' texts), so no page holds a deleted text next to its
// DELETE. `pending` holds every pending message after the page's start,
// so every DELETE of a message in the page.
void blankDeleted(std::vector<hermes::v1::ChatMessage>& page,
                  const std::vector<std::shared_ptr<const hermes::v1::ChatMessage>>& pending) {
    std::vector<std::uint64_t> deleted;
    for (const auto& message : pending) {
        if (message->kind() == hermes::v1::MESSAGE_KIND_DELETE && message->target_seq() != 0) {
            deleted.push_back(message->target_seq());
        }
    }
    if (deleted.empty()) {
        return;
    }
    for (hermes::v1::ChatMessage& message : page) {
        const std::uint64_t subject =
            message.kind() == hermes::v1::MESSAGE_KIND_EDIT ? message.target_seq() : message.seq();
        if (std::find(deleted.begin(), deleted.end(), subject) != deleted.end()) {
            message.clear_text();
            message.clear_file();
        }
    }
}

}  // namespace

// The writer thread's prepared statements, the values they are bound to,
// each room's id and progress, and what retention still has to do.
struct SqliteHistory::Writer {
    explicit Writer(Session& db) : session(db), handle(Poco::Data::SQLite::Utility::dbHandle(db)) {
        // The statements of every commit: prepared once on the session's own
        // handle, because POCO's binding (and its BEGIN/COMMIT, parsed each
        // time) cost more per commit than SQLite's work.
        insert = prepare(insertSql(1).c_str());
        insertMany = prepare(insertSql(kRowsPerInsert).c_str());
        setFile = prepare("UPDATE messages SET file = ?1 WHERE id = ?2");
        // A DELETE: the text of the message it names, and of that message's
        // edits, erased; the rows (and seqs) stay. The index is told first
        // (unindex): an external-content index must be given the text it
        // indexed to forget it, and holds a room's rows up to its indexed_seq
        // (?2: that row's key). Lookups by key and on messages_target, never
        // a scan of the room.
        erase = prepare("UPDATE messages SET text = '', file = '' WHERE id = ?1");
        eraseEdits = prepare(
            "UPDATE messages INDEXED BY messages_target SET text = '', file = '' WHERE"
            " target != 0 AND target = ?1 AND kind = 3");
        unindex = prepare(
            "INSERT INTO messages_fts(messages_fts, rowid, text) SELECT 'delete', id, text"
            " FROM messages WHERE id = ?1 AND id <= ?2 UNION ALL"
            " SELECT 'delete', id, text FROM messages INDEXED BY messages_target WHERE"
            " target != 0 AND target = ?1 AND kind = 3 AND id <= ?2");
        lastSeq = prepare("UPDATE rooms SET last_seq = max(last_seq, ?2) WHERE id = ?1");
        newRoom = prepare("INSERT INTO rooms(id, name) VALUES (?1, ?2)");
        topic = prepare(
            "UPDATE rooms SET topic = ?2, topic_set_by = ?3, topic_time_ms = ?4 WHERE id = ?1");
        begin = prepare("BEGIN");
        commit = prepare("COMMIT");
        rollback = prepare("ROLLBACK");
    }

    ~Writer() {
        for (sqlite3_stmt* statement :
             {insert, insertMany, setFile, erase, eraseEdits, unindex, lastSeq, newRoom, topic,
              indexRange, setIndexed, sliceEnd, begin, commit, rollback}) {
            sqlite3_finalize(statement);
        }
    }
    Writer(const Writer&) = delete;
    Writer& operator=(const Writer&) = delete;

    // The search index's statements: only when the index exists (FTS5).
    void prepareIndexing() {
        indexRange = prepare(
            "INSERT INTO messages_fts(rowid, text) SELECT id, text FROM messages"
            " WHERE id > ?1 AND id <= ?2");
        setIndexed = prepare("UPDATE rooms SET indexed_seq = ?2 WHERE id = ?1");
        // The key of the last row of a slice (?3 rows after key ?1, up to
        // key ?2); NULL when there is none (retention took them).
        sliceEnd = prepare(
            "SELECT max(id) FROM (SELECT id FROM messages WHERE id > ?1 AND id <= ?2"
            " ORDER BY id LIMIT ?3)");
    }

    sqlite3_stmt* prepare(const char* sql) {
        sqlite3_stmt* statement = nullptr;
        if (sqlite3_prepare_v2(handle, sql, -1, &statement, nullptr) != SQLITE_OK) {
            throw Poco::Data::DataException(std::string("prepare ") + sql + ": " +
                                            sqlite3_errmsg(handle));
        }
        return statement;
    }

    // Runs a statement without results; throws DataException with SQLite's words.
    void run(sqlite3_stmt* statement, const char* what) {
        const int rc = sqlite3_step(statement);
        sqlite3_reset(statement);
        if (rc != SQLITE_DONE) {
            throw Poco::Data::DataException(std::string(what) + ": " + sqlite3_errmsg(handle));
        }
    }

    bool inTransaction() const { return sqlite3_get_autocommit(handle) == 0; }

    // What the writer knows of a stored room (or private conversation).
    struct RoomState {
        std::int64_t id = 0;
        std::uint64_t last = 0;     // newest committed seq
        std::uint64_t indexed = 0;  // rooms.indexed_seq
    };

    // The room's state, numbering and inserting it (in the open transaction)
    // if it is new. A room numbered in a transaction that rolls back is
    // forgotten again (forgetNewRooms).
    RoomState& room(const std::string& name) {
        const auto it = rooms.find(std::string_view(name));
        if (it != rooms.end()) {
            return it->second;
        }
        if (nextRoomId >= kRoomLimit) {
            throw Poco::Data::DataException("room " + name + ": more than " +
                                            std::to_string(kRoomLimit - 1) + " rooms stored");
        }
        sqlite3_bind_int64(newRoom, 1, nextRoomId);
        sqlite3_bind_text(newRoom, 2, name.data(), static_cast<int>(name.size()), SQLITE_STATIC);
        run(newRoom, "new room");
        RoomState& state = rooms[name];
        state.id = nextRoomId++;
        newRooms.push_back(name);
        return state;
    }

    void forgetNewRooms() {
        for (const std::string& name : newRooms) {
            nextRoomId = std::min(nextRoomId, rooms[name].id);
            rooms.erase(name);
        }
        newRooms.clear();
    }

    void setTopic(const StoredRoom& stored) {
        const RoomState& state = room(stored.name);
        sqlite3_bind_int64(topic, 1, state.id);
        sqlite3_bind_text(topic, 2, stored.topic.data(), static_cast<int>(stored.topic.size()),
                          SQLITE_STATIC);
        sqlite3_bind_text(topic, 3, stored.topicSetBy.data(),
                          static_cast<int>(stored.topicSetBy.size()), SQLITE_STATIC);
        sqlite3_bind_int64(topic, 4, stored.topicTimeMs);
        run(topic, "topic");
    }

    // A waiting row added or removed: rare (offline recipients), so not prepared.
    void changeWaiting(const WaitingMessage& w, bool add) {
        std::string recipient = w.recipient;
        std::string conversation = w.conversation;
        auto seq = static_cast<Poco::Int64>(w.seq);
        Poco::Int64 timeMs = w.timeMs;
        if (add) {
            session << "INSERT OR REPLACE INTO private_waiting(recipient, conversation, seq,"
                       " time_ms) VALUES (?, ?, ?, ?)",
                use(recipient), use(conversation), use(seq), use(timeMs), now;
        } else {
            session << "DELETE FROM private_waiting WHERE recipient = ? AND conversation = ?"
                       " AND seq = ?",
                use(recipient), use(conversation), use(seq), now;
        }
    }

    // A DELETE committed: its message's text, and its edits', erased and
    // forgotten by the search index (`indexed`: the index exists).
    void eraseDeleted(const hermes::v1::ChatMessage& deletion, bool indexed) {
        const RoomState& state = room(deletion.room());
        const sqlite3_int64 target = messageKey(state.id, deletion.target_seq());
        if (indexed) {
            sqlite3_bind_int64(unindex, 1, target);
            sqlite3_bind_int64(unindex, 2, messageKey(state.id, state.indexed));
            run(unindex, "erase from the search index");
        }
        for (sqlite3_stmt* statement : {erase, eraseEdits}) {
            sqlite3_bind_int64(statement, 1, target);
            run(statement, "erase a deleted message");
        }
    }

    void updateLastSeq(std::int64_t roomId, std::uint64_t last) {
        sqlite3_bind_int64(lastSeq, 1, roomId);
        sqlite3_bind_int64(lastSeq, 2, static_cast<sqlite3_int64>(last));
        run(lastSeq, "rooms.last_seq");
    }

    // Rows one INSERT statement carries: one statement of 8 rows costs the
    // writer ~30 % less per message than 8 statements of one (measured:
    // 1.6 against 2.2 us a row in transactions of 70).
    static constexpr std::size_t kRowsPerInsert = 8;

    static std::string insertSql(std::size_t rows) {
        std::string sql =
            "INSERT INTO messages(id, epoch, time_ms, from_nick, to_nick, client_msg_id,"
            " kind, text, reply_to, target, reaction, author) VALUES ";
        for (std::size_t i = 0; i < rows; ++i) {
            sql += i == 0 ? "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                          : ", (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
        }
        return sql;
    }

    // Binds `m` (of the room numbered `roomId`) and its author to the
    // kBoundColumns parameters from `first` on. Both must outlive the
    // statement's next step (SQLITE_STATIC: no copy).
    static void bindMessage(sqlite3_stmt* statement, int first, std::int64_t roomId,
                            const hermes::v1::ChatMessage& m, const std::string& author) {
        const auto text = [&](int at, const std::string& value) {
            sqlite3_bind_text(statement, first + at, value.data(), static_cast<int>(value.size()),
                              SQLITE_STATIC);
        };
        const auto integer = [&](int at, sqlite3_int64 value) {
            sqlite3_bind_int64(statement, first + at, value);
        };
        integer(0, messageKey(roomId, m.seq()));
        integer(1, static_cast<sqlite3_int64>(m.epoch()));
        integer(2, m.time_ms());
        text(3, m.from());
        text(4, m.to());
        integer(5, static_cast<sqlite3_int64>(m.client_msg_id()));
        integer(6, m.kind());
        text(7, m.text());
        integer(8, static_cast<sqlite3_int64>(m.reply_to()));
        integer(9, m.target_seq() == 0 ? 0 : messageKey(roomId, m.target_seq()));
        text(10, m.reaction());
        text(11, author);
    }
    static constexpr int kBoundColumns = 12;

    // Inserts the messages queued by addMessage(); throws DataException with
    // SQLite's words if a row cannot be inserted.
    void insertQueued() {
        std::size_t done = 0;
        for (; done + kRowsPerInsert <= queued.size(); done += kRowsPerInsert) {
            for (std::size_t i = 0; i < kRowsPerInsert; ++i) {
                const auto& [roomId, work] = queued[done + i];
                bindMessage(insertMany, static_cast<int>(kBoundColumns * i + 1), roomId,
                            *work->message, work->author);
            }
            run(insertMany, "insert");
        }
        for (; done < queued.size(); ++done) {
            const auto& [roomId, work] = queued[done];
            bindMessage(insert, 1, roomId, *work->message, work->author);
            run(insert, "insert");
        }
        for (const auto& [roomId, work] : queued) {
            const hermes::v1::ChatMessage* m = work->message.get();
            if (m->has_file()) {
                const std::string column = fileColumn(m->file());
                sqlite3_bind_text(setFile, 1, column.data(), static_cast<int>(column.size()),
                                  SQLITE_TRANSIENT);
                sqlite3_bind_int64(setFile, 2, messageKey(roomId, m->seq()));
                run(setFile, "file");
            }
        }
        queued.clear();
    }

    // Queues `work`'s message (of the room numbered `roomId`) for insertion.
    void addMessage(std::int64_t roomId, const Work* work) {
        if (work->message->seq() > static_cast<std::uint64_t>(kSeqMask)) {
            throw Poco::Data::DataException("room " + work->message->room() + ": seq " +
                                            std::to_string(work->message->seq()) +
                                            " past the largest a key holds");
        }
        queued.emplace_back(roomId, work);
        if (queued.size() == kRowsPerInsert) {
            insertQueued();
        }
    }

    Session& session;
    sqlite3* handle;
    sqlite3_stmt* insert = nullptr;
    sqlite3_stmt* insertMany = nullptr;
    sqlite3_stmt* setFile = nullptr;     // a FILE message's `file` column
    sqlite3_stmt* erase = nullptr;       // a deleted message's text
    sqlite3_stmt* eraseEdits = nullptr;  // ... its edits' texts
    sqlite3_stmt* unindex = nullptr;     // ... and its entries in the search index
    sqlite3_stmt* lastSeq = nullptr;
    sqlite3_stmt* newRoom = nullptr;
    sqlite3_stmt* topic = nullptr;
    sqlite3_stmt* indexRange = nullptr;  // a room's slice into the search index
    sqlite3_stmt* setIndexed = nullptr;  // ... and its rooms.indexed_seq
    sqlite3_stmt* sliceEnd = nullptr;    // ... where the slice ends
    std::vector<std::pair<std::int64_t, const Work*>> queued;  // for the next insertMany
    sqlite3_stmt* begin = nullptr;
    sqlite3_stmt* commit = nullptr;
    sqlite3_stmt* rollback = nullptr;

    RoomMap<RoomState> rooms;
    std::int64_t nextRoomId = 1;
    std::vector<std::string> newRooms;  // numbered in the open transaction
    std::uint64_t unindexed = 0;        // committed messages past their room's indexed_seq
    std::set<std::string> toIndex;      // rooms with messages past their indexed_seq
    std::string lastIndexed;            // the room indexStep() took last

    std::set<std::string> countPrune;  // rooms that may hold more than the limit
    std::set<std::string> agePrune;    // rooms whose oldest messages may be too old
    std::chrono::steady_clock::time_point nextAgeScan{};
};

SqliteHistory::SqliteHistory(SqliteHistoryOptions options) : options_(std::move(options)) {
    if (!options_.wallClock) {
        options_.wallClock = systemMs;
    }
    commitFd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    searchFd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (commitFd_ < 0 || searchFd_ < 0) {
        const int error = errno;
        ::close(commitFd_);
        ::close(searchFd_);
        throw HistoryOpenError("history database " + options_.path +
                               ": eventfd: " + std::strerror(error));
    }
    try {
        openDatabase();
        loadRooms();
    } catch (const Poco::Exception& error) {
        ::close(commitFd_);
        ::close(searchFd_);
        throw HistoryOpenError("history database " + options_.path + ": " + error.displayText());
    } catch (...) {
        ::close(commitFd_);
        ::close(searchFd_);
        throw;
    }
    writerThread_ = std::thread([this] { writerLoop(); });
    if (options_.searchInBackground) {
        searchThread_ = std::thread([this] { searchLoop(); });
    }
}

SqliteHistory::~SqliteHistory() {
    close();
    ::close(commitFd_);
    ::close(searchFd_);
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
    try {
        std::vector<std::string> existing;
        db << "SELECT sql FROM sqlite_master WHERE name = 'messages_fts'", into(existing), now;
        if (existing.empty() || existing.front() != kFtsSchema) {
            // No index, or one of another definition (an older hermesd's,
            // keyed by the rowids schema version 7 replaced): built anew in
            // the background; until then search matches the messages one by
            // one. One transaction: the index and every room's progress agree.
            if (!existing.empty()) {
                logger().information("history database " + options_.path +
                                     ": rebuilding the search index (new definition)");
            }
            db.begin();
            try {
                if (!existing.empty()) {
                    db << "DROP TABLE messages_fts", now;
                }
                db << kFtsSchema, now;
                db << "UPDATE rooms SET indexed_seq = 0", now;
                db.commit();
            } catch (...) {
                db.rollback();
                throw;
            }
        } else {
            // Fails ("no such module: fts5") under a SQLite without FTS5.
            db << "SELECT rowid FROM messages_fts LIMIT 0", now;
        }
        index_ = true;
        fts_ = options_.useFts;
    } catch (const Poco::Exception& error) {
        logger().warning("history database " + options_.path + ": no FTS5 (" + error.displayText() +
                         "): search uses LIKE");
    }
    checkpointer_ = std::make_unique<WalCheckpointer>(options_.path);
    checkpointer_->attach(Poco::Data::SQLite::Utility::dbHandle(db));
    reader_ = std::make_unique<Session>("SQLite", options_.path, kOpenRetrySeconds);
    *reader_ << "PRAGMA busy_timeout=2000", now;
    *reader_ << "PRAGMA query_only=1", now;
    if (options_.searchInBackground) {
        searcher_ = std::make_unique<Session>("SQLite", options_.path, kOpenRetrySeconds);
        *searcher_ << "PRAGMA busy_timeout=2000", now;
        *searcher_ << "PRAGMA query_only=1", now;
    }
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

std::vector<StoredFile> SqliteHistory::fileReferences() const {
    std::vector<std::string> rooms, files;
    std::vector<Poco::Int64> keys;
    *reader_ << "SELECT r.name, m.id, m.file FROM messages m JOIN rooms r ON r.id = m.id >> 40"
                " WHERE m.file != ''",
        into(rooms), into(keys), into(files), now;
    // A deleted FILE message names its file no more (a DELETE event's
    // target); one scan of the events, not one per file.
    std::vector<Poco::Int64> deletedKeys;
    int deleteKind = hermes::v1::MESSAGE_KIND_DELETE;
    *reader_ << "SELECT target FROM messages WHERE kind = ?", use(deleteKind), into(deletedKeys),
        now;
    const std::set<Poco::Int64> deleted(deletedKeys.begin(), deletedKeys.end());
    std::vector<StoredFile> out;
    out.reserve(rooms.size());
    for (std::size_t i = 0; i < rooms.size(); ++i) {
        StoredFile stored;
        if (deleted.contains(keys[i]) || !parseFileColumn(files[i], stored.file)) {
            continue;
        }
        stored.room = std::move(rooms[i]);
        stored.seq = static_cast<std::uint64_t>(keys[i] & kSeqMask);
        out.push_back(std::move(stored));
    }
    return out;
}

std::vector<std::pair<std::string, std::uint64_t>> SqliteHistory::takePruned() {
    std::map<std::string, std::uint64_t> pruned;
    pruned.swap(shared_.lock()->prunedTo);
    return {pruned.begin(), pruned.end()};
}

void SqliteHistory::loadRooms() {
    std::vector<std::string> names, topics, setBy;
    std::vector<Poco::Int64> ids, last, topicTime, indexed;
    *reader_ << "SELECT id, name, last_seq, topic, topic_set_by, topic_time_ms, indexed_seq"
                " FROM rooms ORDER BY name",
        into(ids), into(names), into(last), into(topics), into(setBy), into(topicTime),
        into(indexed), now;
    std::uint64_t unindexed = 0;
    for (std::size_t i = 0; i < names.size(); ++i) {
        StoredRoom room;
        room.name = names[i];
        room.lastSeq = static_cast<std::uint64_t>(last[i]);
        room.topic = topics[i];
        room.topicSetBy = setBy[i];
        room.topicTimeMs = topicTime[i];
        lastSeqs_[room.name] = room.lastSeq;
        shared_.lock()->committedSeqs[room.name] = room.lastSeq;
        // Without an index nothing is kept: no backlog either.
        const auto indexedSeq = index_ ? static_cast<std::uint64_t>(indexed[i]) : room.lastSeq;
        progressAtOpen_.push_back(
            RoomProgress{room.name, ids[i], room.lastSeq, std::min(indexedSeq, room.lastSeq)});
        unindexed += room.lastSeq - progressAtOpen_.back().indexed;
        restoredRooms_.push_back(std::move(room));
    }
    // Seqs below a room's first stored one (retention) count as unindexed
    // until the writer's first slice of the room finds nothing there.
    shared_.lock()->unindexed = unindexed;
    std::vector<std::string> recipients, conversations;
    std::vector<Poco::Int64> seqs, times;
    *reader_ << "SELECT recipient, conversation, seq, time_ms FROM private_waiting"
                " ORDER BY time_ms, conversation, seq",
        into(recipients), into(conversations), into(seqs), into(times), now;
    for (std::size_t i = 0; i < recipients.size(); ++i) {
        waitingAtOpen_.push_back(WaitingMessage{recipients[i], conversations[i],
                                                static_cast<std::uint64_t>(seqs[i]), times[i]});
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
    shared_.lock()->stopping = true;
    wake_.notify_all();
    if (writerThread_.joinable()) {
        writerThread_.join();
    }
    searches_.lock()->stopping = true;
    searchWake_.notify_all();
    if (searchThread_.joinable()) {
        searchThread_.join();  // a search under way completes; its answer is dropped
    }
    searcher_.reset();
    checkpointer_.reset();
    reader_.reset();
    writer_.reset();
}

// --- owner thread: writes are queued ------------------------------------------

void SqliteHistory::append(const hermes::v1::ChatMessage& message) {
    appendAuthored(message, {});
}

void SqliteHistory::appendAuthored(const hermes::v1::ChatMessage& message,
                                   std::string_view author) {
    MessageSlot slot;
    if (spare_.empty()) {
        slot = std::make_shared<hermes::v1::ChatMessage>(message);
    } else {
        slot = std::move(spare_.back());
        spare_.pop_back();
        *slot = message;
    }
    MessagePtr shared = std::move(slot);
    lastSeqs_[message.room()] = message.seq();
    {
        auto state = shared_.lock();
        state->queue.push_back(Work{shared, {}, std::nullopt, false, std::string(author)});
        auto it = state->pending.find(std::string_view(message.room()));
        if (it == state->pending.end()) {
            it = state->pending.emplace(message.room(), std::deque<MessagePtr>{}).first;
        }
        it->second.push_back(std::move(shared));
        ++state->appended;
        if (spare_.empty()) {
            spare_.swap(state->spare);
        }
    }
    // No wake-up here: submit() sends one per turn. A writer mid-commit finds
    // the queue when it looks again anyway.
    wakeWanted_ = true;
}

void SqliteHistory::submit() {
    if (wakeWanted_) {
        wakeWanted_ = false;
        wake_.notify_one();
    }
}

void SqliteHistory::addWaiting(const WaitingMessage& waiting) {
    queueWaiting(waiting, true);
}

void SqliteHistory::removeWaiting(const WaitingMessage& waiting) {
    queueWaiting(waiting, false);
}

void SqliteHistory::queueWaiting(const WaitingMessage& waiting, bool add) {
    {
        auto state = shared_.lock();
        state->queue.push_back(Work{nullptr, {}, waiting, add, {}});
        ++state->appended;
    }
    wakeWanted_ = true;
}

void SqliteHistory::setTopic(const StoredRoom& room) {
    {
        auto state = shared_.lock();
        state->queue.push_back(Work{nullptr, room, std::nullopt, false, {}});
        ++state->appended;
    }
    wakeWanted_ = true;
}

std::uint64_t SqliteHistory::committedSeq(std::string_view room) const {
    auto state = shared_.lock();
    const auto it = state->committedSeqs.find(room);
    return it == state->committedSeqs.end() ? 0 : it->second;
}

std::uint64_t SqliteHistory::prunedMessages() const {
    return shared_.lock()->pruned;
}

LatencyHistogram SqliteHistory::commitLatency() const {
    return shared_.lock()->commitLatency;
}

std::uint64_t SqliteHistory::backlog() const {
    auto state = shared_.lock();
    return state->appended - state->committedCount;
}

std::uint64_t SqliteHistory::unindexedMessages() const {
    return shared_.lock()->unindexed;
}

void SqliteHistory::flush() {
    wakeWanted_ = false;
    auto state = shared_.lock();
    const std::uint64_t target = state->appended;
    wake_.notify_one();
    if (!committed_.wait_for(state.unique(), kFlushTimeout, [&] {
            return state->committedCount >= target || state->writerFailed;
        })) {
        logger().error("history database " + options_.path + ": " +
                       std::to_string(target - state->committedCount) +
                       " writes still not committed after " +
                       std::to_string(kFlushTimeout.count()) + " s");
    }
}

// --- searches in the background -----------------------------------------------------

void SqliteHistory::startSearch(SearchJob job) {
    searches_.lock()->jobs.push_back(std::move(job));
    searchWake_.notify_one();
}

std::vector<FinishedSearch> SqliteHistory::finishedSearches() {
    std::uint64_t value = 0;
    [[maybe_unused]] const auto got = ::read(searchFd_, &value, sizeof value);  // reset
    std::vector<FinishedSearch> done;
    done.swap(searches_.lock()->done);
    return done;
}

// One search at a time, in the order asked, with the search thread's own
// connection: a long one holds up the next search, never the hub.
void SqliteHistory::searchLoop() {
    for (;;) {
        SearchJob job;
        {
            auto state = searches_.lock();
            searchWake_.wait(state.unique(),
                             [&] { return !state->jobs.empty() || state->stopping; });
            if (state->stopping) {
                return;
            }
            job = std::move(state->jobs.front());
            state->jobs.pop_front();
        }
        SearchHits hits;
        if (job.waited.empty()) {
            hits = searchWith(*searcher_, job.room, job.query, job.limit, job.beforeSeq);
        } else {
            hits.messages = readWaited(job.waited);
        }
        searches_.lock()->done.push_back(FinishedSearch{std::move(job), std::move(hits)});
        const std::uint64_t one = 1;
        [[maybe_unused]] const auto written = ::write(searchFd_, &one, sizeof one);
    }
}

// Each waiting message from the pending queue if it is not committed yet,
// else from the database. Pending first, as after() does: a message leaves
// pending only after its commit, so one not in this snapshot is in the
// database (or retention removed it: left out).
std::vector<hermes::v1::ChatMessage> SqliteHistory::readWaited(
    const std::vector<WaitingMessage>& waited) {
    std::vector<hermes::v1::ChatMessage> out;
    out.reserve(waited.size());
    for (const WaitingMessage& w : waited) {
        MessagePtr pending;
        {
            auto state = shared_.lock();
            const auto it = state->pending.find(std::string_view(w.conversation));
            if (it != state->pending.end()) {
                for (const MessagePtr& message : it->second) {
                    if (message->seq() == w.seq) {
                        pending = message;
                        break;
                    }
                }
            }
        }
        if (pending) {
            out.push_back(*pending);
            continue;
        }
        try {
            std::vector<hermes::v1::ChatMessage> found =
                queryWith(*searcher_, w.conversation, w.seq - 1, w.seq + 1, 1, false);
            if (!found.empty()) {
                out.push_back(std::move(found.front()));
            }
        } catch (const Poco::Exception& error) {
            logger().warning("history database " + options_.path +
                             ": reading a waiting message failed: " + error.displayText());
        }
    }
    return out;
}

// --- owner thread: reads ----------------------------------------------------------

std::uint64_t SqliteHistory::lastSeq(std::string_view room) const {
    const auto it = lastSeqs_.find(room);
    return it == lastSeqs_.end() ? 0 : it->second;
}

std::vector<SqliteHistory::MessagePtr> SqliteHistory::pendingAfter(std::string_view room,
                                                                   std::uint64_t afterSeq) const {
    std::vector<MessagePtr> out;
    auto state = shared_.lock();
    const auto it = state->pending.find(room);
    if (it != state->pending.end()) {
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
                                                          std::size_t limit, bool newestFirst,
                                                          std::vector<std::string>* authors) const {
    return queryWith(*reader_, room, afterSeq, beforeSeq, limit, newestFirst, authors);
}

std::vector<hermes::v1::ChatMessage> SqliteHistory::queryWith(
    Poco::Data::Session& db, std::string_view room, std::uint64_t afterSeq, std::uint64_t beforeSeq,
    std::size_t limit, bool newestFirst, std::vector<std::string>* authors) const {
    std::string name(room);
    Poco::Int64 low = static_cast<Poco::Int64>(afterSeq);
    Poco::Int64 high = beforeSeq == 0 ? std::numeric_limits<Poco::Int64>::max()
                                      : static_cast<Poco::Int64>(beforeSeq);
    Poco::Int64 count = static_cast<Poco::Int64>(std::min<std::size_t>(
        limit, static_cast<std::size_t>(std::numeric_limits<Poco::Int64>::max())));
    // Seqs past the key's bits are never stored: the range ends there.
    high = std::min<Poco::Int64>(high, kSeqMask + 1);
    Rows rows;
    Statement select(db);
    select << "SELECT " + std::string(kColumns) + " FROM messages m WHERE m.id > " + kRoomBase +
                  " + ? AND m.id < " + kRoomBase + " + ? ORDER BY m.id " +
                  (newestFirst ? "DESC" : "ASC") + " LIMIT ?";
    rows.addTo(select);
    select, use(name), use(low), use(name), use(high), use(count);
    select.execute();
    std::vector<hermes::v1::ChatMessage> messages = rows.messages(room);
    if (authors != nullptr) {
        *authors = std::move(rows.author);
    }
    return messages;
}

std::vector<std::pair<hermes::v1::ChatMessage, std::string>> SqliteHistory::authoredTail(
    std::string_view room, std::size_t count) const {
    // At start nothing is pending: the rows are all there is.
    std::vector<std::pair<hermes::v1::ChatMessage, std::string>> out;
    const std::uint64_t last = lastSeq(room);
    if (count == 0 || last == 0) {
        return out;
    }
    std::vector<std::string> authors;
    std::vector<hermes::v1::ChatMessage> messages =
        query(room, last > count ? last - count : 0, 0, count, false, &authors);
    std::uint64_t stored = 0;
    for (std::size_t i = 0; i < messages.size(); ++i) {
        stored = messages[i].seq();
        out.emplace_back(std::move(messages[i]), std::move(authors[i]));
    }
    for (const MessagePtr& message : pendingAfter(room, stored)) {
        out.emplace_back(*message, message->reactor());
    }
    return out;
}

std::uint64_t SqliteHistory::firstStoredSeq(std::string_view room) const {
    std::string name(room);
    Poco::Int64 first = 0;
    std::size_t rows = 0;
    *reader_ << "SELECT count(*), coalesce(min(m.id & " + std::to_string(kSeqMask) +
                    "), 0) FROM (SELECT m.id FROM messages m WHERE m.id > " + kRoomBase +
                    " AND m.id < " + kRoomBase + " + " + std::to_string(kSeqMask + 1) +
                    " ORDER BY m.id LIMIT 1) m",
        use(name), use(name), into(rows), into(first), now;
    if (rows == 0) {
        return 0;
    }
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
    blankDeleted(slice.messages, pending);
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
    blankDeleted(out, pending);
    return out;
}

SearchHits SqliteHistory::search(std::string_view room, std::string_view text, std::size_t limit,
                                 std::uint64_t beforeSeq) const {
    return searchWith(*reader_, room, text, limit, beforeSeq);
}

SearchHits SqliteHistory::searchWith(Session& db, std::string_view room, std::string_view text,
                                     std::size_t limit, std::uint64_t beforeSeq) const {
    SearchHits hits;
    const SearchQuery query(text);
    if (query.empty() || limit == 0) {
        return hits;
    }
    std::string name(room);
    const std::uint64_t highSeq = beforeSeq == 0 || beforeSeq > static_cast<std::uint64_t>(kSeqMask)
                                      ? static_cast<std::uint64_t>(kSeqMask) + 1
                                      : beforeSeq;
    const std::size_t wanted = std::min<std::size_t>(limit, 10'000) + 1;  // one more: hasMore
    try {
        // One read transaction: the room's id and index bound, the unindexed
        // tail and the index itself are the same snapshot.
        db.begin();
        Poco::Int64 roomId = 0;
        Poco::Int64 indexedSeq = 0;
        std::size_t found = 0;
        db << "SELECT count(*), coalesce(max(id), 0), coalesce(max(indexed_seq), 0) FROM rooms"
              " WHERE name = ?",
            use(name), into(found), into(roomId), into(indexedSeq), now;
        if (found == 0) {
            db.commit();
            return hits;
        }
        // The room's keys below `high`.
        Poco::Int64 low = messageKey(roomId, 0);
        Poco::Int64 high = messageKey(roomId, 0) + static_cast<Poco::Int64>(highSeq);
        if (fts_) {
            // Committed after the room's last indexing slice (at most
            // indexMaxLag rows over all rooms, usually none), newest first:
            // matched here one by one, reading only the text in place; the
            // hits' full rows are fetched after.
            std::vector<std::int64_t> tailHits;
            {
                sqlite3* handle = Poco::Data::SQLite::Utility::dbHandle(db);
                sqlite3_stmt* scan = nullptr;
                if (sqlite3_prepare_v2(handle,
                                       "SELECT id, text FROM messages WHERE id > ? AND id < ?"
                                       " ORDER BY id DESC",
                                       -1, &scan, nullptr) != SQLITE_OK) {
                    throw Poco::Data::DataException(std::string("prepare search scan: ") +
                                                    sqlite3_errmsg(handle));
                }
                sqlite3_bind_int64(scan, 1,
                                   messageKey(roomId, static_cast<std::uint64_t>(indexedSeq)));
                sqlite3_bind_int64(scan, 2, high);
                while (tailHits.size() < wanted && sqlite3_step(scan) == SQLITE_ROW) {
                    const auto* row = reinterpret_cast<const char*>(sqlite3_column_text(scan, 1));
                    const auto bytes = static_cast<std::size_t>(sqlite3_column_bytes(scan, 1));
                    if (query.matches(std::string_view(row == nullptr ? "" : row, bytes))) {
                        tailHits.push_back(sqlite3_column_int64(scan, 0));
                    }
                }
                sqlite3_finalize(scan);
            }
            if (!tailHits.empty()) {
                std::string ids;
                for (const std::int64_t id : tailHits) {
                    if (!ids.empty()) {
                        ids += ',';
                    }
                    ids += std::to_string(id);
                }
                Rows tail;
                Statement select(db);
                select << "SELECT " + std::string(kColumns) + " FROM messages m WHERE m.id IN (" +
                              ids + ") AND NOT " + kSuperseded + " ORDER BY m.id DESC";
                tail.addTo(select);
                select.execute();
                hits.messages = tail.messages(room);
            }
            if (hits.messages.size() < wanted) {
                // The index's hits in the room's key range, newest first: a
                // rowid range FTS5 walks without touching other rooms' hits.
                std::string match = query.ftsExpression();
                Poco::Int64 count = static_cast<Poco::Int64>(wanted - hits.messages.size());
                Rows rows;
                Statement indexed(db);
                indexed << "SELECT " + std::string(kColumns) +
                               " FROM messages_fts JOIN messages m ON m.id = messages_fts.rowid"
                               " WHERE messages_fts MATCH ? AND messages_fts.rowid > ?"
                               " AND messages_fts.rowid < ? AND NOT " +
                               std::string(kSuperseded) +
                               " ORDER BY messages_fts.rowid DESC LIMIT ?";
                rows.addTo(indexed);
                Poco::Int64 indexedHigh =
                    std::min(high, messageKey(roomId, static_cast<std::uint64_t>(indexedSeq)) + 1);
                indexed, use(match), use(low), use(indexedHigh), use(count);
                indexed.execute();
                for (hermes::v1::ChatMessage& m : rows.messages(room)) {
                    hits.messages.push_back(std::move(m));
                }
            }
        } else {
            // Without FTS5: every word a substring (LIKE is ASCII
            // case-insensitive); unused slots match anything.
            std::vector<std::string> patterns = query.likePatterns();
            patterns.resize(SearchQuery::kMaxWords, "%");
            Poco::Int64 count = static_cast<Poco::Int64>(wanted);
            std::string sql = "SELECT " + std::string(kColumns) +
                              " FROM messages m WHERE m.id > ? AND m.id < ? AND NOT " + kSuperseded;
            for (std::size_t i = 0; i < patterns.size(); ++i) {
                sql += " AND text LIKE ? ESCAPE '\\'";
            }
            Rows rows;
            Statement select(db);
            select << sql + " ORDER BY m.id DESC LIMIT ?";
            rows.addTo(select);
            select, use(low), use(high);
            for (std::string& pattern : patterns) {
                select, use(pattern);
            }
            select, use(count);
            select.execute();
            hits.messages = rows.messages(room);
        }
        db.commit();
    } catch (const Poco::Exception& error) {
        // A query FTS5 cannot parse matches nothing; the hub carries on.
        logger().debug("history search in " + name + " failed: " + error.displayText());
        try {
            if (db.isTransaction()) {
                db.rollback();
            }
        } catch (const Poco::Exception&) {
            // Nothing was written; the snapshot ends with the connection's next use.
        }
        return SearchHits{};
    }
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
    if (index_) {
        writer.prepareIndexing();
    }
    for (const RoomProgress& room : progressAtOpen_) {
        writer.rooms[room.name] = Writer::RoomState{room.id, room.last, room.indexed};
        writer.nextRoomId = std::max(writer.nextRoomId, room.id + 1);
        writer.unindexed += room.last - room.indexed;
        if (room.indexed < room.last) {
            writer.toIndex.insert(room.name);
        }
        if (options_.maxMessagesPerRoom > 0) {
            writer.countPrune.insert(room.name);  // the limit may have been lowered
        }
    }
    std::vector<Work> batch;
    bool morePruning = true;
    bool idleIndexing = false;  // the last slice found no work waiting: go on soon
    for (;;) {
        bool stop = false;
        {
            auto state = shared_.lock();
            const auto ready = [&] { return !state->queue.empty() || state->stopping; };
            auto deadline = std::chrono::steady_clock::time_point::max();
            if (options_.maxAge.count() > 0) {
                deadline = writer.nextAgeScan;
            }
            if (index_ && !writer.toIndex.empty() && options_.indexWhenIdle) {
                // Index once the queue has stayed empty a moment: a burst's
                // commits (and so its echoes) never wait behind indexing.
                deadline = std::min(
                    deadline, std::chrono::steady_clock::now() +
                                  (idleIndexing ? std::chrono::milliseconds(0) : kIndexIdleDelay));
            }
            if (morePruning) {
                // Retention has more to do: look at the queue, do not wait.
            } else if (deadline == std::chrono::steady_clock::time_point::max()) {
                wake_.wait(state.unique(), ready);
            } else {
                wake_.wait_until(state.unique(), deadline, ready);
            }
            batch.swap(state->queue);
            stop = state->stopping;
        }
        const bool idle = batch.empty();
        if (!batch.empty()) {
            while (!commitBatch(writer, batch)) {
                auto state = shared_.lock();
                if (state->stopping) {
                    state->writerFailed = true;
                    logger().critical("history database " + options_.path + ": giving up on " +
                                      std::to_string(batch.size()) +
                                      " writes while stopping; they are lost");
                    break;
                }
                wake_.wait_for(state.unique(), kRetryDelay, [&] { return state->stopping; });
            }
            batch.clear();
            committed_.notify_all();
        }
        if (stop) {
            if (shared_.lock()->queue.empty()) {
                break;
            }
            continue;
        }
        morePruning = pruneStep(writer, options_.wallClock());
        idleIndexing = indexStep(writer, idle) && idle;
    }
}

bool SqliteHistory::commitBatch(Writer& writer, std::vector<Work>& batch) {
    // Each room's newest seq in the batch, by room id (for rooms.last_seq).
    std::map<std::int64_t, std::pair<const std::string*, std::uint64_t>> touched;
    const auto started = std::chrono::steady_clock::now();
    try {
        writer.run(writer.begin, "begin");
        bool deletes = false;
        for (const Work& work : batch) {
            if (work.message) {
                const hermes::v1::ChatMessage& m = *work.message;
                const std::int64_t roomId = writer.room(m.room()).id;
                writer.addMessage(roomId, &work);
                deletes = deletes || m.kind() == hermes::v1::MESSAGE_KIND_DELETE;
                auto& last = touched[roomId];
                last.first = &m.room();
                last.second = std::max(last.second, m.seq());
            } else if (work.waiting) {
                writer.changeWaiting(*work.waiting, work.addWaiting);
            } else {
                writer.setTopic(work.topic);
            }
        }
        writer.insertQueued();
        if (deletes) {
            // After the inserts: the message deleted may be in this batch.
            for (const Work& work : batch) {
                if (work.message && work.message->kind() == hermes::v1::MESSAGE_KIND_DELETE) {
                    writer.eraseDeleted(*work.message, index_);
                }
            }
        }
        for (const auto& [roomId, last] : touched) {
            writer.updateLastSeq(roomId, last.second);
        }
        writer.run(writer.commit, "commit");
    } catch (const Poco::Exception& error) {
        writer.queued.clear();
        writer.forgetNewRooms();
        logger().error("history database " + options_.path + ": commit of " +
                       std::to_string(batch.size()) +
                       " writes failed (retrying): " + error.displayText());
        if (writer.inTransaction()) {
            // A failed COMMIT may have ended the transaction already; if not,
            // nothing of the batch stays.
            sqlite3_step(writer.rollback);
            sqlite3_reset(writer.rollback);
        }
        return false;
    }
    writer.newRooms.clear();
    const auto took = std::chrono::steady_clock::now() - started;
    for (const auto& [roomId, last] : touched) {
        Writer::RoomState& room = writer.rooms[*last.first];
        if (last.second > room.last) {
            if (index_) {
                writer.unindexed += last.second - std::max(room.last, room.indexed);
                writer.toIndex.insert(*last.first);
            } else {
                room.indexed = last.second;
            }
            room.last = last.second;
        }
        if (options_.maxMessagesPerRoom > 0 && room.last > options_.maxMessagesPerRoom) {
            writer.countPrune.insert(*last.first);
        }
    }
    {
        auto state = shared_.lock();
        state->commitLatency.observe(took);
        for (const auto& [roomId, last] : touched) {
            const std::string& room = *last.first;
            state->committedSeqs[room] = last.second;
            auto it = state->pending.find(std::string_view(room));
            if (it != state->pending.end()) {
                auto& queue = it->second;
                while (!queue.empty() && queue.front()->seq() <= last.second) {
                    queue.pop_front();
                }
                if (queue.empty()) {
                    state->pending.erase(it);
                }
            }
        }
        state->committedCount += batch.size();
        state->unindexed = writer.unindexed;
        // Out of pending, a message no reader holds (use_count 1: the
        // batch's) can be referenced by no one any more: its object goes back
        // to append().
        for (Work& work : batch) {
            if (state->spare.size() >= kSpareMessages) {
                break;
            }
            if (work.message && work.message.use_count() == 1) {
                state->spare.push_back(
                    std::const_pointer_cast<hermes::v1::ChatMessage>(std::move(work.message)));
            }
        }
    }
    signalCommit();
    return true;
}

// One bounded step of retention; true when more remains.
bool SqliteHistory::pruneStep(Writer& writer, std::int64_t nowMs) {
    const auto steady = std::chrono::steady_clock::now();
    if (options_.maxAge.count() > 0 && steady >= writer.nextAgeScan && writer.agePrune.empty()) {
        for (const auto& entry : writer.rooms) {
            writer.agePrune.insert(entry.first);
        }
        writer.nextAgeScan = steady + options_.agePruneInterval;
    }
    if (writer.countPrune.empty() && writer.agePrune.empty()) {
        return false;
    }
    std::string room;
    Poco::Int64 batch = static_cast<Poco::Int64>(kPruneBatch);
    Poco::Int64 low = 0, high = 0, rows = 0;
    Poco::Int64 before = std::numeric_limits<Poco::Int64>::max();
    std::set<std::string>* rescan = nullptr;
    try {
        if (!writer.countPrune.empty()) {
            room = *writer.countPrune.begin();
            writer.countPrune.erase(writer.countPrune.begin());
            const Writer::RoomState& state = writer.rooms[room];
            if (state.last <= options_.maxMessagesPerRoom) {
                return true;
            }
            Poco::Int64 base = messageKey(state.id, 0);
            Poco::Int64 bound = messageKey(state.id, state.last - options_.maxMessagesPerRoom);
            writer.session << "SELECT coalesce(min(id), 0), coalesce(max(id), 0), count(*) FROM"
                              " (SELECT id FROM messages WHERE id > ? AND id <= ?"
                              " ORDER BY id LIMIT ?)",
                use(base), use(bound), use(batch), into(low), into(high), into(rows), now;
            rescan = &writer.countPrune;
        } else {
            room = *writer.agePrune.begin();
            writer.agePrune.erase(writer.agePrune.begin());
            const Writer::RoomState& state = writer.rooms[room];
            // Oldest first along the key; time follows seq (the hub stamps
            // both at once), so the scan stops at the first young batch.
            before = nowMs - static_cast<Poco::Int64>(options_.maxAge.count());
            Poco::Int64 base = messageKey(state.id, 0);
            Poco::Int64 end = messageKey(state.id + 1, 0);
            writer.session << "SELECT coalesce(min(id), 0), coalesce(max(id), 0), count(*) FROM"
                              " (SELECT id, time_ms FROM messages WHERE id > ? AND id < ?"
                              " ORDER BY id LIMIT ?) WHERE time_ms < ?",
                use(base), use(end), use(batch), use(before), into(low), into(high), into(rows),
                now;
            rescan = &writer.agePrune;
        }
        if (rows == 0) {
            return !writer.countPrune.empty() || !writer.agePrune.empty();
        }
        const std::size_t deleted = pruneRange(writer, room, low, high, before);
        if (rows == batch) {
            rescan->insert(room);
        }
        auto state = shared_.lock();
        state->pruned += deleted;
        if (deleted > 0) {
            std::uint64_t& upTo = state->prunedTo[room];
            upTo = std::max(upTo, static_cast<std::uint64_t>(high & kSeqMask));
        }
        state->unindexed = writer.unindexed;
    } catch (const Poco::Exception& error) {
        logger().error("history database " + options_.path + ": pruning " + room +
                       " failed: " + error.displayText());
        try {
            if (writer.session.isTransaction()) {
                writer.session.rollback();
            }
        } catch (const Poco::Exception&) {
            // The failed statement may have ended the transaction already.
        }
    }
    return !writer.countPrune.empty() || !writer.agePrune.empty();
}

// Deletes a room's messages with keys in [low, high] older than `before`, and
// their index entries, in one transaction. Returns the rows deleted.
std::size_t SqliteHistory::pruneRange(Writer& writer, const std::string& room, Poco::Int64 low,
                                      Poco::Int64 high, Poco::Int64 before) {
    const Writer::RoomState& state = writer.rooms[room];
    writer.session.begin();
    if (index_) {
        // An external-content index must be told the exact text it indexed:
        // only the room's rows up to indexed_seq are in it.
        Poco::Int64 indexedKey = messageKey(state.id, state.indexed);
        writer.session << "INSERT INTO messages_fts(messages_fts, rowid, text) SELECT 'delete',"
                          " id, text FROM messages WHERE id BETWEEN ? AND ? AND time_ms < ?"
                          " AND id <= ?",
            use(low), use(high), use(before), use(indexedKey), now;
    }
    Statement remove(writer.session);
    remove << "DELETE FROM messages WHERE id BETWEEN ? AND ? AND time_ms < ?", use(low), use(high),
        use(before);
    const std::size_t deleted = remove.execute();
    writer.session.commit();
    // Keys are never reused (each is its room's seq), so the index's bound
    // stays true whatever went.
    return deleted;
}

// Adds one slice (options_.indexSlice rows, in key order) of a room's
// committed messages to the FTS index when the writer is idle, or when the
// backlog has reached options_.indexMaxLag. True when a backlog remains.
bool SqliteHistory::indexStep(Writer& writer, bool idle) {
    if (!index_ || writer.toIndex.empty()) {
        return false;
    }
    const std::size_t slice = std::max<std::size_t>(options_.indexSlice, 1);
    std::size_t batchSize = slice;
    if (writer.unindexed >= options_.indexMaxLag) {
        // Behind under sustained load: back to a slice below the bound, so
        // the lag stays bounded however large the commits are.
        const std::size_t target = options_.indexMaxLag > slice ? options_.indexMaxLag - slice : 0;
        batchSize = std::max<std::size_t>(slice, writer.unindexed - target);
    } else if (!(idle && options_.indexWhenIdle)) {
        return false;
    }
    // Round robin over the rooms behind: the next after the last indexed.
    auto next = writer.toIndex.upper_bound(writer.lastIndexed);
    if (next == writer.toIndex.end()) {
        next = writer.toIndex.begin();
    }
    const std::string name = *next;
    Writer::RoomState& room = writer.rooms[name];
    const sqlite3_int64 from = messageKey(room.id, room.indexed);
    const sqlite3_int64 last = messageKey(room.id, room.last);
    sqlite3_int64 upto = last;
    try {
        writer.run(writer.begin, "begin indexing");
        sqlite3_bind_int64(writer.sliceEnd, 1, from);
        sqlite3_bind_int64(writer.sliceEnd, 2, last);
        sqlite3_bind_int64(writer.sliceEnd, 3, static_cast<sqlite3_int64>(batchSize));
        const int rc = sqlite3_step(writer.sliceEnd);
        if (rc == SQLITE_ROW && sqlite3_column_type(writer.sliceEnd, 0) != SQLITE_NULL) {
            upto = sqlite3_column_int64(writer.sliceEnd, 0);
        }
        sqlite3_reset(writer.sliceEnd);
        if (rc != SQLITE_ROW) {
            throw Poco::Data::DataException(std::string("slice: ") + sqlite3_errmsg(writer.handle));
        }
        sqlite3_bind_int64(writer.indexRange, 1, from);
        sqlite3_bind_int64(writer.indexRange, 2, upto);
        writer.run(writer.indexRange, "index");
        sqlite3_bind_int64(writer.setIndexed, 1, room.id);
        sqlite3_bind_int64(writer.setIndexed, 2, upto & kSeqMask);
        writer.run(writer.setIndexed, "rooms.indexed_seq");
        writer.run(writer.commit, "commit indexing");
    } catch (const Poco::Exception& error) {
        logger().error(
            "history database " + options_.path + ": indexing " + name +
            " for search failed (retried after the next commit): " + error.displayText());
        if (writer.inTransaction()) {
            sqlite3_step(writer.rollback);
            sqlite3_reset(writer.rollback);
        }
        return false;
    }
    const auto indexed = static_cast<std::uint64_t>(upto & kSeqMask);
    writer.unindexed -= std::min(writer.unindexed, indexed - room.indexed);
    room.indexed = indexed;
    writer.lastIndexed = name;
    if (room.indexed >= room.last) {
        writer.toIndex.erase(name);
    }
    if (writer.toIndex.empty()) {
        writer.unindexed = 0;
    }
    shared_.lock()->unindexed = writer.unindexed;
    return !writer.toIndex.empty();
}

}  // namespace hermes::hub

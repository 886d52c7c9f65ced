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
#include <optional>
#include <set>
#include <string_view>
#include <utility>

#include <sqlite3.h>

#include <Poco/Data/DataException.h>
#include <Poco/Data/SQLite/Connector.h>
#include <Poco/Data/SQLite/Utility.h>
#include <Poco/Data/Session.h>
#include <Poco/Data/Statement.h>
#include <Poco/Exception.h>
#include <Poco/Logger.h>

#include "BlockScan.hpp"
#include "HistoryKeys.hpp"
#include "MessageBlock.hpp"
#include "hermes/hub/SearchQuery.hpp"
#include "hermes/threads/ThisThread.hpp"

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
// The columns of one message in a SELECT of schema version 7's `messages`
// table (`m` the row), read once by the migration to version 8: the seq
// and the target's seq come out of their keys.
constexpr const char* kColumns =
    "m.id & 1099511627775, m.epoch, m.time_ms, m.from_nick, m.to_nick, m.client_msg_id, m.kind,"
    " m.text, m.file, m.reply_to, m.target & 1099511627775, m.reaction, m.author";
static_assert(kSeqMask == 1099511627775 && kSeqBits == 40, "kColumns spells them");
// The key range of a room that has no messages stored below: one past its last seq.
std::int64_t roomEnd(std::int64_t roomId) {
    return messageKey(roomId + 1, 0);
}

// A FILE message's FileInfo in version 4-7's `file` column: its protobuf
// bytes as hex (read once by the migration to version 8).
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
    // Version 4: a FILE message's FileInfo (parseFileColumn), '' for the others.
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

// Version 8: a room's messages of one commit in one row of `blocks`
// (MessageBlock.hpp: at most kMaxMessages a row, keyed by the first one's
// key) instead of a row each: SQLite's insert of a row was most of what a
// message cost the writer (docs/PERFORMANCE.md). Beside them what the rows
// were searched by: `events`, the events naming a message (a DELETE finds
// the edits it erases, search skips text a later EDIT replaced), and
// `files`, each FILE message not deleted with its FileInfo's bytes. Built
// from version 7's rows in C++ (migrateToBlocks: SQL cannot write the
// records), in the migration's transaction; the search index, which read
// its text from `messages`, is dropped and built anew (openDatabase).
const std::vector<std::string> kBlocksSchema = {
    "CREATE TABLE blocks ("
    " id INTEGER PRIMARY KEY,"
    " last_seq INTEGER NOT NULL,"
    " count INTEGER NOT NULL,"
    " data BLOB NOT NULL)",
    "CREATE TABLE events ("
    " target INTEGER NOT NULL,"
    " id INTEGER NOT NULL,"
    " kind INTEGER NOT NULL,"
    " PRIMARY KEY (target, id)) WITHOUT ROWID",
    "CREATE TABLE files (id INTEGER PRIMARY KEY, file BLOB NOT NULL)",
};

// FTS5 is optional: created when SQLite has it, outside the versioned schema,
// so the same file works (with LIKE search) under a SQLite without FTS5.
// Contentless: the text is in the blocks, so the index keeps only its own
// entries; a removal names the text it indexed ('delete'). columnsize=0: no
// per-row token counts, which only bm25 ranking reads (hits are ordered by
// seq); indexing costs a quarter less without them.
constexpr const char* kFtsSchema =
    "CREATE VIRTUAL TABLE messages_fts USING fts5(text, content='', columnsize=0)";

sqlite3_stmt* prepareOn(sqlite3* handle, const char* sql) {
    sqlite3_stmt* statement = nullptr;
    if (sqlite3_prepare_v2(handle, sql, -1, &statement, nullptr) != SQLITE_OK) {
        throw Poco::Data::DataException(std::string("prepare ") + sql + ": " +
                                        sqlite3_errmsg(handle));
    }
    return statement;
}

// Steps a statement without results and resets it; throws DataException
// with SQLite's words.
void runOn(sqlite3* handle, sqlite3_stmt* statement, const char* what) {
    const int rc = sqlite3_step(statement);
    sqlite3_reset(statement);
    if (rc != SQLITE_DONE) {
        throw Poco::Data::DataException(std::string(what) + ": " + sqlite3_errmsg(handle));
    }
}

// A prepared statement that finalizes itself.
struct Prepared {
    Prepared(sqlite3* handle, const char* sql) : statement(prepareOn(handle, sql)) {}
    ~Prepared() { sqlite3_finalize(statement); }
    Prepared(const Prepared&) = delete;
    Prepared& operator=(const Prepared&) = delete;
    sqlite3_stmt* statement;
};

void bindBlob(sqlite3_stmt* statement, int at, std::string_view bytes) {
    sqlite3_bind_blob(statement, at, bytes.data(), static_cast<int>(bytes.size()), SQLITE_STATIC);
}

void bindText(sqlite3_stmt* statement, int at, std::string_view text) {
    sqlite3_bind_text(statement, at, text.data(), static_cast<int>(text.size()), SQLITE_STATIC);
}

std::string_view columnBytes(sqlite3_stmt* statement, int at) {
    const auto* bytes = static_cast<const char*>(sqlite3_column_blob(statement, at));
    return {bytes == nullptr ? "" : bytes,
            static_cast<std::size_t>(sqlite3_column_bytes(statement, at))};
}

// The id of room `name` in `rooms`, if it is stored.
std::optional<std::int64_t> roomIdOf(sqlite3* handle, std::string_view name) {
    Prepared select(handle, "SELECT id FROM rooms WHERE name = ?1");
    bindText(select.statement, 1, name);
    const int rc = sqlite3_step(select.statement);
    if (rc == SQLITE_ROW) {
        return sqlite3_column_int64(select.statement, 0);
    }
    if (rc != SQLITE_DONE) {
        throw Poco::Data::DataException(std::string("room id: ") + sqlite3_errmsg(handle));
    }
    return std::nullopt;
}

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

// Version 7's rows into version 8's blocks, events and files (kBlocksSchema),
// in the migration's transaction; `messages` and its index go.
void migrateToBlocks(Session& db) {
    for (const std::string& sql : kBlocksSchema) {
        db << sql, now;
    }
    sqlite3* handle = Poco::Data::SQLite::Utility::dbHandle(db);
    Prepared rows(
        handle,
        (std::string("SELECT ") + kColumns + ", m.id >> 40 FROM messages m ORDER BY m.id").c_str());
    Prepared insert(handle,
                    "INSERT INTO blocks(id, last_seq, count, data) VALUES (?1, ?2, ?3, ?4)");
    Prepared file(handle, "INSERT INTO files(id, file) VALUES (?1, ?2)");
    std::string block;
    std::string scratch;
    std::int64_t blockRoom = -1;
    std::uint64_t firstSeq = 0;
    std::uint64_t lastSeq = 0;
    std::size_t count = 0;
    const auto flush = [&] {
        if (count == 0) {
            return;
        }
        sqlite3_bind_int64(insert.statement, 1, messageKey(blockRoom, firstSeq));
        sqlite3_bind_int64(insert.statement, 2, static_cast<sqlite3_int64>(lastSeq));
        sqlite3_bind_int64(insert.statement, 3, static_cast<sqlite3_int64>(count));
        bindBlob(insert.statement, 4, block);
        runOn(handle, insert.statement, "migrate a block");
        block.clear();
        count = 0;
    };
    const auto text = [&](int at) {
        const auto* bytes = reinterpret_cast<const char*>(sqlite3_column_text(rows.statement, at));
        return std::string(bytes == nullptr ? "" : bytes,
                           static_cast<std::size_t>(sqlite3_column_bytes(rows.statement, at)));
    };
    hermes::v1::ChatMessage m;
    int rc = 0;
    while ((rc = sqlite3_step(rows.statement)) == SQLITE_ROW) {
        sqlite3_stmt* row = rows.statement;
        const std::int64_t roomId = sqlite3_column_int64(row, 13);
        if (roomId != blockRoom || count == MessageBlock::kMaxMessages) {
            flush();
            blockRoom = roomId;
        }
        m.Clear();
        m.set_seq(static_cast<std::uint64_t>(sqlite3_column_int64(row, 0)));
        m.set_epoch(static_cast<std::uint64_t>(sqlite3_column_int64(row, 1)));
        m.set_time_ms(sqlite3_column_int64(row, 2));
        m.set_from(text(3));
        m.set_to(text(4));
        m.set_client_msg_id(static_cast<std::uint64_t>(sqlite3_column_int64(row, 5)));
        m.set_kind(static_cast<hermes::v1::MessageKind>(sqlite3_column_int64(row, 6)));
        m.set_text(text(7));
        const std::string fileHex = text(8);
        if (!fileHex.empty() && parseFileColumn(fileHex, *m.mutable_file())) {
            const std::string bytes = m.file().SerializeAsString();
            sqlite3_bind_int64(file.statement, 1, messageKey(roomId, m.seq()));
            bindBlob(file.statement, 2, bytes);
            runOn(handle, file.statement, "migrate a file");
        }
        m.set_reply_to(static_cast<std::uint64_t>(sqlite3_column_int64(row, 9)));
        m.set_target_seq(static_cast<std::uint64_t>(sqlite3_column_int64(row, 10)));
        m.set_reaction(text(11));
        if (count == 0) {
            firstSeq = m.seq();
        }
        lastSeq = m.seq();
        MessageBlock::append(block, m, text(12), scratch);
        ++count;
    }
    if (rc != SQLITE_DONE) {
        throw Poco::Data::DataException(std::string("migrate messages: ") + sqlite3_errmsg(handle));
    }
    flush();
    db << "INSERT INTO events(target, id, kind) SELECT target, id, kind FROM messages"
          " WHERE target != 0",
        now;
    // A deleted FILE message names its file no more.
    db << "DELETE FROM files WHERE id IN (SELECT target FROM messages WHERE kind = 4)", now;
    try {
        // Its text was read from `messages`; built anew at open.
        db << "DROP TABLE IF EXISTS messages_fts", now;
    } catch (const Poco::Exception& error) {
        // No FTS5 here: the table cannot be dropped, nor read; it stays.
        logger().warning(std::string("history migration: the old search index stays: ") +
                         error.displayText());
    }
    db << "DROP TABLE messages", now;  // and its index messages_target
}

}  // namespace

// The writer thread's prepared statements, the blocks it builds, each
// room's id and progress, and what retention still has to do.
struct SqliteHistory::Writer {
    explicit Writer(Session& db) : session(db), handle(Poco::Data::SQLite::Utility::dbHandle(db)) {
        // The statements of every commit: prepared once on the session's own
        // handle, because POCO's binding (and its BEGIN/COMMIT, parsed each
        // time) cost more per commit than SQLite's work.
        insertBlock =
            prepare("INSERT INTO blocks(id, last_seq, count, data) VALUES (?1, ?2, ?3, ?4)");
        insertEvent = prepare("INSERT OR IGNORE INTO events(target, id, kind) VALUES (?1, ?2, ?3)");
        insertFile = prepare("INSERT OR REPLACE INTO files(id, file) VALUES (?1, ?2)");
        // A DELETE: the text of the message it names, and of that message's
        // edits, erased in their blocks; the records (and seqs) stay.
        findBlock = prepare(
            "SELECT id, data FROM blocks WHERE id BETWEEN ?1 AND ?2 ORDER BY id DESC LIMIT 1");
        updateBlock = prepare("UPDATE blocks SET data = ?2 WHERE id = ?1");
        editsOf = prepare("SELECT id FROM events WHERE target = ?1 AND kind = 3");
        deleteFile = prepare("DELETE FROM files WHERE id = ?1");
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
             {insertBlock, insertEvent, insertFile, findBlock, updateBlock, editsOf, deleteFile,
              lastSeq, newRoom, topic, indexOne, unindexOne, setIndexed, begin, commit, rollback}) {
            sqlite3_finalize(statement);
        }
    }
    Writer(const Writer&) = delete;
    Writer& operator=(const Writer&) = delete;

    // The search index's statements: only when the index exists (FTS5).
    void prepareIndexing() {
        indexOne = prepare("INSERT INTO messages_fts(rowid, text) VALUES (?1, ?2)");
        // A contentless index forgets an entry when given the text it indexed.
        unindexOne = prepare(
            "INSERT INTO messages_fts(messages_fts, rowid, text) VALUES ('delete', ?1, ?2)");
        setIndexed = prepare("UPDATE rooms SET indexed_seq = ?2 WHERE id = ?1");
    }

    sqlite3_stmt* prepare(const char* sql) { return prepareOn(handle, sql); }

    // Runs a statement without results; throws DataException with SQLite's words.
    void run(sqlite3_stmt* statement, const char* what) { runOn(handle, statement, what); }

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
        bindText(newRoom, 2, name);
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
        bindText(topic, 2, stored.topic);
        bindText(topic, 3, stored.topicSetBy);
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

    // Erases the text and file of message `key` (of the room numbered
    // `roomId`) in its block, and its entry in the search index if the
    // index holds it (key <= indexedKey). Nothing if retention took it.
    void eraseMessage(std::int64_t roomId, std::int64_t key, std::int64_t indexedKey) {
        sqlite3_bind_int64(findBlock, 1, messageKey(roomId, 0));
        sqlite3_bind_int64(findBlock, 2, key);
        const int rc = sqlite3_step(findBlock);
        if (rc != SQLITE_ROW) {
            sqlite3_reset(findBlock);
            if (rc != SQLITE_DONE) {
                throw Poco::Data::DataException(std::string("find a block: ") +
                                                sqlite3_errmsg(handle));
            }
            return;
        }
        const std::int64_t blockId = sqlite3_column_int64(findBlock, 0);
        rewritten.assign(columnBytes(findBlock, 1));
        sqlite3_reset(findBlock);
        if (!MessageBlock::split(rewritten, records)) {
            // Failing the commit would fail every later one: the text stays.
            logger().error("history block " + std::to_string(blockId) +
                           " is damaged: a deleted message's text in it is not erased");
            return;
        }
        const auto seq = static_cast<std::uint64_t>(key & kSeqMask);
        block.clear();
        bool changed = false;
        hermes::v1::ChatMessage m;
        for (const MessageBlock::Record& record : records) {
            if (record.seq != seq ||
                !m.ParseFromArray(record.message.data(), static_cast<int>(record.message.size()))) {
                MessageBlock::append(block, record);
                continue;
            }
            if (indexOne != nullptr && key <= indexedKey && !m.text().empty()) {
                sqlite3_bind_int64(unindexOne, 1, key);
                bindText(unindexOne, 2, m.text());
                run(unindexOne, "erase from the search index");
            }
            changed = changed || !m.text().empty() || m.has_file();
            m.clear_text();
            m.clear_file();
            m.SerializeToString(&scratch);
            MessageBlock::append(block, MessageBlock::Record{record.seq, record.author, scratch});
        }
        if (changed) {
            sqlite3_bind_int64(updateBlock, 1, blockId);
            bindBlob(updateBlock, 2, block);
            run(updateBlock, "erase a deleted message");
        }
    }

    // A DELETE committed: its message's text, and its edits', erased and
    // forgotten by the search index; its file no longer named.
    void eraseDeleted(const hermes::v1::ChatMessage& deletion) {
        const RoomState& state = room(deletion.room());
        const std::int64_t target = messageKey(state.id, deletion.target_seq());
        const std::int64_t indexedKey = messageKey(state.id, state.indexed);
        std::vector<std::int64_t> keys{target};
        sqlite3_bind_int64(editsOf, 1, target);
        int rc = 0;
        while ((rc = sqlite3_step(editsOf)) == SQLITE_ROW) {
            keys.push_back(sqlite3_column_int64(editsOf, 0));
        }
        sqlite3_reset(editsOf);
        if (rc != SQLITE_DONE) {
            throw Poco::Data::DataException(std::string("edits of a deleted message: ") +
                                            sqlite3_errmsg(handle));
        }
        for (const std::int64_t key : keys) {
            eraseMessage(state.id, key, indexedKey);
        }
        sqlite3_bind_int64(deleteFile, 1, target);
        run(deleteFile, "forget a deleted file");
    }

    void updateLastSeq(std::int64_t roomId, std::uint64_t last) {
        sqlite3_bind_int64(lastSeq, 1, roomId);
        sqlite3_bind_int64(lastSeq, 2, static_cast<sqlite3_int64>(last));
        run(lastSeq, "rooms.last_seq");
    }

    // Writes one block of `count` queued messages from `first` (all of one room).
    void insertBlockOf(std::size_t first, std::size_t count) {
        block.clear();
        for (std::size_t i = first; i < first + count; ++i) {
            const Work& work = *queued[i].second;
            MessageBlock::append(block, *work.message, work.author, scratch);
        }
        const std::int64_t roomId = queued[first].first;
        sqlite3_bind_int64(insertBlock, 1,
                           messageKey(roomId, queued[first].second->message->seq()));
        sqlite3_bind_int64(
            insertBlock, 2,
            static_cast<sqlite3_int64>(queued[first + count - 1].second->message->seq()));
        sqlite3_bind_int64(insertBlock, 3, static_cast<sqlite3_int64>(count));
        bindBlob(insertBlock, 4, block);
        run(insertBlock, "insert a block");
    }

    // Writes the messages queued by addMessage(): each room's as blocks of
    // at most MessageBlock::kMaxMessages, in seq order; an event's row in
    // `events`, a FILE message's in `files`. Throws DataException with
    // SQLite's words.
    void insertQueued() {
        // Stable: a room's messages keep their (seq) order.
        std::stable_sort(queued.begin(), queued.end(),
                         [](const auto& a, const auto& b) { return a.first < b.first; });
        std::size_t first = 0;
        while (first < queued.size()) {
            std::size_t end = first;
            while (end < queued.size() && queued[end].first == queued[first].first &&
                   end - first < MessageBlock::kMaxMessages) {
                ++end;
            }
            insertBlockOf(first, end - first);
            first = end;
        }
        for (const auto& [roomId, work] : queued) {
            const hermes::v1::ChatMessage& m = *work->message;
            const std::int64_t key = messageKey(roomId, m.seq());
            if (m.target_seq() != 0) {
                sqlite3_bind_int64(insertEvent, 1, messageKey(roomId, m.target_seq()));
                sqlite3_bind_int64(insertEvent, 2, key);
                sqlite3_bind_int64(insertEvent, 3, m.kind());
                run(insertEvent, "event");
            }
            if (m.has_file()) {
                m.file().SerializeToString(&scratch);
                sqlite3_bind_int64(insertFile, 1, key);
                bindBlob(insertFile, 2, scratch);
                run(insertFile, "file");
            }
        }
        queued.clear();
    }

    // Queues `work`'s message (of the room numbered `roomId`) for insertion.
    void addMessage(std::int64_t roomId, const Work* work) {
        if (work->message->seq() > kMaxSeq) {
            throw Poco::Data::DataException("room " + work->message->room() + ": seq " +
                                            std::to_string(work->message->seq()) +
                                            " past the largest a key holds");
        }
        queued.emplace_back(roomId, work);
    }

    Session& session;
    sqlite3* handle;
    sqlite3_stmt* insertBlock = nullptr;
    sqlite3_stmt* insertEvent = nullptr;
    sqlite3_stmt* insertFile = nullptr;
    sqlite3_stmt* findBlock = nullptr;    // the block holding a key
    sqlite3_stmt* updateBlock = nullptr;  // ... rewritten (a deleted message's text erased)
    sqlite3_stmt* editsOf = nullptr;      // the edits of a message
    sqlite3_stmt* deleteFile = nullptr;
    sqlite3_stmt* lastSeq = nullptr;
    sqlite3_stmt* newRoom = nullptr;
    sqlite3_stmt* topic = nullptr;
    sqlite3_stmt* indexOne = nullptr;                          // a message into the search index
    sqlite3_stmt* unindexOne = nullptr;                        // ... and out of it
    sqlite3_stmt* setIndexed = nullptr;                        // a room's rooms.indexed_seq
    std::vector<std::pair<std::int64_t, const Work*>> queued;  // for insertQueued()
    std::string block;                                         // the block being built
    std::string scratch;                                       // one message's bytes
    std::string rewritten;                                     // a block read back to be rewritten
    std::vector<MessageBlock::Record> records;
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
    writerThread_ = std::thread([this] {
        // Batch first: a thread that bears its name is batch work (tests).
        if (!threads::scheduleThisThreadAsBatch()) {
            logger().information("history writer: SCHED_BATCH refused; it runs as any thread");
        }
        threads::nameThisThread("hist-writer");
        writerLoop();
    });
    if (options_.searchInBackground) {
        searchThread_ = std::thread([this] {
            threads::nameThisThread("hist-search");
            searchLoop();
        });
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
        if (version < 8) {
            if (version > 0) {
                logger().information("history database " + options_.path +
                                     ": migrating messages to blocks (schema version 8)");
            }
            migrateToBlocks(db);
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
    // `files` holds the FILE messages not deleted (a DELETE removes its row).
    sqlite3* handle = Poco::Data::SQLite::Utility::dbHandle(*reader_);
    Prepared select(handle,
                    "SELECT r.name, f.id, f.file FROM files f JOIN rooms r ON r.id = f.id >> 40"
                    " ORDER BY f.id");
    std::vector<StoredFile> out;
    int rc = 0;
    while ((rc = sqlite3_step(select.statement)) == SQLITE_ROW) {
        StoredFile stored;
        const std::string_view bytes = columnBytes(select.statement, 2);
        if (!stored.file.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
            continue;
        }
        stored.room = std::string(columnBytes(select.statement, 0));
        stored.seq =
            static_cast<std::uint64_t>(sqlite3_column_int64(select.statement, 1) & kSeqMask);
        out.push_back(std::move(stored));
    }
    if (rc != SQLITE_DONE) {
        throw Poco::Data::DataException(std::string("files: ") + sqlite3_errmsg(handle));
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
    *reader_ << "SELECT coalesce(sum(count), 0) FROM blocks", into(count), now;
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
    std::vector<hermes::v1::ChatMessage> messages;
    sqlite3* handle = Poco::Data::SQLite::Utility::dbHandle(db);
    const std::optional<std::int64_t> roomId = roomIdOf(handle, room);
    if (!roomId || limit == 0 || afterSeq >= kMaxSeq) {
        return messages;
    }
    BlockScan scan(handle, *roomId, afterSeq, beforeSeq, newestFirst);
    MessageBlock::Record record;
    while (messages.size() < limit && scan.next(record)) {
        hermes::v1::ChatMessage m;
        if (!MessageBlock::read(record, room, m)) {
            continue;
        }
        messages.push_back(std::move(m));
        if (authors != nullptr) {
            authors->emplace_back(record.author);
        }
    }
    if (scan.damaged()) {
        logger().error("history database " + options_.path + ": a block of " + std::string(room) +
                       " is damaged; its messages after the damage are not read");
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
    sqlite3* handle = Poco::Data::SQLite::Utility::dbHandle(*reader_);
    const std::optional<std::int64_t> roomId = roomIdOf(handle, room);
    if (!roomId) {
        return 0;
    }
    // A block's key is its first message's: retention rewrites the block it
    // cuts through under its new first key.
    Prepared first(handle, "SELECT min(id) FROM blocks WHERE id >= ?1 AND id < ?2");
    sqlite3_bind_int64(first.statement, 1, messageKey(*roomId, 0));
    sqlite3_bind_int64(first.statement, 2, roomEnd(*roomId));
    if (sqlite3_step(first.statement) != SQLITE_ROW) {
        throw Poco::Data::DataException(std::string("first stored seq: ") + sqlite3_errmsg(handle));
    }
    if (sqlite3_column_type(first.statement, 0) == SQLITE_NULL) {
        return 0;
    }
    return static_cast<std::uint64_t>(sqlite3_column_int64(first.statement, 0) & kSeqMask);
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
    const std::uint64_t highSeq = beforeSeq == 0 || beforeSeq > kMaxSeq ? kMaxSeq + 1 : beforeSeq;
    const std::size_t wanted = std::min<std::size_t>(limit, 10'000) + 1;  // one more: hasMore
    sqlite3* handle = Poco::Data::SQLite::Utility::dbHandle(db);
    try {
        // One read transaction: the room's id and index bound, the unindexed
        // tail and the index itself are the same snapshot.
        db.begin();
        Prepared roomRow(handle, "SELECT id, indexed_seq FROM rooms WHERE name = ?1");
        bindText(roomRow.statement, 1, room);
        if (sqlite3_step(roomRow.statement) != SQLITE_ROW) {
            db.commit();
            return hits;
        }
        const std::int64_t roomId = sqlite3_column_int64(roomRow.statement, 0);
        const auto indexedSeq =
            static_cast<std::uint64_t>(sqlite3_column_int64(roomRow.statement, 1));
        // A message whose text a later EDIT of the same message replaced:
        // search skips it, so that only a message's newest text matches.
        Prepared edited(handle,
                        "SELECT 1 FROM events WHERE target = ?1 AND id > ?2 AND kind = 3 LIMIT 1");
        const auto superseded = [&](const hermes::v1::ChatMessage& m) {
            const std::int64_t key = messageKey(roomId, m.seq());
            sqlite3_bind_int64(edited.statement, 1,
                               m.kind() == hermes::v1::MESSAGE_KIND_EDIT
                                   ? messageKey(roomId, m.target_seq())
                                   : key);
            sqlite3_bind_int64(edited.statement, 2, key);
            const bool found = sqlite3_step(edited.statement) == SQLITE_ROW;
            sqlite3_reset(edited.statement);
            return found;
        };
        // Newest first, from `afterSeq` (exclusive) below highSeq, each message
        // taken if `test` says so.
        const auto scan = [&](std::uint64_t afterSeq, const auto& test) {
            BlockScan blocks(handle, roomId, afterSeq, highSeq, true);
            MessageBlock::Record record;
            hermes::v1::ChatMessage m;
            while (hits.messages.size() < wanted && blocks.next(record)) {
                // The text first, from the bytes: most messages do not match.
                if (test(MessageBlock::textOf(record)) && MessageBlock::read(record, room, m) &&
                    !superseded(m)) {
                    hits.messages.push_back(m);
                }
            }
        };
        if (fts_) {
            // Committed after the room's last indexing slice (at most
            // indexMaxLag messages over all rooms, usually none): matched
            // here one by one.
            scan(indexedSeq, [&](std::string_view t) { return query.matches(t); });
            if (hits.messages.size() < wanted && indexedSeq > 0) {
                // The index's hits in the room's key range, newest first: a
                // rowid range FTS5 walks without touching other rooms' hits.
                // Each is read from its block (the last block read is kept:
                // hits close together share one).
                Prepared indexed(handle,
                                 "SELECT rowid FROM messages_fts WHERE messages_fts MATCH ?1 AND"
                                 " rowid > ?2 AND rowid < ?3 ORDER BY rowid DESC");
                const std::string match = query.ftsExpression();
                bindText(indexed.statement, 1, match);
                sqlite3_bind_int64(indexed.statement, 2, messageKey(roomId, 0));
                sqlite3_bind_int64(indexed.statement, 3,
                                   messageKey(roomId, std::min(highSeq, indexedSeq + 1)));
                Prepared holder(handle,
                                "SELECT id, data FROM blocks WHERE id BETWEEN ?1 AND ?2"
                                " ORDER BY id DESC LIMIT 1");
                std::int64_t cachedId = -1;
                std::string cached;
                std::vector<MessageBlock::Record> records;
                hermes::v1::ChatMessage m;
                int rc = 0;
                while (hits.messages.size() < wanted &&
                       (rc = sqlite3_step(indexed.statement)) == SQLITE_ROW) {
                    const std::int64_t key = sqlite3_column_int64(indexed.statement, 0);
                    const auto seq = static_cast<std::uint64_t>(key & kSeqMask);
                    if (cachedId < 0 || key < cachedId || records.empty() ||
                        seq > records.back().seq) {
                        sqlite3_bind_int64(holder.statement, 1, messageKey(roomId, 0));
                        sqlite3_bind_int64(holder.statement, 2, key);
                        if (sqlite3_step(holder.statement) != SQLITE_ROW) {
                            sqlite3_reset(holder.statement);
                            continue;  // pruned since it was indexed
                        }
                        cachedId = sqlite3_column_int64(holder.statement, 0);
                        cached.assign(columnBytes(holder.statement, 1));
                        sqlite3_reset(holder.statement);
                        MessageBlock::split(cached, records);
                    }
                    const auto it = std::find_if(records.begin(), records.end(),
                                                 [seq](const auto& r) { return r.seq == seq; });
                    if (it != records.end() && MessageBlock::read(*it, room, m) && !superseded(m)) {
                        hits.messages.push_back(m);
                    }
                }
                if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
                    throw Poco::Data::DataException(std::string("search: ") +
                                                    sqlite3_errmsg(handle));
                }
            }
        } else {
            // Without FTS5: every word a substring (ASCII case-insensitive),
            // over the whole room.
            scan(0, [&](std::string_view t) { return query.containsEveryWord(t); });
        }
        db.commit();
    } catch (const Poco::Exception& error) {
        // A query FTS5 cannot parse matches nothing; the hub carries on.
        logger().debug("history search in " + std::string(room) +
                       " failed: " + error.displayText());
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
                    writer.eraseDeleted(*work.message);
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
    std::uint64_t boundSeq = kMaxSeq;
    std::int64_t before = std::numeric_limits<std::int64_t>::max();
    std::set<std::string>* rescan = nullptr;
    if (!writer.countPrune.empty()) {
        room = *writer.countPrune.begin();
        writer.countPrune.erase(writer.countPrune.begin());
        const Writer::RoomState& state = writer.rooms[room];
        if (state.last <= options_.maxMessagesPerRoom) {
            return true;
        }
        boundSeq = state.last - options_.maxMessagesPerRoom;
        rescan = &writer.countPrune;
    } else {
        room = *writer.agePrune.begin();
        writer.agePrune.erase(writer.agePrune.begin());
        // Oldest first along the key; time follows seq (the hub stamps
        // both at once), so the scan stops at the first young message.
        before = nowMs - static_cast<std::int64_t>(options_.maxAge.count());
        rescan = &writer.agePrune;
    }
    try {
        const Pruned pruned = pruneRoom(writer, room, boundSeq, before);
        if (pruned.more) {
            rescan->insert(room);
        }
        auto state = shared_.lock();
        state->pruned += pruned.deleted;
        if (pruned.deleted > 0) {
            std::uint64_t& upTo = state->prunedTo[room];
            upTo = std::max(upTo, pruned.highest);
        }
        state->unindexed = writer.unindexed;
    } catch (const Poco::Exception& error) {
        logger().error("history database " + options_.path + ": pruning " + room +
                       " failed: " + error.displayText());
        if (writer.inTransaction()) {
            sqlite3_step(writer.rollback);
            sqlite3_reset(writer.rollback);
        }
    }
    return !writer.countPrune.empty() || !writer.agePrune.empty();
}

// Deletes the oldest messages of `room` with seq <= boundSeq and time_ms <
// before, about kPruneBatch at most (whole blocks; the block the bound cuts
// through is written again from its first kept message), their index
// entries, files and events, in one transaction.
SqliteHistory::Pruned SqliteHistory::pruneRoom(Writer& writer, const std::string& room,
                                               std::uint64_t boundSeq, std::int64_t before) {
    const Writer::RoomState& state = writer.rooms[room];
    const std::int64_t base = messageKey(state.id, 0);
    Pruned result;
    // Read first, then changed: SQLite does not promise what a SELECT that
    // is being stepped sees of the rows its own connection changes. Only the
    // blocks that start at or before the bound, up to about kPruneBatch
    // messages, and for age up to the first block that starts young: a room
    // over its limit by a few messages reads one or two blocks.
    std::vector<Block> blocks;
    std::size_t messages = 0;
    bool unread = false;  // blocks past the batch were left unread
    {
        Prepared select(writer.handle,
                        "SELECT id, last_seq, count, data FROM blocks WHERE id >= ?1 AND id <= ?2"
                        " ORDER BY id");
        sqlite3_bind_int64(select.statement, 1, base);
        sqlite3_bind_int64(select.statement, 2, messageKey(state.id, std::min(boundSeq, kMaxSeq)));
        std::vector<MessageBlock::Record> first;
        hermes::v1::ChatMessage m;
        int rc = 0;
        while ((rc = sqlite3_step(select.statement)) == SQLITE_ROW) {
            if (messages >= kPruneBatch) {
                unread = true;
                break;
            }
            const std::string_view data = columnBytes(select.statement, 3);
            if (before != std::numeric_limits<std::int64_t>::max()) {
                MessageBlock::split(data, first);
                if (!first.empty() && MessageBlock::read(first.front(), room, m) &&
                    m.time_ms() >= before) {
                    break;
                }
            }
            blocks.push_back(
                Block{sqlite3_column_int64(select.statement, 0),
                      static_cast<std::uint64_t>(sqlite3_column_int64(select.statement, 1)),
                      std::string(data)});
            messages += static_cast<std::size_t>(sqlite3_column_int64(select.statement, 2));
        }
        if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
            throw Poco::Data::DataException(std::string("read blocks to prune: ") +
                                            sqlite3_errmsg(writer.handle));
        }
    }
    if (blocks.empty()) {
        return result;
    }
    writer.run(writer.begin, "begin pruning");
    Prepared removeBlock(writer.handle, "DELETE FROM blocks WHERE id = ?1");
    std::vector<MessageBlock::Record> records;
    hermes::v1::ChatMessage m;
    bool stopped = false;
    for (const auto& [id, lastSeq, data] : blocks) {
        if (!MessageBlock::split(data, records)) {
            // Not readable past the damage: gone whole once all of it is
            // past the count limit; age cannot tell, so it stops there.
            logger().error("history database " + options_.path + ": block " + std::to_string(id) +
                           " of " + room + " is damaged");
            if (lastSeq > boundSeq || before != std::numeric_limits<std::int64_t>::max()) {
                stopped = true;
                break;
            }
            result.deleted += records.size();
            result.highest = lastSeq;
            sqlite3_bind_int64(removeBlock.statement, 1, id);
            writer.run(removeBlock.statement, "prune a damaged block");
            continue;
        }
        std::size_t gone = 0;
        for (const MessageBlock::Record& record : records) {
            const bool old = record.seq <= boundSeq;
            const bool parsed = MessageBlock::read(record, room, m);
            if (!old || (parsed && m.time_ms() >= before)) {
                break;
            }
            if (index_ && parsed && record.seq <= state.indexed && !m.text().empty()) {
                // A contentless index must be told the text it indexed.
                sqlite3_bind_int64(writer.unindexOne, 1, messageKey(state.id, record.seq));
                bindText(writer.unindexOne, 2, m.text());
                writer.run(writer.unindexOne, "unindex a pruned message");
            }
            ++gone;
        }
        if (gone == 0) {
            stopped = true;
            break;
        }
        result.deleted += gone;
        result.highest = records[gone - 1].seq;
        sqlite3_bind_int64(removeBlock.statement, 1, id);
        writer.run(removeBlock.statement, "prune a block");
        if (gone < records.size()) {
            // The bound cuts through this block: its kept messages go on
            // under the first one's key.
            writer.block.clear();
            for (std::size_t i = gone; i < records.size(); ++i) {
                MessageBlock::append(writer.block, records[i]);
            }
            sqlite3_bind_int64(writer.insertBlock, 1, messageKey(state.id, records[gone].seq));
            sqlite3_bind_int64(writer.insertBlock, 2,
                               static_cast<sqlite3_int64>(records.back().seq));
            sqlite3_bind_int64(writer.insertBlock, 3,
                               static_cast<sqlite3_int64>(records.size() - gone));
            bindBlob(writer.insertBlock, 4, writer.block);
            writer.run(writer.insertBlock, "rewrite a pruned block");
            stopped = true;
            break;
        }
    }
    result.more = !stopped && unread;
    if (result.deleted > 0) {
        const std::int64_t high = messageKey(state.id, result.highest);
        // An event is pruned with its own message: a kept edit of a pruned
        // message is still found by the message's DELETE, and by search.
        for (const char* sql : {"DELETE FROM files WHERE id BETWEEN ?1 AND ?2",
                                "DELETE FROM events WHERE target BETWEEN ?1 AND ?2 AND id <= ?2"}) {
            Prepared remove(writer.handle, sql);
            sqlite3_bind_int64(remove.statement, 1, base);
            sqlite3_bind_int64(remove.statement, 2, high);
            writer.run(remove.statement, "prune files and events");
        }
    }
    writer.run(writer.commit, "commit pruning");
    // Keys are never reused (each is its room's seq), so the index's bound
    // stays true whatever went.
    return result;
}

// Adds one slice (options_.indexSlice messages, in seq order) of a room's
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
    std::uint64_t upto = room.last;
    try {
        writer.run(writer.begin, "begin indexing");
        {
            BlockScan scan(writer.handle, room.id, room.indexed, room.last + 1, false);
            MessageBlock::Record record;
            std::size_t taken = 0;
            while (taken < batchSize && scan.next(record)) {
                ++taken;
                upto = record.seq;
                // Only the text is read: parsing each message cost the
                // writer a third more per entry.
                const std::string_view text = MessageBlock::textOf(record);
                if (!text.empty()) {
                    sqlite3_bind_int64(writer.indexOne, 1, messageKey(room.id, record.seq));
                    bindText(writer.indexOne, 2, text);
                    writer.run(writer.indexOne, "index");
                }
            }
            if (taken < batchSize) {
                upto = room.last;  // the rest (retention may have taken some)
            }
        }
        sqlite3_bind_int64(writer.setIndexed, 1, room.id);
        sqlite3_bind_int64(writer.setIndexed, 2, static_cast<sqlite3_int64>(upto));
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
    writer.unindexed -= std::min(writer.unindexed, upto - room.indexed);
    room.indexed = upto;
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

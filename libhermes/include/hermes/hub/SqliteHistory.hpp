#pragma once
// HistoryStore in a SQLite database file (through POCO Data), so history,
// seqs and topics survive a restart of the hub.
//
// Layout (schema version 8, created and migrated at open; see kSchemaVersion;
// version 4 added files, version 5 replies and reactions, version 6 authors,
// version 7 the integer keys, version 8 the blocks):
//
//   schema_version(version)
//   rooms(id INTEGER PK, name UNIQUE, last_seq, topic, topic_set_by,
//         topic_time_ms, indexed_seq)
//            a room or private conversation, numbered by the writer at its
//            first write; indexed_seq: the search index holds exactly the
//            room's messages with seq <= indexed_seq
//   blocks(id INTEGER PK, last_seq, count, data)
//            a room's messages of one commit, at most 128 a row
//            (MessageBlock.hpp: per message its seq, its author and its
//            ChatMessage's bytes); id: the first message's key, the room's
//            id << 40 | seq, so a room's blocks are a range of keys in seq
//            order. A DELETE erases the text and file of the message it
//            names and of that message's EDITs in their blocks; every
//            message and seq stays. Retention deletes whole blocks and
//            writes the block it cuts through again under its first kept
//            message's key.
//   events(target, id, kind, PK (target, id))  WITHOUT ROWID
//            each event (edit, delete, reaction) by the key of the message
//            it names: search skips text a later EDIT replaced; a DELETE
//            finds the edits it erases
//   files(id INTEGER PK, file)
//            each FILE message not deleted, by its key: its FileInfo's bytes
//   messages_fts  FTS5 contentless index of the messages' text, keyed by
//                 their keys (absent when SQLite lacks FTS5: search matches
//                 each message's text)
//   private_waiting(recipient, conversation, seq, time_ms, PK all but time)
//                 private messages waiting for an offline account (version 3);
//                 a conversation's messages are blocks and a `rooms` row
//                 under its key, "@" + the two accounts (Conversations.hpp)
//
// A key holds seqs below 2^40 and room ids below 2^23 (8,388,608 rooms and
// conversations); a commit holding a write past either fails, is logged and
// retried as any failed commit, so history stops being written (2^40
// messages at a million a second take 12 days in one room).
// Keys never change (VACUUM keeps INTEGER PRIMARY KEY values), so the index
// stays valid whatever is vacuumed or pruned.
//
// Writes: append() and setTopic() only queue, submit() wakes the writer (once
// per hub turn: a wake-up per message cost the hub's thread more than the
// writer's SQLite work), flush() and close() wake it too; ONE writer thread
// ("hist-writer", scheduled SCHED_BATCH: its wake-ups never preempt the
// hub's loop, so under load it finds more queued; threads/ThisThread.hpp) commits
// everything queued when a commit starts in one transaction (group commit),
// then publishes each room's committed seq, signals commitFd() and prunes
// (retention) in bounded batches. Indexing for search is off that path
// (indexing row by row in each commit cost more than everything else the
// writer does): the writer indexes committed messages in slices of
// indexSlice messages of one room (rooms in turn) once its queue has been empty
// for 10 ms, or after each commit while the backlog is at least indexMaxLag;
// search matches the room's committed messages not yet indexed one by one
// (SearchQuery::matches), so results never miss a committed message. The database runs in WAL mode
// with synchronous=NORMAL: a committed transaction survives a crash (kill -9) of the hub process,
// but the last transactions before an OS crash or power loss may be lost (the file stays
// consistent).
//
// Reads: after() and tail() run on the caller's thread with a second
// connection beside the writer (WAL lets it read while the writer writes),
// and merge messages appended but not yet committed, kept in memory until
// their commit. They read a range of blocks (BlockScan.hpp) and parse only
// the messages in range.
//
// Searches may read far more: a word found in a million messages of other
// rooms, or a search without FTS5, which matches every message of the room.
// So the hub's searches run on a search thread with a third connection
// (startSearch(), finishedSearches(), searchFd()); search() itself still
// answers on the caller's thread (tests, tools). Hits come from the index
// in key order, newest first, within the room's range of keys (FTS5 walks
// a rowid range), so a rare word is found without walking the room or other
// rooms' hits: ordering by seq made SQLite walk every message of the room
// and test each against the index (15-19 s for a rare word over a million
// messages).
//
// Threading: one owner thread (the hub's) calls everything, except
// committedSeq(), commitFd() and searchFd(), which are thread safe. The
// writer and search threads are private; what they share with the owner is
// in LockGuarded state.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "hermes/hub/HistoryStore.hpp"
#include "hermes/hub/NameMap.hpp"
#include "hermes/hub/WalCheckpointer.hpp"
#include "hermes/threads/LockGuarded.hpp"

namespace Poco::Data {
class Session;
}

namespace hermes::hub {

// The database could not be opened, created, migrated or written: names the
// file and SQLite's words.
class HistoryOpenError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

struct SqliteHistoryOptions {
    std::string path;                     // history.path
    std::size_t maxMessagesPerRoom = 0;   // history.max_messages_per_room (0 = unlimited)
    std::chrono::milliseconds maxAge{0};  // history.max_age_days (0 = unlimited)
    // How often the writer looks for messages past maxAge.
    std::chrono::milliseconds agePruneInterval{60'000};
    bool useFts = true;  // false: match every message (no FTS5) even if FTS5 is there (tests)
    // Messages one indexing transaction adds to the FTS index: small enough
    // (~0.7 ms) that a commit arriving meanwhile barely waits.
    std::size_t indexSlice = 256;
    // Backlog of unindexed messages at which the writer indexes a slice after
    // every commit although more commits are queued; bounds what a search
    // matches one by one (at this bound a search for a word found nowhere
    // reads 1,048,576 messages: ~0.5 s on the search thread, the hub's loop
    // untouched). Large enough that a flood of 500,000 messages (T1 at 50 M
    // deliveries) is indexed after it, not during it: indexing costs the
    // writer ~1.4 us a message, more than its commits (docs/PERFORMANCE.md
    // "Batch threads, and indexing after the flood").
    std::size_t indexMaxLag = 1048576;
    // false: index only past indexMaxLag (tests of the unindexed path).
    bool indexWhenIdle = true;
    // Wall clock for age retention, ms since the Unix epoch (tests inject one).
    std::function<std::int64_t()> wallClock;
    // The hub's searches run on the store's search thread (false: on the
    // hub's thread, as search() does).
    bool searchInBackground = true;
};

class SqliteHistory : public HistoryStore {
public:
    static constexpr int kSchemaVersion = 8;
    // Messages one retention step deletes at most (whole blocks, so a block
    // more), so a commit never waits long.
    static constexpr std::size_t kPruneBatch = 1000;

    // Opens (creating and migrating) the database. Throws HistoryOpenError.
    explicit SqliteHistory(SqliteHistoryOptions options);
    // close().
    ~SqliteHistory() override;
    SqliteHistory(const SqliteHistory&) = delete;
    SqliteHistory& operator=(const SqliteHistory&) = delete;

    void append(const hermes::v1::ChatMessage& message) override;
    // The author is kept beside the message in its block (schema version 6
    // on). A DELETE erases the text of its message and of its edits in the
    // same commit, in their blocks and the search index.
    void appendAuthored(const hermes::v1::ChatMessage& message, std::string_view author) override;
    std::vector<std::pair<hermes::v1::ChatMessage, std::string>> authoredTail(
        std::string_view room, std::size_t count) const override;
    HistorySlice after(std::string_view room, std::uint64_t afterSeq,
                       std::size_t limit) const override;
    std::vector<hermes::v1::ChatMessage> tail(std::string_view room,
                                              std::size_t count) const override;
    std::uint64_t lastSeq(std::string_view room) const override;

    bool synchronous() const override { return false; }
    bool persistent() const override { return true; }
    std::uint64_t committedSeq(std::string_view room) const override;
    int commitFd() const override { return commitFd_; }
    LatencyHistogram commitLatency() const override;
    std::uint64_t backlog() const override;
    void submit() override;
    void flush() override;

    std::vector<StoredRoom> rooms() const override { return restoredRooms_; }
    std::vector<StoredFile> fileReferences() const override;
    std::vector<std::pair<std::string, std::uint64_t>> takePruned() override;
    void setTopic(const StoredRoom& room) override;
    std::vector<WaitingMessage> waiting() const override { return waitingAtOpen_; }
    void addWaiting(const WaitingMessage& waiting) override;
    void removeWaiting(const WaitingMessage& waiting) override;
    SearchHits search(std::string_view room, std::string_view query, std::size_t limit,
                      std::uint64_t beforeSeq) const override;
    bool searchesInBackground() const override { return options_.searchInBackground; }
    void startSearch(SearchJob job) override;
    std::vector<FinishedSearch> finishedSearches() override;
    int searchFd() const override { return searchFd_; }

    // Drains the queue, commits, stops the writer and closes the database.
    // Idempotent.
    void close();

    const std::string& path() const { return options_.path; }
    bool ftsAvailable() const { return fts_; }
    // Messages in the database when it was opened.
    std::uint64_t restoredMessages() const { return restoredMessages_; }
    // Messages retention has deleted since open (thread safe).
    std::uint64_t prunedMessages() const;
    // Committed messages not yet in the FTS index (thread safe; 0 without FTS5).
    std::uint64_t unindexedMessages() const;

private:
    using MessagePtr = std::shared_ptr<const hermes::v1::ChatMessage>;
    // A committed message's object, handed back for append() to copy the next
    // message into (its strings keep their capacity). Without it every
    // append allocated the message and its strings on the hub's thread and
    // the writer freed them on its own: each malloc then took glibc's slow
    // path, about a fifth of the hub thread's time in T1 with persistence.
    using MessageSlot = std::shared_ptr<hermes::v1::ChatMessage>;
    // Spare objects kept at most (more than the messages a T1 run has in
    // flight: 100 senders x 16).
    static constexpr std::size_t kSpareMessages = 4096;
    struct Work {
        MessagePtr message;  // or, when null, a waiting row or else a topic
        StoredRoom topic;
        std::optional<WaitingMessage> waiting;
        bool addWaiting = false;  // else the row is removed
        std::string author;       // a message's: HistoryStore::appendAuthored
    };
    void queueWaiting(const WaitingMessage& waiting, bool add);
    template <typename T>
    using RoomMap = NameMap<T>;

    void openDatabase();
    void migrate(Poco::Data::Session& session);
    void loadRooms();
    struct Writer;  // the writer thread's statements and retention state
    void writerLoop();
    bool commitBatch(Writer& writer, std::vector<Work>& batch);
    bool pruneStep(Writer& writer, std::int64_t nowMs);
    struct Block {  // a `blocks` row read to be pruned
        std::int64_t id = 0;
        std::uint64_t lastSeq = 0;
        std::string data;
    };
    struct Pruned {
        std::size_t deleted = 0;
        std::uint64_t highest = 0;  // the newest seq deleted
        bool more = false;          // the step stopped at its batch
    };
    Pruned pruneRoom(Writer& writer, const std::string& room, std::uint64_t boundSeq,
                     std::int64_t before);
    bool indexStep(Writer& writer, bool idle);
    std::vector<MessagePtr> pendingAfter(std::string_view room, std::uint64_t afterSeq) const;
    std::vector<hermes::v1::ChatMessage> query(std::string_view room, std::uint64_t afterSeq,
                                               std::uint64_t beforeSeq, std::size_t limit,
                                               bool newestFirst,
                                               std::vector<std::string>* authors = nullptr) const;
    std::vector<hermes::v1::ChatMessage> queryWith(
        Poco::Data::Session& db, std::string_view room, std::uint64_t afterSeq,
        std::uint64_t beforeSeq, std::size_t limit, bool newestFirst,
        std::vector<std::string>* authors = nullptr) const;
    // The search thread's read of a sign-in's waiting messages (SearchJob::waited).
    std::vector<hermes::v1::ChatMessage> readWaited(const std::vector<WaitingMessage>& waited);
    std::uint64_t firstStoredSeq(std::string_view room) const;
    SearchHits searchWith(Poco::Data::Session& db, std::string_view room, std::string_view query,
                          std::size_t limit, std::uint64_t beforeSeq) const;
    void searchLoop();
    void signalCommit();

    SqliteHistoryOptions options_;
    std::unique_ptr<Poco::Data::Session> writer_;  // writer thread once started
    std::unique_ptr<Poco::Data::Session> reader_;  // owner thread
    std::unique_ptr<WalCheckpointer> checkpointer_;
    bool index_ = false;  // the FTS5 index exists and is kept (writer thread)
    bool fts_ = false;    // search uses it (index_ && options_.useFts)
    // Each stored room's id and progress, for the writer thread's start.
    struct RoomProgress {
        std::string name;
        std::int64_t id = 0;
        std::uint64_t last = 0;
        std::uint64_t indexed = 0;
    };
    std::vector<RoomProgress> progressAtOpen_;
    int commitFd_ = -1;
    std::vector<StoredRoom> restoredRooms_;
    std::vector<WaitingMessage> waitingAtOpen_;
    std::uint64_t restoredMessages_ = 0;
    RoomMap<std::uint64_t> lastSeqs_;  // owner thread
    bool wakeWanted_ = false;          // owner thread: appended since the last submit()
    std::vector<MessageSlot> spare_;   // owner thread: taken from Shared::spare in one swap

    // What the owner and the writer share.
    struct Shared {
        std::vector<Work> queue;
        RoomMap<std::uint64_t> committedSeqs;
        RoomMap<std::deque<MessagePtr>> pending;  // appended, not yet committed
        std::vector<MessageSlot> spare;           // committed, no longer referenced
        std::uint64_t appended = 0;
        std::uint64_t committedCount = 0;
        LatencyHistogram commitLatency;  // each commitBatch() that succeeded
        std::uint64_t pruned = 0;
        std::map<std::string, std::uint64_t> prunedTo;  // since takePruned(): room -> highest seq
        std::uint64_t unindexed = 0;
        bool stopping = false;
        bool writerFailed = false;  // gave up on a batch while stopping
    };
    threads::LockGuarded<Shared> shared_;
    std::condition_variable wake_;       // writer: work queued or stop
    std::condition_variable committed_;  // flush(): a commit happened

    // What the owner and the search thread share.
    struct Searches {
        std::deque<SearchJob> jobs;
        std::vector<FinishedSearch> done;
        bool stopping = false;
    };
    threads::LockGuarded<Searches> searches_;
    std::condition_variable searchWake_;
    std::unique_ptr<Poco::Data::Session> searcher_;  // the search thread's
    int searchFd_ = -1;

    std::thread writerThread_;
    std::thread searchThread_;
    bool closed_ = false;
};

}  // namespace hermes::hub

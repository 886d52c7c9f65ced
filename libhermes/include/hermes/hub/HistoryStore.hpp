#pragma once
// Where a hub keeps the messages of its rooms: the in-memory ring
// (MemoryHistory, tests and --no-persist) or SQLite (SqliteHistory, hermesd's
// default).
//
// A store is synchronous (MemoryHistory) when append() has made the message
// as durable as the store will ever make it before it returns; the hub then
// sends the message at once. An asynchronous store (SqliteHistory) commits
// later on a thread of its own: the hub holds the message's frame until
// committedSeq() reaches it, and the edge learns of commits by watching
// commitFd() (readable after each commit) and calling Hub::storeCommitted().
//
// Reads (after, tail, search) run on the hub's thread, except a store's
// searches in the background: a store whose search() may take long (a big
// database: a search over a million messages) says so with
// searchesInBackground(); the hub then hands it the search with
// startSearch(), its loop goes on, and it takes the answer from
// finishedSearches() when searchFd() becomes readable (Hub::storeReadsDone).
// Such a store reads a sign-in's waiting messages the same way (a SearchJob
// with `waited`): up to private.max_waiting point reads, kept off the loop.
//
// Threading: the hub's thread only, except committedSeq(), commitFd() and
// searchFd(), which are thread safe in every implementation.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "hermes/hub/LatencyHistogram.hpp"
#include "hermes/v1/hermes.pb.h"

namespace hermes::hub {

struct HistorySlice {
    std::vector<hermes::v1::ChatMessage> messages;  // ascending seq
    // Set when seqs in (afterSeq, first returned) are gone: [first, last].
    std::optional<std::pair<std::uint64_t, std::uint64_t>> gap;
    bool hasMore = false;  // more messages exist after the last returned
};

// What a store remembers of a room across restarts.
struct StoredRoom {
    std::string name;
    std::uint64_t lastSeq = 0;
    std::string topic;
    std::string topicSetBy;
    std::int64_t topicTimeMs = 0;
};

struct SearchHits {
    std::vector<hermes::v1::ChatMessage> messages;  // newest first
    bool hasMore = false;                           // older matches exist
};

// A private message kept for an offline account until it signs in
// (Conversations.hpp): the message itself is in its conversation's history.
struct WaitingMessage {
    std::string recipient;     // protocol::nickKey of the account
    std::string conversation;  // the conversation's key, as the store names it
    std::uint64_t seq = 0;     // its private_seq there
    std::int64_t timeMs = 0;   // when it was sent
};

// A search the hub wants answered in the background; `ticket` names the
// asker (the hub uses the session's id).
struct SearchJob {
    std::uint64_t ticket = 0;
    std::string room;  // canonical, or a conversation's key
    std::string peer;  // a conversation's search: the peer as asked (else empty)
    std::string query;
    std::size_t limit = 0;
    std::uint64_t beforeSeq = 0;  // 0 = no bound
    // Not empty: no search but a read of these messages (a sign-in's waiting
    // messages, Conversations.hpp), each from its conversation, into
    // SearchHits.messages in this order; one that history no longer has is
    // left out. The other fields but `ticket` are unused.
    std::vector<WaitingMessage> waited;
};

struct FinishedSearch {
    SearchJob job;
    SearchHits hits;
};

// A FILE message the store keeps (HistoryStore::fileReferences).
struct StoredFile {
    std::string room;
    std::uint64_t seq = 0;
    hermes::v1::FileInfo file;
};

class HistoryStore {
public:
    virtual ~HistoryStore() = default;
    // Stores a stamped message; seq is the room's next, gapless.
    virtual void append(const hermes::v1::ChatMessage& message) = 0;
    // append() and who wrote it (MessageLedger::authorOf): the account its
    // sender was signed in to, empty when none; a REACT or UNREACT: its
    // `reactor`. A store that persists keeps it, so a restarted hub knows
    // who may edit (authoredTail()); the others forget it. A DELETE erases
    // the text of the message it names (and of that message's edits) in a
    // store that keeps text, and search matches only a message's newest
    // text (docs/PROTOCOL.md "Replies, edits, deletes and reactions").
    virtual void appendAuthored(const hermes::v1::ChatMessage& message,
                                std::string_view /*author*/) {
        append(message);
    }
    // Messages of `room` with seq > afterSeq, at most `limit`, oldest first.
    virtual HistorySlice after(std::string_view room, std::uint64_t afterSeq,
                               std::size_t limit) const = 0;
    // The newest `count` messages of `room`, oldest first.
    virtual std::vector<hermes::v1::ChatMessage> tail(std::string_view room,
                                                      std::size_t count) const = 0;
    // tail() with each message's author as appendAuthored() was given it
    // (empty when the store does not keep it): MessageLedger::restore().
    virtual std::vector<std::pair<hermes::v1::ChatMessage, std::string>> authoredTail(
        std::string_view room, std::size_t count) const {
        std::vector<std::pair<hermes::v1::ChatMessage, std::string>> out;
        for (hermes::v1::ChatMessage& m : tail(room, count)) {
            std::string author = m.reactor();
            out.emplace_back(std::move(m), std::move(author));
        }
        return out;
    }
    // The highest seq stored for `room`, 0 if none: a restarted hub resumes after it.
    virtual std::uint64_t lastSeq(std::string_view room) const = 0;

    // --- durability (defaults: a synchronous store) -------------------------

    // True when append() is as durable as it gets on return: nothing is held.
    virtual bool synchronous() const { return true; }
    // True when what is stored survives a restart of the hub, so rooms' seqs
    // continue across epochs (told to clients in Welcome.durable_history).
    virtual bool persistent() const { return false; }
    // Thread safe. The highest seq of `room` that is committed.
    virtual std::uint64_t committedSeq(std::string_view room) const { return lastSeq(room); }
    // Thread safe. An eventfd (a counter) that becomes readable after each
    // commit; the watcher reads it to reset it. -1 for a synchronous store.
    virtual int commitFd() const { return -1; }
    // An asynchronous store's commits so far: how long each took, from its
    // BEGIN to its COMMIT returning (the fsync included). Thread safe: the
    // metrics read it. Empty for a synchronous store.
    virtual LatencyHistogram commitLatency() const { return {}; }
    // Writes queued to an asynchronous store and not yet committed (thread
    // safe). 0 for a synchronous store.
    virtual std::uint64_t backlog() const { return 0; }
    // Hands what append() and setTopic() took since the last call to the
    // store's writer. The hub calls it at the end of each turn (Hub::flush()
    // and Hub::tick()), so that a turn's messages cost one wake-up of the
    // writer, not one each.
    virtual void submit() {}
    // Blocks until everything appended so far is committed (shutdown).
    virtual void flush() {}

    // --- rooms and search ----------------------------------------------------

    // The rooms known when the store was opened (a restarted hub restores them).
    virtual std::vector<StoredRoom> rooms() const { return {}; }
    // Every stored FILE message not deleted: its room, seq and file (the
    // hub's file store keeps the files these name and removes the rest at
    // start; a download by seq is looked up among them).
    virtual std::vector<StoredFile> fileReferences() const { return {}; }
    // Thread safe. The rooms retention pruned since the last call, each with
    // the highest seq it removed (every message up to it is gone): the hub
    // forgets the FILE messages among them.
    virtual std::vector<std::pair<std::string, std::uint64_t>> takePruned() { return {}; }
    // Records a room's topic so that it survives a restart.
    virtual void setTopic(const StoredRoom& /*room*/) {}
    // Messages of `room` with seq < beforeSeq (0 = no bound) containing every
    // word of `query`, newest first, at most `limit`.
    virtual SearchHits search(std::string_view room, std::string_view query, std::size_t limit,
                              std::uint64_t beforeSeq) const = 0;

    // --- private messages waiting for their recipient (defaults: none kept) ------

    // What waited when the store was opened, oldest first (a restarted hub
    // delivers it). A store that does not persist keeps none.
    virtual std::vector<WaitingMessage> waiting() const { return {}; }
    // Queued as append() is, in order with it: committed in the same group
    // commit as the message, or a later one.
    virtual void addWaiting(const WaitingMessage& /*waiting*/) {}
    // Delivered (or expired): not delivered again after a restart.
    virtual void removeWaiting(const WaitingMessage& /*waiting*/) {}

    // --- searches in the background (defaults: none) ---------------------------

    virtual bool searchesInBackground() const { return false; }
    // Queues `job` for the store's own thread; called only if
    // searchesInBackground().
    virtual void startSearch(SearchJob /*job*/) {}
    // The searches finished since the last call, in the order they finished.
    virtual std::vector<FinishedSearch> finishedSearches() { return {}; }
    // Thread safe. An eventfd readable after each finished search; -1 if none.
    virtual int searchFd() const { return -1; }
};

}  // namespace hermes::hub

#pragma once
// Files moving through the hub (docs/HUB.md "Files"), and the only writer of
// their state: the file store's index (hermes::files::FileStore: which
// content is stored, the quota), the file thread (FileWorker: every disk
// access), the uploads under way (bytes taken, written and acknowledged,
// the byte pacing of each session's acknowledgements), each session's
// downloads (what it fetches, the next offset, the chunks read ahead), and
// each live FILE message by room and seq (who may fetch what).
//
// Transfers never touch a room's output: chunks are private frames, no seq,
// no fan-out. An upload's chunks take no token of the message rate (Intake);
// their own rate is the pacing of FileProgress here, and a client that sends
// beyond its window is a flood. A chunk is acknowledged only once the file
// thread wrote it, and an upload is announced only once its file is synced
// and renamed (commit): a slow disk slows the uploader, never the room. A
// download is pumped only while its member's queue is nearly empty (pump(),
// from Hub::takeReady) from chunks the file thread read ahead, so it holds
// at most two chunks of output and the loop only copies bytes.
//
// A FILE message deleted (forgetMessage) or pruned by retention
// (forgetPruned) can no longer be fetched, by seq or by hash through it;
// content no live message names is removed from disk and its bytes leave
// the quota.
//
// Threading: the hub's thread; the file thread is private (FileWorker).

#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "FileWorker.hpp"
#include "Session.hpp"
#include "hermes/files/FileStore.hpp"
#include "hermes/hub/HistoryStore.hpp"
#include "hermes/hub/HubConfig.hpp"
#include "hermes/v1/hermes.pb.h"

namespace Poco {
class Logger;
}

namespace hermes::hub {

class Outbox;
class SessionTable;

class Transfers {
public:
    // Opens the store (config.filesPath; none when empty) and removes what
    // no live stored message names (`announced`: each FILE message not
    // deleted, from the history). Throws std::system_error if the directory
    // cannot be made.
    Transfers(const HubConfig& config, const std::vector<StoredFile>& announced, Poco::Logger& log);
    ~Transfers();
    Transfers(const Transfers&) = delete;
    Transfers& operator=(const Transfers&) = delete;

    bool enabled() const { return store_ != nullptr; }
    std::size_t chunkBytes() const { return chunkBytes_; }
    const files::FileStore* store() const { return store_.get(); }

    // --- uploads -------------------------------------------------------------------

    // An upload's id is its session's own count (1, 2, ...): it tells a
    // client nothing of other sessions' uploads.
    using UploadKey = std::pair<SessionId, std::uint64_t>;
    struct Upload {
        std::uint64_t id = 0;
        SessionId session = 0;
        std::string room;  // canonical
        std::uint64_t clientMsgId = 0;
        v1::FileInfo file;
        std::uint64_t handle = 0;    // the file thread's name for it
        std::uint64_t received = 0;  // bytes of chunks taken (handed to the file thread)
        std::uint64_t written = 0;   // bytes the file thread wrote
        std::uint64_t acked = 0;
        bool committing = false;  // all bytes in; the file thread commits it
        TimePoint lastChunk{};
    };
    // An upload whose file the file thread committed (or failed to).
    struct Committed {
        Upload upload;
        bool ok = false;
        files::FileStore::Finished finished = files::FileStore::Finished::Stored;
        std::string actual;  // the hash its bytes have
        std::string error;   // !ok: what failed
    };
    // The store holds this content already (an upload would be for nothing).
    bool stored(const v1::FileInfo& file) const;
    // Why an upload of `size` would pass the quota, if it would.
    std::optional<std::string> overQuota(std::uint64_t size) const;
    std::size_t uploadsOf(SessionId id) const;
    // Starts an upload (its temp file is made at its first bytes).
    Upload& begin(Session& s, std::string room, std::uint64_t clientMsgId, v1::FileInfo file,
                  TimePoint now);
    Upload* findUpload(std::uint64_t id, SessionId session);
    // Hands one chunk to the file thread; it is acknowledged (FileProgress,
    // paced) once written. The last one also commits the file: the caller's
    // session waits for it (Intake::awaitRead) and filesDone() answers.
    void write(Upload& upload, std::string_view data, TimePoint now);
    // Commits an upload whose bytes are all in (an empty file: at once).
    void commit(Upload& upload);
    void drop(const Upload& upload);
    // Bytes handed to the file thread and not yet written or read: past
    // files.max_queued_bytes an uploader's next frames wait.
    bool ioBusy() const;
    // `id` waits (Intake::awaitRead) until the file thread is no longer busy.
    void waitForDisk(SessionId id) { diskWaiters_.push_back(id); }
    // The sessions that waited, once the file thread is no longer busy; the
    // clocks of their uploads start again at `now`.
    std::vector<SessionId> takeDiskWaiters(TimePoint now);
    // Acknowledgements whose pacing is over go out.
    void sendDueAcks(SessionTable& sessions, Outbox& outbox, TimePoint now);
    // When sendDueAcks() has something to send next (`fallback` if nothing).
    TimePoint nextAckAt(TimePoint fallback) const;
    // Uploads silent past files.upload_timeout_ms are dropped, their owners
    // told; not those of a session waiting for the disk (its chunks wait in
    // the hub).
    void expire(SessionTable& sessions, Outbox& outbox, TimePoint now);

    // --- the file thread -------------------------------------------------------------

    int fd() const { return worker_ ? worker_->fd() : -1; }
    // Takes the file thread's results: writes acknowledged, read-ahead
    // queued, failures told; returns the commits, for the caller to announce
    // (FileRequests.cpp).
    std::vector<Committed> filesDone(SessionTable& sessions, Outbox& outbox, TimePoint now);
    // Synchronous mode (tests, fuzzer): runs up to `count` queued jobs here.
    std::size_t runQueued(std::size_t count);
    std::size_t pendingJobs() const { return worker_ ? worker_->pending() : 0; }

    // --- what was announced: who may fetch what ---------------------------------------

    void announced(const std::string& room, std::uint64_t seq, const v1::FileInfo& file);
    // A FILE message the cluster's backplane delivered (from any hub, this
    // one included): announced(), and the index takes its content if another
    // hub stored it in the shared directory. False if the content is not
    // there (a directory that is not shared): the message is announced, and
    // a download of it finds no file.
    bool announcedAcross(const std::string& room, std::uint64_t seq, const v1::FileInfo& file);
    // The hubs of the cluster share the store's directory
    // (HubConfig::clusterSharedFiles): content is removed only when this hub
    // knows no live message naming it, and a start removes no stored file.
    bool shared() const { return shared_; }
    // The file, if a live FILE message of a room `s` is in names it.
    const v1::FileInfo* readableBy(const Session& s, std::string_view sha256) const;
    // The file message `seq` of `room` names, if it is a live FILE message.
    const v1::FileInfo* atSeq(std::string_view room, std::uint64_t seq) const;
    // A FILE message was deleted: it names its file no more.
    void forgetMessage(const std::string& room, std::uint64_t seq, SessionTable& sessions,
                       Outbox& outbox);
    // Retention removed every message of `room` up to `seq`.
    void forgetPruned(const std::string& room, std::uint64_t seq, SessionTable& sessions,
                      Outbox& outbox);
    std::size_t liveMessages() const { return bySeq_.size(); }
    // Removes `sha256` from disk and the quota when no live message names it
    // and no upload of it is under way (its downloads end: NO_SUCH_FILE).
    void releaseIfUnnamed(const std::string& sha256, SessionTable& sessions, Outbox& outbox);

    // --- downloads -------------------------------------------------------------------

    // Starts a download (replacing the session's download of the same file).
    void startDownload(Session& s, const v1::FileInfo& file, std::uint64_t offset);
    // Ends the session's downloads (`sha256` empty) or its download of one file.
    void cancelDownload(SessionId id, std::string_view sha256 = {});
    std::size_t downloadsOf(SessionId id) const;
    bool downloading(SessionId id, std::string_view sha256) const;
    // Queues the next chunks of each download whose member's queue is nearly
    // empty. Not while `paused` (the output budget holds input).
    void pump(SessionTable& sessions, Outbox& outbox, bool paused, TimePoint now);
    // A download could take a chunk now: the edge should come back at once.
    bool wantsTurn(const SessionTable& sessions, TimePoint now) const;
    // When a download paced by files.download_bytes_per_second may go on.
    TimePoint nextDownloadAt(TimePoint now, TimePoint fallback) const;

    // --- the session's end --------------------------------------------------------------

    // Its uploads dropped (temp files removed), its downloads ended.
    void forget(SessionId id);

    std::size_t uploadCount() const { return uploads_.size(); }
    // The sessions with an upload or a download (for the invariants' check).
    std::vector<SessionId> sessionsHeld() const;
    // Bytes the uploads under way reserve against files.quota_bytes.
    std::uint64_t reservedBytes() const;
    std::size_t downloadCount() const { return downloads_.size(); }

private:
    struct Download {
        std::uint64_t handle = 0;
        SessionId session = 0;
        v1::FileInfo file;
        std::uint64_t next = 0;         // the next offset to send
        std::uint64_t requested = 0;    // the next offset to ask the file thread for
        std::deque<std::string> ready;  // read ahead: the chunks from `next` on
        bool first = true;
    };
    struct Pacing {
        TimePoint freeAt{};  // when the bytes acknowledged so far are paid for
    };
    using MessageKey = std::pair<std::string, std::uint64_t>;  // room, seq

    void sendProgress(Session& s, const Upload& upload, Outbox& outbox);
    void paceAck(Session& s, Upload& upload, std::uint64_t bytes, Outbox& outbox, TimePoint now);
    void readAhead(Download& download);
    void endDownload(std::map<std::uint64_t, Download>::iterator it);
    // Removes `sha256` from the disk and the quota when no live message names
    // it and no upload of it is under way.
    void removeIfUnnamed(const std::string& sha256);

    const HubConfig& config_;
    Poco::Logger& log_;
    std::unique_ptr<files::FileStore> store_;
    std::unique_ptr<FileWorker> worker_;
    std::size_t chunkBytes_;
    bool shared_ = false;
    std::uint64_t nextHandle_ = 0;
    std::unordered_map<SessionId, std::uint64_t> uploadsBegun_;  // per session, the last id
    std::map<UploadKey, Upload> uploads_;
    std::unordered_map<std::uint64_t, UploadKey> uploadHandles_;
    std::unordered_map<SessionId, Pacing> pacing_;
    // Acknowledgements due: when, the upload's id and the bytes they acknowledge.
    std::multimap<TimePoint, std::pair<UploadKey, std::uint64_t>> dueAcks_;
    std::map<std::uint64_t, Download> downloads_;  // by handle
    // files.download_bytes_per_second, per session over its downloads: when
    // the bytes sent so far are paid for.
    std::unordered_map<SessionId, TimePoint> downloadPacing_;
    // Each live FILE message, by room and seq: the file it names, under the
    // name and type it was shared under there (a member of one room never
    // learns what another room called it).
    std::map<MessageKey, v1::FileInfo> bySeq_;
    // The live messages naming each content.
    std::map<std::string, std::set<MessageKey>, std::less<>> named_;
    std::vector<SessionId> diskWaiters_;
    v1::Envelope scratch_;
};

}  // namespace hermes::hub

#include "Transfers.hpp"

#include <algorithm>
#include <exception>
#include <set>

#include <Poco/Logger.h>

#include "Outbox.hpp"
#include "SessionTable.hpp"
#include "hermes/protocol/FileRules.hpp"

namespace hermes::hub {

namespace {

// Chunks a download keeps read ahead (or asked for) beyond the one it sends.
constexpr std::uint64_t kReadAheadChunks = 4;

Clock::duration costOf(std::uint64_t bytes, std::uint64_t perSecond) {
    return std::chrono::duration_cast<Clock::duration>(
        std::chrono::duration<double>(static_cast<double>(bytes) / static_cast<double>(perSecond)));
}

// Uploads under way are this hub's: in a shared directory each hub has its
// own temp directory, so that no hub's start sweeps another's uploads.
std::string tempDirectory(const HubConfig& config) {
    if (!config.cluster || !config.clusterSharedFiles) {
        return "tmp";
    }
    std::string name = config.clusterHubName;
    std::replace(name.begin(), name.end(), '/', '_');
    return "tmp/" + (name.empty() || name == "." || name == ".." ? "hub" : name);
}

}  // namespace

Transfers::Transfers(const HubConfig& config, const std::vector<StoredFile>& announced,
                     Poco::Logger& log)
    : config_(config), log_(log), chunkBytes_(protocol::chunkBytesFor(config.maxFrameBytes)) {
    if (config.filesPath.empty()) {
        return;
    }
    shared_ = config.cluster && config.clusterSharedFiles;
    store_ = std::make_unique<files::FileStore>(config.filesPath, tempDirectory(config));
    worker_ = std::make_unique<FileWorker>(*store_, config.fileWorkerThread);
    std::set<std::string, std::less<>> referenced;
    for (const StoredFile& stored : announced) {
        referenced.insert(stored.file.sha256());
        this->announced(stored.room, stored.seq, stored.file);
    }
    if (shared_) {
        // A file no message here names may be another hub's, announced in
        // entries this hub has yet to read: only this hub's temp files go.
        const std::size_t removed = store_->sweepTemp();
        log_.information(
            "file store %s, shared by the cluster's hubs: %z files, %?u bytes (%z unfinished "
            "uploads of this hub removed)",
            store_->directory(), store_->count(), store_->usedBytes(), removed);
        return;
    }
    const std::size_t removed = store_->sweep(referenced);
    log_.information("file store %s: %z files, %?u bytes (%z removed: no message names them)",
                     store_->directory(), store_->count(), store_->usedBytes(), removed);
}

// The worker goes first: its thread may be using the store.
Transfers::~Transfers() {
    worker_.reset();
}

// --- uploads ---------------------------------------------------------------------------------

bool Transfers::stored(const v1::FileInfo& file) const {
    const auto size = store_->size(file.sha256());
    return size && *size == file.size();
}

std::uint64_t Transfers::reservedBytes() const {
    std::uint64_t bytes = 0;
    for (const auto& [id, upload] : uploads_) {
        bytes += upload.file.size();
    }
    return bytes;
}

std::vector<SessionId> Transfers::sessionsHeld() const {
    std::vector<SessionId> ids;
    for (const auto& [key, upload] : uploads_) {
        ids.push_back(key.first);
    }
    for (const auto& [handle, download] : downloads_) {
        ids.push_back(download.session);
    }
    return ids;
}

std::optional<std::string> Transfers::overQuota(std::uint64_t size) const {
    const std::uint64_t used = store_->usedBytes() + reservedBytes();
    if (used + size <= config_.fileQuotaBytes) {
        return std::nullopt;
    }
    return "the hub's file store is full: " + protocol::describeSize(used) + " of " +
           protocol::describeSize(config_.fileQuotaBytes) + " used (files.quota_bytes), " +
           protocol::describeSize(size) + " more does not fit";
}

std::size_t Transfers::uploadsOf(SessionId id) const {
    return static_cast<std::size_t>(std::count_if(
        uploads_.begin(), uploads_.end(), [id](const auto& u) { return u.second.session == id; }));
}

Transfers::Upload& Transfers::begin(Session& s, std::string room, std::uint64_t clientMsgId,
                                    v1::FileInfo file, TimePoint now) {
    const std::uint64_t id = ++uploadsBegun_[s.id];
    Upload& upload = uploads_[{s.id, id}];
    upload.id = id;
    upload.session = s.id;
    upload.room = std::move(room);
    upload.clientMsgId = clientMsgId;
    upload.file = std::move(file);
    upload.handle = ++nextHandle_;
    upload.lastChunk = now;
    uploadHandles_.emplace(upload.handle, UploadKey{s.id, id});
    return upload;
}

Transfers::Upload* Transfers::findUpload(std::uint64_t id, SessionId session) {
    auto it = uploads_.find({session, id});
    return it == uploads_.end() ? nullptr : &it->second;
}

void Transfers::sendProgress(Session& s, const Upload& upload, Outbox& outbox) {
    outbox.reply(s, [&](v1::Envelope& out) {
        auto* progress = out.mutable_file_progress();
        progress->set_upload_id(upload.id);
        progress->set_received(upload.acked);
    });
}

void Transfers::write(Upload& upload, std::string_view data, TimePoint now) {
    FileJob job;
    job.kind = FileJobKind::Append;
    job.handle = upload.handle;
    job.sha256 = upload.file.sha256();
    job.size = upload.file.size();
    job.data.assign(data);
    worker_->submit(std::move(job));
    upload.received += data.size();
    upload.lastChunk = now;
    if (upload.received == upload.file.size()) {
        commit(upload);
    }
}

void Transfers::commit(Upload& upload) {
    FileJob job;
    job.kind = FileJobKind::Commit;
    job.handle = upload.handle;
    job.sha256 = upload.file.sha256();
    job.size = upload.file.size();
    worker_->submit(std::move(job));
    upload.committing = true;
}

bool Transfers::ioBusy() const {
    return worker_ && worker_->queuedBytes() > config_.maxQueuedFileBytes;
}

std::vector<SessionId> Transfers::takeDiskWaiters(TimePoint now) {
    std::vector<SessionId> ready;
    if (!ioBusy()) {
        ready.swap(diskWaiters_);
    }
    if (ready.empty()) {
        return ready;
    }
    // Their chunks waited for the hub, not the uploader: each upload's
    // clock (files.upload_timeout_ms) starts again now.
    for (auto& [key, upload] : uploads_) {
        if (std::find(ready.begin(), ready.end(), upload.session) != ready.end()) {
            upload.lastChunk = std::max(upload.lastChunk, now);
        }
    }
    return ready;
}

// A virtual clock per session: each chunk written costs bytes / rate; the
// acknowledgement goes when the clock says its bytes are paid for. A window
// may come at once (the clock may lag `now` by the window's worth).
void Transfers::paceAck(Session& s, Upload& upload, std::uint64_t bytes, Outbox& outbox,
                        TimePoint now) {
    if (upload.written == upload.file.size()) {
        return;  // the FILE message (or an Error) is the answer
    }
    if (config_.uploadBytesPerSecond == 0) {
        upload.acked = upload.written;
        sendProgress(s, upload, outbox);
        return;
    }
    const auto cost = costOf(bytes, config_.uploadBytesPerSecond);
    const auto burst = costOf(config_.fileWindowBytes, config_.uploadBytesPerSecond);
    Pacing& pacing = pacing_[s.id];
    pacing.freeAt = std::max(pacing.freeAt, now - burst) + cost;
    if (pacing.freeAt <= now) {
        upload.acked = upload.written;
        sendProgress(s, upload, outbox);
        return;
    }
    dueAcks_.emplace(pacing.freeAt, std::make_pair(UploadKey{s.id, upload.id}, upload.written));
}

void Transfers::sendDueAcks(SessionTable& sessions, Outbox& outbox, TimePoint now) {
    while (!dueAcks_.empty() && dueAcks_.begin()->first <= now) {
        const auto [key, received] = dueAcks_.begin()->second;
        dueAcks_.erase(dueAcks_.begin());
        auto it = uploads_.find(key);
        if (it == uploads_.end()) {
            continue;
        }
        Upload& upload = it->second;
        Session* s = sessions.find(upload.session);
        if (s == nullptr || received <= upload.acked) {
            continue;
        }
        upload.acked = received;
        sendProgress(*s, upload, outbox);
    }
}

TimePoint Transfers::nextAckAt(TimePoint fallback) const {
    return dueAcks_.empty() ? fallback : std::min(fallback, dueAcks_.begin()->first);
}

void Transfers::drop(const Upload& upload) {
    const std::string sha256 = upload.file.sha256();
    if (!upload.committing) {
        FileJob job;
        job.kind = FileJobKind::Discard;
        job.handle = upload.handle;
        worker_->submit(std::move(job));
    }  // else: the commit's result finds no upload and lets the file go if unnamed
    uploadHandles_.erase(upload.handle);
    uploads_.erase({upload.session, upload.id});
    removeIfUnnamed(sha256);
}

void Transfers::expire(SessionTable& sessions, Outbox& outbox, TimePoint now) {
    std::vector<UploadKey> expired;
    for (const auto& [key, upload] : uploads_) {
        // An uploader waiting for the disk (waitForDisk) has its chunks
        // held by the hub: not its silence.
        if (!upload.committing && now - upload.lastChunk >= config_.uploadTimeout &&
            std::find(diskWaiters_.begin(), diskWaiters_.end(), upload.session) ==
                diskWaiters_.end()) {
            expired.push_back(key);
        }
    }
    for (const UploadKey& key : expired) {
        Upload& upload = uploads_.at(key);
        if (Session* s = sessions.find(upload.session)) {
            outbox.error(*s, v1::ERROR_CODE_UPLOAD_TIMEOUT,
                         "upload " + std::to_string(upload.id) + " of " + upload.file.name() +
                             " dropped: no chunk for " +
                             std::to_string(config_.uploadTimeout.count()) + " ms",
                         upload.room, upload.clientMsgId);
        }
        log_.information("upload %?u (%s) dropped: no chunk within the timeout", upload.id,
                         upload.file.name());
        drop(upload);
    }
}

// --- the file thread -------------------------------------------------------------------------

std::size_t Transfers::runQueued(std::size_t count) {
    return worker_ ? worker_->runQueued(count) : 0;
}

std::vector<Transfers::Committed> Transfers::filesDone(SessionTable& sessions, Outbox& outbox,
                                                       TimePoint now) {
    std::vector<Committed> commits;
    if (!worker_) {
        return commits;
    }
    for (FileResult& result : worker_->finished()) {
        switch (result.kind) {
            case FileJobKind::Append: {
                auto handle = uploadHandles_.find(result.handle);
                if (handle == uploadHandles_.end()) {
                    break;  // dropped meanwhile
                }
                Upload& upload = uploads_.at(handle->second);
                Session* s = sessions.find(upload.session);
                if (!result.ok) {
                    log_.error("upload %?u (%s) failed: %s", upload.id, upload.file.name(),
                               result.error);
                    if (s != nullptr) {
                        outbox.error(*s, v1::ERROR_CODE_INTERNAL,
                                     "upload " + std::to_string(upload.id) + " of " +
                                         upload.file.name() +
                                         " dropped: the hub cannot write it to disk",
                                     upload.room, upload.clientMsgId);
                    }
                    upload.committing = true;  // the worker kept no temp file
                    drop(upload);
                    break;
                }
                upload.written = result.offset;
                if (s != nullptr && !upload.committing) {
                    paceAck(*s, upload, result.bytes, outbox, now);
                }
                break;
            }
            case FileJobKind::Commit: {
                auto handle = uploadHandles_.find(result.handle);
                Committed done;
                done.ok = result.ok;
                done.finished = result.finished;
                done.actual = result.sha256;
                done.error = result.error;
                if (handle == uploadHandles_.end()) {
                    // Dropped while it was committed: stored, maybe named by nothing.
                    if (result.ok && result.finished != files::FileStore::Finished::Mismatch) {
                        store_->adopt(result.sha256, result.bytes);
                        removeIfUnnamed(result.sha256);
                    }
                    break;
                }
                auto it = uploads_.find(handle->second);
                done.upload = std::move(it->second);
                uploadHandles_.erase(handle);
                uploads_.erase(it);
                if (done.ok && done.finished != files::FileStore::Finished::Mismatch) {
                    store_->adopt(done.actual, done.upload.file.size());
                } else {
                    // Stored content this upload kept while its message was
                    // deleted (removeIfUnnamed waited for it) goes now.
                    removeIfUnnamed(done.upload.file.sha256());
                }
                commits.push_back(std::move(done));
                break;
            }
            case FileJobKind::Read: {
                auto it = downloads_.find(result.handle);
                if (it == downloads_.end()) {
                    break;  // ended meanwhile
                }
                Download& download = it->second;
                Session* s = sessions.find(download.session);
                const std::uint64_t expected = download.next + download.ready.size() * chunkBytes_;
                const std::uint64_t length =
                    std::min<std::uint64_t>(chunkBytes_, download.file.size() - result.offset);
                if (s == nullptr || !result.ok || result.offset != expected ||
                    result.data.size() != length) {
                    if (s != nullptr) {
                        log_.error("%s: download of %s failed: %s", SessionTable::describe(*s),
                                   download.file.sha256(),
                                   result.ok ? std::string("the file is shorter than announced")
                                             : result.error);
                        outbox.error(*s, v1::ERROR_CODE_NO_SUCH_FILE,
                                     "file " + download.file.sha256() + " is no longer stored");
                    }
                    endDownload(it);
                    break;
                }
                download.ready.push_back(std::move(result.data));
                break;
            }
            case FileJobKind::Discard:
            case FileJobKind::Close:
            case FileJobKind::Remove:
                if (!result.ok) {
                    log_.warning("file store: %s", result.error);
                }
                break;
        }
    }
    return commits;
}

// --- announcements ---------------------------------------------------------------------------

void Transfers::announced(const std::string& room, std::uint64_t seq, const v1::FileInfo& file) {
    MessageKey key{room, seq};
    v1::FileInfo& shared = bySeq_[key];
    shared = file;
    shared.clear_preview();
    named_[file.sha256()].insert(std::move(key));
}

bool Transfers::announcedAcross(const std::string& room, std::uint64_t seq,
                                const v1::FileInfo& file) {
    announced(room, seq, file);
    if (store_->size(file.sha256())) {
        return true;
    }
    // Stored by another hub: one stat, for a FILE message now and then.
    const auto size = store_->sizeOnDisk(file.sha256());
    if (!size || *size != file.size()) {
        return false;
    }
    store_->adopt(file.sha256(), *size);
    return true;
}

const v1::FileInfo* Transfers::readableBy(const Session& s, std::string_view sha256) const {
    auto it = named_.find(sha256);
    if (it == named_.end()) {
        return nullptr;
    }
    // The newest message in one of the member's rooms: its name and type.
    for (auto key = it->second.rbegin(); key != it->second.rend(); ++key) {
        for (const auto& membership : s.rooms) {
            if (membership.room->name == key->first) {
                return &bySeq_.at(*key);
            }
        }
    }
    return nullptr;
}

const v1::FileInfo* Transfers::atSeq(std::string_view room, std::uint64_t seq) const {
    auto it = bySeq_.find(MessageKey{std::string(room), seq});
    return it == bySeq_.end() ? nullptr : &it->second;
}

void Transfers::forgetMessage(const std::string& room, std::uint64_t seq, SessionTable& sessions,
                              Outbox& outbox) {
    auto it = bySeq_.find(MessageKey{room, seq});
    if (it == bySeq_.end()) {
        return;
    }
    const std::string sha256 = it->second.sha256();
    if (auto named = named_.find(sha256); named != named_.end()) {
        named->second.erase(it->first);
        if (named->second.empty()) {
            named_.erase(named);
        }
    }
    bySeq_.erase(it);
    releaseIfUnnamed(sha256, sessions, outbox);
}

void Transfers::forgetPruned(const std::string& room, std::uint64_t seq, SessionTable& sessions,
                             Outbox& outbox) {
    std::vector<std::uint64_t> gone;
    for (auto it = bySeq_.lower_bound(MessageKey{room, 0});
         it != bySeq_.end() && it->first.first == room && it->first.second <= seq; ++it) {
        gone.push_back(it->first.second);
    }
    for (const std::uint64_t message : gone) {
        forgetMessage(room, message, sessions, outbox);
    }
}

void Transfers::releaseIfUnnamed(const std::string& sha256, SessionTable& sessions,
                                 Outbox& outbox) {
    if (named_.contains(sha256)) {
        return;
    }
    // Its downloads end at once: no message names it any more.
    for (auto it = downloads_.begin(); it != downloads_.end();) {
        auto next = std::next(it);
        if (it->second.file.sha256() == sha256) {
            if (Session* s = sessions.find(it->second.session)) {
                outbox.error(*s, v1::ERROR_CODE_NO_SUCH_FILE,
                             "file " + sha256 + " was deleted; its download ended");
            }
            endDownload(it);
        }
        it = next;
    }
    removeIfUnnamed(sha256);
}

void Transfers::removeIfUnnamed(const std::string& sha256) {
    if (named_.contains(sha256) || !store_->size(sha256)) {
        return;
    }
    for (const auto& [key, upload] : uploads_) {
        if (upload.file.sha256() == sha256) {
            return;  // its commit may name it again; its end comes back here
        }
    }
    store_->forget(sha256);
    FileJob job;
    job.kind = FileJobKind::Remove;
    job.sha256 = sha256;
    worker_->submit(std::move(job));
    log_.information("file %s removed: no message names it any more", sha256);
}

// --- downloads -------------------------------------------------------------------------------

void Transfers::startDownload(Session& s, const v1::FileInfo& file, std::uint64_t offset) {
    cancelDownload(s.id, file.sha256());  // a resume replaces it
    Download& download = downloads_[++nextHandle_];
    download.handle = nextHandle_;
    download.session = s.id;
    download.file = file;
    download.file.clear_preview();
    download.next = offset;
    download.requested = offset;
    download.first = true;
    readAhead(download);
}

std::size_t Transfers::downloadsOf(SessionId id) const {
    return static_cast<std::size_t>(
        std::count_if(downloads_.begin(), downloads_.end(),
                      [id](const auto& d) { return d.second.session == id; }));
}

bool Transfers::downloading(SessionId id, std::string_view sha256) const {
    return std::any_of(downloads_.begin(), downloads_.end(), [&](const auto& d) {
        return d.second.session == id && d.second.file.sha256() == sha256;
    });
}

// Keeps kReadAheadChunks asked for or read beyond what was sent.
void Transfers::readAhead(Download& download) {
    const std::uint64_t size = download.file.size();
    while (download.requested < size &&
           download.requested - download.next < kReadAheadChunks * chunkBytes_) {
        FileJob job;
        job.kind = FileJobKind::Read;
        job.handle = download.handle;
        job.sha256 = download.file.sha256();
        job.offset = download.requested;
        job.size = std::min<std::uint64_t>(chunkBytes_, size - download.requested);
        download.requested += job.size;
        worker_->submit(std::move(job));
    }
}

void Transfers::endDownload(std::map<std::uint64_t, Download>::iterator it) {
    FileJob job;
    job.kind = FileJobKind::Close;
    job.handle = it->first;
    worker_->submit(std::move(job));
    downloads_.erase(it);
}

void Transfers::cancelDownload(SessionId id, std::string_view sha256) {
    for (auto it = downloads_.begin(); it != downloads_.end();) {
        auto next = std::next(it);
        if (it->second.session == id && (sha256.empty() || it->second.file.sha256() == sha256)) {
            endDownload(it);
        }
        it = next;
    }
}

void Transfers::pump(SessionTable& sessions, Outbox& outbox, bool paused, TimePoint now) {
    if (paused || downloads_.empty()) {
        return;
    }
    const auto burst = config_.downloadBytesPerSecond == 0
                           ? Clock::duration::zero()
                           : costOf(2 * chunkBytes_, config_.downloadBytesPerSecond);
    for (auto it = downloads_.begin(); it != downloads_.end();) {
        auto next = std::next(it);
        Download& download = it->second;
        Session* s = sessions.find(download.session);
        if (s == nullptr || s->who.closing()) {
            endDownload(it);
            it = next;
            continue;
        }
        const std::uint64_t size = download.file.size();
        TimePoint& freeAt = downloadPacing_[s->id];
        bool done = download.next >= size && !download.first;
        // At most two chunks queued: the member's own frames and its rooms'
        // come between them, and its output stays small. Past the session's
        // rate, the chunk waits for its time (nextDownloadAt).
        for (int round = 0; round < 2 && !done && s->out.queue().size() < chunkBytes_ &&
                            (download.next == size || !download.ready.empty()) && freeAt <= now;
             ++round) {
            // Nothing left to read (an empty file, a resume at its end): one
            // empty chunk carries the FileInfo.
            std::string chunk;
            if (download.next < size) {
                chunk = std::move(download.ready.front());
                download.ready.pop_front();
            }
            scratch_.Clear();
            auto* data = scratch_.mutable_file_data();
            data->set_sha256(download.file.sha256());
            data->set_offset(download.next);
            data->set_data(std::move(chunk));
            if (download.first) {
                *data->mutable_file() = download.file;
                download.first = false;
            }
            const std::uint64_t length = data->data().size();
            outbox.send(*s, scratch_);
            download.next += length;
            if (config_.downloadBytesPerSecond > 0) {
                freeAt =
                    std::max(freeAt, now - burst) + costOf(length, config_.downloadBytesPerSecond);
            }
            done = download.next >= size;
        }
        if (done) {
            endDownload(it);
        } else {
            readAhead(download);
        }
        it = next;
    }
}

bool Transfers::wantsTurn(const SessionTable& sessions, TimePoint now) const {
    for (const auto& [handle, download] : downloads_) {
        const Session* s = sessions.find(download.session);
        if (s == nullptr || s->who.closing() || s->out.queue().size() >= chunkBytes_) {
            continue;
        }
        const bool hasChunk = !download.ready.empty() || download.next == download.file.size();
        auto pacing = downloadPacing_.find(download.session);
        if (hasChunk && (pacing == downloadPacing_.end() || pacing->second <= now)) {
            return true;
        }
    }
    return false;
}

TimePoint Transfers::nextDownloadAt(TimePoint now, TimePoint fallback) const {
    TimePoint wake = fallback;
    for (const auto& [handle, download] : downloads_) {
        if (download.ready.empty()) {
            continue;
        }
        // Only a rate's wait: a full queue is woken by its write, not a timer.
        if (auto pacing = downloadPacing_.find(download.session);
            pacing != downloadPacing_.end() && pacing->second > now) {
            wake = std::min(wake, pacing->second);
        }
    }
    return wake;
}

void Transfers::forget(SessionId id) {
    cancelDownload(id);
    downloadPacing_.erase(id);
    pacing_.erase(id);
    uploadsBegun_.erase(id);
    std::vector<Upload*> theirs;
    for (auto& [key, upload] : uploads_) {
        if (upload.session == id) {
            theirs.push_back(&upload);
        }
    }
    for (Upload* upload : theirs) {
        drop(*upload);
    }
}

}  // namespace hermes::hub

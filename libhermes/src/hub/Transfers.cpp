#include "Transfers.hpp"

#include <algorithm>
#include <exception>
#include <set>

#include <Poco/Logger.h>

#include "Outbox.hpp"
#include "SessionTable.hpp"
#include "hermes/protocol/FileRules.hpp"

namespace hermes::hub {

Transfers::Transfers(const HubConfig& config,
                     const std::vector<std::pair<std::string, v1::FileInfo>>& announced,
                     Poco::Logger& log)
    : config_(config), log_(log), chunkBytes_(protocol::chunkBytesFor(config.maxFrameBytes)) {
    if (config.filesPath.empty()) {
        return;
    }
    store_ = std::make_unique<files::FileStore>(config.filesPath);
    std::set<std::string, std::less<>> referenced;
    for (const auto& [room, file] : announced) {
        referenced.insert(file.sha256());
        this->announced(room, file);
    }
    const std::size_t removed = store_->sweep(referenced);
    log_.information("file store %s: %z files, %?u bytes (%z removed: no message names them)",
                     store_->directory(), store_->count(), store_->usedBytes(), removed);
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
    for (const auto& [id, download] : downloads_) {
        ids.push_back(id);
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
    // The temp file's name must be unique in the store: the session's and
    // the upload's ids.
    std::unique_ptr<files::FileStore::Partial> partial =
        store_->begin(std::to_string(s.id) + "-" + std::to_string(id), file.sha256(), file.size());
    Upload& upload = uploads_[{s.id, id}];
    upload.id = id;
    upload.session = s.id;
    upload.room = std::move(room);
    upload.clientMsgId = clientMsgId;
    upload.partial = std::move(partial);
    upload.file = std::move(file);
    upload.lastChunk = now;
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

// A virtual clock per session: each chunk costs bytes / rate; the
// acknowledgement goes when the clock says its bytes are paid for. A window
// may come at once (the clock may lag `now` by the window's worth).
void Transfers::write(Session& s, Upload& upload, std::string_view data, Outbox& outbox,
                      TimePoint now) {
    store_->append(*upload.partial, data);
    upload.lastChunk = now;
    const std::uint64_t written = upload.partial->written();
    if (written == upload.file.size()) {
        return;  // the FILE message (or an Error) is the answer
    }
    if (config_.uploadBytesPerSecond == 0) {
        upload.acked = written;
        sendProgress(s, upload, outbox);
        return;
    }
    const auto perByte =
        std::chrono::duration<double>(1.0 / static_cast<double>(config_.uploadBytesPerSecond));
    const auto cost = std::chrono::duration_cast<Clock::duration>(perByte * data.size());
    const auto burst = std::chrono::duration_cast<Clock::duration>(
        perByte * static_cast<double>(config_.fileWindowBytes));
    Pacing& pacing = pacing_[s.id];
    pacing.freeAt = std::max(pacing.freeAt, now - burst) + cost;
    if (pacing.freeAt <= now) {
        upload.acked = written;
        sendProgress(s, upload, outbox);
        return;
    }
    dueAcks_.emplace(pacing.freeAt, std::make_pair(UploadKey{s.id, upload.id}, written));
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

files::FileStore::Finished Transfers::finish(const Upload& upload, std::string* actual) {
    auto it = uploads_.find({upload.session, upload.id});
    const auto result = store_->finish(std::move(it->second.partial), actual);
    uploads_.erase(it);
    return result;
}

void Transfers::drop(const Upload& upload) {
    uploads_.erase({upload.session, upload.id});  // the Partial removes its temp file
}

void Transfers::expire(SessionTable& sessions, Outbox& outbox, TimePoint now) {
    for (auto it = uploads_.begin(); it != uploads_.end();) {
        Upload& upload = it->second;
        if (now - upload.lastChunk < config_.uploadTimeout) {
            ++it;
            continue;
        }
        if (Session* s = sessions.find(upload.session)) {
            outbox.error(*s, v1::ERROR_CODE_UPLOAD_TIMEOUT,
                         "upload " + std::to_string(upload.id) + " of " + upload.file.name() +
                             " dropped: no chunk for " +
                             std::to_string(config_.uploadTimeout.count()) + " ms",
                         upload.room, upload.clientMsgId);
        }
        log_.information("upload %?u (%s) dropped: no chunk within the timeout", upload.id,
                         upload.file.name());
        it = uploads_.erase(it);
    }
}

// --- announcements ---------------------------------------------------------------------------

void Transfers::announced(const std::string& room, const v1::FileInfo& file) {
    // Each room keeps the name and type it was shared under there (the
    // newest): a member of one room never learns what another room called it.
    v1::FileInfo& shared = announced_[file.sha256()].rooms[room];
    shared = file;
    shared.clear_preview();
}

const v1::FileInfo* Transfers::readableBy(const Session& s, std::string_view sha256) const {
    auto it = announced_.find(sha256);
    if (it == announced_.end()) {
        return nullptr;
    }
    for (const auto& membership : s.rooms) {
        if (auto shared = it->second.rooms.find(membership.room->name);
            shared != it->second.rooms.end()) {
            return &shared->second;
        }
    }
    return nullptr;
}

// --- downloads -------------------------------------------------------------------------------

void Transfers::startDownload(Session& s, const v1::FileInfo& file, std::uint64_t offset) {
    Download& download = downloads_[s.id];
    download.file = file;
    download.file.clear_preview();
    download.next = offset;
    download.first = true;
}

void Transfers::pump(SessionTable& sessions, Outbox& outbox, bool paused) {
    if (paused || downloads_.empty()) {
        return;
    }
    for (auto it = downloads_.begin(); it != downloads_.end();) {
        Session* s = sessions.find(it->first);
        if (s == nullptr || s->who.closing()) {
            it = downloads_.erase(it);
            continue;
        }
        Download& download = it->second;
        bool done = false;
        // At most two chunks queued: the member's own frames and its rooms'
        // come between them, and its output stays small.
        for (int round = 0; round < 2 && s->out.queue().size() < chunkBytes_ && !done; ++round) {
            const std::uint64_t size = download.file.size();
            const std::size_t length = static_cast<std::size_t>(
                std::min<std::uint64_t>(chunkBytes_, size - download.next));
            try {
                store_->read(download.file.sha256(), download.next, length, chunk_);
            } catch (const std::exception& error) {
                log_.error("%s: download of %s failed: %s", SessionTable::describe(*s),
                           download.file.sha256(), std::string(error.what()));
                outbox.error(*s, v1::ERROR_CODE_NO_SUCH_FILE,
                             "file " + download.file.sha256() + " is no longer stored");
                done = true;
                break;
            }
            if (chunk_.size() != length) {
                outbox.error(*s, v1::ERROR_CODE_NO_SUCH_FILE,
                             "file " + download.file.sha256() + " is shorter than announced");
                done = true;
                break;
            }
            scratch_.Clear();
            auto* data = scratch_.mutable_file_data();
            data->set_sha256(download.file.sha256());
            data->set_offset(download.next);
            data->set_data(chunk_);
            if (download.first) {
                *data->mutable_file() = download.file;
                download.first = false;
            }
            outbox.send(*s, scratch_);
            download.next += length;
            done = download.next >= size;
        }
        it = done ? downloads_.erase(it) : std::next(it);
    }
}

bool Transfers::wantsTurn(const SessionTable& sessions) const {
    for (const auto& [id, download] : downloads_) {
        const Session* s = sessions.find(id);
        if (s != nullptr && !s->who.closing() && s->out.queue().size() < chunkBytes_) {
            return true;
        }
    }
    return false;
}

void Transfers::forget(SessionId id) {
    downloads_.erase(id);
    pacing_.erase(id);
    uploadsBegun_.erase(id);
    for (auto it = uploads_.begin(); it != uploads_.end();) {
        it = it->second.session == id ? uploads_.erase(it) : std::next(it);
    }
}

}  // namespace hermes::hub

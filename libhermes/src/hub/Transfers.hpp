#pragma once
// Files moving through the hub (docs/HUB.md "Files"), and the only writer of
// their state: the file store on disk (hermes::files::FileStore), the uploads
// under way (their temp files, bytes written and acknowledged, the byte
// pacing of each session's acknowledgements), each session's download (what
// it fetches, the next offset), and which rooms announced each stored file
// (who may fetch it).
//
// Transfers never touch a room's output: chunks are private frames, no seq,
// no fan-out. An upload's chunks take no token of the message rate (Intake);
// their own rate is the pacing of FileProgress here, and a client that sends
// beyond its window is a flood. A download is pumped only while its member's
// queue is nearly empty (pump(), from Hub::takeReady), so it holds at most
// two chunks of output and never makes a room's output wait.
//
// Threading: none; the hub's thread.

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "Session.hpp"
#include "hermes/files/FileStore.hpp"
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
    // no stored message names (`announced`: each FILE message's room and
    // file, from the history). Throws std::system_error if the directory
    // cannot be made.
    Transfers(const HubConfig& config,
              const std::vector<std::pair<std::string, v1::FileInfo>>& announced,
              Poco::Logger& log);
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
        std::unique_ptr<files::FileStore::Partial> partial;
        std::uint64_t acked = 0;
        TimePoint lastChunk{};
    };
    // The store holds this content already (an upload would be for nothing).
    bool stored(const v1::FileInfo& file) const;
    // Why an upload of `size` would pass the quota, if it would.
    std::optional<std::string> overQuota(std::uint64_t size) const;
    std::size_t uploadsOf(SessionId id) const;
    // Starts an upload; its temp file is open.
    Upload& begin(Session& s, std::string room, std::uint64_t clientMsgId, v1::FileInfo file,
                  TimePoint now);
    Upload* findUpload(std::uint64_t id, SessionId session);
    // Writes one chunk and paces its acknowledgement (FileProgress now, or
    // at sendDueAcks()).
    void write(Session& s, Upload& upload, std::string_view data, Outbox& outbox, TimePoint now);
    // The upload's last byte is in: its hash checked and the file stored.
    files::FileStore::Finished finish(const Upload& upload, std::string* actual);
    void drop(const Upload& upload);
    // Acknowledgements whose pacing is over go out.
    void sendDueAcks(SessionTable& sessions, Outbox& outbox, TimePoint now);
    // When sendDueAcks() has something to send next (`fallback` if nothing).
    TimePoint nextAckAt(TimePoint fallback) const;
    // Uploads silent past files.upload_timeout_ms are dropped, their owners told.
    void expire(SessionTable& sessions, Outbox& outbox, TimePoint now);

    // --- what was announced: who may fetch what ---------------------------------------

    void announced(const std::string& room, const v1::FileInfo& file);
    // The file, if it was announced in one of the rooms `s` is in.
    const v1::FileInfo* readableBy(const Session& s, std::string_view sha256) const;

    // --- downloads -------------------------------------------------------------------

    void startDownload(Session& s, const v1::FileInfo& file, std::uint64_t offset);
    void cancelDownload(SessionId id) { downloads_.erase(id); }
    // Queues the next chunks of each download whose member's queue is nearly
    // empty. Not while `paused` (the output budget holds input).
    void pump(SessionTable& sessions, Outbox& outbox, bool paused);
    // A download could take a chunk now: the edge should come back at once.
    bool wantsTurn(const SessionTable& sessions) const;

    // --- the session's end --------------------------------------------------------------

    // Its uploads dropped (temp files removed), its download ended.
    void forget(SessionId id);

    std::size_t uploadCount() const { return uploads_.size(); }
    // The sessions with an upload or a download (for the invariants' check).
    std::vector<SessionId> sessionsHeld() const;
    // Bytes the uploads under way reserve against files.quota_bytes.
    std::uint64_t reservedBytes() const;
    std::size_t downloadCount() const { return downloads_.size(); }

private:
    struct Download {
        v1::FileInfo file;
        std::uint64_t next = 0;
        bool first = true;
    };
    struct Pacing {
        TimePoint freeAt{};  // when the bytes acknowledged so far are paid for
    };
    struct Announcement {
        // Each room it was shared in, with the FileInfo it was shared under
        // there (names and types may differ from room to room).
        std::map<std::string, v1::FileInfo, std::less<>> rooms;
    };

    void sendProgress(Session& s, const Upload& upload, Outbox& outbox);

    const HubConfig& config_;
    Poco::Logger& log_;
    std::unique_ptr<files::FileStore> store_;
    std::size_t chunkBytes_;
    std::unordered_map<SessionId, std::uint64_t> uploadsBegun_;  // per session, the last id
    std::map<UploadKey, Upload> uploads_;
    std::unordered_map<SessionId, Pacing> pacing_;
    // Acknowledgements due: when, the upload's id and the bytes they acknowledge.
    std::multimap<TimePoint, std::pair<UploadKey, std::uint64_t>> dueAcks_;
    std::unordered_map<SessionId, Download> downloads_;
    std::map<std::string, Announcement, std::less<>> announced_;
    v1::Envelope scratch_;
    std::string chunk_;
};

}  // namespace hermes::hub

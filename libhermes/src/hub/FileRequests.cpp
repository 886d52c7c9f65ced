// FileOffer, FileChunk, FileRequest, FileCancel (docs/PROTOCOL.md "Files"):
// uploads written to the store by Transfers' file thread and announced in
// their room as a FILE message (a room seq, history, fan-out like any
// message) once committed (onFilesCommitted); downloads of files a live
// FILE message of a room the requester is in names.

#include <optional>
#include <string>

#include <Poco/Logger.h>

#include "Backplane.hpp"
#include "DurabilityGate.hpp"
#include "Intake.hpp"
#include "MessageLedger.hpp"
#include "Outbox.hpp"
#include "Presence.hpp"
#include "Requests.hpp"
#include "RoomTable.hpp"
#include "SessionTable.hpp"
#include "Stamper.hpp"
#include "Transfers.hpp"
#include "hermes/protocol/FileRules.hpp"

namespace hermes::hub {

namespace {

bool refuseDisabled(Session& s, const Transfers& transfers, Outbox& outbox, std::string_view room,
                    std::uint64_t clientMsgId) {
    if (transfers.enabled()) {
        return false;
    }
    outbox.error(s, v1::ERROR_CODE_FILES_DISABLED, "this hub keeps no files", room, clientMsgId);
    return true;
}

// The room `s` is in by that name, or an Error said.
Room* memberRoom(Session& s, std::string_view name, const RoomTable& rooms, Outbox& outbox,
                 std::uint64_t clientMsgId) {
    std::optional<protocol::ProtocolError> invalid;
    Room* room = rooms.lookup(name, invalid);
    if (invalid) {
        outbox.error(s, v1::ERROR_CODE_INVALID_ROOM, invalid->text, name, clientMsgId);
        return nullptr;
    }
    if (room == nullptr || s.rooms.find(room) == SessionRooms::npos) {
        outbox.error(s, v1::ERROR_CODE_NOT_IN_ROOM,
                     "you are not in room " + std::string(name) + "; join it first", name,
                     clientMsgId);
        return nullptr;
    }
    return room;
}

// The FILE message: a seq of the room, history, every member (the sender's
// copy is its acknowledgement). In a cluster whose hubs share the files'
// directory it goes to the backplane, as a Say does: every hub, this one
// included, delivers it when its entry comes back (Hub::Impl::deliverEntry).
void announce(Session& s, Room& room, std::uint64_t clientMsgId, const v1::FileInfo& file,
              Presence& presence, DurabilityGate& gate, Stamper& stamper, MessageLedger& ledger,
              HistoryStore& history, Transfers& transfers, Outbox& outbox, TimePoint now,
              Backplane& backplane) {
    if (backplane.enabled()) {
        if (auto refusal = backplane.refusal()) {
            outbox.error(s, v1::ERROR_CODE_CLUSTER_UNAVAILABLE, *refusal, room.name, clientMsgId);
            return;
        }
        const v1::ChatMessage& message = stamper.fileMessage(room, 0, s, clientMsgId, file, now);
        backplane.publish(s.id, room.name, clientMsgId, s.profile.account,
                          message.SerializeAsString(), room.log.nextSeq());
        return;
    }
    presence.flush(room, gate, outbox);
    const std::uint64_t seq = gate.takeSeq(room);
    const v1::ChatMessage& message = stamper.fileMessage(room, seq, s, clientMsgId, file, now);
    history.appendAuthored(message, s.profile.account);
    // Every seq of the room passes through the ledger: a reply or reaction
    // may name a file, and a seq it skipped would restart its window.
    ledger.recordMessage(room, seq, s, true);
    gate.publish(room, seq, stamper.frame(), outbox);
    transfers.announced(room.name, seq, file);
}

bool refuseStoreBehind(Session& s, DurabilityGate& gate, Outbox& outbox, const Room& room,
                       std::uint64_t clientMsgId) {
    if (gate.admitsMessage()) {
        return false;
    }
    outbox.error(s, v1::ERROR_CODE_STORE_BEHIND,
                 "the hub's history store is behind (slow disk); file not announced, offer it "
                 "again in a moment",
                 room.name, clientMsgId);
    return true;
}

}  // namespace

void onFileOffer(Session& s, const v1::FileOffer& offer, const RoomTable& rooms, Presence& presence,
                 DurabilityGate& gate, Stamper& stamper, MessageLedger& ledger,
                 HistoryStore& history, Transfers& transfers, Intake& intake, Outbox& outbox,
                 const HubFacts& facts, TimePoint now, Backplane& backplane) {
    const std::uint64_t id = offer.client_msg_id();
    if (refuseDisabled(s, transfers, outbox, offer.room(), id)) {
        return;
    }
    Room* room = memberRoom(s, offer.room(), rooms, outbox, id);
    if (room == nullptr) {
        return;
    }
    if (room->moderation.muted(s.id)) {
        outbox.error(s, v1::ERROR_CODE_MUTED,
                     "you are muted in " + room->name + "; an operator may unmute you", room->name,
                     id);
        return;
    }
    const v1::FileInfo& file = offer.file();
    if (auto problem = protocol::checkFileInfo(file)) {
        outbox.error(s, problem->code, problem->text, room->name, id);
        return;
    }
    if (file.size() > facts.config.maxFileBytes) {
        outbox.error(s, v1::ERROR_CODE_FILE_TOO_LARGE,
                     file.name() + " is " + protocol::describeSize(file.size()) +
                         "; the most this hub takes is " +
                         protocol::describeSize(facts.config.maxFileBytes) + " (files.max_bytes)",
                     room->name, id);
        return;
    }
    if (transfers.stored(file) && transfers.readableBy(s, file.sha256()) != nullptr) {
        // The content is here already and this member may read it: stored
        // once, announced again. Anyone else sends the bytes (finish() then
        // finds them stored): knowing a hash must not fetch a file, nor tell
        // whether the hub holds it.
        if (!refuseStoreBehind(s, gate, outbox, *room, id)) {
            announce(s, *room, id, file, presence, gate, stamper, ledger, history, transfers,
                     outbox, now, backplane);
        }
        return;
    }
    if (auto full = transfers.overQuota(file.size())) {
        outbox.error(s, v1::ERROR_CODE_FILE_QUOTA, *full, room->name, id);
        return;
    }
    if (transfers.uploadsOf(s.id) >= facts.config.maxUploadsPerClient) {
        outbox.error(s, v1::ERROR_CODE_INVALID_FILE,
                     "already " + std::to_string(facts.config.maxUploadsPerClient) +
                         " uploads under way (files.max_uploads_per_client); finish one first",
                     room->name, id);
        return;
    }
    Transfers::Upload& upload = transfers.begin(s, room->name, id, file, now);
    if (file.size() == 0) {
        // Nothing to send: committed at once; the session waits for it so
        // that its FILE message comes before what it sends next.
        transfers.commit(upload);
        intake.awaitRead(s);
        return;
    }
    const std::uint64_t uploadId = upload.id;
    outbox.reply(s, [&](v1::Envelope& out) {
        auto* accept = out.mutable_file_accept();
        accept->set_upload_id(uploadId);
        accept->set_client_msg_id(id);
        accept->set_chunk_bytes(static_cast<std::uint32_t>(transfers.chunkBytes()));
        accept->set_window_bytes(static_cast<std::uint32_t>(facts.config.fileWindowBytes));
    });
}

void onFileChunk(Session& s, const v1::FileChunk& chunk, SessionTable& sessions,
                 Transfers& transfers, Intake& intake, Outbox& outbox, const HubFacts& facts,
                 TimePoint now) {
    if (refuseDisabled(s, transfers, outbox, {}, 0)) {
        return;
    }
    Transfers::Upload* upload = transfers.findUpload(chunk.upload_id(), s.id);
    if (upload == nullptr || upload->committing) {
        outbox.error(s, v1::ERROR_CODE_NO_SUCH_UPLOAD,
                     "no upload " + std::to_string(chunk.upload_id()) +
                         " of yours is under way (finished, refused, timed out or never offered)");
        return;
    }
    const std::string room = upload->room;
    const std::uint64_t id = upload->clientMsgId;
    const std::uint64_t received = upload->received;
    const std::uint64_t size = upload->file.size();
    std::string problem;
    if (chunk.data().size() > transfers.chunkBytes()) {
        problem = "chunk of " + std::to_string(chunk.data().size()) + " bytes; the most is " +
                  std::to_string(transfers.chunkBytes());
    } else if (chunk.offset() != received) {
        problem = "chunk at offset " + std::to_string(chunk.offset()) + "; expected " +
                  std::to_string(received);
    } else if (chunk.data().empty()) {
        problem = "empty chunk at offset " + std::to_string(chunk.offset());
    } else if (chunk.data().size() > size - received) {
        problem = "chunk ends at " + std::to_string(received + chunk.data().size()) +
                  ", beyond the offered size " + std::to_string(size);
    }
    if (!problem.empty()) {
        transfers.drop(*upload);
        outbox.error(s, v1::ERROR_CODE_INVALID_FILE,
                     "upload " + std::to_string(chunk.upload_id()) + " dropped: " + problem, room,
                     id);
        return;
    }
    if (received + chunk.data().size() - upload->acked >
        facts.config.fileWindowBytes + transfers.chunkBytes()) {
        closeFatally(s, v1::ERROR_CODE_FLOOD,
                     "more than the upload window of " +
                         std::to_string(facts.config.fileWindowBytes) +
                         " bytes sent ahead of FileProgress",
                     CloseReason::Flood, sessions, outbox);
        return;
    }
    transfers.write(*upload, chunk.data(), now);
    if (upload->committing) {
        // The last bytes: the file thread commits the file, and the FILE
        // message (onFilesCommitted) comes before whatever the session sends next.
        intake.awaitRead(s);
    } else if (transfers.ioBusy()) {
        // The disk is behind: this session's next frames wait for it
        // (Hub::Impl::filesDone lets them go), so memory stays bounded.
        transfers.waitForDisk(s.id);
        intake.awaitRead(s);
    }
}

void onFilesCommitted(Session& s, const Transfers::Committed& done, SessionTable& sessions,
                      const RoomTable& rooms, Presence& presence, DurabilityGate& gate,
                      Stamper& stamper, MessageLedger& ledger, HistoryStore& history,
                      Transfers& transfers, Outbox& outbox, Poco::Logger& log, TimePoint now,
                      Backplane& backplane) {
    const Transfers::Upload& upload = done.upload;
    const std::string& room = upload.room;
    const std::uint64_t id = upload.clientMsgId;
    const v1::FileInfo& file = upload.file;
    if (!done.ok) {
        log.error("%s: upload of %s failed: %s", SessionTable::describe(s), file.name(),
                  done.error);
        outbox.error(s, v1::ERROR_CODE_INTERNAL,
                     file.name() + " not stored: the hub cannot write it to disk", room, id);
        return;
    }
    if (done.finished == files::FileStore::Finished::Mismatch) {
        log.information("%s: upload of %s refused: its bytes hash to %s, not %s",
                        SessionTable::describe(s), file.name(), done.actual, file.sha256());
        outbox.error(s, v1::ERROR_CODE_FILE_HASH_MISMATCH,
                     file.name() + " refused: its bytes hash to " + done.actual + ", not " +
                         file.sha256() + "; nothing was kept",
                     room, id);
        return;
    }
    std::optional<protocol::ProtocolError> invalid;
    Room* target = rooms.lookup(room, invalid);
    std::string refusal;
    v1::ErrorCode code = v1::ERROR_CODE_NOT_IN_ROOM;
    if (target == nullptr || s.rooms.find(target) == SessionRooms::npos) {
        refusal = "you left " + room + " before " + file.name() + " was complete; not shared";
    } else if (target->moderation.muted(s.id)) {
        // Muted while the bytes came: the offer was checked, the share is too.
        code = v1::ERROR_CODE_MUTED;
        refusal = "you were muted in " + room + " while " + file.name() + " was sent; not shared";
    } else if (refuseStoreBehind(s, gate, outbox, *target, id)) {
        transfers.releaseIfUnnamed(file.sha256(), sessions, outbox);
        return;
    }
    if (refusal.empty() && backplane.enabled() && backplane.refusal()) {
        code = v1::ERROR_CODE_CLUSTER_UNAVAILABLE;
        refusal = *backplane.refusal() + "; " + file.name() + " not shared";
    }
    if (!refusal.empty()) {
        outbox.error(s, code, refusal, room, id);
        transfers.releaseIfUnnamed(file.sha256(), sessions,
                                   outbox);  // stored but named by no message
        return;
    }
    announce(s, *target, id, file, presence, gate, stamper, ledger, history, transfers, outbox, now,
             backplane);
}

void onFileRequest(Session& s, const v1::FileRequest& request, const RoomTable& rooms,
                   Transfers& transfers, Outbox& outbox, const HubFacts& facts) {
    if (refuseDisabled(s, transfers, outbox, request.room(), 0)) {
        return;
    }
    // Unknown, deleted and not readable read the same: a non-member learns nothing.
    const v1::FileInfo* file = nullptr;
    std::string what;
    if (!request.sha256().empty() || request.room().empty()) {
        if (!protocol::isSha256Hex(request.sha256())) {
            outbox.error(s, v1::ERROR_CODE_INVALID_FILE,
                         "sha256 must be 64 lowercase hex digits, got " +
                             std::to_string(request.sha256().size()) + " characters");
            return;
        }
        what = "file " + request.sha256();
        file = transfers.readableBy(s, request.sha256());
    } else {
        Room* room = memberRoom(s, request.room(), rooms, outbox, 0);
        if (room == nullptr) {
            return;
        }
        what = "message " + std::to_string(request.seq()) + " of " + room->name;
        // The live FILE messages are in memory (Transfers): no read of the store.
        file = transfers.atSeq(room->name, request.seq());
    }
    if (file == nullptr || !transfers.store()->size(file->sha256())) {
        outbox.error(s, v1::ERROR_CODE_NO_SUCH_FILE,
                     what + " is no file shared in a room you are in", request.room());
        return;
    }
    if (request.offset() > file->size()) {
        outbox.error(s, v1::ERROR_CODE_INVALID_FILE,
                     "offset " + std::to_string(request.offset()) + " is beyond the size " +
                         std::to_string(file->size()) + " of " + file->name(),
                     request.room());
        return;
    }
    if (transfers.downloadsOf(s.id) >= facts.config.maxDownloadsPerSession &&
        !transfers.downloading(s.id, file->sha256())) {
        outbox.error(s, v1::ERROR_CODE_INVALID_FILE,
                     "already " + std::to_string(facts.config.maxDownloadsPerSession) +
                         " downloads under way (files.max_downloads_per_session); let one end or "
                         "cancel it first",
                     request.room());
        return;
    }
    transfers.startDownload(s, *file, request.offset());
}

void onFileCancel(Session& s, const v1::FileCancel& cancel, Transfers& transfers, Outbox& outbox) {
    if (cancel.upload_id() == 0) {
        transfers.cancelDownload(s.id, cancel.sha256());
        return;
    }
    const Transfers::Upload* upload = transfers.findUpload(cancel.upload_id(), s.id);
    if (upload == nullptr) {
        outbox.error(s, v1::ERROR_CODE_NO_SUCH_UPLOAD,
                     "no upload " + std::to_string(cancel.upload_id()) + " of yours to cancel");
        return;
    }
    transfers.drop(*upload);
}

}  // namespace hermes::hub

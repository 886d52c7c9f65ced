#pragma once
// Everything the hub queues for output, and the only writer of what says so:
// each session's outbound queue and its place in the writable list, each
// room's FrameBlock and its place in the block list, and the output figures
// of HubStats (bytes queued and released, deliveries).
//
// Pairs it keeps together:
//   session.out.listed   <-> the session's id is in writable_
//   room.block non-null  <-> the room is in blockRooms_
//
// It is the hot path: a room message is copied once into the room's block
// and each member's queue references it (broadcast(), 35 instructions per
// delivery). broadcast(), queued() and OutboundQueue's append are defined
// here, inline, so the per-member loop compiles into its callers.
//
// Output is queued for every session not closing. Nobody is refused for a
// queue's size here: OutputBudget pauses input near the budget, and the
// timer scan judges who is slow.
//
// Threading: none; the hub's thread.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "Room.hpp"
#include "Session.hpp"
#include "hermes/codec/FrameEncoder.hpp"
#include "hermes/hub/HubStats.hpp"
#include "hermes/hub/MemoryGauge.hpp"
#include "hermes/v1/hermes.pb.h"

namespace hermes::hub {

class SessionTable;

class Outbox {
public:
    Outbox(MemoryGauge& memory, HubStats& stats) : memory_(memory), stats_(stats) {}
    Outbox(const Outbox&) = delete;
    Outbox& operator=(const Outbox&) = delete;

    // The time queues start their write-stall clocks at: the hub's call's.
    void setNow(TimePoint now) { now_ = now; }

    static bool accepts(const Session& s) { return !s.who.closing(); }

    // --- one session -----------------------------------------------------------

    // Copies whole frames into the session's queue (not if it is closing).
    bool enqueue(Session& s, std::string_view bytes) {
        if (!accepts(s)) {
            return false;
        }
        s.out.queue_.append(bytes, now_);
        queued(s, bytes.size());
        return true;
    }
    // A private chat message (or an away reply): counted as a delivery.
    void enqueueChat(Session& s, std::string_view bytes) {
        if (enqueue(s, bytes)) {
            ++stats_.deliveries;
        }
    }
    void send(Session& s, const v1::Envelope& envelope) {
        frame_.clear();
        codec::appendFrame(envelope, frame_);
        enqueue(s, frame_);
    }
    // Builds a reply in a cleared envelope (fill(envelope)) and sends it.
    template <typename Fill>
    void reply(Session& s, Fill&& fill) {
        reply_.Clear();
        fill(reply_);
        send(s, reply_);
    }
    void error(Session& s, v1::ErrorCode code, std::string_view text, std::string_view room = {},
               std::uint64_t clientMsgId = 0);
    // A fatal Error frame for a session about to close: after what is queued.
    void appendLast(Session& s, std::string_view bytes);
    static std::string fatalErrorFrame(v1::ErrorCode code, std::string_view text);

    // --- rooms -----------------------------------------------------------------

    // One copy of the frame in the room's block; each member (or each that
    // follows the room: presence in a large room) references it.
    // Returns the number of members it was queued to.
    std::size_t broadcast(Room& room, std::string_view bytes, bool followersOnly = false) {
        if (room.members.empty() || bytes.empty()) {
            return 0;
        }
        const std::size_t offset = appendToBlock(room, bytes);
        const FrameBlockPtr& block = room.block.block_;
        std::size_t delivered = 0;
        for (const Member& member : room.members) {
            Session& s = *member.session;
            if (!accepts(s) || (followersOnly && !member.follows)) {
                continue;
            }
            s.out.queue_.append(block, offset, bytes.size(), now_);
            queued(s, bytes.size());
            ++delivered;
        }
        return delivered;
    }
    // A chat message to a room: counted as deliveries.
    void broadcastChat(Room& room, std::string_view bytes) {
        stats_.deliveries += broadcast(room, bytes);
    }

    // --- the edge ----------------------------------------------------------------

    // `n` bytes of the session's queue were written.
    void consumed(Session& s, std::size_t n);
    // Appends the sessions whose output grew since the last call and still
    // have bytes to `out` (closing sessions are handed over with their last
    // bytes instead).
    void takeWritable(SessionTable& sessions, std::vector<SessionId>& out);

    // --- slow members, closing, idling ---------------------------------------------

    // Drops what the peer has not started to receive (slow consumer).
    void dropUnsent(Session& s);
    // Every unwritten byte, for the session's last write; the queue is left empty.
    std::string takeAll(Session& s);
    // Called by the timer scan: a session that neither queued nor wrote
    // since the last scan gives its buffers back.
    void releaseIfIdle(Session& s);
    // Called by the timer scan: a room that broadcast nothing since the
    // last scan drops its block (queues that reference it keep it alive).
    void dropIdleBlocks();
    // Shutdown: every queue was taken; nothing is writable.
    void clearWritable() { writable_.clear(); }

    // --- observation ---------------------------------------------------------------

    const std::vector<SessionId>& writable() const { return writable_; }
    const std::vector<Room*>& blockRooms() const { return blockRooms_; }

private:
    void queued(Session& s, std::size_t bytes) {
        stats_.bytesQueued += bytes;
        s.out.active_ = true;
        if (!s.out.listed_) {
            s.out.listed_ = true;
            writable_.push_back(s.id);
        }
    }

    // Copies `bytes` to the end of the room's block; returns their offset.
    std::size_t appendToBlock(Room& room, std::string_view bytes) {
        FrameBlock* block = room.block.block_.get();
        if (block != nullptr && block->use_count() == 1) {
            block->clear();  // every member wrote what it held: start over, no allocation
        }
        if (block == nullptr || block->available() < bytes.size()) {
            // Queues keep the full block alive as long as they reference it.
            if (block == nullptr) {
                blockRooms_.push_back(&room);
            }
            room.block.block_ = FrameBlockPtr(
                new FrameBlock(FrameBlock::nextCapacity(block, bytes.size()), &memory_));
        }
        room.block.used_ = true;
        return room.block.block_->append(bytes);
    }

    MemoryGauge& memory_;
    HubStats& stats_;
    TimePoint now_{};
    std::vector<SessionId> writable_;  // output grew since the last takeWritable()
    std::vector<Room*> blockRooms_;    // rooms holding a FrameBlock
    std::string frame_;                // scratch: one encoded frame
    v1::Envelope reply_;               // scratch: reply() builds in it
};

}  // namespace hermes::hub

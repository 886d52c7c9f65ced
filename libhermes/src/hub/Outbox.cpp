#include "Outbox.hpp"

#include <algorithm>
#include <string>

#include "SessionTable.hpp"

namespace hermes::hub {

void Outbox::error(Session& s, v1::ErrorCode code, std::string_view text, std::string_view room,
                   std::uint64_t clientMsgId) {
    reply(s, [&](v1::Envelope& envelope) {
        auto* error = envelope.mutable_error();
        error->set_code(code);
        error->set_text(std::string(text));
        error->set_room(std::string(room));
        error->set_client_msg_id(clientMsgId);
    });
}

std::string Outbox::fatalErrorFrame(v1::ErrorCode code, std::string_view text) {
    v1::Envelope envelope;
    auto* error = envelope.mutable_error();
    error->set_code(code);
    error->set_text(std::string(text));
    error->set_fatal(true);
    return codec::encodeFrame(envelope);
}

void Outbox::appendLast(Session& s, std::string_view bytes) {
    s.out.queue_.append(bytes, now_);
    stats_.bytesQueued += bytes.size();
}

void Outbox::consumed(Session& s, std::size_t n) {
    OutboundQueue& queue = s.out.queue_;
    const std::size_t capacity = queue.capacity();
    stats_.bytesQueued -= queue.consume(n, now_);
    stats_.bytesReleased += capacity - std::min(capacity, queue.capacity());
    s.out.active_ = true;
}

void Outbox::takeWritable(SessionTable& sessions, std::vector<SessionId>& out) {
    for (const SessionId id : writable_) {
        Session* s = sessions.find(id);
        if (s == nullptr || s->who.closing()) {
            continue;
        }
        s->out.listed_ = false;
        if (!s->out.queue_.empty()) {
            out.push_back(id);
        }
    }
    writable_.clear();
}

void Outbox::dropUnsent(Session& s) {
    stats_.bytesQueued -= s.out.queue_.dropUnsent();
}

std::string Outbox::takeAll(Session& s) {
    stats_.bytesQueued -= s.out.queue_.size();
    return s.out.queue_.take();
}

void Outbox::releaseIfIdle(Session& s) {
    if (!s.out.active_) {
        OutboundQueue& queue = s.out.queue_;
        stats_.bytesReleased += queue.empty() ? queue.capacity() : 0;
        queue.release();
    }
    s.out.active_ = false;
}

void Outbox::dropIdleBlocks() {
    std::size_t kept = 0;
    for (Room* room : blockRooms_) {
        if (room->block.used_) {
            room->block.used_ = false;
            blockRooms_[kept++] = room;
            continue;
        }
        // Idle: queues that still reference the block keep it until written.
        const FrameBlockPtr& block = room->block.block_;
        stats_.bytesReleased += block->use_count() == 1 ? block->capacity() : 0;
        room->block.block_.reset();
    }
    blockRooms_.resize(kept);
}

}  // namespace hermes::hub

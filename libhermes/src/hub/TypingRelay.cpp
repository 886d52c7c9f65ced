#include "TypingRelay.hpp"

#include <optional>

#include "Outbox.hpp"
#include "Room.hpp"
#include "RoomTable.hpp"
#include "SessionTable.hpp"
#include "hermes/codec/FrameEncoder.hpp"

namespace hermes::hub {

void TypingRelay::onTyping(Session& s, const v1::Typing& typing, const RoomTable& rooms,
                           const SessionTable& sessions, Outbox& outbox, TimePoint now) {
    // The bucket first: a flood of bad Typing frames costs at most as many
    // Errors as good ones would cost notices.
    if (!config_.typingEnabled || !takeToken(s, now)) {
        ++stats_.typingDropped;
        return;
    }
    const bool toRoom = !typing.room().empty();
    if (toRoom == !typing.to().empty()) {
        outbox.error(s, v1::ERROR_CODE_UNSUPPORTED, "typing: name exactly one of room and to",
                     typing.room());
        return;
    }
    if (!toRoom) {
        Session* target = sessions.findNick(typing.to());
        // Gone, or never there: a race with a quit, not worth an Error every 3 s.
        if (target != nullptr && target != &s) {
            buildNotice(s, {}, typing.stopped());
            deliver(*target, outbox);
        }
        return;
    }
    std::optional<protocol::ProtocolError> invalid;
    Room* room = rooms.lookup(typing.room(), invalid);
    if (invalid) {
        outbox.error(s, v1::ERROR_CODE_INVALID_ROOM, "typing: " + invalid->text, typing.room());
        return;
    }
    if (room == nullptr || s.rooms.find(room) == SessionRooms::npos) {
        outbox.error(s, v1::ERROR_CODE_NOT_IN_ROOM, "typing: you are not in room " + typing.room(),
                     typing.room());
        return;
    }
    // A muted member's words would not arrive; neither does its typing.
    if (room->moderation.muted(s.id) || room->members.size() > config_.typingMaxRoomMembers) {
        return;
    }
    buildNotice(s, room->name, typing.stopped());
    for (const Member& member : room->members) {
        if (member.session != &s) {
            deliver(*member.session, outbox);
        }
    }
}

bool TypingRelay::takeToken(Session& s, TimePoint now) {
    SessionTyping& mine = s.typing;
    if (!mine.started_) {
        mine.bucket_ = protocol::TokenBucket(config_.typingPerSecond, config_.typingBurst, now);
        mine.started_ = true;
    }
    return mine.bucket_.tryTake(now);
}

void TypingRelay::buildNotice(const Session& from, const std::string& room, bool stopped) {
    notice_.Clear();
    auto* body = notice_.mutable_typing_notice();
    body->set_room(room);
    body->set_from(from.who.nick());
    body->set_stopped(stopped);
    body->set_expires_ms(static_cast<std::uint32_t>(config_.typingExpiry.count()));
    frame_.clear();
    codec::appendFrame(notice_, frame_);
}

void TypingRelay::deliver(Session& to, Outbox& outbox) {
    if (to.out.queue().size() > config_.typingSkipQueueBytes) {
        ++stats_.typingSkippedSlow;
        return;
    }
    if (outbox.enqueue(to, frame_)) {
        ++stats_.typingNotices;
    }
}

}  // namespace hermes::hub

// Say and PrivateMessage: validate, stamp, serialize once, queue the same
// bytes to every recipient. Say is the hub's hot path.

#include "HubImpl.hpp"

#include <cstddef>
#include <optional>
#include <string>

namespace hermes::hub {

// The hot path: validate, stamp, serialize once, append the same bytes to
// every member.
void Hub::Impl::onSay(Session& s, const v1::Say& say) {
    std::optional<protocol::ProtocolError> invalid;
    Room* room = lookupRoom(say.room(), invalid);
    if (invalid) {
        sendError(s, v1::ERROR_CODE_INVALID_ROOM, invalid->text, say.room(), say.client_msg_id());
        return;
    }
    if (room == nullptr || findSlot(s, room) == std::string::npos) {
        sendError(s, v1::ERROR_CODE_NOT_IN_ROOM,
                  "you are not in room " + say.room() + "; join it first", say.room(),
                  say.client_msg_id());
        return;
    }
    if (say.kind() != v1::MESSAGE_KIND_TEXT && say.kind() != v1::MESSAGE_KIND_ACTION) {
        sendError(
            s, v1::ERROR_CODE_UNSUPPORTED,
            "message kind " + std::to_string(say.kind()) + " cannot be sent; use TEXT or ACTION",
            room->name, say.client_msg_id());
        return;
    }
    if (auto error = protocol::checkText(say.text(), config.maxTextBytes, "message")) {
        sendError(s, v1::ERROR_CODE_INVALID_TEXT, error->text, room->name, say.client_msg_id());
        return;
    }
    if (durable && (storeBehind || heldMessages >= config.maxHeldMessages)) {
        refuseStoreBehind(s, *room, say);
        return;
    }
    s.lastSpoke = now;
    flushPresence(*room);
    chat.set_room(room->name);
    chat.set_seq(room->nextSeq++);
    chat.set_epoch(hub.epoch_);
    chat.set_time_ms(wallClock());
    chat.set_from(s.nick);
    chat.set_client_msg_id(say.client_msg_id());
    chat.set_kind(say.kind());
    chat.set_text(say.text());
    chat.clear_to();
    serializeChat();
    history->append(chat);
    if (durable) {
        holdMessage(*room, chat.seq(), frame);
        return;
    }
    stats.deliveries += broadcast(*room, frame);
    room->sentSeq = chat.seq();
}

// The store is that far behind (a stalled disk): holding more would only
// grow memory, and the sender would not see its echo for as long anyway.
// Nothing is taken, so nothing is lost: the client may send it again.
void Hub::Impl::refuseStoreBehind(Session& s, Room& room, const v1::Say& say) {
    ++stats.storeBehindRefusals;
    if (!storeBehind) {
        storeBehind = true;
        log.warning("history store is behind: " + std::to_string(heldMessages) +
                    " messages wait for their commit (history.max_held_messages = " +
                    std::to_string(config.maxHeldMessages) +
                    "); refusing new messages until it catches up");
    }
    sendError(s, v1::ERROR_CODE_STORE_BEHIND,
              "the hub's history store is behind (slow disk); message not taken, send it "
              "again in a moment",
              room.name, say.client_msg_id());
}

// Frames `chat` into `frame` without copying it into the envelope.
void Hub::Impl::serializeChat() {
    out.Clear();
    out.set_allocated_message(&chat);
    frame.clear();
    codec::appendFrame(out, frame);
    [[maybe_unused]] v1::ChatMessage* released = out.release_message();
}

void Hub::Impl::onPrivateMessage(Session& s, const v1::PrivateMessage& pm) {
    if (pm.kind() != v1::MESSAGE_KIND_TEXT && pm.kind() != v1::MESSAGE_KIND_ACTION) {
        sendError(
            s, v1::ERROR_CODE_UNSUPPORTED,
            "message kind " + std::to_string(pm.kind()) + " cannot be sent; use TEXT or ACTION", {},
            pm.client_msg_id());
        return;
    }
    if (auto error = protocol::checkText(pm.text(), config.maxTextBytes, "message")) {
        sendError(s, v1::ERROR_CODE_INVALID_TEXT, error->text, {}, pm.client_msg_id());
        return;
    }
    Session* target = nullptr;
    if (!protocol::checkNick(pm.to())) {
        if (const auto id = registry.find(pm.to())) {
            target = findSession(*id);
        }
    }
    if (target == nullptr || !target->welcomed || target->doomed) {
        sendError(s, v1::ERROR_CODE_NO_SUCH_NICK, "no one is called " + pm.to(), {},
                  pm.client_msg_id());
        return;
    }
    chat.clear_room();
    chat.set_seq(0);
    chat.set_epoch(hub.epoch_);
    chat.set_time_ms(wallClock());
    chat.set_from(s.nick);
    chat.set_client_msg_id(pm.client_msg_id());
    chat.set_kind(pm.kind());
    chat.set_text(pm.text());
    chat.set_to(target->nick);
    serializeChat();
    std::size_t delivered = enqueue(*target, frame) ? 1 : 0;
    if (target != &s) {
        delivered += enqueue(s, frame) ? 1 : 0;
    }
    stats.deliveries += delivered;
    s.lastSpoke = now;
    if (!target->away.empty() && target != &s) {
        sendAwayReply(s, *target);
    }
}

}  // namespace hermes::hub

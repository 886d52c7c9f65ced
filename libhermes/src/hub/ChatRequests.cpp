// Say and PrivateMessage: checked, stamped and framed once (Stamper), the
// same bytes queued to every recipient. Say is the hub's hot path. A Say
// that replies (reply_to) or is an event about a message (EDIT, DELETE,
// REACT, UNREACT) is checked against the room's MessageLedger first.

#include <optional>
#include <string>

#include "DurabilityGate.hpp"
#include "MessageLedger.hpp"
#include "Moderation.hpp"
#include "Outbox.hpp"
#include "Presence.hpp"
#include "Requests.hpp"
#include "RoomTable.hpp"
#include "SessionTable.hpp"
#include "Stamper.hpp"

namespace hermes::hub {

namespace {

// The checks of a reply (reply_to) or an event (EDIT, DELETE, REACT,
// UNREACT: target_seq) against the room's ledger, beyond Say's own.
std::optional<MessageLedger::Refusal> checkReference(const Session& s, const v1::Say& say,
                                                     const Room& room, const MessageLedger& ledger,
                                                     const Moderation& moderation) {
    if (!MessageLedger::isEvent(say.kind())) {
        return ledger.checkTarget(room, say.reply_to());
    }
    if (auto refusal = ledger.checkTarget(room, say.target_seq())) {
        return refusal;
    }
    switch (say.kind()) {
        case v1::MESSAGE_KIND_EDIT:
            return ledger.checkAuthor(room, say.target_seq(), s, false);
        case v1::MESSAGE_KIND_DELETE:
            return ledger.checkAuthor(room, say.target_seq(), s, moderation.roomOperator(s, room));
        default:
            return ledger.checkReaction(room, say.target_seq(), s.who.nick(), say.text(),
                                        say.kind() == v1::MESSAGE_KIND_REACT);
    }
}

}  // namespace

void onSay(Session& s, const v1::Say& say, const RoomTable& rooms, Presence& presence,
           DurabilityGate& gate, Stamper& stamper, HistoryStore& history, Outbox& outbox,
           MessageLedger& ledger, const Moderation& moderation, TimePoint now) {
    std::optional<protocol::ProtocolError> invalid;
    Room* room = rooms.lookup(say.room(), invalid);
    if (invalid) {
        outbox.error(s, v1::ERROR_CODE_INVALID_ROOM, invalid->text, say.room(),
                     say.client_msg_id());
        return;
    }
    if (room == nullptr || s.rooms.find(room) == SessionRooms::npos) {
        outbox.error(s, v1::ERROR_CODE_NOT_IN_ROOM,
                     "you are not in room " + say.room() + "; join it first", say.room(),
                     say.client_msg_id());
        return;
    }
    // A plain message pays one test here for replies, edits and reactions.
    const bool references = say.reply_to() != 0 || say.kind() > v1::MESSAGE_KIND_NOTICE;
    if (auto refusal =
            references ? stamper.checkEvent(say) : stamper.check(say.kind(), say.text())) {
        outbox.error(s, refusal->code, refusal->text, room->name, say.client_msg_id());
        return;
    }
    if (room->moderation.muted(s.id)) {
        outbox.error(s, v1::ERROR_CODE_MUTED,
                     "you are muted in " + room->name + "; an operator may unmute you", room->name,
                     say.client_msg_id());
        return;
    }
    if (!gate.admitsMessage()) {
        // Nothing is taken, so nothing is lost: the client may send it again.
        outbox.error(s, v1::ERROR_CODE_STORE_BEHIND,
                     "the hub's history store is behind (slow disk); message not taken, send it "
                     "again in a moment",
                     room->name, say.client_msg_id());
        return;
    }
    if (references) {
        if (auto refusal = checkReference(s, say, *room, ledger, moderation)) {
            outbox.error(s, refusal->code, refusal->text, room->name, say.client_msg_id());
            return;
        }
    }
    presence.flush(*room, gate, outbox);
    if (MessageLedger::isEvent(say.kind())) {
        stamper.roomEvent(*room, gate.takeSeq(*room), s, say);
        ledger.recordEvent(*room, stamper.message());
    } else {
        stamper.roomMessage(*room, gate.takeSeq(*room), s, say, now);
        ledger.recordMessage(*room, stamper.message().seq(), s);
    }
    history.append(stamper.message());
    gate.publish(*room, stamper.message().seq(), stamper.frame(), outbox);
}

void onPrivateMessage(Session& s, const v1::PrivateMessage& pm, const SessionTable& sessions,
                      Stamper& stamper, Outbox& outbox, TimePoint now) {
    if (auto refusal = stamper.check(pm.kind(), pm.text())) {
        outbox.error(s, refusal->code, refusal->text, {}, pm.client_msg_id());
        return;
    }
    Session* target = sessions.findNick(pm.to());
    if (target == nullptr) {
        outbox.error(s, v1::ERROR_CODE_NO_SUCH_NICK, "no one is called " + pm.to(), {},
                     pm.client_msg_id());
        return;
    }
    stamper.privateMessage(s, *target, pm, now);
    outbox.enqueueChat(*target, stamper.frame());
    if (target != &s) {
        outbox.enqueueChat(s, stamper.frame());
        if (!target->profile.away.empty()) {
            stamper.awayReply(s, *target);
            outbox.enqueue(s, stamper.frame());
        }
    }
}

}  // namespace hermes::hub

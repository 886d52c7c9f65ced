// Say and PrivateMessage: checked, stamped and framed once (Stamper), the
// same bytes queued to every recipient. Say is the hub's hot path. A Say
// that replies (reply_to) or is an event about a message (EDIT, DELETE,
// REACT, UNREACT) is checked against the room's MessageLedger first.
// A PrivateMessage between two accounts is also kept in their conversation,
// and one to an offline account waits for it (Conversations.hpp).

#include <optional>
#include <string>

#include "Accounts.hpp"
#include "Conversations.hpp"
#include "DurabilityGate.hpp"
#include "MessageLedger.hpp"
#include "Moderation.hpp"
#include "Outbox.hpp"
#include "Presence.hpp"
#include "Requests.hpp"
#include "RoomTable.hpp"
#include "SessionTable.hpp"
#include "Stamper.hpp"
#include "hermes/protocol/Validation.hpp"

namespace hermes::hub {

namespace {

// The checks of a reply (reply_to) or an event (EDIT, DELETE, REACT,
// UNREACT: target_seq) against the room's ledger, beyond Say's own.
std::optional<MessageLedger::Refusal> checkReference(const Session& s, const v1::Say& say,
                                                     const Room& room, const MessageLedger& ledger,
                                                     const Moderation& moderation,
                                                     const std::string& reactor) {
    if (!MessageLedger::isEvent(say.kind())) {
        return ledger.checkTarget(room, say.reply_to());
    }
    if (auto refusal = ledger.checkTarget(room, say.target_seq())) {
        return refusal;
    }
    switch (say.kind()) {
        case v1::MESSAGE_KIND_EDIT:
            if (auto refusal = ledger.checkEditable(room, say.target_seq())) {
                return refusal;
            }
            return ledger.checkAuthor(room, say.target_seq(), s, false);
        case v1::MESSAGE_KIND_DELETE:
            return ledger.checkAuthor(room, say.target_seq(), s, moderation.roomOperator(s, room));
        default:
            return ledger.checkReaction(room, say.target_seq(), reactor, say.text(),
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
        const bool reaction =
            say.kind() == v1::MESSAGE_KIND_REACT || say.kind() == v1::MESSAGE_KIND_UNREACT;
        const std::string reactor = reaction ? ledger.reactorOf(s) : std::string();
        if (auto refusal = checkReference(s, say, *room, ledger, moderation, reactor)) {
            outbox.error(s, refusal->code, refusal->text, room->name, say.client_msg_id());
            return;
        }
        if (MessageLedger::isEvent(say.kind())) {
            presence.flush(*room, gate, outbox);
            stamper.roomEvent(*room, gate.takeSeq(*room), s, say, reactor);
            ledger.recordEvent(*room, stamper.message());
            history.appendAuthored(stamper.message(),
                                   MessageLedger::authorOf(stamper.message(), s));
            gate.publish(*room, stamper.message().seq(), stamper.frame(), outbox);
            return;
        }
    }
    presence.flush(*room, gate, outbox);
    stamper.roomMessage(*room, gate.takeSeq(*room), s, say, now);
    ledger.recordMessage(*room, stamper.message().seq(), s);
    // The account (as the session holds it) goes to the store's own copy:
    // nothing more in the frame every member gets.
    history.appendAuthored(stamper.message(), s.profile.account);
    gate.publish(*room, stamper.message().seq(), stamper.frame(), outbox);
}

namespace {

// The stamped private message as its conversation `key` keeps it: room and
// seq name the conversation and its private_seq (Conversations.hpp).
void keep(const Stamper& stamper, const std::string& key, HistoryStore& history) {
    v1::ChatMessage stored = stamper.message();
    stored.set_room(key);
    stored.set_seq(stored.private_seq());
    stored.clear_private_seq();
    stored.clear_offline();
    history.append(stored);
}

// A private message to `to`, whom no one holds: kept for the account if
// there is one and the sender is one too (a conversation), else refused.
void leaveWaiting(Session& s, const v1::PrivateMessage& pm, const Accounts& accounts,
                  Conversations& conversations, DurabilityGate& gate, Stamper& stamper,
                  HistoryStore& history, Outbox& outbox, const HubFacts& facts, TimePoint now) {
    const StoredAccount* account = accounts.find(pm.to());
    const std::string sender = Conversations::party(s);
    if (account == nullptr || !conversations.enabled()) {
        outbox.error(s, v1::ERROR_CODE_NO_SUCH_NICK, "no one is called " + pm.to(), {},
                     pm.client_msg_id());
        return;
    }
    if (sender.empty()) {
        outbox.error(s, v1::ERROR_CODE_NO_SUCH_NICK,
                     account->name +
                         " is offline; a message waits for a registered nick only from a "
                         "signed-in account (register or identify, under your account's nick)",
                     {}, pm.client_msg_id());
        return;
    }
    if (!gate.admitsMessage()) {
        outbox.error(s, v1::ERROR_CODE_STORE_BEHIND,
                     "the hub's history store is behind (slow disk); message not kept, send it "
                     "again in a moment",
                     {}, pm.client_msg_id());
        return;
    }
    const std::string recipient = protocol::nickKey(account->name);
    const std::int64_t nowMs = facts.wallClock();
    if (conversations.full(recipient, nowMs)) {
        outbox.error(s, v1::ERROR_CODE_MAILBOX_FULL,
                     account->name + " is offline and has " +
                         std::to_string(conversations.waitingFor(recipient)) +
                         " messages waiting (private.max_waiting); message not kept",
                     {}, pm.client_msg_id());
        return;
    }
    const std::string key = Conversations::key(sender, account->name);
    const std::uint64_t seq = conversations.nextSeq(key);
    stamper.waitingMessage(s, account->name, pm, seq, now);
    keep(stamper, key, history);
    conversations.addWaiting(WaitingMessage{recipient, key, seq, stamper.message().time_ms()});
    if (history.synchronous()) {
        outbox.enqueueChat(s, stamper.frame());
    } else {
        // Its only acknowledgement: sent once the message is committed.
        conversations.holdEcho(s.id, key, seq, stamper.frame());
    }
}

}  // namespace

void onPrivateMessage(Session& s, const v1::PrivateMessage& pm, const SessionTable& sessions,
                      const Accounts& accounts, Conversations& conversations, DurabilityGate& gate,
                      Stamper& stamper, HistoryStore& history, Outbox& outbox,
                      const HubFacts& facts, TimePoint now) {
    if (auto refusal = stamper.check(pm.kind(), pm.text())) {
        outbox.error(s, refusal->code, refusal->text, {}, pm.client_msg_id());
        return;
    }
    Session* target = sessions.findNick(pm.to());
    if (target == nullptr) {
        leaveWaiting(s, pm, accounts, conversations, gate, stamper, history, outbox, facts, now);
        return;
    }
    std::string key;
    // With the store far behind a live message is still delivered, only not
    // kept (private_seq 0), as before private history.
    if (conversations.enabled() && target != &s && gate.admitsMessage()) {
        const std::string sender = Conversations::party(s);
        const std::string recipient = Conversations::party(*target);
        if (!sender.empty() && !recipient.empty()) {
            key = Conversations::key(sender, recipient);
        }
    }
    stamper.privateMessage(s, *target, pm, key.empty() ? 0 : conversations.nextSeq(key), now);
    if (!key.empty()) {
        keep(stamper, key, history);
    }
    outbox.enqueueChat(*target, stamper.frame());
    if (target != &s) {
        outbox.enqueueChat(s, stamper.frame());
        if (!target->profile.away.empty()) {
            stamper.awayReply(s, *target);
            outbox.enqueue(s, stamper.frame());
        }
    }
}

void deliverWaiting(Session& s, Conversations& conversations, const HistoryStore& history,
                    Outbox& outbox, const HubFacts& facts) {
    if (s.profile.account.empty()) {
        return;
    }
    const std::string recipient = protocol::nickKey(s.profile.account);
    for (const WaitingMessage& w : conversations.takeWaiting(recipient, facts.wallClock())) {
        HistorySlice slice = history.after(w.conversation, w.seq - 1, 1);
        if (slice.messages.empty() || slice.messages.front().seq() != w.seq) {
            continue;  // removed by history retention meanwhile
        }
        v1::ChatMessage& message = slice.messages.front();
        Conversations::toWire(message);
        message.set_waited(true);
        outbox.reply(s, [&](v1::Envelope& out) { *out.mutable_message() = std::move(message); });
    }
}

}  // namespace hermes::hub

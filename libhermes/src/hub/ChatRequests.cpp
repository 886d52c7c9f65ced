// Say and PrivateMessage: checked, stamped and framed once (Stamper), the
// same bytes queued to every recipient. Say is the hub's hot path. A Say
// that replies (reply_to) or is an event about a message (EDIT, DELETE,
// REACT, UNREACT) is checked against the room's MessageLedger first.
// A PrivateMessage between two accounts goes to every session signed in to
// the recipient's account (and a copy to the sender's other sessions), is
// kept in their conversation, and waits when no session of the account is
// signed in (Conversations.hpp). In a cluster, one to a nick no member of
// this hub holds goes through the backplane to the hub holding it
// (Backplane.hpp, docs/CLUSTER.md "Private messages across hubs").

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "Accounts.hpp"
#include "Backplane.hpp"
#include "Conversations.hpp"
#include "DurabilityGate.hpp"
#include "Intake.hpp"
#include "MessageLedger.hpp"
#include "Moderation.hpp"
#include "Outbox.hpp"
#include "Presence.hpp"
#include "Requests.hpp"
#include "RoomTable.hpp"
#include "SessionTable.hpp"
#include "Stamper.hpp"
#include "hermes/codec/FrameEncoder.hpp"
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

// A cluster's Say: checked here against this hub's ledger, as a hub alone
// checks it, then ordered by the backplane (Backplane.hpp). An edit,
// delete or reaction goes the same way as a message: every hub records it
// when its entry comes back (Hub::Impl::deliverEntry), the sender's echo
// included.
void sayToBackplane(Session& s, const v1::Say& say, const Room& room, Stamper& stamper,
                    Outbox& outbox, const MessageLedger& ledger, const Moderation& moderation,
                    Backplane& backplane, TimePoint now) {
    const bool event = MessageLedger::isEvent(say.kind());
    const bool reaction =
        say.kind() == v1::MESSAGE_KIND_REACT || say.kind() == v1::MESSAGE_KIND_UNREACT;
    const std::string reactor = reaction ? ledger.reactorOf(s) : std::string();
    if (event || say.reply_to() != 0) {
        if (auto refusal = checkReference(s, say, room, ledger, moderation, reactor)) {
            outbox.error(s, refusal->code, refusal->text, room.name, say.client_msg_id());
            return;
        }
    }
    if (auto refusal = backplane.refusal()) {
        outbox.error(s, v1::ERROR_CODE_CLUSTER_UNAVAILABLE, *refusal, room.name,
                     say.client_msg_id());
        return;
    }
    if (event) {
        stamper.roomEvent(room, 0, s, say, reactor);
    } else {
        stamper.roomMessage(room, 0, s, say, now);
    }
    backplane.publish(s.id, room.name, say.client_msg_id(), s.profile.account,
                      stamper.message().SerializeAsString(), room.log.nextSeq());
}

}  // namespace

void onSay(Session& s, const v1::Say& say, const RoomTable& rooms, Presence& presence,
           DurabilityGate& gate, Stamper& stamper, HistoryStore& history, Outbox& outbox,
           MessageLedger& ledger, const Moderation& moderation, Backplane& backplane,
           TimePoint now) {
    std::optional<protocol::ProtocolError> invalid;
    Room* room = rooms.lookup(say.room(), invalid);
    if (invalid) {
        outbox.error(s, v1::ERROR_CODE_INVALID_ROOM, invalid->text, say.room(),
                     say.client_msg_id());
        return;
    }
    const std::size_t slot = room == nullptr ? SessionRooms::npos : s.rooms.find(room);
    if (slot == SessionRooms::npos) {
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
    if (backplane.enabled()) {
        sayToBackplane(s, say, *room, stamper, outbox, ledger, moderation, backplane, now);
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
    // From now on its leaving reaches every member of a large room: they
    // may have seen it speak (docs/HUB.md "Large rooms").
    RoomTable::spoke(s, slot);
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

// A private frame to `to`: queued, or held while its waiting messages are
// read (Conversations::startDelivery), so that it comes after them.
void deliver(Session& to, std::string_view frame, Conversations& conversations, Outbox& outbox) {
    if (conversations.delivering(to.id)) {
        conversations.holdForDelivery(to.id, frame);
        return;
    }
    outbox.enqueueChat(to, frame);
}

// The stamped message as the sender's other sessions get it: the same but
// for client_msg_id, which is the sending session's own (another session
// of the account must not take it for the echo of a send of its own).
std::string forOtherSessions(const Stamper& stamper) {
    v1::Envelope envelope;
    *envelope.mutable_message() = stamper.message();
    envelope.mutable_message()->set_client_msg_id(0);
    return codec::encodeFrame(envelope);
}

// The sessions of account `accountKey` that are welcomed, `except` one.
std::vector<Session*> sessionsOf(const SessionTable& sessions, const std::string& accountKey,
                                 const Session* except) {
    std::vector<Session*> out;
    sessions.forEachOfAccount(accountKey, [&](Session& other) {
        if (&other != except && other.who.welcomed()) {
            out.push_back(&other);
        }
    });
    return out;
}

// What the sender's other sessions get of a message kept in a conversation:
// its copy, now or (an echo held for the store) once committed.
void copyToOtherSessions(const Session& s, const std::string& sender, const std::string& key,
                         std::uint64_t seq, const SessionTable& sessions,
                         Conversations& conversations, const Stamper& stamper,
                         const HistoryStore& history, Outbox& outbox) {
    const std::vector<Session*> others = sessionsOf(sessions, protocol::nickKey(sender), &s);
    if (others.empty()) {
        return;
    }
    const std::string frame = forOtherSessions(stamper);
    for (Session* other : others) {
        if (history.synchronous() || !stamper.message().offline()) {
            deliver(*other, frame, conversations, outbox);
        } else {
            conversations.holdEcho(other->id, key, seq, frame);
        }
    }
}

// A private message to the account `account`, of which no session is
// signed in: kept for it if the sender is a party (a conversation), else
// refused.
void leaveWaiting(Session& s, const v1::PrivateMessage& pm, const StoredAccount* account,
                  const SessionTable& sessions, Conversations& conversations, DurabilityGate& gate,
                  Stamper& stamper, HistoryStore& history, Outbox& outbox, const HubFacts& facts,
                  TimePoint now) {
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
    const std::string key = Conversations::key(sender, account->name);
    switch (conversations.spaceFor(recipient, key, facts.wallClock())) {
        case Conversations::Space::Free:
            break;
        case Conversations::Space::MailboxFull:
            outbox.error(s, v1::ERROR_CODE_MAILBOX_FULL,
                         account->name + " is offline and has " +
                             std::to_string(conversations.mailboxSize(recipient)) +
                             " messages waiting, the most the hub keeps for one account "
                             "(private.max_waiting); message not kept",
                         {}, pm.client_msg_id());
            return;
        case Conversations::Space::SenderShareFull:
            outbox.error(s, v1::ERROR_CODE_MAILBOX_FULL,
                         account->name + " is offline and has " +
                             std::to_string(conversations.waitingFrom(recipient, key)) +
                             " messages waiting from you, the most the hub keeps from one sender "
                             "(private.max_waiting_per_sender); message not kept",
                         {}, pm.client_msg_id());
            return;
    }
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
    copyToOtherSessions(s, sender, key, seq, sessions, conversations, stamper, history, outbox);
}

// A message between two accounts, the recipient signed in: to each of its
// sessions (any nick), echoed to the sender and copied to the sender's
// other sessions, kept in the conversation unless the store is far behind
// (then relayed as before private history, private_seq 0).
void toAccount(Session& s, const v1::PrivateMessage& pm, const std::string& sender,
               const std::string& account, const std::vector<Session*>& recipients,
               const SessionTable& sessions, Conversations& conversations, DurabilityGate& gate,
               Stamper& stamper, HistoryStore& history, Outbox& outbox, TimePoint now) {
    const std::string key = gate.admitsMessage() ? Conversations::key(sender, account) : "";
    const std::uint64_t seq = key.empty() ? 0 : conversations.nextSeq(key);
    // `to` as the session holding the account's nick spells it, else as registered.
    const Session* holder = sessions.findNick(account);
    stamper.privateMessage(s, holder != nullptr ? holder->who.nick() : account, pm, seq, now);
    if (!key.empty()) {
        keep(stamper, key, history);
    }
    for (Session* r : recipients) {
        deliver(*r, stamper.frame(), conversations, outbox);
    }
    outbox.enqueueChat(s, stamper.frame());
    if (!key.empty()) {
        copyToOtherSessions(s, sender, key, seq, sessions, conversations, stamper, history, outbox);
    }
    // Away only if no session of the account is here to read it.
    const bool away = std::all_of(recipients.begin(), recipients.end(),
                                  [](const Session* r) { return !r->profile.away.empty(); });
    if (away) {
        const Session& shown = holder != nullptr ? *holder : *recipients.front();
        stamper.awayReply(s, shown);
        outbox.enqueue(s, stamper.frame());
    }
}

// A private message to a nick no member of this hub holds, in a cluster:
// stamped here (private_seq 0) and handed to the backplane; the sender's
// echo waits for its answer (privateSentAcross).
void privateToBackplane(Session& s, const v1::PrivateMessage& pm, const std::string& sender,
                        Backplane& backplane, Stamper& stamper, Outbox& outbox, TimePoint now) {
    if (auto refusal = backplane.refusal()) {
        outbox.error(s, v1::ERROR_CODE_CLUSTER_UNAVAILABLE, *refusal, {}, pm.client_msg_id());
        return;
    }
    stamper.privateMessage(s, pm.to(), pm, 0, now);
    backplane.sendPrivate(s.id, pm, protocol::nickKey(pm.to()), sender,
                          stamper.message().SerializeAsString());
}

}  // namespace

void onPrivateMessage(Session& s, const v1::PrivateMessage& pm, const SessionTable& sessions,
                      const Accounts& accounts, Conversations& conversations, DurabilityGate& gate,
                      Stamper& stamper, HistoryStore& history, Outbox& outbox,
                      const HubFacts& facts, TimePoint now, Backplane* backplane) {
    if (auto refusal = stamper.check(pm.kind(), pm.text())) {
        outbox.error(s, refusal->code, refusal->text, {}, pm.client_msg_id());
        return;
    }
    Session* target = sessions.findNick(pm.to());
    // Between two accounts, a message is to the account, not to one
    // session: every session signed in to it gets it, whatever its nick,
    // and it waits only when none is. The account is the registered nick
    // `to` names (or, for an account the book does not list, such as a test
    // hub's, the one its holder is signed in to under that nick).
    const StoredAccount* account = conversations.enabled() ? accounts.find(pm.to()) : nullptr;
    const std::string sender = conversations.enabled() ? Conversations::party(s) : std::string();
    std::string recipient;
    if (!sender.empty()) {
        recipient = account != nullptr  ? account->name
                    : target != nullptr ? Conversations::party(*target)
                                        : std::string();
    }
    const StoredAccount* registered = accounts.find(pm.to());
    if (backplane != nullptr && target == nullptr && !protocol::checkNick(pm.to()) &&
        (registered == nullptr ||
         (sessionsOf(sessions, protocol::nickKey(registered->name), nullptr).empty() &&
          !backplane->refusal()))) {
        // No one here has the nick, nor is signed in to its account: another
        // hub's member may hold it (a registered nick only with its
        // password: the accounts are the cluster's). The backplane says
        // which, or that none does (then as here: it waits for the account
        // on this hub). One to an account that the backplane cannot take
        // now waits here rather than being refused, as on a hub alone.
        // docs/CLUSTER.md "Private messages across hubs".
        privateToBackplane(s, pm, Conversations::party(s), *backplane, stamper, outbox, now);
        return;
    }
    if (!recipient.empty() && protocol::nickKey(recipient) != protocol::nickKey(sender) &&
        (target == nullptr ||
         protocol::nickKey(target->profile.account) == protocol::nickKey(recipient))) {
        const std::vector<Session*> recipients =
            sessionsOf(sessions, protocol::nickKey(recipient), nullptr);
        if (recipients.empty()) {
            leaveWaiting(s, pm, account, sessions, conversations, gate, stamper, history, outbox,
                         facts, now);
        } else {
            toAccount(s, pm, sender, recipient, recipients, sessions, conversations, gate, stamper,
                      history, outbox, now);
        }
        return;
    }
    if (target == nullptr) {
        leaveWaiting(s, pm, account != nullptr ? account : registered, sessions, conversations,
                     gate, stamper, history, outbox, facts, now);
        return;
    }
    // Anyone else: the session holding the nick, and nothing kept (a nick
    // without an account proves nothing about who holds it next).
    stamper.privateMessage(s, target->who.nick(), pm, 0, now);
    deliver(*target, stamper.frame(), conversations, outbox);
    if (target != &s) {
        outbox.enqueueChat(s, stamper.frame());
        if (!target->profile.away.empty()) {
            stamper.awayReply(s, *target);
            outbox.enqueue(s, stamper.frame());
        }
    }
}

namespace {

// One waited message as its recipient gets it.
void sendWaitedMessage(Session& s, v1::ChatMessage& message, Outbox& outbox) {
    Conversations::toWire(message);
    message.set_waited(true);
    outbox.reply(s, [&](v1::Envelope& out) { *out.mutable_message() = std::move(message); });
}

}  // namespace

void deliverWaiting(Session& s, Conversations& conversations, HistoryStore& history, Intake& intake,
                    Outbox& outbox, const HubFacts& facts) {
    if (s.profile.account.empty()) {
        return;
    }
    const std::string recipient = protocol::nickKey(s.profile.account);
    std::vector<WaitingMessage> taken = conversations.takeWaiting(recipient, facts.wallClock());
    if (taken.empty()) {
        return;
    }
    if (history.searchesInBackground()) {
        // Up to private.max_waiting reads of the database: off the hub's
        // thread, as a search. The session's next frames, and private
        // messages to it, wait for them (sendWaited).
        SearchJob job;
        job.ticket = s.id;
        job.waited = taken;
        conversations.startDelivery(s.id, std::move(taken));
        intake.awaitRead(s);
        history.startSearch(std::move(job));
        return;
    }
    for (const WaitingMessage& w : taken) {
        HistorySlice slice = history.after(w.conversation, w.seq - 1, 1);
        if (slice.messages.empty() || slice.messages.front().seq() != w.seq) {
            continue;  // removed by history retention meanwhile
        }
        sendWaitedMessage(s, slice.messages.front(), outbox);
    }
}

void sendWaited(Session& s, std::vector<v1::ChatMessage> messages, Conversations& conversations,
                Outbox& outbox) {
    // The delivery ends last on purpose: if a send throws, the caller
    // (Hub::Impl::storeReadsDone) closes the session (Error{INTERNAL}) and
    // its finish() puts what it took back (Conversations::forget), to wait
    // or go to another session of the account; its held frames go with the
    // session. Ended first, a throw would lose the messages not yet sent.
    for (v1::ChatMessage& message : messages) {
        sendWaitedMessage(s, message, outbox);
    }
    for (const std::string& frame : conversations.finishDelivery(s.id)) {
        outbox.enqueueChat(s, frame);
    }
}

void privateSentAcross(const Backplane::PrivateInFlight& sent, PrivateOutcome outcome,
                       std::string_view detail, const SessionTable& sessions,
                       const Accounts& accounts, Conversations& conversations, DurabilityGate& gate,
                       Stamper& stamper, HistoryStore& history, Outbox& outbox,
                       const HubFacts& facts, const Backplane& backplane, TimePoint now) {
    Session* s = sessions.find(sent.session);
    if (s == nullptr || s->who.closing()) {
        return;  // delivered or not, no one here to tell
    }
    switch (outcome) {
        case PrivateOutcome::NoHolder:
        case PrivateOutcome::HeldHere:
            // As on a hub alone: delivered here, left waiting, or NO_SUCH_NICK.
            onPrivateMessage(*s, sent.pm, sessions, accounts, conversations, gate, stamper, history,
                             outbox, facts, now, nullptr);
            return;
        case PrivateOutcome::HolderDeaf:
            // Not CLUSTER_UNAVAILABLE: this hub is fine, and a client with a
            // hub list would leave it for that.
            // The other hub's name is the cluster's business, not the
            // sender's: not sent (it says where a member is connected).
            outbox.error(*s, v1::ERROR_CODE_PEER_HUB_UNREACHABLE,
                         "the hub of the cluster where " + sent.pm.to() +
                             " is cannot be reached now; message not delivered, send it again in "
                             "a moment",
                         {}, sent.pm.client_msg_id());
            return;
        case PrivateOutcome::Failed:
            outbox.error(*s, v1::ERROR_CODE_CLUSTER_UNAVAILABLE, std::string(detail), {},
                         sent.pm.client_msg_id());
            return;
        case PrivateOutcome::Published:
            break;
    }
    // Redis took it for the recipient's hub: the echo, live only. Nothing
    // is kept in a conversation here (nor there): a conversation kept on
    // two hubs would need their numbers to agree (docs/CLUSTER.md).
    if (!stamper.backplanePrivate(sent.message, 0)) {
        return;  // stamped here: cannot happen
    }
    const std::string to = stamper.message().to();
    outbox.enqueueChat(*s, stamper.frame());
    // Known for a member of a room listed here (its hub's AWAY notices and
    // the members read at each reconnect); a member of no room is not.
    if (const std::string& away = backplane.awayOf(to); !away.empty()) {
        stamper.awayReply(*s, backplane.shownAs(to), away);
        outbox.enqueue(*s, stamper.frame());
    }
}

AcrossDelivery privateFromAcross(const BackplaneEntry& entry, const SessionTable& sessions,
                                 const Accounts& accounts, Conversations& conversations,
                                 Stamper& stamper, Outbox& outbox) {
    if (!stamper.backplanePrivate(entry.message, 0)) {
        return AcrossDelivery::NotOne;
    }
    const std::string to = stamper.message().to();
    Session* target = sessions.findNick(to);
    if (target == nullptr || !target->who.welcomed()) {
        return AcrossDelivery::NoOneHere;
    }
    // A registered nick's message is the account's: never for a guest who
    // holds the nick (it is made to give it up: Hub::Impl::applyAccount).
    if (const StoredAccount* account = accounts.find(to);
        account != nullptr &&
        protocol::nickKey(target->profile.account) != protocol::nickKey(account->name)) {
        return AcrossDelivery::NoOneHere;
    }
    // Live only, private_seq 0, never kept in a conversation here (as at
    // its sender's hub: privateSentAcross).
    deliver(*target, stamper.frame(), conversations, outbox);
    return AcrossDelivery::Delivered;
}

}  // namespace hermes::hub

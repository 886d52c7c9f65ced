// Messages that waited on one hub of a cluster for an account that signs in
// on another (docs/CLUSTER.md "Private messages across hubs"): Hub::Impl's
// side, between Conversations (what waits here) and the backplane.
//
// A private message to a registered nick that no hub holds waits on its
// sender's hub, in its conversation there, as on a hub alone. When a
// session starts to speak as its account (signed in under the account's
// nick, or renamed to it), its hub publishes that once (announceSignIn,
// Backplane::signedIn, hermes:signin). Every other hub that holds messages
// waiting for that account, and has no session of its own signed in to it,
// takes them (Conversations::takeToSendOn: still counted in the mailbox)
// and sends each, in the order they were sent, to the hub holding the
// account's nick, as a private message across hubs, marked `waited`
// (private_seq 0: each hub numbers its own copy of a conversation). One
// that Redis did not take for that hub (no hub holds the nick any more, its
// hub is cut from Redis, Redis refused it, or the connection went: fate
// unknown) waits here again, in its place (Conversations::settleSentOn),
// for the account's next sign-in here or elsewhere; the store forgets one
// only once Redis took it. A hub back on Redis publishes its sessions'
// sign-ins again and asks about each account with messages waiting here
// ("HUB ACCOUNTKEY ?"), since it heard no notice while it was away; a hub
// where that account speaks answers with its sign-in
// (signInsAfterReconnect).
//
// The messages are read from the store on the hub's thread: at most
// private.max_waiting indexed point reads (200 by default), once per such
// sign-in, where a sign-in here reads its own on the search thread.
//
// Threading: none; the hub's thread.

#include <Poco/Exception.h>

#include <exception>
#include <optional>
#include <string>
#include <vector>

#include "HubImpl.hpp"
#include "hermes/protocol/Validation.hpp"

namespace hermes::hub {

void Hub::backplaneSignedIn(const BackplaneSignIn& signIn, TimePoint now) {
    owner_.check("Hub::backplaneSignedIn");
    impl_->setNow(now);
    if (signIn.hub == impl_->backplane.hubName() || impl_->sessions.shuttingDown() ||
        !impl_->backplane.up()) {
        // Its own (delivered here at the sign-in: deliverWaiting); or no
        // answer could come back to put a message back (shutting down, or
        // the command connection not ready).
        return;
    }
    if (signIn.question) {
        // A hub back on Redis holds messages for the account: a session
        // here speaking as it is published again (announceSignIn).
        std::vector<SessionId> ids;
        impl_->sessions.forEachOfAccount(signIn.account,
                                         [&ids](const Session& s) { ids.push_back(s.id); });
        for (const SessionId id : ids) {
            if (Session* s = impl_->sessions.find(id)) {
                impl_->announceSignInAgain(*s);
            }
        }
        return;
    }
    impl_->sendWaitingAcross(signIn.account, signIn.hub);
}

void Hub::Impl::signInsAfterReconnect() {
    // Every session speaking as its account is published again: one
    // announced while Redis was away, or whose notice the lost connection
    // dropped, reached no hub. A hub with nothing waiting for it does
    // nothing with it.
    sessions.forEach([this](Session& s) { announceSignInAgain(s); });
    // And the notices this hub missed while it was away: for each account
    // with messages waiting here and no session here, the hubs are asked,
    // and one where it is signed in publishes that again (backplaneSignedIn).
    std::size_t asked = 0;
    for (std::string& accountKey : conversations.waitingRecipients()) {
        // One of its sessions here, welcomed, takes them itself (resumeWaiting).
        bool here = false;
        sessions.forEachOfAccount(accountKey, [&here](const Session& s) {
            here = here || (s.who.welcomed() && !s.who.closing());
        });
        if (!here) {
            backplane.askSignedIn(std::move(accountKey));
            ++asked;
        }
    }
    if (asked != 0) {
        log.information(
            "backplane: asked the cluster whether %z accounts with private messages waiting "
            "here signed in on another hub while this hub was away from Redis",
            asked);
    }
}

void Hub::Impl::announceSignInAgain(Session& s) {
    if (s.who.welcomed() && !s.who.closing()) {
        s.profile.announcedAccount.clear();
        announceSignIn(s);
    }
}

void Hub::Impl::announceSignIn(Session& s) {
    const std::string party = Conversations::party(s);
    if (party.empty() || s.profile.announcedAccount == party) {
        return;  // not speaking as its account (messages go by nick), or told already
    }
    if (backplane.signedIn(protocol::nickKey(party))) {
        s.profile.announcedAccount = party;
    }
}

void Hub::Impl::sendWaitingAcross(const std::string& accountKey, const std::string& toHub) {
    if (conversations.waitingFor(accountKey) == 0) {
        return;
    }
    // A session here signed in to the account takes them itself (at its
    // sign-in, or once its own read is done: resumeWaiting).
    bool signedInHere = false;
    sessions.forEachOfAccount(accountKey, [&](const Session&) { signedInHere = true; });
    if (signedInHere) {
        return;
    }
    std::vector<WaitingMessage> taken = conversations.takeToSendOn(accountKey, facts.wallClock());
    std::size_t sent = 0;
    for (std::size_t i = 0; i < taken.size(); ++i) {
        WaitingMessage& w = taken[i];
        std::optional<v1::ChatMessage> message;
        std::string failure;
        try {
            HistorySlice slice = history->after(w.conversation, w.seq - 1, 1);
            if (!slice.messages.empty() && slice.messages.front().seq() == w.seq) {
                message = std::move(slice.messages.front());
            }
        } catch (const Poco::Exception& error) {
            failure = error.displayText();
        } catch (const std::exception& error) {
            failure = error.what();
        }
        if (!failure.empty()) {
            // The store failed to read it: this one and the rest wait here
            // again, for the next sign-in.
            log.error("history store: reading the private messages that wait for %s failed: %s",
                      accountKey, failure);
            for (std::size_t rest = i; rest < taken.size(); ++rest) {
                conversations.settleSentOn(taken[rest], false);
            }
            break;
        }
        if (!message) {
            conversations.settleSentOn(w, true);  // removed by history retention meanwhile
            continue;
        }
        Conversations::toWire(*message);
        message->set_private_seq(0);
        message->set_waited(true);  // as at a sign-in here: sent while the recipient was away
        const std::string from = message->from();
        backplane.sendWaited(w, accountKey, from, message->SerializeAsString());
        ++sent;
    }
    if (sent != 0) {
        log.information(
            "backplane: %z private messages that waited here for %s sent on: it "
            "signed in on hub %s",
            sent, accountKey, toHub);
    }
}

void Hub::Impl::waitedAnswered(const WaitingMessage& waiting, PrivateOutcome outcome,
                               std::string_view detail) {
    const bool taken = outcome == PrivateOutcome::Published;
    conversations.settleSentOn(waiting, taken);
    if (taken) {
        return;
    }
    log.warning(
        "backplane: a private message that waited here for %s could not be sent on (%s); "
        "it waits here again",
        waiting.recipient,
        outcome == PrivateOutcome::Failed       ? std::string(detail)
        : outcome == PrivateOutcome::HolderDeaf ? std::string("its hub is cut from Redis")
        : outcome == PrivateOutcome::HeldHere   ? std::string("a session here claims the nick")
                                                : std::string("no hub holds the nick now"));
    // A session of the account signed in here meanwhile takes it (messages
    // wait only while none is: restartDelivery).
    restartDelivery(waiting.recipient);
}

}  // namespace hermes::hub

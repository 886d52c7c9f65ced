// Messages that waited on one hub of a cluster for an account that signs in
// on another (docs/CLUSTER.md "Private messages across hubs"): Hub::Impl's
// side, between Conversations (what waits here) and the backplane.
//
// A private message to a registered nick that no hub holds waits on its
// sender's hub, in its conversation there, as on a hub alone. When a
// session signs in to an account, its hub publishes the sign-in
// (Backplane::signedIn, hermes:signin). Every other hub that holds messages
// waiting for that account, and has no session of its own signed in to it,
// takes them (Conversations::takeWaiting) and sends each to the hub holding
// the account's nick, as a private message across hubs (private_seq 0: each
// hub numbers its own copy of a conversation) and marked `waited`, in the
// order they were sent. One that Redis did not take for that hub (no hub holds the nick any
// more, its hub is cut from Redis, Redis refused or the connection went)
// waits here again (Conversations::settleSentOn), for the account's next sign-in
// here or elsewhere.
//
// The messages are read from the store on the hub's thread: at most
// private.max_waiting indexed point reads (200 by default), once per such
// sign-in, where a sign-in here reads its own on the search thread.
//
// Threading: none; the hub's thread.

#include <string>

#include "HubImpl.hpp"
#include "hermes/protocol/Validation.hpp"

namespace hermes::hub {

void Hub::backplaneSignedIn(const BackplaneSignIn& signIn, TimePoint now) {
    owner_.check("Hub::backplaneSignedIn");
    impl_->setNow(now);
    if (signIn.hub == impl_->backplane.hubName()) {
        return;  // its own: delivered here at the sign-in (deliverWaiting)
    }
    impl_->sendWaitingAcross(signIn.account, signIn.hub);
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
    std::size_t sent = 0;
    for (WaitingMessage& w : conversations.takeToSendOn(accountKey, facts.wallClock())) {
        HistorySlice slice = history->after(w.conversation, w.seq - 1, 1);
        if (slice.messages.empty() || slice.messages.front().seq() != w.seq) {
            conversations.settleSentOn(w, true);  // removed by history retention meanwhile
            continue;
        }
        v1::ChatMessage message = std::move(slice.messages.front());
        Conversations::toWire(message);
        message.set_private_seq(0);
        message.set_waited(true);  // as at a sign-in here: sent while the recipient was away
        const std::string from = message.from();
        backplane.sendWaited(std::move(w), accountKey, from, message.SerializeAsString());
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
    if (outcome == PrivateOutcome::HeldHere) {
        // Signing in here meanwhile: its session takes what waits here.
        restartDelivery(waiting.recipient);
    }
}

}  // namespace hermes::hub

// Renames and away across the hubs of a cluster (docs/CLUSTER.md, "Nick
// changes and away"): Hub::Impl's side, between the single hub's handlers
// (onSetNick, onSetAway) and the backplane (Backplane.hpp).
//
// A SetNick claims the new nick in Redis first, as a Hello does: the
// session keeps its old nick, and its next frames wait (Intake::awaitRead),
// until the claim is answered. Granted, it is renamed as on a single hub,
// the new nick's claim replaces the old one's (released in Redis), and each
// room it is in is told to the other hubs ("renamed"). An away or back is
// told to the other hubs per room ("away", "back") once it changed here.
//
// Threading: none; the hub's thread.

#include "HubImpl.hpp"
#include "hermes/protocol/Validation.hpp"

namespace hermes::hub {

void Hub::Impl::renameAcross(Session& s, const v1::SetNick& request) {
    if (refuseSetNick(s, request, sessions, accounts, outbox)) {
        return;
    }
    // Also a new spelling of its own nick: its "renamed" notice would be
    // lost, and the other hubs would list the old spelling for good.
    if (!backplane.up()) {
        outbox.error(s, v1::ERROR_CODE_CLUSTER_UNAVAILABLE,
                     "this hub cannot reach the cluster's backplane (Redis) to rename you to " +
                         request.nick() + "; you are still " + s.who.nick() +
                         ", try again in a moment");
        return;
    }
    const std::string key = protocol::nickKey(request.nick());
    if (key == protocol::nickKey(s.who.nick())) {
        // Only its spelling changes: the key it holds in Redis stays.
        renamed(s, request);
        return;
    }
    backplane.claimRename(s.id, key, request);
    intake.awaitRead(s);
}

void Hub::Impl::renameClaimed(Session& s, Backplane::Claim claim, bool granted,
                              std::string_view error) {
    intake.readDone(s);
    const std::string& nick = claim.rename->nick();
    if (!granted) {
        if (error.empty()) {
            outbox.error(s, v1::ERROR_CODE_NICK_TAKEN,
                         "nick " + nick + " is taken (on another hub of the cluster); you are " +
                             "still " + s.who.nick() + ", choose another");
        } else {
            outbox.error(s, v1::ERROR_CODE_CLUSTER_UNAVAILABLE,
                         std::string(error) + " (nick " + nick + " not claimed; you are still " +
                             s.who.nick() + ")");
        }
        return;
    }
    if (renamed(s, *claim.rename)) {
        backplane.own(s.id, std::move(claim.nick));  // and the old nick is released
        // A private message for the new nick that came while its claim was
        // out was held here for it (Backplane::nickPendingHere).
        deliverHeldPrivate(s);
        // Renamed to its account's nick: what waits for it on other hubs
        // can come now.
        announceSignIn(s);
    } else {
        // Refused here after all (taken meanwhile by another session of
        // this hub, registered, or banned): free again unless another
        // session here holds or claims it (releaseNick).
        backplane.releaseNick(std::move(claim.nick));
    }
}

bool Hub::Impl::renamed(Session& s, const v1::SetNick& request) {
    // A ban set while the claim was out counts, as on a single hub.
    if (refuseBannedNick(s, request, moderation, outbox, facts)) {
        return false;
    }
    const std::string old = s.who.nick();
    onSetNick(s, request, sessions, accounts, presence, gate, outbox);
    if (s.who.nick() != request.nick()) {
        return false;
    }
    if (old != request.nick()) {
        for (const Membership& membership : s.rooms) {
            backplane.announce(membership.room->name, "renamed", old, request.nick());
        }
    }
    return true;
}

void Hub::Impl::awayAcross(Session& s, const v1::SetAway& request) {
    const std::string before = s.profile.away;
    onSetAway(s, request, presence, gate, outbox, now);
    if (s.profile.away == before) {
        return;  // refused, or nothing changed: nothing to tell
    }
    const std::string_view kind = s.profile.away.empty() ? "back" : "away";
    for (const Membership& membership : s.rooms) {
        backplane.announce(membership.room->name, kind, s.who.nick(), s.profile.away);
    }
}

}  // namespace hermes::hub

#pragma once
// The hub's side of the cluster's backplane (HubConfig::cluster,
// docs/CLUSTER.md), without Redis: the room messages this hub sent to it and
// awaits an answer for, the entries that came out of order and wait for the
// ones before them, the rooms whose stream is being read to fill a gap, and
// the requests for the edge (BackplaneEntry.hpp). The only writer of those.
//
// One order per room: a room's seqs are the backplane's. The hub delivers a
// room's entries strictly in seq order, each exactly once: an entry below
// the room's next seq was delivered already (a fill and a live notice
// overlap), one above it waits here while the room's stream is read from
// the next seq (Fill). A gap the stream no longer holds (trimmed by
// cluster.stream_max_messages while this hub was away) is skipped: the
// hub's history then lacks those seqs, as after a retention prune.
//
// The echo is the backplane's: a Say is stamped (seq 0) and handed to the
// backplane, and its sender gets it, like every member, when the entry
// comes back. Refused while the backplane is down or cluster.max_in_flight
// sends await an answer (CLUSTER_UNAVAILABLE), never ordered locally.
//
// Private messages across hubs: a private message to a nick no member here
// holds goes to the backplane (sendPrivate), which numbers it for the hub
// holding the nick, appends it to that hub's stream and publishes it; the
// sender's echo waits for that answer (privateAnswered), as a Say's waits
// for its entry. The receiving hub delivers its private messages once each,
// in number order, as a room's entries (acceptPrivate): one at or below
// its cursor was delivered already (a notice and a fill overlap), one above
// the next waits while its stream is read from the next (PrivateFill). Its
// cursor starts at Redis's count when it first joins (PrivateCursor: what
// was sent to an earlier run of this hub is not delivered to this one), and
// each reconnect reads what was published while it was away. What it
// delivered is trimmed from its stream (trimPrivate). One for a nick a
// session here claims but is not welcomed yet is held for it (hold), not
// forwarded; one for a member who left is forwarded once (forwardPrivate).
//
// Threading: none; the hub's thread.

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "RemoteProfiles.hpp"
#include "hermes/hub/BackplaneEntry.hpp"
#include "hermes/hub/Clock.hpp"
#include "hermes/hub/HistoryStore.hpp"
#include "hermes/hub/HubConfig.hpp"
#include "hermes/hub/SessionId.hpp"
#include "hermes/v1/hermes.pb.h"

namespace hermes::hub {

class Backplane {
public:
    explicit Backplane(const HubConfig& config)
        : enabled_(config.cluster),
          hubName_(config.clusterHubName),
          maxInFlight_(config.clusterMaxInFlight) {}

    bool enabled() const { return enabled_; }
    // Refs (publish, claim, private) start from this run's start, wall
    // clock ms: an entry names its sender by (hub, ref), and a Fill may read
    // an earlier run's entries of this hub name while this run's sends are
    // awaited (takeSender), so no two runs may share a ref. 65536 refs per
    // ms between two starts before they could meet.
    void startRefsAt(std::int64_t startMs);
    bool up() const { return up_; }
    const std::string& hubName() const { return hubName_; }

    // Why a message cannot be sent now, if it cannot.
    std::optional<std::string> refusal() const;

    // A send awaiting the backplane's answer: who to tell if it fails.
    struct InFlight {
        SessionId session = 0;
        std::string room;
        std::uint64_t clientMsgId = 0;
        bool entrySeen = false;  // its entry came before the answer (takeSender)
    };
    // `message` (a stamped ChatMessage, seq 0) of `room` to the backplane.
    // `nextSeq`: the room's next seq here, the least it may get.
    void publish(SessionId session, const std::string& room, std::uint64_t clientMsgId,
                 std::string_view account, std::string message, std::uint64_t nextSeq);
    // The backplane answered send `ref` (taken off the list); nullopt: not ours.
    std::optional<InFlight> answered(std::uint64_t ref);
    // Redis took send `ref` of `session` (answered without an error): its
    // entry may come after the answer, and still names its sender here.
    void published(std::uint64_t ref, SessionId session);
    // The session of this hub's send `ref`, awaiting its answer or its
    // entry (0: none, or another hub's); forgotten once taken. The ledger
    // needs it for a guest's message (MessageLedger.hpp), whichever of the
    // answer and the notice comes first.
    SessionId takeSender(std::string_view hub, std::uint64_t ref);
    // Senders remembered for entries not yet come (published), at most.
    static constexpr std::size_t kMaxPublishedSenders = 4096;
    std::size_t inFlight() const { return inFlight_.size(); }
    // Sends whose answer or entry has not come (in flight, or published).
    std::size_t awaited() const { return inFlight_.size() + published_.size(); }

    enum class Verdict { Deliver, Delivered, Waits };
    // An entry of a room whose next seq is `nextSeq`: deliver it now, drop it
    // (delivered before), or it waits for a gap to fill (a Fill is asked).
    Verdict accept(std::uint64_t nextSeq, BackplaneEntry& entry);
    // The waiting entry that is now next, if any (older ones are dropped).
    std::optional<BackplaneEntry> takeNext(const std::string& room, std::uint64_t nextSeq);
    // A Fill of `room` read `entries` entries (all given to the hub first),
    // the highest `lastSeq` (0: none). Returns the seq to skip to when the
    // stream no longer holds the gap (0: no skip): the first waiting
    // entry's, only if the read reached it. Entries heard while the Fill was
    // out, above what it read, are no gap: they are read by another Fill.
    // After a full page it asks for the next itself unless it skips: then
    // the caller asks (fill), from where the skipped-to entries it delivered
    // end.
    std::uint64_t filled(const std::string& room, std::size_t entries, std::uint64_t lastSeq,
                         std::uint64_t nextSeq);
    // The room's entries are delivered up to nextSeq - 1: read the rest of
    // its stream (after a reconnect, or when a room first exists here).
    void fill(const std::string& room, std::uint64_t nextSeq);

    // The edge connected (and subscribed) or lost the backplane.
    void setUp(bool up);

    // Requests for the edge, in order; taken (the list is left empty).
    void takeRequests(std::vector<BackplaneRequest>& out);
    bool hasRequests() const { return !requests_.empty(); }

    // --- private messages across hubs ---------------------------------------------
    // A private message awaiting the backplane's answer.
    struct PrivateInFlight {
        SessionId session = 0;
        v1::PrivateMessage pm;  // as the client sent it (sent here again if no hub has `to`)
        std::string message;    // the stamped ChatMessage, serialized (private_seq 0)
    };
    // `message` to the hub holding `nickKey`; `account`: the sender's, when
    // it speaks as its account ("" else).
    void sendPrivate(SessionId session, const v1::PrivateMessage& pm, std::string nickKey,
                     std::string_view account, std::string message);
    // A message that came here for a member who has moved on: to the hub
    // holding the nick now, once (REF 0 on the wire: its receiver does not
    // forward it again). Its answer comes back under its own ref
    // (forwardAnswered): HeldHere means a session here claimed the nick
    // meanwhile, and the message is held for it.
    void forwardPrivate(BackplaneEntry entry, std::string nickKey);
    // The backplane answered forward `ref` (taken off the list); nullopt: not one.
    struct Forwarded {
        std::string nickKey;
        BackplaneEntry entry;
    };
    std::optional<Forwarded> forwardAnswered(std::uint64_t ref);
    // A session here signed in to the account `accountKey`: the other hubs
    // are told (SignedIn), and each sends what waits there for the account
    // to the hub holding its nick (sendWaited). Not while the backplane is
    // down (false): the hub publishes it again when it is back
    // (Hub::Impl::signInsAfterReconnect), and hubs that were away ask
    // (askSignedIn).
    bool signedIn(std::string accountKey);
    // Messages wait here for `accountKey` and this hub was away from Redis:
    // a sign-in elsewhere meanwhile told no one here. The hubs are asked
    // (AskSignedIn); one where the account is signed in publishes that again.
    void askSignedIn(std::string accountKey);
    // A message that waited here for an account that signed in on another
    // hub: `message` (private_seq 0) to the hub holding `nickKey`, as a
    // private message across hubs. Answered under its own ref
    // (waitedAnswered): unless Redis took it for that hub, it waits here
    // again.
    void sendWaited(WaitingMessage waiting, std::string nickKey, std::string_view account,
                    std::string message);
    std::optional<WaitingMessage> waitedAnswered(std::uint64_t ref);
    // A Hello of this hub claims `nickKey` (asked, not answered) or a
    // session here holds its claim (welcomed, or its password being
    // checked): a private message for it waits here rather than going on.
    bool nickPendingHere(const std::string& nickKey) const;
    // Private messages held for a session of this hub that holds (or is
    // claiming) their nick but is not welcomed yet: given to the first
    // welcomed session with that nick (takeHeld), dropped after
    // kHeldPrivateFor (expireHeld). At most kMaxHeldPrivate over all nicks:
    // false when full (the caller drops and logs it).
    static constexpr std::size_t kMaxHeldPrivate = 1000;
    static constexpr std::chrono::seconds kHeldPrivateFor{10};
    bool hold(std::string nickKey, BackplaneEntry entry, TimePoint now);
    std::vector<BackplaneEntry> takeHeld(const std::string& nickKey);
    // Drops what was held past its bound; returns how many, per nick.
    std::vector<std::pair<std::string, std::size_t>> expireHeld(TimePoint now);
    std::size_t held() const { return heldCount_; }
    // The backplane answered private message `ref` (taken off the list).
    std::optional<PrivateInFlight> privateAnswered(std::uint64_t ref);
    std::size_t privateInFlight() const { return privateInFlight_.size(); }
    // A private message to this hub (entry.seq its number): deliver it now,
    // drop it (delivered before), or it waits for a gap to fill.
    Verdict acceptPrivate(BackplaneEntry& entry);
    // The waiting private message that is now next, if any.
    std::optional<BackplaneEntry> takeNextPrivate();
    // Redis's count of this hub's private messages (the answer to
    // PrivateCursor): the cursor's start, or, after a reconnect, how far
    // to read.
    void privateCursor(std::uint64_t count);
    // A PrivateFill read `entries` entries (all given to acceptPrivate
    // first). Returns the number skipped to when the stream no longer holds
    // the gap (0: none).
    std::uint64_t privateFilled(std::size_t entries);
    // A Fill (of `room`) or a PrivateFill was answered with an error (not
    // a trimmed stream: nothing is skipped). Asked again at the next
    // retryFills, from where the hub is then.
    void fillFailed(const std::string& room);
    void privateFillFailed();
    // The rooms whose Fill failed (the caller asks each again with its
    // nextSeq); a failed PrivateFill is asked again here.
    std::vector<std::string> retryFills();
    std::uint64_t lastPrivate() const { return lastPrivate_; }
    // What this hub delivered is dropped from its stream in Redis (a
    // PrivateTrim up to the cursor), at most once per kTrimEvery: Redis
    // keeps a private message only until its hub has delivered it.
    static constexpr std::chrono::seconds kTrimEvery{1};
    void trimPrivate(TimePoint now);

    // --- nicks, unique across the cluster ----------------------------------------
    // A Hello's nick is claimed in Redis before the hub welcomes it (the
    // Hello waits); a session holds its claim until it ends. A SetNick's
    // new nick is claimed the same way before the rename (the session keeps
    // its old nick, and its next frames wait, until the answer).
    struct Claim {
        SessionId session = 0;
        std::string nick;  // protocol::nickKey
        v1::Hello hello;
        std::optional<v1::SetNick> rename;  // a SetNick's claim, not a Hello's
    };
    void claim(SessionId session, std::string nick, const v1::Hello& hello);
    void claimRename(SessionId session, std::string nick, const v1::SetNick& request);
    // The backplane answered claim `ref` (taken off the list); nullopt: not ours.
    std::optional<Claim> claimed(std::uint64_t ref);
    // `session` holds `nick` now (one at a time: an earlier one is released).
    void own(SessionId session, std::string nick);
    // `session` ended: its nick, if it held one, is released.
    void release(SessionId session);
    // `nick` is released in Redis, unless a session here still holds or
    // claims it (nickPendingHere): Redis records which hub holds a nick,
    // not which session, so a release frees it on every hub. Every release
    // (own, release, a claim refused or answered too late) goes through it.
    void releaseNick(std::string nick);

    // --- presence across hubs ------------------------------------------------------
    // This hub's member `nick` joined, left or quit `room` ("joined", "left",
    // "quit"), was renamed (`reason` the new nick), or went away ("away",
    // `reason` its text) or came back ("back"): written to Redis for every
    // other hub. Lost while the backplane is down (the other hubs' lists
    // then lag until the next change; docs/CLUSTER.md).
    void announce(const std::string& room, std::string_view kind, std::string_view nick,
                  std::string_view reason);
    // Read every room's members on every hub (the backplane is back).
    void loadMembers();
    // This hub's sessions ("\nNICK\nAWAY" each) and members of every room
    // ("ROOM\nNICK" each), written to Redis
    // in place of what it lists for this hub (the backplane is back, before
    // loadMembers): a join, leave, quit or rename whose notice was lost
    // while Redis was away (or whose entries a reap removed) is published
    // then, as joined, left or quit, and listed as it is now.
    void syncMembers(std::vector<std::string> entries);
    // Another hub's presence: true when it is to be shown to the room's
    // members here (a JOINED of one listed already, a rename, away or leave
    // of one not listed, or this hub's own notice, is not shown).
    bool applyPresence(const BackplanePresence& presence);
    // Every room's members on every hub, as Redis has them now: the other
    // hubs' replace what was known. Returns what changed, as presence to
    // show (applied already): "joined" for a member listed now and not
    // before (one that moved to another hub is no change to show), then "left" for one no longer
    // listed in a room whose nick its hub still holds, "quit" for one whose
    // nick no hub holds now, then "away" or "back" in each room of a member
    // listed before and now whose away text changed; removals first, so a rename missed reads as a
    // quit and a join.
    std::vector<BackplanePresence> setMembers(const std::vector<BackplaneMember>& members);
    // Members of `room` on other hubs (nick -> hub), or nullptr.
    const std::map<std::string, std::string>* others(const std::string& room) const;
    // Another hub's member's away text ("": back, or not known here). Known
    // from its AWAY/BACK notices (kinds "away", "back") and from each read
    // of the members (setMembers: Redis keeps every hub's away texts);
    // forgotten when it quits, and for a nick that was listed in no room
    // when it joins one (another session; its hub tells an away after the
    // JOINED).
    const std::string& awayOf(std::string_view nick) const;
    // `nick` as another hub lists it in a room (its holder's spelling), or
    // as given when no room lists it.
    std::string shownAs(std::string_view nick) const;
    // The rooms where another hub lists `nick` (sorted, canonical), and its hub
    // ("" and no rooms: not listed anywhere).
    std::vector<std::string> roomsOf(std::string_view nick, std::string& hub) const;
    // Other hubs' members' sign-on times, client names and last messages
    // (Whois), from their JOINED notices and the room messages delivered here.
    const RemoteProfiles& profiles() const { return profiles_; }
    // A room message of another hub's member `nick`, stamped `timeMs`, was delivered here.
    void spoke(std::string_view nick, std::int64_t timeMs) { profiles_.spoke(nick, timeMs); }

    // The nick (as shown) of another hub's member of `room` whose folded
    // nick (Moderation::fold) is `folded`, if any.
    std::optional<std::string> otherMember(const std::string& room, std::string_view folded) const;

    // --- room state across hubs (ClusterState.hpp) --------------------------------------
    // `record` of `field` to Redis: kept in or deleted from hermes:state
    // (`mode`) and published to every hub, this one included (applied when
    // it comes back). Lost while the backplane is down: callers refuse first.
    // `from`: the session told if Redis refuses it (Hub::backplaneStateRefused).
    void writeState(std::string field, std::string record, StateMode mode, SessionId from);
    // Read every stored record (the backplane is back).
    void loadStates();

    // Entries waiting for a gap, over all rooms (invariants, tests).
    std::size_t waiting() const;

private:
    const bool enabled_;
    const std::string hubName_;
    const std::size_t maxInFlight_;
    bool up_ = false;
    std::uint64_t nextRef_ = 1;
    std::unordered_map<std::uint64_t, InFlight> inFlight_;
    // Sends Redis took whose entry has not come (published): ref -> session;
    // the oldest refs go first past kMaxPublishedSenders (an entry lost to a
    // trimmed stream never comes).
    std::map<std::uint64_t, SessionId> published_;
    std::unordered_map<std::uint64_t, PrivateInFlight> privateInFlight_;
    // A Private request for the edge; its ref.
    std::uint64_t requestPrivate(std::string nickKey, std::string_view account, std::string message,
                                 bool forwarded);
    void fillPrivate();
    std::uint64_t lastPrivate_ = 0;    // the newest private message number delivered
    bool privateCursorKnown_ = false;  // lastPrivate_ starts from Redis's count
    bool privateFilling_ = false;      // a PrivateFill asked and not answered
    std::uint64_t trimmedTo_ = 0;      // the cursor the last PrivateTrim was asked up to
    TimePoint nextTrimAt_{};
    bool privateRefill_ = false;    // a PrivateFill failed: ask again (retryFills)
    std::set<std::string> refill_;  // rooms whose Fill failed: ask again (retryFills)
    std::map<std::uint64_t, BackplaneEntry> privateWaiting_;    // above the next, by number
    std::unordered_map<std::uint64_t, Forwarded> forwarded_;    // asked, not answered
    std::unordered_map<std::uint64_t, WaitingMessage> waited_;  // sent on, not answered
    struct Held {
        BackplaneEntry entry;
        TimePoint until;
    };
    std::map<std::string, std::deque<Held>> held_;  // by nick key, in arrival order
    std::size_t heldCount_ = 0;
    std::unordered_map<std::string, std::map<std::uint64_t, BackplaneEntry>> waiting_;
    // Rooms with a Fill asked and not answered: the seq it reads up to (0:
    // the stream's end, whatever that is when Redis reads it).
    std::unordered_map<std::string, std::uint64_t> filling_;
    std::vector<BackplaneRequest> requests_;
    std::unordered_map<std::uint64_t, Claim> claims_;   // asked, not answered
    std::unordered_map<SessionId, std::string> owned_;  // nick keys held by sessions
    // Per room: the members other hubs have (nick as shown -> hub).
    std::unordered_map<std::string, std::map<std::string, std::string>> others_;
    // Other hubs' members who are away: nick key -> away text.
    std::unordered_map<std::string, std::string> away_;
    RemoteProfiles profiles_;
    bool applyRename(const BackplanePresence& presence);
    bool listedAnywhere(const std::string& nick) const;
};

}  // namespace hermes::hub

#pragma once
// Hub::Impl: the hub's components, held by value, and the order of a turn
// (private to libhermes; not installed).
//
// Each component owns its state and is the only writer of its invariants;
// the request handlers (Requests.hpp) take the components they use. Impl
// owns none of the hub's state itself beyond the turn's time: it decodes
// and dispatches, carries out closes, and runs timers, flushes, commits and
// reads in their order.
//
//   component        file               owns
//   ---------        ----               ----
//   SessionTable     SessionTable.hpp   sessions by id, their state and nick, the
//                                       nick index and connection counts (Registry),
//                                       closes decided and handed to the edge
//   Intake           Intake.hpp         decoders, rate limits, waiting frames;
//                                       throttled and held-input lists
//   Outbox           Outbox.hpp         outbound queues, the writable list, room
//                                       frame blocks (the hot path, inline)
//   OutputBudget     OutputBudget.hpp   whether input is taken (the budget's
//                                       pause, shutdown), who is slow
//   RoomTable        RoomTable.hpp      rooms, the two-way membership index, topics
//   Presence         Presence.hpp       pending presence, dirty rooms, the one
//                                       Presence frame builder
//   DurabilityGate   DurabilityGate.hpp room seqs, frames held for the store,
//                                       STORE_BEHIND, history requests waiting
//                                       for held messages
//   Liveness         Liveness.hpp       handshake and ping clocks, the scan's
//                                       cadence, rates and uptime
//   Stamper          Stamper.hpp        the check and stamping of chat messages
//   Moderation       Moderation.hpp     room modes, operators, mutes, invites,
//                                       room and hub-wide bans, their store
//   Accounts         Accounts.hpp       registered nicks, sign-in throttles, the hub
//                                       password, the hashing thread
//   MessageLedger    MessageLedger.hpp  each room's newest seqs: authors, deletes,
//                                       reactions (replies, edits, reactions)
//   Conversations    Conversations.hpp  private conversations' keys and seqs, private
//                                       messages waiting for an offline account
//   TypingRelay      TypingRelay.hpp    each sender's typing bucket, typing figures
//   ReadMarkers      ReadMarkers.hpp    read markers by account (and by session
//                                       when not signed in), their store
//   Transfers        Transfers.hpp      the file store's index and its thread, uploads
//                                       and downloads under way, the live FILE
//                                       messages (who may fetch which file)
//   Backplane        Backplane.hpp      the cluster: sends awaiting Redis, entries
//                                       waiting for a gap, requests for the edge
//
// Threading: not thread safe; the hub's thread (Hub.hpp).

#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <Poco/Logger.h>

#include "Accounts.hpp"
#include "Backplane.hpp"
#include "ClusterState.hpp"
#include "Conversations.hpp"
#include "DurabilityGate.hpp"
#include "Intake.hpp"
#include "Liveness.hpp"
#include "MessageLedger.hpp"
#include "MetricsRing.hpp"
#include "Moderation.hpp"
#include "Outbox.hpp"
#include "OutputBudget.hpp"
#include "Presence.hpp"
#include "ReadMarkers.hpp"
#include "Requests.hpp"
#include "RoomTable.hpp"
#include "SessionTable.hpp"
#include "Stamper.hpp"
#include "Transfers.hpp"
#include "TypingRelay.hpp"
#include "hermes/hub/Hub.hpp"

namespace hermes::hub {

struct Hub::Impl {
    Impl(Hub& owner, std::unique_ptr<HistoryStore> store, WallClock clock,
         std::unique_ptr<ModerationStore> moderationStore,
         std::unique_ptr<AccountStore> accountStore, std::unique_ptr<ReadMarkerStore> markerStore);

    const HubConfig& config;
    HubStats& stats;
    MemoryGauge& memory;
    std::unique_ptr<HistoryStore> history;
    WallClock wallClock;
    Poco::Logger& log;
    const HubFacts facts;

    TimePoint now{};  // the time of the hub's current call
    bool started = false;

    SessionTable sessions;
    Intake intake;
    Outbox outbox;
    OutputBudget budget;
    RoomTable rooms;
    Presence presence;
    DurabilityGate gate;
    Liveness liveness;
    Stamper stamper;
    Moderation moderation;
    Accounts accounts;
    MessageLedger ledger;
    Conversations conversations;
    TypingRelay typing;
    ReadMarkers markers;
    Transfers transfers;
    MetricsRing metrics;
    Backplane backplane;
    ClusterState clusterState;  // the cluster's topics and bans this hub applied
    // Registrations and password changes sent to Redis, by the session
    // waiting for the answer (ClusterAccounts.cpp).
    struct AccountWrite {
        std::string field;   // ClusterState::accountField
        std::string record;  // "NAME\nHASH"
        AccountJob job;      // its passwords wiped
    };
    std::unordered_map<SessionId, AccountWrite> accountWrites;

    // Searches the store finished that wait for the budget to take input
    // again (their answers add output).
    std::deque<FinishedSearch> readsReady;
    // Counts changes that alter a member list page without changing the
    // room's members or nicks (away, moderation, sign-in, reload): a
    // MemberPages frame built at another count is built again.
    std::uint64_t memberFacts = 0;

    void setNow(TimePoint t);

    // --- input: decode, admit, dispatch ---------------------------------------------

    void receive(Session& s, std::string_view bytes);
    void serveWaiting(Session& s);
    void admit(Session& s, v1::Envelope& envelope);
    // Dispatches one frame; an exception closes `s` alone (Error{INTERNAL}).
    void serve(Session& s, const v1::Envelope& envelope);
    void dispatch(Session& s, const v1::Envelope& envelope);
    void internalError(Session& s, std::string_view doing, std::string_view what);
    void rejectPayload(Session& s, std::string_view payload);
    void decodeFailed(Session& s);

    // --- the turn's other work --------------------------------------------------------

    void flushAll(bool force);
    TimePoint tick();
    void scan();
    void reclaimRooms();
    void resumeIfDrained();
    void decodeHeldInput();
    void storeCommitted();
    void answerWaitingHistory();
    void storeReadsDone();
    void accountsDone();
    void filesDone();
    void forgetDeletedFile(const v1::Say& say);
    void filesOfEntry(const Room& room, const v1::ChatMessage& message);
    // The cluster's backplane (Backplane.hpp): an entry delivered in its
    // room's order, and what waited behind it.
    void backplaneEntry(BackplaneEntry entry);
    // Another hub's presence (its notice, or a change a read of the members
    // found) shown to this hub's members of the room.
    void showBackplanePresence(const BackplanePresence& event);
    // This hub's members written to Redis as they are now (the backplane is back).
    void syncMembers();
    void deliverEntry(Room& room, const BackplaneEntry& entry);
    void deliverPrivate(BackplaneEntry entry);
    // Private messages for a session of this hub that is not welcomed yet
    // (Backplane::hold): held, given to it once welcomed, or dropped.
    void holdPrivate(const std::string& nickKey, BackplaneEntry entry);
    void deliverHeldPrivate(Session& s);
    void expireHeldPrivate();
    void forwardAnswered(Backplane::Forwarded forwarded, PrivateOutcome outcome,
                         std::string_view detail);
    // What waits here for the account `accountKey`, which signed in on hub
    // `toHub`, sent on to it; one not taken there waits again (ClusterWaiting.cpp).
    void sendWaitingAcross(const std::string& accountKey, const std::string& toHub);
    // A session that speaks as its account (its nick the account's: at a
    // sign-in, or a rename to it) publishes that, once (ClusterWaiting.cpp).
    void announceSignIn(Session& s);
    // The same once more, for a welcomed session that is not closing.
    void announceSignInAgain(Session& s);
    // Back on Redis: every session here speaking as its account is published
    // again, and the hubs are asked about each account that has messages
    // waiting here (ClusterWaiting.cpp).
    void signInsAfterReconnect();
    void waitedAnswered(const WaitingMessage& waiting, PrivateOutcome outcome,
                        std::string_view detail);
    void deliverWaitingEntries(Room& room);
    // The cluster's room state (ClusterRoomState.cpp): a topic, a ban, an
    // unban or a kick Redis published (or held while this hub was away),
    // carried out here as a local one is.
    void applyState(const BackplaneState& state);
    void applyStateSafely(const BackplaneState& state);  // logs what throws
    void applyTopic(const ClusterState::Field& field, const BackplaneState& state);
    void applyBan(const ClusterState::Field& field, const BackplaneState& state);
    void applyKick(const ClusterState::Field& field, const BackplaneState& state);
    // ClusterRoomModes.cpp: a mute, op, invite (or their undoing) and a
    // room mode, carried out here as a local one is.
    void applyMemberState(const ClusterState::Field& field, const BackplaneState& state);
    void applyMode(const ClusterState::Field& field, const BackplaneState& state);
    void applyAccountOp(const ClusterState::Field& field, const v1::BanEntry& record, bool on);
    // ClusterAccounts.cpp: a registration or password change hashed here
    // (`s` null: its session is gone) goes to Redis; Redis's answer
    // (`refused`: its error; nullopt `version`: lost with the connection)
    // tells the session, false when no write of `session` was awaited; the
    // backplane lost, every awaited one is answered lost. An account Redis
    // published is booked; Redis is offered the book's accounts it lacks.
    // A Register or ChangePassword refused (answered) while the backplane
    // is down; true if refused.
    bool refuseAccountChange(Session& s, std::string_view what);
    void accountToCluster(Session* s, AccountResult& result);
    bool accountWriteAnswered(SessionId session, std::string_view field,
                              std::optional<std::uint64_t> version, std::string_view refused);
    void accountWritesLost();
    void applyAccount(const ClusterState::Field& field, const BackplaneState& state);
    void offerAccounts(const std::vector<BackplaneState>& stored);
    // The setter of a change, if connected here and not in `room` (null:
    // hub-wide), is told of it as on a hub alone (its hub is the one that
    // finds its nick: nicks are unique in the cluster).
    void tellSetter(const Room* room, v1::PresenceKind kind, const std::vector<std::string>& nicks,
                    std::string_view by, std::string_view reason);
    // A Hello's nick claimed across the cluster first: true when the Hello
    // waits for that (or was answered), false when onHello takes it now.
    bool claimNick(Session& s, const v1::Hello& hello);
    // ClusterIdentity.cpp: a SetNick's new nick claimed across the cluster
    // first (renameClaimed: the answer), then the rename (renamed: true
    // when done) told to the other hubs; an away or back told to them.
    void renameAcross(Session& s, const v1::SetNick& request);
    void renameClaimed(Session& s, Backplane::Claim claim, bool granted, std::string_view error);
    bool renamed(Session& s, const v1::SetNick& request);
    void awayAcross(Session& s, const v1::SetAway& request);
    // A session just welcomed joins the default room.
    void afterWelcome(Session& s);
    // A session just signed in to an account gets what waited for it here,
    // and, in a cluster, what waited for it on other hubs (signedIn).
    void afterSignIn(Session& s);
    // A signed-in session's background read is done: waiting messages put
    // back meanwhile (its account's delivering session ended) start on it.
    void resumeWaiting(Session& s);
    // The delivering session of `account` ended: what it took starts again
    // on another session of the account not busy with a read, if any.
    void restartDelivery(const std::string& account);
    void joinDefaultRoom(Session& s);
    // A Join, and then the joiner's read marker for the room.
    void join(Session& s, const v1::Join& request);

    // --- closing ------------------------------------------------------------------------

    void slowConsumer(Session& s, CloseReason reason, std::string text);
    void processDoomed();
    // Forgets a session: QUIT presence to its rooms, its nick released, and
    // (for closes the hub decided) its last bytes to the edge.
    void finish(Session& s, CloseReason reason, std::string quitReason, bool toEdge);
    void shutdown(std::string_view reason);
};

}  // namespace hermes::hub

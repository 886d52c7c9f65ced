#pragma once
// The hub's request handlers: free functions, one family per file, each
// taking the components it uses and nothing else, so its parameter list
// says what a request can touch. Hub::Impl (HubImpl.hpp) decodes, rate
// limits and dispatches to them.
//
//   IdentityRequests.cpp  Hello, SetNick, Bye
//   AccountRequests.cpp   Register, Identify, ChangePassword, and what the
//                         hashing thread answers (Hello.password too)
//   PeopleRequests.cpp    WhoisRequest, SetAway
//   RoomRequests.cpp      Join, Leave, Who, MembersRequest, Topic, RoomListRequest
//   ChatRequests.cpp      Say, PrivateMessage
//   HistoryRequests.cpp   the join backlog, HistoryRequest, SearchRequest
//   HubRequests.cpp       Ping, StatsRequest; fatal errors
//   ModerationRequests.cpp ModerationRequest, BanListRequest; hub-wide bans
//                         at Hello and SetNick
//   FileRequests.cpp      FileOffer, FileChunk, FileRequest, FileCancel
//
// Threading: the hub's thread.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "Backplane.hpp"
#include "Transfers.hpp"
#include "hermes/hub/HistoryStore.hpp"
#include "hermes/hub/Hub.hpp"
#include "hermes/hub/HubConfig.hpp"
#include "hermes/v1/hermes.pb.h"

namespace Poco {
class Logger;
}

namespace hermes::hub {

class Accounts;
struct AccountJob;
class Backplane;
class ClusterState;
class Conversations;
class DurabilityGate;
class Intake;
class Liveness;
class MetricsRing;
class MessageLedger;
class Moderation;
class Outbox;
class Presence;
class RoomTable;
class SessionTable;
class Stamper;
class Transfers;
struct Room;
struct Session;
struct AccountResult;

// What the hub is, fixed for its life: any request may read it.
struct HubFacts {
    const HubConfig& config;
    std::uint64_t epoch;
    bool persistentHistory;  // Welcome.durable_history
    const WallClock& wallClock;
};

// --- IdentityRequests.cpp ----------------------------------------------------------

// True if `s` was welcomed (the hub then joins it to the default room).
// A registered nick's password is checked on the hashing thread: `s` then
// waits (Intake::awaitRead) and onAccountResult() welcomes it or not.
// A hashed hub.password is checked there too; `hubPasswordVerified` says it
// was (the Hello is handled again with it).
bool onHello(Session& s, const v1::Hello& hello, SessionTable& sessions, Accounts& accounts,
             Intake& intake, Outbox& outbox, const HubFacts& facts, TimePoint now,
             bool hubPasswordVerified = false);
// Welcomes `s` as `nick` (signed in to `account` if not empty); false when
// the nick is taken.
bool welcomeSession(Session& s, const std::string& nick, const std::string& clientName,
                    const std::string& account, SessionTable& sessions, Intake& intake,
                    Outbox& outbox, const HubFacts& facts, TimePoint now);
// True (and `s` told why) when `s` may not take the nick: invalid,
// registered to another account, or held by another session here. In a
// cluster it is asked before the nick is claimed in Redis, and onSetNick
// asks it again once the claim is granted.
bool refuseSetNick(Session& s, const v1::SetNick& request, const SessionTable& sessions,
                   const Accounts& accounts, Outbox& outbox);
void onSetNick(Session& s, const v1::SetNick& request, SessionTable& sessions,
               const Accounts& accounts, Presence& presence, DurabilityGate& gate, Outbox& outbox);
void onBye(Session& s, const v1::Bye& bye, SessionTable& sessions);

// --- AccountRequests.cpp ------------------------------------------------------------

// Each hands the hashing to the hashing thread and `s` waits
// (Intake::awaitRead), or answers an Error at once.
void onRegister(Session& s, const v1::Register& request, Accounts& accounts, Intake& intake,
                Outbox& outbox, TimePoint now);
void onIdentify(Session& s, const v1::Identify& request, Accounts& accounts, Intake& intake,
                Outbox& outbox, TimePoint now);
void onChangePassword(Session& s, const v1::ChangePassword& request, Accounts& accounts,
                      Intake& intake, Outbox& outbox, TimePoint now);
// The hashing thread's answer for `s`; true if it welcomed `s` (a Hello).
bool onAccountResult(Session& s, AccountResult& result, SessionTable& sessions, Accounts& accounts,
                     Intake& intake, Outbox& outbox, const HubFacts& facts, TimePoint now);
// A registration or password change of `s` is stored: `s` is signed in to
// the account and told (in a cluster, once Redis took it).
void accountStored(Session& s, const AccountJob& job, SessionTable& sessions,
                   const Accounts& accounts, Outbox& outbox);
// Empty, or why `password` is refused (empty, too long).
std::string passwordProblem(std::string_view password, std::string_view what);

// --- PeopleRequests.cpp --------------------------------------------------------------

// In a cluster (`backplane`), a nick another hub lists is answered from
// what this hub knows of it: its rooms and away text, and, once this hub
// heard its JOINED, its sign-on time, client name and idle time (since its
// newest room message delivered here, or its sign-on: RemoteProfiles.hpp),
// by `wallClock` (ms since the Unix epoch).
void onWhois(Session& s, const v1::WhoisRequest& request, const SessionTable& sessions,
             Outbox& outbox, TimePoint now, const Backplane* backplane = nullptr,
             std::int64_t wallClockMs = 0);
void onSetAway(Session& s, const v1::SetAway& request, Presence& presence, DurabilityGate& gate,
               Outbox& outbox, TimePoint now);

// --- RoomRequests.cpp ----------------------------------------------------------------

// In a cluster (`backplane`), MemberList lists the other hubs' members too.
void onJoin(Session& s, const v1::Join& join, RoomTable& rooms, Moderation& moderation,
            Presence& presence, DurabilityGate& gate, const HistoryStore& history, Outbox& outbox,
            const HubFacts& facts, TimePoint now, Backplane* backplane = nullptr);
void onLeave(Session& s, const v1::Leave& leave, RoomTable& rooms, Presence& presence,
             DurabilityGate& gate, Outbox& outbox, TimePoint now);
void onWho(Session& s, const v1::Who& who, const RoomTable& rooms, const Moderation& moderation,
           Outbox& outbox, const Backplane* backplane = nullptr);
// MembersRequest: one page of the room's members in nick order (MemberPages);
// `facts` is Hub::Impl's count of away, operator and account changes.
void onMembersRequest(Session& s, const v1::MembersRequest& request, RoomTable& rooms,
                      const Moderation& moderation, std::uint64_t facts, Outbox& outbox);
// In a cluster (`backplane`) the topic goes to Redis (refused while it is
// away) and is shown when it comes back, on every hub (Hub::Impl::applyTopic).
void onTopic(Session& s, const v1::Topic& topic, RoomTable& rooms, const Moderation& moderation,
             Presence& presence, DurabilityGate& gate, HistoryStore& history, Outbox& outbox,
             const HubFacts& facts, Backplane* backplane = nullptr);
// `topic` (room, text, set_by, time_ms) is the room's: stored, and shown to its members.
void setRoomTopic(Room& room, const v1::Topic& topic, RoomTable& rooms, Presence& presence,
                  DurabilityGate& gate, HistoryStore& history, Outbox& outbox);
void onRoomList(Session& s, const RoomTable& rooms, Outbox& outbox);

// --- ChatRequests.cpp ----------------------------------------------------------------

// In a cluster (backplane.enabled()) a checked Say is stamped without a seq
// and handed to the backplane; it comes back, its seq given, through
// Hub::backplaneEntry like every hub's.
void onSay(Session& s, const v1::Say& say, const RoomTable& rooms, Presence& presence,
           DurabilityGate& gate, Stamper& stamper, HistoryStore& history, Outbox& outbox,
           MessageLedger& ledger, const Moderation& moderation, Backplane& backplane,
           TimePoint now);
// In a cluster (`backplane`), one to a nick no member here holds is stamped
// and handed to the backplane (Backplane::sendPrivate); its answer comes to
// privateSentAcross.
void onPrivateMessage(Session& s, const v1::PrivateMessage& pm, const SessionTable& sessions,
                      const Accounts& accounts, Conversations& conversations, DurabilityGate& gate,
                      Stamper& stamper, HistoryStore& history, Outbox& outbox,
                      const HubFacts& facts, TimePoint now, Backplane* backplane = nullptr);
// The backplane answered a private message this hub sent: the sender's
// echo (Published; live only, private_seq 0, kept in no conversation) and,
// as on a hub alone, the recipient's away text if its hub told it
// (Backplane::awayOf); handled as on a hub alone (no hub holds the nick, or
// this one does now); or refused (CLUSTER_UNAVAILABLE, PEER_HUB_UNREACHABLE).
void privateSentAcross(const Backplane::PrivateInFlight& sent, PrivateOutcome outcome,
                       std::string_view detail, const SessionTable& sessions,
                       const Accounts& accounts, Conversations& conversations, DurabilityGate& gate,
                       Stamper& stamper, HistoryStore& history, Outbox& outbox,
                       const HubFacts& facts, const Backplane& backplane, TimePoint now);
// Another hub's private message to a member of this hub (once: the caller
// dropped duplicates): to the welcomed session holding the nick (signed in
// to its account, if the nick is registered), live, private_seq 0, and
// kept in no conversation (each hub numbers its own).
enum class AcrossDelivery { Delivered, NoOneHere, NotOne };
AcrossDelivery privateFromAcross(const BackplaneEntry& entry, const SessionTable& sessions,
                                 const Accounts& accounts, Conversations& conversations,
                                 Stamper& stamper, Outbox& outbox);
// What waited for the account `s` just signed in to, delivered to it
// (ChatMessage.waited) and forgotten: at once from a store that reads on
// the hub's thread, else read in the background (s waits: sendWaited).
void deliverWaiting(Session& s, Conversations& conversations, HistoryStore& history, Intake& intake,
                    Outbox& outbox, const HubFacts& facts);
// The background read of deliverWaiting is done: its messages, then the
// private frames held for `s` meanwhile.
void sendWaited(Session& s, std::vector<v1::ChatMessage> messages, Conversations& conversations,
                Outbox& outbox);

// --- HistoryRequests.cpp -------------------------------------------------------------

// The newest hub.join_backlog messages of `room`, as one HistoryPage{backlog}.
void sendBacklog(Session& s, const Room& room, const HistoryStore& history, Outbox& outbox,
                 const HubFacts& facts);
// Answered now, or (the room holds messages not yet sent live) once they
// are: the gate keeps the request and `s` waits for it (Intake::awaitRead).
// A request naming a peer reads the session's conversation with it.
void onHistory(Session& s, const v1::HistoryRequest& request, const RoomTable& rooms,
               DurabilityGate& gate, const HistoryStore& history, Intake& intake, Outbox& outbox,
               const HubFacts& facts);
// The HistoryPage answering `request` for `room`, now.
void sendHistoryPage(Session& s, const Room& room, const v1::HistoryRequest& request,
                     const HistoryStore& history, Outbox& outbox, const HubFacts& facts);
// A store that searches in the background gets the job (ticket: the session's
// id) and `s` waits for it (Intake::awaitRead); otherwise it is answered now.
void onSearch(Session& s, const v1::SearchRequest& request, const RoomTable& rooms,
              HistoryStore& history, Intake& intake, Outbox& outbox, const HubFacts& facts);
// The answer to a search, now or when the store finished it.
void sendSearchResults(Session& s, const SearchJob& job, SearchHits hits, Outbox& outbox,
                       const HubFacts& facts);

// --- HubRequests.cpp -----------------------------------------------------------------

void onPing(Session& s, const v1::Ping& ping, Outbox& outbox);
void onStats(Session& s, const HubStats& stats, const MemoryGauge& memory, const Liveness& liveness,
             Outbox& outbox, const HubConfig& config, TimePoint now);
// MetricsRequest: the hour of samples, for a hub operator only (else
// Error{NOT_OPERATOR}).
void onMetrics(Session& s, const HubStats& stats, const MetricsRing& metrics,
               const HistoryStore& history, const Moderation& moderation, Outbox& outbox,
               TimePoint now);
// A fatal error: the Error frame follows what is queued, then the close.
void closeFatally(Session& s, v1::ErrorCode code, std::string text, CloseReason reason,
                  SessionTable& sessions, Outbox& outbox);
// The body's name, for errors about it ("say", "an empty or unknown message type").
std::string bodyName(const v1::Envelope& envelope);

// --- ModerationRequests.cpp ----------------------------------------------------------

// In a cluster (`backplane`) a ban and an unban (not of an account: each
// hub has its own book) go to Redis (refused while it is away) and are
// carried out by every hub when it comes back (Hub::backplaneState); so
// does every kick while the backplane is up (one of another hub's member
// is refused while it is down). `cluster`: the bans this hub holds from it.
void onModeration(Session& s, const v1::ModerationRequest& request, SessionTable& sessions,
                  RoomTable& rooms, Moderation& moderation, Presence& presence,
                  DurabilityGate& gate, Outbox& outbox, const HubFacts& facts, Poco::Logger& log,
                  Backplane* backplane = nullptr, const ClusterState* cluster = nullptr);
// `target` leaves `room` (it holds `slot` there), told why first (`kind`,
// by whom, the reason).
void removeFromRoom(Session& target, Room& room, std::size_t slot, v1::PresenceKind kind,
                    std::string_view by, std::string_view reason, RoomTable& rooms,
                    Presence& presence, Outbox& outbox);
// `ban` is the room's: the members it names (not hub operators) leave it,
// each told; returns their nicks (the caller announces them to the room).
std::vector<std::string> banFromRoom(Room& room, StoredBan ban, std::string_view reason,
                                     RoomTable& rooms, Moderation& moderation, Presence& presence,
                                     Outbox& outbox, std::int64_t nowMs);
// `ban` is hub-wide: the welcomed sessions it names (not hub operators) are
// closed with a fatal HUB_BANNED.
void banFromHub(StoredBan ban, SessionTable& sessions, Moderation& moderation, Outbox& outbox,
                Poco::Logger& log, std::int64_t nowMs);
void onBanList(Session& s, const v1::BanListRequest& request, const RoomTable& rooms,
               Moderation& moderation, Outbox& outbox, const HubFacts& facts);
// A hub-wide ban on `nick`, the session's address or its account: closed
// with a fatal HUB_BANNED (true). Asked before the Welcome (nick, address)
// and again once a session is signed in (account).
bool refuseHubBanned(Session& s, std::string_view nick, const Moderation& moderation,
                     SessionTable& sessions, Outbox& outbox, const HubFacts& facts,
                     Poco::Logger& log);
// SetNick to a nick banned hub-wide: refused, not fatal (true).
bool refuseBannedNick(Session& s, const v1::SetNick& request, const Moderation& moderation,
                      Outbox& outbox, const HubFacts& facts);

// --- FileRequests.cpp ----------------------------------------------------------------

void onFileOffer(Session& s, const v1::FileOffer& offer, const RoomTable& rooms, Presence& presence,
                 DurabilityGate& gate, Stamper& stamper, MessageLedger& ledger,
                 HistoryStore& history, Transfers& transfers, Intake& intake, Outbox& outbox,
                 const HubFacts& facts, TimePoint now, Backplane& backplane);
// A chunk beyond the window closes `s` (FLOOD); the last one commits the
// file and `s` waits for it (onFilesCommitted).
void onFileChunk(Session& s, const v1::FileChunk& chunk, SessionTable& sessions,
                 Transfers& transfers, Intake& intake, Outbox& outbox, const HubFacts& facts,
                 TimePoint now);
// The file thread committed an upload of `s`: announced (or refused).
void onFilesCommitted(Session& s, const Transfers::Committed& done, SessionTable& sessions,
                      const RoomTable& rooms, Presence& presence, DurabilityGate& gate,
                      Stamper& stamper, MessageLedger& ledger, HistoryStore& history,
                      Transfers& transfers, Outbox& outbox, Poco::Logger& log, TimePoint now,
                      Backplane& backplane);
void onFileRequest(Session& s, const v1::FileRequest& request, const RoomTable& rooms,
                   Transfers& transfers, Outbox& outbox, const HubFacts& facts);
void onFileCancel(Session& s, const v1::FileCancel& cancel, Transfers& transfers, Outbox& outbox);

}  // namespace hermes::hub

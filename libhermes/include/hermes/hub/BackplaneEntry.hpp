#pragma once
// A room's entry as the cluster's backplane hands it to every hub
// (docs/CLUSTER.md), and what a hub asks of the backplane. The hub builds
// and reads these without Redis (Hub.hpp "the cluster's backplane");
// hermesd's RedisBackplane moves them to and from redis-server.
//
// On Redis, one room ROOM (its canonical name) is:
//
//   key                   type    holds
//   ---                   ----    -----
//   hermes:seq:ROOM       string  the room's newest seq (INCR)
//   hermes:stream:ROOM    stream  entry "SEQ-0": h HUB, r REF, a ACCOUNT, m MESSAGE
//                                 (XADD MAXLEN ~ cluster.stream_max_messages)
//   hermes:room:ROOM      channel PUBLISH of each entry, as one notice:
//                                 "SEQ HUB REF ACCOUNT\nMESSAGE"
//   hermes:members:ROOM   hash    member nick -> the hub it is connected to
//   hermes:presence:ROOM  channel PUBLISH of each JOINED/LEFT/QUIT, rename,
//                                 away/back and removal, as one notice:
//                                 "KIND HUB\nNICK\nREASON" (KIND: joined, left, quit;
//                                 renamed: REASON is the new nick; away: REASON is the
//                                 away text; back; kicked, banned: REASON "BY\nREASON",
//                                 ClusterRoomState.cpp)
//
// and for the cluster as a whole:
//
//   hermes:epoch          string  the cluster's epoch (Welcome.epoch), set by the first hub
//   hermes:nicks          hash    nick key -> the hub whose member has it
//   hermes:hub:HUB        string  HUB's lease (PX cluster.lease_ms, renewed every
//                                 third): a nick of a hub without one is free
//   hermes:hubs           set     the hubs that have members listed (a hub without a
//                                 lease is reaped: see below)
//   hermes:hubmembers:HUB set     "ROOM\nNICK" of each of HUB's members, per room
//   hermes:pmseq:HUB      string  the number of the last private message published to HUB
//   hermes:pmstream:HUB   stream  entry "SEQ-0": h FROMHUB, r REF, a ACCOUNT, m MESSAGE
//                                 (XADD MAXLEN ~ cluster.stream_max_messages)
//   hermes:state          hash    room state (ClusterState.hpp): field -> "VERSION\nRECORD"
//   hermes:statever       string  the count of room state changes (each one's VERSION)
//   hermes:statenote      channel PUBLISH of each room state change:
//                                 "VERSION MODE\nFIELD\nRECORD" (MODE: set, del, pub)
//   hermes:pm:HUB         channel PUBLISH of each private message to a member of HUB, as
//                                 one notice: "SEQ FROMHUB REF ACCOUNT\nMESSAGE"
//   hermes:signin         channel PUBLISH of each sign-in to an account: "HUB ACCOUNTKEY";
//                                 the other hubs send what waits there for that
//                                 account to the hub holding its nick (SignedIn)
//
// Private messages across hubs: a private message to a nick no member of
// the sender's hub holds goes to Redis by one script, which reads the nick's
// holder in hermes:nicks (a hub with a live lease), numbers the message for
// that hub (INCR hermes:pmseq:HUB), publishes it on hermes:pm:HUB and, if
// that hub heard it, appends it to hermes:pmstream:HUB (read by that hub
// after a reconnect), in one step, and answers which hub it went to
// (PrivateOutcome; a hub that did not hear it is not numbered for it). The sender's echo
// waits for that answer. MESSAGE is the ChatMessage as the sender's hub
// stamped it (private_seq 0: each hub numbers its own copy of a
// conversation); ACCOUNT is the sender's account when it speaks as that
// account (Conversations::party), else "". REF 0 is a message forwarded by
// a hub whose member had moved on: not forwarded again.
//
// Presence across hubs: a hub writes its members' joins, leaves, quits and
// renames with one script (the hash, the set, the notice in one step) and
// every other hub shows them to its members of the room and lists them in
// the room's MemberList. A rename is written per room the member is in
// (the old nick's entries replaced by the new one's), after the new nick's
// claim in hermes:nicks was granted; the old nick is released after it. An
// away or back is a notice per room only (nothing is listed: a hub learns
// it when it changes). When a hub's lease has expired, the first hub to
// renew its own lease afterwards reaps it in one script (SREM hermes:hubs
// decides which: exactly one): a QUIT notice for each of its members, who
// leave the hashes.
//
// MESSAGE is the ChatMessage as its hub stamped it, serialized, with no seq
// (0): every hub sets the seq the backplane gave it and frames it the same
// way, so every member of every hub gets the same bytes. HUB and REF say
// which hub published it and which of its sends it was (its refusal, if
// Redis does not answer, goes back to the sender). ACCOUNT is the sender's
// account ("" when not signed in): each hub's history store keeps it, as for
// a local message; it is in no frame.
//
// Threading: plain values.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hermes::hub {

struct BackplaneEntry {
    std::string room;  // canonical
    std::uint64_t seq = 0;
    std::string hub;
    std::uint64_t ref = 0;
    std::string account;
    std::string message;  // a serialized ChatMessage, seq 0
};

// What a State request does in hermes:state besides publishing the record:
// keeps it as the field's (a topic, a ban), deletes the field (an unban),
// nothing (a kick), or keeps it only if the field has no record yet (an
// account's registration: Hub::backplaneStateAnswered says which; its
// notice reads as a Set).
enum class StateMode { Set, Delete, Publish, Create };

// What the hub asks of the backplane; the edge sends it and answers with
// Hub::backplanePublished / backplaneEntry / backplaneFilled.
struct BackplaneRequest {
    enum class Kind {
        Publish,        // give `message` of `room` the next seq, append and publish it
        Fill,           // read `room`'s stream from `fromSeq` on (at most kFillPage entries)
        ClaimNick,      // `nick` (its key) for this hub, unless a live hub holds it
        ReleaseNick,    // `nick` (its key), if this hub holds it
        Presence,       // `nick` JOINED/LEFT/QUIT/... `room` (`presence`, reason in `message`)
        Members,        // read every room's members on every hub (Hub::backplaneMembers)
        SyncMembers,    // list this hub's members as `entries` ("ROOM\nNICK") say, no more
        Private,        // `message` (a stamped private message) to the hub holding `nick`
        PrivateCursor,  // this hub's private message count, raised to `fromSeq` if below
        PrivateFill,    // read this hub's private stream from `fromSeq` (kFillPage at most)
        PrivateTrim,    // drop this hub's private stream's entries up to `fromSeq` (delivered)
        State,          // room state (ClusterState.hpp): `room` the field, `message` its record,
                        // kept in or deleted from hermes:state (`stateMode`), and published
        States,         // read every stored room state record (Hub::backplaneStates)
        SignedIn,       // a session here signed in to account `nick` (its key): publish it
        AskSignedIn,    // ask the hubs whether account `nick` (its key) is signed in on one
    };
    Kind kind = Kind::Publish;
    std::string room;
    std::uint64_t ref = 0;  // Publish: the hub's own number for it; State: the setter's session
    std::string account;    // Publish, Private: the sender's
    std::string message;    // Publish, Private
    // Fill: the first seq to read. Publish: the least seq the message may
    // get (the room's next seq at this hub), so that a room this hub had
    // before the cluster (or a Redis that lost its data) goes on from there
    // rather than under seqs the hubs have delivered.
    std::uint64_t fromSeq = 0;
    // Fill: the highest seq of the room this hub holds waiting (0: none, as
    // after a reconnect). Each came from a notice, which is published only
    // once the entry is replicated (cluster.replicas_acked), and every seq
    // below it in the stream was written before it: the edge may read up to
    // it without asking the replicas again (docs/CLUSTER.md, "Acked on the
    // replicas").
    std::uint64_t toSeq = 0;
    // ClaimNick (with `ref`), ReleaseNick, Private (the recipient): protocol::nickKey;
    // Presence: as shown
    std::string nick;
    // Presence: "joined", "left", "quit", "renamed" (`message`: the new
    // nick), "away" (`message`: its text) or "back"
    std::string presence;
    // Private: a message forwarded by this hub (its member had moved on):
    // published with REF 0 so that its receiver does not forward it again;
    // `ref` is still the one its answer comes back under.
    bool forwarded = false;
    // State: what hermes:state does with the field.
    StateMode stateMode = StateMode::Publish;
    // SyncMembers: every session on this hub, "\nNICK\nAWAY" (AWAY its
    // away text, "" if back), and every member of every room, "ROOM\nNICK".
    std::vector<std::string> entries;
};

// A record of the cluster's room state (topics, bans, kicks: ClusterState.hpp)
// as hermes:state holds it or hermes:statenote publishes it. `version` is
// Redis's count of state changes (hermes:statever) when it was written: a
// hub applies a field's record only if newer than the one it has.
struct BackplaneState {
    std::string field;  // "topic ROOM", "ban ROOM KIND TARGET", ... (ClusterState.hpp)
    std::uint64_t version = 0;
    std::string record;    // serialized (v1::Topic, v1::BanEntry)
    bool deleted = false;  // the field left hermes:state (`record`: who deleted it, or "")
};

// A member of another hub joined, left or quit a room (or its hub was
// reaped: `kind` quit for each of its members), was renamed, or went away
// or came back.
struct BackplanePresence {
    std::string room;  // canonical
    // "joined", "left", "quit", "renamed", "away", "back"; "kicked", "banned"
    // (reason "BY\nREASON" on the wire)
    std::string kind;
    std::string hub;
    std::string nick;    // renamed: the old nick
    std::string reason;  // renamed: the new nick; away: its text; joined: its profile
                         // ("SIGNED_ON_MS CLIENT_NAME", RemoteProfiles.hpp; "" from a repair)
    std::string by;      // kicked, banned: the operator
};

// A member of a room on some hub, as the backplane lists it; or, with
// `room` "", a nick (protocol::nickKey) a hub holds: a member connected
// there, in rooms or not.
struct BackplaneMember {
    std::string room;  // canonical
    std::string nick;
    std::string hub;
    std::string away;  // a room's member: its away text ("": back)
};

// What became of a Private request (Hub::backplanePrivateSent).
enum class PrivateOutcome {
    Published,   // published to the hub holding the nick, which was listening
    NoHolder,    // no hub with a live lease holds the nick
    HeldHere,    // this hub holds it (claimed here since the message was sent)
    HolderDeaf,  // its hub has a live lease but is not subscribed (cut from Redis)
    Failed,      // Redis refused it, or the connection was lost (fate unknown)
};

// Entries one Fill reads at most; a full page asks for the next.
inline constexpr std::size_t kFillPage = 1000;

inline constexpr std::string_view kBackplaneChannelPrefix = "hermes:room:";
inline constexpr std::string_view kBackplaneStreamPrefix = "hermes:stream:";
inline constexpr std::string_view kBackplaneSeqPrefix = "hermes:seq:";
inline constexpr std::string_view kBackplanePresencePrefix = "hermes:presence:";
inline constexpr std::string_view kBackplaneMembersPrefix = "hermes:members:";
inline constexpr std::string_view kBackplanePrivatePrefix = "hermes:pm:";
inline constexpr std::string_view kBackplanePrivateStreamPrefix = "hermes:pmstream:";
inline constexpr std::string_view kBackplanePrivateSeqPrefix = "hermes:pmseq:";
inline constexpr std::string_view kBackplaneStateKey = "hermes:state";
inline constexpr std::string_view kBackplaneStateChannel = "hermes:statenote";
inline constexpr std::string_view kBackplaneStateVersionKey = "hermes:statever";
inline constexpr std::string_view kBackplaneSignInChannel = "hermes:signin";

// The notice published on hermes:room:ROOM, and read back: nullopt when
// `channel` or `payload` is not one (logged by the edge, never delivered).
std::string backplaneNotice(std::uint64_t seq, std::string_view hub, std::uint64_t ref,
                            std::string_view account, std::string_view message);
std::optional<BackplaneEntry> parseBackplaneNotice(std::string_view channel,
                                                   std::string_view payload);
// The notice published on hermes:pm:HUB, read back: an entry with no room,
// seq the hub's private message number (nullopt: not one; logged by the edge).
std::optional<BackplaneEntry> parseBackplanePrivate(std::string_view channel,
                                                    std::string_view payload);
// The notice published on hermes:presence:ROOM, and read back (nullopt:
// not one; logged by the edge).
std::string backplanePresenceNotice(std::string_view kind, std::string_view hub,
                                    std::string_view nick, std::string_view reason);
std::optional<BackplanePresence> parseBackplanePresence(std::string_view channel,
                                                        std::string_view payload);
// The notice published on hermes:statenote ("VERSION MODE\nFIELD\nRECORD",
// MODE "set", "del" or "pub"), and
// a hermes:state hash entry (FIELD, "VERSION\nRECORD"), read back (nullopt:
// not one; logged by the edge).
std::optional<BackplaneState> parseBackplaneStateNotice(std::string_view payload);
std::optional<BackplaneState> parseBackplaneStateEntry(std::string_view field,
                                                       std::string_view value);
// A sign-in's notice on hermes:signin ("HUB ACCOUNTKEY"), or a hub's
// question "is ACCOUNTKEY signed in on one of you?" ("HUB ACCOUNTKEY ?",
// asked by a hub back on Redis that holds messages waiting for it: the hub
// where it is answers with its notice), and read back (nullopt: not one;
// logged by the edge).
struct BackplaneSignIn {
    std::string hub;      // who signed in there, or who asks
    std::string account;  // protocol::nickKey of the account's name
    bool question = false;
};
std::string backplaneSignInNotice(std::string_view hub, std::string_view accountKey,
                                  bool question = false);
std::optional<BackplaneSignIn> parseBackplaneSignIn(std::string_view payload);
// A stream entry's id "SEQ-0" read back: 0 when it is not one.
std::uint64_t backplaneStreamSeq(std::string_view id);

}  // namespace hermes::hub

#pragma once
// One IRC client's side of the gateway, with no socket (docs/IRC.md): IRC
// lines in -> Hermes Envelopes for the hub; the hub's Envelopes out -> IRC
// lines. The hub never knows: to it this is one more session speaking
// Hermes (hermesd/IrcConnection.hpp puts it at the network edge).
//
//   client bytes -> receive() -> IrcLineReader -> one line -> a command
//        -> Hermes frames (toHub)  and/or  replies of its own (toClient)
//   hub Envelope -> deliver() -> IRC lines (toClient)
//   the hub ended the session -> farewell() -> "ERROR :Closing Link: ..."
//
// What it owns, per client: the registration (NICK, USER, PASS, CAP
// negotiation, the Hello it sent), the nick, the capabilities, the rooms it
// is in (with their topics, for TOPIC queries), the client_msg_ids of its own
// sends not yet echoed (to drop the hub's echo without echo-message, and to
// turn an Error back into the numeric for that target), and FIFOs pairing the
// hub's answers with the IRC requests (NAMES/WHO/JOIN -> MemberList, WHOIS ->
// WhoisReply or NO_SUCH_NICK, PING -> Pong, CHATHISTORY -> HistoryPage). Each is bounded by what
// the hub answers (and by the hub's rate limit); pings by kMaxPingsInFlight.
// Concerns of their own, in files of their own: the SASL exchange and the
// account signed in to, with the hub's lines held until CAP END (IrcSasl.cpp);
// moderation requests and ban lists in flight (IrcModes.cpp), at most
// kMaxModerationAsks each.
//
// Lines that send the hub nothing (CAP, MODE queries, errors such as 421,
// ignored lines) take a token of the session's own bucket (the hub's rate, burst
// rate_burst + flood_backlog, as WebSocket pings): past it the session ends
// with "ERROR :Closing Link: ... (Excess Flood)", as the hub ends a Hermes
// client that floods.
//
// Threading: none; one session per connection, on the hub's loop thread.

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "hermes/hub/CloseReason.hpp"
#include "hermes/irc/IrcLine.hpp"
#include "hermes/irc/IrcLineReader.hpp"
#include "hermes/irc/IrcMultiline.hpp"
#include "hermes/irc/IrcSasl.hpp"
#include "hermes/protocol/TokenBucket.hpp"
#include "hermes/v1/hermes.pb.h"

namespace hermes::irc {

struct IrcSessionSettings {
    std::string serverName = "hermes";  // until Welcome names the hub
    std::string host = "hermes";        // the host of every nick!user@host
    std::string peer;                   // the client's address, for ERROR lines
    std::uint64_t msgIdBase = 0;        // client_msg_ids count up from it (random per session)
    double localRatePerSecond = 5;      // hub.rate_per_second (0: unlimited)
    double localBurst = 30;             // hub.rate_burst + hub.flood_backlog
    std::string version = "hermes";     // for 002 and 004
    // irc.join_playback: the backlog's newest messages played back on JOIN
    // to a client with server-time but not draft/chathistory (0: none).
    std::size_t joinPlayback = 50;
    std::size_t maxTextBytes = 4096;  // hub.max_text_bytes (CAP LS comes before Welcome)
};

class IrcSession {
public:
    static constexpr std::size_t kMaxPingsInFlight = 8;
    static constexpr std::size_t kMaxHeldBytes = 64 * 1024;
    // Mode changes with an argument in one MODE line (ISUPPORT MODES).
    static constexpr std::size_t kMaxModes = 4;
    // Moderation requests (and ban lists) awaiting the hub's answer.
    static constexpr std::size_t kMaxModerationAsks = 32;
    // Most targets of one PRIVMSG/NOTICE/JOIN/PART (ISUPPORT TARGMAX).
    static constexpr std::size_t kMaxTargets = 4;
    // The capabilities offered to CAP LS.
    static constexpr std::string_view kCapabilities =
        "account-tag away-notify batch draft/chathistory draft/multiline echo-message "
        "message-tags multi-prefix sasl server-time";
    // The message-tags tag carrying a room message's seq.
    static constexpr std::string_view kSeqTag = "hermes/seq";

    explicit IrcSession(IrcSessionSettings settings);

    struct Input {
        bool close = false;  // the session ends; `why` is its quit reason
        std::string why;
    };
    // Client bytes in, chunked anyhow. Appends Hermes frames for the hub to
    // `toHub` and the session's own replies to `toClient`.
    Input receive(std::string_view bytes, std::chrono::steady_clock::time_point now,
                  std::string& toHub, std::string& toClient);
    // One Envelope from the hub, rendered as IRC lines onto `toClient`.
    void deliver(const hermes::v1::Envelope& envelope, std::string& toClient);
    // The hub ended the session: the client's last line, once.
    void farewell(hermes::hub::CloseReason cause, std::string& toClient);

    const std::string& nick() const { return nick_; }
    bool registered() const { return registered_; }
    bool hasCap(std::string_view cap) const;
    // The negotiated capabilities as bits, one per word of kCapabilities in
    // its order: kept with the list (CAP REQ), so that a per-delivery reader
    // (IrcRenderCache::renderKey) does not search the list each time.
    std::uint32_t capBits() const { return capBits_; }
    // The account the session is signed in to (SASL, PASS); empty: none.
    const std::string& account() const { return account_; }
    // Welcomed by a SASL sign-in before CAP END: the hub's lines wait in the
    // session (IrcRenderCache must not append its own lines meanwhile).
    bool holding() const { return holding_; }
    // `nick` is this client's (ASCII case ignored).
    bool isMe(std::string_view nick) const;
    // A room message of `seq` reached the client by another way than
    // deliver() (IrcRenderCache's lines): what CHATHISTORY LATEST counts on.
    void sawRoomMessage(std::string_view room, std::int64_t timeMs);

private:
    enum class ListKind { Join, Names, Who };
    struct ListRequest {
        std::string room;  // canonical
        ListKind kind;
    };
    struct RoomState {
        bool joining = true;  // JOIN sent to the client, its own Presence{JOINED} not yet seen
        std::string topic, topicBy;
        std::int64_t topicMs = 0;
        std::int64_t lastMs = 0;  // the newest message's time (CHATHISTORY TARGETS)
    };
    struct HistoryAsk {
        std::string room;         // canonical; empty for a nick's (private) history
        std::string peer;         // the nick as asked (HistoryPage.peer), else empty
        std::uint64_t below = 0;  // CHATHISTORY BEFORE/BETWEEN: only seqs below this (0: any)
        // Timestamp references: only messages stamped after / before these (0: any).
        std::int64_t aboveMs = 0, belowMs = 0;
        // AROUND a time: this page (before it) waits for the next (after it)
        // to go out as one batch.
        bool hold = false;
    };
    struct PendingSend {
        std::string target;  // "#room" or a nick, as the client wrote it
        bool notice = false;
    };

    // One line, with the reader's verdict.
    Input handleLine(const IrcLineReader::Item& item, std::string& toHub, std::string& toClient);
    Input command(const IrcLine& line, std::string& toHub, std::string& toClient);
    void capCommand(const IrcLine& line, std::string& toHub, std::string& toClient);
    void maybeHello(std::string& toHub);

    // SASL and accounts (IrcSasl.cpp, docs/IRC.md "Accounts: SASL and PASS").
    // What CAP LS offers (with values for LS 302).
    static std::string capabilities(const std::vector<std::string>& params);
    void authenticate(const IrcLine& line, std::string& toHub, std::string& toClient);
    void loggedIn(std::string_view account, std::string& out);  // 900 and 903
    // The hub's answers to a sign-in with SASL's credentials.
    void saslWelcome(const hermes::v1::Welcome& welcome, std::string& out);
    bool saslAccountReply(const hermes::v1::AccountReply& reply, std::string& out);
    bool saslError(const hermes::v1::Error& error, std::string& out);
    void nickAnswered();  // a SetNick's answer came (nicksPending_)
    // CAP END: aborts an exchange under way (906), ends registration.
    void capEnd(std::string& toClient);
    // What the hub said while registration was held, once CAP END and USER came.
    void release(std::string& toClient);

    // Moderation (IrcModes.cpp, docs/IRC.md "Moderation").
    struct ModerationAsk {
        std::string room;    // canonical
        std::string target;  // as the client wrote it, for 401/441
    };
    void modeCommand(const IrcLine& line, std::string& toHub, std::string& toClient);
    void kickCommand(const IrcLine& line, std::string& toHub, std::string& toClient);
    void inviteCommand(const IrcLine& line, std::string& toHub, std::string& toClient);
    void moderate(const std::string& room, hermes::v1::ModerationAction action, std::string target,
                  hermes::v1::TargetKind kind, std::string reason, std::string& toHub);
    // True when the Presence was rendered here (MODE +q/+b/+t/+i, INVITE, 341).
    bool moderationPresence(const hermes::v1::Presence& presence, std::string& out);
    // True when the Error answered a moderation request (401, 441, 482).
    bool moderationError(const hermes::v1::Error& error, std::string& out);
    void banList(const hermes::v1::BanList& list, std::string& out);  // 367, 368
    // WHO of a nick (IrcModes.cpp): a WhoisRequest answered as 352 and 315.
    bool whoNickReply(const hermes::v1::WhoisReply& reply, std::string& out);
    void sendMessage(const IrcLine& line, bool notice, std::string& toHub, std::string& toClient);

    void welcome(const hermes::v1::Welcome& welcome, std::string& out);
    void motd(std::string& out);
    void chatMessage(const hermes::v1::ChatMessage& message, std::string& out);
    // One message as PRIVMSG/NOTICE lines (split to fit), in `batch` if set.
    // A live room message's lines are shared by every member with the same
    // IrcRenderCache::renderKey(): they may depend on nothing else.
    void renderMessage(const hermes::v1::ChatMessage& message, std::string& out,
                       std::string_view batch);
    // CHATHISTORY (IrcHistory.cpp): true when a HistoryRequest went to the hub.
    bool chatHistory(const IrcLine& line, std::string& toHub, std::string& toClient);
    void chatHistoryTargets(const IrcLine& line, std::string& toClient);
    bool historyByTime(const std::string& sub, const std::string& room, const std::string& peer,
                       std::int64_t timeMs, std::int64_t otherMs, std::uint64_t limit,
                       std::string& toHub, std::string& toClient);
    void askHistory(HistoryAsk ask, std::uint64_t after, std::uint64_t limit, bool latest,
                    std::int64_t atTimeMs, std::string& toHub);
    void emptyHistory(const std::string& target, std::string& toClient);
    void historyPage(const hermes::v1::HistoryPage& page, std::string& out);
    // History on JOIN (IrcJoinPlayback.cpp): whether to ask the hub for the
    // backlog, and its rendering, as a chathistory batch or a playback.
    bool wantsBacklog() const;
    void joinBacklog(const hermes::v1::HistoryPage& page, std::string& out);
    // A private message's conversation for msgid ("~ana~bob") and TARGETS.
    std::string conversationId(const hermes::v1::ChatMessage& message) const;
    void notePrivate(const hermes::v1::ChatMessage& message);
    // An Error that answers a private CHATHISTORY (no room to pair it by).
    bool historyError(const hermes::v1::Error& error, std::string& out);
    // draft/multiline (IrcMultiline.cpp). BATCH from the client:
    void batchCommand(const IrcLine& line, std::string& toHub, std::string& toClient);
    // A PRIVMSG/NOTICE tagged batch=: true when the open batch took it.
    bool batchedLine(const IrcLine& line, std::string& toClient);
    // A message as one draft/multiline batch, when the client negotiated it
    // and the text needs more than one line of `budget` bytes.
    bool multilineOut() const;
    void renderMultiline(const std::vector<const hermes::v1::ChatMessage*>& messages,
                         std::string_view command, std::size_t budget, std::string& out,
                         std::string_view outer);
    // echo-message of a multiline batch: the echoes are gathered and sent as
    // one batch. True when `message` was taken (or an Error's id was ours).
    bool echoCollected(const hermes::v1::ChatMessage& message, std::string& out);
    void echoRefused(std::uint64_t clientMsgId, std::string& out);
    void flushEcho(std::size_t index, std::string& out);
    std::size_t multilineMaxBytes() const;
    // Client-only tags (IrcClientTags.cpp): TAGMSG from the client (+typing,
    // +draft/react, +draft/unreact); +draft/reply's seq for a Say in `room`
    // (0: none); TypingNotice as TAGMSG; a reply's tag after appendTags; a
    // REACT/UNREACT as TAGMSG (false: not for this client, render as before).
    void tagMessage(const IrcLine& line, std::string& toHub, std::string& toClient);
    std::uint64_t replyTarget(const IrcLine& line, std::string_view room) const;
    void typingNotice(const hermes::v1::TypingNotice& notice, std::string& out);
    void replyTag(const hermes::v1::ChatMessage& message, std::string& out) const;
    bool reactionOut(const hermes::v1::ChatMessage& message, std::string& out,
                     std::string_view batch);
    std::size_t multilineMaxLines() const;
    void presence(const hermes::v1::Presence& presence, std::string& out);
    void memberList(const hermes::v1::MemberList& list, std::string& out);
    void topic(const hermes::v1::Topic& topic, std::string& out);
    void whoisReply(const hermes::v1::WhoisReply& reply, std::string& out);
    void error(const hermes::v1::Error& error, std::string& out);

    // ":server CODE nick params... :text"
    void numeric(std::string& out, std::string_view code, std::vector<std::string> params,
                 std::string_view text = {}) const;
    // A line from `from` (nick!nick@host), with the tags the caps ask for.
    void fromNick(std::string& out, std::string_view from, std::string_view command,
                  std::vector<std::string> params, std::int64_t timeMs = 0, std::uint64_t seq = 0,
                  std::string_view room = {}, std::string_view batch = {}) const;
    // "@tag=value;... " for what the caps ask for (nothing without them).
    void appendTags(std::string& out, std::int64_t timeMs, std::uint64_t seq, std::string_view room,
                    std::string_view batch, std::string_view account = {}) const;
    std::string mask(std::string_view nick) const;
    std::string target() const { return registered_ ? nick_ : std::string("*"); }
    bool forget(std::deque<std::string>& recent, std::string_view nick);
    void remember(std::string_view nick);
    std::uint64_t nextMsgId() { return nextMsgId_++; }

    IrcSessionSettings settings_;
    std::string serverName_;
    IrcLineReader reader_;
    hermes::protocol::TokenBucket localBucket_;

    // Registration.
    std::string nick_;
    std::string helloNick_;  // the nick of the Hello (or SetNick) in flight
    bool userGiven_ = false;
    bool capNegotiating_ = false;
    bool helloSent_ = false;
    bool registered_ = false;
    std::string hubPassword_;
    std::string motd_;
    hermes::v1::Limits limits_;
    bool hubTyping_ = false;  // Welcome.typing: the hub relays Typing

    std::vector<std::string> caps_;                        // negotiated, sorted
    std::uint32_t capBits_ = 0;                            // caps_ as capBits() says; with it
    std::map<std::string, RoomState, std::less<>> rooms_;  // transparent: sawRoomMessage's view
    std::map<std::uint64_t, PendingSend> sends_;
    std::uint64_t nextMsgId_;
    std::deque<ListRequest> lists_;
    std::deque<std::string> whois_;
    std::deque<bool> whoisForWho_;  // beside whois_: true for a WHO of a nick
    std::deque<ModerationAsk> moderation_;
    std::deque<std::string> banLists_;  // rooms of MODE #room b in flight
    std::deque<std::pair<std::uint64_t, std::string>> pings_;
    std::deque<HistoryAsk> history_;  // CHATHISTORY requests, paired with HistoryPages by room
    std::vector<hermes::v1::ChatMessage> heldHistory_;  // a held page (HistoryAsk::hold)
    // Private conversations seen this session: nick -> the newest time (CHATHISTORY TARGETS).
    std::map<std::string, std::int64_t> privateTargets_;
    IrcMultilineBatch batchIn_;  // the client's draft/multiline batch being received
    // Echoes of a sent multiline batch, gathered to go back as one batch.
    struct EchoBatch {
        std::string target;
        bool notice = false;
        std::vector<std::uint64_t> waiting;  // client_msg_ids not yet echoed
        std::vector<hermes::v1::ChatMessage> got;
    };
    std::deque<EchoBatch> echoBatches_;
    std::uint64_t nextBatch_ = 1;
    std::uint64_t nextPingNonce_ = 1;
    // Nicks lately announced gone (QUIT) or renamed (NICK): one Presence per
    // shared room arrives, IRC wants one line. A JOIN of the nick clears it.
    std::deque<std::string> recentGone_;
    std::string lastAwayLine_;  // away-notify: one line for the rooms' copies
    std::string quitText_;
    bool errorSent_ = false;

    // SASL (IrcSasl.cpp).
    IrcSasl sasl_;
    bool saslChecking_ = false;  // a Hello or Identify with SASL's credentials is with the hub
    // The hub answers a session's frames in order (an Identify's hashing
    // holds the frames after it), so a nick error is an Identify's unless a
    // SetNick sent before it is still unanswered. SetNicks (NICK after
    // registration) sent and not yet answered (Error, or our NICK_CHANGED):
    std::size_t nicksPending_ = 0;
    // Of those, the ones sent before the Identify under way: their answers
    // come first.
    std::size_t nicksBeforeIdentify_ = 0;
    std::string account_;  // signed in to (Welcome.account, AccountReply)
    // Welcomed by a SASL Hello before CAP END: the hub's lines wait here
    // (at most kMaxHeldBytes; past it they go out anyway).
    bool holding_ = false;
    std::string held_;
};

}  // namespace hermes::irc

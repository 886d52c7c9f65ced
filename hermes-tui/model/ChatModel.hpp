#pragma once
// The whole client state without a terminal: the buffers, the input line,
// the connection state and our own lines until their echo (PendingSends.hpp).
// A line goes to the client core as soon as it is typed: pacing to the hub's
// rate limit, holding lines while offline and, after a reconnect, sending
// again those the hub never took live in the core's ClientSession; the model
// shows each line's state as the core reports it.
//
// It consumes what the client core reports (hermes::client::Event and the
// hub's Envelopes) and key presses, calls HubActions for what goes to the
// hub, and raises dirty flags; the renderer draws what is dirty and clears
// the flags.
//
// Time is always passed in (steady clock for deadlines; wall clock through
// setWallClock) so tests drive it. The application calls tick() when
// nextDeadline() passes: there is no polling.
//
// Threading: UI thread only: the main loop's (App.cpp), which also drains the
// client core's events (ClientCore::pollEvent) and draws; HubActions only
// queue on the core. Checked in debug builds (OwnerThread: the first call
// that changes the model binds it).

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "hermes/client/ClientEvent.hpp"
#include "hermes/protocol/Limits.hpp"
#include "hermes/threads/OwnerThread.hpp"
#include "hermes/v1/hermes.pb.h"
#include "model/Buffer.hpp"
#include "model/CommandParser.hpp"
#include "model/Completion.hpp"
#include "model/FileTransfers.hpp"
#include "model/HubActions.hpp"
#include "model/IgnoreList.hpp"
#include "model/Key.hpp"
#include "model/LineEditor.hpp"
#include "model/Pane.hpp"
#include "model/PendingSends.hpp"
#include "model/ReadMarkerSync.hpp"
#include "model/TypingState.hpp"

namespace hermes::tui {

// Deadlines in the model: the steady clock, passed in so tests drive time.
using SteadyTime = std::chrono::steady_clock::time_point;

enum class ConnState { Connecting, Handshaking, NickPrompt, Online, Offline, Failed };

// Parts of the screen to redraw.
namespace dirty {
constexpr unsigned kTitle = 1;
constexpr unsigned kMessages = 2;
constexpr unsigned kInput = 4;
constexpr unsigned kMembers = 8;
constexpr unsigned kAll = 15;
}  // namespace dirty

class ChatModel {
public:
    struct Settings {
        std::string host = "127.0.0.1";
        std::uint16_t port = 7070;
        std::string nick;
        std::string room;  // joined after the first Welcome ("" = none)
        // How long /quit waits for lines still on their way.
        std::chrono::milliseconds quitWait{10'000};
        std::size_t scrollback = Buffer::kDefaultScrollback;
        // Typing notices, both ways (config typing = off, --no-typing: none
        // sent, none shown).
        bool typing = true;
        // --discover: the fingerprint the hub announced on the LAN (a hint).
        // A new hub that presents another is not offered for trust.
        std::string announcedFingerprint{};
    };

    ChatModel(HubActions& hub, Settings settings);

    // Hub side.
    void onEvent(const hermes::client::Event& event, SteadyTime now);
    void onEnvelope(const hermes::v1::Envelope& envelope, SteadyTime now);

    // User side.
    void handleKey(const Key& key, SteadyTime now);
    void submitLine(const std::string& line, SteadyTime now);
    // A bracketed paste (what Key::Paste carries). One line goes into the
    // input line at the cursor, Tabs and all. Several lines (with the input
    // line's text around the cursor) wait for an answer to "Paste of N lines:
    // send M lines? [y/N]" in the window: y sends each non-blank line as if
    // typed, in order; any other key cancels, leaving the input line as it
    // was. A paste with a line over the hub's text limit is refused whole.
    void paste(const std::string& text);
    // Rows one step of the mouse wheel scrolls.
    static constexpr std::size_t kWheelRows = 3;

    // Timers: the retry countdown, /quit's wait for lines on their way. Call
    // when nextDeadline() has passed (and after input).
    void tick(SteadyTime now);
    std::optional<SteadyTime> nextDeadline() const;

    // For the renderer.
    const std::vector<std::unique_ptr<Buffer>>& buffers() const { return buffers_; }
    std::size_t activeIndex() const { return active_; }
    const Buffer& active() const { return *buffers_[active_]; }
    const LineEditor& editor() const { return editor_; }
    ConnState connState() const { return state_; }
    const std::string& connDetail() const { return connDetail_; }
    const std::string& nick() const { return nick_; }
    const std::string& hubName() const { return hubName_; }
    // "host:port" of the hub connected to (or being tried): with a hub list
    // (a cluster), not always settings().host.
    const std::string& hubAddress() const { return hubAddress_; }
    const Settings& settings() const { return settings_; }
    // Our lines on their way (queued or sent, not yet echoed).
    std::size_t pendingCount() const { return pending_.unsent(); }
    // Our lines that failed and were not sent again.
    std::size_t failedCount() const { return pending_.failed(); }
    bool showMembers() const { return showMembers_; }
    bool showSeqs() const { return showSeqs_; }
    std::string inputPrompt() const;
    // The input line as drawn: a password (the prompts, and what follows
    // /register, /identify, /password) is shown as '*', one per character,
    // and the cursor's column on that form.
    std::string inputShown() const;
    int inputCursorColumn() const;
    // Asking for a password: the nick's (the hub said it is registered) or
    // the hub's (hub.password). What is typed is hidden and never kept.
    enum class PasswordPrompt { None, Nick, Hub };
    PasswordPrompt passwordPrompt() const { return passwordPrompt_; }

    unsigned dirtyFlags() const { return dirty_; }
    void markDirty(unsigned flags) { dirty_ |= flags; }
    void clearDirty() { dirty_ = 0; }
    // True once per mention that should ring the bell.
    bool takeBell();
    // The nick the hub granted since the last call, to remember in the config.
    std::optional<std::string> takeGrantedNick();
    // The user answered y to "Trust this hub?" (after EventKind::UntrustedHub
    // for a new hub) since the last call: the hub ("host:port") and the
    // fingerprint to add to known_hubs before the App starts a new core.
    struct TrustedHub {
        std::string hub;
        std::string fingerprint;
    };
    std::optional<TrustedHub> takeTrustedHub();
    bool trustQuestionOpen() const { return trustQuestion_.has_value(); }
    bool quitRequested() const { return quitRequested_; }
    const std::string& quitMessage() const { return quitMessage_; }
    // hermes-tui's exit status: 0 if every line typed reached its room, 1
    // if some were still on their way or failed when it quit.
    int exitStatus() const {
        return pending_.unsent() + pending_.failed() + linesNotSent_ == 0 ? 0 : 1;
    }

    // Files on their way, for the status bar: "up report.pdf 45%" (empty: none).
    std::string transferStatus() const { return transfers_.status(); }

    // /away: our own away text as the hub confirmed it (empty: back).
    bool away() const { return !awayText_.empty(); }
    const std::string& awayText() const { return awayText_; }
    // Whether the hub said `nick` is away (room presence, member lists, whois).
    bool isAway(const std::string& nick) const;
    // "ana is typing…" for the window on screen (docs/PROTOCOL.md "Typing"),
    // or empty.
    std::string typingStatus() const;
    const TypingState& typingState() const { return typing_; }
    const ReadMarkerSync& readMarkers() const { return markers_; }
    const IgnoreList& ignoreList() const { return ignore_; }
    // The nicks /ignore hid in an earlier run (from the config).
    void setIgnored(const std::vector<std::string>& nicks) { ignore_ = IgnoreList(nicks); }
    // The ignore list after /ignore or /unignore changed it, to save in the config.
    std::optional<std::vector<std::string>> takeIgnoreChange();

    // The screen's size, for PgUp/PgDn steps: they move by the rows of the
    // message pane ChatView draws on it (ScreenLayout::messagePane).
    void setScreen(int rows, int cols);
    // The message pane `buffer` is drawn in, on the screen last set.
    Pane paneFor(const Buffer& buffer) const;
    void switchTo(std::size_t index);
    // Lines shown below a hit that /context scrolls to.
    static constexpr std::size_t kContextAfter = 5;
    // Messages asked for around a hit that is not in the room's scrollback:
    // from seq - kContextBefore, kContextLimit of them.
    static constexpr std::uint64_t kContextBefore = 10;
    static constexpr std::uint32_t kContextLimit = 20;
    // Messages of a private conversation a query window fetches at most at once.
    static constexpr std::uint32_t kQueryBackfill = 50;

    void setWallClock(std::function<std::int64_t()> clock) { wallClock_ = std::move(clock); }

    // True when `text` names `nick` as a whole word (case-insensitive).
    static bool mentions(const std::string& text, const std::string& nick);

private:
    // The active buffer's view after the pane or the buffer changed: never
    // scrolled further up than a full pane from its oldest row.
    void fitActive();
    void toggleMembers();

    // One hit of the last /search, numbered from 1 in its buffer for /context.
    struct SearchHit {
        std::string room;
        std::string peer;  // a hit in our conversation with peer (room empty)
        std::uint64_t epoch = 0;
        std::uint64_t seq = 0;
    };

    Buffer& status() { return *buffers_[0]; }
    Buffer* find(BufferKind kind, const std::string& name);
    Buffer& room(const std::string& name);
    Buffer& query(const std::string& nick);
    std::size_t indexOf(const Buffer& buffer) const;
    bool isActive(const Buffer& buffer) const { return &active() == &buffer; }
    void removeBuffer(const Buffer& buffer);
    bool isMe(const std::string& nick) const;

    void note(Buffer& buffer, LineKind kind, std::string text);
    void onMessage(const hermes::v1::ChatMessage& message, bool live);
    void onPresence(const hermes::v1::Presence& presence);
    void onError(const hermes::v1::Error& error);
    void onHistoryPage(const hermes::v1::HistoryPage& page);
    // Private history (docs/PROTOCOL.md "Private history"): a query window
    // asks for what it lacks when it opens and after each (re)connect or
    // sign-in; a page of it goes on until it is up to date, skipping to the
    // newest kQueryBackfill when more are missing.
    void backfillQuery(Buffer& query);
    void backfillQueries();
    void onPrivatePage(const hermes::v1::HistoryPage& page);
    void onSearchResults(const hermes::v1::SearchResults& results);
    Buffer& searchBuffer();
    void startSearch(const Command& command);
    void showContext(int number);
    void onWelcome(const hermes::v1::Welcome& welcome, SteadyTime now);
    // Our own lines: from Enter to the echo (ChatModel.cpp, "sending").
    void sendLine(const std::string& target, bool query, const std::string& text, bool action,
                  SteadyTime now, std::uint64_t replyTo = 0);
    // /reply, /edit, /delete, /react, /unreact in the current room, and /seqs.
    void messageCommand(const Command& command, SteadyTime now);
    void toggleSeqs();
    // Up on an empty input line: "/edit N text" of our newest line here.
    bool editLastOwn();
    Buffer* bufferOf(const PendingLine& line);
    void onSendEvent(const hermes::client::Event& event);
    void retryFailed(SteadyTime now);
    void quit(const Command& command, SteadyTime now);
    void runCommand(const std::string& line, SteadyTime now);
    void help(const Command& command);
    void openQuery(const Command& command, SteadyTime now);
    void closeWindow();

    // Truthful status: the topic once, the retry countdown, the hub's goodbye once.
    void onTopic(const hermes::v1::Topic& topic);
    // Why the connection ended, each thing said once: the hub's own Bye or
    // fatal Error when it sent one, else what the core says.
    std::string endReason(const std::string& coreText) const;
    void updateRetry(SteadyTime now);

    // People: /ignore, /whois, /away (ChatModel.cpp, last section).
    void ignore(const std::string& nick);
    void unignore(const std::string& nick);
    // True if `message` is from an ignored nick: then it is hidden, said once per window.
    bool hideIgnored(const hermes::v1::ChatMessage& message);
    // An away reply to our private message; true if `message` is one.
    bool onAwayReply(const hermes::v1::ChatMessage& message);
    void onAwayPresence(const hermes::v1::Presence& presence);
    // KICKED .. INVITED (docs/PROTOCOL.md "Moderation").
    void onModerationPresence(const hermes::v1::Presence& presence);
    void onBanList(const hermes::v1::BanList& list);
    void moderate(const Command& c);
    void onWhoisReply(const hermes::v1::WhoisReply& reply);
    void setAwayNick(const std::string& nick, bool away);

    void queueText(std::string text, bool action, SteadyTime now);

    // Typing and read markers (ChatModel.cpp, "typing and read markers").
    std::string typingKeyOf(const Buffer& buffer) const;
    void onTypingNotice(const hermes::v1::TypingNotice& notice, SteadyTime now);
    void onReadMarkers(const hermes::v1::ReadMarkers& markers);
    // After a key: tells the hub we type (at most every 3 s per window), or
    // that we stopped when the line was cleared.
    void typingAfterKey(BufferKind kind, const std::string& window, const std::string& before,
                        bool submitted, SteadyTime now);
    // The window on screen was seen up to its newest line (if at the bottom).
    void seenActive();
    // Its key among our read markers: a room's name, "@nick" for a query
    // (private_seq), empty for the others.
    std::string markerKey(const Buffer& b) const;
    void sendDueMarkers(SteadyTime now);
    // MarkRead goes to a hub that keeps markers, for a signed-in session:
    // without an account the hub keeps them for the session only, which
    // tells this one device nothing it does not know.
    bool markersWanted() const {
        return state_ == ConnState::Online && hubReadMarkers_ && signedIn_;
    }

    // Files (/upload, /download, a paste as a snippet): the lines they end with.
    void showTransferNotes(const std::vector<FileTransfers::Note>& notes);
    void pumpTransfers(SteadyTime now);
    void startUpload(const Command& c);
    void startDownload(const Command& c);

    // The bytes of the text `line` would send, if more than the hub takes.
    std::optional<std::size_t> overLimit(const std::string& line) const;
    // A multi-line paste waiting for y/N: the lines, the window they were
    // pasted in, and the input line to put back if it is not sent.
    struct PendingPaste {
        std::vector<std::string> lines;
        std::size_t sendable = 0;  // lines that are not blank
        BufferKind kind = BufferKind::Status;
        std::string window;
        std::string input;
        std::size_t cursor = 0;
        bool tooLong = false;  // a line is over the text limit: only f sends it
    };
    void answerPaste(const Key& key, SteadyTime now);

    HubActions& hub_;
    FileTransfers transfers_{hub_};
    // A chunk waits for the core's full send queue: try again then.
    std::optional<SteadyTime> pumpAt_;
    Settings settings_;
    std::vector<std::unique_ptr<Buffer>> buffers_;
    std::size_t active_ = 0;
    LineEditor editor_;
    Completion completion_;
    PendingSends pending_;
    // Ids for lines the core could not take (no client_msg_id), from the top
    // down, clear of the core's.
    std::uint64_t nextLocalId_ = ~std::uint64_t{0};
    bool quitAsked_ = false;            // /quit warned about lines not in the room yet
    std::size_t linesNotSent_ = 0;      // failed lines dismissed (/clear, window closed)
    std::optional<SteadyTime> quitBy_;  // ... and waits until then for those on their way

    ConnState state_ = ConnState::Connecting;
    std::string connDetail_;
    std::string hubAddress_;   // the hub of the current (or next) connection
    std::string welcomedHub_;  // the hub of the last Welcome: a move shows
    std::string nick_;
    std::string account_;          // the account we are signed in to ("" = none)
    bool privateHistory_ = false;  // Welcome.private_history
    std::string hubName_;
    std::uint64_t epoch_ = 0;
    bool welcomedOnce_ = false;
    std::string joinRequested_;  // switch to this room once joined
    std::set<std::string> whoRequested_;
    std::optional<std::string> grantedNick_;
    std::size_t maxTextBytes_ = hermes::protocol::kDefaultMaxTextBytes;  // from the Welcome
    bool filesEnabled_ = false;  // Welcome.limits.max_file_bytes > 0
    std::optional<PendingPaste> pendingPaste_;
    // A new hub's certificate waits for y/N (the core has stopped); then the
    // answer waits for the App.
    std::optional<TrustedHub> trustQuestion_;
    std::optional<TrustedHub> trustAnswer_;
    void answerTrust(const Key& key);

    // Truthful status.
    std::map<std::string, std::pair<std::string, std::int64_t>> topicShown_;  // room: by, time
    std::string hubGoodbye_;  // the hub's Bye or fatal Error on this connection, as shown
    std::optional<SteadyTime> retryAt_;
    std::string retryWhy_;
    std::int64_t retryShown_ = -1;  // seconds shown in "retry in Ns"

    // People.
    IgnoreList ignore_;
    bool ignoreChanged_ = false;
    std::string awayText_;
    PasswordPrompt passwordPrompt_ = PasswordPrompt::None;
    bool hubPasswordRefused_ = false;  // a fatal HUB_PASSWORD, until the Disconnected
    std::set<std::string> awayNicks_;  // lower-case nicks
    std::map<std::string, std::string> awayReplied_;  // lower-case nick: away reply shown

    // Typing and read markers.
    TypingState typing_;
    ReadMarkerSync markers_;
    bool hubTyping_ = false;       // Welcome.typing
    bool hubReadMarkers_ = false;  // Welcome.read_markers
    bool signedIn_ = false;        // Welcome.account, or an AccountReply since

    // The last /search: its results go to the one Search buffer.
    std::string searchRoom_;
    std::string searchPeer_;  // the last /search was in our conversation with this nick
    std::string searchQuery_;
    std::vector<SearchHit> hits_;
    std::uint64_t searchBefore_ = 0;  // before_seq for /search-more
    bool searchMore_ = false;
    std::optional<SearchHit> contextWanted_;  // /context waiting for its history page

    unsigned dirty_ = dirty::kAll;
    bool bell_ = false;
    bool showMembers_ = false;
    bool showSeqs_ = false;  // /seqs: "[seq] " before each room line
    // Edits, deletes and reactions sent, by client_msg_id: their room, so
    // that a refusal (SendFailed) is said there. They have no pending line.
    std::map<std::uint64_t, std::string> eventSends_;
    bool quitRequested_ = false;
    std::string quitMessage_;
    int screenRows_ = 24;
    int screenCols_ = 80;
    std::function<std::int64_t()> wallClock_;
    hermes::threads::OwnerThread uiThread_;  // the calls that change the model
};

}  // namespace hermes::tui

#include "model/ChatModel.hpp"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <utility>

#include "hermes/protocol/FileRules.hpp"
#include "hermes/protocol/Validation.hpp"
#include "model/LineLayout.hpp"
#include "model/MessageEvents.hpp"
#include "model/Paste.hpp"
#include "model/Utf8.hpp"

namespace hermes::tui {

namespace v1 = hermes::v1;
using hermes::client::EventKind;

namespace {

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
}

// The hub's canonical room name: lower case, no leading '#'.
std::string canonicalRoom(std::string room) {
    if (!room.empty() && room.front() == '#') {
        room.erase(0, 1);
    }
    return lower(std::move(room));
}

bool isWordChar(char c) {
    const auto u = static_cast<unsigned char>(c);
    return std::isalnum(u) || c == '_' || c == '-' || u >= 0x80;
}

std::string joinNicks(const google::protobuf::RepeatedPtrField<std::string>& nicks) {
    std::string out;
    for (const std::string& n : nicks) {
        out += out.empty() ? n : ", " + n;
    }
    return out;
}

// The words of `text` (letters and digits), lower case: to tell whether a
// detail says anything its summary does not.
std::set<std::string> wordsOf(const std::string& text) {
    std::set<std::string> words;
    std::string word;
    for (const char c : text + " ") {
        if (std::isalnum(static_cast<unsigned char>(c))) {
            word.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
        } else if (!word.empty()) {
            words.insert(std::move(word));
            word.clear();
        }
    }
    return words;
}

// "summary: detail", or the summary alone when the detail only repeats its
// words ("the hub is shutting down" + "hub shutting down").
std::string withDetail(const std::string& summary, const std::string& detail) {
    const std::set<std::string> said = wordsOf(summary);
    const std::set<std::string> more = wordsOf(detail);
    const bool adds = std::any_of(more.begin(), more.end(),
                                  [&](const std::string& w) { return said.count(w) == 0; });
    return adds ? summary + ": " + detail : summary;
}

// "45s", "4m 12s", "2h 5m", "3d 4h".
std::string durationText(std::int64_t ms) {
    const std::int64_t s = std::max<std::int64_t>(0, ms) / 1000;
    if (s < 60) {
        return std::to_string(s) + "s";
    }
    if (s < 3600) {
        return std::to_string(s / 60) + "m " + std::to_string(s % 60) + "s";
    }
    if (s < 86400) {
        return std::to_string(s / 3600) + "h " + std::to_string(s % 3600 / 60) + "m";
    }
    return std::to_string(s / 86400) + "d " + std::to_string(s % 86400 / 3600) + "h";
}

}  // namespace

ChatModel::ChatModel(HubActions& hub, Settings settings)
    : hub_(hub), settings_(std::move(settings)), nick_(settings_.nick), wallClock_([] {
          return std::chrono::duration_cast<std::chrono::milliseconds>(
                     std::chrono::system_clock::now().time_since_epoch())
              .count();
      }) {
    buffers_.push_back(
        std::make_unique<Buffer>(BufferKind::Status, "status", settings_.scrollback));
    connDetail_ = settings_.host + ":" + std::to_string(settings_.port);
    hubAddress_ = connDetail_;
}

// ---------------------------------------------------------------- buffers

Buffer* ChatModel::find(BufferKind kind, const std::string& name) {
    for (auto& b : buffers_) {
        if (b->kind() == kind && lower(b->name()) == lower(name)) {
            return b.get();
        }
    }
    return nullptr;
}

Buffer& ChatModel::room(const std::string& name) {
    if (Buffer* b = find(BufferKind::Room, name)) {
        return *b;
    }
    buffers_.push_back(std::make_unique<Buffer>(BufferKind::Room, name, settings_.scrollback));
    dirty_ |= dirty::kTitle;
    return *buffers_.back();
}

Buffer& ChatModel::query(const std::string& nick) {
    if (Buffer* b = find(BufferKind::Query, nick)) {
        return *b;
    }
    buffers_.push_back(std::make_unique<Buffer>(BufferKind::Query, nick, settings_.scrollback));
    dirty_ |= dirty::kTitle;
    return *buffers_.back();
}

std::size_t ChatModel::indexOf(const Buffer& buffer) const {
    for (std::size_t i = 0; i < buffers_.size(); ++i) {
        if (buffers_[i].get() == &buffer) {
            return i;
        }
    }
    return 0;
}

void ChatModel::removeBuffer(const Buffer& buffer) {
    const std::size_t index = indexOf(buffer);
    if (index == 0) {
        return;  // the status buffer stays
    }
    // Its lines that were not sent go with it (the person closed them);
    // lines still on their way are followed in the status window.
    if (buffer.kind() == BufferKind::Room || buffer.kind() == BufferKind::Query) {
        linesNotSent_ +=
            pending_.takeFailed(buffer.name(), buffer.kind() == BufferKind::Query).size();
    }
    buffers_.erase(buffers_.begin() + static_cast<std::ptrdiff_t>(index));
    if (active_ >= index && active_ > 0) {
        --active_;
    }
    buffers_[active_]->markRead();
    fitActive();
    dirty_ = dirty::kAll;
}

void ChatModel::setScreen(int rows, int cols) {
    uiThread_.check("ChatModel::setScreen");
    screenRows_ = rows;
    screenCols_ = cols;
    fitActive();
}

void ChatModel::fitActive() {
    if (screenRows_ > 0 && screenCols_ > 0) {
        buffers_[active_]->fit(paneFor(*buffers_[active_]));
    }
}

void ChatModel::toggleMembers() {
    showMembers_ = !showMembers_;
    // In a large room the list got at join is a sample and presence of
    // silent members is not sent (docs/HUB.md "Large rooms"): the pane
    // shows the hub's list as it is now. The answer is not printed.
    if (showMembers_ && buffers_[active_]->kind() == BufferKind::Room) {
        hub_.who(buffers_[active_]->name());
    }
    fitActive();
    dirty_ = dirty::kAll;
}

Pane ChatModel::paneFor(const Buffer& buffer) const {
    return ScreenLayout::messagePane(screenRows_, screenCols_,
                                     showMembers_ && buffer.kind() == BufferKind::Room);
}

void ChatModel::switchTo(std::size_t index) {
    uiThread_.check("ChatModel::switchTo");
    if (index >= buffers_.size()) {
        return;
    }
    active_ = index;
    Buffer& shown = *buffers_[active_];
    if (shown.kind() == BufferKind::Room || shown.kind() == BufferKind::Query) {
        shown.placeNewMarker();
    }
    shown.markRead();
    fitActive();
    seenActive();
    completion_.reset();
    dirty_ = dirty::kAll;
}

bool ChatModel::isMe(const std::string& nick) const {
    return lower(nick) == lower(nick_);
}

bool ChatModel::mentions(const std::string& text, const std::string& nick) {
    if (nick.empty()) {
        return false;
    }
    const std::string hay = lower(text);
    const std::string needle = lower(nick);
    for (std::size_t pos = hay.find(needle); pos != std::string::npos;
         pos = hay.find(needle, pos + 1)) {
        const bool startOk = pos == 0 || !isWordChar(hay[pos - 1]);
        const std::size_t after = pos + needle.size();
        const bool endOk = after >= hay.size() || !isWordChar(hay[after]);
        if (startOk && endOk) {
            return true;
        }
    }
    return false;
}

void ChatModel::note(Buffer& buffer, LineKind kind, std::string text) {
    Line line;
    line.timeMs = wallClock_();
    line.kind = kind;
    line.text = std::move(text);
    buffer.add(std::move(line), isActive(buffer));
    dirty_ |= dirty::kMessages | dirty::kTitle;
}

std::string ChatModel::inputPrompt() const {
    if (trustQuestion_) {
        return "trust this hub? [y/N] ";
    }
    if (pendingPaste_ && pendingPaste_->tooLong) {
        return "send as a file? [f/N] ";
    }
    if (pendingPaste_) {
        return "send " + std::to_string(pendingPaste_->sendable) + " lines? [y/N] ";
    }
    if (passwordPrompt_ == PasswordPrompt::Nick) {
        return "password for " + nick_ + "> ";
    }
    if (passwordPrompt_ == PasswordPrompt::Hub) {
        return "hub password> ";
    }
    if (state_ == ConnState::NickPrompt) {
        return "nick> ";
    }
    const Buffer& b = active();
    return b.kind() == BufferKind::Status ? "> " : "[" + b.name() + "] ";
}

// Where the secret part of the input starts (text().size(): none).
static std::size_t secretStart(ChatModel::PasswordPrompt prompt, const std::string& text) {
    if (prompt != ChatModel::PasswordPrompt::None) {
        return 0;
    }
    return CommandParser::secretFrom(text).value_or(text.size());
}

std::string ChatModel::inputShown() const {
    const std::string& text = editor_.text();
    const std::size_t from = secretStart(passwordPrompt_, text);
    std::string shown = text.substr(0, from);
    for (std::size_t i = from; i < text.size(); i = utf8::next(text, i)) {
        shown += '*';
    }
    return shown;
}

int ChatModel::inputCursorColumn() const {
    const std::string& text = editor_.text();
    const std::size_t from = secretStart(passwordPrompt_, text);
    const std::size_t cursor = editor_.cursor();
    if (cursor <= from) {
        return editor_.cursorColumn();
    }
    int column = utf8::displayWidth(std::string_view(text).substr(0, from));
    for (std::size_t i = from; i < cursor; i = utf8::next(text, i)) {
        ++column;
    }
    return column;
}

bool ChatModel::takeBell() {
    const bool ring = bell_;
    bell_ = false;
    return ring;
}

std::optional<std::string> ChatModel::takeGrantedNick() {
    auto out = std::move(grantedNick_);
    grantedNick_.reset();
    return out;
}

// ---------------------------------------------------------------- hub side

void ChatModel::onEvent(const hermes::client::Event& event, SteadyTime now) {
    uiThread_.check("ChatModel::onEvent");
    dirty_ |= dirty::kTitle;
    switch (event.kind) {
        case EventKind::Connecting:
            state_ = ConnState::Connecting;
            connDetail_ = event.text;
            hubAddress_ = event.text;
            hubGoodbye_.clear();
            retryAt_.reset();
            if (event.attempt <= 1) {
                note(status(), LineKind::Notice, "Connecting to " + event.text + "...");
            }
            break;
        case EventKind::Connected:
            state_ = ConnState::Handshaking;
            break;
        case EventKind::Welcomed:
            if (event.envelope && event.envelope->has_welcome()) {
                onWelcome(event.envelope->welcome(), now);
            }
            break;
        case EventKind::NickRejected: {
            state_ = ConnState::NickPrompt;
            std::string why = "that nick cannot be used";
            v1::ErrorCode code = v1::ERROR_CODE_UNSPECIFIED;
            if (event.envelope && event.envelope->has_error()) {
                why = event.envelope->error().text();
                code = event.envelope->error().code();
            }
            Buffer& b = *buffers_[active_];
            if (code == v1::ERROR_CODE_PASSWORD_REQUIRED || code == v1::ERROR_CODE_WRONG_PASSWORD ||
                code == v1::ERROR_CODE_SIGN_IN_THROTTLED ||
                code == v1::ERROR_CODE_INVALID_PASSWORD || code == v1::ERROR_CODE_ACCOUNTS_BUSY) {
                // A registered nick: ask for its password, hidden.
                passwordPrompt_ = PasswordPrompt::Nick;
                note(status(), LineKind::Error, "Nick '" + nick_ + "': " + why);
                note(status(), LineKind::Notice,
                     "Type the password of " + nick_ +
                         " and press Enter (it is not shown), or an empty line to choose "
                         "another nick.");
                if (&b != &status()) {
                    note(b, LineKind::Error,
                         "Nick '" + nick_ + "' is registered: type its password and press Enter.");
                }
                dirty_ |= dirty::kInput;
                break;
            }
            note(status(), LineKind::Error, "Nick '" + nick_ + "' refused: " + why);
            note(status(), LineKind::Notice, "Type another nick and press Enter.");
            if (&b != &status()) {
                note(b, LineKind::Error,
                     "Nick '" + nick_ + "' refused: type another nick and press Enter.");
            }
            dirty_ |= dirty::kInput;
            break;
        }
        case EventKind::Envelope:
            if (event.envelope) {
                onEnvelope(*event.envelope, now);
            }
            break;
        case EventKind::SendWritten:
        case EventKind::SendAcked:
        case EventKind::SendFailed:
            onSendEvent(event);
            break;
        case EventKind::Disconnected: {
            state_ = event.willRetry ? ConnState::Offline : ConnState::Failed;
            typing_.clearOthers();  // no notice arrives to end them
            {
                std::vector<FileTransfers::Note> notes;
                transfers_.connectionLost(notes);
                showTransferNotes(notes);
            }
            if (std::exchange(hubPasswordRefused_, false) &&
                passwordPrompt_ != PasswordPrompt::Hub) {
                passwordPrompt_ = PasswordPrompt::Hub;
                note(status(), LineKind::Notice,
                     "This hub admits only those who know its password: type it and press "
                     "Enter (it is not shown). It is used from the next connection attempt.");
            }
            connDetail_ = endReason(event.text);
            const std::string text =
                "Disconnected: " + connDetail_ + (event.willRetry ? " (reconnecting)" : "");
            for (auto& b : buffers_) {
                if (b->kind() != BufferKind::Query) {
                    note(*b, LineKind::Error, text);
                }
            }
            break;
        }
        case EventKind::ReconnectScheduled:
            state_ = ConnState::Offline;
            retryAt_ = now + event.delay;
            retryWhy_ = event.text.empty() ? std::string() : endReason(event.text);
            retryShown_ = -1;
            updateRetry(now);
            break;
        case EventKind::UntrustedHub: {
            state_ = ConnState::Failed;
            connDetail_ =
                event.pinnedFingerprint.empty() ? "hub not trusted yet" : "hub certificate changed";
            retryAt_.reset();
            std::size_t start = 0;
            while (start <= event.text.size()) {
                const std::size_t end = std::min(event.text.find('\n', start), event.text.size());
                note(status(), LineKind::Error, event.text.substr(start, end - start));
                start = end + 1;
            }
            const std::string& announced = settings_.announcedFingerprint;
            if (event.pinnedFingerprint.empty() && !announced.empty() &&
                announced != event.fingerprint) {
                // Anyone on the link can announce; a hub that does not hold
                // the certificate it announced is not offered for trust.
                note(status(), LineKind::Error,
                     "The hub announced " + announced +
                         " on the LAN but presented another certificate: not connecting (is "
                         "someone impersonating it?)");
            } else if (event.pinnedFingerprint.empty()) {
                if (!announced.empty()) {
                    note(status(), LineKind::Notice,
                         "It is the certificate the hub announced on the LAN (which anyone on "
                         "the LAN could also announce).");
                }
                trustQuestion_ = TrustedHub{event.hub, event.fingerprint};
                note(status(), LineKind::Notice, "Trust this hub and connect? (y/N)");
            }
            dirty_ |= dirty::kInput | dirty::kTitle;
            break;
        }
        case EventKind::Failed: {
            if (trustQuestion_ || connDetail_ == "hub certificate changed") {
                break;  // UntrustedHub said why, and what to do
            }
            // After a Disconnected line that gave the reason, only what is new.
            const bool said = state_ == ConnState::Failed && connDetail_ == endReason(event.text);
            state_ = ConnState::Failed;
            connDetail_ = endReason(event.text);
            retryAt_.reset();
            note(status(), LineKind::Error,
                 said ? std::string("Not reconnecting.")
                      : "Connection failed for good: " + connDetail_);
            break;
        }
    }
}

void ChatModel::onWelcome(const v1::Welcome& welcome, SteadyTime /*now*/) {
    state_ = ConnState::Online;
    passwordPrompt_ = PasswordPrompt::None;
    hubPasswordRefused_ = false;
    if (!welcome.account().empty()) {
        note(status(), LineKind::Notice, "Signed in to " + welcome.account() + ".");
    }
    nick_ = welcome.nick();
    grantedNick_ = nick_;
    account_ = welcome.account();
    privateHistory_ = welcome.private_history();
    hubName_ = welcome.server_name();
    connDetail_.clear();
    const bool moved = welcomedOnce_ && hubAddress_ != welcomedHub_;
    welcomedHub_ = hubAddress_;
    if (moved) {
        // A hub list (a cluster): the same epoch is the same history, and the
        // core's catch-up continues from each room's cursor.
        const std::string text =
            welcome.epoch() == epoch_
                ? "Now on hub " + hubAddress_ + " (same cluster); catching up."
                : "Now on hub " + hubAddress_ +
                      ", which is not of the same cluster: its history is its own.";
        for (auto& b : buffers_) {
            if (b->kind() == BufferKind::Room) {
                note(*b, LineKind::Notice, text);
            }
        }
        note(status(), LineKind::Notice, text);
    } else if (welcomedOnce_ && epoch_ != 0 && welcome.epoch() != epoch_) {
        // A hub with durable history kept the rooms' seqs: the core's catch-up
        // fetches what was said before and after the restart.
        const std::string text =
            welcome.durable_history()
                ? "The hub restarted; history is kept, catching up."
                : "The hub restarted: what was said while it was down is lost.";
        for (auto& b : buffers_) {
            if (b->kind() == BufferKind::Room) {
                note(*b, LineKind::Notice, text);
            }
        }
    }
    retryAt_.reset();
    epoch_ = welcome.epoch();
    hubTyping_ = welcome.typing();
    hubReadMarkers_ = welcome.read_markers();
    signedIn_ = !welcome.account().empty();
    typing_.clearMine();
    markers_.reconnected();
    const v1::Limits& limits = welcome.limits();
    if (limits.max_text_bytes() > 0) {
        maxTextBytes_ = limits.max_text_bytes();
    }
    filesEnabled_ = limits.max_file_bytes() > 0;
    note(status(), LineKind::Notice,
         "Welcome to " + hubName_ + ", " + nick_ + (welcomedOnce_ ? " (reconnected)" : ""));
    if (!welcomedOnce_) {
        std::string motd = welcome.motd();
        for (std::size_t start = 0; start < motd.size();) {
            std::size_t end = motd.find('\n', start);
            if (end == std::string::npos) {
                end = motd.size();
            }
            note(status(), LineKind::Notice, motd.substr(start, end - start));
            start = end + 1;
        }
        if (!settings_.room.empty()) {
            joinRequested_ = canonicalRoom(settings_.room);
            hub_.join(settings_.room);
        }
    }
    if (welcomedOnce_ && !awayText_.empty()) {
        hub_.setAway(awayText_);  // the hub forgets it with the old session
    }
    welcomedOnce_ = true;
    backfillQueries();  // what was said in our conversations while we were away
}

void ChatModel::onEnvelope(const v1::Envelope& envelope, SteadyTime now) {
    uiThread_.check("ChatModel::onEnvelope");
    dirty_ |= dirty::kTitle | dirty::kMessages | dirty::kMembers;
    if (transfers_.active()) {
        std::vector<FileTransfers::Note> notes;
        if (transfers_.handle(envelope, notes)) {
            showTransferNotes(notes);
            pumpTransfers(now);
            if (!envelope.has_message()) {
                return;  // a transfer's own frame, or its Error (said in its note)
            }
        }
    }
    switch (envelope.body_case()) {
        case v1::Envelope::kTypingNotice:
            onTypingNotice(envelope.typing_notice(), now);
            return;
        case v1::Envelope::kReadMarkers:
            onReadMarkers(envelope.read_markers());
            return;
        case v1::Envelope::kMessage:
            onMessage(envelope.message(), true);
            break;
        case v1::Envelope::kHistoryPage:
            onHistoryPage(envelope.history_page());
            break;
        case v1::Envelope::kSearchResults:
            onSearchResults(envelope.search_results());
            break;
        case v1::Envelope::kPresence:
            onPresence(envelope.presence());
            break;
        case v1::Envelope::kMembers: {
            const v1::MemberList& list = envelope.members();
            const bool mine = std::any_of(list.nicks().begin(), list.nicks().end(),
                                          [&](const std::string& n) { return isMe(n); });
            Buffer* b = find(BufferKind::Room, list.room());
            if (!b && mine) {
                b = &room(list.room());
            }
            if (b) {
                b->setMembers({list.nicks().begin(), list.nicks().end()});
            }
            for (const std::string& n : list.nicks()) {
                setAwayNick(
                    n, std::find(list.away().begin(), list.away().end(), n) != list.away().end());
            }
            if (whoRequested_.erase(list.room()) != 0) {
                note(b              ? *b
                     : active_ == 0 ? status()
                                    : *buffers_[active_],
                     LineKind::Notice,
                     "Members of " + list.room() + " (" + std::to_string(list.nicks_size()) +
                         "): " + joinNicks(list.nicks()));
            }
            if (b && mine && (joinRequested_ == list.room() || active_ == 0)) {
                // Our own join, or the hub's default room while nothing else is open.
                joinRequested_.clear();
                switchTo(indexOf(*b));
            }
            break;
        }
        case v1::Envelope::kTopic:
            onTopic(envelope.topic());
            break;
        case v1::Envelope::kWhoisReply:
            onWhoisReply(envelope.whois_reply());
            break;
        case v1::Envelope::kBanList:
            onBanList(envelope.ban_list());
            break;
        case v1::Envelope::kRoomList: {
            Buffer& b = *buffers_[active_];
            note(b, LineKind::Notice,
                 "Rooms on " + hubName_ + ": " + std::to_string(envelope.room_list().rooms_size()));
            for (const v1::RoomInfo& r : envelope.room_list().rooms()) {
                note(b, LineKind::Notice,
                     "  " + r.name() + " (" + std::to_string(r.members()) + ")" +
                         (r.topic().empty() ? "" : " " + r.topic()));
            }
            break;
        }
        case v1::Envelope::kError:
            onError(envelope.error());
            break;
        case v1::Envelope::kAccountReply:
            note(*buffers_[active_], LineKind::Notice, envelope.account_reply().text());
            {
                const bool signedInNow =
                    account_.empty() && !envelope.account_reply().account().empty();
                account_ = envelope.account_reply().account();
                if (signedInNow) {
                    backfillQueries();  // our conversations can be read now
                }
                if (!account_.empty() && !signedIn_) {
                    signedIn_ = true;  // read markers now follow the account: learn them
                    if (hubReadMarkers_) {
                        hub_.requestReadMarkers();
                    }
                }
                break;
            }
        case v1::Envelope::kBye: {
            // Said once, by the Disconnected line that follows (endReason).
            const v1::Bye& bye = envelope.bye();
            const std::string summary = bye.reason() == v1::BYE_REASON_KICKED ? "kicked by the hub"
                                        : bye.reason() == v1::BYE_REASON_SHUTDOWN
                                            ? "the hub is shutting down"
                                            : "the hub said goodbye";
            hubGoodbye_ = bye.text().empty() ? summary : withDetail(summary, bye.text());
            break;
        }
        default:
            break;
    }
}

void ChatModel::backfillQuery(Buffer& query) {
    if (!privateHistory_ || account_.empty() || state_ != ConnState::Online) {
        return;
    }
    const std::uint64_t newest = query.newestSeq();
    // An empty window first learns the conversation's head (one message):
    // then it fetches the newest, not the oldest.
    hub_.requestPrivateHistory(query.name(), newest, newest == 0 ? 1 : kQueryBackfill);
}

void ChatModel::backfillQueries() {
    for (auto& b : buffers_) {
        if (b->kind() == BufferKind::Query) {
            backfillQuery(*b);
        }
    }
}

void ChatModel::onPrivatePage(const v1::HistoryPage& page) {
    Buffer& b = query(page.peer());
    for (const v1::ChatMessage& m : page.messages()) {
        onMessage(m, false);
    }
    if (!page.has_more() || page.messages().empty()) {
        return;
    }
    std::uint64_t next = page.messages(page.messages_size() - 1).private_seq();
    if (page.head_seq() > next + kQueryBackfill) {
        const std::uint64_t skipped = page.head_seq() - kQueryBackfill - next;
        next = page.head_seq() - kQueryBackfill;
        note(b, LineKind::Notice, "... " + std::to_string(skipped) + " earlier messages not shown");
    }
    hub_.requestPrivateHistory(page.peer(), next, kQueryBackfill);
}

void ChatModel::onHistoryPage(const v1::HistoryPage& page) {
    if (!page.peer().empty()) {
        onPrivatePage(page);
        return;
    }
    Buffer& b = room(page.room());
    if (page.has_gap() && page.gap().last_seq() >= page.gap().first_seq()) {
        note(b, LineKind::Notice,
             std::to_string(page.gap().last_seq() - page.gap().first_seq() + 1) +
                 " older messages are no longer available");
    }
    for (const v1::ChatMessage& m : page.messages()) {
        onMessage(m, false);
    }
    if (!contextWanted_ || page.backlog() || canonicalRoom(page.room()) != contextWanted_->room) {
        return;
    }
    const SearchHit want = *contextWanted_;
    if (b.showSeq(want.epoch, want.seq, kContextAfter, paneFor(b))) {
        contextWanted_.reset();
        return;
    }
    // Another page of this room (a reconnect's catch-up) may come first: give
    // up only on the page that spans the hit, or one with nothing in it.
    const bool spans =
        page.messages().empty() ||
        (page.messages(0).seq() <= want.seq &&
         want.seq <= page.messages(page.messages_size() - 1).seq()) ||
        (page.has_gap() && page.gap().first_seq() <= want.seq && want.seq <= page.gap().last_seq());
    if (spans) {
        contextWanted_.reset();
        note(b, LineKind::Error,
             "Message seq " + std::to_string(want.seq) + " is no longer available");
    }
}

Buffer& ChatModel::searchBuffer() {
    for (auto& b : buffers_) {
        if (b->kind() == BufferKind::Search) {
            return *b;
        }
    }
    buffers_.push_back(
        std::make_unique<Buffer>(BufferKind::Search, "search", settings_.scrollback));
    dirty_ |= dirty::kTitle;
    return *buffers_.back();
}

void ChatModel::startSearch(const Command& c) {
    const Buffer& current = *buffers_[active_];
    std::string r = canonicalRoom(c.arg);
    std::string peer;
    if (r.empty()) {
        // From the results window, a new search stays in the same room (or
        // conversation); in a query window it searches that conversation.
        r = current.kind() == BufferKind::Room     ? current.name()
            : current.kind() == BufferKind::Search ? searchRoom_
                                                   : "";
        peer = current.kind() == BufferKind::Query    ? current.name()
               : current.kind() == BufferKind::Search ? searchPeer_
                                                      : "";
    }
    if (r.empty() && peer.empty()) {
        note(*buffers_[active_], LineKind::Error, "Not in a room: /search #room <words>");
        return;
    }
    searchRoom_ = r;
    searchPeer_ = peer;
    searchQuery_ = c.text;
    hits_.clear();
    searchMore_ = false;
    searchBefore_ = 0;
    contextWanted_.reset();
    Buffer& sb = searchBuffer();
    sb.clear();
    sb.rename("search: " + searchQuery_);
    switchTo(indexOf(sb));
    if (!searchPeer_.empty()) {
        note(sb, LineKind::Notice,
             "Searching your conversation with " + searchPeer_ + " for \"" + searchQuery_ +
                 "\", newest first; /context <n> shows hit n");
        hub_.searchPrivate(searchPeer_, searchQuery_, 0);
        return;
    }
    note(sb, LineKind::Notice,
         "Searching #" + searchRoom_ + " for \"" + searchQuery_ +
             "\", newest first; /context <n> shows hit n in its room");
    hub_.search(searchRoom_, searchQuery_, 0);
}

void ChatModel::onSearchResults(const v1::SearchResults& results) {
    if (canonicalRoom(results.room()) != searchRoom_ ||
        lower(results.peer()) != lower(searchPeer_) || results.query() != searchQuery_) {
        return;  // an earlier search's answer, arriving late
    }
    const bool conversation = !searchPeer_.empty();
    const std::string where = conversation ? "with " + searchPeer_ : "#" + searchRoom_;
    Buffer& sb = searchBuffer();
    if (hits_.empty() && results.messages().empty()) {
        note(sb, LineKind::Notice,
             "no matches for \"" + searchQuery_ + "\" " + (conversation ? "" : "in ") + where);
    }
    for (const v1::ChatMessage& m : results.messages()) {
        const std::uint64_t seq = conversation ? m.private_seq() : m.seq();
        hits_.push_back({searchRoom_, searchPeer_, m.epoch(), seq});
        const bool action = m.kind() == v1::MESSAGE_KIND_ACTION;
        note(sb, LineKind::Notice,
             std::to_string(hits_.size()) + ". [" + where + " seq " + std::to_string(seq) + " " +
                 clockText(m.time_ms()) + "] " +
                 (action ? "* " + m.from() + " " : "<" + m.from() + "> ") + m.text());
    }
    searchMore_ = results.has_more() && !results.messages().empty();
    if (searchMore_) {
        searchBefore_ = hits_.back().seq;
        note(sb, LineKind::Notice, "more results: /search-more");
    } else if (!hits_.empty()) {
        note(sb, LineKind::Notice, "end of results (" + std::to_string(hits_.size()) + ")");
    }
}

void ChatModel::showContext(int number) {
    if (number < 1 || static_cast<std::size_t>(number) > hits_.size()) {
        note(*buffers_[active_], LineKind::Error,
             hits_.empty() ? std::string("No search results: /search <words> first")
                           : "No search hit " + std::to_string(number) + " (1-" +
                                 std::to_string(hits_.size()) + ")");
        return;
    }
    const SearchHit hit = hits_[static_cast<std::size_t>(number) - 1];
    if (!hit.peer.empty()) {
        // A conversation's hit: shown if its window still holds it (a query
        // window holds the newest of the conversation it backfilled).
        Buffer& qb = query(hit.peer);
        switchTo(indexOf(qb));
        if (!qb.showSeq(hit.epoch, hit.seq, kContextAfter, paneFor(qb))) {
            note(qb, LineKind::Notice,
                 "Message " + std::to_string(hit.seq) + " is older than this window holds");
        }
        return;
    }
    const bool joined = find(BufferKind::Room, hit.room) != nullptr;
    Buffer& rb = room(hit.room);
    switchTo(indexOf(rb));
    if (!joined) {
        note(rb, LineKind::Notice,
             "Not joined: history only; /join #" + hit.room + " to talk here");
    }
    if (rb.showSeq(hit.epoch, hit.seq, kContextAfter, paneFor(rb))) {
        contextWanted_.reset();
        return;
    }
    contextWanted_ = hit;
    hub_.requestHistory(hit.room, hit.seq > kContextBefore ? hit.seq - kContextBefore : 0,
                        kContextLimit);
}

void ChatModel::onMessage(const v1::ChatMessage& m, bool live) {
    // A private message from our account, sent by another of its sessions
    // (another device), is ours too: it belongs with its `to`.
    const bool fromMe = isMe(m.from()) || (m.room().empty() && !account_.empty() &&
                                           lower(m.from()) == lower(account_));
    if (hideIgnored(m) || onAwayReply(m)) {
        return;
    }
    if (isMessageEvent(m.kind())) {
        // Folded into the line it names; no line of its own.
        if (Buffer* b = m.room().empty() ? nullptr : find(BufferKind::Room, m.room())) {
            if (applyMessageEvent(*b, m)) {
                dirty_ |= dirty::kMessages;
            }
        }
        return;
    }
    Buffer* target = nullptr;
    if (m.room().empty()) {
        target = &query(fromMe ? m.to() : m.from());
    } else {
        target = &room(m.room());
    }
    Line line;
    if (m.reply_to() != 0) {
        line.replyTo = m.reply_to();
        line.quote = quoteFor(*target, m.reply_to());
    }
    line.seqShown = showSeqs_ && m.seq() != 0;
    line.timeMs = m.time_ms();
    line.nick = m.from();
    line.kind = m.kind() == v1::MESSAGE_KIND_ACTION   ? LineKind::Action
                : m.kind() == v1::MESSAGE_KIND_NOTICE ? LineKind::Notice
                                                      : LineKind::Text;
    line.text = m.text();
    std::vector<std::string> preview;
    if (m.kind() == v1::MESSAGE_KIND_FILE && m.has_file()) {
        // Its seq names it for /download; a snippet's first lines follow it.
        line.text = "#" + std::to_string(m.seq()) + " shared " + m.file().name() + " (" +
                    protocol::describeSize(m.file().size()) + ")  /download " +
                    std::to_string(m.seq());
        line.fileName = m.file().name();
        const std::string& text = m.file().preview();
        for (std::size_t start = 0; !text.empty() && start <= text.size();) {
            const std::size_t end = text.find('\n', start);
            preview.push_back(text.substr(start, end == std::string::npos ? end : end - start));
            start = end == std::string::npos ? text.size() + 1 : end + 1;
        }
    }
    if (m.waited()) {
        line.text += " (sent " + clockText(m.time_ms()) + " while you were away)";
    } else if (m.offline()) {
        line.text += " (" + m.to() + " is offline: delivered at their next sign-in)";
    }
    line.own = fromMe;
    line.mention = !fromMe && (m.room().empty() || mentions(m.text(), nick_));
    line.epoch = m.epoch();
    // A private message is ordered and deduplicated by its conversation's
    // private_seq (0 when the hub keeps none).
    line.seq = m.room().empty() ? m.private_seq() : m.seq();
    if (line.mention && live) {
        bell_ = true;
    }
    if (typing_.spoke(typingKeyOf(*target), m.from())) {
        dirty_ |= dirty::kTitle;
    }
    const std::uint64_t seq = line.seq;
    target->add(std::move(line), isActive(*target));
    for (const std::string& text : preview) {
        Line shown;
        shown.timeMs = m.time_ms();
        shown.kind = LineKind::Notice;
        shown.text = "  | " + text;
        target->add(std::move(shown), isActive(*target));
    }
    if (isActive(*target) && !target->scrolled()) {
        markers_.seen(markerKey(*target), seq);  // read as it arrives
    }
    dirty_ |= dirty::kMessages | dirty::kTitle;
}

void ChatModel::onPresence(const v1::Presence& p) {
    if (p.kind() == v1::PRESENCE_KIND_AWAY || p.kind() == v1::PRESENCE_KIND_BACK) {
        onAwayPresence(p);
        return;
    }
    if (p.kind() >= v1::PRESENCE_KIND_KICKED && p.kind() <= v1::PRESENCE_KIND_INVITED) {
        onModerationPresence(p);
        return;
    }
    if (p.room().empty()) {
        if (p.kind() == v1::PRESENCE_KIND_NICK_CHANGED) {
            nick_ = p.new_nick();
            grantedNick_ = nick_;
            note(status(), LineKind::Notice, "You are now known as " + nick_);
        }
        return;
    }
    const std::string who = joinNicks(p.nicks());
    const std::string reason = p.reason().empty() ? "" : " (" + p.reason() + ")";
    Buffer* b = find(BufferKind::Room, p.room());
    switch (p.kind()) {
        case v1::PRESENCE_KIND_JOINED: {
            const bool mine = std::any_of(p.nicks().begin(), p.nicks().end(),
                                          [&](const std::string& n) { return isMe(n); });
            if (!b && !mine) {
                return;
            }
            if (!b) {
                b = &room(p.room());
            }
            for (const std::string& n : p.nicks()) {
                b->addMember(n);
            }
            note(*b, LineKind::Presence, who + " joined " + p.room());
            if (mine && (joinRequested_ == p.room() || active_ == 0)) {
                joinRequested_.clear();
                switchTo(indexOf(*b));
            }
            break;
        }
        case v1::PRESENCE_KIND_LEFT:
        case v1::PRESENCE_KIND_QUIT:
            if (!b) {
                return;
            }
            for (const std::string& n : p.nicks()) {
                if (p.kind() == v1::PRESENCE_KIND_LEFT && isMe(n)) {
                    note(status(), LineKind::Notice, "You left " + p.room());
                    removeBuffer(*b);
                    return;
                }
                b->removeMember(n);
                if (p.kind() == v1::PRESENCE_KIND_QUIT) {
                    setAwayNick(n, false);
                }
            }
            note(*b, LineKind::Presence,
                 who + (p.kind() == v1::PRESENCE_KIND_LEFT ? " left " + p.room() : " quit") +
                     reason);
            break;
        case v1::PRESENCE_KIND_NICK_CHANGED:
            if (!b || p.nicks().empty()) {
                return;
            }
            b->removeMember(p.nicks(0));
            b->addMember(p.new_nick());
            if (isAway(p.nicks(0))) {
                setAwayNick(p.nicks(0), false);
                setAwayNick(p.new_nick(), true);
            }
            if (Buffer* q = find(BufferKind::Query, p.nicks(0))) {
                q->rename(p.new_nick());
            }
            note(*b, LineKind::Presence, p.nicks(0) + " is now known as " + p.new_nick());
            break;
        default:
            break;
    }
}

// Errors answering our own lines come as SendFailed (onSendEvent).
void ChatModel::onError(const v1::Error& error) {
    if (error.fatal() && error.code() == v1::ERROR_CODE_HUB_PASSWORD) {
        hubPasswordRefused_ = true;
    }
    if (error.fatal()) {
        hubGoodbye_ = error.text();  // said once, by the Disconnected line that follows
        return;
    }
    Buffer* b = error.room().empty() ? nullptr : find(BufferKind::Room, error.room());
    std::string text = error.text();
    if (error.code() == v1::ERROR_CODE_NICK_TAKEN || error.code() == v1::ERROR_CODE_INVALID_NICK) {
        text += " (choose another with /nick)";
    }
    note(b ? *b : *buffers_[active_], LineKind::Error, text);
}

// ---------------------------------------------------------------- user side

void ChatModel::handleKey(const Key& key, SteadyTime now) {
    uiThread_.check("ChatModel::handleKey");
    const std::string before = trustQuestion_ || pendingPaste_ ? std::string() : editor_.text();
    dirty_ |= dirty::kInput;
    if (trustQuestion_) {
        answerTrust(key);
        return;
    }
    if (pendingPaste_) {
        answerPaste(key, now);
        return;
    }
    if (key.code != KeyCode::Tab) {
        completion_.reset();
    }
    Buffer& b = *buffers_[active_];
    const BufferKind typedKind = b.kind();
    const std::string typedIn = b.name();
    switch (key.code) {
        case KeyCode::Char:
            if (!editor_.insert(key.ch)) {
                bell_ = true;  // the line is at LineEditor::kMaxBytes
            }
            break;
        case KeyCode::Enter:
            if (const auto bytes = overLimit(editor_.text())) {
                // Refused here, visibly, and kept in the line to be shortened.
                note(b, LineKind::Error,
                     "line is " + paste::groupDigits(*bytes) + " bytes; the hub takes at most " +
                         paste::groupDigits(maxTextBytes_) + " \u2014 not sent");
                break;
            }
            // A password is never kept in the input history.
            submitLine(
                passwordPrompt_ != PasswordPrompt::None || CommandParser::secretFrom(editor_.text())
                    ? editor_.submitSecret()
                    : editor_.submit(),
                now);
            break;
        case KeyCode::Backspace:
            editor_.backspace();
            break;
        case KeyCode::Delete:
            editor_.del();
            break;
        case KeyCode::Left:
            editor_.left();
            break;
        case KeyCode::Right:
            editor_.right();
            break;
        case KeyCode::Up:
            if (!editLastOwn()) {
                editor_.historyUp();
            }
            break;
        case KeyCode::Down:
            editor_.historyDown();
            break;
        case KeyCode::Home:
        case KeyCode::CtrlA:
            editor_.home();
            break;
        case KeyCode::End:
        case KeyCode::CtrlE:
            editor_.end();
            break;
        case KeyCode::CtrlU:
            editor_.killToStart();
            break;
        case KeyCode::CtrlK:
            editor_.killToEnd();
            break;
        case KeyCode::CtrlW:
        case KeyCode::AltBackspace:
            editor_.killWordBack();
            break;
        case KeyCode::AltD:
        case KeyCode::CtrlDelete:
            editor_.killWordForward();
            break;
        case KeyCode::AltB:
        case KeyCode::CtrlLeft:
            editor_.wordLeft();
            break;
        case KeyCode::AltF:
        case KeyCode::CtrlRight:
            editor_.wordRight();
            break;
        case KeyCode::Tab: {
            std::vector<std::string> nicks(b.members().begin(), b.members().end());
            if (b.kind() == BufferKind::Query) {
                nicks.push_back(b.name());
            }
            completion_.complete(editor_, nicks, CommandParser::commandNames());
            break;
        }
        case KeyCode::PageUp:
            b.pageUp(paneFor(b));
            dirty_ |= dirty::kMessages;
            break;
        case KeyCode::PageDown:
            b.pageDown(paneFor(b));
            dirty_ |= dirty::kMessages;
            break;
        case KeyCode::ScrollUp:
            b.scrollUp(kWheelRows, paneFor(b));
            dirty_ |= dirty::kMessages;
            break;
        case KeyCode::ScrollDown:
            b.scrollDown(kWheelRows, paneFor(b));
            dirty_ |= dirty::kMessages;
            break;
        case KeyCode::Paste:
            paste(key.text);
            break;
        case KeyCode::ToggleMembers:
            toggleMembers();
            break;
        case KeyCode::CtrlN:
        case KeyCode::AltRight:
            switchTo((active_ + 1) % buffers_.size());
            break;
        case KeyCode::CtrlP:
        case KeyCode::AltLeft:
            switchTo((active_ + buffers_.size() - 1) % buffers_.size());
            break;
        case KeyCode::AltDigit:
            switchTo(key.digit == 0 ? 9 : static_cast<std::size_t>(key.digit - 1));
            break;
        case KeyCode::CtrlL:
            dirty_ = dirty::kAll;
            break;
        case KeyCode::CtrlC:
            quit(Command{CommandKind::Quit, {}, {}, false, 0, {}}, now);
            break;
    }
    if (typedKind == BufferKind::Room || typedKind == BufferKind::Query) {
        typingAfterKey(typedKind, typedIn, before, key.code == KeyCode::Enter, now);
    }
    if (key.code == KeyCode::PageDown || key.code == KeyCode::ScrollDown ||
        key.code == KeyCode::End) {
        seenActive();  // back at the bottom: read
    }
}

void ChatModel::paste(const std::string& text) {
    uiThread_.check("ChatModel::paste");
    dirty_ |= dirty::kInput;
    Buffer& b = *buffers_[active_];
    if (text.size() > paste::kMaxBytes) {
        note(b, LineKind::Error,
             "Paste not taken: it is over " + paste::groupDigits(paste::kMaxBytes) + " bytes");
        return;
    }
    if (paste::splitLines(text).size() <= 1) {
        const std::string line = paste::splitLines(text).front();
        if (!editor_.insert(line)) {
            note(b, LineKind::Error,
                 "Paste not taken: the input line holds at most " +
                     paste::groupDigits(LineEditor::kMaxBytes) + " bytes");
        }
        return;
    }
    // The paste goes where the cursor is, as typing it would.
    const std::string& input = editor_.text();
    PendingPaste p;
    p.lines = paste::splitLines(input.substr(0, editor_.cursor()) + text +
                                input.substr(editor_.cursor()));
    p.kind = b.kind();
    p.window = b.name();
    p.input = input;
    p.cursor = editor_.cursor();
    const std::string what = "Paste of " + std::to_string(p.lines.size()) + " lines";
    // In a room, a paste may also go as one file with a preview (a snippet).
    const bool snippet = b.kind() == BufferKind::Room && filesEnabled_;
    for (std::size_t i = 0; i < p.lines.size(); ++i) {
        // Pasted lines are text, sent as they are: a "/quit" in a pasted log
        // is not run.
        if (p.lines[i].size() > maxTextBytes_ && state_ != ConnState::NickPrompt) {
            const std::string why =
                "line " + std::to_string(i + 1) + " is " + paste::groupDigits(p.lines[i].size()) +
                " bytes; the hub takes at most " + paste::groupDigits(maxTextBytes_);
            if (!snippet) {
                note(b, LineKind::Error, what + " not sent: " + why);
                return;
            }
            p.tooLong = true;
            note(b, LineKind::Notice, what + ": " + why + ". Send it as a file? [f/N]");
            break;
        }
        if (p.lines[i].find_first_not_of(" \t") != std::string::npos) {
            ++p.sendable;
        }
    }
    if (!p.tooLong) {
        note(b, LineKind::Notice,
             what + ": send " + std::to_string(p.sendable) + " lines? [y/N]" +
                 (snippet ? ", or f: as one file" : ""));
    }
    editor_.setText("");
    completion_.reset();
    pendingPaste_ = std::move(p);
}

void ChatModel::answerTrust(const Key& key) {
    TrustedHub hub = std::move(*trustQuestion_);
    trustQuestion_.reset();
    if (key.code == KeyCode::Char && (key.ch == 'y' || key.ch == 'Y')) {
        note(status(), LineKind::Notice,
             "Trusting " + hub.hub + " (" + hub.fingerprint + "); connecting.");
        connDetail_.clear();
        state_ = ConnState::Offline;
        trustAnswer_ = std::move(hub);
    } else {
        note(status(), LineKind::Notice,
             "Not trusted: not connecting. /quit to leave, or start again to be asked again.");
    }
    dirty_ |= dirty::kInput | dirty::kTitle;
}

std::optional<ChatModel::TrustedHub> ChatModel::takeTrustedHub() {
    std::optional<TrustedHub> answer = std::move(trustAnswer_);
    trustAnswer_.reset();
    return answer;
}

void ChatModel::answerPaste(const Key& key, SteadyTime now) {
    PendingPaste p = std::move(*pendingPaste_);
    pendingPaste_.reset();
    const bool yes = key.code == KeyCode::Char && (key.ch == 'y' || key.ch == 'Y') && !p.tooLong;
    const bool asFile = key.code == KeyCode::Char && (key.ch == 'f' || key.ch == 'F') &&
                        p.kind == BufferKind::Room && filesEnabled_;
    if (asFile && p.kind == active().kind() && p.window == active().name()) {
        // The pasted lines (terminals paste CR line ends: LF here), named for
        // the moment.
        std::string text;
        for (const std::string& line : p.lines) {
            text += line + "\n";
        }
        char name[32];
        const std::time_t seconds = static_cast<std::time_t>(wallClock_() / 1000);
        std::tm parts{};
        localtime_r(&seconds, &parts);
        std::strftime(name, sizeof name, "paste-%H%M%S.txt", &parts);
        showTransferNotes({transfers_.uploadSnippet(p.window, std::move(text), name)});
        pumpTransfers(now);
        dirty_ |= dirty::kInput | dirty::kTitle;
        return;
    }
    if (yes && p.kind == active().kind() && p.window == active().name()) {
        for (const std::string& line : p.lines) {
            if (line.find_first_not_of(" \t") != std::string::npos) {
                queueText(line, false, now);
            }
        }
        dirty_ |= dirty::kInput | dirty::kTitle;
        return;
    }
    editor_.setText(std::move(p.input), p.cursor);
    note(*buffers_[active_], LineKind::Notice,
         "Paste of " + std::to_string(p.lines.size()) + " lines not sent" +
             (yes ? " (the window changed)" : ""));
    if (key.code == KeyCode::Paste) {
        paste(key.text);  // a new paste replaces the one asked about
    }
}

std::optional<std::size_t> ChatModel::overLimit(const std::string& line) const {
    if (state_ == ConnState::NickPrompt) {
        return std::nullopt;
    }
    const Command c = CommandParser::parse(line);
    const bool sendsText =
        c.kind == CommandKind::Say || c.kind == CommandKind::Me || c.kind == CommandKind::Msg;
    if (!sendsText || c.text.size() <= maxTextBytes_) {
        return std::nullopt;
    }
    return c.text.size();
}

void ChatModel::submitLine(const std::string& line, SteadyTime now) {
    uiThread_.check("ChatModel::submitLine");
    dirty_ |= dirty::kInput | dirty::kTitle;
    if (passwordPrompt_ == PasswordPrompt::Hub) {
        if (line.empty()) {
            return;
        }
        passwordPrompt_ = PasswordPrompt::None;
        hub_.setHubPassword(line);
        note(status(), LineKind::Notice, "Hub password taken: trying it on the next connection.");
        return;
    }
    if (passwordPrompt_ == PasswordPrompt::Nick) {
        passwordPrompt_ = PasswordPrompt::None;
        if (line.empty()) {
            note(status(), LineKind::Notice, "Type another nick and press Enter.");
            return;
        }
        state_ = ConnState::Handshaking;
        note(status(), LineKind::Notice, "Signing in as " + nick_ + "...");
        hub_.retryNick(nick_, line);
        return;
    }
    if (state_ == ConnState::NickPrompt) {
        if (line.empty()) {
            return;
        }
        nick_ = line;
        state_ = ConnState::Handshaking;
        note(status(), LineKind::Notice, "Trying nick " + line + "...");
        hub_.retryNick(line);
        return;
    }
    runCommand(line, now);
}

void ChatModel::queueText(std::string text, bool action, SteadyTime now) {
    Buffer& b = *buffers_[active_];
    if (b.kind() == BufferKind::Status) {
        note(b, LineKind::Error, "This is the status window: /join a room first, or /help.");
        return;
    }
    if (b.kind() == BufferKind::Search) {
        note(b, LineKind::Error, "This window shows search results: switch to a room to talk.");
        return;
    }
    sendLine(b.name(), b.kind() == BufferKind::Query, text, action, now);
}

void ChatModel::runCommand(const std::string& line, SteadyTime now) {
    const Command c = CommandParser::parse(line);
    Buffer& b = *buffers_[active_];
    const bool inRoom = b.kind() == BufferKind::Room;
    switch (c.kind) {
        case CommandKind::None:
            break;
        case CommandKind::Say:
            queueText(c.text, false, now);
            break;
        case CommandKind::Me:
            queueText(c.text, true, now);
            break;
        case CommandKind::Join:
            joinRequested_ = canonicalRoom(c.arg);
            if (Buffer* existing = find(BufferKind::Room, joinRequested_)) {
                switchTo(indexOf(*existing));
                joinRequested_.clear();
            } else {
                hub_.join(c.arg);
            }
            break;
        case CommandKind::Part:
            if (!c.arg.empty()) {
                hub_.leave(c.arg, c.text);
            } else if (inRoom) {
                hub_.leave(b.name(), c.text);
            } else if (b.kind() == BufferKind::Query || b.kind() == BufferKind::Search) {
                removeBuffer(b);
            } else {
                note(b, LineKind::Error, "Not in a room: /part <room>");
            }
            break;
        case CommandKind::Nick:
            hub_.setNick(c.arg);
            break;
        case CommandKind::Msg:
            switchTo(indexOf(query(c.arg)));
            sendLine(c.arg, true, c.text, false, now);
            break;
        case CommandKind::Who: {
            const std::string r = c.arg.empty() ? (inRoom ? b.name() : "") : canonicalRoom(c.arg);
            if (r.empty()) {
                note(b, LineKind::Error, "Not in a room: /who <room>");
            } else {
                whoRequested_.insert(r);
                hub_.who(r);
            }
            break;
        }
        case CommandKind::Rooms:
            hub_.requestRoomList();
            break;
        case CommandKind::Topic:
            if (!inRoom) {
                note(b, LineKind::Error, "Not in a room: /topic works in a room window");
            } else if (c.hasText) {
                hub_.setTopic(b.name(), c.text);
            } else {
                note(b, LineKind::Notice,
                     b.topic().empty() ? "No topic is set" : "Topic: " + b.topic());
            }
            break;
        case CommandKind::Clear:
            // Lines that were not sent are dismissed with the rest; lines on
            // their way stay.
            for (const PendingLine& failed :
                 pending_.takeFailed(b.name(), b.kind() == BufferKind::Query)) {
                b.removePending(failed.id);
                ++linesNotSent_;
            }
            b.clear();
            dirty_ |= dirty::kMessages | dirty::kTitle;
            break;
        case CommandKind::Invalid:
            note(b, LineKind::Error, c.error);
            break;
        case CommandKind::Help:
            help(c);
            break;
        case CommandKind::Query:
            openQuery(c, now);
            break;
        case CommandKind::Close:
            closeWindow();
            break;
        case CommandKind::Ignore:
            ignore(c.arg);
            break;
        case CommandKind::Unignore:
            unignore(c.arg);
            break;
        case CommandKind::Whois:
            hub_.whois(c.arg);
            break;
        case CommandKind::Upload:
            startUpload(c);
            break;
        case CommandKind::Download:
            startDownload(c);
            break;
        case CommandKind::Register:
            hub_.registerNick(c.text);
            note(b, LineKind::Notice, "Registering " + nick_ + "...");
            break;
        case CommandKind::Identify:
            hub_.identify(c.arg, c.text);
            note(b, LineKind::Notice, "Signing in to " + (c.arg.empty() ? nick_ : c.arg) + "...");
            break;
        case CommandKind::Password:
            hub_.changePassword(c.arg, c.text);
            note(b, LineKind::Notice, "Changing your password...");
            break;
        case CommandKind::Away:
            hub_.setAway(c.text);  // the hub's confirmation updates the status bar
            break;
        case CommandKind::Moderate:
            moderate(c);
            break;
        case CommandKind::Bans:
            if (c.hubWide) {
                hub_.requestBans({});
            } else if (inRoom) {
                hub_.requestBans(b.name());
            } else {
                note(b, LineKind::Error, "Not in a room: /bans works in a room window");
            }
            break;
        case CommandKind::Quit:
            quit(c, now);
            break;
        case CommandKind::Retry:
            retryFailed(now);
            break;
        case CommandKind::Window:
            if (static_cast<std::size_t>(c.number) > buffers_.size()) {
                note(b, LineKind::Error, "No window " + std::to_string(c.number));
            } else {
                switchTo(static_cast<std::size_t>(c.number - 1));
            }
            break;
        case CommandKind::Members:
            toggleMembers();
            break;
        case CommandKind::Search:
            startSearch(c);
            break;
        case CommandKind::SearchMore:
            if (!searchMore_) {
                note(b, LineKind::Error,
                     hits_.empty() ? "No search to continue: /search <words>"
                                   : "No more results for \"" + searchQuery_ + "\"");
            } else {
                searchMore_ = false;  // until the next page says so
                switchTo(indexOf(searchBuffer()));
                if (searchPeer_.empty()) {
                    hub_.search(searchRoom_, searchQuery_, searchBefore_);
                } else {
                    hub_.searchPrivate(searchPeer_, searchQuery_, searchBefore_);
                }
            }
            break;
        case CommandKind::Reply:
        case CommandKind::Edit:
        case CommandKind::Delete:
        case CommandKind::React:
        case CommandKind::Unreact:
            messageCommand(c, now);
            break;
        case CommandKind::Seqs:
            toggleSeqs();
            break;
        case CommandKind::Context:
            showContext(c.number);
            break;
    }
}

void ChatModel::help(const Command& c) {
    Buffer& b = *buffers_[active_];
    std::vector<std::string> lines = CommandParser::helpLines();
    if (!c.arg.empty()) {
        lines = CommandParser::helpFor(c.arg).value_or(std::vector<std::string>{});
    }
    for (const std::string& h : lines) {
        note(b, LineKind::Notice, h);
    }
}

void ChatModel::openQuery(const Command& c, SteadyTime now) {
    if (auto error = hermes::protocol::checkNick(c.arg)) {
        note(*buffers_[active_], LineKind::Error, "Not a nick: " + error->text);
        return;
    }
    Buffer* existing = find(BufferKind::Query, c.arg);
    switchTo(indexOf(query(c.arg)));
    if (existing == nullptr) {
        backfillQuery(*buffers_[active_]);
    }
    if (c.hasText) {
        sendLine(c.arg, true, c.text, false, now);
    }
}

// A room window is closed by parting the room: the window goes when the hub
// confirms (our own LEFT presence), as for /part. Closing it without parting
// would leave us a member that sees nothing.
void ChatModel::closeWindow() {
    Buffer& b = *buffers_[active_];
    switch (b.kind()) {
        case BufferKind::Status:
            note(b, LineKind::Error, "The status window stays open; /quit leaves Hermes.");
            break;
        case BufferKind::Room:
            note(b, LineKind::Notice, "Closing " + b.name() + ": parting the room.");
            hub_.leave(b.name(), "");
            break;
        case BufferKind::Query:
        case BufferKind::Search:
            removeBuffer(b);
            break;
    }
}

void ChatModel::tick(SteadyTime now) {
    uiThread_.check("ChatModel::tick");
    updateRetry(now);
    if (typing_.expire(now)) {
        dirty_ |= dirty::kTitle;
    }
    sendDueMarkers(now);
    if (pumpAt_ && now >= *pumpAt_) {
        pumpTransfers(now);
    }
    // Lines on their way are waited for; failed ones (asked about) are not.
    if (quitBy_ && (pending_.unsent() == 0 || now >= *quitBy_)) {
        quitBy_.reset();
        if (pending_.failed() == 0) {
            quitRequested_ = true;
        } else {
            // Lines failed meanwhile: the question stands, /quit again leaves.
            note(*buffers_[active_], LineKind::Error,
                 std::to_string(pending_.failed()) +
                     " lines were not sent: /retry in their windows, or /quit again to leave");
        }
    }
}

std::optional<SteadyTime> ChatModel::nextDeadline() const {
    std::optional<SteadyTime> at = quitBy_;
    const auto earliest = [&at](std::optional<SteadyTime> t) {
        if (t && (!at || *t < *at)) {
            at = t;
        }
    };
    earliest(typing_.nextExpiry());
    earliest(pumpAt_);
    if (markersWanted()) {
        earliest(markers_.nextDue());
    }
    // The retry countdown changes when its shown second runs out.
    if (retryAt_ && retryShown_ > 0) {
        const SteadyTime change = *retryAt_ - std::chrono::seconds(retryShown_ - 1);
        if (!at || change < *at) {
            at = change;
        }
    }
    return at;
}

// ---------------------------------------------------------------- sending

// A line typed (or pasted) goes to the client core at once: the core paces it
// to the hub's rate, holds it while offline and tells us where it is. Until
// its echo it is shown at the bottom of its window with its state.
void ChatModel::sendLine(const std::string& target, bool isQuery, const std::string& text,
                         bool action, SteadyTime, std::uint64_t replyTo) {
    std::uint64_t id = 0;
    if (replyTo != 0) {
        v1::Say say;
        say.set_room(target);
        say.set_kind(action ? v1::MESSAGE_KIND_ACTION : v1::MESSAGE_KIND_TEXT);
        say.set_text(text);
        say.set_reply_to(replyTo);
        id = hub_.sendSay(say);
    } else {
        id = isQuery ? hub_.privateMessage(target, text, action) : hub_.say(target, text, action);
    }
    PendingLine pending{id, target, isQuery, text, action, SendState::Queued, {}, replyTo};
    if (id == 0) {
        pending.id = nextLocalId_--;
        pending.state = SendState::Failed;
        pending.why = "the client could not queue it";
    }
    Line line;
    line.timeMs = wallClock_();
    line.nick = nick_;
    line.kind = action ? LineKind::Action : LineKind::Text;
    line.text = text;
    line.own = true;
    line.sendId = pending.id;
    line.send = pending.state;
    line.sendNote = pending.why;
    Buffer& b = isQuery ? query(target) : room(target);
    if (replyTo != 0) {
        line.replyTo = replyTo;
        line.quote = quoteFor(b, replyTo);
    }
    b.addPending(std::move(line));
    pending_.add(std::move(pending));
    dirty_ |= dirty::kMessages | dirty::kTitle;
}

Buffer* ChatModel::bufferOf(const PendingLine& line) {
    return find(line.query ? BufferKind::Query : BufferKind::Room, line.target);
}

void ChatModel::onSendEvent(const hermes::client::Event& event) {
    PendingLine* line = pending_.find(event.clientMsgId);
    if (line == nullptr) {
        const auto sent = eventSends_.find(event.clientMsgId);
        if (sent == eventSends_.end() || event.kind == EventKind::SendWritten) {
            return;
        }
        if (event.kind == EventKind::SendFailed) {
            Buffer* b = find(BufferKind::Room, sent->second);
            note(b != nullptr ? *b : status(), LineKind::Error,
                 "Not done: " + (event.envelope && event.envelope->has_error()
                                     ? event.envelope->error().text()
                                     : event.text));
        }
        eventSends_.erase(sent);
        return;
    }
    Buffer* b = bufferOf(*line);
    dirty_ |= dirty::kMessages | dirty::kTitle;
    switch (event.kind) {
        case EventKind::SendWritten:
            line->state = SendState::Sending;
            if (b != nullptr) {
                b->updatePending(line->id, SendState::Sending);
            }
            return;
        case EventKind::SendAcked:
            // The echo, just before this, took its place in the hub's order.
            if (b != nullptr) {
                b->removePending(line->id);
            }
            pending_.remove(event.clientMsgId);
            return;
        case EventKind::SendFailed:
            line->state = SendState::Failed;
            line->why = event.envelope && event.envelope->has_error()
                            ? event.envelope->error().text()
                            : event.text;
            if (b != nullptr) {
                b->updatePending(line->id, SendState::Failed, line->why);
                return;
            }
            // Its window is closed: said once in the status window, not kept.
            note(status(), LineKind::Error,
                 "Not sent to " + line->target + " (" + line->why +
                     "): " + (line->action ? "/me " : "") + line->text);
            pending_.remove(event.clientMsgId);
            ++linesNotSent_;
            return;
        default:
            return;
    }
}

void ChatModel::retryFailed(SteadyTime now) {
    Buffer& b = *buffers_[active_];
    const std::vector<PendingLine> failed =
        pending_.takeFailed(b.name(), b.kind() == BufferKind::Query);
    if (failed.empty()) {
        note(b, LineKind::Notice, "Nothing to retry here: every line was sent.");
        return;
    }
    for (const PendingLine& line : failed) {
        b.removePending(line.id);
        sendLine(line.target, line.query, line.text, line.action, now, line.replyTo);
    }
}

// /quit (and Ctrl-C) with lines still on their way waits for them, up to
// settings_.quitWait; with lines that were not sent, it asks first. Either
// way a second /quit leaves at once; exitStatus() tells the shell.
void ChatModel::quit(const Command& c, SteadyTime now) {
    if (c.hasText) {
        quitMessage_ = c.text;
    }
    const std::size_t waiting = pending_.unsent();
    const std::size_t failed = pending_.failed();
    Buffer& b = *buffers_[active_];
    if (quitAsked_ || (waiting == 0 && failed == 0)) {
        quitRequested_ = true;
        return;
    }
    quitAsked_ = true;
    const auto plural = [](std::size_t n) {
        return std::to_string(n) + (n == 1 ? " line" : " lines");
    };
    if (waiting > 0) {
        quitBy_ = now + settings_.quitWait;
        note(b, LineKind::Notice,
             plural(waiting) + " still on the way to the hub: leaving once " +
                 (waiting == 1 ? "it is" : "they are") + " in the room, or in " +
                 std::to_string(settings_.quitWait.count() / 1000) +
                 " s at the latest (/quit again leaves now)");
    }
    if (failed > 0) {
        note(b, LineKind::Error,
             plural(failed) + (failed == 1 ? " was" : " were") +
                 " not sent (marked [not sent] in their windows): /retry " +
                 "there, or /quit again to leave without them");
    }
}

// ---------------------------------------------------------------- status

void ChatModel::onTopic(const v1::Topic& topic) {
    Buffer& b = room(topic.room());
    // A rejoin (every reconnect, and the hub's default room besides) re-sends
    // the topic unchanged: shown only when new to this window or changed.
    const std::pair<std::string, std::int64_t> stamp{topic.set_by(), topic.time_ms()};
    const auto shown = topicShown_.find(b.name());
    const bool known =
        shown != topicShown_.end() && shown->second == stamp && b.topic() == topic.text();
    b.setTopic(topic.text());
    topicShown_[b.name()] = stamp;
    if (known) {
        return;
    }
    note(b, LineKind::Notice,
         topic.set_by().empty() ? "Topic: " + topic.text()
                                : topic.set_by() + " set the topic: " +
                                      (topic.text().empty() ? "(cleared)" : topic.text()));
}

std::string ChatModel::endReason(const std::string& coreText) const {
    // The core words a Bye as "the hub is shutting down: <text>" and a fatal
    // Error as "hub error CODE: <text>"; onEnvelope kept the hub's own words.
    return hubGoodbye_.empty() ? coreText : hubGoodbye_;
}

void ChatModel::updateRetry(SteadyTime now) {
    if (!retryAt_ || state_ != ConnState::Offline) {
        return;
    }
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(*retryAt_ - now);
    const std::int64_t seconds = std::max<std::int64_t>(0, (left.count() + 999) / 1000);
    if (seconds == retryShown_) {
        return;
    }
    retryShown_ = seconds;
    connDetail_ = (seconds > 0 ? "retry in " + std::to_string(seconds) + "s" : "retrying") +
                  (retryWhy_.empty() ? "" : ": " + retryWhy_);
    dirty_ |= dirty::kTitle;
}

// ---------------------------------------------------------------- people

bool ChatModel::isAway(const std::string& nick) const {
    return awayNicks_.count(lower(nick)) != 0;
}

void ChatModel::setAwayNick(const std::string& nick, bool away) {
    if (away) {
        awayNicks_.insert(lower(nick));
    } else {
        awayNicks_.erase(lower(nick));
        awayReplied_.erase(lower(nick));
    }
    dirty_ |= dirty::kMembers;
}

std::optional<std::vector<std::string>> ChatModel::takeIgnoreChange() {
    if (!ignoreChanged_) {
        return std::nullopt;
    }
    ignoreChanged_ = false;
    return ignore_.nicks();
}

void ChatModel::ignore(const std::string& nick) {
    Buffer& b = *buffers_[active_];
    if (nick.empty()) {
        std::string list;
        for (const std::string& n : ignore_.nicks()) {
            list += (list.empty() ? "" : ", ") + n;
        }
        note(b, LineKind::Notice,
             list.empty()
                 ? std::string("Nobody is ignored; /ignore <nick> hides a nick's messages.")
                 : "Ignored (" + std::to_string(ignore_.nicks().size()) + "): " + list);
        return;
    }
    if (auto error = hermes::protocol::checkNick(nick)) {
        note(b, LineKind::Error, "Not a nick: " + error->text);
    } else if (isMe(nick)) {
        note(b, LineKind::Error, "You cannot ignore yourself.");
    } else if (!ignore_.add(nick)) {
        note(b, LineKind::Error, nick + " is already ignored.");
    } else {
        ignoreChanged_ = true;
        note(b, LineKind::Notice,
             "Ignoring " + nick + ": their messages are hidden (/unignore " + nick + ")");
    }
}

void ChatModel::unignore(const std::string& nick) {
    Buffer& b = *buffers_[active_];
    if (!ignore_.remove(nick)) {
        note(b, LineKind::Error, nick + " is not ignored.");
        return;
    }
    ignoreChanged_ = true;
    note(b, LineKind::Notice, "No longer ignoring " + nick + ".");
}

bool ChatModel::hideIgnored(const v1::ChatMessage& m) {
    if (isMe(m.from()) || !ignore_.contains(m.from())) {
        return false;
    }
    // Kept out of the windows: a private one is not even opened.
    Buffer* b = m.room().empty() ? &status() : find(BufferKind::Room, m.room());
    const std::string where = m.room().empty() ? std::string("private") : "#" + m.room();
    if (b != nullptr && ignore_.firstHidden(where, m.from())) {
        note(*b, LineKind::Notice,
             m.from() + " is ignored: their " +
                 (m.room().empty() ? std::string("private messages are") : "messages here are") +
                 " hidden (/unignore " + m.from() + ")");
    }
    return true;
}

bool ChatModel::onAwayReply(const v1::ChatMessage& m) {
    if (!m.room().empty() || m.kind() != v1::MESSAGE_KIND_NOTICE || m.away().empty() ||
        isMe(m.from())) {
        if (m.room().empty() && !isMe(m.from())) {
            awayReplied_.erase(lower(m.from()));  // they wrote: a later away reply is news
        }
        return false;
    }
    setAwayNick(m.from(), true);
    // The hub answers every private message while they are away: a run of
    // equal replies shows once in their window.
    std::string& shown = awayReplied_[lower(m.from())];
    if (shown == m.away()) {
        return true;
    }
    shown = m.away();
    Line line;
    line.timeMs = m.time_ms();
    line.kind = LineKind::Notice;
    line.text = m.from() + " is away: " + m.away();
    Buffer& q = query(m.from());
    q.add(std::move(line), isActive(q));
    dirty_ |= dirty::kMessages | dirty::kTitle;
    return true;
}

void ChatModel::moderate(const Command& c) {
    Buffer& b = *buffers_[active_];
    if (!c.hubWide && b.kind() != BufferKind::Room) {
        note(b, LineKind::Error, "Not in a room: moderation works in a room window");
        return;
    }
    hub_.moderate(c.hubWide ? std::string() : b.name(), c.number, c.arg, c.targetKind, c.text,
                  c.expirySeconds);
}

// "* bob was kicked by ana (spam)": what an operator did, in the room's
// window (or, for us, also in the status window).
void ChatModel::onModerationPresence(const v1::Presence& p) {
    const std::string who = joinNicks(p.nicks());
    const std::string by = p.by().empty() ? "an operator" : p.by();
    const std::string reason = p.reason().empty() ? "" : " (" + p.reason() + ")";
    const bool mine = std::any_of(p.nicks().begin(), p.nicks().end(),
                                  [&](const std::string& n) { return isMe(n); });
    if (p.room().empty()) {  // the hub-wide list: our own action's confirmation
        const std::string verb = p.kind() == v1::PRESENCE_KIND_BANNED
                                     ? " banned from the hub by "
                                     : " unbanned from the hub by ";
        note(*buffers_[active_], LineKind::Notice, who + verb + by + reason);
        return;
    }
    Buffer* b = find(BufferKind::Room, p.room());
    std::string text;
    switch (p.kind()) {
        case v1::PRESENCE_KIND_KICKED:
        case v1::PRESENCE_KIND_BANNED: {
            const bool kicked = p.kind() == v1::PRESENCE_KIND_KICKED;
            if (mine && b) {
                note(status(), LineKind::Notice,
                     std::string(kicked ? "You were kicked from " : "You were banned from ") +
                         p.room() + " by " + by + reason);
                removeBuffer(*b);
                return;
            }
            if (b) {
                for (const std::string& n : p.nicks()) {
                    b->removeMember(n);
                }
            }
            text = who + (kicked ? " was kicked by " : " was banned by ") + by + reason;
            break;
        }
        case v1::PRESENCE_KIND_UNBANNED:
            text = who + " was unbanned by " + by + reason;
            break;
        case v1::PRESENCE_KIND_MUTED:
            text = (mine ? std::string("You were") : who + " was") + " muted by " + by + reason;
            break;
        case v1::PRESENCE_KIND_UNMUTED:
            text = (mine ? std::string("You were") : who + " was") + " unmuted by " + by + reason;
            break;
        case v1::PRESENCE_KIND_OPPED:
            text = by + " made " + who + " an operator" + reason;
            break;
        case v1::PRESENCE_KIND_DEOPPED:
            text = by + " took operator from " + who + reason;
            break;
        case v1::PRESENCE_KIND_MODE_CHANGED:
            text = by + " set " + p.room() + ": " + p.reason();
            break;
        case v1::PRESENCE_KIND_INVITED:
            if (mine && !b) {
                note(status(), LineKind::Notice,
                     by + " invited you to " + p.room() + ": /join " + p.room());
                return;
            }
            text = by + " invited " + who + reason;
            break;
        default:
            return;
    }
    // An operator acting on a room it is not in sees its confirmation here.
    note(b ? *b : *buffers_[active_], LineKind::Presence, b ? text : p.room() + ": " + text);
}

void ChatModel::onBanList(const v1::BanList& list) {
    Buffer* b = list.room().empty() ? nullptr : find(BufferKind::Room, list.room());
    Buffer& out = b ? *b : *buffers_[active_];
    const std::string where = list.room().empty() ? "the hub" : list.room();
    if (list.bans().empty()) {
        note(out, LineKind::Notice, "No bans in " + where);
        return;
    }
    note(out, LineKind::Notice,
         "Bans in " + where + " (" + std::to_string(list.bans_size()) + "):");
    for (const v1::BanEntry& ban : list.bans()) {
        const std::string kind = ban.kind() == v1::TARGET_KIND_ACCOUNT   ? "account:"
                                 : ban.kind() == v1::TARGET_KIND_ADDRESS ? "address:"
                                                                         : "";
        note(out, LineKind::Notice,
             "  " + kind + ban.target() + " by " + ban.set_by() +
                 (ban.reason().empty() ? "" : " (" + ban.reason() + ")") +
                 (ban.expires_ms() == 0 ? "" : ", until " + clockText(ban.expires_ms())));
    }
}

void ChatModel::onAwayPresence(const v1::Presence& p) {
    const bool away = p.kind() == v1::PRESENCE_KIND_AWAY;
    if (p.room().empty()) {
        // The hub's confirmation of our own SetAway.
        setAwayNick(nick_, away);
        const std::string text = away ? p.reason() : std::string();
        if (text == awayText_) {
            return;  // unchanged, e.g. sent again after a reconnect
        }
        awayText_ = text;
        const std::string said = away ? "You are away: " + text : std::string("You are back.");
        note(status(), LineKind::Notice, said);
        if (active_ != 0 && active().kind() != BufferKind::Room) {
            note(*buffers_[active_], LineKind::Notice, said);  // rooms hear it as presence
        }
        dirty_ |= dirty::kTitle;
        return;
    }
    for (const std::string& n : p.nicks()) {
        setAwayNick(n, away);
    }
    Buffer* b = find(BufferKind::Room, p.room());
    if (b == nullptr) {
        return;
    }
    const std::string verb = p.nicks_size() > 1 ? " are " : " is ";
    note(*b, LineKind::Presence,
         joinNicks(p.nicks()) + verb + (away ? "away: " + p.reason() : std::string("back")));
}

void ChatModel::onWhoisReply(const v1::WhoisReply& r) {
    setAwayNick(r.nick(), !r.away().empty());
    Buffer& b = *buffers_[active_];
    note(b, LineKind::Notice,
         r.nick() + (r.client_name().empty() ? "" : " (" + r.client_name() + ")"));
    std::string rooms;
    for (const std::string& name : r.rooms()) {
        rooms += (rooms.empty() ? "" : ", ") + name;
    }
    note(b, LineKind::Notice, rooms.empty() ? std::string("  in no rooms") : "  rooms: " + rooms);
    note(b, LineKind::Notice,
         "  signed on " + clockText(r.signed_on_ms()) + ", " +
             durationText(wallClock_() - r.signed_on_ms()) + " ago; idle " +
             durationText(static_cast<std::int64_t>(r.idle_ms())));
    if (!r.away().empty()) {
        note(b, LineKind::Notice, "  away: " + r.away());
    }
    note(b, LineKind::Notice, "End of /whois " + r.nick());
}

// ---------------------------------------------------------------- replies, edits, reactions

// The message is named by its room seq (shown with /seqs); /reply and /react
// without one take the newest message from someone else, /unreact the newest
// carrying that reaction of ours. The hub checks the rest (the author, a
// reaction counted once); its refusal comes back as SendFailed.
void ChatModel::messageCommand(const Command& c, SteadyTime now) {
    Buffer& b = *buffers_[active_];
    if (b.kind() != BufferKind::Room) {
        note(b, LineKind::Error, "Replies, edits and reactions are for a room's messages.");
        return;
    }
    std::uint64_t seq = c.seq;
    if (seq == 0) {
        const Line* line = c.kind == CommandKind::Unreact ? newestReactedBy(b, nick_, c.text)
                                                          : newestFromOthers(b, nick_);
        if (line == nullptr) {
            note(b, LineKind::Error,
                 c.kind == CommandKind::Unreact
                     ? "No message here carries your " + c.text + "; give its number: /seqs"
                     : std::string("No message from someone else here; give its number: /seqs"));
            return;
        }
        seq = line->seq;
    }
    if (c.kind == CommandKind::Reply) {
        sendLine(b.name(), false, c.text, false, now, seq);
        return;
    }
    v1::Say say;
    say.set_room(b.name());
    say.set_target_seq(seq);
    say.set_text(c.text);
    switch (c.kind) {
        case CommandKind::Edit:
            say.set_kind(v1::MESSAGE_KIND_EDIT);
            break;
        case CommandKind::Delete:
            say.set_kind(v1::MESSAGE_KIND_DELETE);
            break;
        case CommandKind::React:
            say.set_kind(v1::MESSAGE_KIND_REACT);
            break;
        default:
            say.set_kind(v1::MESSAGE_KIND_UNREACT);
            break;
    }
    const std::uint64_t id = hub_.sendSay(say);
    if (id == 0) {
        note(b, LineKind::Error, "Not sent: the client could not queue it.");
        return;
    }
    eventSends_[id] = b.name();
}

void ChatModel::toggleSeqs() {
    showSeqs_ = !showSeqs_;
    for (auto& b : buffers_) {
        if (b->kind() == BufferKind::Room) {
            b->showSeqs(showSeqs_);
        }
    }
    note(*buffers_[active_], LineKind::Notice,
         showSeqs_ ? "Message numbers shown: /reply N, /edit N, /react N; /seqs hides them"
                   : "Message numbers hidden");
    dirty_ |= dirty::kMessages;
}

bool ChatModel::editLastOwn() {
    const Buffer& b = *buffers_[active_];
    if (!editor_.empty() || editor_.browsingHistory() || b.kind() != BufferKind::Room) {
        return false;
    }
    const Line* own = newestOwn(b);
    if (own == nullptr) {
        return false;
    }
    editor_.setText("/edit " + std::to_string(own->seq) + " " + own->text);
    return true;
}

// ------------------------------------------------------- typing and read markers

std::string ChatModel::typingKeyOf(const Buffer& buffer) const {
    switch (buffer.kind()) {
        case BufferKind::Room:
            return TypingState::typingKey(false, buffer.name());
        case BufferKind::Query:
            return TypingState::typingKey(true, buffer.name());
        default:
            return {};
    }
}

std::string ChatModel::typingStatus() const {
    const std::string key = typingKeyOf(active());
    return key.empty() ? std::string() : typing_.statusText(key);
}

void ChatModel::onTypingNotice(const v1::TypingNotice& n, SteadyTime now) {
    if (!settings_.typing || isMe(n.from()) || ignore_.contains(n.from())) {
        return;
    }
    const std::string key = n.room().empty() ? TypingState::typingKey(true, n.from())
                                             : TypingState::typingKey(false, n.room());
    if (typing_.notice(key, n.from(), n.stopped(), std::chrono::milliseconds(n.expires_ms()),
                       now)) {
        dirty_ |= dirty::kTitle;
    }
}

void ChatModel::onReadMarkers(const v1::ReadMarkers& list) {
    for (const v1::ReadMarker& marker : list.markers()) {
        const bool query = marker.room().empty();
        const std::string key = query ? "@" + lower(marker.peer()) : marker.room();
        markers_.confirmed(key, marker.seq());
        Buffer* b =
            query ? find(BufferKind::Query, marker.peer()) : find(BufferKind::Room, marker.room());
        // On screen it is being read here; elsewhere the marker (ours or
        // another device's) says what is unread.
        if (b != nullptr && !isActive(*b)) {
            b->applyReadMarker(markers_.marker(key));
            dirty_ |= dirty::kTitle;
        }
    }
}

void ChatModel::typingAfterKey(BufferKind kind, const std::string& window,
                               const std::string& before, bool submitted, SteadyTime now) {
    if (!settings_.typing || !hubTyping_ || state_ != ConnState::Online ||
        passwordPrompt_ != PasswordPrompt::None) {
        return;
    }
    const bool query = kind == BufferKind::Query;
    const std::string key = TypingState::typingKey(query, window);
    const std::string& text = editor_.text();
    if (submitted) {
        typing_.sent(key);  // the message itself ends the notice at the others
        return;
    }
    if (text == before) {
        return;  // a cursor move, a scroll: not typing
    }
    // A command is not a message being typed (but "/me" is).
    const bool command = !text.empty() && text[0] == '/' && text.rfind("/me ", 0) != 0;
    if (text.empty() || command) {
        if (typing_.cleared(key)) {
            hub_.typing(window, query, true);
        }
        return;
    }
    if (typing_.shouldSend(key, now)) {
        hub_.typing(window, query, false);
    }
}

std::string ChatModel::markerKey(const Buffer& b) const {
    // A query's marker is its conversation's private_seq (0, and so never
    // sent, where the hub keeps no private history); "@" starts no room name.
    switch (b.kind()) {
        case BufferKind::Room:
            return b.name();
        case BufferKind::Query:
            return "@" + lower(b.name());
        default:
            return {};
    }
}

void ChatModel::seenActive() {
    const Buffer& b = active();
    const std::string key = markerKey(b);
    if (key.empty() || b.scrolled()) {
        return;
    }
    markers_.seen(key, b.newestSeq());
}

void ChatModel::sendDueMarkers(SteadyTime now) {
    if (!markersWanted()) {
        return;
    }
    for (const auto& [key, seq] : markers_.due(now)) {
        const bool query = key.front() == '@';
        hub_.markRead(query ? key.substr(1) : key, query, seq);
    }
}

// ---------------------------------------------------------------- files

void ChatModel::showTransferNotes(const std::vector<FileTransfers::Note>& notes) {
    for (const FileTransfers::Note& n : notes) {
        Buffer* b = n.room.empty() ? nullptr : find(BufferKind::Room, n.room);
        note(b ? *b : status(), n.error ? LineKind::Error : LineKind::Notice, n.text);
    }
    dirty_ |= dirty::kTitle | dirty::kMessages;
}

void ChatModel::pumpTransfers(SteadyTime now) {
    // The core's queue was full: again in a moment (no busy loop).
    pumpAt_.reset();
    if (transfers_.pump()) {
        pumpAt_ = now + std::chrono::milliseconds(20);
    }
    dirty_ |= dirty::kTitle;
}

void ChatModel::startUpload(const Command& c) {
    Buffer& b = *buffers_[active_];
    if (b.kind() != BufferKind::Room) {
        note(b, LineKind::Error, "Not in a room: /upload shares a file in a room window");
        return;
    }
    std::string path = c.text;
    if (path.rfind("~/", 0) == 0 && std::getenv("HOME") != nullptr) {
        path = std::string(std::getenv("HOME")) + path.substr(1);
    }
    showTransferNotes({transfers_.upload(b.name(), path)});
    pumpTransfers(std::chrono::steady_clock::now());
}

void ChatModel::startDownload(const Command& c) {
    Buffer& b = *buffers_[active_];
    if (b.kind() != BufferKind::Room) {
        note(b, LineKind::Error,
             "Not in a room: /download takes the #n of a file in a room window");
        return;
    }
    const std::uint64_t seq = std::stoull(c.arg);
    std::string path = c.text;
    if (path.empty()) {
        // Its name as shared, if this window shows it; else the room and seq.
        path = b.name().substr(b.name().find_first_not_of('#')) + "-" + c.arg;
        for (const Line& line : b.lines()) {
            // The uploader chose that name: never a hidden file such as
            // .bashrc, which would land beside the user's own.
            if (line.seq == seq && !line.fileName.empty() &&
                line.fileName.find('/') == std::string::npos && line.fileName.front() != '.') {
                path = line.fileName;
            }
        }
    } else if (path.rfind("~/", 0) == 0 && std::getenv("HOME") != nullptr) {
        path = std::string(std::getenv("HOME")) + path.substr(1);
    }
    std::error_code ignored;
    if (std::filesystem::exists(path, ignored)) {
        // A download never replaces a file of the user's.
        note(b, LineKind::Error,
             path + " exists: not replaced; /download " + c.arg + " PATH saves it elsewhere");
        return;
    }
    showTransferNotes({transfers_.download(b.name(), seq, path)});
}

}  // namespace hermes::tui

#pragma once
// One window of the client: the status buffer, a room, or a private
// conversation. Holds its lines (capped scrollback), the room's members and
// topic, the unread/mention flags shown in the status bar, and its scroll
// position.
//
// Scrolling is by screen rows, as LineLayout wraps each line in a pane of a
// given width. The position is kept as an anchor: the line scroll() lines up
// from the newest, of which hiddenRows() rows are below the view, so the
// view's bottom row is a row of that line; (0, 0) is "following new lines".
// Counting from the newest line keeps the view still when lines arrive below
// it, when history is inserted above it and when old lines are trimmed; on a
// resize the bottom line stays at the bottom (its hidden rows are clamped to
// its rows at the new width). While scrolled up, new lines raise newBelow()
// ("new messages below"); the pane then shows one row less, its bottom row
// being the marker.
//
// Room lines are kept in the hub's order: a line with a lower seq than lines
// already shown (history catch-up after a reconnect) is inserted before them,
// and a line whose (epoch, seq) is already there is dropped (a history page
// fetched for /context may overlap what is shown).
//
// Unread: the messages of others (text, action) that arrived while the
// buffer was not on screen are counted, and the seq before the first of
// them remembered; the hub's read marker (ReadMarkers, from this device or
// another of the account) replaces both with the messages above it. On
// switching to a buffer with unread lines, a "new messages" line is put
// before the first of them (one per buffer: the last one placed).
//
// Our own lines that the hub has not echoed yet are pending: they stay at the
// bottom, below every line the hub sent, drawn with their state (queued,
// sending, not sent), until their echo takes its place in the hub's order
// (removePending) or the person retries or clears them.
//
// Threading: none; owned by the UI thread's ChatModel.

#include <cstddef>
#include <cstdint>
#include <deque>
#include <set>
#include <string>
#include <vector>

#include "model/Pane.hpp"

namespace hermes::tui {

enum class LineKind { Text, Action, Presence, Notice, Error };

// Where one of our own lines is on its way to the room.
enum class SendState : std::uint8_t {
    None,     // a line the hub sent (or a local notice)
    Queued,   // accepted by the client: waiting to go (offline, or its turn)
    Sending,  // written to the hub, waiting for its echo
    Failed,   // will not arrive: sendNote says why; /retry sends it again
};

// One reaction on a message and who made it, in order, as the room's REACT
// and UNREACT events left it: each member by its reactor (ChatMessage.reactor,
// an account or one connection; a nick from an older hub) and shown by the
// nick of its newest event.
struct Reaction {
    std::string text;
    std::vector<std::string> nicks;
    std::vector<std::string> reactors;  // parallel to nicks
};

struct Line {
    std::int64_t timeMs = 0;  // wall clock, ms since the Unix epoch
    std::string nick;         // sender (empty for local notices)
    LineKind kind = LineKind::Text;
    std::string text;
    bool mention = false;  // names our own nick
    bool own = false;      // sent by us
    std::uint64_t epoch = 0;
    std::uint64_t seq = 0;     // 0: not a room message (a query's: its private_seq, if any)
    std::string fileName;      // a FILE message: the name it was shared as
    bool marked = false;       // the search hit jumped to with /context
    std::uint64_t sendId = 0;  // a pending line's client_msg_id (or a local id)
    SendState send = SendState::None;
    std::string sendNote;    // why a Failed line was not sent
    bool newMarker = false;  // the "new messages" line (a local Notice)
    // Replies, edits, deletes and reactions (MessageEvents.hpp).
    std::uint64_t replyTo = 0;        // the room seq this line answers
    std::string quote;                // "nick: text" of that message (as edited)
    bool edited = false;              // `text` is the newest edit's
    bool deleted = false;             // shown as "(deleted)"
    bool seqShown = false;            // /seqs: "[seq] " before the time
    std::vector<Reaction> reactions;  // in the order first used
};

// Search: the results of /search; local, like Status (nothing typed there is sent).
enum class BufferKind { Status, Room, Query, Search };

class Buffer {
public:
    // Lines kept per buffer; older ones are dropped.
    static constexpr std::size_t kDefaultScrollback = 2000;

    Buffer(BufferKind kind, std::string name, std::size_t scrollback = kDefaultScrollback);

    BufferKind kind() const { return kind_; }
    const std::string& name() const { return name_; }
    void rename(std::string name) { name_ = std::move(name); }

    // `active`: the buffer is the one on screen (then no unread/mention mark).
    // Goes above the pending lines.
    void add(Line line, bool active);
    const std::deque<Line>& lines() const { return lines_; }
    // The highest seq of the hub's lines here (a query: its private_seq), 0 if none.
    std::uint64_t newestSeq() const;
    // Clears the hub's lines; pending ones stay (they are still on their way).
    void clear();

    // Our own line, pending at the bottom (line.sendId set, line.send not None).
    void addPending(Line line);
    // False if no pending line has that id.
    bool updatePending(std::uint64_t sendId, SendState state, std::string note = {});
    bool removePending(std::uint64_t sendId);
    std::size_t pendingLines() const { return pending_; }

    bool unread() const { return unread_; }
    bool mentioned() const { return mentioned_; }
    void markRead() {
        unread_ = mentioned_ = false;
        unreadCount_ = 0;
    }
    // Messages of others not read (see the top of this file).
    std::size_t unreadCount() const { return unreadCount_; }
    // The hub's read marker: the messages of others above `seq` are unread,
    // and no others.
    void applyReadMarker(std::uint64_t seq);
    // The "new messages" line before the first unread message, replacing an
    // earlier one; false (and none placed) when nothing is unread here.
    bool placeNewMarker();

    // The anchor: lines below the line at the bottom of the view, and rows of
    // that line hidden below the view at `width` (clamped to its rows).
    std::size_t scroll() const { return scroll_; }
    std::size_t hiddenRows(int width) const;
    bool scrolled() const { return scroll_ > 0 || hiddenRows_ > 0; }
    bool newBelow() const { return newBelow_; }
    // Rows below the view at `width` (0: following new lines).
    std::size_t rowsBelow(int width) const;

    // Rows `pane` shows lines in: one less while scrolled (the marker row).
    static std::size_t visibleRows(const Pane& pane, bool scrolled);
    // PgUp/PgDn: by the rows shown less one row of overlap, so every row is
    // seen; up stops with the oldest row at the top, down at following.
    void pageUp(const Pane& pane);
    void pageDown(const Pane& pane);
    // After the pane changed (a resize, the member list): a view scrolled
    // further up than `pane` needs comes down to a full pane from the oldest
    // row, instead of showing blank rows above it.
    void fit(const Pane& pane);
    void scrollUp(std::size_t rows, const Pane& pane);
    void scrollDown(std::size_t rows, const Pane& pane);

    // Marks the room line (epoch, seq), unmarking any other, and scrolls so it
    // is shown with up to `after` lines below it (fewer when they are too tall
    // for `pane`; its first rows when it alone is). False if it is not here.
    bool showSeq(std::uint64_t epoch, std::uint64_t seq, std::size_t after, const Pane& pane);

    // The newest of the hub's lines with room seq `seq` (a hub without
    // durable history starts seqs again each epoch: the newest is meant);
    // null if it is not here. Edits, deletes and reactions change a line
    // found here (MessageEvents.hpp); replies quote it.
    Line* findSeq(std::uint64_t seq);
    const Line* findSeq(std::uint64_t seq) const;
    // Sets the quote of every line replying to `seq` (after an edit or a delete of it).
    void requote(std::uint64_t seq, const std::string& quote);
    // Shows or hides the "[seq] " marker on every room line (/seqs).
    void showSeqs(bool on);

    const std::set<std::string>& members() const { return members_; }
    void setMembers(const std::vector<std::string>& nicks);
    void addMember(const std::string& nick) { members_.insert(nick); }
    void removeMember(const std::string& nick) { members_.erase(nick); }

    const std::string& topic() const { return topic_; }
    void setTopic(std::string topic) { topic_ = std::move(topic); }

private:
    std::size_t totalRows(int width) const;
    // Most rows below the view: the oldest row at the top of a full pane.
    std::size_t maxRowsBelow(const Pane& pane) const;
    void setRowsBelow(std::size_t rows, int width);

    BufferKind kind_;
    std::string name_;
    std::size_t scrollback_;
    std::deque<Line> lines_;  // the hub's lines, then `pending_` pending ones
    std::size_t pending_ = 0;
    bool unread_ = false;
    bool mentioned_ = false;
    std::size_t unreadCount_ = 0;
    std::uint64_t unreadAfter_ = 0;  // lines with a higher seq are the unread ones
    std::size_t scroll_ = 0;         // lines below the view's bottom line
    std::size_t hiddenRows_ = 0;     // rows of that line below the view
    bool newBelow_ = false;
    std::set<std::string> members_;
    std::string topic_;
};

}  // namespace hermes::tui

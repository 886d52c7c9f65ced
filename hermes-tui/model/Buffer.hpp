#pragma once
// One window of the client: the status buffer, a room, or a private
// conversation. Holds its lines (capped scrollback), the room's members and
// topic, the unread/mention flags shown in the status bar, and its scroll
// position. Scrolling is counted in lines from the bottom; while scrolled up,
// new lines keep the view still and raise newBelow() ("new messages below").
//
// Room lines are kept in the hub's order: a line with a lower seq than lines
// already shown (history catch-up after a reconnect) is inserted before them,
// and a line whose (epoch, seq) is already there is dropped (a history page
// fetched for /context may overlap what is shown).
//
// Threading: none; owned by the UI thread's ChatModel.

#include <cstddef>
#include <cstdint>
#include <deque>
#include <set>
#include <string>
#include <vector>

namespace hermes::tui {

enum class LineKind { Text, Action, Presence, Notice, Error };

struct Line {
    std::int64_t timeMs = 0;  // wall clock, ms since the Unix epoch
    std::string nick;         // sender (empty for local notices)
    LineKind kind = LineKind::Text;
    std::string text;
    bool mention = false;  // names our own nick
    bool own = false;      // sent by us
    std::uint64_t epoch = 0;
    std::uint64_t seq = 0;  // 0: not a room message
    bool marked = false;    // the search hit jumped to with /context
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
    void add(Line line, bool active);
    const std::deque<Line>& lines() const { return lines_; }
    void clear();

    bool unread() const { return unread_; }
    bool mentioned() const { return mentioned_; }
    void markRead() { unread_ = mentioned_ = false; }

    // Lines scrolled up from the bottom (0: following new lines).
    std::size_t scroll() const { return scroll_; }
    void scrollUp(std::size_t lines);
    void scrollDown(std::size_t lines);
    bool newBelow() const { return newBelow_; }
    // Marks the room line (epoch, seq), unmarking any other, and scrolls so it
    // is shown with up to `after` lines below it. False if it is not here.
    bool showSeq(std::uint64_t epoch, std::uint64_t seq, std::size_t after);

    const std::set<std::string>& members() const { return members_; }
    void setMembers(const std::vector<std::string>& nicks);
    void addMember(const std::string& nick) { members_.insert(nick); }
    void removeMember(const std::string& nick) { members_.erase(nick); }

    const std::string& topic() const { return topic_; }
    void setTopic(std::string topic) { topic_ = std::move(topic); }

private:
    BufferKind kind_;
    std::string name_;
    std::size_t scrollback_;
    std::deque<Line> lines_;
    bool unread_ = false;
    bool mentioned_ = false;
    std::size_t scroll_ = 0;
    bool newBelow_ = false;
    std::set<std::string> members_;
    std::string topic_;
};

}  // namespace hermes::tui

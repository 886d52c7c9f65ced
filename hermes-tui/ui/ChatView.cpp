#include "ui/ChatView.hpp"

#include <algorithm>
#include <string>
#include <vector>

#include "model/LineLayout.hpp"
#include "model/Utf8.hpp"

namespace hermes::tui {

namespace {

struct Segment {
    std::string text;
    Style style;
};

struct Row {
    std::vector<Segment> segments;
};

const Style kBar{Colour::Default, false, false, true};

std::string stateText(const ChatModel& m) {
    switch (m.connState()) {
        case ConnState::Connecting:
            return "connecting";
        case ConnState::Handshaking:
            return "handshake";
        case ConnState::NickPrompt:
            return "nick refused";
        case ConnState::Online:
            return "online";
        case ConnState::Offline:
            return "offline" + (m.connDetail().empty() ? "" : ", " + m.connDetail());
        case ConnState::Failed:
            return "failed: " + m.connDetail();
    }
    return {};
}

bool showMemberPane(const ChatModel& m, const Canvas& c) {
    return ScreenLayout::memberPaneShown(c.cols(),
                                         m.showMembers() && m.active().kind() == BufferKind::Room);
}

Style prefixStyle(const Line& line, PrefixRole role) {
    switch (role) {
        case PrefixRole::Plain:
            break;
        case PrefixRole::Nick:
            return Style{nickColour(line.nick), line.own, false, line.mention};
        case PrefixRole::PresenceMark:
            return Style{Colour::Default, false, true, false};
        case PrefixRole::NoticeMark:
            return Style{Colour::Cyan};
        case PrefixRole::ErrorMark:
            return Style{Colour::Red, true};
    }
    return Style{};
}

// The rows one line takes at `width` columns, as LineLayout lays them out.
std::vector<Row> layoutRows(const Line& line, int width) {
    const LineLayout layout = layoutLine(line, width);
    Style body;
    if (line.kind == LineKind::Presence) {
        body.dim = true;
    } else if (line.kind == LineKind::Error || line.send == SendState::Failed) {
        body.fg = Colour::Red;
    }
    // Our own line on its way: dimmed until the hub's echo replaces it.
    const bool pending = line.send == SendState::Queued || line.send == SendState::Sending;
    body.dim = body.dim || pending;
    if (line.mention) {
        body.bold = true;
    }
    if (line.marked) {
        body.reverse = true;
    }
    std::vector<Row> rows;
    if (!layout.quote.empty()) {
        // The message a reply answers: dim, above it.
        Row quote;
        quote.segments.push_back({layout.quote, Style{Colour::Default, false, true, false}});
        rows.push_back(std::move(quote));
    }
    for (std::size_t i = 0; i < layout.rows.size(); ++i) {
        Row row;
        if (i == 0) {
            for (const PrefixPiece& p : layout.prefix) {
                Style style = prefixStyle(line, p.role);
                style.dim = style.dim || pending;
                row.segments.push_back({p.text, style});
            }
        } else {
            row.segments.push_back(
                {std::string(static_cast<std::size_t>(layout.indent), ' '), Style{}});
        }
        row.segments.push_back({layout.rows[i], body});
        rows.push_back(std::move(row));
    }
    if (!layout.reactions.empty()) {
        Row reactions;
        reactions.segments.push_back({layout.reactions, Style{Colour::Yellow}});
        rows.push_back(std::move(reactions));
    }
    return rows;
}

}  // namespace

void ChatView::draw(const ChatModel& model, Canvas& canvas, unsigned dirtyFlags) const {
    const int rows = canvas.rows();
    const int cols = canvas.cols();
    if (rows < ScreenLayout::kMinRows || cols < ScreenLayout::kMinCols) {
        for (int r = 0; r < rows; ++r) {
            canvas.fill(r, 0, cols, Style{});
        }
        canvas.put(0, 0, "Terminal too small", Style{}, cols);
        canvas.cursor(0, 0);
        return;
    }
    const bool members = showMemberPane(model, canvas);
    const int messageWidth = ScreenLayout::messagePane(rows, cols, members).width;
    if (dirtyFlags & dirty::kTitle) {
        drawTitle(model, canvas);
        drawStatus(model, canvas);
    }
    if (dirtyFlags & dirty::kMessages) {
        drawMessages(model, canvas, messageWidth);
    }
    if (members && (dirtyFlags & (dirty::kMembers | dirty::kMessages))) {
        drawMembers(model, canvas, messageWidth);
    }
    // The cursor belongs to the input line, whatever else was drawn.
    drawInput(model, canvas);
}

void ChatView::drawTitle(const ChatModel& m, Canvas& c) const {
    const Buffer& b = m.active();
    std::string title = " " + (m.hubName().empty() ? std::string("hermes") : m.hubName()) + " @ " +
                        m.hubAddress() + " | " + b.name();
    if (b.kind() == BufferKind::Room) {
        const std::size_t members = b.members().size();
        title += " (" + std::to_string(members) + (members == 1 ? " member)" : " members)");
        if (!b.topic().empty()) {
            title += " | " + b.topic();
        }
    }
    c.fill(0, 0, c.cols(), kBar);
    c.put(0, 0, title, kBar, c.cols());
}

void ChatView::drawStatus(const ChatModel& m, Canvas& c) const {
    const int row = c.rows() - 2;
    c.fill(row, 0, c.cols(), kBar);
    std::string activity;
    bool mention = false;
    for (std::size_t i = 0; i < m.buffers().size(); ++i) {
        const Buffer& b = *m.buffers()[i];
        if (i != m.activeIndex() && (b.unread() || b.mentioned())) {
            // "2(5)": window 2, five messages unread (by the read marker when
            // the hub keeps one, across devices); "!": one names us.
            const std::string count =
                b.unreadCount() > 0 ? "(" + std::to_string(b.unreadCount()) + ")" : "";
            activity += (activity.empty() ? "" : ",") + std::to_string(i + 1) + count +
                        (b.mentioned() ? "!" : "");
            mention = mention || b.mentioned();
        }
    }
    const std::string head = " [" + m.nick() + "] [" + std::to_string(m.activeIndex() + 1) + ":" +
                             m.active().name() + "] [";
    std::string tail;
    if (m.away()) {
        tail += " [away]";
    }
    if (m.pendingCount() > 0) {
        tail += " [pending " + std::to_string(m.pendingCount()) + "]";
    }
    if (m.failedCount() > 0) {
        tail += " [not sent " + std::to_string(m.failedCount()) + "]";
    }
    if (const std::string files = m.transferStatus(); !files.empty()) {
        tail += " [" + files + "]";
    }
    // A long offline reason gives way to the counts after it: the reason is
    // also in the window's Disconnected line.
    std::string state = stateText(m);
    const int room = c.cols() - utf8::displayWidth(head) - utf8::displayWidth(tail) - 1;
    if (!tail.empty() && utf8::displayWidth(state) > room) {
        state = room > 1 ? state.substr(0, utf8::prefixFitting(state, room - 1)) + "…" : "";
    }
    const std::string text = head + state + "]" + tail;
    int col = c.put(row, 0, text, kBar, c.cols());
    if (!activity.empty()) {
        Style act = kBar;
        act.bold = true;
        act.fg = mention ? Colour::Yellow : Colour::Default;
        col += c.put(row, col, " [Act: " + activity + "]", act, c.cols() - col);
    }
    if (m.active().scrolled()) {
        col += c.put(row, col, " [scrolled]", kBar, c.cols() - col);
    }
    if (const std::string typing = m.typingStatus(); !typing.empty() && col < c.cols()) {
        c.put(row, col, " " + typing, kBar, c.cols() - col);
    }
}

void ChatView::drawMessages(const ChatModel& m, Canvas& c, int width) const {
    const int top = 1;
    int height = ScreenLayout::paneRows(c.rows());
    for (int r = top; r < top + height; ++r) {
        c.fill(r, 0, width, Style{});
    }
    const Buffer& b = m.active();
    if (b.scrolled()) {
        // The bottom row tells the reader there is more below.
        const std::string marker =
            b.newBelow() ? "-- new messages below (PgDn) --" : "-- more below (PgDn) --";
        c.fill(top + height - 1, 0, width, kBar);
        c.put(top + height - 1, 0, marker, Style{Colour::Yellow, true, false, true}, width);
        --height;
    }
    const auto& lines = b.lines();
    std::vector<Row> rows;
    if (!lines.empty() && b.scroll() < lines.size()) {
        // The bottom line, less its rows hidden below the view, then up from
        // it until the pane is full.
        std::size_t i = lines.size() - 1 - b.scroll();
        rows = layoutRows(lines[i], width);
        rows.resize(rows.size() - b.hiddenRows(width));
        while (i > 0 && static_cast<int>(rows.size()) < height) {
            --i;
            std::vector<Row> lineRows = layoutRows(lines[i], width);
            rows.insert(rows.begin(), lineRows.begin(), lineRows.end());
        }
    }
    // Bottom-aligned: the newest line sits just above the status bar.
    const int skip = std::max(0, static_cast<int>(rows.size()) - height);
    int r = top + height - (static_cast<int>(rows.size()) - skip);
    for (std::size_t k = static_cast<std::size_t>(skip); k < rows.size(); ++k, ++r) {
        int col = 0;
        for (const Segment& s : rows[k].segments) {
            col += c.put(r, col, s.text, s.style, width - col);
        }
    }
}

void ChatView::drawMembers(const ChatModel& m, Canvas& c, int left) const {
    const int top = 1;
    const int height = ScreenLayout::paneRows(c.rows());
    const int x = left + 2;
    const int w = c.cols() - x;
    const Buffer& b = m.active();
    for (int r = top; r < top + height; ++r) {
        c.fill(r, left, c.cols() - left, Style{});
        c.put(r, left, "\u2502", Style{Colour::Default, false, true, false}, 1);
    }
    c.put(top, x, std::to_string(b.members().size()) + " members", Style{Colour::Default, true}, w);
    int r = top + 1;
    for (const std::string& nick : b.members()) {
        if (r >= top + height) {
            break;
        }
        // Away members are dimmed, as irssi and WeeChat grey them.
        c.put(r++, x, nick, Style{nickColour(nick), false, m.isAway(nick)}, w);
    }
}

void ChatView::drawInput(const ChatModel& m, Canvas& c) const {
    const int row = c.rows() - 1;
    c.fill(row, 0, c.cols(), Style{});
    const std::string prompt = m.inputPrompt();
    const int promptWidth = c.put(row, 0, prompt, Style{Colour::Default, true}, c.cols() / 2);
    const int room = c.cols() - promptWidth - 1;
    // Passwords are drawn as '*' (ChatModel::inputShown).
    const std::string text = m.inputShown();
    const int cursorCol = m.inputCursorColumn();
    // Scroll the line sideways so the cursor stays visible.
    std::size_t start = 0;
    int skipped = 0;
    while (cursorCol - skipped > room && start < text.size()) {
        const std::size_t after = utf8::next(text, start);
        skipped += utf8::displayWidth(std::string_view(text).substr(start, after - start));
        start = after;
    }
    c.put(row, promptWidth, std::string_view(text).substr(start), Style{}, room + 1);
    c.cursor(row, promptWidth + cursorCol - skipped);
}

}  // namespace hermes::tui

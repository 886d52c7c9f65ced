#include "ui/ChatView.hpp"

#include <ctime>
#include <string>
#include <vector>

#include "model/Utf8.hpp"
#include "model/WordWrap.hpp"

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
    return m.showMembers() && m.active().kind() == BufferKind::Room &&
           c.cols() >= ChatView::kMinCols + ChatView::kMemberPaneWidth;
}

// The rows one line takes at `width` columns.
std::vector<Row> layoutLine(const Line& line, int width) {
    std::vector<Segment> prefix;
    prefix.push_back({ChatView::clock(line.timeMs) + " ", Style{}});
    Style body;
    const Style nickStyle{nickColour(line.nick), line.own, false, line.mention};
    switch (line.kind) {
        case LineKind::Text:
            prefix.push_back({"<", Style{}});
            prefix.push_back({line.nick, nickStyle});
            prefix.push_back({"> ", Style{}});
            break;
        case LineKind::Action:
            prefix.push_back({"* ", Style{}});
            prefix.push_back({line.nick, nickStyle});
            prefix.push_back({" ", Style{}});
            break;
        case LineKind::Presence:
            prefix.push_back({"-!- ", Style{Colour::Default, false, true, false}});
            body.dim = true;
            break;
        case LineKind::Notice:
            prefix.push_back({"-- ", Style{Colour::Cyan}});
            if (!line.nick.empty()) {
                prefix.push_back({line.nick + ": ", Style{Colour::Cyan}});
            }
            break;
        case LineKind::Error:
            prefix.push_back({"!! ", Style{Colour::Red, true}});
            body.fg = Colour::Red;
            break;
    }
    if (line.mention) {
        body.bold = true;
    }
    if (line.marked) {
        body.reverse = true;
    }
    int prefixWidth = 0;
    for (const Segment& s : prefix) {
        prefixWidth += utf8::displayWidth(s.text);
    }
    const int indent = prefixWidth <= width / 2 ? prefixWidth : 2;
    std::vector<Row> rows;
    const int firstWidth = std::max(1, width - prefixWidth);
    const int restWidth = std::max(1, width - indent);
    std::vector<std::string> wrapped = wordWrap(line.text, firstWidth);
    if (wrapped.size() > 1 && firstWidth != restWidth) {
        // Re-wrap what follows the first row at the continuation width.
        std::string first = wrapped.front();
        std::string rest = line.text.substr(std::min(line.text.size(), first.size()));
        if (!rest.empty() && rest.front() == ' ') {
            rest.erase(0, 1);
        }
        wrapped = wordWrap(rest, restWidth);
        wrapped.insert(wrapped.begin(), first);
    }
    for (std::size_t i = 0; i < wrapped.size(); ++i) {
        Row row;
        if (i == 0) {
            row.segments = prefix;
        } else {
            row.segments.push_back({std::string(static_cast<std::size_t>(indent), ' '), Style{}});
        }
        row.segments.push_back({wrapped[i], body});
        rows.push_back(std::move(row));
    }
    return rows;
}

}  // namespace

std::string ChatView::clock(std::int64_t timeMs) {
    const std::time_t t = static_cast<std::time_t>(timeMs / 1000);
    std::tm tm{};
    localtime_r(&t, &tm);
    char out[8];
    std::strftime(out, sizeof out, "%H:%M", &tm);
    return out;
}

void ChatView::draw(const ChatModel& model, Canvas& canvas, unsigned dirtyFlags) const {
    const int rows = canvas.rows();
    const int cols = canvas.cols();
    if (rows < kMinRows || cols < kMinCols) {
        for (int r = 0; r < rows; ++r) {
            canvas.fill(r, 0, cols, Style{});
        }
        canvas.put(0, 0, "Terminal too small", Style{}, cols);
        canvas.cursor(0, 0);
        return;
    }
    const bool members = showMemberPane(model, canvas);
    const int messageWidth = members ? cols - kMemberPaneWidth - 1 : cols;
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
                        m.settings().host + ":" + std::to_string(m.settings().port) + " | " +
                        b.name();
    if (b.kind() == BufferKind::Room) {
        title += " (" + std::to_string(b.members().size()) + " members)";
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
            activity +=
                (activity.empty() ? "" : ",") + std::to_string(i + 1) + (b.mentioned() ? "!" : "");
            mention = mention || b.mentioned();
        }
    }
    std::string text = " [" + m.nick() + "] [" + std::to_string(m.activeIndex() + 1) + ":" +
                       m.active().name() + "] [" + stateText(m) + "]";
    if (m.pendingCount() > 0) {
        text += " [pending " + std::to_string(m.pendingCount()) + "]";
    }
    int col = c.put(row, 0, text, kBar, c.cols());
    if (!activity.empty()) {
        Style act = kBar;
        act.bold = true;
        act.fg = mention ? Colour::Yellow : Colour::Default;
        col += c.put(row, col, " [Act: " + activity + "]", act, c.cols() - col);
    }
    if (m.active().scroll() > 0) {
        c.put(row, col, " [scrolled]", kBar, c.cols() - col);
    }
}

void ChatView::drawMessages(const ChatModel& m, Canvas& c, int width) const {
    const int top = 1;
    int height = paneRows(c.rows());
    for (int r = top; r < top + height; ++r) {
        c.fill(r, 0, width, Style{});
    }
    const Buffer& b = m.active();
    if (b.scroll() > 0) {
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
        // Walk up from the newest visible line until the pane is full.
        std::size_t i = lines.size() - b.scroll();
        while (i > 0 && static_cast<int>(rows.size()) < height) {
            --i;
            std::vector<Row> lineRows = layoutLine(lines[i], width);
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
    const int height = paneRows(c.rows());
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
        c.put(r++, x, nick, Style{nickColour(nick)}, w);
    }
}

void ChatView::drawInput(const ChatModel& m, Canvas& c) const {
    const int row = c.rows() - 1;
    c.fill(row, 0, c.cols(), Style{});
    const std::string prompt = m.inputPrompt();
    const int promptWidth = c.put(row, 0, prompt, Style{Colour::Default, true}, c.cols() / 2);
    const int room = c.cols() - promptWidth - 1;
    const std::string& text = m.editor().text();
    const int cursorCol = m.editor().cursorColumn();
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

#include "model/Buffer.hpp"

#include <algorithm>

#include "model/LineLayout.hpp"

namespace hermes::tui {

Buffer::Buffer(BufferKind kind, std::string name, std::size_t scrollback)
    : kind_(kind), name_(std::move(name)), scrollback_(std::max<std::size_t>(1, scrollback)) {}

void Buffer::add(Line line, bool active) {
    // Find where the hub's order puts it: usually at the end, above the
    // pending lines.
    auto pos = lines_.end() - static_cast<std::ptrdiff_t>(pending_);
    if (line.seq != 0) {
        while (pos != lines_.begin()) {
            const Line& before = *(pos - 1);
            if (before.newMarker) {
                --pos;  // the "new messages" line is no line of the hub's order
                continue;
            }
            if (before.seq == 0 || before.epoch != line.epoch || before.seq < line.seq) {
                break;
            }
            if (before.seq == line.seq) {
                return;  // already shown
            }
            --pos;
        }
    }
    const bool activity = line.kind == LineKind::Text || line.kind == LineKind::Action;
    if (!active && activity) {
        unread_ = true;
        if (!line.own) {
            if (unreadCount_ == 0 && line.seq != 0) {
                unreadAfter_ = line.seq - 1;
            }
            ++unreadCount_;
        }
    }
    if (!active && line.mention) {
        mentioned_ = true;
    }
    const std::size_t below = static_cast<std::size_t>(lines_.end() - pos);
    lines_.insert(pos, std::move(line));
    if (scrolled() && below <= scroll_) {
        // Below the view's bottom line: keep the view where the reader left it.
        ++scroll_;
        newBelow_ = true;
    }
    if (lines_.size() > scrollback_ + pending_) {
        lines_.pop_front();
        if (scroll_ >= lines_.size()) {
            // The bottom line was trimmed: the oldest one left takes its place.
            scroll_ = lines_.size() - 1;
            hiddenRows_ = 0;
        }
    }
}

void Buffer::applyReadMarker(std::uint64_t seq) {
    std::size_t count = 0;
    for (const Line& line : lines_) {
        if (line.seq > seq && !line.own &&
            (line.kind == LineKind::Text || line.kind == LineKind::Action)) {
            ++count;
        }
    }
    unreadCount_ = count;
    unreadAfter_ = seq;
    unread_ = count > 0;
    if (!unread_) {
        mentioned_ = false;
    }
}

bool Buffer::placeNewMarker() {
    // The earlier one goes, wherever it is.
    for (std::size_t index = 0; index < lines_.size(); ++index) {
        if (!lines_[index].newMarker) {
            continue;
        }
        const std::size_t k = lines_.size() - 1 - index;  // lines below it
        lines_.erase(lines_.begin() + static_cast<std::ptrdiff_t>(index));
        if (k < scroll_) {
            --scroll_;
        }
        break;
    }
    if (unreadCount_ == 0) {
        return false;
    }
    const auto hubEnd = lines_.end() - static_cast<std::ptrdiff_t>(pending_);
    const auto pos = std::find_if(lines_.begin(), hubEnd, [this](const Line& line) {
        return line.seq > unreadAfter_ && !line.own;
    });
    if (pos == hubEnd) {
        return false;
    }
    Line marker;
    marker.kind = LineKind::Notice;
    marker.text = "\u2500\u2500 new messages \u2500\u2500";
    marker.newMarker = true;
    marker.timeMs = pos->timeMs;
    const std::size_t below = static_cast<std::size_t>(lines_.end() - pos);
    lines_.insert(pos, std::move(marker));
    if (scrolled() && below <= scroll_) {
        ++scroll_;
    }
    return true;
}

std::uint64_t Buffer::newestSeq() const {
    std::uint64_t newest = 0;
    for (const Line& line : lines_) {
        newest = std::max(newest, line.seq);
    }
    return newest;
}

void Buffer::clear() {
    lines_.erase(lines_.begin(), lines_.end() - static_cast<std::ptrdiff_t>(pending_));
    scroll_ = 0;
    hiddenRows_ = 0;
    newBelow_ = false;
}

void Buffer::addPending(Line line) {
    lines_.push_back(std::move(line));
    ++pending_;
    if (scrolled()) {
        ++scroll_;  // below the view: it stays where the reader left it
    }
}

bool Buffer::updatePending(std::uint64_t sendId, SendState state, std::string note) {
    for (std::size_t k = 0; k < pending_; ++k) {
        Line& line = lines_[lines_.size() - 1 - k];
        if (line.sendId == sendId) {
            line.send = state;
            line.sendNote = std::move(note);
            return true;
        }
    }
    return false;
}

bool Buffer::removePending(std::uint64_t sendId) {
    for (std::size_t k = 0; k < pending_; ++k) {
        const std::size_t index = lines_.size() - 1 - k;
        if (lines_[index].sendId != sendId) {
            continue;
        }
        lines_.erase(lines_.begin() + static_cast<std::ptrdiff_t>(index));
        --pending_;
        if (k < scroll_) {
            --scroll_;  // it was below the view
        } else if (k == scroll_ && scroll_ > 0) {
            // It was the bottom line: the line above it, now as many lines
            // from the newest, takes its place, shown from its last row.
            hiddenRows_ = 0;
        }
        return true;
    }
    return false;
}

std::size_t Buffer::hiddenRows(int width) const {
    if (lines_.empty()) {
        return 0;
    }
    const Line& bottom = lines_[lines_.size() - 1 - scroll_];
    return std::min(hiddenRows_, lineRowCount(bottom, width) - 1);
}

std::size_t Buffer::rowsBelow(int width) const {
    std::size_t rows = hiddenRows(width);
    for (std::size_t k = 0; k < scroll_; ++k) {
        rows += lineRowCount(lines_[lines_.size() - 1 - k], width);
    }
    return rows;
}

std::size_t Buffer::totalRows(int width) const {
    std::size_t rows = 0;
    for (const Line& l : lines_) {
        rows += lineRowCount(l, width);
    }
    return rows;
}

std::size_t Buffer::visibleRows(const Pane& pane, bool scrolled) {
    const auto rows = static_cast<std::size_t>(std::max(1, pane.rows));
    return scrolled && rows > 1 ? rows - 1 : rows;
}

std::size_t Buffer::maxRowsBelow(const Pane& pane) const {
    const std::size_t total = totalRows(pane.width);
    if (total <= visibleRows(pane, false)) {
        return 0;  // all of it shows while following
    }
    return total - visibleRows(pane, true);
}

void Buffer::setRowsBelow(std::size_t rows, int width) {
    scroll_ = 0;
    hiddenRows_ = 0;
    for (std::size_t k = 0; k < lines_.size(); ++k) {
        const std::size_t n = lineRowCount(lines_[lines_.size() - 1 - k], width);
        if (rows < n || k + 1 == lines_.size()) {
            scroll_ = k;
            hiddenRows_ = std::min(rows, n - 1);
            break;
        }
        rows -= n;
    }
    if (!scrolled()) {
        newBelow_ = false;
    }
}

void Buffer::pageUp(const Pane& pane) {
    scrollUp(std::max<std::size_t>(1, visibleRows(pane, scrolled()) - 1), pane);
}

void Buffer::pageDown(const Pane& pane) {
    if (scrolled()) {
        scrollDown(std::max<std::size_t>(1, visibleRows(pane, true) - 1), pane);
    }
}

void Buffer::fit(const Pane& pane) {
    const std::size_t most = maxRowsBelow(pane);
    if (rowsBelow(pane.width) > most) {
        setRowsBelow(most, pane.width);
    }
}

void Buffer::scrollUp(std::size_t n, const Pane& pane) {
    const std::size_t below = rowsBelow(pane.width);
    const std::size_t most = maxRowsBelow(pane);
    if (below < most) {
        setRowsBelow(std::min(below + n, most), pane.width);
    }
}

void Buffer::scrollDown(std::size_t n, const Pane& pane) {
    const std::size_t below = rowsBelow(pane.width);
    setRowsBelow(n >= below ? 0 : below - n, pane.width);
}

bool Buffer::showSeq(std::uint64_t epoch, std::uint64_t seq, std::size_t after, const Pane& pane) {
    const auto it = std::find_if(lines_.begin(), lines_.end(), [&](const Line& l) {
        return l.seq == seq && l.epoch == epoch && seq != 0;
    });
    if (it == lines_.end()) {
        return false;
    }
    for (Line& l : lines_) {
        l.marked = false;
    }
    it->marked = true;
    // scroll_ counts lines hidden below the newest one shown.
    const auto below = static_cast<std::size_t>(lines_.end() - it) - 1;
    scroll_ = below > after ? below - after : 0;
    hiddenRows_ = 0;
    // Tall lines after it must not push it off the top.
    const std::size_t visible = visibleRows(pane, true);
    std::size_t rows = 0;
    for (std::size_t k = scroll_; k <= below; ++k) {
        rows += lineRowCount(lines_[lines_.size() - 1 - k], pane.width);
    }
    while (rows > visible && scroll_ < below) {
        rows -= lineRowCount(lines_[lines_.size() - 1 - scroll_], pane.width);
        ++scroll_;
    }
    if (rows > visible) {
        hiddenRows_ = rows - visible;  // taller than the pane: its first rows
    }
    // Near the oldest line, a full pane from the oldest row down.
    fit(pane);
    if (!scrolled()) {
        newBelow_ = false;
    }
    return true;
}

void Buffer::setMembers(const std::vector<std::string>& nicks) {
    members_.clear();
    members_.insert(nicks.begin(), nicks.end());
}

const Line* Buffer::findSeq(std::uint64_t seq) const {
    if (seq == 0) {
        return nullptr;
    }
    // Pending lines (at the end) have no seq yet: start above them.
    for (auto it = lines_.rbegin() + static_cast<std::ptrdiff_t>(pending_); it != lines_.rend();
         ++it) {
        if (it->seq == seq) {
            return &*it;
        }
    }
    return nullptr;
}

Line* Buffer::findSeq(std::uint64_t seq) {
    return const_cast<Line*>(static_cast<const Buffer&>(*this).findSeq(seq));
}

void Buffer::requote(std::uint64_t seq, const std::string& quote) {
    for (Line& line : lines_) {
        if (line.replyTo == seq) {
            line.quote = quote;
        }
    }
}

void Buffer::showSeqs(bool on) {
    for (Line& line : lines_) {
        line.seqShown = on && line.seq != 0;
    }
}

}  // namespace hermes::tui

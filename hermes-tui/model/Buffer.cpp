#include "model/Buffer.hpp"

#include <algorithm>

namespace hermes::tui {

Buffer::Buffer(BufferKind kind, std::string name, std::size_t scrollback)
    : kind_(kind), name_(std::move(name)), scrollback_(std::max<std::size_t>(1, scrollback)) {}

void Buffer::add(Line line, bool active) {
    // Find where the hub's order puts it: usually at the end.
    auto pos = lines_.end();
    if (line.seq != 0) {
        while (pos != lines_.begin()) {
            const Line& before = *(pos - 1);
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
    }
    if (!active && line.mention) {
        mentioned_ = true;
    }
    const bool atEnd = pos == lines_.end();
    const std::size_t below = static_cast<std::size_t>(lines_.end() - pos);
    lines_.insert(pos, std::move(line));
    if (scroll_ > 0 && (atEnd || below < scroll_)) {
        // Keep the view where the reader left it.
        ++scroll_;
        newBelow_ = true;
    }
    if (lines_.size() > scrollback_) {
        lines_.pop_front();
        scroll_ = std::min(scroll_, lines_.size() - 1);
    }
}

void Buffer::clear() {
    lines_.clear();
    scroll_ = 0;
    newBelow_ = false;
}

void Buffer::scrollUp(std::size_t n) {
    if (lines_.empty()) {
        return;
    }
    scroll_ = std::min(scroll_ + n, lines_.size() - 1);
}

void Buffer::scrollDown(std::size_t n) {
    scroll_ = n >= scroll_ ? 0 : scroll_ - n;
    if (scroll_ == 0) {
        newBelow_ = false;
    }
}

bool Buffer::showSeq(std::uint64_t epoch, std::uint64_t seq, std::size_t after) {
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
    if (scroll_ == 0) {
        newBelow_ = false;
    }
    return true;
}

void Buffer::setMembers(const std::vector<std::string>& nicks) {
    members_.clear();
    members_.insert(nicks.begin(), nicks.end());
}

}  // namespace hermes::tui

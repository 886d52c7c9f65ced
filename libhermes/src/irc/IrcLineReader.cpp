#include "hermes/irc/IrcLineReader.hpp"

namespace hermes::irc {

namespace {

std::size_t limitFor(std::string_view line) {
    return !line.empty() && line.front() == '@'
               ? IrcLineReader::kMaxLineBytes + IrcLineReader::kMaxTagBytes
               : IrcLineReader::kMaxLineBytes;
}

}  // namespace

void IrcLineReader::feed(std::string_view bytes) {
    if (readPos_ > 0 && readPos_ == buffer_.size()) {
        buffer_.clear();
        readPos_ = 0;
    } else if (readPos_ > 4096) {
        buffer_.erase(0, readPos_);
        readPos_ = 0;
    }
    buffer_.append(bytes);
}

bool IrcLineReader::next(Item& out) {
    while (readPos_ < buffer_.size()) {
        const std::string_view rest = std::string_view(buffer_).substr(readPos_);
        const std::size_t lf = rest.find('\n');
        if (discarding_) {
            if (lf == std::string_view::npos) {
                readPos_ = buffer_.size();
                return false;
            }
            readPos_ += lf + 1;
            discarding_ = false;
            continue;
        }
        if (lf == std::string_view::npos) {
            // The LF counts toward the limit: past it, no line can end well.
            if (rest.size() + 1 > limitFor(rest)) {
                readPos_ = buffer_.size();
                discarding_ = true;
                out = Item{Kind::TooLong, {}};
                return true;
            }
            return false;
        }
        std::string_view line = rest.substr(0, lf);
        readPos_ += lf + 1;
        if (line.size() + 1 > limitFor(line)) {
            out = Item{Kind::TooLong, {}};
            return true;
        }
        if (!line.empty() && line.back() == '\r') {
            line.remove_suffix(1);
        }
        if (line.find('\0') != std::string_view::npos) {
            out = Item{Kind::HasNul, line};
            return true;
        }
        out = Item{Kind::Line, line};
        return true;
    }
    return false;
}

}  // namespace hermes::irc

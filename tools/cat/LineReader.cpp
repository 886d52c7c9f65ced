#include "LineReader.hpp"

#include <unistd.h>

#include <cerrno>

namespace hermes::cat {

bool LineReader::readAvailable() {
    if (eof_) {
        return false;
    }
    char chunk[64 * 1024];
    ssize_t n = 0;
    do {
        n = ::read(fd_, chunk, sizeof chunk);
    } while (n < 0 && errno == EINTR);
    if (n <= 0) {
        error_ = n < 0 ? errno : 0;
        eof_ = true;
        return false;
    }
    if (start_ > 0 && start_ == buffer_.size()) {
        buffer_.clear();
        start_ = 0;
    }
    buffer_.append(chunk, static_cast<std::size_t>(n));
    return true;
}

bool LineReader::nextLine(std::string& line) {
    if (start_ >= buffer_.size()) {
        return false;
    }
    std::size_t end = buffer_.find('\n', start_);
    std::size_t next = end + 1;
    if (end == std::string::npos) {
        if (!eof_ && buffer_.size() - start_ < kMaxLineBytes) {
            return false;  // wait for the rest of the line
        }
        end = buffer_.size();
        next = end;
    }
    line.assign(buffer_, start_, end - start_);
    if (!line.empty() && line.back() == '\r') {
        line.pop_back();
    }
    start_ = next;
    if (start_ >= buffer_.size()) {
        buffer_.clear();
        start_ = 0;
    }
    return true;
}

}  // namespace hermes::cat

#pragma once
// Splits what arrives on a file descriptor (hermes-cat's standard input) into
// lines, without ever blocking: the caller reads only after poll() said the
// descriptor is readable. "\n" and "\r\n" end a line; a last line without a
// newline counts at the end of input.
//
// Threading: none; used by hermes-cat's one UI thread.

#include <cstddef>
#include <string>

namespace hermes::cat {

class LineReader {
public:
    // A longer line is cut here (the hub refuses long texts anyway).
    static constexpr std::size_t kMaxLineBytes = 1024 * 1024;

    explicit LineReader(int fd) : fd_(fd) {}

    // One read() of what is available. Returns false on end of input or a
    // read error (see error()).
    bool readAvailable();

    // The next complete line, without its terminator.
    bool nextLine(std::string& line);

    bool atEnd() const { return eof_ && start_ >= buffer_.size(); }
    int error() const { return error_; }

private:
    int fd_;
    std::string buffer_;
    std::size_t start_ = 0;
    bool eof_ = false;
    int error_ = 0;
};

}  // namespace hermes::cat

#pragma once
// Cuts an IRC client's byte stream into lines (RFC 1459 section 2.3: a
// message ends with CR LF; a bare LF is taken too, as every server does).
// Bytes come in chunks split anywhere; lines come out whole.
//
// The limits, each answered rather than relayed (docs/IRC.md "Bad input"):
// - a line longer than kMaxLineBytes (512, CR LF included) without its tags,
//   or kMaxTagBytes more with them, comes out once as TooLong and the rest of
//   it, up to its LF, is discarded: a client that never sends a line feed
//   costs at most kMaxLineBytes + kMaxTagBytes of buffer;
// - a line with a NUL byte comes out as HasNul (RFC 1459 2.3.1: NUL is never
//   allowed in a message), never as a Line.
// UTF-8 is the session's to judge: it knows which command the line carries.
//
// Threading: none; one reader per connection.

#include <cstddef>
#include <string>
#include <string_view>

namespace hermes::irc {

class IrcLineReader {
public:
    static constexpr std::size_t kMaxLineBytes = 512;  // RFC 1459 2.3, CR LF included
    static constexpr std::size_t kMaxTagBytes = 4096;  // IRCv3 message-tags, client tags

    enum class Kind { Line, TooLong, HasNul };
    struct Item {
        Kind kind = Kind::Line;
        std::string_view line;  // Line: without CR LF; valid until the next feed()/next()
    };

    void feed(std::string_view bytes);
    // The next line, or false when none is complete.
    bool next(Item& out);
    std::size_t buffered() const { return buffer_.size() - readPos_; }

private:
    std::string buffer_;
    std::size_t readPos_ = 0;
    bool discarding_ = false;  // inside an over-long line, until its LF
};

}  // namespace hermes::irc

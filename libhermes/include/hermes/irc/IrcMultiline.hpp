#pragma once
// The draft/multiline batch an IRC client is sending (IRCv3 draft/multiline,
// docs/IRC.md "draft/multiline"):
//
//   BATCH +id draft/multiline <target>
//   @batch=id PRIVMSG <target> :first line
//   @batch=id;draft/multiline-concat PRIVMSG <target> : continued
//   BATCH -id
//
// It owns the one open batch: its id, target, command, the messages so far
// (a line tagged draft/multiline-concat continues the one before it; any
// other line starts a new one) and what they weigh. A batch past its limits,
// or with a line that breaks the rules, fails at once: the session says FAIL
// and the rest of the batch, up to its BATCH -id, is dropped; nothing of it
// reaches the hub. Hermes text is one line (docs/PROTOCOL.md "Text"), so the
// session sends each message of a closed batch as one Say: concatenated
// lines become one Hermes message, line breaks separate messages.
//
// Threading: none; one per IrcSession.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace hermes::irc {

class IrcMultilineBatch {
public:
    static constexpr std::string_view kType = "draft/multiline";
    static constexpr std::string_view kConcatTag = "draft/multiline-concat";

    enum class Verdict { Ok, MaxBytes, MaxLines, InvalidTarget, Invalid };
    struct Outcome {
        Verdict verdict = Verdict::Ok;
        std::string why;  // Invalid: what was wrong
    };
    struct Closed {
        Outcome outcome;
        std::string target;
        bool notice = false;
        std::vector<std::string> messages;  // empty lines left out
    };

    // max-lines: each line of a batch takes a token of the session's own
    // bucket (it sends the hub nothing until the end), so a batch stays well
    // within its burst.
    static std::size_t maxLinesFor(double ratePerSecond, double burst);

    IrcMultilineBatch(std::size_t maxBytes, std::size_t maxLines)
        : maxBytes_(maxBytes), maxLines_(maxLines) {}

    // A batch is open (collecting, or failed and dropping until its end).
    bool open() const { return !id_.empty(); }
    bool failed() const { return failed_; }
    const std::string& id() const { return id_; }
    const std::string& target() const { return target_; }
    std::size_t maxBytes() const { return maxBytes_; }
    std::size_t maxLines() const { return maxLines_; }

    // BATCH +id draft/multiline target. An open batch is abandoned first.
    void start(std::string_view id, std::string_view target);
    // One line tagged batch=id: PRIVMSG or NOTICE, its target and text.
    // Not Ok: the batch failed (the caller says FAIL once).
    Outcome add(std::string_view command, std::string_view target, std::string_view text,
                bool concat);
    // BATCH -id: the messages, or the verdict. The batch is closed.
    Closed finish();
    // Drops the batch (after FAIL); its remaining lines are dropped until -id.
    void fail() { failed_ = true; }

private:
    std::size_t maxBytes_;
    std::size_t maxLines_;
    std::string id_;
    std::string target_;
    std::string command_;  // PRIVMSG or NOTICE, from the first line
    std::vector<std::string> messages_;
    std::size_t bytes_ = 0;
    std::size_t lines_ = 0;
    bool failed_ = false;
};

}  // namespace hermes::irc

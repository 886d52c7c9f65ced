// draft/multiline both ways (docs/IRC.md "draft/multiline"): the client's
// batches in (IrcMultilineBatch, then one Say per message), long Hermes
// messages out as one batch, and the echo of a sent batch as one batch.

#include <algorithm>
#include <cctype>
#include <cstddef>
#include <optional>

#include "hermes/codec/FrameEncoder.hpp"
#include "hermes/irc/IrcMultiline.hpp"
#include "hermes/irc/IrcSession.hpp"
#include "hermes/irc/IrcText.hpp"
#include "hermes/protocol/Validation.hpp"

namespace hermes::irc {

namespace {

bool sameTarget(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) ==
                      std::tolower(static_cast<unsigned char>(y));
           });
}

}  // namespace

// ---------------------------------------------------------------- IrcMultilineBatch

std::size_t IrcMultilineBatch::maxLinesFor(double ratePerSecond, double burst) {
    constexpr std::size_t kMost = 32;
    if (ratePerSecond <= 0) {
        return kMost;  // no limit
    }
    return std::clamp<std::size_t>(static_cast<std::size_t>(burst / 2), 1, kMost);
}

void IrcMultilineBatch::start(std::string_view id, std::string_view target) {
    id_ = std::string(id);
    target_ = std::string(target);
    command_.clear();
    messages_.clear();
    bytes_ = 0;
    lines_ = 0;
    failed_ = false;
}

IrcMultilineBatch::Outcome IrcMultilineBatch::add(std::string_view command, std::string_view target,
                                                  std::string_view text, bool concat) {
    if (!sameTarget(target, target_)) {
        return {Verdict::InvalidTarget, std::string(target)};
    }
    if (command_.empty()) {
        command_ = std::string(command);
    } else if (command != command_) {
        return {Verdict::Invalid, "a batch is all PRIVMSG or all NOTICE"};
    }
    if (!text.empty() && text.front() == '\x01') {
        return {Verdict::Invalid, "CTCP (ACTION included) cannot be part of a multiline batch"};
    }
    if (concat && text.empty()) {
        return {Verdict::Invalid, "a draft/multiline-concat line may not be empty"};
    }
    if (concat && messages_.empty()) {
        return {Verdict::Invalid, "the first line of a batch cannot continue another"};
    }
    if (++lines_ > maxLines_) {
        return {Verdict::MaxLines, {}};
    }
    const std::string clean = stripFormatting(text);
    bytes_ += text.size() + (concat || messages_.empty() ? 0 : 1);  // + the line break
    if (bytes_ > maxBytes_) {
        return {Verdict::MaxBytes, {}};
    }
    if (concat) {
        messages_.back() += clean;
    } else {
        messages_.push_back(clean);
    }
    return {};
}

IrcMultilineBatch::Closed IrcMultilineBatch::finish() {
    Closed closed;
    closed.target = std::move(target_);
    closed.notice = command_ == "NOTICE";
    if (failed_) {
        closed.outcome = {Verdict::Invalid, {}};  // said already
    } else {
        for (std::string& message : messages_) {
            if (!message.empty()) {  // Hermes text is never empty: a blank line is dropped
                closed.messages.push_back(std::move(message));
            }
        }
        if (closed.messages.empty()) {
            closed.outcome = {Verdict::Invalid, "the batch has no text"};
        }
    }
    id_.clear();
    target_.clear();
    messages_.clear();
    failed_ = false;
    return closed;
}

// ---------------------------------------------------------------- input

namespace {

void failBatch(const IrcMultilineBatch& batch, const IrcMultilineBatch::Outcome& outcome,
               std::string_view batchTarget, std::string& out) {
    using Verdict = IrcMultilineBatch::Verdict;
    switch (outcome.verdict) {
        case Verdict::Ok:
            return;
        case Verdict::MaxBytes:
            out += "FAIL BATCH MULTILINE_MAX_BYTES " + std::to_string(batch.maxBytes()) +
                   " :Multiline batch max-bytes exceeded (nothing was sent)\r\n";
            return;
        case Verdict::MaxLines:
            out += "FAIL BATCH MULTILINE_MAX_LINES " + std::to_string(batch.maxLines()) +
                   " :Multiline batch max-lines exceeded (nothing was sent)\r\n";
            return;
        case Verdict::InvalidTarget:
            out += "FAIL BATCH MULTILINE_INVALID_TARGET " + std::string(batchTarget) + " " +
                   outcome.why + " :Invalid multiline target (nothing was sent)\r\n";
            return;
        case Verdict::Invalid:
            out += "FAIL BATCH MULTILINE_INVALID :" + outcome.why + " (nothing was sent)\r\n";
            return;
    }
}

}  // namespace

std::size_t IrcSession::multilineMaxBytes() const {
    return batchIn_.maxBytes();
}

std::size_t IrcSession::multilineMaxLines() const {
    return batchIn_.maxLines();
}

void IrcSession::batchCommand(const IrcLine& line, std::string& toHub, std::string& toClient) {
    using Verdict = IrcMultilineBatch::Verdict;
    if (!hasCap(IrcMultilineBatch::kType)) {
        numeric(toClient, "421", {"BATCH"}, "Unknown command (CAP REQ draft/multiline first)");
        return;
    }
    const auto& p = line.params;
    if (p.empty() || p[0].size() < 2 || (p[0][0] != '+' && p[0][0] != '-')) {
        toClient +=
            "FAIL BATCH MULTILINE_INVALID :BATCH +id draft/multiline target, or BATCH -id\r\n";
        return;
    }
    const std::string id = p[0].substr(1);
    if (p[0][0] == '+') {
        if (batchIn_.open() && !batchIn_.failed()) {
            failBatch(
                batchIn_,
                {Verdict::Invalid, "batch " + batchIn_.id() + " was not closed before batch " + id +
                                       " opened: it is dropped"},
                {}, toClient);
        }
        if (p.size() < 3 || p[1] != IrcMultilineBatch::kType) {
            batchIn_.start(id, {});
            batchIn_.fail();
            failBatch(batchIn_,
                      {Verdict::Invalid, "a client's batch is BATCH +id draft/multiline target"},
                      {}, toClient);
            return;
        }
        batchIn_.start(id, p[2]);
        const bool channel = !p[2].empty() && p[2].front() == '#';
        const bool valid =
            p[2].find(',') == std::string::npos &&
            (channel ? !hermes::protocol::checkRoom(p[2]) : !hermes::protocol::checkNick(p[2]));
        if (!valid) {
            batchIn_.fail();
            toClient += "FAIL BATCH MULTILINE_INVALID_TARGET " + p[2] +
                        " :one channel or nick per batch (nothing will be sent)\r\n";
        }
        return;
    }
    if (!batchIn_.open() || batchIn_.id() != id) {
        failBatch(batchIn_, {Verdict::Invalid, "no batch " + id + " is open"}, {}, toClient);
        return;
    }
    IrcMultilineBatch::Closed closed = batchIn_.finish();
    if (closed.outcome.verdict != Verdict::Ok) {
        if (!closed.outcome.why.empty()) {
            failBatch(batchIn_, closed.outcome, closed.target, toClient);
        }
        return;
    }
    // One Say (or PrivateMessage) per message, through the ordinary path:
    // the same checks, the same pairing of errors with the target.
    const std::uint64_t firstId = nextMsgId_;
    for (const std::string& text : closed.messages) {
        IrcLine say;
        say.command = closed.notice ? "NOTICE" : "PRIVMSG";
        say.params = {closed.target, text};
        sendMessage(say, closed.notice, toHub, toClient);
    }
    if (hasCap("echo-message") && multilineOut() && nextMsgId_ != firstId) {
        EchoBatch echo;
        echo.target = closed.target;
        echo.notice = closed.notice;
        for (std::uint64_t msgId = firstId; msgId != nextMsgId_; ++msgId) {
            echo.waiting.push_back(msgId);
        }
        echoBatches_.push_back(std::move(echo));
    }
}

bool IrcSession::batchedLine(const IrcLine& line, std::string& toClient) {
    const std::optional<std::string_view> ref = line.tag("batch");
    if (!ref) {
        return false;
    }
    if (!batchIn_.open() || batchIn_.id() != *ref) {
        toClient += "FAIL BATCH MULTILINE_INVALID :no batch " + std::string(*ref) +
                    " is open (line dropped)\r\n";
        return true;
    }
    if (batchIn_.failed()) {
        return true;  // the batch failed: the rest of it is dropped
    }
    const auto& p = line.params;
    const IrcMultilineBatch::Outcome outcome =
        batchIn_.add(line.command, p.empty() ? std::string_view() : p[0],
                     p.size() > 1 ? std::string_view(p[1]) : std::string_view(),
                     line.tag(IrcMultilineBatch::kConcatTag).has_value());
    if (outcome.verdict != IrcMultilineBatch::Verdict::Ok) {
        failBatch(batchIn_, outcome, batchIn_.target(), toClient);
        batchIn_.fail();
    }
    return true;
}

// ---------------------------------------------------------------- output

bool IrcSession::multilineOut() const {
    return hasCap(IrcMultilineBatch::kType) && hasCap("batch");
}

void IrcSession::renderMultiline(const std::vector<const hermes::v1::ChatMessage*>& messages,
                                 std::string_view command, std::size_t budget, std::string& out,
                                 std::string_view outer) {
    const hermes::v1::ChatMessage& head = *messages.front();
    const bool mine = isMe(head.from());
    const std::string to = !head.room().empty() ? "#" + head.room() : (mine ? head.to() : nick_);
    const std::string from = mask(head.from());
    // A live room message's lines are shared through IrcRenderCache by every
    // member with the same capabilities: its batch id comes from the message
    // (unique among the batches open at once, which never outlive one
    // rendering), not from this session's counter.
    const std::string id = !head.room().empty() && head.seq() != 0
                               ? "m" + std::to_string(head.seq())
                               : std::to_string(nextBatch_++);
    // The opener carries what the message is (time, msgid, seq); its lines
    // only belong to it.
    const bool numbered = head.room().empty() && head.private_seq() != 0;
    const std::string conversation = numbered ? conversationId(head) : std::string();
    appendTags(out, head.time_ms(), numbered ? head.private_seq() : head.seq(),
               numbered ? std::string_view(conversation) : std::string_view(head.room()), outer,
               head.from_account());
    replyTag(head, out);
    out += ':' + from + " BATCH +" + id + ' ' + std::string(IrcMultilineBatch::kType) + ' ' + to +
           "\r\n";
    for (const hermes::v1::ChatMessage* message : messages) {
        const std::string text = sanitize(message->text());
        bool first = true;
        for (const std::string_view piece : splitUtf8(text, budget)) {
            out += "@batch=" + id;
            if (!first) {
                out += ';';
                out += IrcMultilineBatch::kConcatTag;
            }
            first = false;
            out += " :" + from + ' ' + std::string(command) + ' ' + to + " :";
            out += piece;
            out += "\r\n";
        }
    }
    out += ':' + from + " BATCH -" + id + "\r\n";
}

namespace {

// What a line from `from` to `to` leaves for text in 512 bytes (as renderMessage).
std::size_t textBudget(std::string_view from, std::string_view host, std::string_view command,
                       std::string_view to) {
    const std::size_t overhead =
        1 + from.size() * 2 + 2 + host.size() + 1 + command.size() + 1 + to.size() + 2 + 2;
    return overhead < IrcLineReader::kMaxLineBytes ? IrcLineReader::kMaxLineBytes - overhead : 1;
}

}  // namespace

bool IrcSession::echoCollected(const hermes::v1::ChatMessage& message, std::string& out) {
    for (std::size_t i = 0; i < echoBatches_.size(); ++i) {
        EchoBatch& echo = echoBatches_[i];
        const auto waiting =
            std::find(echo.waiting.begin(), echo.waiting.end(), message.client_msg_id());
        if (waiting == echo.waiting.end()) {
            continue;
        }
        echo.waiting.erase(waiting);
        echo.got.push_back(message);
        flushEcho(i, out);
        return true;
    }
    return false;
}

void IrcSession::echoRefused(std::uint64_t clientMsgId, std::string& out) {
    for (std::size_t i = 0; i < echoBatches_.size(); ++i) {
        EchoBatch& echo = echoBatches_[i];
        const auto waiting = std::find(echo.waiting.begin(), echo.waiting.end(), clientMsgId);
        if (waiting != echo.waiting.end()) {
            echo.waiting.erase(waiting);
            flushEcho(i, out);
            return;
        }
    }
}

void IrcSession::flushEcho(std::size_t index, std::string& out) {
    EchoBatch& echo = echoBatches_[index];
    if (!echo.waiting.empty()) {
        return;
    }
    // Every message of the batch is echoed or refused: the echoes go as one batch.
    if (!echo.got.empty()) {
        const std::string command = echo.notice ? "NOTICE" : "PRIVMSG";
        const hermes::v1::ChatMessage& head = echo.got.front();
        const std::string to = head.room().empty() ? head.to() : "#" + head.room();
        std::vector<const hermes::v1::ChatMessage*> messages;
        for (const hermes::v1::ChatMessage& message : echo.got) {
            messages.push_back(&message);
        }
        renderMultiline(messages, command, textBudget(head.from(), settings_.host, command, to),
                        out, {});
    }
    echoBatches_.erase(echoBatches_.begin() + static_cast<std::ptrdiff_t>(index));
}

}  // namespace hermes::irc

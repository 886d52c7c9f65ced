// IRCv3 draft/chathistory on the gateway (docs/IRC.md "CHATHISTORY"): each
// subcommand becomes one HistoryRequest of the window it names (room seqs
// for a channel, private_seqs for a nick: the conversation of the session's
// account with that nick), and the page comes back as a chathistory batch.
// TARGETS is answered from what the session saw: its channels and the
// private conversations of this session, with their newest times.

#include <algorithm>
#include <cctype>
#include <optional>

#include "hermes/codec/FrameEncoder.hpp"
#include "hermes/irc/IrcSession.hpp"
#include "hermes/irc/IrcText.hpp"
#include "hermes/irc/IrcTime.hpp"
#include "hermes/protocol/Validation.hpp"

namespace hermes::irc {

namespace {

using hermes::v1::Envelope;

std::string lower(std::string_view text) {
    std::string out(text);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

// A reference: "*", "msgid=room:seq" (or the seq alone), "timestamp=...".
struct Reference {
    bool any = false;                    // "*"
    std::uint64_t seq = 0;               // msgid
    std::optional<std::int64_t> timeMs;  // timestamp
    std::string error;                   // not empty: the FAIL's code and text
};

Reference parseReference(std::string_view text, std::string_view room) {
    Reference ref;
    if (text == "*") {
        ref.any = true;
        return ref;
    }
    if (text.rfind("timestamp=", 0) == 0) {
        ref.timeMs = parseIrcTime(text.substr(10));
        if (!ref.timeMs) {
            ref.error = "INVALID_PARAMS :a timestamp is YYYY-MM-DDThh:mm:ss.sssZ";
        }
        return ref;
    }
    if (text.rfind("msgid=", 0) != 0) {
        ref.error = "INVALID_PARAMS :a reference is *, msgid=... or timestamp=...";
        return ref;
    }
    std::string_view id = text.substr(6);
    const std::size_t colon = id.rfind(':');
    if (colon != std::string_view::npos) {
        // A channel's msgid names it; a conversation's (~a~b:N) is not checked:
        // the hub reads only the session's own conversation with the target.
        if (!room.empty() && hermes::protocol::canonicalRoom(id.substr(0, colon)) != room) {
            ref.error = "INVALID_MSGREFTYPE :that msgid is of another channel";
            return ref;
        }
        id.remove_prefix(colon + 1);
    }
    if (id.empty() || id.size() > 19 || id.find_first_not_of("0123456789") != std::string::npos) {
        ref.error = "INVALID_MSGREFTYPE :a msgid here is room:seq (as the msgid tag says)";
        return ref;
    }
    ref.seq = std::stoull(std::string(id));
    return ref;
}

}  // namespace

std::string IrcSession::conversationId(const hermes::v1::ChatMessage& message) const {
    // The same for both parties (while their nicks are their accounts):
    // "~ana~bob", the two nicks folded and sorted.
    std::string a = lower(message.from());
    std::string b = lower(message.to().empty() ? nick_ : message.to());
    if (b < a) {
        std::swap(a, b);
    }
    return "~" + a + "~" + b;
}

bool IrcSession::chatHistory(const IrcLine& line, std::string& toHub, std::string& toClient) {
    const auto fail = [&](std::string_view code, const std::string& context,
                          std::string_view text) {
        toClient += "FAIL CHATHISTORY " + std::string(code) + " " + context + " :" +
                    std::string(text) + "\r\n";
        return false;
    };
    const auto& p = line.params;
    const std::string sub = p.empty() ? std::string() : asciiUpper(p[0]);
    if (sub == "TARGETS") {
        if (p.size() < 4) {
            return fail("NEED_MORE_PARAMS", sub,
                        "CHATHISTORY TARGETS timestamp=A timestamp=B LIMIT");
        }
        chatHistoryTargets(line, toClient);
        return false;
    }
    const bool between = sub == "BETWEEN";
    if (p.size() < (between ? 5u : 4u)) {
        return fail("NEED_MORE_PARAMS", sub.empty() ? std::string("*") : sub,
                    "CHATHISTORY SUBCOMMAND TARGET REFERENCE [REFERENCE] LIMIT");
    }
    if (sub != "LATEST" && sub != "BEFORE" && sub != "AFTER" && sub != "AROUND" && !between) {
        return fail("INVALID_PARAMS", sub,
                    "subcommands: LATEST, BEFORE, AFTER, AROUND, BETWEEN, TARGETS");
    }
    const std::string& name = p[1];
    std::string room;
    std::string peer;
    if (!name.empty() && name.front() == '#') {
        if (!hermes::protocol::checkRoom(name)) {
            room = hermes::protocol::canonicalRoom(name);
        }
    } else if (!hermes::protocol::checkNick(name)) {
        peer = name;
    }
    if (room.empty() && peer.empty()) {
        return fail("INVALID_TARGET", sub + " " + name, "not a channel or a nick");
    }
    const Reference first = parseReference(p[2], room);
    const Reference second = between ? parseReference(p[3], room) : Reference{};
    for (const Reference* ref : {&first, &second}) {
        if (!ref->error.empty()) {
            toClient += "FAIL CHATHISTORY " + ref->error.substr(0, ref->error.find(' ')) + " " +
                        sub + ref->error.substr(ref->error.find(' ')) + "\r\n";
            return false;
        }
    }
    const bool byTime = first.timeMs.has_value();
    if (between && !second.any && second.timeMs.has_value() != byTime) {
        return fail("INVALID_PARAMS", sub, "both references are msgids, or both timestamps");
    }
    if ((first.any && sub != "LATEST") || (between && second.any)) {
        return fail("INVALID_PARAMS", sub, "only LATEST takes * as its reference");
    }
    const std::string& limitText = p[between ? 4 : 3];
    if (limitText.empty() || limitText.size() > 9 ||
        limitText.find_first_not_of("0123456789") != std::string::npos) {
        return fail("INVALID_PARAMS", sub, "the limit is a number");
    }
    const std::uint64_t most = limits_.history_page_max() ? limits_.history_page_max() : 100;
    std::uint64_t limit = std::min<std::uint64_t>(std::stoull(limitText), most);

    if (byTime) {
        return historyByTime(sub, room, peer, *first.timeMs, second.timeMs.value_or(0), limit,
                             toHub, toClient);
    }
    // The window: seqs above `after` (and below `below`, when set), at most `limit`.
    std::uint64_t after = 0;
    std::uint64_t below = 0;
    bool latest = false;
    const std::uint64_t ref = first.seq;
    if (sub == "LATEST") {
        after = ref;  // the newest `limit` above it: the hub knows the newest seq
        latest = true;
    } else if (sub == "AFTER") {
        after = ref;
    } else if (sub == "BEFORE") {
        below = ref;
        const std::uint64_t last = ref > 0 ? ref - 1 : 0;
        after = last > limit ? last - limit : 0;
        limit = std::min(limit, last);
    } else if (sub == "AROUND") {
        // Half before the reference, the reference, the rest after it.
        const std::uint64_t before = limit / 2;
        after = ref > before + 1 ? ref - before - 1 : 0;
    } else {
        // BETWEEN: from the first reference towards the second, excluding both.
        const std::uint64_t lo = std::min(first.seq, second.seq);
        const std::uint64_t hi = std::max(first.seq, second.seq);
        const std::uint64_t inside = hi > lo ? hi - lo - 1 : 0;
        limit = std::min(limit, inside);
        below = hi;
        after = first.seq <= second.seq ? lo : std::max(lo, hi - 1 - limit);
    }
    if (limit == 0) {
        emptyHistory(room.empty() ? peer : "#" + room, toClient);
        return false;
    }
    HistoryAsk ask{room, peer, below};
    askHistory(std::move(ask), after, limit, latest, 0, toHub);
    return true;
}

void IrcSession::emptyHistory(const std::string& target, std::string& toClient) {
    if (hasCap("batch")) {
        const std::string id = std::to_string(nextBatch_++);
        toClient += ":" + serverName_ + " BATCH +" + id + " chathistory " + target + "\r\n";
        toClient += ":" + serverName_ + " BATCH -" + id + "\r\n";
    }
}

void IrcSession::askHistory(HistoryAsk ask, std::uint64_t after, std::uint64_t limit, bool latest,
                            std::int64_t atTimeMs, std::string& toHub) {
    Envelope envelope;
    hermes::v1::HistoryRequest& request = *envelope.mutable_history_request();
    if (ask.room.empty()) {
        request.set_peer(ask.peer);
    } else {
        request.set_room(ask.room);
    }
    request.set_after_seq(after);
    request.set_limit(static_cast<std::uint32_t>(limit));
    request.set_latest(latest);
    request.set_at_time_ms(atTimeMs);
    history_.push_back(std::move(ask));
    hermes::codec::appendFrame(envelope, toHub);
}

bool IrcSession::historyByTime(const std::string& sub, const std::string& room,
                               const std::string& peer, std::int64_t timeMs, std::int64_t otherMs,
                               std::uint64_t limit, std::string& toHub, std::string& toClient) {
    // HistoryRequest.at_time_ms: the oldest `limit` at or after a time, or
    // (latest) the newest before it; the other bounds are filtered here.
    // at_time_ms 0 is "not by time": nothing is stamped before 1970 anyway.
    timeMs = std::max<std::int64_t>(timeMs, 0);
    otherMs = std::max<std::int64_t>(otherMs, 0);
    if (limit == 0 || (sub == "BEFORE" && timeMs == 0)) {
        emptyHistory(room.empty() ? peer : "#" + room, toClient);
        return false;
    }
    HistoryAsk ask{room, peer, 0};
    if (sub == "LATEST") {
        ask.aboveMs = timeMs;
        askHistory(std::move(ask), 0, limit, true, 0, toHub);
    } else if (sub == "BEFORE") {
        askHistory(std::move(ask), 0, limit, true, timeMs, toHub);
    } else if (sub == "AFTER") {
        askHistory(std::move(ask), 0, limit, false, timeMs + 1, toHub);
    } else if (sub == "AROUND") {
        // Two pages, one batch: the newest half before the time, the rest from it.
        if (limit / 2 > 0 && timeMs > 0) {
            HistoryAsk before = ask;
            before.hold = true;
            askHistory(std::move(before), 0, limit / 2, true, timeMs, toHub);
        }
        askHistory(std::move(ask), 0, limit - limit / 2, false, std::max<std::int64_t>(timeMs, 1),
                   toHub);
    } else if (timeMs <= otherMs) {  // BETWEEN, forwards
        ask.belowMs = otherMs;
        askHistory(std::move(ask), 0, limit, false, timeMs + 1, toHub);
    } else {  // BETWEEN, backwards from the first
        ask.aboveMs = otherMs;
        askHistory(std::move(ask), 0, limit, true, timeMs, toHub);
    }
    return true;
}

void IrcSession::chatHistoryTargets(const IrcLine& line, std::string& toClient) {
    const auto& p = line.params;
    const Reference a = parseReference(p[1], {});
    const Reference b = parseReference(p[2], {});
    if (!a.timeMs || !b.timeMs) {
        toClient +=
            "FAIL CHATHISTORY INVALID_PARAMS TARGETS :TARGETS takes two timestamp= "
            "references\r\n";
        return;
    }
    const std::string& limitText = p[3];
    if (limitText.empty() || limitText.size() > 9 ||
        limitText.find_first_not_of("0123456789") != std::string::npos) {
        toClient += "FAIL CHATHISTORY INVALID_PARAMS TARGETS :the limit is a number\r\n";
        return;
    }
    const std::int64_t from = std::min(*a.timeMs, *b.timeMs);
    const std::int64_t to = std::max(*a.timeMs, *b.timeMs);
    std::vector<std::pair<std::int64_t, std::string>> found;  // newest time, target
    for (const auto& [name, state] : rooms_) {
        if (state.lastMs > from && state.lastMs < to) {
            found.emplace_back(state.lastMs, "#" + name);
        }
    }
    for (const auto& [nick, ms] : privateTargets_) {
        if (ms > from && ms < to) {
            found.emplace_back(ms, nick);
        }
    }
    std::sort(found.begin(), found.end());
    const std::size_t limit = std::stoul(limitText);
    if (found.size() > limit) {
        found.resize(limit);
    }
    const std::string id = std::to_string(nextBatch_++);
    const bool batch = hasCap("batch");
    if (batch) {
        toClient += ":" + serverName_ + " BATCH +" + id + " draft/chathistory-targets\r\n";
    }
    for (const auto& [ms, target] : found) {
        toClient += (batch ? "@batch=" + id + " " : std::string()) + ":" + serverName_ +
                    " CHATHISTORY TARGETS " + target + " " + formatIrcTime(ms) + "\r\n";
    }
    if (batch) {
        toClient += ":" + serverName_ + " BATCH -" + id + "\r\n";
    }
}

void IrcSession::notePrivate(const hermes::v1::ChatMessage& message) {
    constexpr std::size_t kMostTargets = 256;
    const std::string& peer = isMe(message.from()) ? message.to() : message.from();
    privateTargets_[lower(peer)] = message.time_ms();
    if (privateTargets_.size() > kMostTargets) {
        // The conversation quiet the longest goes.
        privateTargets_.erase(
            std::min_element(privateTargets_.begin(), privateTargets_.end(),
                             [](const auto& x, const auto& y) { return x.second < y.second; }));
    }
}

bool IrcSession::historyError(const hermes::v1::Error& error, std::string& out) {
    using namespace hermes::v1;
    if (error.code() != ERROR_CODE_NOT_A_PARTY && error.code() != ERROR_CODE_UNSUPPORTED) {
        return false;
    }
    const auto ask = std::find_if(history_.begin(), history_.end(),
                                  [](const HistoryAsk& a) { return !a.peer.empty(); });
    if (ask == history_.end()) {
        return false;
    }
    if (!ask->hold) {  // else its pair, next, says it
        out +=
            "FAIL CHATHISTORY INVALID_TARGET " + ask->peer + " :" + sanitize(error.text()) + "\r\n";
    }
    history_.erase(ask);
    heldHistory_.clear();
    return true;
}

void IrcSession::historyPage(const hermes::v1::HistoryPage& page, std::string& out) {
    const std::string& room = page.room();
    const bool conversation = !page.peer().empty();
    std::uint64_t below = 0;
    std::int64_t aboveMs = 0;
    std::int64_t belowMs = 0;
    std::string target = conversation ? page.peer() : "#" + room;
    if (page.backlog()) {
        // The backlog of a JOIN (or of hub.default_room): a chathistory
        // batch or a playback, by capability (IrcJoinPlayback.cpp).
        const auto it = rooms_.find(room);
        if (it != rooms_.end() && page.messages_size() > 0) {
            it->second.lastMs =
                std::max(it->second.lastMs, page.messages(page.messages_size() - 1).time_ms());
        }
        joinBacklog(page, out);
        return;
    } else {
        const auto ask = std::find_if(history_.begin(), history_.end(), [&](const HistoryAsk& a) {
            return conversation ? lower(a.peer) == lower(page.peer()) : a.room == room;
        });
        if (ask == history_.end()) {
            return;
        }
        below = ask->below;
        aboveMs = ask->aboveMs;
        belowMs = ask->belowMs;
        if (conversation) {
            target = ask->peer;
        }
        const bool hold = ask->hold;
        history_.erase(ask);
        if (hold) {  // AROUND a time: out with the next page
            heldHistory_.assign(page.messages().begin(), page.messages().end());
            return;
        }
    }
    const std::string id = std::to_string(nextBatch_++);
    if (hasCap("batch")) {
        out += ":" + serverName_ + " BATCH +" + id + " chathistory " + target + "\r\n";
    }
    for (const hermes::v1::ChatMessage& message : heldHistory_) {
        renderMessage(message, out, id);
    }
    heldHistory_.clear();
    for (const hermes::v1::ChatMessage& message : page.messages()) {
        const std::uint64_t seq = conversation ? message.private_seq() : message.seq();
        if ((below != 0 && seq >= below) || (belowMs != 0 && message.time_ms() >= belowMs)) {
            break;
        }
        if (aboveMs != 0 && message.time_ms() <= aboveMs) {
            continue;
        }
        renderMessage(message, out, id);
    }
    if (hasCap("batch")) {
        out += ":" + serverName_ + " BATCH -" + id + "\r\n";
    }
}

}  // namespace hermes::irc

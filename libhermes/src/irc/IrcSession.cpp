#include "hermes/irc/IrcSession.hpp"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <exception>

#include "hermes/codec/FrameEncoder.hpp"
#include "hermes/irc/IrcNames.hpp"
#include "hermes/irc/IrcText.hpp"
#include "hermes/protocol/Limits.hpp"
#include "hermes/protocol/Validation.hpp"

namespace hermes::irc {

namespace {

using hermes::v1::Envelope;

constexpr std::size_t kRecentGone = 64;

bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) ==
                      std::tolower(static_cast<unsigned char>(y));
           });
}

void frame(const Envelope& envelope, std::string& toHub) {
    hermes::codec::appendFrame(envelope, toHub);
}

// "YYYY-MM-DDThh:mm:ss.sssZ" (IRCv3 server-time), from the calendar in
// <chrono>: no gmtime_r/strftime, which cost more than the rest of a line.
std::string isoTime(std::int64_t ms) {
    using namespace std::chrono;
    const sys_time<milliseconds> time{milliseconds(ms)};
    const sys_days day = floor<days>(time);
    const year_month_day date{day};
    const hh_mm_ss<milliseconds> clock{time - day};
    char buffer[24];
    const auto put = [&buffer](std::size_t at, unsigned value, std::size_t width) {
        for (std::size_t i = width; i-- > 0; value /= 10) {
            buffer[at + i] = static_cast<char>('0' + value % 10);
        }
    };
    put(0, static_cast<unsigned>(static_cast<int>(date.year())), 4);
    buffer[4] = '-';
    put(5, static_cast<unsigned>(date.month()), 2);
    buffer[7] = '-';
    put(8, static_cast<unsigned>(date.day()), 2);
    buffer[10] = 'T';
    put(11, static_cast<unsigned>(clock.hours().count()), 2);
    buffer[13] = ':';
    put(14, static_cast<unsigned>(clock.minutes().count()), 2);
    buffer[16] = ':';
    put(17, static_cast<unsigned>(clock.seconds().count()), 2);
    buffer[19] = '.';
    put(20, static_cast<unsigned>(clock.subseconds().count()), 3);
    buffer[23] = 'Z';
    return std::string(buffer, sizeof buffer);
}

}  // namespace

IrcSession::IrcSession(IrcSessionSettings settings)
    : settings_(std::move(settings)),
      serverName_(settings_.serverName),
      localBucket_(settings_.localRatePerSecond, settings_.localBurst,
                   std::chrono::steady_clock::now()),
      nextMsgId_(settings_.msgIdBase),
      batchIn_(settings_.maxTextBytes,
               IrcMultilineBatch::maxLinesFor(settings_.localRatePerSecond, settings_.localBurst)) {
    if (serverName_.empty() || serverName_.find_first_of(" \r\n:!@") != std::string::npos) {
        serverName_ = "hermes";  // hub.name is free text; a line prefix is one word
    }
    if (nextMsgId_ == 0) {
        nextMsgId_ = 1;  // 0 is "no id" in Error
    }
}

bool IrcSession::hasCap(std::string_view cap) const {
    return std::find(caps_.begin(), caps_.end(), cap) != caps_.end();
}

bool IrcSession::isMe(std::string_view nick) const {
    return iequals(nick, nick_);
}

std::string IrcSession::mask(std::string_view nick) const {
    std::string out(nick);
    out += '!';
    out += nick;
    out += '@';
    out += settings_.host;
    return out;
}

void IrcSession::numeric(std::string& out, std::string_view code, std::vector<std::string> params,
                         std::string_view text) const {
    IrcLine line;
    line.prefix = serverName_;
    line.command = std::string(code);
    line.params.reserve(params.size() + 2);
    line.params.push_back(target());
    for (std::string& param : params) {
        line.params.push_back(std::move(param));
    }
    if (!text.empty()) {
        line.params.emplace_back(text);
        line.trailing = true;
    }
    line.serialize(out);
}

void IrcSession::appendTags(std::string& out, std::int64_t timeMs, std::uint64_t seq,
                            std::string_view room, std::string_view batch,
                            std::string_view account) const {
    // Values that never need escaping: digits, a timestamp, canonical room names.
    const std::size_t start = out.size();
    const auto separate = [&] { out += out.size() == start ? '@' : ';'; };
    if (timeMs != 0 && hasCap("server-time")) {
        separate();
        out += "time=";
        out += isoTime(timeMs);
    }
    if (!batch.empty() && hasCap("batch")) {
        separate();
        out += "batch=";
        out += batch;
    }
    if (seq != 0 && hasCap("message-tags")) {
        const std::string number = std::to_string(seq);
        if (!room.empty()) {
            separate();
            out += "msgid=";
            out += room;
            out += ':';
            out += number;
        }
        separate();
        out += kSeqTag;
        out += '=';
        out += number;
    }
    if (!account.empty() && hasCap("account-tag")) {
        separate();
        appendAccountTag(out, account);
    }
    if (out.size() != start) {
        out += ' ';
    }
}

void IrcSession::fromNick(std::string& out, std::string_view from, std::string_view command,
                          std::vector<std::string> params, std::int64_t timeMs, std::uint64_t seq,
                          std::string_view room, std::string_view batch) const {
    appendTags(out, timeMs, seq, room, batch);
    IrcLine line;
    line.prefix = from.find('!') == std::string_view::npos ? mask(from) : std::string(from);
    line.command = std::string(command);
    line.params = std::move(params);
    line.trailing = command == "PRIVMSG" || command == "NOTICE" || command == "QUIT" ||
                    command == "PART" || command == "TOPIC" || command == "KICK" ||
                    command == "AWAY";
    line.serialize(out);
}

void IrcSession::remember(std::string_view nick) {
    recentGone_.push_back(hermes::protocol::nickKey(nick));
    if (recentGone_.size() > kRecentGone) {
        recentGone_.pop_front();
    }
}

bool IrcSession::forget(std::deque<std::string>& recent, std::string_view nick) {
    const std::string key = hermes::protocol::nickKey(nick);
    const auto it = std::find(recent.begin(), recent.end(), key);
    if (it == recent.end()) {
        return false;
    }
    recent.erase(it);
    return true;
}

// ---------------------------------------------------------------- input

IrcSession::Input IrcSession::receive(std::string_view bytes,
                                      std::chrono::steady_clock::time_point now, std::string& toHub,
                                      std::string& toClient) {
    reader_.feed(bytes);
    IrcLineReader::Item item;
    while (reader_.next(item)) {
        const std::size_t before = toHub.size();
        Input input = handleLine(item, toHub, toClient);
        if (input.close) {
            return input;
        }
        // A line that sent the hub nothing was answered (or dropped) here:
        // it takes a token of our bucket, as a frame takes one of the hub's.
        const bool local = toHub.size() == before;
        if (local && !localBucket_.tryTake(now)) {
            errorSent_ = true;
            toClient += "ERROR :Closing Link: " + settings_.peer + " (Excess Flood)\r\n";
            return Input{true, "Excess Flood"};
        }
    }
    return {};
}

IrcSession::Input IrcSession::handleLine(const IrcLineReader::Item& item, std::string& toHub,
                                         std::string& toClient) {
    switch (item.kind) {
        case IrcLineReader::Kind::TooLong:
            numeric(toClient, "417", {}, "Input line was too long");
            return {};
        case IrcLineReader::Kind::HasNul:
            toClient += "FAIL * INVALID_TEXT :line refused: it contains a NUL byte\r\n";
            return {};
        case IrcLineReader::Kind::Line:
            break;
    }
    std::optional<IrcLine> line = parseIrcLine(item.line);
    if (!line) {
        return {};  // an empty line: ignored, as RFC 2812 2.3.1 allows
    }
    line->command = line->upperCommand();
    if (!hermes::protocol::isValidUtf8(item.line)) {
        toClient += "FAIL " + line->command +
                    " INVALID_UTF8 :line refused: it is not valid UTF-8 (nothing was sent)\r\n";
        return {};
    }
    return command(*line, toHub, toClient);
}

IrcSession::Input IrcSession::command(const IrcLine& line, std::string& toHub,
                                      std::string& toClient) {
    const std::string& cmd = line.command;
    const auto& p = line.params;
    const auto needMore = [&] {
        numeric(toClient, "461", {cmd}, "Not enough parameters");
        return Input{};
    };

    if (cmd == "CAP") {
        capCommand(line, toHub, toClient);
        return {};
    }
    if (cmd == "PING") {
        if (p.empty()) {
            return needMore();
        }
        if (!registered_ || pings_.size() >= kMaxPingsInFlight) {
            toClient += ":" + serverName_ + " PONG " + serverName_ + " :" + p.front() + "\r\n";
            return {};
        }
        const std::uint64_t nonce = nextPingNonce_++;
        pings_.emplace_back(nonce, p.front());
        Envelope envelope;
        envelope.mutable_ping()->set_nonce(nonce);
        frame(envelope, toHub);
        return {};
    }
    if (cmd == "PONG") {
        if (registered_ && !p.empty()) {
            // The hub's Ping went out as "PING :<nonce>".
            try {
                Envelope envelope;
                envelope.mutable_pong()->set_nonce(std::stoull(p.back()));
                frame(envelope, toHub);
            } catch (const std::exception&) {
                // Not ours: ignored, as the hub ignores an unmatched Pong.
            }
        }
        return {};
    }
    if (cmd == "QUIT") {
        quitText_ = p.empty() ? std::string() : p.front();
        if (!registered_) {
            errorSent_ = true;
            toClient += "ERROR :Closing Link: " + settings_.peer + " (Quit: " + quitText_ + ")\r\n";
            return Input{true, "Quit: " + quitText_};
        }
        Envelope envelope;
        envelope.mutable_bye()->set_reason(hermes::v1::BYE_REASON_CLIENT_QUIT);
        envelope.mutable_bye()->set_text(quitText_);
        frame(envelope, toHub);
        return {};
    }
    if (cmd == "NICK") {
        if (p.empty() || p.front().empty()) {
            numeric(toClient, "431", {}, "No nickname given");
            return {};
        }
        if (!registered_) {
            nick_ = p.front();
            maybeHello(toHub);
            return {};
        }
        helloNick_ = p.front();  // named again in 432/433 if refused
        Envelope envelope;
        envelope.mutable_set_nick()->set_nick(p.front());
        frame(envelope, toHub);
        ++nicksPending_;
        return {};
    }
    if (cmd == "USER") {
        if (registered_ && (!holding_ || userGiven_)) {
            numeric(toClient, "462", {}, "You may not reregister");
            return {};
        }
        if (p.size() < 4) {
            return needMore();
        }
        userGiven_ = true;
        maybeHello(toHub);
        release(toClient);
        return {};
    }
    if (cmd == "AUTHENTICATE") {
        authenticate(line, toHub, toClient);
        return {};
    }
    if (cmd == "PASS") {
        if (registered_) {
            numeric(toClient, "462", {}, "You may not reregister");
        } else if (p.empty()) {
            return needMore();
        } else {
            hubPassword_ = p.front();
        }
        return {};
    }
    if (!registered_) {
        numeric(toClient, "451", {}, "You have not registered");
        return {};
    }

    if (cmd == "PRIVMSG" || cmd == "NOTICE") {
        if (!batchedLine(line, toClient)) {  // draft/multiline: IrcMultiline.cpp
            sendMessage(line, cmd == "NOTICE", toHub, toClient);
        }
        return {};
    }
    if (cmd == "TAGMSG") {
        tagMessage(line, toHub, toClient);  // client-only tags: IrcClientTags.cpp
        return {};
    }
    if (cmd == "BATCH") {
        batchCommand(line, toHub, toClient);
        return {};
    }
    if (cmd == "JOIN") {
        if (p.empty()) {
            return needMore();
        }
        if (p.front() == "0") {  // RFC 2812 3.2.1: leave every channel
            for (const auto& [room, state] : rooms_) {
                Envelope envelope;
                envelope.mutable_leave()->set_room(room);
                frame(envelope, toHub);
            }
            return {};
        }
        const std::vector<std::string> targets = splitComma(p.front());
        if (targets.size() > kMaxTargets) {
            numeric(toClient, "407", {p.front()}, "Too many targets");
            return {};
        }
        for (const std::string& name : targets) {
            const std::string room = isChannel(name) ? roomOf(name) : std::string();
            if (room.empty()) {
                numeric(toClient, "403", {name}, "No such channel");
                continue;
            }
            if (rooms_.count(room)) {
                continue;  // already there: ignored, as IRC servers do
            }
            lists_.push_back({room, ListKind::Join});
            Envelope envelope;
            envelope.mutable_join()->set_room(room);
            envelope.mutable_join()->set_skip_backlog(!wantsBacklog());
            // IRC clients keep the channel's nick list from NAMES and every
            // JOIN/PART/QUIT: the gateway follows every room whatever its size.
            envelope.mutable_join()->set_all_presence(true);
            frame(envelope, toHub);
        }
        return {};
    }
    if (cmd == "PART") {
        if (p.empty()) {
            return needMore();
        }
        for (const std::string& name : splitComma(p.front())) {
            const std::string room = roomOf(name);
            if (room.empty() || !rooms_.count(room)) {
                numeric(toClient, "442", {name}, "You're not on that channel");
                continue;
            }
            Envelope envelope;
            envelope.mutable_leave()->set_room(room);
            if (p.size() > 1) {
                envelope.mutable_leave()->set_reason(p[1]);
            }
            frame(envelope, toHub);
        }
        return {};
    }
    if (cmd == "NAMES" || cmd == "WHO") {
        if (p.empty()) {
            if (cmd == "WHO") {
                numeric(toClient, "315", {"*"}, "End of /WHO list.");
            } else {
                numeric(toClient, "366", {"*"}, "End of /NAMES list.");
            }
            return {};
        }
        const std::string room = isChannel(p.front()) ? roomOf(p.front()) : std::string();
        if (room.empty() && cmd == "WHO" && !isChannel(p.front()) &&
            !hermes::protocol::checkNick(p.front())) {
            // WHO of a nick: what WHOIS knows, as 352 and 315.
            whois_.push_back(p.front());
            whoisForWho_.push_back(true);
            Envelope envelope;
            envelope.mutable_whois_request()->set_nick(p.front());
            frame(envelope, toHub);
            return {};
        }
        if (room.empty()) {  // WHO of a mask: not yet (docs/IRC.md)
            if (cmd == "WHO") {
                numeric(toClient, "315", {p.front()}, "End of /WHO list.");
            } else {
                numeric(toClient, "366", {p.front()}, "End of /NAMES list.");
            }
            return {};
        }
        lists_.push_back({room, cmd == "WHO" ? ListKind::Who : ListKind::Names});
        Envelope envelope;
        envelope.mutable_who()->set_room(room);
        frame(envelope, toHub);
        return {};
    }
    if (cmd == "TOPIC") {
        if (p.empty()) {
            return needMore();
        }
        const std::string room = roomOf(p.front());
        const auto it = rooms_.find(room);
        if (it == rooms_.end()) {
            numeric(toClient, "442", {p.front()}, "You're not on that channel");
            return {};
        }
        if (p.size() == 1) {
            if (it->second.topic.empty()) {
                numeric(toClient, "331", {channelOf(room)}, "No topic is set");
            } else {
                numeric(toClient, "332", {channelOf(room)}, it->second.topic);
                numeric(toClient, "333",
                        {channelOf(room), it->second.topicBy,
                         std::to_string(it->second.topicMs / 1000)});
            }
            return {};
        }
        Envelope envelope;
        envelope.mutable_topic()->set_room(room);
        envelope.mutable_topic()->set_text(stripFormatting(p[1]));
        frame(envelope, toHub);
        return {};
    }
    if (cmd == "LIST") {
        Envelope envelope;
        envelope.mutable_room_list_request();
        frame(envelope, toHub);
        return {};
    }
    if (cmd == "WHOIS") {
        if (p.empty()) {
            numeric(toClient, "431", {}, "No nickname given");
            return {};
        }
        // "WHOIS server nick" asks a server: the nick is the last parameter.
        whois_.push_back(p.back());
        whoisForWho_.push_back(false);
        Envelope envelope;
        envelope.mutable_whois_request()->set_nick(p.back());
        frame(envelope, toHub);
        return {};
    }
    if (cmd == "AWAY") {
        Envelope envelope;
        envelope.mutable_set_away()->set_text(p.empty() ? std::string() : p.front());
        frame(envelope, toHub);
        return {};
    }
    if (cmd == "CHATHISTORY") {
        chatHistory(line, toHub, toClient);
        return {};
    }
    if (cmd == "MOTD") {
        motd(toClient);
        return {};
    }
    if (cmd == "MODE") {
        if (p.empty()) {
            return needMore();
        }
        modeCommand(line, toHub, toClient);
        return {};
    }
    if (cmd == "KICK") {
        kickCommand(line, toHub, toClient);
        return {};
    }
    if (cmd == "INVITE") {
        inviteCommand(line, toHub, toClient);
        return {};
    }
    numeric(toClient, "421", {cmd}, "Unknown command");
    return {};
}

void IrcSession::capCommand(const IrcLine& line, std::string& toHub, std::string& toClient) {
    const auto& p = line.params;
    const std::string sub = p.empty() ? std::string() : asciiUpper(p.front());
    const std::string who = target();
    const std::string head = ":" + serverName_ + " CAP " + who + " ";
    if (sub == "LS") {
        if (!registered_) {
            capNegotiating_ = true;
        }
        std::string offered = capabilities(p);
        if (p.size() > 1 && p[1] >= "302") {  // CAP 302: draft/multiline's limits too
            const std::string multiline(IrcMultilineBatch::kType);
            const std::size_t at = offered.find(multiline);
            if (at != std::string::npos) {
                offered.insert(at + multiline.size(),
                               "=max-bytes=" + std::to_string(multilineMaxBytes()) +
                                   ",max-lines=" + std::to_string(multilineMaxLines()));
            }
        }
        toClient += head + "LS :" + offered + "\r\n";
    } else if (sub == "LIST") {
        std::string list;
        for (const std::string& cap : caps_) {
            list += (list.empty() ? "" : " ") + cap;
        }
        toClient += head + "LIST :" + list + "\r\n";
    } else if (sub == "REQ") {
        if (!registered_) {
            capNegotiating_ = true;
        }
        const std::string asked = p.size() > 1 ? p[1] : std::string();
        std::vector<std::pair<std::string, bool>> changes;  // cap, enable
        bool ok = !asked.empty();
        std::string_view rest = asked;
        while (!rest.empty()) {
            const std::size_t space = rest.find(' ');
            std::string_view word = rest.substr(0, space);
            rest = space == std::string_view::npos ? std::string_view{} : rest.substr(space + 1);
            if (word.empty()) {
                continue;
            }
            const bool enable = word.front() != '-';
            if (!enable) {
                word.remove_prefix(1);
            }
            bool known = false;
            std::string_view offered = kCapabilities;
            while (!offered.empty()) {
                const std::size_t sp = offered.find(' ');
                known = known || offered.substr(0, sp) == word;
                offered =
                    sp == std::string_view::npos ? std::string_view{} : offered.substr(sp + 1);
            }
            ok = ok && known;
            changes.emplace_back(std::string(word), enable);
        }
        if (!ok) {
            toClient += head + "NAK :" + asked + "\r\n";
            return;
        }
        for (const auto& [cap, enable] : changes) {
            const auto it = std::find(caps_.begin(), caps_.end(), cap);
            if (enable && it == caps_.end()) {
                caps_.push_back(cap);
            } else if (!enable && it != caps_.end()) {
                caps_.erase(it);
            }
        }
        std::sort(caps_.begin(), caps_.end());
        capBits_ = 0;
        std::uint32_t bit = 1;
        std::string_view offered = kCapabilities;
        while (!offered.empty() && bit != 0) {
            const std::size_t space = offered.find(' ');
            if (hasCap(offered.substr(0, space))) {
                capBits_ |= bit;
            }
            bit <<= 1;
            offered =
                space == std::string_view::npos ? std::string_view{} : offered.substr(space + 1);
        }
        toClient += head + "ACK :" + asked + "\r\n";
    } else if (sub == "END") {
        if (capNegotiating_) {
            capEnd(toClient);
            maybeHello(toHub);
        }
    } else {
        numeric(toClient, "410", {p.empty() ? std::string("*") : p.front()}, "Invalid CAP command");
    }
}

void IrcSession::maybeHello(std::string& toHub) {
    if (registered_ || capNegotiating_ || !userGiven_ || nick_.empty() || helloSent_) {
        return;
    }
    Envelope envelope;
    hermes::v1::Hello& hello = *envelope.mutable_hello();
    hello.set_protocol_version(hermes::v1::PROTOCOL_VERSION_1);
    hello.set_nick(nick_);
    hello.set_client_name("irc");
    if (!hubPassword_.empty()) {
        // PASS is the hub's password and the nick's: each is ignored by the
        // hub where it does not apply (docs/IRC.md "Accounts: SASL and PASS").
        hello.set_hub_password(hubPassword_);
        if (hubPassword_.size() <= hermes::protocol::kMaxPasswordBytes) {
            hello.set_password(hubPassword_);
        }
    }
    frame(envelope, toHub);
    helloSent_ = true;
    helloNick_ = nick_;
}

void IrcSession::sendMessage(const IrcLine& line, bool notice, std::string& toHub,
                             std::string& toClient) {
    const auto& p = line.params;
    if (p.empty()) {
        numeric(toClient, "411", {}, "No recipient given (" + line.command + ")");
        return;
    }
    if (p.size() < 2 || p[1].empty()) {
        numeric(toClient, "412", {}, "No text to send");
        return;
    }
    const std::vector<std::string> targets = splitComma(p.front());
    if (targets.size() > kMaxTargets) {
        numeric(toClient, "407", {p.front()}, "Too many targets");
        return;
    }
    hermes::v1::MessageKind kind = hermes::v1::MESSAGE_KIND_TEXT;
    std::string text;
    if (const std::optional<std::string_view> action = ctcpAction(p[1])) {
        kind = hermes::v1::MESSAGE_KIND_ACTION;
        text = stripFormatting(*action);
    } else if (!p[1].empty() && p[1].front() == '\x01') {
        // Other CTCP (VERSION, PING, DCC ...): not relayed; NOTICE gets no reply (RFC 1459 4.4.2).
        if (!notice) {
            numeric(toClient, "421", {"CTCP"}, "CTCP other than ACTION is not relayed by Hermes");
        }
        return;
    } else {
        text = stripFormatting(p[1]);
    }
    for (const std::string& name : targets) {
        const std::uint64_t id = nextMsgId();
        Envelope envelope;
        if (isChannel(name)) {
            const std::string room = roomOf(name);
            if (room.empty()) {
                if (!notice) {
                    numeric(toClient, "403", {name}, "No such channel");
                }
                continue;
            }
            hermes::v1::Say& say = *envelope.mutable_say();
            say.set_room(room);
            say.set_client_msg_id(id);
            say.set_kind(kind);
            say.set_text(text);
            say.set_reply_to(replyTarget(line, room));  // +draft/reply
        } else {
            hermes::v1::PrivateMessage& message = *envelope.mutable_private_message();
            message.set_to(name);
            message.set_client_msg_id(id);
            message.set_kind(kind);
            message.set_text(text);
        }
        sends_[id] = PendingSend{name, notice};
        frame(envelope, toHub);
    }
}

// ---------------------------------------------------------------- output

void IrcSession::deliver(const Envelope& envelope, std::string& client) {
    // Welcomed before CAP END (SASL): held until registration ends.
    std::string& out = holding_ ? held_ : client;
    switch (envelope.body_case()) {
        case Envelope::kWelcome:
            saslWelcome(envelope.welcome(), client);
            welcome(envelope.welcome(), holding_ ? held_ : client);
            break;
        case Envelope::kMessage:
            chatMessage(envelope.message(), out);
            break;
        case Envelope::kPresence:
            presence(envelope.presence(), out);
            break;
        case Envelope::kMembers:
            memberList(envelope.members(), out);
            break;
        case Envelope::kTopic:
            topic(envelope.topic(), out);
            break;
        case Envelope::kWhoisReply:
            whoisReply(envelope.whois_reply(), out);
            break;
        case Envelope::kError:
            error(envelope.error(), out);
            break;
        case Envelope::kPing:
            out += "PING :" + std::to_string(envelope.ping().nonce()) + "\r\n";
            break;
        case Envelope::kPong: {
            const std::uint64_t nonce = envelope.pong().nonce();
            while (!pings_.empty() && pings_.front().first <= nonce) {
                if (pings_.front().first == nonce) {
                    out += ":" + serverName_ + " PONG " + serverName_ + " :" +
                           pings_.front().second + "\r\n";
                }
                pings_.pop_front();
            }
            break;
        }
        case Envelope::kRoomList: {
            numeric(out, "321", {"Channel"}, "Users  Name");
            for (const auto& room : envelope.room_list().rooms()) {
                numeric(out, "322", {channelOf(room.name()), std::to_string(room.members())},
                        room.topic().empty() ? std::string_view(" ") : room.topic());
            }
            numeric(out, "323", {}, "End of /LIST");
            break;
        }
        case Envelope::kHistoryPage:
            historyPage(envelope.history_page(), out);
            break;
        case Envelope::kBanList:
            banList(envelope.ban_list(), out);
            break;
        case Envelope::kTypingNotice:
            typingNotice(envelope.typing_notice(), out);
            break;
        case Envelope::kBye:
            quitText_ = envelope.bye().text();
            break;
        case Envelope::kAccountReply:
            if (!saslAccountReply(envelope.account_reply(), out)) {
                out += ":" + serverName_ + " NOTICE " + target() + " :" +
                       sanitize(envelope.account_reply().text()) + "\r\n";
            }
            break;
        default:
            // History pages (skip_backlog: only on request, draft/chathistory
            // is not yet built), typing, read markers, files, stats: nothing
            // an IRC client asked for.
            break;
    }
    if (holding_ && held_.size() > kMaxHeldBytes) {
        holding_ = false;  // no CAP END for this long: registration is over
        client += held_;
        held_.clear();
    }
}

void IrcSession::welcome(const hermes::v1::Welcome& welcome, std::string& out) {
    registered_ = true;
    nick_ = welcome.nick();
    if (!welcome.server_name().empty() &&
        welcome.server_name().find_first_of(" \r\n:") == std::string::npos) {
        serverName_ = welcome.server_name();
    }
    motd_ = welcome.motd();
    limits_ = welcome.limits();
    hubTyping_ = welcome.typing();
    numeric(out, "001", {}, "Welcome to the " + serverName_ + " Hermes hub, " + mask(nick_));
    numeric(out, "002", {},
            "Your host is " + serverName_ + ", running version " + settings_.version);
    numeric(out, "003", {}, "This hub speaks Hermes; IRC is one of its transports");
    numeric(out, "004", {serverName_, settings_.version, "i", "bioqt"});
    const std::string channelLen = std::to_string(limits_.max_room_bytes() + 1);
    numeric(
        out, "005",
        {"AWAYLEN=256", "CASEMAPPING=ascii",
         "CHANLIMIT=#:" + std::to_string(limits_.max_rooms_per_client()), "CHANMODES=bq,,,it",
         "CHANNELLEN=" + channelLen, "CHANTYPES=#", "NETWORK=" + serverName_, "MODES=4",
         "NICKLEN=" + std::to_string(limits_.max_nick_bytes()), "PREFIX=(o)@",
         "TARGMAX=PRIVMSG:4,NOTICE:4,JOIN:4,PART:4",
         "CHATHISTORY=" + std::to_string(limits_.history_page_max()), "MSGREFTYPES=timestamp,msgid",
         "TOPICLEN=" + std::to_string(limits_.max_text_bytes()), "UTF8ONLY"},
        "are supported by this server");
    // Client-only tags that are relayed (IrcClientTags.cpp).
    numeric(out, "005", {"CLIENTTAGDENY=*,-typing,-draft/reply,-draft/react,-draft/unreact"},
            "are supported by this server");
    motd(out);
}

void IrcSession::motd(std::string& out) {
    if (motd_.empty()) {
        numeric(out, "422", {}, "MOTD File is missing");
        return;
    }
    numeric(out, "375", {}, "- " + serverName_ + " Message of the day - ");
    std::string_view rest = motd_;
    while (true) {
        const std::size_t lf = rest.find('\n');
        numeric(out, "372", {}, "- " + sanitize(rest.substr(0, lf)));
        if (lf == std::string_view::npos) {
            break;
        }
        rest.remove_prefix(lf + 1);
    }
    numeric(out, "376", {}, "End of /MOTD command.");
}

void IrcSession::chatMessage(const hermes::v1::ChatMessage& message, std::string& out) {
    const bool mine = isMe(message.from());
    if (mine) {
        const auto it = sends_.find(message.client_msg_id());
        const bool wasOurs = it != sends_.end();
        if (wasOurs) {
            sends_.erase(it);
        }
        // Our own send, echoed by the hub as its acknowledgement: IRC clients
        // show their own lines themselves unless they asked for echo-message.
        // (A line from our nick that is not ours, e.g. from another
        // connection, cannot exist: a nick is one session.)
        if (!hasCap("echo-message")) {
            return;
        }
    }
    if (!message.away().empty()) {
        // The away reply to a private message we sent.
        numeric(out, "301", {message.from()}, sanitize(message.away()));
        return;
    }
    if (message.room().empty()) {
        notePrivate(message);  // CHATHISTORY TARGETS
    } else {
        sawRoomMessage(message.room(), message.time_ms());
    }
    if (mine && !echoBatches_.empty() && echoCollected(message, out)) {
        return;  // the echo of a multiline batch: sent whole when complete
    }
    renderMessage(message, out, {});
}

void IrcSession::sawRoomMessage(std::string_view room, std::int64_t timeMs) {
    const auto joined = rooms_.find(room);
    if (joined != rooms_.end()) {
        joined->second.lastMs = std::max(joined->second.lastMs, timeMs);
    }
}

void IrcSession::renderMessage(const hermes::v1::ChatMessage& message, std::string& out,
                               std::string_view batch) {
    const bool mine = isMe(message.from());
    const bool room = !message.room().empty();
    const std::string to = room ? channelOf(message.room()) : (mine ? message.to() : nick_);
    if (reactionOut(message, out, batch)) {
        return;  // +draft/react as TAGMSG (IrcClientTags.cpp)
    }
    std::string text = sanitize(message.text());
    std::string command = "PRIVMSG";
    bool action = false;
    switch (message.kind()) {
        case hermes::v1::MESSAGE_KIND_ACTION:
            if (text.empty()) {  // erased, as a TEXT row below
                command = "NOTICE";
                text = "[deleted message]";
            } else {
                action = true;
            }
            break;
        case hermes::v1::MESSAGE_KIND_NOTICE:
            command = "NOTICE";
            break;
        case hermes::v1::MESSAGE_KIND_EDIT:
            command = "NOTICE";
            text = "[edited message " + std::to_string(message.target_seq()) + "] " + text;
            break;
        case hermes::v1::MESSAGE_KIND_FILE:
            command = "NOTICE";
            // A deleted file's row keeps its seq but no file (docs/PROTOCOL.md
            // "A delete erases").
            text = message.has_file() ? "[file] " + sanitize(message.file().name()) + " (" +
                                            std::to_string(message.file().size()) + " bytes)"
                                      : std::string("[deleted file]");
            break;
        case hermes::v1::MESSAGE_KIND_TEXT:
            if (text.empty()) {
                // The hub refuses an empty Say, so an empty row in history is
                // a deleted message whose text the hub erased: say so rather
                // than send an empty PRIVMSG.
                command = "NOTICE";
                text = "[deleted message]";
            }
            break;
        default:  // DELETE, REACT, UNREACT: the hub's text says what happened
            command = "NOTICE";
            text = "[" + text + "]";
            break;
    }
    // RFC 1459 2.3: 512 bytes with CR LF, tags apart. What the line needs
    // besides the text: ":" mask " " command " " target " :" and CR LF.
    const std::size_t overhead = 1 + message.from().size() * 2 + 2 + settings_.host.size() + 1 +
                                 command.size() + 1 + to.size() + 2 + 2 + (action ? 9 : 0);
    const std::size_t budget =
        overhead < IrcLineReader::kMaxLineBytes ? IrcLineReader::kMaxLineBytes - overhead : 1;
    if (text.size() > budget && !action && multilineOut() &&
        (message.kind() == hermes::v1::MESSAGE_KIND_TEXT ||
         message.kind() == hermes::v1::MESSAGE_KIND_NOTICE)) {
        renderMultiline({&message}, command, budget, out, batch);  // IrcMultiline.cpp
        return;
    }
    // A private message between accounts: its private_seq and conversation.
    const bool numbered = !room && message.private_seq() != 0;
    const std::string conversation = numbered ? conversationId(message) : std::string();
    // Written straight into `out`: this is every IRC member's delivery.
    const std::string_view from = message.from();
    for (const std::string_view piece : splitUtf8(text, budget)) {
        appendTags(out, message.time_ms(), numbered ? message.private_seq() : message.seq(),
                   numbered ? std::string_view(conversation) : std::string_view(message.room()),
                   batch, message.from_account());
        replyTag(message, out);
        out += ':';
        out += from;
        out += '!';
        out += from;
        out += '@';
        out += settings_.host;
        out += ' ';
        out += command;
        out += ' ';
        out += to;
        out += action ? " :\x01"
                        "ACTION "
                      : " :";
        out += piece;
        out += action ? "\x01\r\n" : "\r\n";
    }
}

void IrcSession::presence(const hermes::v1::Presence& presence, std::string& out) {
    using hermes::v1::PresenceKind;
    const std::string& room = presence.room();
    const std::string chan = channelOf(room);
    const std::int64_t time = presence.time_ms();
    if (!room.empty() && moderationPresence(presence, out)) {
        return;
    }
    if (room.empty()) {
        // Confirmations of our own state.
        switch (presence.kind()) {
            case hermes::v1::PRESENCE_KIND_NICK_CHANGED:
                nickAnswered();
                if (!presence.nicks().empty()) {
                    fromNick(out, presence.nicks(0), "NICK", {presence.new_nick()}, time);
                    remember(presence.nicks(0));
                }
                nick_ = presence.new_nick();
                break;
            case hermes::v1::PRESENCE_KIND_AWAY:
                numeric(out, "306", {}, "You have been marked as being away");
                break;
            case hermes::v1::PRESENCE_KIND_BACK:
                numeric(out, "305", {}, "You are no longer marked as being away");
                break;
            default:
                break;
        }
        return;
    }
    for (const std::string& nick : presence.nicks()) {
        const bool me = isMe(nick);
        switch (presence.kind()) {
            case hermes::v1::PRESENCE_KIND_JOINED:
                if (me) {
                    const auto it = rooms_.find(room);
                    if (it != rooms_.end()) {
                        it->second.joining = false;
                    }
                    break;  // JOIN went out with the MemberList
                }
                forget(recentGone_, nick);
                fromNick(out, nick, "JOIN", {chan}, time);
                break;
            case hermes::v1::PRESENCE_KIND_LEFT:
                fromNick(out, nick, "PART", {chan, sanitize(presence.reason())}, time);
                if (me) {
                    rooms_.erase(room);
                }
                break;
            case hermes::v1::PRESENCE_KIND_QUIT: {
                const std::string key = hermes::protocol::nickKey(nick);
                if (std::find(recentGone_.begin(), recentGone_.end(), key) != recentGone_.end()) {
                    break;  // told already, from another shared room
                }
                remember(nick);
                fromNick(out, nick, "QUIT", {"Quit: " + sanitize(presence.reason())}, time);
                break;
            }
            case hermes::v1::PRESENCE_KIND_NICK_CHANGED: {
                if (me || isMe(presence.new_nick())) {
                    break;  // ours: the room="" confirmation says it once
                }
                const std::string key = hermes::protocol::nickKey(nick);
                if (std::find(recentGone_.begin(), recentGone_.end(), key) != recentGone_.end()) {
                    break;
                }
                remember(nick);
                forget(recentGone_, presence.new_nick());
                fromNick(out, nick, "NICK", {presence.new_nick()}, time);
                break;
            }
            case hermes::v1::PRESENCE_KIND_AWAY:
            case hermes::v1::PRESENCE_KIND_BACK: {
                if (!hasCap("away-notify") || me) {
                    break;
                }
                std::string line;
                if (presence.kind() == hermes::v1::PRESENCE_KIND_AWAY) {
                    fromNick(line, nick, "AWAY", {sanitize(presence.reason())});
                } else {
                    fromNick(line, nick, "AWAY", {});
                }
                if (line != lastAwayLine_) {  // the same change, from another shared room
                    out += line;
                    lastAwayLine_ = std::move(line);
                }
                break;
            }
            case hermes::v1::PRESENCE_KIND_KICKED:
                fromNick(out, presence.by().empty() ? serverName_ : presence.by(), "KICK",
                         {chan, nick, sanitize(presence.reason())}, time);
                if (me) {
                    rooms_.erase(room);
                }
                break;
            case hermes::v1::PRESENCE_KIND_OPPED:
            case hermes::v1::PRESENCE_KIND_DEOPPED:
                fromNick(
                    out, presence.by().empty() ? serverName_ : presence.by(), "MODE",
                    {chan, presence.kind() == hermes::v1::PRESENCE_KIND_OPPED ? "+o" : "-o", nick},
                    time);
                break;
            default: {
                // Bans, mutes, invites, room modes: said as a notice to the
                // channel until MODE speaks them (docs/IRC.md).
                const std::string what = PresenceKind_Name(presence.kind());
                fromNick(out, serverName_, "NOTICE",
                         {chan, nick + ": " + what.substr(what.rfind('_') + 1) +
                                    (presence.by().empty() ? "" : " by " + presence.by()) +
                                    (presence.reason().empty()
                                         ? ""
                                         : " (" + sanitize(presence.reason()) + ")")},
                         time);
                break;
            }
        }
    }
    if (presence.nicks().empty() && presence.kind() == hermes::v1::PRESENCE_KIND_MODE_CHANGED) {
        fromNick(out, presence.by().empty() ? serverName_ : presence.by(), "NOTICE",
                 {chan, "room mode: " + sanitize(presence.reason())}, time);
    }
}

void IrcSession::memberList(const hermes::v1::MemberList& list, std::string& out) {
    const std::string& room = list.room();
    ListKind kind = rooms_.count(room) ? ListKind::Names : ListKind::Join;
    for (auto it = lists_.begin(); it != lists_.end(); ++it) {
        if (it->room == room) {
            kind = it->kind;
            lists_.erase(it);
            break;
        }
    }
    const std::string chan = channelOf(room);
    if (kind == ListKind::Join && !rooms_.count(room)) {
        rooms_.emplace(room, RoomState{});
        fromNick(out, nick_, "JOIN", {chan});
    }
    if (kind == ListKind::Who) {
        for (int i = 0; i < list.nicks_size(); ++i) {
            const std::string& nick = list.nicks(i);
            const bool away =
                std::find(list.away().begin(), list.away().end(), nick) != list.away().end();
            const bool op = std::find(list.operators().begin(), list.operators().end(), nick) !=
                            list.operators().end();
            numeric(out, "352",
                    {chan, nick, settings_.host, serverName_, nick,
                     std::string(away ? "G" : "H") + (op ? "@" : "")},
                    "0 " + nick);
        }
        numeric(out, "315", {chan}, "End of /WHO list.");
        return;
    }
    // 353 lines of as many nicks as fit in 512 bytes.
    const std::string head = ":" + serverName_ + " 353 " + nick_ + " = " + chan + " :";
    std::string names;
    for (const std::string& nick : list.nicks()) {
        if (!names.empty() &&
            head.size() + names.size() + 2 + nick.size() + 2 > IrcLineReader::kMaxLineBytes) {
            out += head + names + "\r\n";
            names.clear();
        }
        const bool op = std::find(list.operators().begin(), list.operators().end(), nick) !=
                        list.operators().end();
        names += (names.empty() ? "" : " ") + std::string(op ? "@" : "") + nick;
    }
    if (!names.empty()) {
        out += head + names + "\r\n";
    }
    numeric(out, "366", {chan}, "End of /NAMES list.");
}

void IrcSession::topic(const hermes::v1::Topic& topic, std::string& out) {
    const auto it = rooms_.find(topic.room());
    const std::string chan = channelOf(topic.room());
    const std::string text = sanitize(topic.text());
    if (it != rooms_.end() && it->second.joining) {
        if (!text.empty()) {
            numeric(out, "332", {chan}, text);
            numeric(out, "333", {chan, topic.set_by(), std::to_string(topic.time_ms() / 1000)});
        }
    } else {
        fromNick(out, topic.set_by().empty() ? serverName_ : topic.set_by(), "TOPIC", {chan, text},
                 topic.time_ms());
    }
    if (it != rooms_.end()) {
        it->second.topic = text;
        it->second.topicBy = topic.set_by();
        it->second.topicMs = topic.time_ms();
    }
}

void IrcSession::whoisReply(const hermes::v1::WhoisReply& reply, std::string& out) {
    if (whoNickReply(reply, out)) {
        return;
    }
    if (!whois_.empty()) {
        whois_.pop_front();
        whoisForWho_.pop_front();
    }
    const std::string& nick = reply.nick();
    numeric(out, "311", {nick, nick, settings_.host, "*"},
            reply.client_name().empty() ? nick : sanitize(reply.client_name()));
    if (reply.rooms_size() > 0) {
        std::string rooms;
        for (const std::string& room : reply.rooms()) {
            rooms += (rooms.empty() ? "" : " ") + channelOf(room);
        }
        numeric(out, "319", {nick}, rooms);
    }
    numeric(out, "312", {nick, serverName_}, "Hermes hub");
    if (!reply.away().empty()) {
        numeric(out, "301", {nick}, sanitize(reply.away()));
    }
    if (reply.signed_on_ms() > 0) {
        // Unknown for a member of another hub this hub only read from the
        // backplane (docs/CLUSTER.md): better none than a sign-on in 1970.
        numeric(out, "317",
                {nick, std::to_string(reply.idle_ms() / 1000),
                 std::to_string(reply.signed_on_ms() / 1000)},
                "seconds idle, signon time");
    }
    numeric(out, "318", {nick}, "End of /WHOIS list.");
}

void IrcSession::error(const hermes::v1::Error& error, std::string& out) {
    using namespace hermes::v1;
    const std::string text = sanitize(error.text());
    if (error.fatal()) {
        if (error.code() == ERROR_CODE_HUB_PASSWORD) {
            numeric(out, "464", {}, "Password incorrect");
        }
        quitText_ = text;  // farewell() says it in the ERROR line
        return;
    }
    if (error.client_msg_id() != 0 && !echoBatches_.empty()) {
        echoRefused(error.client_msg_id(), out);  // a multiline batch's echo (IrcMultiline.cpp)
    }
    if (error.room().empty() && error.client_msg_id() == 0 && historyError(error, out)) {
        return;  // a private CHATHISTORY (IrcHistory.cpp)
    }
    if (saslError(error, out) || moderationError(error, out)) {
        return;
    }
    // What the error answers: one of our sends, a list request, a whois, the Hello.
    std::string sendTarget;
    bool sendNotice = false;
    if (error.client_msg_id() != 0) {
        const auto it = sends_.find(error.client_msg_id());
        if (it != sends_.end()) {
            sendTarget = it->second.target;
            sendNotice = it->second.notice;
            sends_.erase(it);
        }
    }
    const std::string chan = error.room().empty() ? std::string() : channelOf(error.room());
    if (!error.room().empty() && sendTarget.empty()) {
        bool paired = false;
        for (auto it = lists_.begin(); it != lists_.end(); ++it) {
            if (it->room == error.room()) {
                lists_.erase(it);
                paired = true;
                break;
            }
        }
        for (auto it = history_.begin(); !paired && it != history_.end(); ++it) {
            if (it->room == error.room()) {
                const bool held = it->hold;  // its pair, next, says it (IrcHistory.cpp)
                history_.erase(it);
                heldHistory_.clear();
                if (!held) {
                    out += "FAIL CHATHISTORY INVALID_TARGET " + chan + " :" + text + "\r\n";
                }
                return;
            }
        }
    }
    if (!sendTarget.empty() && sendNotice) {
        return;  // RFC 1459 4.4.2: no automatic reply to a NOTICE
    }
    switch (error.code()) {
        case ERROR_CODE_INVALID_NICK:
        case ERROR_CODE_NICK_TAKEN:
        case ERROR_CODE_PASSWORD_REQUIRED:
        case ERROR_CODE_WRONG_PASSWORD:
        case ERROR_CODE_SIGN_IN_THROTTLED:
        case ERROR_CODE_INVALID_PASSWORD:
        case ERROR_CODE_ACCOUNTS_BUSY: {
            const bool handshake = !registered_;
            const std::string& asked = helloNick_;
            const char* code = error.code() == ERROR_CODE_INVALID_NICK ? "432" : "433";
            numeric(out, code, {asked.empty() ? std::string("*") : asked},
                    error.code() == ERROR_CODE_PASSWORD_REQUIRED
                        ? "Nickname is registered: sign in with SASL PLAIN, or PASS with its "
                          "password, or choose another (" +
                              text + ")"
                        : text);
            if (handshake) {
                helloSent_ = false;  // the next NICK sends another Hello
            } else {
                nickAnswered();
            }
            return;
        }
        case ERROR_CODE_NO_SUCH_NICK:
            if (!sendTarget.empty()) {
                numeric(out, "401", {sendTarget}, "No such nick/channel");
            } else {
                const std::string nick = whois_.empty() ? std::string("*") : whois_.front();
                const bool who = !whoisForWho_.empty() && whoisForWho_.front();
                if (!whois_.empty()) {
                    whois_.pop_front();
                    whoisForWho_.pop_front();
                }
                if (who) {
                    numeric(out, "315", {nick}, "End of /WHO list.");  // RFC 2812 3.6.1: none
                    return;
                }
                numeric(out, "401", {nick}, "No such nick/channel");
                numeric(out, "318", {nick}, "End of /WHOIS list.");
            }
            return;
        case ERROR_CODE_TOO_MANY_ROOMS:
            numeric(out, "405", {chan.empty() ? std::string("*") : chan}, text);
            return;
        case ERROR_CODE_INVALID_ROOM:
            numeric(out, "403", {chan.empty() ? sendTarget : chan}, text);
            return;
        case ERROR_CODE_BANNED:
            numeric(out, "474", {chan}, "Cannot join channel (+b): " + text);
            return;
        case ERROR_CODE_INVITE_ONLY:
            numeric(out, "473", {chan}, "Cannot join channel (+i): " + text);
            return;
        case ERROR_CODE_TOPIC_LOCKED:
        case ERROR_CODE_NOT_OPERATOR:
            numeric(out, "482", {chan.empty() ? std::string("*") : chan}, text);
            return;
        case ERROR_CODE_NOT_IN_ROOM:
            if (!sendTarget.empty()) {
                numeric(out, "404", {sendTarget}, "Cannot send to channel: " + text);
            } else {
                numeric(out, "442", {chan.empty() ? std::string("*") : chan}, text);
            }
            return;
        case ERROR_CODE_ALREADY_WELCOMED:
            numeric(out, "462", {}, "You may not reregister");
            return;
        default:
            break;
    }
    if (!sendTarget.empty()) {
        // INVALID_TEXT, MUTED, STORE_BEHIND ...: the line was not taken.
        numeric(out, "404", {sendTarget}, "Cannot send to channel: " + text);
        return;
    }
    out += ":" + serverName_ + " NOTICE " + target() + " :" + text + "\r\n";
}

void IrcSession::farewell(hermes::hub::CloseReason cause, std::string& out) {
    using hermes::hub::CloseReason;
    if (errorSent_) {
        return;
    }
    errorSent_ = true;
    std::string reason;
    switch (cause) {
        case CloseReason::ClientQuit:
            reason = "Quit: " + quitText_;
            break;
        case CloseReason::Flood:
            reason = "Excess Flood";
            break;
        case CloseReason::SlowConsumer:
        case CloseReason::WriteStall:
        case CloseReason::BudgetStall:
        case CloseReason::BudgetHold:
            reason = "SendQ exceeded";
            break;
        case CloseReason::PingTimeout:
            reason = "Ping timeout";
            break;
        default:
            reason = quitText_.empty() ? std::string(hermes::hub::closeReasonQuitText(cause))
                                       : quitText_;
            break;
    }
    out += "ERROR :Closing Link: " + settings_.peer + " (" + reason + ")\r\n";
}

}  // namespace hermes::irc

// IRCv3 client-only tags mapped to Hermes features (docs/IRC.md "Client
// tags"), for clients that negotiated message-tags:
//   +typing=active|paused|done  <-> Typing / TypingNotice (when the hub relays typing)
//   +draft/reply=room:N         <-> Say.reply_to / ChatMessage.reply_to
//   +draft/react=R (+draft/reply) on TAGMSG <-> a REACT message (target_seq)
//   +draft/unreact=R            <-> an UNREACT message
// Every other client tag is dropped (ISUPPORT CLIENTTAGDENY says which pass).

#include <optional>
#include <string>

#include "hermes/codec/FrameEncoder.hpp"
#include "hermes/irc/IrcSession.hpp"
#include "hermes/protocol/Validation.hpp"

namespace hermes::irc {

namespace {

using hermes::v1::Envelope;

constexpr std::string_view kTyping = "+typing";
constexpr std::string_view kReply = "+draft/reply";
constexpr std::string_view kReact = "+draft/react";
constexpr std::string_view kUnreact = "+draft/unreact";

}  // namespace

std::uint64_t IrcSession::replyTarget(const IrcLine& line, std::string_view room) const {
    const std::optional<std::string_view> reply = line.tag(kReply);
    if (!reply || room.empty()) {
        return 0;
    }
    // "room:N" as the msgid tag says (another room's: none), or N alone.
    std::string_view id = *reply;
    const std::size_t colon = id.rfind(':');
    if (colon != std::string_view::npos) {
        if (hermes::protocol::canonicalRoom(id.substr(0, colon)) != room) {
            return 0;
        }
        id.remove_prefix(colon + 1);
    }
    if (id.empty() || id.size() > 19 || id.find_first_not_of("0123456789") != std::string::npos) {
        return 0;
    }
    return std::stoull(std::string(id));
}

void IrcSession::tagMessage(const IrcLine& line, std::string& toHub, std::string& toClient) {
    if (!hasCap("message-tags")) {
        numeric(toClient, "421", {"TAGMSG"}, "Unknown command (CAP REQ message-tags first)");
        return;
    }
    const auto& p = line.params;
    if (p.empty() || p[0].empty()) {
        numeric(toClient, "411", {}, "No recipient given (TAGMSG)");
        return;
    }
    const std::string& target = p[0];
    const bool toRoom = target.front() == '#';
    const std::string room = toRoom && !hermes::protocol::checkRoom(target)
                                 ? hermes::protocol::canonicalRoom(target)
                                 : std::string();
    if (toRoom && room.empty()) {
        numeric(toClient, "403", {target}, "No such channel");
        return;
    }
    if (const std::optional<std::string_view> typing = line.tag(kTyping)) {
        if (hubTyping_) {  // else the hub relays no typing: dropped
            Envelope envelope;
            hermes::v1::Typing& t = *envelope.mutable_typing();
            if (toRoom) {
                t.set_room(room);
            } else {
                t.set_to(target);
            }
            t.set_stopped(*typing != "active");  // paused and done: Hermes has only stopped
            hermes::codec::appendFrame(envelope, toHub);
        }
    }
    const std::optional<std::string_view> react = line.tag(kReact);
    const std::optional<std::string_view> unreact = line.tag(kUnreact);
    if (!react && !unreact) {
        return;  // other client tags: not relayed (CLIENTTAGDENY)
    }
    if (!toRoom) {
        toClient += "FAIL TAGMSG INVALID_TARGET " + target +
                    " :reactions are to channel messages only here\r\n";
        return;
    }
    const std::uint64_t seq = replyTarget(line, room);
    if (seq == 0) {
        toClient += "FAIL TAGMSG INVALID_REFERENCE " + target +
                    " :a reaction needs +draft/reply=<msgid> of a message of this channel\r\n";
        return;
    }
    const std::uint64_t id = nextMsgId();
    Envelope envelope;
    hermes::v1::Say& say = *envelope.mutable_say();
    say.set_room(room);
    say.set_client_msg_id(id);
    say.set_kind(react ? hermes::v1::MESSAGE_KIND_REACT : hermes::v1::MESSAGE_KIND_UNREACT);
    say.set_text(std::string(react ? *react : *unreact));
    say.set_target_seq(seq);
    sends_[id] = PendingSend{target, false};
    hermes::codec::appendFrame(envelope, toHub);
}

void IrcSession::typingNotice(const hermes::v1::TypingNotice& notice, std::string& out) {
    if (!hasCap("message-tags") || isMe(notice.from())) {
        return;
    }
    out += "@+typing=";
    out += notice.stopped() ? "done" : "active";
    out += " :" + mask(notice.from()) + " TAGMSG " +
           (notice.room().empty() ? nick_ : "#" + notice.room()) + "\r\n";
}

void IrcSession::replyTag(const hermes::v1::ChatMessage& message, std::string& out) const {
    // After appendTags: there are tags (msgid at least, message-tags being
    // on), ending with a space.
    if (message.reply_to() == 0 || message.room().empty() || !hasCap("message-tags") ||
        out.empty() || out.back() != ' ') {
        return;
    }
    out.pop_back();
    out += ';';
    out += kReply;
    out += '=' + message.room() + ':' + std::to_string(message.reply_to()) + ' ';
}

bool IrcSession::reactionOut(const hermes::v1::ChatMessage& message, std::string& out,
                             std::string_view batch) {
    const bool react = message.kind() == hermes::v1::MESSAGE_KIND_REACT;
    if ((!react && message.kind() != hermes::v1::MESSAGE_KIND_UNREACT) || !hasCap("message-tags") ||
        message.room().empty() || message.target_seq() == 0) {
        return false;
    }
    appendTags(out, message.time_ms(), message.seq(), message.room(), batch);
    if (!out.empty() && out.back() == ' ') {
        out.pop_back();
    }
    out += ';';
    out += react ? kReact : kUnreact;
    out += '=';
    appendEscapedTagValue(message.reaction().empty() ? message.text() : message.reaction(), out);
    out += ';';
    out += kReply;
    out += '=' + message.room() + ':' + std::to_string(message.target_seq());
    out += " :" + mask(message.from()) + " TAGMSG #" + message.room() + "\r\n";
    return true;
}

}  // namespace hermes::irc

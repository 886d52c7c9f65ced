// Moderation from IRC (docs/IRC.md "Moderation"): channel MODE changes,
// KICK and INVITE as the hub's ModerationRequest, ban lists as
// BanListRequest, and the hub's moderation Presences as MODE, KICK and
// INVITE lines. The hub decides who may (room and hub operators,
// docs/SECURITY.md "Moderation"); the gateway only translates, and turns the
// hub's refusals into the numerics RFC 2812 gives them (482, 401, 441).
//
// What it owns (members of IrcSession): the moderation requests in flight
// (moderation_, paired with the hub's Error or the Presence it announces,
// at most kMaxModerationAsks) and the ban lists asked for (banLists_).

#include <algorithm>

#include "hermes/codec/FrameEncoder.hpp"
#include "hermes/irc/IrcNames.hpp"
#include "hermes/irc/IrcSession.hpp"
#include "hermes/irc/IrcText.hpp"
#include "hermes/protocol/Validation.hpp"

namespace hermes::irc {

namespace {

using hermes::v1::Envelope;
using hermes::v1::ModerationAction;
using hermes::v1::TargetKind;

bool wild(std::string_view text) {
    return text.find_first_of("*?") != std::string_view::npos;
}

// What a ban mask names, as the hub understands bans: a nick exactly
// ("nick", "nick!*@*", "nick!nick@host"), an account ("$a:NAME", the
// account extban of solanum and Ergo) or an address ("*!*@ADDRESS").
struct BanTarget {
    TargetKind kind = hermes::v1::TARGET_KIND_NICK;
    std::string target;
};
std::optional<BanTarget> banTarget(std::string_view mask, std::string_view host) {
    if (mask.rfind("$a:", 0) == 0) {
        mask.remove_prefix(3);
        if (mask.empty() || wild(mask)) {
            return std::nullopt;
        }
        return BanTarget{hermes::v1::TARGET_KIND_ACCOUNT, std::string(mask)};
    }
    const std::size_t bang = mask.find('!');
    const std::size_t at = mask.find('@');
    if (bang == std::string_view::npos && at == std::string_view::npos) {
        if (mask.empty() || wild(mask)) {
            return std::nullopt;
        }
        return BanTarget{hermes::v1::TARGET_KIND_NICK, std::string(mask)};
    }
    const std::string_view nick = mask.substr(0, std::min(bang, at));
    const std::string_view address =
        at == std::string_view::npos ? std::string_view("*") : mask.substr(at + 1);
    if (nick == "*" && !address.empty() && !wild(address) && address != host) {
        return BanTarget{hermes::v1::TARGET_KIND_ADDRESS, std::string(address)};
    }
    if (nick.empty() || wild(nick) || (address != "*" && address != host)) {
        return std::nullopt;
    }
    return BanTarget{hermes::v1::TARGET_KIND_NICK, std::string(nick)};
}

}  // namespace

void IrcSession::moderate(const std::string& room, ModerationAction action, std::string target,
                          TargetKind kind, std::string reason, std::string& toHub) {
    if (moderation_.size() >= kMaxModerationAsks) {
        moderation_.pop_front();  // an answer the hub never sent: forget the oldest
    }
    moderation_.push_back({room, target});
    Envelope envelope;
    hermes::v1::ModerationRequest& request = *envelope.mutable_moderation_request();
    request.set_room(room);
    request.set_action(action);
    request.set_target(std::move(target));
    request.set_target_kind(kind);
    request.set_reason(std::move(reason));
    hermes::codec::appendFrame(envelope, toHub);
}

void IrcSession::modeCommand(const IrcLine& line, std::string& toHub, std::string& toClient) {
    const auto& p = line.params;
    if (!isChannel(p.front())) {
        if (!isMe(p.front())) {
            numeric(toClient, "502", {}, "Can't change mode for other users");
        } else if (p.size() == 1) {
            numeric(toClient, "221", {"+"});
        } else {
            numeric(toClient, "501", {}, "Hermes has no user modes");
        }
        return;
    }
    const std::string room = roomOf(p.front());
    if (room.empty()) {
        numeric(toClient, "403", {p.front()}, "No such channel");
        return;
    }
    const std::string chan = channelOf(room);
    if (p.size() == 1) {
        // The gateway does not know the room's modes until they change.
        numeric(toClient, "324", {chan, "+"});
        return;
    }
    const std::string& modes = p[1];
    if (p.size() == 2 && (modes == "b" || modes == "+b")) {
        if (banLists_.size() >= kMaxModerationAsks) {
            banLists_.pop_front();
        }
        banLists_.push_back(room);
        Envelope envelope;
        envelope.mutable_ban_list_request()->set_room(room);
        hermes::codec::appendFrame(envelope, toHub);
        return;
    }
    std::size_t arg = 2;
    std::size_t withArgs = 0;
    bool plus = true;
    for (const char mode : modes) {
        if (mode == '+' || mode == '-') {
            plus = mode == '+';
            continue;
        }
        const std::string letter(1, mode);
        switch (mode) {
            case 'i':
                moderate(room,
                         plus ? hermes::v1::MODERATION_ACTION_INVITE_ONLY
                              : hermes::v1::MODERATION_ACTION_OPEN,
                         {}, hermes::v1::TARGET_KIND_NICK, {}, toHub);
                continue;
            case 't':
                moderate(room,
                         plus ? hermes::v1::MODERATION_ACTION_LOCK_TOPIC
                              : hermes::v1::MODERATION_ACTION_UNLOCK_TOPIC,
                         {}, hermes::v1::TARGET_KIND_NICK, {}, toHub);
                continue;
            case 'n':
                if (!plus) {
                    numeric(toClient, "472", {letter},
                            "is always set: only members may speak in a Hermes room");
                }
                continue;
            case 'o':
            case 'b':
            case 'q':
                break;
            case 'k':
                numeric(toClient, "472", {letter}, "Hermes rooms have no keys: use +i and INVITE");
                continue;
            case 'm':
                numeric(toClient, "472", {letter},
                        "Hermes has no moderated rooms: mute one member with +q NICK");
                continue;
            case 'v':
                numeric(toClient, "472", {letter},
                        "Hermes has no voice: members speak unless muted (+q)");
                continue;
            case 'l':
                numeric(toClient, "472", {letter}, "Hermes rooms have no member limit");
                continue;
            default:
                numeric(toClient, "472", {letter}, "is unknown mode char to me");
                continue;
        }
        // o, b, q: one argument each, at most kMaxModes in a line (ISUPPORT MODES).
        if (arg >= p.size()) {
            if (mode == 'b') {
                numeric(toClient, "368", {chan}, "End of channel ban list");
            } else {
                numeric(toClient, "461", {"MODE"}, "Not enough parameters");
            }
            continue;
        }
        if (++withArgs > kMaxModes) {
            break;
        }
        const std::string& value = p[arg++];
        if (mode == 'o') {
            moderate(room,
                     plus ? hermes::v1::MODERATION_ACTION_OP : hermes::v1::MODERATION_ACTION_DEOP,
                     value, hermes::v1::TARGET_KIND_NICK, {}, toHub);
            continue;
        }
        const std::optional<BanTarget> target = banTarget(value, settings_.host);
        if (!target) {
            numeric(toClient, "472", {letter},
                    value +
                        " is not a mask Hermes understands: a nick (no wildcards), "
                        "$a:ACCOUNT or *!*@ADDRESS");
            continue;
        }
        if (mode == 'q') {
            if (target->kind != hermes::v1::TARGET_KIND_NICK) {
                numeric(toClient, "472", {letter}, "Hermes mutes one member, by nick");
                continue;
            }
            moderate(
                room,
                plus ? hermes::v1::MODERATION_ACTION_MUTE : hermes::v1::MODERATION_ACTION_UNMUTE,
                target->target, hermes::v1::TARGET_KIND_NICK, {}, toHub);
            continue;
        }
        moderate(room,
                 plus ? hermes::v1::MODERATION_ACTION_BAN : hermes::v1::MODERATION_ACTION_UNBAN,
                 target->target, target->kind, {}, toHub);
    }
}

void IrcSession::kickCommand(const IrcLine& line, std::string& toHub, std::string& toClient) {
    const auto& p = line.params;
    if (p.size() < 2) {
        numeric(toClient, "461", {"KICK"}, "Not enough parameters");
        return;
    }
    const std::string room = isChannel(p[0]) ? roomOf(p[0]) : std::string();
    if (room.empty()) {
        numeric(toClient, "403", {p[0]}, "No such channel");
        return;
    }
    const std::vector<std::string> nicks = splitComma(p[1]);
    if (nicks.size() > kMaxTargets) {
        numeric(toClient, "407", {p[1]}, "Too many targets");
        return;
    }
    const std::string reason = p.size() > 2 ? stripFormatting(p[2]) : std::string();
    for (const std::string& nick : nicks) {
        moderate(room, hermes::v1::MODERATION_ACTION_KICK, nick, hermes::v1::TARGET_KIND_NICK,
                 reason, toHub);
    }
}

void IrcSession::inviteCommand(const IrcLine& line, std::string& toHub, std::string& toClient) {
    const auto& p = line.params;
    if (p.size() < 2) {
        numeric(toClient, "461", {"INVITE"}, "Not enough parameters");
        return;
    }
    const std::string room = isChannel(p[1]) ? roomOf(p[1]) : std::string();
    if (room.empty()) {
        numeric(toClient, "403", {p[1]}, "No such channel");
        return;
    }
    if (rooms_.count(room) == 0) {
        numeric(toClient, "442", {p[1]}, "You're not on that channel");
        return;
    }
    moderate(room, hermes::v1::MODERATION_ACTION_INVITE, p[0], hermes::v1::TARGET_KIND_NICK, {},
             toHub);
}

bool IrcSession::moderationPresence(const hermes::v1::Presence& presence, std::string& out) {
    using namespace hermes::v1;
    const std::string& room = presence.room();
    const std::string chan = channelOf(room);
    const std::string by = presence.by().empty() ? serverName_ : presence.by();
    if (isMe(presence.by())) {
        // Our request's answer: no longer in flight.
        const auto it = std::find_if(moderation_.begin(), moderation_.end(),
                                     [&](const ModerationAsk& a) { return a.room == room; });
        if (it != moderation_.end()) {
            moderation_.erase(it);
        }
    }
    const std::int64_t time = presence.time_ms();
    switch (presence.kind()) {
        case PRESENCE_KIND_MUTED:
        case PRESENCE_KIND_UNMUTED:
            for (const std::string& nick : presence.nicks()) {
                fromNick(
                    out, by, "MODE",
                    {chan, presence.kind() == PRESENCE_KIND_MUTED ? "+q" : "-q", nick + "!*@*"},
                    time);
            }
            return true;
        case PRESENCE_KIND_BANNED:
        case PRESENCE_KIND_UNBANNED:
            for (const std::string& nick : presence.nicks()) {
                fromNick(out, by, "MODE",
                         {chan, presence.kind() == PRESENCE_KIND_BANNED ? "+b" : "-b",
                          // A nick or an account; else an address (told the operator alone).
                          hermes::protocol::checkNick(nick) ? "*!*@" + nick : nick + "!*@*"},
                         time);
                if (presence.kind() == PRESENCE_KIND_BANNED && isMe(nick) && rooms_.count(room)) {
                    // The ban removed us from the room.
                    fromNick(out, by, "KICK",
                             {chan, nick, "Banned: " + sanitize(presence.reason())}, time);
                    rooms_.erase(room);
                }
            }
            return true;
        case PRESENCE_KIND_INVITED:
            for (const std::string& nick : presence.nicks()) {
                if (isMe(presence.by())) {
                    numeric(out, "341", {nick, chan});
                } else if (isMe(nick)) {
                    fromNick(out, by, "INVITE", {nick, chan}, time);
                } else {
                    return false;  // the room's notice
                }
            }
            return true;
        case PRESENCE_KIND_MODE_CHANGED: {
            // The hub's reason is the mode's name (ModerationRequests.cpp actionName).
            const std::string& what = presence.reason();
            const char* mode = what.rfind("topic locked", 0) == 0     ? "+t"
                               : what.rfind("topic unlocked", 0) == 0 ? "-t"
                               : what.rfind("invite-only", 0) == 0    ? "+i"
                               : what.rfind("open to all", 0) == 0    ? "-i"
                                                                      : nullptr;
            if (mode == nullptr) {
                return false;
            }
            fromNick(out, by, "MODE", {chan, mode}, time);
            return true;
        }
        default:
            return false;
    }
}

bool IrcSession::moderationError(const hermes::v1::Error& error, std::string& out) {
    using namespace hermes::v1;
    if (error.room().empty() || error.client_msg_id() != 0) {
        return false;
    }
    const auto it = std::find_if(moderation_.begin(), moderation_.end(),
                                 [&](const ModerationAsk& a) { return a.room == error.room(); });
    if (it == moderation_.end()) {
        return false;
    }
    const std::string who = it->target;
    moderation_.erase(it);
    switch (error.code()) {
        case ERROR_CODE_NO_SUCH_NICK:
        case ERROR_CODE_NOT_IN_ROOM:
        case ERROR_CODE_NOT_OPERATOR:
        case ERROR_CODE_INVALID_MODERATION:
        case ERROR_CODE_NO_SUCH_BAN:
        case ERROR_CODE_INVALID_TEXT:
            break;
        default:
            return false;
    }
    const std::string chan = channelOf(error.room());
    const std::string text = sanitize(error.text());
    switch (error.code()) {
        case ERROR_CODE_NO_SUCH_NICK:
            numeric(out, "401", {who}, "No such nick/channel");
            return true;
        case ERROR_CODE_NOT_IN_ROOM:
            numeric(out, "441", {who, chan}, "They aren't on that channel");
            return true;
        case ERROR_CODE_NOT_OPERATOR:
            numeric(out, "482", {chan}, "You're not channel operator: " + text);
            return true;
        default:
            // INVALID_MODERATION, NO_SUCH_BAN, INVALID_TEXT: the hub's words.
            out += ":" + serverName_ + " NOTICE " + target() + " :" + chan + ": " + text + "\r\n";
            return true;
    }
}

bool IrcSession::whoNickReply(const hermes::v1::WhoisReply& reply, std::string& out) {
    if (whoisForWho_.empty() || !whoisForWho_.front()) {
        return false;
    }
    whois_.pop_front();
    whoisForWho_.pop_front();
    const std::string& nick = reply.nick();
    // RFC 2812 3.6.1: a channel the nick is on ("*" for none), H or G.
    const std::string chan = reply.rooms().empty() ? std::string("*") : channelOf(reply.rooms(0));
    numeric(out, "352",
            {chan, nick, settings_.host, serverName_, nick, reply.away().empty() ? "H" : "G"},
            "0 " + (reply.client_name().empty() ? nick : sanitize(reply.client_name())));
    numeric(out, "315", {nick}, "End of /WHO list.");
    return true;
}

void IrcSession::banList(const hermes::v1::BanList& list, std::string& out) {
    const auto it = std::find(banLists_.begin(), banLists_.end(), list.room());
    if (it == banLists_.end()) {
        return;
    }
    banLists_.erase(it);
    const std::string chan = channelOf(list.room());
    for (const hermes::v1::BanEntry& ban : list.bans()) {
        std::string mask;
        switch (ban.kind()) {
            case hermes::v1::TARGET_KIND_ACCOUNT:
                mask = "$a:" + ban.target();
                break;
            case hermes::v1::TARGET_KIND_ADDRESS:
                mask = "*!*@" + ban.target();
                break;
            default:
                mask = ban.target() + "!*@*";
                break;
        }
        numeric(out, "367",
                {chan, mask, ban.set_by().empty() ? serverName_ : ban.set_by(),
                 std::to_string(ban.set_ms() / 1000)});
    }
    numeric(out, "368", {chan}, "End of channel ban list");
}

}  // namespace hermes::irc

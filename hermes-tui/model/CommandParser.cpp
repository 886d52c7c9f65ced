#include "model/CommandParser.hpp"

#include <algorithm>
#include <charconv>
#include <utility>

#include "hermes/v1/hermes.pb.h"
#include "model/KeyHelp.hpp"

namespace hermes::tui {

namespace {

struct Spec {
    const char* name;
    CommandKind kind;
    const char* args;  // as in the usage line; "" for none
    const char* summary;
    std::vector<const char*> aliases;
};

// Sorted by name: the help lists them in this order.
const std::vector<Spec>& specs() {
    static const std::vector<Spec> all = [] {
        std::vector<Spec> list = {
            {"away", CommandKind::Away, "[reason]", "mark yourself away; no reason: back", {}},
            {"ban",
             CommandKind::Moderate,
             "<who> [time] [why]",
             "ban from this room (operators)",
             {}},
            {"bans", CommandKind::Bans, "", "list this room's bans (operators)", {}},
            {"deop", CommandKind::Moderate, "<who>", "take operator from who", {}},
            {"delete", CommandKind::Delete, "<n>", "delete message n (yours, or as operator)", {}},
            {"edit", CommandKind::Edit, "<n> <text>", "replace the text of your message n", {}},
            {"react", CommandKind::React, "[n] <emoji>", "react to message n (or the newest)", {}},
            {"reply", CommandKind::Reply, "[n] <text>", "answer message n (or the newest)", {}},
            {"seqs", CommandKind::Seqs, "", "show or hide message numbers [n]", {}},
            {"unreact", CommandKind::Unreact, "[n] <emoji>", "take back your reaction", {}},
            {"clear", CommandKind::Clear, "", "clear this window", {}},
            {"close", CommandKind::Close, "", "close this window; in a room, part it", {}},
            {"context", CommandKind::Context, "<n>", "show search hit n in its room", {}},
            {"help", CommandKind::Help, "[command]", "this help, or one command's", {}},
            {"gban", CommandKind::Moderate, "<who> [time] [why]", "ban from the hub", {"hubban"}},
            {"gbans", CommandKind::Bans, "", "list the hub's bans", {"hubbans"}},
            {"gunban", CommandKind::Moderate, "<who>", "lift a hub-wide ban", {"hubunban"}},
            {"ignore", CommandKind::Ignore, "[nick]", "hide a nick's messages (no nick: list)", {}},
            {"invite", CommandKind::Moderate, "<nick>", "let nick join this room once", {}},
            {"join", CommandKind::Join, "<room>", "join (or create) a room", {"j"}},
            {"kick", CommandKind::Moderate, "<nick> [reason]", "remove nick from this room", {}},
            {"me", CommandKind::Me, "<action>", "say an action: * nick action", {}},
            {"members", CommandKind::Members, "", "show or hide the member list (F2)", {}},
            {"mode", CommandKind::Moderate, "<+t|-t|+i|-i>", "topic lock, invite-only", {}},
            {"msg", CommandKind::Msg, "<nick> <text>", "private message", {}},
            {"mute", CommandKind::Moderate, "<nick> [reason]", "nick may not speak here", {}},
            {"nick", CommandKind::Nick, "<nick>", "change your nick", {}},
            {"op", CommandKind::Moderate, "<who>", "make who an operator of this room", {}},
            {"part", CommandKind::Part, "[room] [reason]", "leave this or another room", {"leave"}},
            {"query",
             CommandKind::Query,
             "<nick> [text]",
             "private window with nick (and say text)",
             {}},
            {"quit", CommandKind::Quit, "[message]", "leave Hermes", {"exit"}},
            {"retry", CommandKind::Retry, "", "send again what was not sent here", {}},
            {"rooms", CommandKind::Rooms, "", "list the hub's rooms", {"list"}},
            {"search",
             CommandKind::Search,
             "[#room] <words>",
             "find messages (default: this window)",
             {}},
            {"search-more", CommandKind::SearchMore, "", "older hits of the last /search", {}},
            {"topic", CommandKind::Topic, "[text]", "show or set the room's topic", {}},
            {"unban", CommandKind::Moderate, "<who>", "lift a ban in this room", {}},
            {"unignore", CommandKind::Unignore, "<nick>", "show nick's messages again", {}},
            {"unmute", CommandKind::Moderate, "<nick>", "nick may speak here again", {}},
            {"who", CommandKind::Who, "[room]", "list a room's members", {"names"}},
            {"whois", CommandKind::Whois, "<nick>", "who nick is: rooms, idle, away, client", {}},
            {"identify",
             CommandKind::Identify,
             "[nick] <pass>",
             "sign in to a registered nick",
             {}},
            {"password",
             CommandKind::Password,
             "<old> <new>",
             "change the password of your registered nick",
             {}},
            {"register",
             CommandKind::Register,
             "<password>",
             "register your nick with a password",
             {}},
            {"upload", CommandKind::Upload, "<path>", "share a file in this room", {}},
            {"download",
             CommandKind::Download,
             "<n> [path]",
             "fetch the file of message #n (resumes)",
             {}},
            {"window", CommandKind::Window, "<n>", "switch to window n, as Alt-n does", {"win"}},
        };
        std::sort(list.begin(), list.end(), [](const Spec& a, const Spec& b) {
            return std::string_view(a.name) < std::string_view(b.name);
        });
        return list;
    }();
    return all;
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
        s.remove_prefix(1);
    }
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) {
        s.remove_suffix(1);
    }
    return s;
}

// Splits off the first word; `rest` is what follows, trimmed.
std::string_view firstWord(std::string_view s, std::string_view& rest) {
    s = trim(s);
    const auto space = s.find_first_of(" \t");
    if (space == std::string_view::npos) {
        rest = {};
        return s;
    }
    rest = trim(s.substr(space));
    return s.substr(0, space);
}

std::string lower(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(), [](unsigned char ch) {
        return static_cast<char>(ch >= 'A' && ch <= 'Z' ? ch + 32 : ch);
    });
    return out;
}

// The command a name or alias (without '/', any case) stands for.
const Spec* findSpec(std::string_view name) {
    const std::string wanted = lower(name);
    for (const Spec& s : specs()) {
        if (wanted == s.name ||
            std::find(s.aliases.begin(), s.aliases.end(), wanted) != s.aliases.end()) {
            return &s;
        }
    }
    return nullptr;
}

std::string usageOf(const Spec& s) {
    return std::string("/") + s.name + (*s.args != '\0' ? std::string(" ") + s.args : "");
}

// "/join <room>   join (or create) a room (also /j)", usages padded to one column.
std::string helpLine(const Spec& s) {
    static const std::size_t column = [] {
        std::size_t widest = 0;
        for (const Spec& spec : specs()) {
            widest = std::max(widest, usageOf(spec).size());
        }
        return widest + 2;
    }();
    std::string line = usageOf(s);
    line.resize(column, ' ');
    line += s.summary;
    for (std::size_t i = 0; i < s.aliases.size(); ++i) {
        line += (i == 0 ? " (also /" : ", /") + std::string(s.aliases[i]);
    }
    return line + (s.aliases.empty() ? "" : ")");
}

Command invalid(std::string error, std::string name = {}) {
    Command c;
    c.kind = CommandKind::Invalid;
    c.error = std::move(error);
    c.arg = std::move(name);
    return c;
}

std::string unknown(std::string_view name) {
    return "unknown command /" + std::string(name) + "; /help lists them";
}

Command usage(const Spec& s) {
    return invalid("usage: " + usageOf(s), s.name);
}

// "30s", "10m", "2h", "7d": seconds; nothing if `word` is no duration.
std::optional<std::uint32_t> duration(std::string_view word) {
    if (word.size() < 2) {
        return std::nullopt;
    }
    std::uint32_t unit = 0;
    switch (word.back()) {
        case 's':
            unit = 1;
            break;
        case 'm':
            unit = 60;
            break;
        case 'h':
            unit = 3600;
            break;
        case 'd':
            unit = 86400;
            break;
        default:
            return std::nullopt;
    }
    std::uint32_t n = 0;
    const auto [ptr, ec] = std::from_chars(word.data(), word.data() + word.size() - 1, n);
    if (ec != std::errc{} || ptr != word.data() + word.size() - 1 || n == 0 ||
        n > 366U * 86400 / unit) {
        return std::nullopt;
    }
    return n * unit;
}

// "account:NAME", "address:IP" or a nick.
void setTarget(Command& c, std::string_view target) {
    constexpr std::string_view kAccount = "account:";
    constexpr std::string_view kAddress = "address:";
    if (target.substr(0, kAccount.size()) == kAccount) {
        c.targetKind = v1::TARGET_KIND_ACCOUNT;
        target.remove_prefix(kAccount.size());
    } else if (target.substr(0, kAddress.size()) == kAddress) {
        c.targetKind = v1::TARGET_KIND_ADDRESS;
        target.remove_prefix(kAddress.size());
    } else {
        c.targetKind = v1::TARGET_KIND_NICK;
    }
    c.arg = std::string(target);
}

// The moderation commands: which action, and what follows it.
Command parseModeration(const Spec& spec, std::string_view rest) {
    Command c;
    c.kind = CommandKind::Moderate;
    const std::string name = spec.name;
    std::string_view after;
    if (name == "mode") {
        const std::string_view mode = firstWord(rest, after);
        if (!after.empty()) {
            return usage(spec);
        }
        if (mode == "+t") {
            c.number = v1::MODERATION_ACTION_LOCK_TOPIC;
        } else if (mode == "-t") {
            c.number = v1::MODERATION_ACTION_UNLOCK_TOPIC;
        } else if (mode == "+i") {
            c.number = v1::MODERATION_ACTION_INVITE_ONLY;
        } else if (mode == "-i") {
            c.number = v1::MODERATION_ACTION_OPEN;
        } else {
            return usage(spec);
        }
        return c;
    }
    const std::string_view target = firstWord(rest, after);
    if (target.empty()) {
        return usage(spec);
    }
    setTarget(c, target);
    c.hubWide = name == "gban" || name == "gunban";
    const bool ban = name == "ban" || name == "gban";
    const bool takesReason = ban || name == "kick" || name == "mute";
    const bool takesAccount =
        ban || name == "unban" || name == "gunban" || name == "op" || name == "deop";
    const bool takesAddress = ban || name == "unban" || name == "gunban";
    if ((c.targetKind == v1::TARGET_KIND_ACCOUNT && !takesAccount) ||
        (c.targetKind == v1::TARGET_KIND_ADDRESS && !takesAddress) ||
        (!takesReason && !after.empty()) || c.arg.empty()) {
        return usage(spec);
    }
    if (ban) {
        std::string_view more;
        const std::string_view word = firstWord(after, more);
        if (const auto seconds = duration(word)) {
            c.expirySeconds = *seconds;
            after = more;
        }
    }
    c.text = std::string(after);
    c.hasText = !after.empty();
    if (name == "kick") {
        c.number = v1::MODERATION_ACTION_KICK;
    } else if (ban) {
        c.number = v1::MODERATION_ACTION_BAN;
    } else if (name == "unban" || name == "gunban") {
        c.number = v1::MODERATION_ACTION_UNBAN;
    } else if (name == "mute") {
        c.number = v1::MODERATION_ACTION_MUTE;
    } else if (name == "unmute") {
        c.number = v1::MODERATION_ACTION_UNMUTE;
    } else if (name == "op") {
        c.number = v1::MODERATION_ACTION_OP;
    } else if (name == "deop") {
        c.number = v1::MODERATION_ACTION_DEOP;
    } else {
        c.number = v1::MODERATION_ACTION_INVITE;
    }
    return c;
}

}  // namespace

Command CommandParser::parse(std::string_view line) {
    Command c;
    if (trim(line).empty()) {
        return c;
    }
    if (line.front() != '/' || line.rfind("//", 0) == 0) {
        c.kind = CommandKind::Say;
        c.text = std::string(line.front() == '/' ? line.substr(1) : line);
        return c;
    }
    std::string_view rest;
    const std::string_view name = firstWord(line.substr(1), rest);
    const Spec* spec = findSpec(name);
    if (spec == nullptr) {
        return invalid(unknown(name));
    }
    if (spec->kind == CommandKind::Moderate) {
        return parseModeration(*spec, rest);
    }
    c.kind = spec->kind;
    c.hubWide = std::string_view(spec->name) == "gbans";
    std::string_view after;
    switch (c.kind) {
        case CommandKind::Join:
        case CommandKind::Nick:
        case CommandKind::Unignore:
        case CommandKind::Whois:
            c.arg = std::string(firstWord(rest, after));
            if (c.arg.empty() || !after.empty()) {
                return usage(*spec);
            }
            break;
        case CommandKind::Upload:
            c.text = std::string(trim(rest));
            if (c.text.empty()) {
                return usage(*spec);
            }
            break;
        case CommandKind::Download: {
            c.arg = std::string(firstWord(rest, after));
            c.text = std::string(after);
            std::uint64_t seq = 0;
            const auto [end, error] =
                std::from_chars(c.arg.data(), c.arg.data() + c.arg.size(), seq);
            if (c.arg.empty() || error != std::errc() || end != c.arg.data() + c.arg.size() ||
                seq == 0) {
                return usage(*spec);
            }
            break;
        }
        case CommandKind::Msg:
            c.arg = std::string(firstWord(rest, after));
            c.text = std::string(after);
            c.hasText = true;
            if (c.arg.empty() || c.text.empty()) {
                return usage(*spec);
            }
            break;
        case CommandKind::Query:
            c.arg = std::string(firstWord(rest, after));
            c.text = std::string(after);
            c.hasText = !after.empty();
            if (c.arg.empty()) {
                return usage(*spec);
            }
            break;
        case CommandKind::Me:
            c.text = std::string(rest);
            c.hasText = true;
            if (c.text.empty()) {
                return usage(*spec);
            }
            break;
        case CommandKind::Part:
            c.arg = std::string(firstWord(rest, after));
            c.text = std::string(after);
            break;
        case CommandKind::Who:
        case CommandKind::Ignore:
            c.arg = std::string(firstWord(rest, after));
            if (!after.empty()) {
                return usage(*spec);
            }
            break;
        case CommandKind::Topic:
        case CommandKind::Quit:
        case CommandKind::Away:
            c.text = std::string(rest);
            c.hasText = !rest.empty();
            break;
        case CommandKind::Help: {
            std::string_view topic = firstWord(rest, after);
            if (!after.empty()) {
                return usage(*spec);
            }
            if (!topic.empty() && topic.front() == '/') {
                topic.remove_prefix(1);
            }
            if (!topic.empty()) {
                const Spec* about = findSpec(topic);
                if (about == nullptr) {
                    return invalid(unknown(topic));
                }
                c.arg = about->name;
            }
            break;
        }
        case CommandKind::Search:
            // Only a '#' marks a room: "/search deploy failed" searches this room.
            if (!rest.empty() && rest.front() == '#') {
                c.arg = std::string(firstWord(rest, after));
                rest = after;
            }
            c.text = std::string(rest);
            c.hasText = true;
            if (c.text.empty()) {
                return usage(*spec);
            }
            break;
        case CommandKind::Register:
            c.text = std::string(firstWord(rest, after));
            if (c.text.empty() || !after.empty()) {
                return usage(*spec);
            }
            break;
        case CommandKind::Identify:
        case CommandKind::Password: {
            const std::string first(firstWord(rest, after));
            std::string_view extra;
            const std::string second(firstWord(after, extra));
            if (first.empty() || !extra.empty() ||
                (c.kind == CommandKind::Password && second.empty())) {
                return usage(*spec);
            }
            // /identify <password> or /identify <nick> <password>
            c.arg = second.empty() ? std::string() : first;
            c.text = second.empty() ? first : second;
            break;
        }
        case CommandKind::Reply:
        case CommandKind::Edit:
        case CommandKind::Delete:
        case CommandKind::React:
        case CommandKind::Unreact: {
            // "[n] text": a leading number is the message's seq.
            std::string_view more;
            const std::string_view n = firstWord(rest, more);
            std::uint64_t seq = 0;
            const auto [ptr, ec] = std::from_chars(n.data(), n.data() + n.size(), seq);
            const bool numbered = !n.empty() && ec == std::errc{} && ptr == n.data() + n.size();
            const bool seqNeeded = c.kind == CommandKind::Edit || c.kind == CommandKind::Delete;
            // A reply of just a number is text, not a seq with nothing to say.
            if (numbered && (seqNeeded || !more.empty())) {
                if (seq == 0) {
                    return usage(*spec);
                }
                c.seq = seq;
                rest = more;
            } else if (seqNeeded) {
                return usage(*spec);
            }
            c.text = std::string(rest);
            c.hasText = !rest.empty();
            const bool oneWord = c.kind == CommandKind::React || c.kind == CommandKind::Unreact;
            if ((c.kind == CommandKind::Delete) == c.hasText ||
                (oneWord && c.text.find_first_of(" \t") != std::string::npos)) {
                return usage(*spec);
            }
            break;
        }
        case CommandKind::Window:
        case CommandKind::Context: {
            const std::string_view n = firstWord(rest, after);
            int value = 0;
            const auto [ptr, ec] = std::from_chars(n.data(), n.data() + n.size(), value);
            if (n.empty() || ec != std::errc{} || ptr != n.data() + n.size() || value < 1 ||
                !after.empty()) {
                return usage(*spec);
            }
            c.number = value;
            break;
        }
        default:
            if (!rest.empty()) {
                return invalid("/" + std::string(spec->name) + " takes no arguments", spec->name);
            }
            break;
    }
    return c;
}

std::optional<std::size_t> CommandParser::secretFrom(std::string_view line) {
    if (line.empty() || line.front() != '/' || line.substr(0, 2) == "//") {
        return std::nullopt;
    }
    std::string_view rest;
    const std::string_view name = firstWord(line.substr(1), rest);
    const Spec* spec = findSpec(name);
    if (spec == nullptr ||
        (spec->kind != CommandKind::Register && spec->kind != CommandKind::Identify &&
         spec->kind != CommandKind::Password)) {
        return std::nullopt;
    }
    // From the first byte after the command's name and its spaces.
    if (rest.empty()) {
        return line.size();
    }
    // /identify <nick> <password>: the nick may show.
    if (spec->kind == CommandKind::Identify) {
        std::string_view after;
        firstWord(rest, after);
        if (!after.empty()) {
            return static_cast<std::size_t>(after.data() - line.data());
        }
    }
    return static_cast<std::size_t>(rest.data() - line.data());
}

const std::vector<std::string>& CommandParser::commandNames() {
    static const std::vector<std::string> names = [] {
        std::vector<std::string> out;
        for (const Spec& s : specs()) {
            out.push_back(std::string("/") + s.name);
        }
        std::sort(out.begin(), out.end());
        return out;
    }();
    return names;
}

std::vector<std::string> CommandParser::helpLines() {
    std::vector<std::string> out;
    for (const Spec& s : specs()) {
        out.push_back(helpLine(s));
    }
    out.emplace_back("/help <command> tells more about one command.");
    const std::vector<std::string> keys = keyHelpLines();
    out.insert(out.end(), keys.begin(), keys.end());
    return out;
}

std::optional<std::vector<std::string>> CommandParser::helpFor(std::string_view name) {
    if (!name.empty() && name.front() == '/') {
        name.remove_prefix(1);
    }
    const Spec* s = findSpec(name);
    if (s == nullptr) {
        return std::nullopt;
    }
    std::vector<std::string> out{helpLine(*s)};
    switch (s->kind) {
        case CommandKind::Close:
            out.emplace_back("  In a room window it parts the room (the window goes once the hub");
            out.emplace_back("  confirms); a private or search window just closes; the status");
            out.emplace_back("  window stays.");
            break;
        case CommandKind::Ignore:
        case CommandKind::Unignore:
            out.emplace_back("  Ignoring is local and ignores case: that nick's room and private");
            out.emplace_back("  messages are not shown (a note says so once per window); it is");
            out.emplace_back("  kept in the config file (ignore = ...) across restarts.");
            break;
        case CommandKind::Away:
            out.emplace_back("  Your rooms see you away; a private message to you gets your");
            out.emplace_back("  reason as an answer. It is sent again after a reconnect.");
            break;
        case CommandKind::Query:
            out.emplace_back("  /msg <nick> <text> does the same, text required.");
            break;
        case CommandKind::Quit:
            out.emplace_back("  Lines still on their way to the hub are waited for, up to 10 s;");
            out.emplace_back("  /quit again leaves at once. The exit status is 0 only if every");
            out.emplace_back("  line you typed reached its room.");
            break;
        case CommandKind::Moderate:
        case CommandKind::Bans:
            out.emplace_back(
                "  Operators only: a room's creator and whoever an operator makes one;");
            out.emplace_back(
                "  hub operators (hub.operators) everywhere, and /gban. Who is a nick,");
            out.emplace_back("  account:NAME or (bans) address:IP; time is 30s, 10m, 2h or 7d.");
            out.emplace_back("  /mode +t: only operators set the topic; +i: invite-only (an");
            out.emplace_back(
                "  invite admits one join). A ban removes who it names from the room.");
            break;
        case CommandKind::Retry:
            out.emplace_back("  A line the hub refused, or that the connection lost, stays in its");
            out.emplace_back("  window marked [not sent: why; /retry] until you retry or /clear.");
            break;
        case CommandKind::Register:
        case CommandKind::Identify:
        case CommandKind::Password:
            out.emplace_back("  A registered nick needs its password to be used: hermes-tui sends");
            out.emplace_back("  it when it connects (password = in the config, or it asks). What");
            out.emplace_back("  you type after these commands is masked and never kept. /identify");
            out.emplace_back("  <nick> <password> lets you /nick to a nick registered to you.");
            out.emplace_back("  Passwords with spaces: set them in the config file.");
            break;
        default:
            break;
    }
    return out;
}

}  // namespace hermes::tui

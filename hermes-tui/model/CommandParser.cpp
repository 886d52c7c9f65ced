#include "model/CommandParser.hpp"

#include <algorithm>
#include <charconv>
#include <utility>

#include "model/KeyHelp.hpp"

namespace hermes::tui {

namespace {

struct Spec {
    const char* name;
    CommandKind kind;
    const char* usage;
};

constexpr Spec kSpecs[] = {
    {"clear", CommandKind::Clear, "/clear                 clear this window"},
    {"context", CommandKind::Context, "/context <n>           show search hit n in its room"},
    {"help", CommandKind::Help, "/help [command]        this help"},
    {"join", CommandKind::Join, "/join <room>           join (or create) a room"},
    {"me", CommandKind::Me, "/me <action>           say an action: * nick action"},
    {"members", CommandKind::Members, "/members               show or hide the member list (F2)"},
    {"msg", CommandKind::Msg, "/msg <nick> <text>     private message"},
    {"nick", CommandKind::Nick, "/nick <nick>           change your nick"},
    {"part", CommandKind::Part, "/part [room] [reason]  leave a room (default: this one)"},
    {"quit", CommandKind::Quit, "/quit [message]        leave Hermes"},
    {"rooms", CommandKind::Rooms, "/rooms                 list the hub's rooms"},
    {"search", CommandKind::Search, "/search [#room] <words> find messages (default: this room)"},
    {"search-more", CommandKind::SearchMore,
     "/search-more           older hits of the last /search"},
    {"topic", CommandKind::Topic, "/topic [text]          show or set the room's topic"},
    {"who", CommandKind::Who, "/who [room]            list a room's members"},
    {"window", CommandKind::Window, "/window <n>            switch to window n (also Alt-n)"},
};

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

Command help(std::string error, std::string topic = {}) {
    Command c;
    c.kind = CommandKind::Help;
    c.error = std::move(error);
    c.arg = std::move(topic);
    return c;
}

std::string lower(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(), [](unsigned char ch) {
        return static_cast<char>(ch >= 'A' && ch <= 'Z' ? ch + 32 : ch);
    });
    return out;
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
    const std::string name = lower(firstWord(line.substr(1), rest));
    const auto* spec = std::find_if(std::begin(kSpecs), std::end(kSpecs),
                                    [&](const Spec& s) { return name == s.name; });
    if (spec == std::end(kSpecs)) {
        return help("unknown command: /" + name);
    }
    c.kind = spec->kind;
    std::string_view after;
    switch (c.kind) {
        case CommandKind::Join:
        case CommandKind::Nick:
            c.arg = std::string(firstWord(rest, after));
            if (c.arg.empty() || !after.empty()) {
                return help("usage: " + std::string(spec->usage), name);
            }
            break;
        case CommandKind::Msg:
            c.arg = std::string(firstWord(rest, after));
            c.text = std::string(after);
            c.hasText = true;
            if (c.arg.empty() || c.text.empty()) {
                return help("usage: " + std::string(spec->usage), name);
            }
            break;
        case CommandKind::Me:
            c.text = std::string(rest);
            c.hasText = true;
            if (c.text.empty()) {
                return help("usage: " + std::string(spec->usage), name);
            }
            break;
        case CommandKind::Part:
            c.arg = std::string(firstWord(rest, after));
            c.text = std::string(after);
            break;
        case CommandKind::Who:
            c.arg = std::string(firstWord(rest, after));
            break;
        case CommandKind::Topic:
        case CommandKind::Quit:
            c.text = std::string(rest);
            c.hasText = !rest.empty();
            break;
        case CommandKind::Help:
            c.arg = std::string(rest);
            if (!c.arg.empty() && c.arg.front() == '/') {
                c.arg.erase(0, 1);
            }
            break;
        case CommandKind::Search:
            // Only a '#' marks a room: "/search deploy failed" searches this room.
            if (!rest.empty() && rest.front() == '#') {
                c.arg = std::string(firstWord(rest, after));
                rest = after;
            }
            c.text = std::string(rest);
            c.hasText = true;
            if (c.text.empty()) {
                return help("usage: " + std::string(spec->usage), name);
            }
            break;
        case CommandKind::Window:
        case CommandKind::Context: {
            const std::string_view n = firstWord(rest, after);
            int value = 0;
            const auto [ptr, ec] = std::from_chars(n.data(), n.data() + n.size(), value);
            if (n.empty() || ec != std::errc{} || ptr != n.data() + n.size() || value < 1 ||
                !after.empty()) {
                return help("usage: " + std::string(spec->usage), name);
            }
            c.number = value;
            break;
        }
        default:
            if (!rest.empty()) {
                return help("/" + name + " takes no arguments", name);
            }
            break;
    }
    return c;
}

const std::vector<std::string>& CommandParser::commandNames() {
    static const std::vector<std::string> names = [] {
        std::vector<std::string> out;
        for (const Spec& s : kSpecs) {
            out.push_back(std::string("/") + s.name);
        }
        std::sort(out.begin(), out.end());
        return out;
    }();
    return names;
}

std::vector<std::string> CommandParser::helpLines() {
    std::vector<std::string> out;
    for (const Spec& s : kSpecs) {
        out.emplace_back(s.usage);
    }
    const std::vector<std::string> keys = keyHelpLines();
    out.insert(out.end(), keys.begin(), keys.end());
    return out;
}

}  // namespace hermes::tui

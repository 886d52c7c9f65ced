#include "hermes/irc/IrcLine.hpp"

namespace hermes::irc {

namespace {

std::string_view nextWord(std::string_view& rest) {
    const std::size_t start = rest.find_first_not_of(' ');
    if (start == std::string_view::npos) {
        rest = {};
        return {};
    }
    rest.remove_prefix(start);
    const std::size_t end = rest.find(' ');
    const std::string_view word = rest.substr(0, end);
    rest = end == std::string_view::npos ? std::string_view{} : rest.substr(end);
    return word;
}

void skipSpaces(std::string_view& rest) {
    const std::size_t start = rest.find_first_not_of(' ');
    rest = start == std::string_view::npos ? std::string_view{} : rest.substr(start);
}

}  // namespace

std::string asciiUpper(std::string_view text) {
    std::string upper(text);
    for (char& c : upper) {
        if (c >= 'a' && c <= 'z') {
            c = static_cast<char>(c - 'a' + 'A');
        }
    }
    return upper;
}

std::string IrcLine::upperCommand() const {
    return asciiUpper(command);
}

std::optional<std::string_view> IrcLine::tag(std::string_view key) const {
    for (const auto& [name, value] : tags) {
        if (name == key) {
            return std::string_view(value);
        }
    }
    return std::nullopt;
}

void IrcLine::serialize(std::string& out) const {
    if (!tags.empty()) {
        out += '@';
        bool first = true;
        for (const auto& [name, value] : tags) {
            if (!first) {
                out += ';';
            }
            first = false;
            out += name;
            if (!value.empty()) {
                out += '=';
                appendEscapedTagValue(value, out);
            }
        }
        out += ' ';
    }
    if (!prefix.empty()) {
        out += ':';
        out += prefix;
        out += ' ';
    }
    out += command;
    for (std::size_t i = 0; i < params.size(); ++i) {
        out += ' ';
        const std::string& param = params[i];
        const bool last = i + 1 == params.size();
        if (last && (trailing || param.empty() || param.front() == ':' ||
                     param.find(' ') != std::string::npos)) {
            out += ':';
        }
        out += param;
    }
    out += "\r\n";
}

std::string IrcLine::serialize() const {
    std::string out;
    serialize(out);
    return out;
}

std::optional<IrcLine> parseIrcLine(std::string_view line) {
    IrcLine parsed;
    std::string_view rest = line;
    skipSpaces(rest);
    if (!rest.empty() && rest.front() == '@') {
        std::string_view tags = nextWord(rest).substr(1);
        while (!tags.empty()) {
            const std::size_t end = tags.find(';');
            const std::string_view tag = tags.substr(0, end);
            tags = end == std::string_view::npos ? std::string_view{} : tags.substr(end + 1);
            if (tag.empty()) {
                continue;
            }
            const std::size_t equals = tag.find('=');
            if (equals == std::string_view::npos) {
                parsed.tags.emplace_back(std::string(tag), std::string());
            } else {
                parsed.tags.emplace_back(std::string(tag.substr(0, equals)),
                                         unescapeTagValue(tag.substr(equals + 1)));
            }
        }
        skipSpaces(rest);
    }
    if (!rest.empty() && rest.front() == ':') {
        parsed.prefix = std::string(nextWord(rest).substr(1));
    }
    parsed.command = std::string(nextWord(rest));
    if (parsed.command.empty()) {
        return std::nullopt;
    }
    while (true) {
        skipSpaces(rest);
        if (rest.empty()) {
            break;
        }
        if (rest.front() == ':' || parsed.params.size() + 1 == IrcLine::kMaxParams) {
            if (rest.front() == ':') {
                rest.remove_prefix(1);
                parsed.trailing = true;
            }
            parsed.params.emplace_back(rest);
            break;
        }
        parsed.params.emplace_back(nextWord(rest));
    }
    return parsed;
}

void appendEscapedTagValue(std::string_view value, std::string& out) {
    for (const char c : value) {
        switch (c) {
            case ';':
                out += "\\:";
                break;
            case ' ':
                out += "\\s";
                break;
            case '\\':
                out += "\\\\";
                break;
            case '\r':
                out += "\\r";
                break;
            case '\n':
                out += "\\n";
                break;
            default:
                out += c;
        }
    }
}

std::string unescapeTagValue(std::string_view value) {
    std::string out;
    out.reserve(value.size());
    for (std::size_t i = 0; i < value.size(); ++i) {
        if (value[i] != '\\') {
            out += value[i];
            continue;
        }
        if (i + 1 == value.size()) {
            break;  // a lone trailing backslash is dropped (IRCv3)
        }
        const char next = value[++i];
        switch (next) {
            case ':':
                out += ';';
                break;
            case 's':
                out += ' ';
                break;
            case 'r':
                out += '\r';
                break;
            case 'n':
                out += '\n';
                break;
            default:
                out += next;  // "\\" and any other escaped character: itself
        }
    }
    return out;
}

}  // namespace hermes::irc

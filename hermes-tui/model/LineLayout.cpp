#include "model/LineLayout.hpp"

#include <algorithm>
#include <ctime>

#include "model/MessageEvents.hpp"
#include "model/Utf8.hpp"
#include "model/WordWrap.hpp"

namespace hermes::tui {

std::string clockText(std::int64_t timeMs) {
    const auto t = static_cast<std::time_t>(timeMs / 1000);
    std::tm tm{};
    localtime_r(&t, &tm);
    char out[8];
    std::strftime(out, sizeof out, "%H:%M", &tm);
    return out;
}

namespace {

// `text` cut to `columns` of display width.
std::string fitted(const std::string& text, int columns) {
    return text.substr(0, utf8::prefixFitting(text, columns));
}

}  // namespace

std::string sendMark(const Line& line) {
    switch (line.send) {
        case SendState::None:
            return {};
        case SendState::Queued:
            return " [queued]";
        case SendState::Sending:
            return " [sending]";
        case SendState::Failed:
            return " [not sent: " +
                   (line.sendNote.empty() ? std::string("failed") : line.sendNote) + "; /retry]";
    }
    return {};
}

LineLayout layoutLine(const Line& line, int width) {
    width = std::max(1, width);
    LineLayout out;
    std::vector<PrefixPiece>& prefix = out.prefix;
    if (line.seqShown) {
        prefix.push_back({"[" + std::to_string(line.seq) + "] ", PrefixRole::Plain});
    }
    prefix.push_back({clockText(line.timeMs) + " ", PrefixRole::Plain});
    switch (line.kind) {
        case LineKind::Text:
            prefix.push_back({"<", PrefixRole::Plain});
            prefix.push_back({line.nick, PrefixRole::Nick});
            prefix.push_back({"> ", PrefixRole::Plain});
            break;
        case LineKind::Action:
            prefix.push_back({"* ", PrefixRole::Plain});
            prefix.push_back({line.nick, PrefixRole::Nick});
            prefix.push_back({" ", PrefixRole::Plain});
            break;
        case LineKind::Presence:
            prefix.push_back({"-!- ", PrefixRole::PresenceMark});
            break;
        case LineKind::Notice:
            prefix.push_back({"-- ", PrefixRole::NoticeMark});
            if (!line.nick.empty()) {
                prefix.push_back({line.nick + ": ", PrefixRole::NoticeMark});
            }
            break;
        case LineKind::Error:
            prefix.push_back({"!! ", PrefixRole::ErrorMark});
            break;
    }
    int prefixWidth = 0;
    for (const PrefixPiece& p : prefix) {
        prefixWidth += utf8::displayWidth(p.text);
    }
    out.indent = prefixWidth <= width / 2 ? prefixWidth : 2;
    const int firstWidth = std::max(1, width - prefixWidth);
    const int restWidth = std::max(1, width - out.indent);
    const std::string text = line.deleted  ? std::string("(deleted)")
                             : line.edited ? line.text + " (edited)" + sendMark(line)
                                           : line.text + sendMark(line);
    out.rows = wordWrap(text, firstWidth);
    if (out.rows.size() > 1 && firstWidth != restWidth) {
        // Re-wrap what follows the first row at the continuation width.
        std::string first = out.rows.front();
        std::string rest = text.substr(std::min(text.size(), first.size()));
        if (!rest.empty() && rest.front() == ' ') {
            rest.erase(0, 1);
        }
        out.rows = wordWrap(rest, restWidth);
        out.rows.insert(out.rows.begin(), std::move(first));
    }
    if (line.replyTo != 0) {
        out.quote = fitted("  > " + line.quote, width);
    }
    if (!line.deleted && !line.reactions.empty()) {
        out.reactions = fitted("  " + reactionSummary(line), width);
    }
    return out;
}

std::size_t lineRowCount(const Line& line, int width) {
    return std::max<std::size_t>(1, layoutLine(line, width).rowCount());
}

}  // namespace hermes::tui

#include "model/MessageEvents.hpp"

#include <algorithm>

namespace hermes::tui {

namespace v1 = hermes::v1;

namespace {

bool isMessage(const Line& line) {
    return line.seq != 0 && !line.deleted &&
           (line.kind == LineKind::Text || line.kind == LineKind::Action);
}

std::string lowerAscii(std::string s) {
    for (char& c : s) {
        if (c >= 'A' && c <= 'Z') {
            c = static_cast<char>(c + 32);
        }
    }
    return s;
}

bool sameNick(const std::string& a, const std::string& b) {
    return lowerAscii(a) == lowerAscii(b);
}

// Whom the hub counts a reaction under: its reactor, or (a hub before
// reactors) the nick, folded.
std::string reactorOf(const v1::ChatMessage& event) {
    return event.reactor().empty() ? lowerAscii(event.from()) : event.reactor();
}

}  // namespace

bool isMessageEvent(v1::MessageKind kind) {
    return kind == v1::MESSAGE_KIND_EDIT || kind == v1::MESSAGE_KIND_DELETE ||
           kind == v1::MESSAGE_KIND_REACT || kind == v1::MESSAGE_KIND_UNREACT;
}

bool applyMessageEvent(Buffer& buffer, const v1::ChatMessage& event) {
    Line* line = buffer.findSeq(event.target_seq());
    if (line == nullptr) {
        return false;
    }
    switch (event.kind()) {
        case v1::MESSAGE_KIND_EDIT:
            line->text = event.text();
            line->edited = true;
            break;
        case v1::MESSAGE_KIND_DELETE:
            line->deleted = true;
            line->reactions.clear();
            break;
        case v1::MESSAGE_KIND_REACT: {
            auto it = std::find_if(line->reactions.begin(), line->reactions.end(),
                                   [&](const Reaction& r) { return r.text == event.reaction(); });
            if (it == line->reactions.end()) {
                line->reactions.push_back({event.reaction(), {}, {}});
                it = line->reactions.end() - 1;
            }
            const std::string reactor = reactorOf(event);
            const auto there = std::find(it->reactors.begin(), it->reactors.end(), reactor);
            if (there == it->reactors.end()) {
                it->reactors.push_back(reactor);
                it->nicks.push_back(event.from());
            } else {
                it->nicks[static_cast<std::size_t>(there - it->reactors.begin())] = event.from();
            }
            break;
        }
        case v1::MESSAGE_KIND_UNREACT: {
            const std::string reactor = reactorOf(event);
            for (Reaction& r : line->reactions) {
                if (r.text != event.reaction()) {
                    continue;
                }
                const auto there = std::find(r.reactors.begin(), r.reactors.end(), reactor);
                if (there != r.reactors.end()) {
                    r.nicks.erase(r.nicks.begin() + (there - r.reactors.begin()));
                    r.reactors.erase(there);
                }
            }
            std::erase_if(line->reactions, [](const Reaction& r) { return r.nicks.empty(); });
            break;
        }
        default:
            return false;
    }
    if (event.kind() == v1::MESSAGE_KIND_EDIT || event.kind() == v1::MESSAGE_KIND_DELETE) {
        // Replies quote what the message says now.
        buffer.requote(event.target_seq(), quoteOf(*line));
    }
    return true;
}

std::string quoteOf(const Line& line) {
    return line.nick + ": " + (line.deleted ? std::string("(deleted)") : line.text);
}

std::string quoteFor(const Buffer& buffer, std::uint64_t seq) {
    const Line* line = buffer.findSeq(seq);
    return line != nullptr ? quoteOf(*line) : "message " + std::to_string(seq);
}

std::string reactionSummary(const Line& line) {
    std::string out;
    for (const Reaction& r : line.reactions) {
        if (!out.empty()) {
            out += "  ";
        }
        out += r.text + " " + std::to_string(r.nicks.size());
    }
    return out;
}

const Line* newestFromOthers(const Buffer& buffer, const std::string& nick) {
    const auto& lines = buffer.lines();
    for (auto it = lines.rbegin(); it != lines.rend(); ++it) {
        if (isMessage(*it) && !it->own && !sameNick(it->nick, nick)) {
            return &*it;
        }
    }
    return nullptr;
}

const Line* newestOwn(const Buffer& buffer) {
    const auto& lines = buffer.lines();
    for (auto it = lines.rbegin(); it != lines.rend(); ++it) {
        // A shared file is not edited (the hub refuses it): Up skips it.
        if (isMessage(*it) && it->own && it->fileName.empty()) {
            return &*it;
        }
    }
    return nullptr;
}

const Line* newestReactedBy(const Buffer& buffer, const std::string& nick,
                            const std::string& reaction) {
    const auto& lines = buffer.lines();
    for (auto it = lines.rbegin(); it != lines.rend(); ++it) {
        for (const Reaction& r : it->reactions) {
            if (r.text == reaction &&
                std::any_of(r.nicks.begin(), r.nicks.end(),
                            [&](const auto& n) { return sameNick(n, nick); })) {
                return &*it;
            }
        }
    }
    return nullptr;
}

}  // namespace hermes::tui

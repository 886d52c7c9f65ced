#include "model/TypingState.hpp"

#include <algorithm>

namespace hermes::tui {

namespace {

std::string lowerAscii(std::string s) {
    for (char& c : s) {
        if (c >= 'A' && c <= 'Z') {
            c = static_cast<char>(c - 'A' + 'a');
        }
    }
    return s;
}

}  // namespace

std::string TypingState::typingKey(bool query, const std::string& name) {
    return (query ? "@" : "#") + lowerAscii(name);
}

bool TypingState::notice(const std::string& window, const std::string& nick, bool stopped,
                         std::chrono::milliseconds expires, Time now) {
    if (stopped) {
        return spoke(window, nick);
    }
    if (expires.count() <= 0) {
        expires = kDefaultExpiry;
    }
    std::vector<Typist>& list = others_[window];
    const std::string key = lowerAscii(nick);
    const auto it =
        std::find_if(list.begin(), list.end(), [&](const Typist& t) { return t.key == key; });
    if (it != list.end()) {
        it->until = now + expires;
        return false;  // renewed: what is shown is the same
    }
    if (list.size() >= kMaxPerWindow) {
        list.erase(list.begin());  // the oldest gives way; the text says "several" anyway
    }
    list.push_back(Typist{nick, key, now + expires, now});
    return true;
}

bool TypingState::spoke(const std::string& window, const std::string& nick) {
    const auto found = others_.find(window);
    if (found == others_.end()) {
        return false;
    }
    const std::string key = lowerAscii(nick);
    const auto removed =
        std::erase_if(found->second, [&](const Typist& t) { return t.key == key; });
    if (found->second.empty()) {
        others_.erase(found);
    }
    return removed > 0;
}

bool TypingState::expire(Time now) {
    bool any = false;
    for (auto it = others_.begin(); it != others_.end();) {
        any =
            std::erase_if(it->second, [now](const Typist& t) { return t.until <= now; }) > 0 || any;
        it = it->second.empty() ? others_.erase(it) : std::next(it);
    }
    return any;
}

std::optional<TypingState::Time> TypingState::nextExpiry() const {
    std::optional<Time> next;
    for (const auto& [window, list] : others_) {
        for (const Typist& t : list) {
            if (!next || t.until < *next) {
                next = t.until;
            }
        }
    }
    return next;
}

std::vector<std::string> TypingState::typists(const std::string& window) const {
    std::vector<std::string> nicks;
    if (const auto it = others_.find(window); it != others_.end()) {
        for (const Typist& t : it->second) {
            nicks.push_back(t.nick);
        }
    }
    return nicks;
}

std::string TypingState::statusText(const std::string& window) const {
    const std::vector<std::string> nicks = typists(window);
    switch (nicks.size()) {
        case 0:
            return {};
        case 1:
            return nicks[0] + " is typing\u2026";
        case 2:
            return nicks[0] + " and " + nicks[1] + " are typing\u2026";
        default:
            return "several people are typing\u2026";
    }
}

bool TypingState::shouldSend(const std::string& window, Time now) {
    const auto it = mine_.find(window);
    if (it != mine_.end() && now - it->second < kSendEvery) {
        return false;
    }
    mine_[window] = now;
    return true;
}

bool TypingState::cleared(const std::string& window) {
    return mine_.erase(window) > 0;
}

}  // namespace hermes::tui

#include "model/IgnoreList.hpp"

#include <algorithm>

namespace hermes::tui {

IgnoreList::IgnoreList(const std::vector<std::string>& nicks) {
    for (const std::string& nick : nicks) {
        if (!nick.empty()) {
            add(nick);
        }
    }
}

std::string IgnoreList::key(std::string_view nick) {
    std::string out(nick);
    std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) {
        return static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c);
    });
    return out;
}

bool IgnoreList::add(const std::string& nick) {
    if (contains(nick)) {
        return false;
    }
    nicks_.push_back(nick);
    return true;
}

bool IgnoreList::remove(const std::string& nick) {
    const std::string k = key(nick);
    const auto it = std::find_if(nicks_.begin(), nicks_.end(),
                                 [&](const std::string& n) { return key(n) == k; });
    if (it == nicks_.end()) {
        return false;
    }
    nicks_.erase(it);
    // Ignored again later, it is said again.
    for (auto told = told_.begin(); told != told_.end();) {
        const auto cut = told->rfind('\n');
        told = told->compare(cut + 1, std::string::npos, k) == 0 ? told_.erase(told) : ++told;
    }
    return true;
}

bool IgnoreList::contains(std::string_view nick) const {
    const std::string k = key(nick);
    return std::any_of(nicks_.begin(), nicks_.end(),
                       [&](const std::string& n) { return key(n) == k; });
}

bool IgnoreList::firstHidden(const std::string& window, std::string_view nick) {
    return told_.insert(window + '\n' + key(nick)).second;
}

}  // namespace hermes::tui

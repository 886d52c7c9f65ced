#include "model/Completion.hpp"

#include <algorithm>
#include <cctype>
#include <string_view>

namespace hermes::tui {

namespace {

bool startsWithNoCase(std::string_view s, std::string_view prefix) {
    if (prefix.size() > s.size()) {
        return false;
    }
    for (std::size_t i = 0; i < prefix.size(); ++i) {
        const auto a = static_cast<unsigned char>(s[i]);
        const auto b = static_cast<unsigned char>(prefix[i]);
        if (std::tolower(a) != std::tolower(b)) {
            return false;
        }
    }
    return true;
}

}  // namespace

bool Completion::complete(LineEditor& editor, const std::vector<std::string>& nicks,
                          const std::vector<std::string>& commands) {
    const std::size_t replaceEnd = editor.cursor();
    if (active_ && editor.cursor() == insertedEnd_) {
        index_ = (index_ + 1) % candidates_.size();
    } else {
        const std::string& text = editor.text();
        std::size_t start = editor.cursor();
        while (start > 0 && text[start - 1] != ' ') {
            --start;
        }
        const std::string prefix = text.substr(start, editor.cursor() - start);
        firstWord_ = text.find_first_not_of(' ') >= start;
        candidates_.clear();
        const bool command = firstWord_ && !prefix.empty() && prefix.front() == '/';
        for (const std::string& c : command ? commands : nicks) {
            if (startsWithNoCase(c, prefix)) {
                candidates_.push_back(c);
            }
        }
        std::sort(candidates_.begin(), candidates_.end());
        candidates_.erase(std::unique(candidates_.begin(), candidates_.end()), candidates_.end());
        if (candidates_.empty()) {
            active_ = false;
            return false;
        }
        active_ = true;
        index_ = 0;
        wordStart_ = start;
        firstWord_ = firstWord_ && !command;
    }
    const std::string& word = candidates_[index_];
    const std::string inserted = word + (firstWord_ ? ": " : " ");
    editor.replaceRange(wordStart_, replaceEnd, inserted);
    insertedEnd_ = editor.cursor();
    return true;
}

}  // namespace hermes::tui

#include "hermes/hub/SearchQuery.hpp"

#include <algorithm>
#include <cctype>

namespace hermes::hub {

namespace {

bool isSpace(char c) {
    return std::isspace(static_cast<unsigned char>(c)) != 0;
}

bool isTokenByte(char c) {
    const auto byte = static_cast<unsigned char>(c);
    return byte >= 0x80 || std::isalnum(byte) != 0;
}

char lower(char c) {
    return static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
}

// The tokens of `text` as views into it, in order.
std::vector<std::string_view> tokenViews(std::string_view text) {
    std::vector<std::string_view> tokens;
    std::size_t i = 0;
    while (i < text.size()) {
        while (i < text.size() && !isTokenByte(text[i])) {
            ++i;
        }
        const std::size_t start = i;
        while (i < text.size() && isTokenByte(text[i])) {
            ++i;
        }
        if (i > start) {
            tokens.push_back(text.substr(start, i - start));
        }
    }
    return tokens;
}

// The tokens of `text`, lower-cased.
std::vector<std::string> tokenize(std::string_view text) {
    std::vector<std::string> tokens;
    for (const std::string_view view : tokenViews(text)) {
        std::string& token = tokens.emplace_back(view);
        std::transform(token.begin(), token.end(), token.begin(), lower);
    }
    return tokens;
}

// Whether `text` (case-insensitively) equals the lower-case `token`.
bool sameToken(std::string_view text, const std::string& token) {
    return text.size() == token.size() && std::equal(text.begin(), text.end(), token.begin(),
                                                     [](char a, char b) { return lower(a) == b; });
}

}  // namespace

SearchQuery::SearchQuery(std::string_view text) {
    std::size_t i = 0;
    while (i < text.size() && words_.size() < kMaxWords) {
        while (i < text.size() && isSpace(text[i])) {
            ++i;
        }
        const std::size_t start = i;
        while (i < text.size() && !isSpace(text[i])) {
            ++i;
        }
        if (i > start) {
            words_.emplace_back(text.substr(start, i - start));
            std::vector<std::string> tokens = tokenize(words_.back());
            if (!tokens.empty()) {
                tokens_.push_back(std::move(tokens));
            }
        }
    }
}

std::string SearchQuery::ftsExpression() const {
    std::string out;
    for (const std::string& word : words_) {
        out += out.empty() ? "\"" : " \"";
        for (const char c : word) {
            out += c;
            if (c == '"') {
                out += '"';
            }
        }
        out += '"';
    }
    return out;
}

bool SearchQuery::containsEveryWord(std::string_view text) const {
    if (words_.empty()) {
        return false;
    }
    const auto lower = [](char c) {
        return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
    };
    for (const std::string& word : words_) {
        const auto at = std::search(text.begin(), text.end(), word.begin(), word.end(),
                                    [&](char a, char b) { return lower(a) == lower(b); });
        if (at == text.end()) {
            return false;
        }
    }
    return true;
}

bool SearchQuery::matches(std::string_view text) const {
    if (tokens_.empty()) {
        return false;
    }
    // Compared in place, without copies: this runs on every unindexed
    // message a search looks at.
    const std::vector<std::string_view> have = tokenViews(text);
    for (const std::vector<std::string>& phrase : tokens_) {
        bool found = false;
        for (std::size_t at = 0; !found && at + phrase.size() <= have.size(); ++at) {
            found = true;
            for (std::size_t k = 0; k < phrase.size() && found; ++k) {
                found = sameToken(have[at + k], phrase[k]);
            }
        }
        if (!found) {
            return false;
        }
    }
    return true;
}

}  // namespace hermes::hub

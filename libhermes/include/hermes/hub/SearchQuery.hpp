#pragma once
// The words of a history search ("messages in room R matching words W") and
// the three ways the store matches them:
//
//   ftsExpression()  an SQLite FTS5 MATCH expression: each word a phrase, so
//                    the user's punctuation is never FTS5 syntax; all must match
//   containsEveryWord(text)  the fallback without FTS5: each word a
//                    substring, ASCII case-insensitive (as SQL's LIKE was)
//   matches(text)    the same rule as FTS5's default tokenizer, for messages
//                    committed but not yet in the FTS index (SqliteHistory
//                    indexes in batches, off the commit path)
//
// matches() tokenizes as FTS5's unicode61 tokenizer does for ASCII: a token
// is a run of letters and digits (every byte >= 0x80 counts as a letter),
// compared case-insensitively; a word matches when its tokens appear in the
// text consecutively. It does not fold non-ASCII case or diacritics as
// unicode61 does ("cafe" finds "café" in the index, not in the unindexed
// tail), a difference that lasts only until the writer indexes the message.
//
// Threading: a value; const methods are safe from any thread.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace hermes::hub {

class SearchQuery {
public:
    // Most words of a query; more are ignored.
    static constexpr std::size_t kMaxWords = 8;

    // Splits `text` at whitespace.
    explicit SearchQuery(std::string_view text);

    const std::vector<std::string>& words() const { return words_; }
    bool empty() const { return words_.empty(); }

    std::string ftsExpression() const;
    // Every word is in `text`, ASCII case-insensitively (the fallback).
    bool containsEveryWord(std::string_view text) const;
    // Whether FTS5 would match `text` with ftsExpression() (ASCII rules, see above).
    bool matches(std::string_view text) const;

private:
    std::vector<std::string> words_;
    // Per word, its lower-cased tokens; words without tokens are left out
    // (FTS5 ignores an empty phrase beside others, and matches nothing with
    // only empty ones).
    std::vector<std::vector<std::string>> tokens_;
};

}  // namespace hermes::hub

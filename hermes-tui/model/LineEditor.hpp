#pragma once
// The input line: UTF-8 text and a cursor that moves by whole characters,
// emacs-style editing (Ctrl-A/E/U/K/W, Alt-B/F) and a history for Up/Down.
// The cursor is a byte offset that is always on a character boundary;
// cursorColumn() gives its display column (wide characters count 2).
//
// Threading: none; owned by the UI thread's ChatModel.

#include <cstddef>
#include <deque>
#include <string>
#include <string_view>

namespace hermes::tui {

class LineEditor {
public:
    // Entries kept for Up/Down.
    static constexpr std::size_t kHistoryLimit = 200;
    // Longest input accepted, in bytes: more than the hub's text limit would
    // be refused anyway.
    static constexpr std::size_t kMaxBytes = 4096;

    const std::string& text() const { return text_; }
    std::size_t cursor() const { return cursor_; }
    int cursorColumn() const;
    bool empty() const { return text_.empty(); }

    void insert(char32_t codePoint);
    void insert(std::string_view utf8);
    // Replaces the text; the cursor goes to the end.
    void setText(std::string text);
    void replaceRange(std::size_t begin, std::size_t end, std::string_view with);

    void left();
    void right();
    void home();
    void end();
    void wordLeft();   // Alt-B
    void wordRight();  // Alt-F
    void backspace();
    void del();
    void killToStart();   // Ctrl-U
    void killToEnd();     // Ctrl-K
    void killWordBack();  // Ctrl-W

    void historyUp();
    void historyDown();

    // Returns the text, records it in the history and clears the line.
    std::string submit();

private:
    std::string text_;
    std::size_t cursor_ = 0;
    std::deque<std::string> history_;
    // history_.size() means "the line being typed", kept in draft_.
    std::size_t historyPos_ = 0;
    std::string draft_;
};

}  // namespace hermes::tui

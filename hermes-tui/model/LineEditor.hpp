#pragma once
// The input line: UTF-8 text and a cursor that moves by whole characters,
// emacs-style editing (Ctrl-A/E/U/K/W, Alt-B/F/D) and a history for Up/Down.
// Words are separated by spaces and Tabs.
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
    // Longest input kept, in bytes: a bound on memory, far above what a hub
    // takes in one message. The hub's own limit is checked when a line is
    // sent (ChatModel), so a line over it stays here to be shortened; an
    // insert that would pass this bound is refused whole, and says so.
    static constexpr std::size_t kMaxBytes = std::size_t{1} << 20;

    const std::string& text() const { return text_; }
    std::size_t cursor() const { return cursor_; }
    int cursorColumn() const;
    bool empty() const { return text_.empty(); }

    // False (and nothing inserted) if the line would pass kMaxBytes.
    // Control characters are never inserted by code point; the UTF-8 form
    // inserts what it is given (a paste's Tabs).
    bool insert(char32_t codePoint);
    bool insert(std::string_view utf8);
    // Replaces the text; the cursor goes to the end, or to `cursor`.
    void setText(std::string text);
    void setText(std::string text, std::size_t cursor);
    void replaceRange(std::size_t begin, std::size_t end, std::string_view with);

    void left();
    void right();
    void home();
    void end();
    void wordLeft();   // Alt-B
    void wordRight();  // Alt-F
    void backspace();
    void del();
    void killToStart();      // Ctrl-U
    void killToEnd();        // Ctrl-K
    void killWordBack();     // Ctrl-W, Alt-Backspace
    void killWordForward();  // Alt-D, Ctrl-Del: to the end of the next word

    void historyUp();
    // Showing a line recalled from the history (Up), not the one being typed.
    bool browsingHistory() const { return historyPos_ < history_.size(); }
    void historyDown();

    // Returns the text, records it in the history and clears the line.
    std::string submit();
    // Returns the text and clears the line, keeping no trace of it (a password).
    std::string submitSecret();

private:
    std::string text_;
    std::size_t cursor_ = 0;
    std::deque<std::string> history_;
    // history_.size() means "the line being typed", kept in draft_.
    std::size_t historyPos_ = 0;
    std::string draft_;
};

}  // namespace hermes::tui

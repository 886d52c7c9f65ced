#include "model/LineEditor.hpp"

#include "model/Utf8.hpp"

namespace hermes::tui {

namespace {

bool isSpaceAt(std::string_view text, std::size_t pos) {
    return pos < text.size() && (text[pos] == ' ' || text[pos] == '\t');
}

}  // namespace

int LineEditor::cursorColumn() const {
    return utf8::displayWidth(std::string_view(text_).substr(0, cursor_));
}

bool LineEditor::insert(char32_t codePoint) {
    // Control characters never enter the line: the hub would refuse the text.
    if (codePoint < 0x20 || codePoint == 0x7F) {
        return true;
    }
    return insert(utf8::encode(codePoint));
}

bool LineEditor::insert(std::string_view utf8Text) {
    if (text_.size() + utf8Text.size() > kMaxBytes) {
        return false;
    }
    text_.insert(cursor_, utf8Text);
    cursor_ += utf8Text.size();
    return true;
}

void LineEditor::setText(std::string text) {
    text_ = std::move(text);
    cursor_ = text_.size();
}

void LineEditor::setText(std::string text, std::size_t cursor) {
    text_ = std::move(text);
    cursor_ = 0;
    while (cursor_ < cursor && cursor_ < text_.size()) {
        cursor_ = utf8::next(text_, cursor_);  // stays on a character boundary
    }
}

void LineEditor::replaceRange(std::size_t begin, std::size_t endPos, std::string_view with) {
    text_.replace(begin, endPos - begin, with);
    cursor_ = begin + with.size();
}

void LineEditor::left() {
    cursor_ = utf8::prev(text_, cursor_);
}
void LineEditor::right() {
    cursor_ = utf8::next(text_, cursor_);
}
void LineEditor::home() {
    cursor_ = 0;
}
void LineEditor::end() {
    cursor_ = text_.size();
}

void LineEditor::wordLeft() {
    while (cursor_ > 0 && isSpaceAt(text_, utf8::prev(text_, cursor_))) {
        cursor_ = utf8::prev(text_, cursor_);
    }
    while (cursor_ > 0 && !isSpaceAt(text_, utf8::prev(text_, cursor_))) {
        cursor_ = utf8::prev(text_, cursor_);
    }
}

void LineEditor::wordRight() {
    while (cursor_ < text_.size() && isSpaceAt(text_, cursor_)) {
        cursor_ = utf8::next(text_, cursor_);
    }
    while (cursor_ < text_.size() && !isSpaceAt(text_, cursor_)) {
        cursor_ = utf8::next(text_, cursor_);
    }
}

void LineEditor::backspace() {
    if (cursor_ == 0) {
        return;
    }
    const std::size_t begin = utf8::prev(text_, cursor_);
    text_.erase(begin, cursor_ - begin);
    cursor_ = begin;
}

void LineEditor::del() {
    if (cursor_ >= text_.size()) {
        return;
    }
    text_.erase(cursor_, utf8::next(text_, cursor_) - cursor_);
}

void LineEditor::killToStart() {
    text_.erase(0, cursor_);
    cursor_ = 0;
}

void LineEditor::killToEnd() {
    text_.erase(cursor_);
}

void LineEditor::killWordBack() {
    const std::size_t endPos = cursor_;
    wordLeft();
    text_.erase(cursor_, endPos - cursor_);
}

void LineEditor::killWordForward() {
    const std::size_t begin = cursor_;
    wordRight();
    text_.erase(begin, cursor_ - begin);
    cursor_ = begin;
}

void LineEditor::historyUp() {
    if (historyPos_ == 0) {
        return;
    }
    if (historyPos_ == history_.size()) {
        draft_ = text_;
    }
    --historyPos_;
    setText(history_[historyPos_]);
}

void LineEditor::historyDown() {
    if (historyPos_ >= history_.size()) {
        return;
    }
    ++historyPos_;
    setText(historyPos_ == history_.size() ? draft_ : history_[historyPos_]);
}

std::string LineEditor::submit() {
    std::string line = std::move(text_);
    text_.clear();
    cursor_ = 0;
    draft_.clear();
    if (!line.empty() && (history_.empty() || history_.back() != line)) {
        history_.push_back(line);
        if (history_.size() > kHistoryLimit) {
            history_.pop_front();
        }
    }
    historyPos_ = history_.size();
    return line;
}

std::string LineEditor::submitSecret() {
    std::string line = std::move(text_);
    text_.clear();
    cursor_ = 0;
    draft_.clear();
    historyPos_ = history_.size();
    return line;
}

}  // namespace hermes::tui

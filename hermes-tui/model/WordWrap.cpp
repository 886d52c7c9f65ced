#include "model/WordWrap.hpp"

#include "model/Utf8.hpp"

namespace hermes::tui {

std::vector<std::string> wordWrap(std::string_view text, int width) {
    if (width < 1) {
        width = 1;
    }
    std::vector<std::string> rows;
    while (!text.empty()) {
        if (utf8::displayWidth(text) <= width) {
            rows.emplace_back(text);
            break;
        }
        std::size_t fit = utf8::prefixFitting(text, width);
        if (fit == 0) {
            // A character wider than the row: give it a row of its own.
            fit = utf8::next(text, 0);
        }
        std::size_t cut = fit;
        std::size_t resume = fit;
        if (text[fit] == ' ') {
            resume = fit + 1;
        } else {
            const std::size_t space = text.substr(0, fit).rfind(' ');
            if (space != std::string_view::npos && space > 0) {
                cut = space;
                resume = space + 1;
            }
        }
        rows.emplace_back(text.substr(0, cut));
        text.remove_prefix(resume);
    }
    if (rows.empty()) {
        rows.emplace_back();
    }
    return rows;
}

}  // namespace hermes::tui

#pragma once
// UTF-8 helpers for the model: stepping over whole characters and measuring
// display width the way the terminal will (wcwidth semantics: CJK and emoji
// take 2 columns, combining marks 0). A zero-width code point belongs to the
// character before it, so the cursor never lands between a base and its mark.
//
// charWidth() uses the C library's wcwidth() for the current LC_CTYPE (the one
// ncursesw uses too, so model and screen agree); under a non-UTF-8 locale it
// falls back to a small built-in table so the model stays usable in tests.
//
// Threading: pure functions.

#include <cstddef>
#include <string>
#include <string_view>

namespace hermes::tui::utf8 {

// Decodes the code point at `pos`; sets `length` to its byte count. Invalid
// bytes decode as U+FFFD with length 1.
char32_t decode(std::string_view text, std::size_t pos, std::size_t& length);
std::string encode(char32_t codePoint);

// Columns a code point takes: 0, 1 or 2. Control characters take 0, but a
// Tab (which the hub lets through, and a paste keeps) takes 1: the view
// draws it as one space, as a terminal's tab stops depend on the column.
int charWidth(char32_t codePoint);
// Columns the whole text takes.
int displayWidth(std::string_view text);

// Byte offset of the next / previous character boundary (zero-width code
// points are skipped together with their base).
std::size_t next(std::string_view text, std::size_t pos);
std::size_t prev(std::string_view text, std::size_t pos);

// The longest prefix of `text` that fits in `columns`, as a byte length.
std::size_t prefixFitting(std::string_view text, int columns);

}  // namespace hermes::tui::utf8

#pragma once
// Test fixture: a UTF-8 LC_CTYPE, so wcwidth() answers as it will in a
// UTF-8 terminal (CJK and emoji 2 columns), and UTC for timestamps.

#include <clocale>
#include <cstdlib>
#include <ctime>

namespace hermes::tui::test {

struct Utf8Locale {
    Utf8Locale() {
        if (!std::setlocale(LC_ALL, "C.UTF-8")) {
            std::setlocale(LC_ALL, "");
        }
        ::setenv("TZ", "UTC", 1);
        ::tzset();
    }
};

}  // namespace hermes::tui::test

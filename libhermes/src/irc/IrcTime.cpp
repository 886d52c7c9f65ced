#include "hermes/irc/IrcTime.hpp"

#include <chrono>
#include <cstdio>

namespace hermes::irc {

std::optional<std::int64_t> parseIrcTime(std::string_view text) {
    using namespace std::chrono;
    // YYYY-MM-DDThh:mm:ss[.fff]Z
    const auto digits = [&](std::size_t at, std::size_t count) -> std::optional<int> {
        if (at + count > text.size()) {
            return std::nullopt;
        }
        int value = 0;
        for (std::size_t i = at; i < at + count; ++i) {
            if (text[i] < '0' || text[i] > '9') {
                return std::nullopt;
            }
            value = value * 10 + (text[i] - '0');
        }
        return value;
    };
    if (text.size() < 20 || text[4] != '-' || text[7] != '-' || text[10] != 'T' ||
        text[13] != ':' || text[16] != ':' || text.back() != 'Z') {
        return std::nullopt;
    }
    const auto y = digits(0, 4), mo = digits(5, 2), d = digits(8, 2), h = digits(11, 2),
               mi = digits(14, 2), s = digits(17, 2);
    if (!y || !mo || !d || !h || !mi || !s || *h > 23 || *mi > 59 || *s > 60) {
        return std::nullopt;
    }
    int ms = 0;
    if (text.size() > 20) {
        // ".f" to ".fff...": milliseconds from the first three digits.
        if (text[19] != '.' || text.size() < 22) {
            return std::nullopt;
        }
        const std::string_view fraction = text.substr(20, text.size() - 21);
        for (std::size_t i = 0; i < fraction.size(); ++i) {
            if (fraction[i] < '0' || fraction[i] > '9') {
                return std::nullopt;
            }
            if (i < 3) {
                ms = ms * 10 + (fraction[i] - '0');
            }
        }
        for (std::size_t i = fraction.size(); i < 3; ++i) {
            ms *= 10;
        }
    } else if (text.size() != 20) {
        return std::nullopt;
    }
    const year_month_day date{year(*y), month(static_cast<unsigned>(*mo)),
                              day(static_cast<unsigned>(*d))};
    if (!date.ok()) {
        return std::nullopt;
    }
    const sys_days midnight{date};
    return duration_cast<milliseconds>(midnight.time_since_epoch()).count() +
           ((*h * 60 + *mi) * 60 + *s) * 1000LL + ms;
}

std::string formatIrcTime(std::int64_t ms) {
    using namespace std::chrono;
    const sys_time<milliseconds> time{milliseconds(ms)};
    const sys_days day = floor<days>(time);
    const year_month_day date{day};
    const hh_mm_ss<milliseconds> clock{time - day};
    char buffer[96];  // room for any int the format could print
    std::snprintf(
        buffer, sizeof buffer, "%04d-%02u-%02uT%02d:%02d:%02d.%03dZ", static_cast<int>(date.year()),
        static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()),
        static_cast<int>(clock.hours().count()), static_cast<int>(clock.minutes().count()),
        static_cast<int>(clock.seconds().count()), static_cast<int>(clock.subseconds().count()));
    return buffer;
}

}  // namespace hermes::irc

#pragma once
// Every key hermesd reads from its config file, in one table: its name, its
// type, its default (as written in the file), the range a number must be in,
// and whether a SIGHUP applies it to the running hub (Applies::Reload) or it
// takes a restart (Applies::Start).
//
// The table is the only list: DaemonConfig reads every key through
// ConfigReader, which refuses (std::logic_error) a key that is not here, and
// `hermesd --check-config`, the unknown-key warnings and the reload's diff
// all walk it. A unit test (hermesd/tests/ConfigKeysTest.cpp) reads an empty
// config and checks that every row was read with the default it states, so
// the table cannot drift from what DaemonConfig does. Adding a key is one
// row in ConfigKeys.cpp.
//
// Threading: constant data.

#include <cstdint>
#include <limits>
#include <span>
#include <string_view>

namespace hermesd {

enum class KeyType {
    Text,    // any string
    Flag,    // true/false, yes/no, on/off, 1/0
    Count,   // a whole number >= 0
    Number,  // a decimal number
    Millis,  // a whole number of milliseconds
    List,    // words separated by commas or spaces
};

enum class Applies {
    Start,   // read at start; a change waits for a restart
    Reload,  // a SIGHUP applies it to the running hub
};

inline constexpr double kNoLimit = std::numeric_limits<double>::max();

struct ConfigKey {
    std::string_view name;
    KeyType type;
    std::string_view defaultValue;  // as written in the file ("" = empty / derived)
    double min = 0;                 // Count, Number, Millis: the range
    double max = kNoLimit;
    Applies applies = Applies::Start;
};

std::span<const ConfigKey> configKeys();

// Null when `name` is not a key of hermesd's.
const ConfigKey* findConfigKey(std::string_view name);

// Keys that belong to POCO, not to hermesd: logging.* (its
// LoggingConfigurator), application.* and system.* (set by POCO itself).
bool isForeignKey(std::string_view name);

std::string_view typeName(KeyType type);

}  // namespace hermesd

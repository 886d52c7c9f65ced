#pragma once
// Reads hermesd's keys from a POCO configuration, each through its row of
// ConfigKeys.hpp: the value's type and range are checked there, so that
// DaemonConfig says only what a key means and which keys must agree.
//
// Two modes. Strict (the daemon at start and on reload): the first problem
// throws Poco::InvalidArgumentException naming the key. Collecting
// (`hermesd --check-config`): every problem is kept, with its key, and the
// read goes on with the default, so one run reports them all.
//
// A key that is not in the table is a programming error: std::logic_error.
//
// Threading: none; one reader per read of a file.

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <Poco/Util/AbstractConfiguration.h>

#include "ConfigKeys.hpp"

namespace hermesd {

class ConfigReader {
public:
    enum class Mode { Strict, Collect };
    struct Problem {
        std::string key;
        std::string message;
    };

    ConfigReader(const Poco::Util::AbstractConfiguration& config, Mode mode)
        : config_(config), mode_(mode) {}

    std::string text(const std::string& key, const std::string& fallback);
    bool flag(const std::string& key, bool fallback);
    // Absent or empty: nullopt (a default that follows another key).
    std::optional<bool> optionalFlag(const std::string& key);
    std::uint64_t count(const std::string& key, std::uint64_t fallback);
    // Absent or empty: nullopt (a default that follows another key).
    std::optional<std::uint64_t> optionalCount(const std::string& key);
    double number(const std::string& key, double fallback);
    std::chrono::milliseconds millis(const std::string& key, std::chrono::milliseconds fallback);
    // Absent: `fallback` (present and empty: no words).
    std::vector<std::string> list(const std::string& key,
                                  const std::vector<std::string>& fallback = {});

    // A value the type and range allow but the hub cannot use (two keys
    // that disagree, a file that is missing): throws in Strict mode.
    void fail(const std::string& key, const std::string& message);

    const std::vector<Problem>& problems() const { return problems_; }
    // Every key read, with its value as given (the file's, else the
    // default): what the reload compares and the defaults test checks.
    const std::map<std::string, std::string>& values() const { return values_; }

private:
    const ConfigKey& row(const std::string& key, KeyType type) const;
    // The file's value, trimmed; nullopt when the key is absent.
    std::optional<std::string> raw(const std::string& key);
    void checkRange(const ConfigKey& row, double value, const std::string& written);

    const Poco::Util::AbstractConfiguration& config_;
    Mode mode_;
    std::vector<Problem> problems_;
    std::map<std::string, std::string> values_;
};

}  // namespace hermesd

#include "ConfigReader.hpp"

#include <cmath>
#include <sstream>
#include <stdexcept>

#include <Poco/Exception.h>
#include <Poco/NumberParser.h>
#include <Poco/String.h>
#include <Poco/StringTokenizer.h>

namespace hermesd {

namespace {

std::string describe(double value) {
    if (value == kNoLimit) {
        return "unlimited";
    }
    std::ostringstream out;
    out.precision(15);
    out << value;
    return out.str();
}

std::string joined(const std::vector<std::string>& words) {
    std::string out;
    for (const std::string& word : words) {
        out += (out.empty() ? "" : ", ") + word;
    }
    return out;
}

}  // namespace

const ConfigKey& ConfigReader::row(const std::string& key, KeyType type) const {
    const ConfigKey* found = findConfigKey(key);
    if (found == nullptr) {
        throw std::logic_error("config key " + key + " is read but not in ConfigKeys.cpp");
    }
    if (found->type != type) {
        throw std::logic_error("config key " + key + " is read as " + std::string(typeName(type)) +
                               " but ConfigKeys.cpp says " + std::string(typeName(found->type)));
    }
    return *found;
}

std::optional<std::string> ConfigReader::raw(const std::string& key) {
    if (!config_.hasProperty(key)) {
        return std::nullopt;
    }
    try {
        return Poco::trim(config_.getString(key));
    } catch (const Poco::Exception& error) {
        // A ${reference} that cannot be expanded, for one.
        fail(key, error.displayText());
        return std::nullopt;
    }
}

void ConfigReader::fail(const std::string& key, const std::string& message) {
    if (mode_ == Mode::Strict) {
        throw Poco::InvalidArgumentException(key + ": " + message);
    }
    problems_.push_back(Problem{key, message});
}

void ConfigReader::checkRange(const ConfigKey& row, double value, const std::string& written) {
    if (value < row.min || value > row.max) {
        fail(std::string(row.name),
             "'" + written + "' is out of range: " +
                 (row.max == kNoLimit ? "at least " + describe(row.min)
                                      : "from " + describe(row.min) + " to " + describe(row.max)));
    }
}

std::string ConfigReader::text(const std::string& key, const std::string& fallback) {
    row(key, KeyType::Text);
    // Text keeps its spaces (a MOTD may start with one); POCO trims the
    // line's ends already.
    std::string value = config_.hasProperty(key) ? config_.getString(key, fallback) : fallback;
    values_[key] = value;
    return value;
}

bool ConfigReader::flag(const std::string& key, bool fallback) {
    row(key, KeyType::Flag);
    const auto written = raw(key);
    values_[key] = written ? *written : (fallback ? "true" : "false");
    if (!written) {
        return fallback;
    }
    bool value = fallback;
    if (!Poco::NumberParser::tryParseBool(*written, value)) {
        fail(key, "'" + *written + "' is not true or false");
        return fallback;
    }
    return value;
}

std::optional<bool> ConfigReader::optionalFlag(const std::string& key) {
    row(key, KeyType::Flag);
    const auto written = raw(key);
    values_[key] = written ? *written : "";
    if (!written || written->empty()) {
        return std::nullopt;
    }
    bool value = false;
    if (!Poco::NumberParser::tryParseBool(*written, value)) {
        fail(key, "'" + *written + "' is not true or false");
        return std::nullopt;
    }
    return value;
}

std::uint64_t ConfigReader::count(const std::string& key, std::uint64_t fallback) {
    const ConfigKey& spec = row(key, KeyType::Count);
    const auto written = raw(key);
    values_[key] = written ? *written : std::to_string(fallback);
    if (!written) {
        return fallback;
    }
    std::uint64_t value = 0;
    if (written->empty() || written->front() == '-' ||
        !Poco::NumberParser::tryParseUnsigned64(*written, value)) {
        fail(key, "'" + *written + "' is not a whole number (0 or more)");
        return fallback;
    }
    const std::size_t problems = problems_.size();
    checkRange(spec, static_cast<double>(value), *written);
    return problems_.size() == problems ? value : fallback;
}

std::optional<std::uint64_t> ConfigReader::optionalCount(const std::string& key) {
    row(key, KeyType::Count);
    const auto written = raw(key);
    if (!written || written->empty()) {
        values_[key] = "";
        return std::nullopt;
    }
    const std::size_t problems = problems_.size();
    const std::uint64_t value = count(key, 0);
    return problems_.size() == problems ? std::optional<std::uint64_t>(value) : std::nullopt;
}

double ConfigReader::number(const std::string& key, double fallback) {
    const ConfigKey& spec = row(key, KeyType::Number);
    const auto written = raw(key);
    if (!written) {
        std::ostringstream out;
        out << fallback;
        values_[key] = out.str();
        return fallback;
    }
    values_[key] = *written;
    double value = 0;
    if (written->empty() || !Poco::NumberParser::tryParseFloat(*written, value) ||
        !std::isfinite(value)) {
        fail(key, "'" + *written + "' is not a number");
        return fallback;
    }
    const std::size_t problems = problems_.size();
    checkRange(spec, value, *written);
    return problems_.size() == problems ? value : fallback;
}

std::chrono::milliseconds ConfigReader::millis(const std::string& key,
                                               std::chrono::milliseconds fallback) {
    const ConfigKey& spec = row(key, KeyType::Millis);
    const auto written = raw(key);
    values_[key] = written ? *written : std::to_string(fallback.count());
    if (!written) {
        return fallback;
    }
    std::uint64_t value = 0;
    if (written->empty() || written->front() == '-' ||
        !Poco::NumberParser::tryParseUnsigned64(*written, value)) {
        fail(key, "'" + *written + "' is not a whole number of milliseconds");
        return fallback;
    }
    const std::size_t problems = problems_.size();
    checkRange(spec, static_cast<double>(value), *written);
    return problems_.size() == problems ? std::chrono::milliseconds(value) : fallback;
}

std::vector<std::string> ConfigReader::list(const std::string& key,
                                            const std::vector<std::string>& fallback) {
    row(key, KeyType::List);
    if (!config_.hasProperty(key)) {
        values_[key] = joined(fallback);
        return fallback;
    }
    const Poco::StringTokenizer words(
        config_.hasProperty(key) ? config_.getString(key, "") : std::string(), ", \t",
        Poco::StringTokenizer::TOK_IGNORE_EMPTY | Poco::StringTokenizer::TOK_TRIM);
    std::vector<std::string> out(words.begin(), words.end());
    values_[key] = joined(out);
    return out;
}

}  // namespace hermesd

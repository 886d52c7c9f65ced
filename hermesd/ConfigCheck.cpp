#include "ConfigCheck.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>

#include <Poco/AutoPtr.h>
#include <Poco/Exception.h>
#include <Poco/String.h>
#include <Poco/Util/PropertyFileConfiguration.h>

#include "ConfigKeys.hpp"
#include "ConfigReader.hpp"
#include "DaemonConfig.hpp"

namespace hermesd {

namespace {

using Severity = ConfigProblem::Severity;

std::size_t editDistance(std::string_view a, std::string_view b) {
    std::vector<std::size_t> row(b.size() + 1);
    for (std::size_t j = 0; j <= b.size(); ++j) {
        row[j] = j;
    }
    for (std::size_t i = 1; i <= a.size(); ++i) {
        std::size_t diagonal = row[0];
        row[0] = i;
        for (std::size_t j = 1; j <= b.size(); ++j) {
            const std::size_t above = row[j];
            row[j] =
                std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0u : 1u)});
            diagonal = above;
        }
    }
    return row[b.size()];
}

void checkFile(std::vector<ConfigProblem>& out, const std::string& key, const std::string& path,
               bool directory) {
    if (path.empty()) {
        return;
    }
    std::error_code error;
    const auto status = std::filesystem::status(path, error);
    if (!std::filesystem::exists(status)) {
        out.push_back({Severity::Error, 0, key, "'" + path + "' does not exist"});
    } else if (directory && !std::filesystem::is_directory(status)) {
        out.push_back({Severity::Error, 0, key, "'" + path + "' is not a directory"});
    } else if (!directory && !std::filesystem::is_regular_file(status)) {
        out.push_back({Severity::Error, 0, key, "'" + path + "' is not a file"});
    }
}

// The directory a file will be made in must be there already.
void checkParent(std::vector<ConfigProblem>& out, const std::string& key, const std::string& path) {
    const auto parent = std::filesystem::absolute(path).parent_path();
    std::error_code error;
    if (!std::filesystem::is_directory(parent, error)) {
        out.push_back({Severity::Error, 0, key,
                       "the directory of '" + path + "' (" + parent.string() + ") does not exist"});
    }
}

}  // namespace

ConfigFileLines scanPropertiesFile(const std::string& path) {
    ConfigFileLines out;
    std::ifstream in(path);
    std::string line;
    int number = 0;
    bool continued = false;
    while (std::getline(in, line)) {
        ++number;
        const bool continues = !line.empty() && line.back() == '\\';
        if (continued) {  // the value of the line before goes on
            continued = continues;
            continue;
        }
        continued = continues;
        const std::string trimmed = Poco::trimLeft(line);
        if (trimmed.empty() || trimmed.front() == '#' || trimmed.front() == '!') {
            continued = false;
            continue;
        }
        const auto end = trimmed.find_first_of("=:");
        const std::string key = Poco::trim(trimmed.substr(0, end));
        if (key.empty()) {
            continue;
        }
        const auto [it, added] = out.lineOf.emplace(key, number);
        if (added) {
            out.keys.push_back(key);
        } else {
            out.repeated.emplace_back(key, it->second);
            it->second = number;
        }
    }
    return out;
}

std::string nearestKey(const std::string& name) {
    std::string best;
    std::size_t bestDistance = 0;
    for (const ConfigKey& key : configKeys()) {
        const std::size_t distance = editDistance(name, key.name);
        if (best.empty() || distance < bestDistance) {
            best = std::string(key.name);
            bestDistance = distance;
        }
    }
    // A typo: a few letters off (more allowed in a long name).
    const std::size_t allowed = std::max<std::size_t>(2, name.size() / 5);
    if (bestDistance <= allowed) {
        return best;
    }
    // The right name under another prefix (hub.port for hermesd.port).
    const auto dot = name.rfind('.');
    const std::string tail = dot == std::string::npos ? name : name.substr(dot);
    for (const ConfigKey& key : configKeys()) {
        if (key.name.ends_with(tail) && tail.size() > 3) {
            return std::string(key.name);
        }
    }
    return {};
}

std::vector<ConfigProblem> unknownKeys(const ConfigFileLines& lines) {
    std::vector<ConfigProblem> out;
    for (const std::string& key : lines.keys) {
        if (findConfigKey(key) != nullptr || isForeignKey(key)) {
            continue;
        }
        const std::string near = nearestKey(key);
        out.push_back({Severity::Warning, lines.lineOf.at(key), key,
                       "unknown key, ignored" +
                           (near.empty() ? std::string() : " (did you mean " + near + "?)")});
    }
    return out;
}

std::vector<ConfigProblem> checkConfigFile(const std::string& path) {
    std::vector<ConfigProblem> out;
    std::error_code error;
    if (!std::filesystem::is_regular_file(path, error)) {
        out.push_back({Severity::Error, 0, "",
                       "cannot read the file (it does not exist or is not "
                       "a regular file)"});
        return out;
    }
    Poco::AutoPtr<Poco::Util::PropertyFileConfiguration> config;
    try {
        config = new Poco::Util::PropertyFileConfiguration(path);
    } catch (const Poco::Exception& failure) {
        out.push_back({Severity::Error, 0, "", "cannot read the file: " + failure.displayText()});
        return out;
    }
    const ConfigFileLines lines = scanPropertiesFile(path);
    const auto lineOf = [&lines](const std::string& key) {
        const auto it = lines.lineOf.find(key);
        return it == lines.lineOf.end() ? 0 : it->second;
    };

    ConfigReader reader(*config, ConfigReader::Mode::Collect);
    const DaemonConfig settings = readDaemonConfig(reader);
    for (const ConfigReader::Problem& problem : reader.problems()) {
        out.push_back({Severity::Error, lineOf(problem.key), problem.key, problem.message});
    }
    // Files the hub would open at start.
    std::vector<ConfigProblem> files;
    if (!settings.tls.certificate.empty()) {
        checkFile(files, "tls.certificate", settings.tls.certificate, false);
        checkFile(files, "tls.key", settings.tls.key, false);
    }
    checkFile(files, "http.static_dir", settings.http.staticDir, true);
    checkFile(files, "history.backup_dir", settings.history.backupDir, true);
    if (settings.history.persist && !settings.history.path.empty()) {
        checkParent(files, "history.path", settings.history.path);
    }
    for (ConfigProblem& problem : files) {
        problem.line = lineOf(problem.key);
        out.push_back(std::move(problem));
    }
    for (const auto& [key, earlier] : lines.repeated) {
        out.push_back({Severity::Warning, lineOf(key), key,
                       "set again (first on line " + std::to_string(earlier) +
                           "): this later value is the one used"});
    }
    for (ConfigProblem& problem : unknownKeys(lines)) {
        out.push_back(std::move(problem));
    }
    if (reader.problems().empty()) {
        for (const std::string& warning : settings.hub.warnings()) {
            out.push_back({Severity::Warning, 0, "", warning});
        }
    }
    std::stable_sort(out.begin(), out.end(), [](const ConfigProblem& a, const ConfigProblem& b) {
        return (a.line == 0 ? 1 << 30 : a.line) < (b.line == 0 ? 1 << 30 : b.line);
    });
    return out;
}

std::string formatProblem(const std::string& path, const ConfigProblem& problem) {
    std::string out = path;
    if (problem.line > 0) {
        out += ":" + std::to_string(problem.line);
    }
    out += problem.severity == Severity::Error ? ": error: " : ": warning: ";
    if (!problem.key.empty()) {
        out += problem.key + ": ";
    }
    return out + problem.message;
}

}  // namespace hermesd

#pragma once
// `hermesd --check-config FILE` and the unknown-key warnings at start and on
// reload: what is wrong with a config file, each problem with the file's line
// and the key.
//
// Errors: a value of the wrong type or out of its range (ConfigKeys.cpp),
// keys that disagree (DaemonConfig.cpp), a file or directory the hub would
// need that is not there. Warnings: a key hermesd does not know (with the
// nearest known key when one is close: a typo should not silently do
// nothing), a key set twice, settings that work against each other
// (HubConfig::warnings()).
//
// Threading: none (free functions).

#include <map>
#include <string>
#include <vector>

#include <Poco/Util/AbstractConfiguration.h>

namespace hermesd {

struct ConfigProblem {
    enum class Severity { Error, Warning };
    Severity severity = Severity::Error;
    int line = 0;  // 0: not on a line of the file (a default, or the file itself)
    std::string key;
    std::string message;
};

// Where each key is set in a .properties file (POCO's syntax: `key = value`
// or `key: value`, # and ! comments, a trailing backslash continues the
// line): the line of its last setting, and the keys set more than once.
struct ConfigFileLines {
    std::map<std::string, int> lineOf;
    std::vector<std::pair<std::string, int>> repeated;  // key, the earlier line
    std::vector<std::string> keys;                      // in file order, once each
};
ConfigFileLines scanPropertiesFile(const std::string& path);

// The keys of the file hermesd does not read (POCO's own logging.* and the
// like excepted), as warnings.
std::vector<ConfigProblem> unknownKeys(const ConfigFileLines& lines);

// Every problem of the file: loads it, reads every key in the collecting
// mode, checks the files it names, and lists unknown keys. An unreadable
// file is one error.
std::vector<ConfigProblem> checkConfigFile(const std::string& path);

// "FILE:LINE: error: KEY: message" (LINE and KEY left out when none).
std::string formatProblem(const std::string& path, const ConfigProblem& problem);

// The known key nearest to `name` (a few edits away), or "".
std::string nearestKey(const std::string& name);

}  // namespace hermesd

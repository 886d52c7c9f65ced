#pragma once
// SIGHUP: re-reads the config file and applies what may change while the hub
// serves (ConfigKeys.hpp, Applies::Reload).
//
// A reload reads the file strictly: a file with any error changes nothing,
// and the log says why. Otherwise each key whose value changed is either
// applied (a Reload key) or reported as needing a restart and left as it was
// (a Start key): the file is read a second time with those keys held at their
// running values, so the settings handed on differ only where a reload may
// change them. The new hub settings go to the loop thread
// (EventLoop::post -> Hub::reload); the log level is set here, in the
// LogLevelGate's atomics (never in POCO's loggers, which every thread reads
// unlocked). Unknown keys are warned about again.
//
// Threading: reload() on the signal thread only (SignalWatcher), which owns
// the running values; nothing here is shared but through EventLoop::post.

#include <functional>
#include <map>
#include <string>
#include <vector>

#include <Poco/Logger.h>

#include "DaemonConfig.hpp"
#include "LogLevelGate.hpp"

namespace hermesd {

class EventLoop;

struct ReloadOutcome {
    bool applied = false;                  // false: the file was refused; nothing changed
    std::vector<std::string> changed;      // Reload keys, applied
    std::vector<std::string> needRestart;  // Start keys, left as they were
    std::string error;                     // why the file was refused
};

class ConfigReloader {
public:
    // `overrides`: the command line's (--port, --no-persist, ...), which win
    // over the file on every read. `running`: the values read at start
    // (ConfigReader::values()). `logLevels`: installed, and outliving this.
    ConfigReloader(std::string path, std::function<void(DaemonConfig&)> overrides,
                   DaemonConfig settings, std::map<std::string, std::string> running,
                   LogLevelGate& logLevels);

    // Reads the file and hands what changed to `loop`; logs the outcome.
    ReloadOutcome reload(EventLoop& loop);

    const DaemonConfig& settings() const { return settings_; }

private:
    std::string path_;
    std::function<void(DaemonConfig&)> overrides_;
    DaemonConfig settings_;
    std::map<std::string, std::string> running_;
    LogLevelGate& logLevels_;
    Poco::Logger& log_;
};

}  // namespace hermesd

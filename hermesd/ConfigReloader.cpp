#include "ConfigReloader.hpp"

#include <Poco/AutoPtr.h>
#include <Poco/Exception.h>
#include <Poco/Util/LayeredConfiguration.h>
#include <Poco/Util/MapConfiguration.h>
#include <Poco/Util/PropertyFileConfiguration.h>

#include "ConfigCheck.hpp"
#include "ConfigKeys.hpp"
#include "ConfigReader.hpp"
#include "EventLoop.hpp"

namespace hermesd {

namespace {

std::string joined(const std::vector<std::string>& keys) {
    std::string out;
    for (const std::string& key : keys) {
        out += (out.empty() ? "" : ", ") + key;
    }
    return out;
}

}  // namespace

ConfigReloader::ConfigReloader(std::string path, std::function<void(DaemonConfig&)> overrides,
                               DaemonConfig settings, std::map<std::string, std::string> running,
                               LogLevelGate& logLevels)
    : path_(std::move(path)),
      overrides_(std::move(overrides)),
      settings_(std::move(settings)),
      running_(std::move(running)),
      logLevels_(logLevels),
      log_(Poco::Logger::get("hermesd.reload")) {}

ReloadOutcome ConfigReloader::reload(EventLoop& loop) {
    ReloadOutcome outcome;
    if (path_.empty()) {
        outcome.error = "hermesd was started without --config: there is no file to re-read";
        log_.warning("SIGHUP: %s", outcome.error);
        return outcome;
    }
    log_.information("SIGHUP: re-reading %s", path_);
    DaemonConfig next;
    std::map<std::string, std::string> values;
    try {
        Poco::AutoPtr<Poco::Util::PropertyFileConfiguration> file(
            new Poco::Util::PropertyFileConfiguration(path_));
        ConfigReader first(*file, ConfigReader::Mode::Strict);
        readDaemonConfig(first);
        values = first.values();
        for (const auto& [key, value] : values) {
            const auto it = running_.find(key);
            if (it != running_.end() && it->second == value) {
                continue;
            }
            const ConfigKey* row = findConfigKey(key);
            (row != nullptr && row->applies == Applies::Reload ? outcome.changed
                                                               : outcome.needRestart)
                .push_back(key);
        }
        // Again, with the keys that need a restart held at their running
        // values: overlay first, so it wins.
        Poco::AutoPtr<Poco::Util::MapConfiguration> held(new Poco::Util::MapConfiguration);
        for (const std::string& key : outcome.needRestart) {
            held->setString(key, running_[key]);
            values[key] = running_[key];
        }
        Poco::AutoPtr<Poco::Util::LayeredConfiguration> layered(
            new Poco::Util::LayeredConfiguration);
        layered->add(held, 0, false);
        layered->add(file, 1, false);
        ConfigReader second(*layered, ConfigReader::Mode::Strict);
        next = readDaemonConfig(second);
        overrides_(next);
        for (ConfigProblem& problem : unknownKeys(scanPropertiesFile(path_))) {
            log_.warning("%s", formatProblem(path_, problem));
        }
    } catch (const Poco::Exception& error) {
        outcome.error = error.displayText();
        log_.error("SIGHUP: %s not applied, nothing changed: %s", path_, outcome.error);
        return outcome;
    }

    outcome.applied = true;
    for (const std::string& warning : next.hub.warnings()) {
        log_.warning("configuration: %s", warning);
    }
    if (!outcome.needRestart.empty()) {
        log_.warning("SIGHUP: changed but need a restart (left as they were): %s",
                     joined(outcome.needRestart));
    }
    if (outcome.changed.empty()) {
        log_.information("SIGHUP: no key that a reload applies changed");
    } else {
        log_.information("SIGHUP: applied: %s", joined(outcome.changed));
    }
    if (next.edge.logLevel != settings_.edge.logLevel) {
        // Every logger, those made already included; not Poco::Logger::setLevel,
        // whose plain int the other threads read as they log (LogLevelGate.hpp).
        logLevels_.setLevel(Poco::Logger::parseLevel(next.edge.logLevel));
    }
    loop.post([hub = next.hub](hermes::hub::Hub& target, EventLoop::TimePoint now) {
        target.reload(hub, now);
    });
    settings_ = std::move(next);
    running_ = std::move(values);
    return outcome;
}

}  // namespace hermesd

#pragma once
// hermesd as a POCO ServerApplication: options, configuration, logging, and
// the start and orderly stop of the acceptor (TCPServer) and the EventLoop.
//
// Threading: POCO's main thread runs main(); it starts the loop thread, the
// TCPServer and the signal thread (SignalWatcher: SIGHUP reloads the config,
// SIGUSR1 backs up the history, and hands hub changes to the loop), then
// waits for SIGTERM/SIGINT. Every thread blocks those signals; only the
// main thread's and the signal thread's sigwaits take them.

#include <optional>
#include <string>
#include <vector>

#include <Poco/Util/ServerApplication.h>

namespace hermesd {

struct DaemonConfig;

class HermesDaemon : public Poco::Util::ServerApplication {
protected:
    void initialize(Poco::Util::Application& self) override;
    void defineOptions(Poco::Util::OptionSet& options) override;
    int main(const std::vector<std::string>& args) override;

private:
    void handleHelp(const std::string& name, const std::string& value);
    void handleConfig(const std::string& name, const std::string& value);
    void handlePort(const std::string& name, const std::string& value);
    void handlePortFile(const std::string& name, const std::string& value);
    void handleNoPersist(const std::string& name, const std::string& value);
    void handleHashPassword(const std::string& name, const std::string& value);
    void handleCheckConfig(const std::string& name, const std::string& value);
    void handleBackup(const std::string& name, const std::string& value);
    // --check-config FILE: every problem, with its line; 0 when none is an error.
    int checkConfig(const std::string& path);
    // --backup FILE: an online copy of the history database.
    int backup(const DaemonConfig& settings, const std::string& destination);
    void applyOverrides(DaemonConfig& settings) const;
    // --hash-password: reads one line, prints its Argon2id string.
    int printPasswordHash(const DaemonConfig& settings);
    void setUpLogging();

    bool helpRequested_ = false;
    std::optional<std::string> portOverride_;
    std::optional<std::string> portFileOverride_;
    bool noPersist_ = false;
    bool hashPassword_ = false;
    std::string configPath_;  // --config's ("" = none)
    std::optional<std::string> checkConfigPath_;
    std::optional<std::string> backupPath_;
};

}  // namespace hermesd

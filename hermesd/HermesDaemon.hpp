#pragma once
// hermesd as a POCO ServerApplication: options, configuration, logging, and
// the start and orderly stop of the acceptor (TCPServer) and the EventLoop.
//
// Threading: POCO's main thread runs main(); it starts the loop thread and the
// TCPServer, then waits for SIGTERM/SIGINT.

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
    // --hash-password: reads one line, prints its Argon2id string.
    int printPasswordHash(const DaemonConfig& settings);
    void setUpLogging();

    bool helpRequested_ = false;
    std::optional<std::string> portOverride_;
    std::optional<std::string> portFileOverride_;
    bool noPersist_ = false;
    bool hashPassword_ = false;
};

}  // namespace hermesd

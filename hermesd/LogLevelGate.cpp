#include "LogLevelGate.hpp"

#include <atomic>
#include <string>

#include <Poco/Logger.h>
#include <Poco/Message.h>

namespace hermesd {

// A channel in front of another: passes the messages at or above its level.
class LogLevelGate::Gate : public Poco::Channel {
public:
    Gate(Poco::Channel::Ptr next, int level) : next_(std::move(next)), level_(level) {}

    void setLevel(int level) { level_.store(level, std::memory_order_relaxed); }

    void log(const Poco::Message& message) override {
        if (message.getPriority() <= level_.load(std::memory_order_relaxed)) {
            next_->log(message);
        }
    }
    void open() override { next_->open(); }
    void close() override { next_->close(); }

private:
    Poco::Channel::Ptr next_;  // const: set before any thread logs
    std::atomic<int> level_;
};

LogLevelGate::LogLevelGate() = default;
LogLevelGate::~LogLevelGate() = default;

void LogLevelGate::install() {
    std::vector<std::string> names;
    Poco::Logger::names(names);
    // One gate per logger: loggers that share a channel may have their own
    // levels (LoggingConfigurator's logging.loggers.*).
    for (const std::string& name : names) {
        Poco::Logger& logger = Poco::Logger::get(name);
        Poco::Channel::Ptr channel = logger.getChannel();
        if (!channel) {
            continue;  // a logger without a channel logs nothing: nothing to gate
        }
        Poco::AutoPtr<Gate> gate(new Gate(channel, logger.getLevel()));
        logger.setChannel(gate);
        logger.setLevel(Poco::Message::PRIO_TRACE);
        gates_.push_back(gate);
    }
}

void LogLevelGate::setLevel(int level) {
    for (Poco::AutoPtr<Gate>& gate : gates_) {
        gate->setLevel(level);
    }
}

}  // namespace hermesd

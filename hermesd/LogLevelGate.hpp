#pragma once
// The log level a SIGHUP may change (logging.loggers.root.level), changed
// without writing POCO's loggers while other threads log through them.
//
// Poco::Logger keeps its level in a plain int that every log call reads
// unlocked (Logger::is()), so Poco::Logger::setLevel() on the signal thread
// while the loop, the acceptor pool, the history writer or the file thread
// logs is a data race. Instead, install() (at start, before any other
// thread) puts each logger's channel behind a gate that holds the level in
// an atomic, and lets the logger itself pass everything (PRIO_TRACE); a
// reload sets the gates' level. A logger made later (Poco::Logger::get)
// takes its parent's channel, so its parent's gate.
//
// Cost: a message under the level is formatted before its gate drops it.
// The hub logs little at debug and trace, nothing per chat message.
//
// Threading: install() once, before any thread but the main one;
// setLevel() from any thread (the signal thread's reload); the gates' log()
// from every thread that logs.

#include <vector>

#include <Poco/AutoPtr.h>
#include <Poco/Channel.h>

namespace hermesd {

class LogLevelGate {
public:
    LogLevelGate();
    ~LogLevelGate();
    LogLevelGate(const LogLevelGate&) = delete;
    LogLevelGate& operator=(const LogLevelGate&) = delete;

    // Every logger that exists now, each at the level it has (the config's).
    void install();
    // Every gate (so every logger) at `level` (Poco::Message::Priority), as
    // Poco::Logger::setLevel("", level) would set every logger.
    void setLevel(int level);

private:
    class Gate;
    // Written by install() only, before the threads that read it exist.
    std::vector<Poco::AutoPtr<Gate>> gates_;
};

}  // namespace hermesd

#include "SignalWatcher.hpp"

#include <pthread.h>

#include <cerrno>
#include <csignal>
#include <ctime>
#include <exception>

#include <Poco/Logger.h>

#include "hermes/threads/ThisThread.hpp"

namespace hermesd {

namespace {

sigset_t watched() {
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGHUP);
    sigaddset(&signals, SIGUSR1);
    return signals;
}

}  // namespace

SignalWatcher::SignalWatcher(Handler onHangUp, Handler onUser1)
    : onHangUp_(std::move(onHangUp)), onUser1_(std::move(onUser1)) {}

SignalWatcher::~SignalWatcher() {
    stop();
}

void SignalWatcher::blockSignals() {
    const sigset_t signals = watched();
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);
}

void SignalWatcher::start() {
    thread_ = std::thread([this] {
        hermes::threads::nameThisThread("signals");
        run();
    });
}

void SignalWatcher::stop() {
    stopping_.store(true);
    if (thread_.joinable()) {
        thread_.join();
    }
}

void SignalWatcher::run() {
    Poco::Logger& log = Poco::Logger::get("hermesd.signals");
    const sigset_t signals = watched();
    const timespec poll{0, 200'000'000};
    while (!stopping_.load()) {
        const int signal = sigtimedwait(&signals, nullptr, &poll);
        if (signal < 0) {
            continue;  // EAGAIN (the poll) or EINTR
        }
        try {
            if (signal == SIGHUP) {
                onHangUp_();
            } else if (signal == SIGUSR1) {
                onUser1_();
            }
        } catch (const std::exception& error) {
            log.error("handling signal %d failed: %s; the hub goes on", signal,
                      std::string(error.what()));
        }
    }
}

}  // namespace hermesd

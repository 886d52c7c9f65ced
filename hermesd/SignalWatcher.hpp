#pragma once
// The thread that takes SIGHUP (reload the config) and SIGUSR1 (back up the
// history) while the hub serves.
//
// Every thread of hermesd blocks both signals (blockSignals(), before any
// thread starts), so only this thread's sigtimedwait() ever receives them:
// no async signal handler, no work in signal context. The handlers run here,
// off the loop thread; whatever they change in the hub they hand to the loop
// (EventLoop::post), which stays the hub's only owner.
//
// Threading: start() and stop() from the main thread; the handlers on the
// watcher's own thread, one at a time.

#include <atomic>
#include <functional>
#include <thread>

namespace hermesd {

class SignalWatcher {
public:
    using Handler = std::function<void()>;
    SignalWatcher(Handler onHangUp, Handler onUser1);
    ~SignalWatcher();
    SignalWatcher(const SignalWatcher&) = delete;
    SignalWatcher& operator=(const SignalWatcher&) = delete;

    // Blocks SIGHUP and SIGUSR1 in the calling thread (and so in every thread
    // it starts afterwards).
    static void blockSignals();

    void start();
    // Returns once the thread has ended (within its 200 ms poll).
    void stop();

private:
    void run();

    Handler onHangUp_;
    Handler onUser1_;
    std::atomic<bool> stopping_{false};
    std::thread thread_;
};

}  // namespace hermesd

#pragma once
// "Loop thread only", checked: an object whose methods must all run on one
// thread holds an OwnerThread and calls check() at the top of each of them
// (after muduo's EventLoop::assertInLoopThread()). The first check binds the
// owner; a call from any other thread afterwards aborts with the name of
// the method, in debug builds (the asan and tsan presets). In release builds
// (NDEBUG) it is empty and costs nothing.
//
// An object built on one thread and handed to another (hermesd builds the
// Hub on the main thread, then runs it on the loop thread) binds at its
// first checked call, not at construction; bind() makes the hand-over
// explicit where one is wanted.
//
// Threading: check() and bind() are thread safe.

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <thread>

namespace hermes::threads {

class OwnerThread {
public:
#ifdef NDEBUG
    void check(const char* /*what*/) const {}
    void bind() {}
#else
    void check(const char* what) const {
        const std::thread::id self = std::this_thread::get_id();
        std::thread::id expected{};
        if (owner_.compare_exchange_strong(expected, self) || expected == self) {
            return;
        }
        std::fprintf(stderr, "hermes: %s called off its owner thread\n", what);
        std::abort();
    }
    // From now on the calling thread is the owner.
    void bind() {
        owner_.store(std::this_thread::get_id());
    }

private:
    mutable std::atomic<std::thread::id> owner_{};
#endif
};

}  // namespace hermes::threads

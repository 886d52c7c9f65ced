#pragma once
// A value that is only reachable through its lock (after PowerDNS's
// LockGuarded, pdns/lock.hh): state shared between threads lives inside one,
// so that touching it without the mutex does not compile.
//
//   LockGuarded<Queue> queue_;
//   queue_.lock()->push_back(item);           // one statement, one lock
//   {
//       auto q = queue_.lock();               // a scope, one lock
//       cv.wait(q.unique(), [&] { return !q->empty(); });
//   }
//
// Threading: thread safe; that is its purpose. Never hold a Holder while
// doing I/O or calling out to code that may take another lock.

#include <mutex>
#include <utility>

namespace hermes::threads {

template <typename T>
class LockGuarded {
public:
    template <typename... Args>
    explicit LockGuarded(Args&&... args) : value_(std::forward<Args>(args)...) {}
    LockGuarded(const LockGuarded&) = delete;
    LockGuarded& operator=(const LockGuarded&) = delete;

    // The value, with the mutex held until the holder goes out of scope.
    template <typename V>
    class Holder {
    public:
        Holder(std::mutex& mutex, V& value) : lock_(mutex), value_(&value) {}
        V* operator->() const { return value_; }
        V& operator*() const { return *value_; }
        // For condition variables: wait(holder.unique(), predicate).
        std::unique_lock<std::mutex>& unique() { return lock_; }

    private:
        std::unique_lock<std::mutex> lock_;
        V* value_;
    };

    Holder<T> lock() { return Holder<T>(mutex_, value_); }
    Holder<const T> lock() const { return Holder<const T>(mutex_, value_); }

private:
    mutable std::mutex mutex_;
    T value_;
};

}  // namespace hermes::threads

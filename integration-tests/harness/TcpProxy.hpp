#pragma once
// A TCP proxy on loopback that a test controls, to cut one hub from Redis
// without touching the others (issue 20's partition): it listens on a free
// 127.0.0.1 port and forwards each connection to 127.0.0.1:target.
//
// - blackhole(): nothing passes either way, and connections stay open (a
//   partition that sends no RST: the hub learns only from its timeouts); new
//   connections are accepted and held.
// - cut(): every connection is closed, and new ones are closed at once.
// - heal(): forwarding again; held connections are connected upstream.
//
// Nothing leaves 127.0.0.0/8.
//
// Threading: the proxy runs on one thread of its own (poll), started by the
// constructor and joined by the destructor. The public methods may be called
// from any thread: they post the change through a mutex and an eventfd.

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>

namespace hermes::it {

class TcpProxy {
public:
    enum class Mode { Forward, Blackhole, Cut };

    explicit TcpProxy(std::uint16_t targetPort);
    ~TcpProxy();
    TcpProxy(const TcpProxy&) = delete;
    TcpProxy& operator=(const TcpProxy&) = delete;

    std::uint16_t port() const { return port_; }
    std::string address() const;

    void blackhole() { setMode(Mode::Blackhole); }
    void cut() { setMode(Mode::Cut); }
    void heal() { setMode(Mode::Forward); }
    // Connections accepted and not yet closed (forwarded or held).
    std::size_t connections() const { return connections_.load(); }
    // Bytes forwarded so far, both ways.
    std::uint64_t bytesForwarded() const { return bytes_.load(); }

private:
    void setMode(Mode mode);
    void run();

    std::uint16_t target_;
    std::uint16_t port_ = 0;
    int listenFd_ = -1;
    int wakeFd_ = -1;
    std::mutex mutex_;
    Mode mode_ = Mode::Forward;  // guarded by mutex_
    bool stopping_ = false;      // guarded by mutex_
    std::atomic<std::size_t> connections_{0};
    std::atomic<std::uint64_t> bytes_{0};
    std::thread thread_;
};

}  // namespace hermes::it

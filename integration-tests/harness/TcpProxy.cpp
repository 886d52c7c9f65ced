#include "TcpProxy.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <list>
#include <stdexcept>
#include <system_error>
#include <vector>

namespace hermes::it {

namespace {

int connectLoopback(std::uint16_t port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return -1;
    }
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = htons(port);
    // Blocking: a loopback connect is answered at once (or refused).
    if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
        ::close(fd);
        return -1;
    }
    ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
    const int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return fd;
}

// One proxied connection: the client's side (from the hub) and Redis's.
struct Pair {
    int down = -1;       // accepted from the client
    int up = -1;         // to the target; -1 while held
    std::string toUp;    // read from down, not yet written up
    std::string toDown;  // read from up, not yet written down
    bool closed = false;
};

void closePair(Pair& pair) {
    if (pair.down >= 0) {
        ::close(pair.down);
    }
    if (pair.up >= 0) {
        ::close(pair.up);
    }
    pair.down = pair.up = -1;
    pair.closed = true;
}

// Moves what `from` has into `buffer`, then what `buffer` has into `to`.
// False when either side ended.
bool pump(int from, bool readable, std::string& buffer, int to, std::atomic<std::uint64_t>& bytes) {
    if (readable) {
        char chunk[64 * 1024];
        const ssize_t n = ::recv(from, chunk, sizeof chunk, MSG_DONTWAIT);
        if (n == 0) {
            return false;
        }
        if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
            return false;
        }
        if (n > 0) {
            buffer.append(chunk, static_cast<std::size_t>(n));
        }
    }
    while (!buffer.empty()) {
        const ssize_t n = ::send(to, buffer.data(), buffer.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
        if (n < 0) {
            return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR;
        }
        bytes += static_cast<std::uint64_t>(n);
        buffer.erase(0, static_cast<std::size_t>(n));
    }
    return true;
}

}  // namespace

TcpProxy::TcpProxy(std::uint16_t targetPort) : target_(targetPort) {
    listenFd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (listenFd_ < 0) {
        throw std::system_error(errno, std::generic_category(), "TcpProxy socket");
    }
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    if (::bind(listenFd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
        ::listen(listenFd_, 64) != 0 ||
        ::getsockname(listenFd_, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
        const int error = errno;
        ::close(listenFd_);
        throw std::system_error(error, std::generic_category(), "TcpProxy listen");
    }
    port_ = ntohs(address.sin_port);
    wakeFd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (wakeFd_ < 0) {
        const int error = errno;
        ::close(listenFd_);
        throw std::system_error(error, std::generic_category(), "TcpProxy eventfd");
    }
    thread_ = std::thread([this] { run(); });
}

TcpProxy::~TcpProxy() {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        stopping_ = true;
    }
    const std::uint64_t one = 1;
    [[maybe_unused]] const ssize_t n = ::write(wakeFd_, &one, sizeof one);
    thread_.join();
    ::close(wakeFd_);
    ::close(listenFd_);
}

std::string TcpProxy::address() const {
    return "127.0.0.1:" + std::to_string(port_);
}

void TcpProxy::setMode(Mode mode) {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        mode_ = mode;
    }
    const std::uint64_t one = 1;
    [[maybe_unused]] const ssize_t n = ::write(wakeFd_, &one, sizeof one);
}

void TcpProxy::run() {
    std::list<Pair> pairs;
    for (;;) {
        Mode mode;
        {
            std::lock_guard<std::mutex> lock(mutex_);
            if (stopping_) {
                break;
            }
            mode = mode_;
        }
        if (mode == Mode::Cut) {
            for (auto& pair : pairs) {
                closePair(pair);
            }
        }
        if (mode == Mode::Forward) {
            for (auto& pair : pairs) {
                if (!pair.closed && pair.up < 0) {
                    pair.up = connectLoopback(target_);
                    if (pair.up < 0) {
                        closePair(pair);
                    }
                }
            }
        }
        pairs.remove_if([](const Pair& pair) { return pair.closed; });
        connections_ = pairs.size();

        std::vector<pollfd> fds{{wakeFd_, POLLIN, 0}, {listenFd_, POLLIN, 0}};
        if (mode == Mode::Forward) {
            for (const auto& pair : pairs) {
                fds.push_back({pair.down,
                               static_cast<short>(POLLIN | (pair.toDown.empty() ? 0 : POLLOUT)),
                               0});
                fds.push_back(
                    {pair.up, static_cast<short>(POLLIN | (pair.toUp.empty() ? 0 : POLLOUT)), 0});
            }
        }
        if (::poll(fds.data(), fds.size(), -1) < 0 && errno != EINTR) {
            break;
        }
        if ((fds[0].revents & POLLIN) != 0) {
            std::uint64_t value = 0;
            [[maybe_unused]] const ssize_t n = ::read(wakeFd_, &value, sizeof value);
        }
        if ((fds[1].revents & POLLIN) != 0) {
            for (;;) {
                const int fd = ::accept4(listenFd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
                if (fd < 0) {
                    break;
                }
                if (mode == Mode::Cut) {
                    ::close(fd);
                    continue;
                }
                const int one = 1;
                ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                Pair pair;
                pair.down = fd;
                pairs.push_back(std::move(pair));  // connected upstream at the top of the loop
            }
        }
        if (mode != Mode::Forward) {
            continue;
        }
        std::size_t i = 2;
        for (auto& pair : pairs) {
            if (i + 1 >= fds.size()) {
                break;  // accepted in this turn: not polled yet
            }
            const short down = fds[i].revents;
            const short up = fds[i + 1].revents;
            i += 2;
            const bool downOk = pump(pair.down, (down & (POLLIN | POLLHUP | POLLERR)) != 0,
                                     pair.toUp, pair.up, bytes_);
            const bool upOk = pump(pair.up, (up & (POLLIN | POLLHUP | POLLERR)) != 0, pair.toDown,
                                   pair.down, bytes_);
            if (!downOk || !upOk) {
                closePair(pair);
            }
        }
    }
    for (auto& pair : pairs) {
        closePair(pair);
    }
}

}  // namespace hermes::it

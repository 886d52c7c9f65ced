#include "ClientSwarm.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <system_error>

#include "Frames.hpp"
#include "hermes/codec/FrameEncoder.hpp"

namespace hermes::it {

namespace {
constexpr std::size_t kMaxFrameFromHub = 16 * 1024 * 1024;
}  // namespace

ClientSwarm::ClientSwarm(std::uint16_t port) : port_(port) {}

ClientSwarm::~ClientSwarm() {
    closeAll();
}

void ClientSwarm::closeAll() {
    for (std::size_t i = 0; i < clients_.size(); ++i) {
        close(i);
    }
}

std::size_t ClientSwarm::add(int receiveBufferBytes, std::uint16_t port) {
    const std::size_t index = clients_.size();
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        throw std::system_error(errno, std::generic_category(),
                                "swarm client " + std::to_string(index) + ": socket");
    }
    if (receiveBufferBytes > 0) {
        ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &receiveBufferBytes, sizeof receiveBufferBytes);
    }
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) {
        const int error = errno;
        ::close(fd);
        throw std::system_error(error, std::generic_category(),
                                "swarm client " + std::to_string(index) +
                                    ": connect to 127.0.0.1:" + std::to_string(port));
    }
    const int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
    auto client = std::make_unique<Client>();
    client->fd = fd;
    client->decoder = std::make_unique<hermes::codec::FrameDecoder>(kMaxFrameFromHub);
    clients_.push_back(std::move(client));
    return index;
}

void ClientSwarm::setReadRate(std::size_t client, std::size_t bytesPerSecond) {
    Client& c = *clients_[client];
    c.readRate = bytesPerSecond;
    c.allowance = 0.0;
    c.refilled = Clock::now();
}

std::size_t ClientSwarm::readBudget(Client& client, Clock::time_point now) {
    if (client.readRate == 0) {
        return SIZE_MAX;
    }
    const double seconds = std::chrono::duration<double>(now - client.refilled).count();
    client.refilled = now;
    // At most a tenth of a second's worth at once: a slow link, not a bursty one.
    const double cap = static_cast<double>(client.readRate) / 10.0;
    client.allowance =
        std::min(cap, client.allowance + seconds * static_cast<double>(client.readRate));
    return static_cast<std::size_t>(client.allowance);
}

void ClientSwarm::queue(std::size_t client, std::string_view bytes) {
    clients_[client]->out.append(bytes);
}

void ClientSwarm::queue(std::size_t client, const hermes::v1::Envelope& envelope) {
    hermes::codec::appendFrame(envelope, clients_[client]->out);
}

std::size_t ClientSwarm::openCount() const {
    std::size_t open = 0;
    for (const auto& client : clients_) {
        open += client->fd >= 0 ? 1 : 0;
    }
    return open;
}

std::size_t ClientSwarm::queuedBytes(std::size_t client) const {
    return clients_[client]->out.size() - clients_[client]->outPos;
}

void ClientSwarm::close(std::size_t client) {
    if (clients_[client]->fd >= 0) {
        ::close(clients_[client]->fd);
        clients_[client]->fd = -1;
    }
}

void ClientSwarm::closeWith(std::size_t index, const std::string& why,
                            const CloseHandler& onClose) {
    close(index);
    if (onClose) {
        onClose(index, why);
    }
}

bool ClientSwarm::flush(Client& client) {
    while (client.outPos < client.out.size()) {
        const ssize_t written = ::send(client.fd, client.out.data() + client.outPos,
                                       client.out.size() - client.outPos, MSG_NOSIGNAL);
        if (written < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK) {
                return true;
            }
            if (errno == EINTR) {
                continue;
            }
            return false;
        }
        client.outPos += static_cast<std::size_t>(written);
    }
    client.out.clear();
    client.outPos = 0;
    return true;
}

bool ClientSwarm::run(Deadline deadline, const FrameHandler& onFrame,
                      const std::function<bool()>& done, const CloseHandler& onClose) {
    std::vector<pollfd> fds;
    std::vector<std::size_t> owners;
    char buffer[64 * 1024];
    while (!done()) {
        fds.clear();
        owners.clear();
        const auto now = Clock::now();
        bool throttled = false;  // a rate-limited client waits for its allowance
        for (std::size_t i = 0; i < clients_.size(); ++i) {
            Client& client = *clients_[i];
            if (client.fd < 0) {
                continue;
            }
            if (!client.out.empty() && !flush(client)) {
                closeWith(i, std::string("send: ") + std::strerror(errno), onClose);
                continue;
            }
            const bool canRead = client.reading && readBudget(client, now) > 0;
            throttled = throttled || (client.reading && !canRead);
            const short events =
                static_cast<short>((canRead ? POLLIN : 0) | (client.out.empty() ? 0 : POLLOUT));
            fds.push_back({client.fd, events, 0});
            owners.push_back(i);
        }
        int timeout = pollTimeoutMs(deadline);
        if (fds.empty() || timeout == 0) {
            return done();
        }
        if (throttled) {
            timeout = std::min(timeout, 5);
        }
        if (wakeInterval_.count() > 0) {
            timeout = std::min(timeout, static_cast<int>(wakeInterval_.count()));
        }
        const int ready = ::poll(fds.data(), fds.size(), timeout);
        if (ready <= 0) {
            continue;  // timeout (checked above next round) or EINTR
        }
        for (std::size_t k = 0; k < fds.size(); ++k) {
            if ((fds[k].revents & (POLLIN | POLLHUP | POLLERR)) == 0) {
                continue;
            }
            const std::size_t index = owners[k];
            Client& client = *clients_[index];
            const std::size_t budget = std::min(sizeof buffer, readBudget(client, Clock::now()));
            if (budget == 0) {
                continue;  // woke for POLLHUP/POLLERR only; read when allowed
            }
            const ssize_t received = ::recv(client.fd, buffer, budget, 0);
            if (received == 0) {
                closeWith(index, "eof", onClose);
                continue;
            }
            if (received < 0) {
                if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
                    closeWith(index, std::string("recv: ") + std::strerror(errno), onClose);
                }
                continue;
            }
            if (client.readRate > 0) {
                client.allowance -= static_cast<double>(received);
            }
            client.decoder->feed(std::string_view(buffer, static_cast<std::size_t>(received)));
            std::string_view payload;
            while (client.decoder->nextPayload(payload)) {
                if (isPingPayload(payload)) {
                    hermes::v1::Envelope ping;
                    if (hermes::codec::parseEnvelope(payload, ping)) {
                        hermes::v1::Envelope pong;
                        pong.mutable_pong()->set_nonce(ping.ping().nonce());
                        hermes::codec::appendFrame(pong, client.out);
                    }
                }
                onFrame(index, payload);
                if (client.fd < 0) {
                    break;  // the handler closed it
                }
            }
            if (client.fd >= 0 && client.decoder->failed()) {
                closeWith(index,
                          "bad frame from the hub: " +
                              std::string(hermes::codec::describe(client.decoder->error())),
                          onClose);
            }
        }
    }
    return true;
}

}  // namespace hermes::it

#include "BenchClient.hpp"

#include <fcntl.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

#include "hermes/codec/FrameEncoder.hpp"

namespace hermes::bench {

BenchClient::~BenchClient() {
    close();
}

bool BenchClient::startConnect(const sockaddr_storage& address, socklen_t length) {
    fd_ = ::socket(address.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd_ < 0) {
        return false;
    }
    // Chat is interactive: without this, Nagle's algorithm holds small frames
    // back and the latency figures would measure TCP, not the hub.
    const int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (::connect(fd_, reinterpret_cast<const sockaddr*>(&address), length) != 0 &&
        errno != EINPROGRESS) {
        const int saved = errno;
        close();
        errno = saved;
        return false;
    }
    state = ClientState::Connecting;
    return true;
}

int BenchClient::connectResult() const {
    int error = 0;
    socklen_t length = sizeof error;
    if (::getsockopt(fd_, SOL_SOCKET, SO_ERROR, &error, &length) != 0) {
        return errno;
    }
    return error;
}

void BenchClient::startWebSocket(std::string upgradeRequest) {
    ws_ = std::make_unique<WebSocketStream>(kMaxFrameBytes);
    out_ = std::move(upgradeRequest);
    outOffset_ = 0;
}

void BenchClient::startTls(const hermes::tls::TlsContext& context) {
    tls_ = std::make_unique<hermes::tls::TlsStream>(context);
}

void BenchClient::queue(const google::protobuf::MessageLite& message) {
    if (tls_) {
        // Encrypted at flush(): a turn's frames in one write, as the client
        // core does with what its session has queued.
        hermes::codec::appendFrame(message, plainOut_);
        return;
    }
    if (ws_ && !ws_->upgraded()) {
        WebSocketStream::appendMessage(message, held_);
        return;
    }
    if (outOffset_ == out_.size()) {
        out_.clear();
        outOffset_ = 0;
    }
    if (ws_) {
        WebSocketStream::appendMessage(message, out_);
    } else {
        hermes::codec::appendFrame(message, out_);
    }
}

std::string BenchClient::failure() const {
    if (tls_ && tls_->state() == hermes::tls::TlsStream::State::Failed) {
        return "TLS: " + tls_->error();
    }
    if (ws_ && ws_->failed()) {
        return "WebSocket: " + ws_->error();
    }
    return "undecodable stream from the hub: " +
           std::string(hermes::codec::describe(frames_.error()));
}

namespace {

enum class Sent { Some, Blocked, Failed };

// One send() of `bytes` (retried on EINTR): how many went, or why none.
Sent sendSome(int fd, std::string_view bytes, std::size_t& taken) {
    for (;;) {
        const ssize_t n = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
        if (n > 0) {
            taken = static_cast<std::size_t>(n);
            return Sent::Some;
        }
        if (n < 0 && errno == EINTR) {
            continue;
        }
        return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) ? Sent::Blocked : Sent::Failed;
    }
}

}  // namespace

bool BenchClient::flush(bool& blocked) {
    blocked = false;
    if (tls_ && !plainOut_.empty()) {
        tls_->write(plainOut_);
        plainOut_.clear();
    }
    std::size_t taken = 0;
    while (tls_ && tls_->hasOutput()) {
        switch (sendSome(fd_, tls_->output(), taken)) {
            case Sent::Some:
                tls_->consumed(taken);
                continue;
            case Sent::Blocked:
                blocked = true;
                return true;
            case Sent::Failed:
                return false;
        }
    }
    while (outOffset_ < out_.size()) {
        switch (sendSome(fd_, std::string_view(out_).substr(outOffset_), taken)) {
            case Sent::Some:
                outOffset_ += taken;
                continue;
            case Sent::Blocked:
                blocked = true;
                return true;
            case Sent::Failed:
                return false;
        }
    }
    // Idle clients (I1) should not keep a buffer each.
    std::string().swap(out_);
    outOffset_ = 0;
    return true;
}

long BenchClient::receive(char* buffer, std::size_t bytes) {
    for (;;) {
        const ssize_t n = ::recv(fd_, buffer, bytes, 0);
        if (n >= 0 || errno != EINTR) {
            return static_cast<long>(n);
        }
    }
}

void BenchClient::close() {
    tls_.reset();
    if (fd_ >= 0) {
        ::close(fd_);
        fd_ = -1;
    }
    state = ClientState::Closed;
}

}  // namespace hermes::bench

#pragma once
// The accept stage: POCO's TCPServer accepts on its own thread and hands each
// connection to one of its pool threads, which runs HandoffConnection: set
// the socket up (TCP_NODELAY, non-blocking, the send buffer's size), ask the
// hub's Registry whether it has room for one more connection (in all, and
// from that address), and give it to the EventLoop as a TcpConnection with
// that answer (an IrcConnection on the IRC port). A refused connection never becomes a session: the
// loop writes it HUB_FULL and closes it. The hub decides again when it opens the session (another
// acceptor thread may have filled the last place meanwhile). Nothing blocks here, so a small pool
// serves any number of clients and a client that never says hello costs no thread (the hub times it
// out).
//
// Threading: HandoffConnection::run() runs on TCPServer pool threads; it only
// reads the Registry and calls EventLoop::adopt(), both thread safe.

#include <chrono>

#include <Poco/Net/TCPServerConnection.h>
#include <Poco/Net/TCPServerConnectionFactory.h>

#include "hermes/hub/Registry.hpp"
#include "hermes/irc/IrcRenderCache.hpp"
#include "hermes/irc/IrcSession.hpp"
#include "hermes/tls/TlsContext.hpp"

namespace hermesd {

class EventLoop;

struct HandoffSettings {
    int sendBufferBytes = 0;  // > 0: SO_SNDBUF (the kernel's autotuning otherwise)
    hermes::hub::Registry::Limits limits;
    // tls.enabled: the server's context (outlives the TCPServer); every
    // connection is a TlsConnection. Null: TcpConnection.
    const hermes::tls::TlsContext* tls = nullptr;
    // The IRC listener's (irc.port): every connection is an IrcConnection,
    // its session made from this (the peer and a random client_msg_id base
    // filled in per connection); `tls` is then unused.
    bool irc = false;
    hermes::irc::IrcSessionSettings ircSession;
    std::size_t ircMaxFrameBytes = 16 * 1024 * 1024;  // the largest frame the hub sends
    // irc.tls_port's listener: the server's context; null: plaintext IRC.
    const hermes::tls::TlsContext* ircTls = nullptr;
    // The loop's cache of rendered room messages (irc only; outlives the loop).
    hermes::irc::IrcRenderCache* ircCache = nullptr;
    // irc.send_interval_ms: the least time between two sends to an IRC member.
    std::chrono::microseconds ircSendInterval{};
};

class HandoffConnection : public Poco::Net::TCPServerConnection {
public:
    HandoffConnection(const Poco::Net::StreamSocket& socket, EventLoop& loop,
                      const hermes::hub::Registry& registry, const HandoffSettings& settings);
    void run() override;

private:
    EventLoop& loop_;
    const hermes::hub::Registry& registry_;
    const HandoffSettings& settings_;
};

class HandoffFactory : public Poco::Net::TCPServerConnectionFactory {
public:
    HandoffFactory(EventLoop& loop, const hermes::hub::Registry& registry, HandoffSettings settings)
        : loop_(loop), registry_(registry), settings_(settings) {}
    Poco::Net::TCPServerConnection* createConnection(
        const Poco::Net::StreamSocket& socket) override;

private:
    EventLoop& loop_;
    const hermes::hub::Registry& registry_;
    const HandoffSettings settings_;
};

}  // namespace hermesd

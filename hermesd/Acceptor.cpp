#include "Acceptor.hpp"

#include <Poco/Logger.h>

#include "EventLoop.hpp"

namespace hermesd {

HandoffConnection::HandoffConnection(const Poco::Net::StreamSocket& socket, EventLoop& loop,
                                     int sendBufferBytes)
    : TCPServerConnection(socket), loop_(loop), sendBufferBytes_(sendBufferBytes) {}

void HandoffConnection::run() {
    std::string peer = "unknown peer";
    try {
        peer = socket().peerAddress().toString();
        socket().setNoDelay(true);
        socket().setBlocking(false);
        if (sendBufferBytes_ > 0) {
            socket().setSendBufferSize(sendBufferBytes_);
        }
        loop_.adopt(socket(), peer);
    } catch (const Poco::Exception& error) {
        // The peer is usually gone already (reset before we got to it).
        Poco::Logger::get("hermesd.accept")
            .warning("%s: connection dropped at accept: %s", peer, error.displayText());
    }
}

Poco::Net::TCPServerConnection* HandoffFactory::createConnection(
    const Poco::Net::StreamSocket& socket) {
    return new HandoffConnection(socket, loop_, sendBufferBytes_);
}

}  // namespace hermesd

#include "Acceptor.hpp"

#include <memory>

#include <Poco/Logger.h>

#include "EventLoop.hpp"
#include "TcpConnection.hpp"
#include "TlsConnection.hpp"

namespace hermesd {

HandoffConnection::HandoffConnection(const Poco::Net::StreamSocket& socket, EventLoop& loop,
                                     const hermes::hub::Registry& registry,
                                     const HandoffSettings& settings)
    : TCPServerConnection(socket), loop_(loop), registry_(registry), settings_(settings) {}

void HandoffConnection::run() {
    std::string peer = "unknown peer";
    try {
        peer = socket().peerAddress().toString();
        socket().setNoDelay(true);
        socket().setBlocking(false);
        if (settings_.sendBufferBytes > 0) {
            socket().setSendBufferSize(settings_.sendBufferBytes);
        }
        const auto admission =
            registry_.admission(hermes::hub::Registry::addressOf(peer), settings_.limits);
        if (settings_.tls != nullptr) {
            loop_.adopt(std::make_unique<TlsConnection>(socket(), *settings_.tls, peer), peer,
                        admission);
        } else {
            loop_.adopt(std::make_unique<TcpConnection>(socket(), peer), peer, admission);
        }
    } catch (const Poco::Exception& error) {
        // The peer is usually gone already (reset before we got to it).
        Poco::Logger::get("hermesd.accept")
            .warning("%s: connection dropped at accept: %s", peer, error.displayText());
    } catch (const std::exception& error) {
        Poco::Logger::get("hermesd.accept")
            .warning("%s: connection dropped at accept: %s", peer, std::string(error.what()));
    }
}

Poco::Net::TCPServerConnection* HandoffFactory::createConnection(
    const Poco::Net::StreamSocket& socket) {
    return new HandoffConnection(socket, loop_, registry_, settings_);
}

}  // namespace hermesd

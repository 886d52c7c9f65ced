#include "Acceptor.hpp"

#include <memory>
#include <random>

#include <Poco/Logger.h>

#include "EventLoop.hpp"
#include "IrcConnection.hpp"
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
        if (settings_.irc) {
            hermes::irc::IrcSessionSettings session = settings_.ircSession;
            session.peer = peer;
            // client_msg_ids unique to this session (docs/PROTOCOL.md
            // "Matching echoes"): a random base in the upper 32 bits.
            thread_local std::mt19937_64 random{std::random_device{}()};
            session.msgIdBase = (random() | 1u) << 32;
            loop_.adopt(std::make_unique<IrcConnection>(
                            socket(), std::move(session), settings_.ircMaxFrameBytes,
                            *settings_.ircCache, settings_.ircTls, settings_.ircSendInterval),
                        peer, admission);
        } else if (settings_.tls != nullptr) {
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

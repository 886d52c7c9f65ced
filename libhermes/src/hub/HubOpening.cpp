// A new connection: a Session with its handshake clock started, or a
// refusal (shutting down, hub full) handed straight to the closing list.

#include "HubImpl.hpp"

#include <memory>
#include <string>
#include <utility>

namespace hermes::hub {

SessionId Hub::Impl::open(std::string peer) {
    const SessionId id = nextId++;
    if (shutDown) {
        v1::Envelope bye;
        bye.mutable_bye()->set_reason(v1::BYE_REASON_SHUTDOWN);
        bye.mutable_bye()->set_text("the hub is shutting down");
        closing.push_back(Closing{id, codec::encodeFrame(bye), "shutdown"});
        return id;
    }
    if (sessions.size() >= config.maxClients) {
        ++stats.disconnects["hub_full"];
        log.information("session " + std::to_string(id) + " (" + peer + ") refused: hub_full");
        closing.push_back(
            Closing{id,
                    errorFrame(v1::ERROR_CODE_HUB_FULL, "the hub serves its maximum of " +
                                                            std::to_string(config.maxClients) +
                                                            " connections; try later"),
                    "hub_full"});
        return id;
    }
    auto session =
        std::make_unique<Session>(id, std::move(peer), config.handshakeMaxFrameBytes, now, &memory);
    session->bucket = protocol::TokenBucket(config.ratePerSecond, config.rateBurst, now);
    log.information(describe(*session) + " connected");
    sessions.emplace(id, std::move(session));
    ++stats.connections;
    return id;
}

}  // namespace hermes::hub

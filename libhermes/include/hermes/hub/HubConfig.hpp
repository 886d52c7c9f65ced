#pragma once
// Every limit and setting of the hub's logic, with its default. hermesd reads
// each from the config file under the key in the comment (hub.*); the
// shipped etc/hermesd.properties lists them all.

#include <chrono>
#include <cstddef>
#include <string>

#include "hermes/protocol/Limits.hpp"

namespace hermes::hub {

struct HubConfig {
    std::string serverName = "hermes";                            // hub.name
    std::string motd;                                             // hub.motd
    std::string defaultRoom = "lobby";                            // hub.default_room ("" = none)
    std::size_t maxClients = 1024;                                // hub.max_clients
    std::size_t maxFrameBytes = protocol::kDefaultMaxFrameBytes;  // hub.max_frame_bytes
    std::size_t handshakeMaxFrameBytes =
        protocol::kHandshakeMaxFrameBytes;                      // hub.handshake_max_frame_bytes
    std::size_t maxTextBytes = protocol::kDefaultMaxTextBytes;  // hub.max_text_bytes
    std::size_t maxRoomsPerClient = 64;                         // hub.max_rooms_per_client
    std::size_t historySize = 1000;  // hub.history_size (per room, in memory)
    std::size_t joinBacklog = 50;    // hub.join_backlog
    std::size_t historyPageMax = protocol::kDefaultHistoryPageMax;  // hub.history_page_max
    std::size_t outboundQueueBytes = 1024 * 1024;                   // hub.outbound_queue_bytes
    std::chrono::milliseconds handshakeTimeout{10'000};             // hub.handshake_timeout_ms
    std::chrono::milliseconds writeStallTimeout{10'000};            // hub.write_stall_timeout_ms
    std::chrono::milliseconds pingInterval{30'000};                 // hub.ping_interval_ms
    std::chrono::milliseconds pingTimeout{15'000};                  // hub.ping_timeout_ms
    double ratePerSecond = 5.0;     // hub.rate_per_second (0 = unlimited)
    double rateBurst = 10.0;        // hub.rate_burst
    std::size_t floodBacklog = 20;  // hub.flood_backlog (frames held while limited)
    // Presence to rooms this large is held up to presenceCoalesceDelay so a
    // join storm costs a few broadcasts, not one per processing turn.
    std::size_t presenceCoalesceMembers = 100;             // hub.presence_coalesce_members
    std::chrono::milliseconds presenceCoalesceDelay{100};  // hub.presence_coalesce_ms (0 = off)
    // With durable history: messages waiting for the store's commit, over all
    // rooms, beyond which a say is refused (STORE_BEHIND) rather than held.
    std::size_t maxHeldMessages = 50'000;  // history.max_held_messages
};

}  // namespace hermes::hub

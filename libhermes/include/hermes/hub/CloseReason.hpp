#pragma once
// Why the hub ended a session. Each reason has one key (the log's word and
// the HubStats::disconnects counter's name) and one default quit text (what
// the session's rooms are told in Presence{QUIT}).
//
// Threading: constants and pure functions.

#include <cstdint>
#include <string_view>

namespace hermes::hub {

enum class CloseReason : std::uint8_t {
    ConnectionClosed,   // the peer closed or the socket failed
    ClientQuit,         // Bye from the client
    HubFull,            // hub.max_clients reached at open
    AddressFull,        // hub.max_clients_per_address reached at open
    HandshakesFull,     // hub.max_handshakes_per_address reached at open
    Shutdown,           // the hub is stopping
    HandshakeRequired,  // something other than Hello before Welcome
    ProtocolVersion,    // Hello with another protocol version
    HandshakeTimeout,   // no successful Hello in time
    BadFrame,           // undecodable bytes
    FrameTooLarge,      // a length prefix past the limit
    Flood,              // too many frames waiting for the rate limit
    PingTimeout,        // silent past the ping timeout
    SlowConsumer,       // far behind the other members of its rooms
    WriteStall,         // took no bytes for hub.write_stall_timeout_ms
    BudgetStall,        // took no bytes while the output budget held input up
    BudgetHold,         // the longest queue, with input paused for the budget too long
    Internal,           // serving it threw: closed alone, the hub goes on
    HubBanned,          // a hub operator banned its nick, account or address
    HubPassword,        // Hello without the hub's password (hub.password), or a wrong one
    NickRegistered,     // a guest's nick was registered on another hub of the cluster
};

// The counter's and the log's name, e.g. "slow_consumer".
std::string_view closeReasonKey(CloseReason reason);

// What the rooms' QUIT presence says when the close gives no text of its own.
std::string_view closeReasonQuitText(CloseReason reason);

}  // namespace hermes::hub

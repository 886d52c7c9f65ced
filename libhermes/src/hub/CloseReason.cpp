#include "hermes/hub/CloseReason.hpp"

namespace hermes::hub {

std::string_view closeReasonKey(CloseReason reason) {
    switch (reason) {
        case CloseReason::ConnectionClosed:
            return "connection_closed";
        case CloseReason::ClientQuit:
            return "client_quit";
        case CloseReason::HubFull:
            return "hub_full";
        case CloseReason::AddressFull:
            return "address_full";
        case CloseReason::HandshakesFull:
            return "handshakes_full";
        case CloseReason::Shutdown:
            return "shutdown";
        case CloseReason::HandshakeRequired:
            return "handshake_required";
        case CloseReason::ProtocolVersion:
            return "protocol_version";
        case CloseReason::HandshakeTimeout:
            return "handshake_timeout";
        case CloseReason::BadFrame:
            return "bad_frame";
        case CloseReason::FrameTooLarge:
            return "frame_too_large";
        case CloseReason::Flood:
            return "flood";
        case CloseReason::PingTimeout:
            return "ping_timeout";
        case CloseReason::SlowConsumer:
            return "slow_consumer";
        case CloseReason::WriteStall:
            return "write_stall";
        case CloseReason::BudgetStall:
            return "budget_stall";
        case CloseReason::BudgetHold:
            return "budget_hold";
        case CloseReason::Internal:
            return "internal";
        case CloseReason::HubBanned:
            return "hub_banned";
        case CloseReason::HubPassword:
            return "hub_password";
        case CloseReason::NickRegistered:
            return "nick_registered";
    }
    return "unknown";
}

std::string_view closeReasonQuitText(CloseReason reason) {
    switch (reason) {
        case CloseReason::ConnectionClosed:
            return "connection closed";
        case CloseReason::ClientQuit:
            return "";
        case CloseReason::HubFull:
        case CloseReason::AddressFull:
        case CloseReason::HandshakesFull:
            return "hub full";
        case CloseReason::Shutdown:
            return "hub shutting down";
        case CloseReason::HandshakeRequired:
            return "handshake required";
        case CloseReason::ProtocolVersion:
            return "protocol version";
        case CloseReason::HandshakeTimeout:
            return "handshake timeout";
        case CloseReason::BadFrame:
            return "bad frame";
        case CloseReason::FrameTooLarge:
            return "frame too large";
        case CloseReason::Flood:
            return "flood";
        case CloseReason::PingTimeout:
            return "ping timeout";
        case CloseReason::SlowConsumer:
            return "slow consumer";
        case CloseReason::WriteStall:
            return "write stall";
        case CloseReason::BudgetStall:
            return "output budget full, not reading";
        case CloseReason::BudgetHold:
            return "output budget full, reading too slowly";
        case CloseReason::Internal:
            return "internal error";
        case CloseReason::HubBanned:
            return "banned from the hub";
        case CloseReason::HubPassword:
            return "wrong hub password";
        case CloseReason::NickRegistered:
            return "nick registered by someone else";
    }
    return "";
}

}  // namespace hermes::hub

#include "hermes/client/ClientEvent.hpp"

#include <ostream>

namespace hermes::client {

std::string_view describe(EventKind kind) {
    switch (kind) {
        case EventKind::Connecting:
            return "connecting";
        case EventKind::Connected:
            return "connected";
        case EventKind::Welcomed:
            return "welcomed";
        case EventKind::NickRejected:
            return "nick rejected";
        case EventKind::Envelope:
            return "envelope";
        case EventKind::SendWritten:
            return "send written";
        case EventKind::SendAcked:
            return "send acked";
        case EventKind::SendFailed:
            return "send failed";
        case EventKind::Disconnected:
            return "disconnected";
        case EventKind::ReconnectScheduled:
            return "reconnect scheduled";
        case EventKind::UntrustedHub:
            return "untrusted hub";
        case EventKind::Failed:
            return "failed";
    }
    return "unknown event";
}

std::ostream& operator<<(std::ostream& out, EventKind kind) {
    return out << describe(kind);
}

}  // namespace hermes::client

#pragma once
// What the client core tells its UI. The I/O thread creates events and hands
// them over through ClientCore's lock-free queue; the UI owns each event it
// pops.
//
// The life of a connection, as events:
//
//   Connecting -> Connected -> [NickRejected ... (retryNick)] -> Welcomed
//       -> Envelope* [SendWritten* SendAcked* SendFailed*] -> Disconnected{willRetry}
//       -> ReconnectScheduled -> Connecting -> ...
//
// Each say or private message (ClientCore::say, privateMessage) gets
// SendWritten when it is written to the hub (again after a reconnect, if the
// hub never took it), then exactly one of SendAcked (its own live echo was
// received; the echo itself comes as an Envelope just before) or SendFailed
// (text = why: the hub refused it, or the core gave up).
//
// A failed connect gives ReconnectScheduled (text = why) without
// Disconnected. With tls, a hub that does not speak TLS, a failed handshake
// and a certificate known_hubs does not vouch for (UntrustedHub first) give
// Failed: retrying cannot help. Failed is always the last event: the I/O thread has ended and
// the core will do nothing more until it is destroyed. stop() ends the core
// without any event (the UI asked for it).
//
// Threading: a plain value.

#include <chrono>
#include <cstdint>
#include <iosfwd>
#include <memory>
#include <string>
#include <string_view>

#include "hermes/v1/hermes.pb.h"

namespace hermes::client {

enum class EventKind : std::uint8_t {
    Connecting,          // text = "host:port" ("[v6]:port"), attempt = 1, 2, ...
    Connected,           // TCP is up and Hello has been queued
    Welcomed,            // envelope = the Welcome; rooms are being rejoined
    NickRejected,        // envelope = Error NICK_TAKEN / INVALID_NICK in the
                         // handshake, or for a registered nick PASSWORD_REQUIRED /
                         // WRONG_PASSWORD / SIGN_IN_THROTTLED / INVALID_PASSWORD /
                         // ACCOUNTS_BUSY; call retryNick() (with the password)
    Envelope,            // envelope = a frame from the hub, see ClientCore.hpp
    SendWritten,         // clientMsgId was written to the hub; its echo is awaited
    SendAcked,           // clientMsgId's own echo arrived: it is in the room
    SendFailed,          // clientMsgId will not be delivered (text = why; envelope =
                         // the hub's Error, if it refused it)
    Disconnected,        // text = reason; willRetry says if a reconnect follows
    ReconnectScheduled,  // delay until the next attempt; text = last failure;
                         // hub = the hub it goes to (a hub list's next one)
    UntrustedHub,        // tls: known_hubs does not vouch for the hub's certificate;
                         // text = what to tell the user (describeUntrustedHub),
                         // fingerprint = presented, pinnedFingerprint = the one on file
                         // if it changed. Failed follows: the UI asks the user, and
                         // may add it to known_hubs and start a new core.
    Failed,              // text = reason; terminal, nothing follows
};

std::string_view describe(EventKind kind);
std::ostream& operator<<(std::ostream& out, EventKind kind);

struct Event {
    EventKind kind = EventKind::Envelope;
    std::unique_ptr<hermes::v1::Envelope> envelope;  // Welcomed, NickRejected, Envelope
    std::string text;
    bool willRetry = false;              // Disconnected
    std::chrono::milliseconds delay{0};  // ReconnectScheduled
    unsigned attempt = 0;                // Connecting, ReconnectScheduled
    std::uint64_t clientMsgId = 0;       // SendWritten, SendAcked, SendFailed
    std::string fingerprint;             // UntrustedHub: what the hub presented
    std::string pinnedFingerprint;       // UntrustedHub: known_hubs' (empty: a new hub)
    std::string hub;                     // UntrustedHub: "host:port", known_hubs' key;
                                         // ReconnectScheduled: the next hub, as Connecting
};

}  // namespace hermes::client

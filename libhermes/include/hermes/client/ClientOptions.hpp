#pragma once
// What a ClientCore needs to know before it starts: where the hub is, who we
// are, and the limits of its queues and timers. Every field has a usable
// default except host and nick.
//
// Threading: a plain value; ClientCore copies it at construction.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "hermes/client/HubAddress.hpp"

namespace hermes::client {

struct ClientOptions {
    std::string host = "127.0.0.1";
    std::uint16_t port = 7070;
    // More hubs of the same cluster (docs/CLUSTER.md "Clients"): after a
    // connect that failed, a connection that dropped or a hub that refused
    // us, the next attempt goes to the next hub of host:port, moreHubs...,
    // round the list, with the same backoff. Empty: host:port alone.
    std::vector<HubAddress> moreHubs;
    // host:port, then moreHubs (duplicates once).
    std::vector<HubAddress> hubs() const;
    std::string nick;                      // the nick asked for in the first Hello
    std::string clientName = "libhermes";  // Hello.client_name, logged by the hub
    // Hello.password: the nick's password if it is a registered account
    // (the hub ignores it otherwise). Never logged.
    std::string password;
    // Hello.hub_password, for a hub with hub.password. Never logged.
    std::string hubPassword;

    // TLS to a hub with tls.enabled. Its certificate is trusted by pinning
    // (KnownHubs.hpp), checked after the handshake and before the client
    // sends anything of its own; a hub the file does not vouch for stops the
    // core with EventKind::UntrustedHub, then Failed.
    bool tls = false;
    std::string knownHubsPath;  // "" = KnownHubs::defaultPath()
    // A fingerprint the user vouches for (--trust-fingerprint): a hub not in
    // known_hubs that presents it is trusted and recorded there. It never
    // overrides a pinned fingerprint that differs (a changed certificate).
    std::string trustFingerprint;
    // Trust whatever certificate the hub presents and record nothing: for
    // hermes-bench on loopback, never for people.
    bool trustAnyCertificate = false;

    // A TCP connect (and, with tls, its handshake) that has not completed in this time counts as
    // failed.
    std::chrono::milliseconds connectTimeout{5000};
    // No Welcome this long after Hello: the connection is dropped (and retried).
    // Paused while a NickRejected event waits for retryNick().
    std::chrono::milliseconds handshakeTimeout{10000};

    // Reconnect after a lost connection, with capped exponential backoff and
    // jitter (see ReconnectBackoff). Never after stop(), a kick or a
    // PROTOCOL_VERSION error.
    bool autoReconnect = true;
    std::chrono::milliseconds backoffInitial{250};
    std::chrono::milliseconds backoffMax{10000};

    // The hub silent this long: the core sends a Ping; silent as long again:
    // the connection is taken for dead. Zero disables it.
    std::chrono::milliseconds idlePingInterval{30000};

    // How long stop() waits for Bye (and what was written before it) to be
    // written before it closes the socket anyway.
    std::chrono::milliseconds stopLinger{500};

    // Largest frame accepted from the hub. A HistoryPage of history_page_max
    // messages of max_text_bytes each must fit.
    std::size_t maxFrameBytes = 4 * 1024 * 1024;

    // Events the I/O thread may queue for the UI before it stops reading the
    // socket (backpressure: events are never dropped).
    std::size_t eventQueueCapacity = 4096;
    // Frames send() may queue for the I/O thread; send() fails beyond that.
    std::size_t sendQueueCapacity = 1024;

    // client_msg_ids are this + 1, + 2, ... 0 (the default): a random base,
    // so that no other client or earlier run has the same ids. Tests set it
    // to know the ids in advance.
    std::uint64_t clientMsgIdBase = 0;
};

}  // namespace hermes::client

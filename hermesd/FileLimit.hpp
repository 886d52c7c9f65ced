#pragma once
// The descriptor limit a hub needs: one per client, the HTTP listener's
// connections and the sockets waiting in the accept queues, plus a margin.
// Many systems start processes with a soft limit of 1,024, which would
// refuse the 1,024th client at accept() long before hub.max_clients says so.
//
// Threading: call once at start-up, before any thread is started.

#include <cstddef>

#include <Poco/Logger.h>

#include "DaemonConfig.hpp"

namespace hermesd {

struct FileNeeds {
    // hub.max_clients sessions (TCP and WebSocket), the HTTP listener's
    // connections and the margin: below this, fewer clients can connect
    // than the configuration says.
    std::size_t essential = 0;
    // essential + the TCP acceptor's queue (hermesd.accept_queue): sockets
    // accepted and not yet handed to the loop, during a burst of connects.
    std::size_t wanted = 0;
};

// Listening sockets, epoll, eventfds, the history database and its WAL, log
// files, sockets being closed.
inline constexpr std::size_t kFileMargin = 64;

// What `config` may hold open at once. The HTTP listener (when on) serves
// http.max_connections connections, each of which holds two descriptors
// while a WebSocket is handed off (POCO's socket and the loop's dup() of
// it, WebSocketConnection.hpp), and queues http.accept_queue more.
FileNeeds fileNeeds(const DaemonConfig& config);

// Raises the soft RLIMIT_NOFILE towards `needs.wanted` (up to the hard
// limit) and warns when the hard limit is under `needs.essential`.
void raiseFileLimit(const FileNeeds& needs, std::size_t clients, Poco::Logger& log);

}  // namespace hermesd

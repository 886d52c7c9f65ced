#pragma once
// hermesd's settings: the network edge's own (hermesd.*) and the hub's
// (hub.*, see HubConfig.hpp), read from a POCO configuration. Every key has
// its default here and a commented line in etc/hermesd.properties.

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include <Poco/Util/AbstractConfiguration.h>

#include "ConfigReader.hpp"
#include "hermes/hub/HubConfig.hpp"

namespace hermesd {

struct EdgeConfig {
    std::string host = "0.0.0.0";                   // hermesd.host
    std::uint16_t port = 7070;                      // hermesd.port
    int listenBacklog = 1024;                       // hermesd.listen_backlog
    int acceptorThreads = 4;                        // hermesd.acceptor_threads
    int acceptQueue = 4096;                         // hermesd.accept_queue
    std::chrono::seconds statsInterval{60};         // hermesd.stats_interval_s (0 = off)
    std::chrono::milliseconds lingerTimeout{1000};  // hermesd.linger_ms
    std::string portFile;                           // hermesd.port_file ("" = none)
    // SO_SNDBUF of each connection (the kernel doubles it; 0 = its own
    // autotuning, up to net.ipv4.tcp_wmem's 4 MB). What the kernel holds
    // for a member that stopped reading counts as written: a small buffer
    // lets the hub see the stall (hub.write_stall_timeout_ms) seconds
    // sooner, and costs no speed on a LAN.
    int sendBufferBytes = 256 * 1024;  // hermesd.send_buffer_bytes
    // logging.loggers.root.level: every logger's level (POCO's names:
    // fatal .. trace); a SIGHUP applies it.
    std::string logLevel = "information";
};

// The HTTP listener (http.*): the browser client's page and its WebSocket
// endpoint (HttpListener.hpp).
struct HttpConfig {
    std::string host = "0.0.0.0";  // http.host
    std::uint16_t port = 7080;     // http.port (0 = no HTTP listener)
    // http.static_dir: the built page ("" = found next to the binary:
    // ../web/dist in a build tree, ../share/hermes/web when installed).
    std::string staticDir;
    // http.allowed_origins: the Origins a WebSocket upgrade may come from,
    // separated by commas or spaces ("*" = any). Empty: the page's own host
    // only (Origin's host and port = the request's Host).
    std::vector<std::string> allowedOrigins;
    // http.allowed_hosts: the names the listener answers to besides address
    // literals, localhost and this machine's name ("*" = any), against DNS
    // rebinding (HostCheck.hpp).
    std::vector<std::string> allowedHosts;
    int maxConnections = 32;  // http.max_connections: served at once
    int acceptQueue = 64;     // http.accept_queue: waiting for a thread
    // A browser keeps about 6 idle keep-alive connections to a host, and each
    // tab's WebSocket is one more while it upgrades: 8 refused a second tab's
    // wss now and then, so 16 (half the threads) for one person's browser.
    int maxConnectionsPerAddress = 16;          // http.max_connections_per_address (0 = none)
    std::chrono::milliseconds timeout{10000};   // http.timeout_ms: per read or write
    std::chrono::milliseconds keepAlive{2000};  // http.keep_alive_ms: an idle connection
    // http.tls: the listener speaks https (the page and wss://) with the hub's
    // certificate (tls.*). Default: as tls.enabled.
    bool tls = false;
};

// The IRC gateway's listener (irc.*): IRC clients as members of the same
// rooms (IrcConnection.hpp, docs/IRC.md).
struct IrcConfig {
    std::string host;           // irc.host ("" = as hermesd.host)
    std::uint16_t port = 6667;  // irc.port (0 = no IRC listener)
    // irc.tls_port: IRC over TLS with the hub's certificate (IrcConnection
    // with a TlsChannel). Default: 6697 when tls.enabled, else 0 (off); set,
    // it is opened either way (the certificate is then loaded or made).
    std::uint16_t tlsPort = 0;
    // irc.join_playback: backlog messages played back on JOIN to clients with
    // server-time and no draft/chathistory (docs/IRC.md "History on join").
    std::size_t joinPlayback = 50;
    // irc.send_interval_ms: the least time between two sends to one IRC
    // member (hermes::irc::IrcSendPacer, docs/IRC.md "Cost"); 0 = off. The
    // first line after a quiet interval goes at once; in a busy room each
    // send carries what arrived during the interval, a fraction of the
    // hub's CPU per delivery.
    std::chrono::milliseconds sendInterval{2};
};

// The Prometheus endpoint (metrics.*): GET /metrics (MetricsEndpoint.hpp,
// docs/HUB.md "Metrics", docs/SECURITY.md "Metrics").
struct MetricsConfig {
    bool enabled = true;     // metrics.enabled: GET /metrics on the web listener (http.port)
    std::uint16_t port = 0;  // metrics.port: a listener of its own for /metrics (0 = none)
    std::string host;        // metrics.host ("" = as http.host)
    // metrics.allow: the networks that may read it (CIDR, "*" = anyone).
    // Default: loopback and the private LAN ranges.
    std::vector<std::string> allow = {"127.0.0.0/8",   "::1/128",        "10.0.0.0/8",
                                      "172.16.0.0/12", "192.168.0.0/16", "169.254.0.0/16",
                                      "fc00::/7",      "fe80::/10"};
};

// Where history is kept (history.*); see SqliteHistory.hpp.
struct HistoryConfig {
    bool persist = true;                     // history.persist (false: memory only)
    std::string path = "hermes-history.db";  // history.path (relative: to the working dir)
    std::size_t maxMessagesPerRoom = 0;      // history.max_messages_per_room (0 = unlimited)
    std::uint64_t maxAgeDays = 0;            // history.max_age_days (0 = unlimited)
    // history.backup_dir: where SIGUSR1 writes an online copy of the
    // database ("" = SIGUSR1 does nothing); see HistoryBackup.hpp.
    std::string backupDir;
};

// TLS on the hub's TCP port (tls.*); see HubCertificate.hpp and
// TlsConnection.hpp.
struct TlsConfig {
    bool enabled = false;     // tls.enabled: the port speaks only TLS
    std::string certificate;  // tls.certificate: PEM ("" = self-signed, made on first start)
    std::string key;          // tls.key: PEM, with tls.certificate
};

// DNS-SD/mDNS announcing (discovery.*): Announcer.hpp, docs/HUB.md
// "Discovery". Off by default: publishing the hub on a network is the
// admin's decision.
struct DiscoveryConfig {
    bool announce = false;  // discovery.announce
};

// The Redis backplane (cluster.*): several hubs sharing rooms through one
// redis-server (docs/CLUSTER.md). cluster.redis and cluster.sentinels empty:
// a hub alone, as ever, with no Redis needed.
struct ClusterConfig {
    std::string redis;    // cluster.redis: host:port ("" = no cluster)
    std::string hubName;  // cluster.hub_name: unique per hub ("" = host name:hermesd.port)
    std::size_t streamMaxMessages = 10000;     // cluster.stream_max_messages: kept per room
    std::chrono::milliseconds timeout{2000};   // cluster.timeout_ms: connect, and a reply
    std::chrono::milliseconds reconnect{500};  // cluster.reconnect_ms: between attempts
    std::chrono::milliseconds lease{5000};     // cluster.lease_ms: a hub's liveness lease
    std::size_t maxInFlight = 10000;           // cluster.max_in_flight: messages awaiting Redis
    // cluster.sentinels: "host:port,host:port" of Redis Sentinels that name
    // the master (cluster.master_name) at each connect; "" = cluster.redis.
    std::string sentinels;
    std::string masterName;  // cluster.master_name: the master the sentinels monitor
    // cluster.replicas_acked: a message is acked (its notice published) only
    // once this many replicas have it (WAIT); 0 = as soon as the master has it.
    std::size_t replicasAcked = 0;
    bool enabled() const { return !redis.empty() || !sentinels.empty(); }
};

struct DaemonConfig {
    EdgeConfig edge;
    TlsConfig tls;
    HttpConfig http;
    IrcConfig irc;
    MetricsConfig metrics;
    HistoryConfig history;
    DiscoveryConfig discovery;
    ClusterConfig cluster;
    hermes::hub::HubConfig hub;
};

// Reads every key (each a row of ConfigKeys.cpp), falling back to the
// defaults above. Throws Poco::InvalidArgumentException naming the key on a
// bad value.
DaemonConfig readDaemonConfig(const Poco::Util::AbstractConfiguration& config);
// The same through `reader`: in its Collect mode every problem is kept
// (hermesd --check-config) and the result holds defaults where they were.
DaemonConfig readDaemonConfig(ConfigReader& reader);

}  // namespace hermesd

#include "DaemonConfig.hpp"

#include <limits>

#include <Poco/Exception.h>
#include <Poco/Logger.h>
#include <Poco/String.h>

#include "AddressAllowList.hpp"

namespace hermesd {

namespace {

std::size_t size(ConfigReader& reader, const std::string& key, std::size_t fallback) {
    return static_cast<std::size_t>(reader.count(key, fallback));
}

std::uint16_t port(ConfigReader& reader, const std::string& key, std::uint16_t fallback) {
    return static_cast<std::uint16_t>(reader.count(key, fallback));  // the table caps it
}

}  // namespace

DaemonConfig readDaemonConfig(const Poco::Util::AbstractConfiguration& config) {
    ConfigReader reader(config, ConfigReader::Mode::Strict);
    return readDaemonConfig(reader);
}

DaemonConfig readDaemonConfig(ConfigReader& reader) {
    DaemonConfig result;
    EdgeConfig& edge = result.edge;
    edge.host = reader.text("hermesd.host", edge.host);
    edge.port = port(reader, "hermesd.port", edge.port);
    edge.listenBacklog = static_cast<int>(
        reader.count("hermesd.listen_backlog", static_cast<std::uint64_t>(edge.listenBacklog)));
    edge.acceptorThreads = static_cast<int>(
        reader.count("hermesd.acceptor_threads", static_cast<std::uint64_t>(edge.acceptorThreads)));
    edge.acceptQueue = static_cast<int>(
        reader.count("hermesd.accept_queue", static_cast<std::uint64_t>(edge.acceptQueue)));
    edge.statsInterval = std::chrono::seconds(reader.count(
        "hermesd.stats_interval_s", static_cast<std::uint64_t>(edge.statsInterval.count())));
    edge.lingerTimeout = reader.millis("hermesd.linger_ms", edge.lingerTimeout);
    edge.portFile = reader.text("hermesd.port_file", edge.portFile);
    edge.sendBufferBytes = static_cast<int>(reader.count(
        "hermesd.send_buffer_bytes", static_cast<std::uint64_t>(edge.sendBufferBytes)));
    edge.logLevel = Poco::trim(reader.text("logging.loggers.root.level", edge.logLevel));
    try {
        Poco::Logger::parseLevel(edge.logLevel);
    } catch (const Poco::InvalidArgumentException&) {
        reader.fail("logging.loggers.root.level",
                    "'" + edge.logLevel +
                        "' is not a level (none, fatal, critical, error, warning, notice, "
                        "information, debug, trace)");
        edge.logLevel = "information";
    }

    IrcConfig& irc = result.irc;
    irc.host = reader.text("irc.host", "");
    if (Poco::trim(irc.host).empty()) {
        irc.host = edge.host;
    }
    irc.port = port(reader, "irc.port", irc.port);
    irc.joinPlayback = size(reader, "irc.join_playback", irc.joinPlayback);
    irc.sendInterval = reader.millis("irc.send_interval_ms", irc.sendInterval);

    HttpConfig& http = result.http;
    http.host = reader.text("http.host", http.host);
    http.port = port(reader, "http.port", http.port);
    http.staticDir = reader.text("http.static_dir", http.staticDir);
    http.allowedOrigins = reader.list("http.allowed_origins");
    http.allowedHosts = reader.list("http.allowed_hosts");
    http.maxConnections = static_cast<int>(
        reader.count("http.max_connections", static_cast<std::uint64_t>(http.maxConnections)));
    http.acceptQueue = static_cast<int>(
        reader.count("http.accept_queue", static_cast<std::uint64_t>(http.acceptQueue)));
    http.maxConnectionsPerAddress =
        static_cast<int>(reader.count("http.max_connections_per_address",
                                      static_cast<std::uint64_t>(http.maxConnectionsPerAddress)));
    http.timeout = reader.millis("http.timeout_ms", http.timeout);
    http.keepAlive = reader.millis("http.keep_alive_ms", http.keepAlive);

    MetricsConfig& metrics = result.metrics;
    metrics.enabled = reader.flag("metrics.enabled", metrics.enabled);
    metrics.port = port(reader, "metrics.port", metrics.port);
    metrics.host = Poco::trim(reader.text("metrics.host", ""));
    if (metrics.host.empty()) {
        metrics.host = http.host;
    }
    metrics.allow = reader.list("metrics.allow", metrics.allow);
    try {
        // Parsed here as well as where it is used, so that --check-config and a
        // reload report a bad entry instead of the next start failing on it.
        const AddressAllowList parsed(metrics.allow);
    } catch (const Poco::Exception& error) {
        std::string why = error.message();
        if (why.starts_with("metrics.allow: ")) {
            why.erase(0, 15);  // reader.fail names the key
        }
        reader.fail("metrics.allow", why);
    }

    TlsConfig& tls = result.tls;
    tls.enabled = reader.flag("tls.enabled", tls.enabled);
    tls.certificate = reader.text("tls.certificate", tls.certificate);
    tls.key = reader.text("tls.key", tls.key);
    if (tls.certificate.empty() != tls.key.empty()) {
        reader.fail(tls.certificate.empty() ? "tls.key" : "tls.certificate",
                    "tls.certificate and tls.key go together: set both, or neither for a "
                    "self-signed certificate");
    }
    // Empty or absent: https exactly when the TCP port speaks TLS.
    // Empty or absent: 6697 exactly when the TCP port speaks TLS.
    irc.tlsPort = static_cast<std::uint16_t>(
        reader.optionalCount("irc.tls_port").value_or(tls.enabled ? 6697 : 0));
    if (irc.tlsPort != 0 && irc.tlsPort == irc.port) {
        reader.fail("irc.tls_port", "must differ from irc.port (" + std::to_string(irc.port) + ")");
    }
    http.tls = reader.optionalFlag("http.tls").value_or(tls.enabled);

    result.discovery.announce = reader.flag("discovery.announce", result.discovery.announce);

    ClusterConfig& cluster = result.cluster;
    cluster.redis = Poco::trim(reader.text("cluster.redis", cluster.redis));
    cluster.hubName = Poco::trim(reader.text("cluster.hub_name", cluster.hubName));
    cluster.streamMaxMessages =
        size(reader, "cluster.stream_max_messages", cluster.streamMaxMessages);
    cluster.timeout = reader.millis("cluster.timeout_ms", cluster.timeout);
    cluster.reconnect = reader.millis("cluster.reconnect_ms", cluster.reconnect);
    cluster.lease = reader.millis("cluster.lease_ms", cluster.lease);
    cluster.maxInFlight = size(reader, "cluster.max_in_flight", cluster.maxInFlight);
    cluster.sentinels = Poco::trim(reader.text("cluster.sentinels", cluster.sentinels));
    cluster.masterName = Poco::trim(reader.text("cluster.master_name", cluster.masterName));
    cluster.replicasAcked = size(reader, "cluster.replicas_acked", cluster.replicasAcked);
    if (!cluster.sentinels.empty() && cluster.masterName.empty()) {
        reader.fail("cluster.master_name",
                    "cluster.sentinels is set: name the master they monitor");
    }
    if (!cluster.redis.empty() && cluster.redis.find(':') == std::string::npos) {
        reader.fail("cluster.redis", "'" + cluster.redis + "' is not host:port");
    }
    if (cluster.hubName.find_first_of(" \t\r\n") != std::string::npos) {
        reader.fail("cluster.hub_name", "'" + cluster.hubName + "' has white space");
    }
    result.hub.cluster = cluster.enabled();
    result.hub.clusterHubName = cluster.hubName;
    result.hub.clusterMaxInFlight = cluster.maxInFlight;

    HistoryConfig& history = result.history;
    history.persist = reader.flag("history.persist", history.persist);
    history.path = reader.text("history.path", history.path);
    history.maxMessagesPerRoom =
        size(reader, "history.max_messages_per_room", history.maxMessagesPerRoom);
    history.maxAgeDays = reader.count("history.max_age_days", history.maxAgeDays);
    history.backupDir = reader.text("history.backup_dir", history.backupDir);
    if (history.persist && history.path.empty()) {
        reader.fail("history.path", "must not be empty when history.persist is true");
    }

    hermes::hub::HubConfig& hub = result.hub;
    hub.serverName = reader.text("hub.name", hub.serverName);
    hub.motd = reader.text("hub.motd", hub.motd);
    hub.defaultRoom = reader.text("hub.default_room", hub.defaultRoom);
    hub.maxClients = size(reader, "hub.max_clients", hub.maxClients);
    hub.operators = reader.list("hub.operators");
    hub.maxClientsPerAddress =
        size(reader, "hub.max_clients_per_address", hub.maxClientsPerAddress);
    hub.maxHandshakesPerAddress =
        size(reader, "hub.max_handshakes_per_address", hub.maxHandshakesPerAddress);
    hub.maxRooms = size(reader, "hub.max_rooms", hub.maxRooms);
    hub.maxFrameBytes = size(reader, "hub.max_frame_bytes", hub.maxFrameBytes);
    hub.handshakeMaxFrameBytes =
        size(reader, "hub.handshake_max_frame_bytes", hub.handshakeMaxFrameBytes);
    hub.maxTextBytes = size(reader, "hub.max_text_bytes", hub.maxTextBytes);
    hub.maxRoomsPerClient = size(reader, "hub.max_rooms_per_client", hub.maxRoomsPerClient);
    hub.historySize = size(reader, "hub.history_size", hub.historySize);
    hub.joinBacklog = size(reader, "hub.join_backlog", hub.joinBacklog);
    hub.historyPageMax = size(reader, "hub.history_page_max", hub.historyPageMax);
    hub.outboundQueueBytes = size(reader, "hub.outbound_queue_bytes", hub.outboundQueueBytes);
    hub.maxQueuedBytes = size(reader, "hub.max_queued_bytes", hub.maxQueuedBytes);
    hub.handshakeTimeout = reader.millis("hub.handshake_timeout_ms", hub.handshakeTimeout);
    hub.writeStallTimeout = reader.millis("hub.write_stall_timeout_ms", hub.writeStallTimeout);
    hub.pingInterval = reader.millis("hub.ping_interval_ms", hub.pingInterval);
    hub.pingTimeout = reader.millis("hub.ping_timeout_ms", hub.pingTimeout);
    hub.ratePerSecond = reader.number("hub.rate_per_second", hub.ratePerSecond);
    hub.rateBurst = reader.number("hub.rate_burst", hub.rateBurst);
    hub.floodBacklog = size(reader, "hub.flood_backlog", hub.floodBacklog);
    hub.presenceCoalesceMembers =
        size(reader, "hub.presence_coalesce_members", hub.presenceCoalesceMembers);
    hub.presenceCoalesceDelay =
        reader.millis("hub.presence_coalesce_ms", hub.presenceCoalesceDelay);
    hub.presenceFullMaxMembers =
        size(reader, "hub.presence_full_max_members", hub.presenceFullMaxMembers);
    hub.maxHeldMessages = size(reader, "history.max_held_messages", hub.maxHeldMessages);
    // Files: beside the history database ("<its directory>/hermes-files")
    // unless files.path says; files.enabled = false keeps none.
    const bool filesEnabled = reader.flag("files.enabled", true);
    const std::string filesPath = reader.text("files.path", "");
    if (filesEnabled) {
        const std::string beside = history.path.find('/') == std::string::npos
                                       ? std::string()
                                       : history.path.substr(0, history.path.rfind('/') + 1);
        hub.filesPath = filesPath.empty() ? beside + "hermes-files" : filesPath;
    }
    hub.clusterSharedFiles = reader.flag("cluster.shared_files", false);
    if (hub.clusterSharedFiles && hub.cluster && filesEnabled && filesPath.empty()) {
        // The default is beside this hub's own database: shared by no one.
        reader.fail("cluster.shared_files",
                    "set files.path to the directory every hub of the cluster shares");
    }
    hub.maxFileBytes = reader.count("files.max_bytes", hub.maxFileBytes);
    hub.fileQuotaBytes = reader.count("files.quota_bytes", hub.fileQuotaBytes);
    hub.uploadBytesPerSecond =
        reader.count("files.upload_bytes_per_second", hub.uploadBytesPerSecond);
    hub.fileWindowBytes = size(reader, "files.window_bytes", hub.fileWindowBytes);
    hub.uploadTimeout = reader.millis("files.upload_timeout_ms", hub.uploadTimeout);
    hub.maxUploadsPerClient = size(reader, "files.max_uploads_per_client", hub.maxUploadsPerClient);
    hub.maxDownloadsPerSession =
        size(reader, "files.max_downloads_per_session", hub.maxDownloadsPerSession);
    hub.downloadBytesPerSecond =
        reader.count("files.download_bytes_per_second", hub.downloadBytesPerSecond);
    hub.maxQueuedFileBytes = reader.count("files.max_queued_bytes", hub.maxQueuedFileBytes);
    hub.editWindow = size(reader, "messages.edit_window", hub.editWindow);
    hub.hubPassword = reader.text("hub.password", hub.hubPassword);
    if (hub.hubPassword.size() > hermes::protocol::kMaxPasswordBytes) {
        reader.fail(
            "hub.password",
            "must be at most " + std::to_string(hermes::protocol::kMaxPasswordBytes) + " bytes");
    }
    hub.hashMemoryKib = size(reader, "accounts.hash_memory_kib", hub.hashMemoryKib);
    hub.hashOps = static_cast<std::uint32_t>(reader.count("accounts.hash_ops", hub.hashOps));
    hub.signInBurst = reader.number("accounts.sign_in_burst", hub.signInBurst);
    hub.signInPerMinute = reader.number("accounts.sign_in_per_minute", hub.signInPerMinute);
    hub.throttleEntries = size(reader, "accounts.throttle_entries", hub.throttleEntries);
    hub.maxPendingHashes = size(reader, "accounts.max_pending", hub.maxPendingHashes);
    hub.maxAccounts = size(reader, "accounts.max_accounts", hub.maxAccounts);
    hub.privateHistory = reader.flag("private.history", hub.privateHistory);
    hub.privateMaxWaiting = size(reader, "private.max_waiting", hub.privateMaxWaiting);
    hub.privateMaxWaitingPerSender =
        size(reader, "private.max_waiting_per_sender", hub.privateMaxWaitingPerSender);
    hub.privateWaitingMaxAge = std::chrono::hours(
        24 * reader.count("private.waiting_max_age_days",
                          static_cast<std::uint64_t>(hub.privateWaitingMaxAge.count() / 24)));
    hub.typingEnabled = reader.flag("typing.enabled", hub.typingEnabled);
    hub.typingPerSecond = reader.number("typing.rate_per_second", hub.typingPerSecond);
    if (hub.typingPerSecond <= 0) {
        // 0 would be an unlimited bucket: typing is never worth that.
        reader.fail("typing.rate_per_second", "must be above 0");
    }
    hub.typingBurst = reader.number("typing.burst", hub.typingBurst);
    hub.typingExpiry = reader.millis("typing.expires_ms", hub.typingExpiry);
    hub.typingSkipQueueBytes = size(reader, "typing.skip_queue_bytes", hub.typingSkipQueueBytes);
    hub.typingMaxRoomMembers = size(reader, "typing.max_room_members", hub.typingMaxRoomMembers);
    hub.readMarkersMax = size(reader, "read_markers.max_per_member", hub.readMarkersMax);
    if (hub.maxTextBytes + 512 > hub.maxFrameBytes) {
        reader.fail("hub.max_frame_bytes", "must exceed hub.max_text_bytes (" +
                                               std::to_string(hub.maxTextBytes) +
                                               ") by at least 512");
    }
    return result;
}

}  // namespace hermesd

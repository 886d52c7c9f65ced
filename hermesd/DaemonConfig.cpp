#include "DaemonConfig.hpp"

#include <limits>

#include <Poco/Exception.h>
#include <Poco/String.h>
#include <Poco/StringTokenizer.h>

namespace hermesd {

namespace {

using Poco::Util::AbstractConfiguration;

// A list key: words separated by commas or spaces ("a, b c"); empty: none.
std::vector<std::string> readList(const AbstractConfiguration& config, const std::string& key) {
    const Poco::StringTokenizer words(
        config.getString(key, ""), ", \t",
        Poco::StringTokenizer::TOK_IGNORE_EMPTY | Poco::StringTokenizer::TOK_TRIM);
    return {words.begin(), words.end()};
}

std::size_t readSize(const AbstractConfiguration& config, const std::string& key,
                     std::size_t fallback, std::size_t minimum = 0) {
    const auto value = config.getUInt64(key, fallback);
    if (value < minimum) {
        throw Poco::InvalidArgumentException(key + " must be at least " + std::to_string(minimum));
    }
    return static_cast<std::size_t>(value);
}

std::chrono::milliseconds readMs(const AbstractConfiguration& config, const std::string& key,
                                 std::chrono::milliseconds fallback) {
    return std::chrono::milliseconds(
        config.getUInt64(key, static_cast<std::uint64_t>(fallback.count())));
}

double readRate(const AbstractConfiguration& config, const std::string& key, double fallback) {
    const double value = config.getDouble(key, fallback);
    if (value < 0) {
        throw Poco::InvalidArgumentException(key + " must not be negative");
    }
    return value;
}

}  // namespace

DaemonConfig readDaemonConfig(const AbstractConfiguration& config) {
    DaemonConfig result;
    EdgeConfig& edge = result.edge;
    edge.host = config.getString("hermesd.host", edge.host);
    const auto port = config.getUInt("hermesd.port", edge.port);
    if (port > std::numeric_limits<std::uint16_t>::max()) {
        throw Poco::InvalidArgumentException("hermesd.port must be 0..65535");
    }
    edge.port = static_cast<std::uint16_t>(port);
    edge.listenBacklog = config.getInt("hermesd.listen_backlog", edge.listenBacklog);
    edge.acceptorThreads = config.getInt("hermesd.acceptor_threads", edge.acceptorThreads);
    edge.acceptQueue = config.getInt("hermesd.accept_queue", edge.acceptQueue);
    edge.statsInterval = std::chrono::seconds(config.getUInt64(
        "hermesd.stats_interval_s", static_cast<std::uint64_t>(edge.statsInterval.count())));
    edge.lingerTimeout = readMs(config, "hermesd.linger_ms", edge.lingerTimeout);
    edge.portFile = config.getString("hermesd.port_file", edge.portFile);
    const auto sendBuffer = config.getUInt64("hermesd.send_buffer_bytes",
                                             static_cast<std::uint64_t>(edge.sendBufferBytes));
    if (sendBuffer > 64 * 1024 * 1024) {
        throw Poco::InvalidArgumentException("hermesd.send_buffer_bytes must be at most 64 MiB");
    }
    edge.sendBufferBytes = static_cast<int>(sendBuffer);
    if (edge.acceptorThreads < 1 || edge.acceptQueue < 1 || edge.listenBacklog < 1) {
        throw Poco::InvalidArgumentException(
            "hermesd.acceptor_threads, hermesd.accept_queue and hermesd.listen_backlog must be "
            "positive");
    }

    IrcConfig& irc = result.irc;
    irc.host = config.getString("irc.host", "");
    if (Poco::trim(irc.host).empty()) {
        irc.host = edge.host;
    }
    const auto ircPort = config.getUInt("irc.port", irc.port);
    if (ircPort > std::numeric_limits<std::uint16_t>::max()) {
        throw Poco::InvalidArgumentException("irc.port must be 0..65535");
    }
    irc.port = static_cast<std::uint16_t>(ircPort);

    HttpConfig& http = result.http;
    http.host = config.getString("http.host", http.host);
    const auto httpPort = config.getUInt("http.port", http.port);
    if (httpPort > std::numeric_limits<std::uint16_t>::max()) {
        throw Poco::InvalidArgumentException("http.port must be 0..65535");
    }
    http.port = static_cast<std::uint16_t>(httpPort);
    http.staticDir = config.getString("http.static_dir", http.staticDir);
    http.allowedOrigins = readList(config, "http.allowed_origins");
    http.allowedHosts = readList(config, "http.allowed_hosts");
    http.maxConnections = config.getInt("http.max_connections", http.maxConnections);
    http.acceptQueue = config.getInt("http.accept_queue", http.acceptQueue);
    http.maxConnectionsPerAddress =
        config.getInt("http.max_connections_per_address", http.maxConnectionsPerAddress);
    if (http.maxConnectionsPerAddress < 0) {
        throw Poco::InvalidArgumentException(
            "http.max_connections_per_address must be 0 (no limit) or positive");
    }
    http.timeout = readMs(config, "http.timeout_ms", http.timeout);
    http.keepAlive = readMs(config, "http.keep_alive_ms", http.keepAlive);
    if (http.maxConnections < 1 || http.acceptQueue < 1 || http.timeout.count() < 1) {
        throw Poco::InvalidArgumentException(
            "http.max_connections, http.accept_queue and http.timeout_ms must be positive");
    }

    MetricsConfig& metrics = result.metrics;
    metrics.enabled = config.getBool("metrics.enabled", metrics.enabled);
    const auto metricsPort = config.getUInt("metrics.port", metrics.port);
    if (metricsPort > std::numeric_limits<std::uint16_t>::max()) {
        throw Poco::InvalidArgumentException("metrics.port must be 0..65535");
    }
    metrics.port = static_cast<std::uint16_t>(metricsPort);
    metrics.host = Poco::trim(config.getString("metrics.host", ""));
    if (metrics.host.empty()) {
        metrics.host = http.host;
    }
    if (config.hasProperty("metrics.allow")) {
        metrics.allow = readList(config, "metrics.allow");
    }

    TlsConfig& tls = result.tls;
    tls.enabled = config.getBool("tls.enabled", tls.enabled);
    tls.certificate = config.getString("tls.certificate", tls.certificate);
    tls.key = config.getString("tls.key", tls.key);
    if (tls.certificate.empty() != tls.key.empty()) {
        throw Poco::InvalidArgumentException(
            "tls.certificate and tls.key go together: set both, or neither for a self-signed "
            "certificate");
    }
    // Empty or absent: https exactly when the TCP port speaks TLS.
    if (Poco::trim(config.getString("http.tls", "")).empty()) {
        http.tls = tls.enabled;
    } else {
        http.tls = config.getBool("http.tls");
    }

    HistoryConfig& history = result.history;
    history.persist = config.getBool("history.persist", history.persist);
    history.path = config.getString("history.path", history.path);
    history.maxMessagesPerRoom =
        readSize(config, "history.max_messages_per_room", history.maxMessagesPerRoom);
    history.maxAgeDays = config.getUInt64("history.max_age_days", history.maxAgeDays);
    if (history.persist && history.path.empty()) {
        throw Poco::InvalidArgumentException(
            "history.path must not be empty when history.persist is true");
    }

    hermes::hub::HubConfig& hub = result.hub;
    hub.serverName = config.getString("hub.name", hub.serverName);
    hub.motd = config.getString("hub.motd", hub.motd);
    hub.defaultRoom = config.getString("hub.default_room", hub.defaultRoom);
    hub.maxClients = readSize(config, "hub.max_clients", hub.maxClients, 1);
    hub.operators = readList(config, "hub.operators");
    hub.maxClientsPerAddress =
        readSize(config, "hub.max_clients_per_address", hub.maxClientsPerAddress);
    hub.maxHandshakesPerAddress =
        readSize(config, "hub.max_handshakes_per_address", hub.maxHandshakesPerAddress);
    hub.maxRooms = readSize(config, "hub.max_rooms", hub.maxRooms, 1);
    hub.maxFrameBytes = readSize(config, "hub.max_frame_bytes", hub.maxFrameBytes, 1024);
    hub.handshakeMaxFrameBytes =
        readSize(config, "hub.handshake_max_frame_bytes", hub.handshakeMaxFrameBytes, 256);
    hub.maxTextBytes = readSize(config, "hub.max_text_bytes", hub.maxTextBytes, 1);
    hub.maxRoomsPerClient = readSize(config, "hub.max_rooms_per_client", hub.maxRoomsPerClient, 1);
    hub.historySize = readSize(config, "hub.history_size", hub.historySize);
    hub.joinBacklog = readSize(config, "hub.join_backlog", hub.joinBacklog);
    hub.historyPageMax = readSize(config, "hub.history_page_max", hub.historyPageMax, 1);
    hub.outboundQueueBytes =
        readSize(config, "hub.outbound_queue_bytes", hub.outboundQueueBytes, 4096);
    hub.maxQueuedBytes = readSize(config, "hub.max_queued_bytes", hub.maxQueuedBytes, 1024 * 1024);
    hub.handshakeTimeout = readMs(config, "hub.handshake_timeout_ms", hub.handshakeTimeout);
    hub.writeStallTimeout = readMs(config, "hub.write_stall_timeout_ms", hub.writeStallTimeout);
    hub.pingInterval = readMs(config, "hub.ping_interval_ms", hub.pingInterval);
    hub.pingTimeout = readMs(config, "hub.ping_timeout_ms", hub.pingTimeout);
    hub.ratePerSecond = readRate(config, "hub.rate_per_second", hub.ratePerSecond);
    hub.rateBurst = readRate(config, "hub.rate_burst", hub.rateBurst);
    hub.floodBacklog = readSize(config, "hub.flood_backlog", hub.floodBacklog);
    hub.presenceCoalesceMembers =
        readSize(config, "hub.presence_coalesce_members", hub.presenceCoalesceMembers);
    hub.presenceCoalesceDelay =
        readMs(config, "hub.presence_coalesce_ms", hub.presenceCoalesceDelay);
    hub.maxHeldMessages = readSize(config, "history.max_held_messages", hub.maxHeldMessages, 1);
    // Files: beside the history database ("<its directory>/hermes-files")
    // unless files.path says; files.enabled = false keeps none.
    if (config.getBool("files.enabled", true)) {
        const std::string beside = history.path.find('/') == std::string::npos
                                       ? std::string()
                                       : history.path.substr(0, history.path.rfind('/') + 1);
        hub.filesPath = config.getString("files.path", "");
        if (hub.filesPath.empty()) {
            hub.filesPath = beside + "hermes-files";
        }
    }
    hub.maxFileBytes = config.getUInt64("files.max_bytes", hub.maxFileBytes);
    hub.fileQuotaBytes = config.getUInt64("files.quota_bytes", hub.fileQuotaBytes);
    hub.uploadBytesPerSecond =
        config.getUInt64("files.upload_bytes_per_second", hub.uploadBytesPerSecond);
    hub.fileWindowBytes = readSize(config, "files.window_bytes", hub.fileWindowBytes, 64 * 1024);
    hub.uploadTimeout = readMs(config, "files.upload_timeout_ms", hub.uploadTimeout);
    hub.maxUploadsPerClient =
        readSize(config, "files.max_uploads_per_client", hub.maxUploadsPerClient, 1);
    hub.maxDownloadsPerSession =
        readSize(config, "files.max_downloads_per_session", hub.maxDownloadsPerSession, 1);
    hub.downloadBytesPerSecond =
        config.getUInt64("files.download_bytes_per_second", hub.downloadBytesPerSecond);
    hub.maxQueuedFileBytes =
        readSize(config, "files.max_queued_bytes", hub.maxQueuedFileBytes, 1024 * 1024);
    hub.editWindow = readSize(config, "messages.edit_window", hub.editWindow);
    hub.hubPassword = config.getString("hub.password", hub.hubPassword);
    if (hub.hubPassword.size() > hermes::protocol::kMaxPasswordBytes) {
        throw Poco::InvalidArgumentException("hub.password must be at most " +
                                             std::to_string(hermes::protocol::kMaxPasswordBytes) +
                                             " bytes");
    }
    hub.hashMemoryKib = readSize(config, "accounts.hash_memory_kib", hub.hashMemoryKib, 8);
    const auto ops = config.getUInt("accounts.hash_ops", hub.hashOps);
    if (ops < 1) {
        throw Poco::InvalidArgumentException("accounts.hash_ops must be at least 1");
    }
    hub.hashOps = ops;
    hub.signInBurst = readRate(config, "accounts.sign_in_burst", hub.signInBurst);
    if (hub.signInBurst < 1) {
        throw Poco::InvalidArgumentException("accounts.sign_in_burst must be at least 1");
    }
    hub.signInPerMinute = readRate(config, "accounts.sign_in_per_minute", hub.signInPerMinute);
    hub.throttleEntries = readSize(config, "accounts.throttle_entries", hub.throttleEntries, 16);
    hub.maxPendingHashes = readSize(config, "accounts.max_pending", hub.maxPendingHashes, 1);
    hub.maxAccounts = readSize(config, "accounts.max_accounts", hub.maxAccounts);
    hub.privateHistory = config.getBool("private.history", hub.privateHistory);
    hub.privateMaxWaiting = readSize(config, "private.max_waiting", hub.privateMaxWaiting);
    hub.privateMaxWaitingPerSender =
        readSize(config, "private.max_waiting_per_sender", hub.privateMaxWaitingPerSender);
    hub.privateWaitingMaxAge = std::chrono::hours(
        24 * config.getUInt64("private.waiting_max_age_days",
                              static_cast<std::uint64_t>(hub.privateWaitingMaxAge.count() / 24)));
    hub.typingEnabled = config.getBool("typing.enabled", hub.typingEnabled);
    hub.typingPerSecond = readRate(config, "typing.rate_per_second", hub.typingPerSecond);
    if (hub.typingPerSecond <= 0) {
        // 0 would be an unlimited bucket: typing is never worth that.
        throw Poco::InvalidArgumentException("typing.rate_per_second must be above 0");
    }
    hub.typingBurst = readRate(config, "typing.burst", hub.typingBurst);
    if (hub.typingBurst < 1) {
        throw Poco::InvalidArgumentException("typing.burst must be at least 1");
    }
    hub.typingExpiry = readMs(config, "typing.expires_ms", hub.typingExpiry);
    if (hub.typingExpiry.count() < 1000 || hub.typingExpiry.count() > 60'000) {
        throw Poco::InvalidArgumentException("typing.expires_ms must be from 1000 to 60000");
    }
    hub.typingSkipQueueBytes =
        readSize(config, "typing.skip_queue_bytes", hub.typingSkipQueueBytes);
    hub.typingMaxRoomMembers =
        readSize(config, "typing.max_room_members", hub.typingMaxRoomMembers);
    hub.readMarkersMax = readSize(config, "read_markers.max_per_member", hub.readMarkersMax, 1);
    if (hub.maxTextBytes + 512 > hub.maxFrameBytes) {
        throw Poco::InvalidArgumentException(
            "hub.max_frame_bytes must exceed hub.max_text_bytes by at least 512");
    }
    return result;
}

}  // namespace hermesd

#include "ConfigKeys.hpp"

#include <algorithm>

namespace hermesd {

namespace {

using enum KeyType;
constexpr Applies R = Applies::Reload;
constexpr Applies S = Applies::Start;
constexpr double kPortMax = 65535;
constexpr double kMiB = 1024.0 * 1024.0;

// clang-format off
// One row per key: name, type, default, min, max, applies. Keep each part's
// keys together, in the order etc/hermesd.properties lists them.
constexpr ConfigKey kKeys[] = {
    // --- the network edge (DaemonConfig.hpp EdgeConfig) ---
    {"hermesd.host",                      Text,   "0.0.0.0",     0, 0,        S},
    {"hermesd.port",                      Count,  "7070",        0, kPortMax, S},
    {"hermesd.listen_backlog",            Count,  "1024",        1, 1 << 20,  S},
    {"hermesd.acceptor_threads",          Count,  "4",           1, 256,      S},
    {"hermesd.accept_queue",              Count,  "4096",        1, 1 << 24,  S},
    {"hermesd.stats_interval_s",          Count,  "60",          0, kNoLimit, S},
    {"hermesd.linger_ms",                 Millis, "1000",        0, kNoLimit, S},
    {"hermesd.port_file",                 Text,   "",            0, 0,        S},
    {"hermesd.send_buffer_bytes",         Count,  "262144",      0, 64 * kMiB, S},
    {"logging.loggers.root.level",        Text,   "information", 0, 0,        R},
    // --- tls.* ---
    {"tls.enabled",                       Flag,   "false",       0, 0,        S},
    {"tls.certificate",                   Text,   "",            0, 0,        S},
    {"tls.key",                           Text,   "",            0, 0,        S},
    // --- http.* ---
    {"http.host",                         Text,   "0.0.0.0",     0, 0,        S},
    {"http.port",                         Count,  "7080",        0, kPortMax, S},
    {"http.static_dir",                   Text,   "",            0, 0,        S},
    {"http.allowed_origins",              List,   "",            0, 0,        S},
    {"http.allowed_hosts",                List,   "",            0, 0,        S},
    {"http.max_connections",              Count,  "32",          1, 1 << 16,  S},
    {"http.accept_queue",                 Count,  "64",          1, 1 << 20,  S},
    {"http.max_connections_per_address",  Count,  "16",          0, 1 << 16,  S},
    {"http.timeout_ms",                   Millis, "10000",       1, kNoLimit, S},
    {"http.keep_alive_ms",                Millis, "2000",        0, kNoLimit, S},
    {"http.tls",                          Flag,   "",            0, 0,        S},
    // --- metrics.* ---
    {"metrics.enabled",                   Flag,   "true",        0, 0,        S},
    {"metrics.port",                      Count,  "0",           0, kPortMax, S},
    {"metrics.host",                      Text,   "",            0, 0,        S},
    {"metrics.allow",                     List,   "127.0.0.0/8, ::1/128, 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16, 169.254.0.0/16, fc00::/7, fe80::/10", 0, 0, S},
    // --- irc.* ---
    {"irc.host",                          Text,   "",            0, 0,        S},
    {"irc.port",                          Count,  "6667",        0, kPortMax, S},
    {"irc.tls_port",                      Count,  "",            0, kPortMax, S},
    {"irc.join_playback",                 Count,  "50",          0, kNoLimit, S},
    {"irc.send_interval_ms",              Millis, "2",           0, 1000,     S},
    // --- history.* ---
    {"history.persist",                   Flag,   "true",        0, 0,        S},
    {"history.path",                      Text,   "hermes-history.db", 0, 0,  S},
    {"history.max_messages_per_room",     Count,  "0",           0, kNoLimit, S},
    {"history.max_age_days",              Count,  "0",           0, kNoLimit, S},
    {"history.backup_dir",                Text,   "",            0, 0,        R},
    {"history.max_held_messages",         Count,  "50000",       1, kNoLimit, R},
    // --- hub.* (HubConfig.hpp) ---
    {"hub.name",                          Text,   "hermes",      0, 0,        S},
    {"hub.motd",                          Text,   "",            0, 0,        R},
    {"hub.default_room",                  Text,   "lobby",       0, 0,        S},
    {"hub.max_clients",                   Count,  "1024",        1, kNoLimit, S},
    {"hub.operators",                     List,   "",            0, 0,        R},
    {"hub.max_clients_per_address",       Count,  "16",          0, kNoLimit, S},
    {"hub.max_handshakes_per_address",    Count,  "8",           0, kNoLimit, S},
    {"hub.max_rooms",                     Count,  "10000",       1, kNoLimit, R},
    {"hub.max_frame_bytes",               Count,  "65536",       1024, kNoLimit, S},
    {"hub.handshake_max_frame_bytes",     Count,  "4096",        256, kNoLimit, S},
    {"hub.max_text_bytes",                Count,  "4096",        1, kNoLimit, S},
    {"hub.max_rooms_per_client",          Count,  "64",          1, kNoLimit, S},
    {"hub.history_size",                  Count,  "1000",        0, kNoLimit, S},
    {"hub.join_backlog",                  Count,  "50",          0, kNoLimit, R},
    {"hub.history_page_max",              Count,  "200",         1, kNoLimit, R},
    {"hub.outbound_queue_bytes",          Count,  "67108864",    4096, kNoLimit, S},
    {"hub.max_queued_bytes",              Count,  "268435456",   kMiB, kNoLimit, S},
    {"hub.handshake_timeout_ms",          Millis, "10000",       0, kNoLimit, R},
    {"hub.write_stall_timeout_ms",        Millis, "10000",       0, kNoLimit, R},
    {"hub.ping_interval_ms",              Millis, "30000",       0, kNoLimit, R},
    {"hub.ping_timeout_ms",               Millis, "15000",       0, kNoLimit, R},
    {"hub.rate_per_second",               Number, "5",           0, kNoLimit, R},
    {"hub.rate_burst",                    Number, "10",          0, kNoLimit, R},
    {"hub.flood_backlog",                 Count,  "20",          0, kNoLimit, R},
    {"hub.presence_coalesce_members",     Count,  "100",         0, kNoLimit, S},
    {"hub.presence_coalesce_ms",          Millis, "100",         0, kNoLimit, S},
    {"hub.presence_full_max_members",     Count,  "1000",        0, kNoLimit, R},
    {"hub.password",                      Text,   "",            0, 0,        S},
    // --- files.* ---
    {"files.enabled",                     Flag,   "true",        0, 0,        S},
    {"files.path",                        Text,   "",            0, 0,        S},
    {"files.max_bytes",                   Count,  "67108864",    0, kNoLimit, S},
    {"files.quota_bytes",                 Count,  "4294967296",  0, kNoLimit, S},
    {"files.upload_bytes_per_second",     Count,  "33554432",    0, kNoLimit, S},
    {"files.window_bytes",                Count,  "1048576",     64 * 1024, kNoLimit, S},
    {"files.upload_timeout_ms",           Millis, "60000",       0, kNoLimit, S},
    {"files.max_uploads_per_client",      Count,  "4",           1, kNoLimit, R},
    {"files.max_downloads_per_session",   Count,  "4",           1, kNoLimit, S},
    {"files.download_bytes_per_second",   Count,  "33554432",    0, kNoLimit, S},
    {"files.max_queued_bytes",            Count,  "16777216",    kMiB, kNoLimit, S},
    // --- messages.*, accounts.*, private.*, typing.*, read_markers.* ---
    {"messages.edit_window",              Count,  "1000",        0, kNoLimit, S},
    {"accounts.hash_memory_kib",          Count,  "65536",       8, kNoLimit, S},
    {"accounts.hash_ops",                 Count,  "2",           1, 4294967295.0, S},
    {"accounts.sign_in_burst",            Number, "5",           1, kNoLimit, S},
    {"accounts.sign_in_per_minute",       Number, "6",           0, kNoLimit, S},
    {"accounts.throttle_entries",         Count,  "4096",        16, kNoLimit, S},
    {"accounts.max_pending",              Count,  "16",          1, kNoLimit, S},
    {"accounts.max_accounts",             Count,  "10000",       0, kNoLimit, S},
    {"private.history",                   Flag,   "true",        0, 0,        S},
    {"private.max_waiting",               Count,  "200",         0, kNoLimit, S},
    {"private.max_waiting_per_sender",    Count,  "50",          0, kNoLimit, S},
    {"private.waiting_max_age_days",      Count,  "30",          0, kNoLimit, S},
    {"typing.enabled",                    Flag,   "true",        0, 0,        R},
    {"typing.rate_per_second",            Number, "1",           0, kNoLimit, S},
    {"typing.burst",                      Number, "4",           1, kNoLimit, S},
    {"typing.expires_ms",                 Millis, "6000",        1000, 60000, S},
    {"typing.skip_queue_bytes",           Count,  "16384",       0, kNoLimit, R},
    {"typing.max_room_members",           Count,  "200",         0, kNoLimit, R},
    {"read_markers.max_per_member",       Count,  "1000",        1, kNoLimit, S},
    // --- discovery.* ---
    {"discovery.announce",                Flag,   "false",       0, 0,        S},
    // --- cluster.* (docs/CLUSTER.md) ---
    {"cluster.redis",                     Text,   "",            0, 0,        S},
    {"cluster.hub_name",                  Text,   "",            0, 0,        S},
    {"cluster.stream_max_messages",       Count,  "10000",       1, kNoLimit, S},
    {"cluster.timeout_ms",                Millis, "2000",        10, kNoLimit, S},
    {"cluster.reconnect_ms",              Millis, "500",         10, kNoLimit, S},
    {"cluster.lease_ms",                  Millis, "5000",        100, kNoLimit, S},
    {"cluster.max_in_flight",             Count,  "10000",       1, kNoLimit, S},
    {"cluster.sentinels",                 Text,   "",            0, 0,        S},
    {"cluster.master_name",               Text,   "",            0, 0,        S},
    {"cluster.replicas_acked",            Count,  "0",           0, kNoLimit, S},
    {"cluster.shared_files",              Flag,   "false",       0, 0,        S},
};
// clang-format on

}  // namespace

std::span<const ConfigKey> configKeys() {
    return kKeys;
}

const ConfigKey* findConfigKey(std::string_view name) {
    const auto* found = std::find_if(std::begin(kKeys), std::end(kKeys),
                                     [name](const ConfigKey& key) { return key.name == name; });
    return found == std::end(kKeys) ? nullptr : found;
}

bool isForeignKey(std::string_view name) {
    return findConfigKey(name) == nullptr &&
           (name.starts_with("logging.") || name.starts_with("application.") ||
            name.starts_with("system."));
}

std::string_view typeName(KeyType type) {
    switch (type) {
        case Text:
            return "text";
        case Flag:
            return "true or false";
        case Count:
            return "a whole number";
        case Number:
            return "a number";
        case Millis:
            return "milliseconds";
        case List:
            return "a list";
    }
    return "?";
}

}  // namespace hermesd

#include "FileLimit.hpp"

#include <sys/resource.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace hermesd {

namespace {

std::size_t count(int setting) {
    return static_cast<std::size_t>(std::max(setting, 0));
}

}  // namespace

FileNeeds fileNeeds(const DaemonConfig& config) {
    FileNeeds needs;
    needs.essential = config.hub.maxClients + kFileMargin;
    if (config.http.port != 0) {
        needs.essential += 2 * count(config.http.maxConnections) + count(config.http.acceptQueue);
    }
    needs.wanted = needs.essential + count(config.edge.acceptQueue);
    if (config.irc.port != 0) {
        // IRC clients are hub sessions (in maxClients); their listener has a
        // queue of its own, as hermesd.port's.
        needs.wanted += 1 + count(config.edge.acceptQueue);
    }
    if (config.irc.tlsPort != 0) {
        needs.wanted += 1 + count(config.edge.acceptQueue);  // the same for IRC over TLS
    }
    return needs;
}

void raiseFileLimit(const FileNeeds& needs, std::size_t clients, Poco::Logger& log) {
    rlimit limit{};
    if (getrlimit(RLIMIT_NOFILE, &limit) != 0) {
        log.warning("cannot read the open-file limit: %s", std::string(std::strerror(errno)));
        return;
    }
    const auto wanted = static_cast<rlim_t>(needs.wanted);
    if (limit.rlim_cur >= wanted) {
        return;
    }
    const rlim_t target =
        limit.rlim_max == RLIM_INFINITY ? wanted : std::min(wanted, limit.rlim_max);
    const rlim_t before = limit.rlim_cur;
    if (target > before) {
        limit.rlim_cur = target;
        if (setrlimit(RLIMIT_NOFILE, &limit) != 0) {
            log.warning("cannot raise the open-file limit from %?u to %?u: %s", before, target,
                        std::string(std::strerror(errno)));
            return;
        }
        log.information("raised the open-file limit from %?u to %?u", before, target);
    }
    if (target < static_cast<rlim_t>(needs.essential)) {
        log.warning(
            "open-file limit is %?u (the hard limit), under the %z descriptors that "
            "hub.max_clients = %z clients and the HTTP listener (http.max_connections, "
            "http.accept_queue) may hold: fewer clients can connect; raise it (ulimit -Hn, "
            "LimitNOFILE=) or lower those settings",
            target, needs.essential, clients);
    }
}

}  // namespace hermesd

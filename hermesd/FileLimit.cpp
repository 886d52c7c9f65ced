#include "FileLimit.hpp"

#include <sys/resource.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace hermesd {

namespace {
// Listening socket, epoll, eventfd, log files, sockets being closed.
constexpr rlim_t kMargin = 64;
}  // namespace

void raiseFileLimit(std::size_t clients, Poco::Logger& log) {
    rlimit limit{};
    if (getrlimit(RLIMIT_NOFILE, &limit) != 0) {
        log.warning("cannot read the open-file limit: %s", std::string(std::strerror(errno)));
        return;
    }
    const rlim_t wanted = static_cast<rlim_t>(clients) + kMargin;
    if (limit.rlim_cur >= wanted) {
        return;
    }
    const rlim_t target =
        limit.rlim_max == RLIM_INFINITY ? wanted : std::min(wanted, limit.rlim_max);
    const rlim_t before = limit.rlim_cur;
    limit.rlim_cur = target;
    if (setrlimit(RLIMIT_NOFILE, &limit) != 0) {
        log.warning("cannot raise the open-file limit from %?u to %?u: %s", before, target,
                    std::string(std::strerror(errno)));
        return;
    }
    if (target < wanted) {
        log.warning(
            "open-file limit is %?u (the hard limit): fewer than hub.max_clients = %z clients "
            "can connect; raise it (ulimit -Hn, LimitNOFILE=) or lower hub.max_clients",
            target, clients);
    } else {
        log.information("raised the open-file limit from %?u to %?u", before, target);
    }
}

}  // namespace hermesd

#pragma once
// The descriptor limit a hub needs: one per client plus a margin. Many
// systems start processes with a soft limit of 1,024, which would refuse the
// 1,024th client at accept() long before hub.max_clients says so.
//
// Threading: call once at start-up, before any thread is started.

#include <cstddef>

#include <Poco/Logger.h>

namespace hermesd {

// Raises the soft RLIMIT_NOFILE towards `clients` + a margin (up to the hard
// limit) and warns when even the hard limit is too low.
void raiseFileLimit(std::size_t clients, Poco::Logger& log);

}  // namespace hermesd

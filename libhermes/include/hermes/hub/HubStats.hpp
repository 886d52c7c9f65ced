#pragma once
// Counters the hub keeps; hermesd logs them periodically and answers
// StatsRequest from them.
//
// Threading: written by the hub's thread only.

#include <cstdint>
#include <map>
#include <string>

namespace hermes::hub {

struct HubStats {
    std::uint64_t clients = 0;      // welcomed sessions now
    std::uint64_t connections = 0;  // open sessions now, handshaking included
    std::uint64_t rooms = 0;
    std::uint64_t messagesIn = 0;           // client frames handled, total
    std::uint64_t deliveries = 0;           // chat messages queued to members, total
    std::uint64_t bytesQueued = 0;          // outbound bytes waiting now, all sessions
    std::uint64_t bytesReleased = 0;        // buffer capacity given back by idle sessions, total
    std::uint64_t storeBehindRefusals = 0;  // says refused while the store was behind, total
    std::uint64_t inputPauses = 0;          // times the output budget paused input, total
    std::uint64_t inputPausedMs = 0;        // time input was paused, total (ended pauses)
    std::uint64_t typingNotices = 0;        // typing notices queued to recipients, total
    std::uint64_t typingDropped = 0;  // Typing frames dropped (sender's typing rate, typing off)
    std::uint64_t typingSkippedSlow = 0;  // notices not queued to a backed-up member
    // Rates over the last timer interval (about 1 s), and time since the
    // first call that carried a time; updated by Hub::tick().
    double messagesInPerSecond = 0.0;
    double deliveriesPerSecond = 0.0;
    std::uint64_t uptimeSeconds = 0;
    std::map<std::string, std::uint64_t> disconnects;  // by reason, e.g. "slow_consumer"
};

}  // namespace hermes::hub

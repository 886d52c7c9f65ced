#include "hermes/hub/HubConfig.hpp"

#include <algorithm>
#include <cmath>

namespace hermes::hub {

namespace {

// A ChatMessage frame around its text: room, nick, seq, times, ids, tags.
constexpr std::uint64_t kMessageOverheadBytes = 256;

}  // namespace

std::uint64_t HubConfig::largestRoomBurstBytes() const {
    if (ratePerSecond <= 0.0) {
        return 0;
    }
    const auto burst = static_cast<std::uint64_t>(std::ceil(std::max(rateBurst, 1.0)));
    return static_cast<std::uint64_t>(maxClients) * burst *
           (static_cast<std::uint64_t>(maxTextBytes) + kMessageOverheadBytes);
}

std::vector<std::string> HubConfig::warnings() const {
    std::vector<std::string> out;
    const std::uint64_t burst = largestRoomBurstBytes();
    if (burst > outboundQueueBytes) {
        out.push_back("hub.outbound_queue_bytes (" + std::to_string(outboundQueueBytes) +
                      ") is below the largest burst the rate limits let into one room (" +
                      std::to_string(burst) +
                      " bytes: hub.max_clients x hub.rate_burst x hub.max_text_bytes): a member "
                      "that reads slowly during such a burst may be cut; raise it");
    }
    if (burst > maxQueuedBytes) {
        out.push_back("hub.max_queued_bytes (" + std::to_string(maxQueuedBytes) +
                      ") is below the largest burst the rate limits let into one room (" +
                      std::to_string(burst) + " bytes): such a burst pauses input until it drains");
    }
    if (maxQueuedBytes < 2 * outboundQueueBytes) {
        out.push_back("hub.max_queued_bytes (" + std::to_string(maxQueuedBytes) +
                      ") is less than twice hub.outbound_queue_bytes (" +
                      std::to_string(outboundQueueBytes) +
                      "): one slow member can fill the budget and pause everyone's input before "
                      "it is cut as slow");
    }
    return out;
}

}  // namespace hermes::hub

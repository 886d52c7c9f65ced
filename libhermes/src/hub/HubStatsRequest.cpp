// StatsRequest: the hub's figures as HubStats holds them.

#include "HubImpl.hpp"

#include <chrono>
#include <cstdint>

namespace hermes::hub {

void Hub::Impl::onStats(Session& s) {
    out.Clear();
    auto* figures = out.mutable_stats();
    figures->set_clients(stats.clients);
    figures->set_rooms(stats.rooms);
    figures->set_messages_in_per_second(stats.messagesInPerSecond);
    figures->set_deliveries_per_second(stats.deliveriesPerSecond);
    figures->set_queued_bytes(stats.bytesQueued);
    figures->set_uptime_seconds(static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::seconds>(now - startedAt).count()));
    figures->set_messages_in_total(stats.messagesIn);
    figures->set_deliveries_total(stats.deliveries);
    figures->set_output_memory_bytes(memory.bytes());
    figures->set_output_memory_peak_bytes(memory.peak());
    figures->set_output_memory_budget_bytes(config.maxQueuedBytes);
    figures->set_input_pauses(stats.inputPauses);
    figures->set_input_paused(inputPaused);
    figures->set_input_paused_ms(stats.inputPausedMs);
    for (const auto& [reason, count] : stats.disconnects) {
        (*figures->mutable_disconnects())[reason] = count;
    }
    send(s, out);
}

}  // namespace hermes::hub

// Requests about the connection and the hub itself: Ping, StatsRequest,
// MetricsRequest; and
// the fatal error that ends a session.

#include <cstdint>
#include <string>
#include <utility>

#include "Liveness.hpp"
#include "MetricsRing.hpp"
#include "Moderation.hpp"
#include "Outbox.hpp"
#include "Requests.hpp"
#include "SessionTable.hpp"

namespace hermes::hub {

std::string bodyName(const v1::Envelope& envelope) {
    if (envelope.body_case() == v1::Envelope::BODY_NOT_SET) {
        return "an empty or unknown message type";
    }
    const auto* field =
        v1::Envelope::descriptor()->FindFieldByNumber(static_cast<int>(envelope.body_case()));
    return field == nullptr ? "an unknown message type" : field->name();
}

void onPing(Session& s, const v1::Ping& ping, Outbox& outbox) {
    outbox.reply(s, [&](v1::Envelope& out) { out.mutable_pong()->set_nonce(ping.nonce()); });
}

void onStats(Session& s, const HubStats& stats, const MemoryGauge& memory, const Liveness& liveness,
             Outbox& outbox, const HubConfig& config, TimePoint now) {
    outbox.reply(s, [&](v1::Envelope& out) {
        auto* figures = out.mutable_stats();
        figures->set_clients(stats.clients);
        figures->set_rooms(stats.rooms);
        figures->set_messages_in_per_second(stats.messagesInPerSecond);
        figures->set_deliveries_per_second(stats.deliveriesPerSecond);
        figures->set_queued_bytes(stats.bytesQueued);
        figures->set_uptime_seconds(static_cast<std::uint64_t>(liveness.uptime(now).count()));
        figures->set_messages_in_total(stats.messagesIn);
        figures->set_deliveries_total(stats.deliveries);
        figures->set_output_memory_bytes(memory.bytes());
        figures->set_output_memory_peak_bytes(memory.peak());
        figures->set_output_memory_budget_bytes(config.maxQueuedBytes);
        figures->set_input_pauses(stats.inputPauses);
        figures->set_input_paused_ms(stats.inputPausedMs);
        figures->set_typing_notices(stats.typingNotices);
        figures->set_typing_dropped(stats.typingDropped);
        figures->set_typing_skipped_slow(stats.typingSkippedSlow);
        for (const auto& [reason, count] : stats.disconnects) {
            (*figures->mutable_disconnects())[reason] = count;
        }
    });
}

void onMetrics(Session& s, const HubStats& stats, const MetricsRing& metrics,
               const HistoryStore& history, const Moderation& moderation, Outbox& outbox,
               TimePoint now) {
    if (!moderation.hubOperator(s)) {
        outbox.error(s, v1::ERROR_CODE_NOT_OPERATOR,
                     "the hub's metrics are for hub operators: sign in to an account named in "
                     "hub.operators");
        return;
    }
    const LatencyHistogram commits = history.commitLatency();
    outbox.reply(s, [&](v1::Envelope& out) {
        metrics.report(now, stats, commits, *out.mutable_metrics_report());
    });
}

void closeFatally(Session& s, v1::ErrorCode code, std::string text, CloseReason reason,
                  SessionTable& sessions, Outbox& outbox) {
    if (s.who.closing()) {
        return;
    }
    outbox.appendLast(s, Outbox::fatalErrorFrame(code, text));
    sessions.doom(s, reason, std::string(closeReasonQuitText(reason)), std::move(text));
}

}  // namespace hermes::hub

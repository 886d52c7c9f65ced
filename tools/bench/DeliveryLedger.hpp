#pragma once
// Who received what: for every (receiver, sender, counter) whether it arrived,
// how often and in which order, plus every delivery's latency. Completeness
// is judged per receiver: every member must get every message once, each
// sender's messages in the order sent, and the hub's room seq gapless.
//
// Memory: one bit per expected delivery and 8 bytes of latency per delivery
// received (bounded by BenchOptions::kMaxExpectedDeliveries).
//
// Threading: none; owned by the bench's event loop.

#include <cstddef>
#include <cstdint>
#include <vector>

#include "Payload.hpp"

namespace hermes::bench {

struct Completeness {
    std::uint64_t expected = 0;
    std::uint64_t received = 0;    // distinct expected deliveries that arrived
    std::uint64_t lost = 0;        // expected - received
    std::uint64_t duplicated = 0;  // arrivals of something already received
    std::uint64_t reordered = 0;   // a sender's counter lower than one seen before
    std::uint64_t unexpected = 0;  // not a bench payload, or out of range
    std::uint64_t seqGaps = 0;     // room seq not previous + 1 at a receiver

    bool perfect() const {
        return received == expected && duplicated == 0 && reordered == 0 && unexpected == 0 &&
               seqGaps == 0;
    }
};

class DeliveryLedger {
public:
    // messagesPerSender[s] messages from each sender s reach every receiver.
    DeliveryLedger(int receivers, std::vector<std::uint32_t> messagesPerSender);

    // One message arrived at `receiver` at nowNs. Returns true if it was new.
    bool record(int receiver, const PayloadFields& fields, std::uint64_t nowNs);
    void recordUnexpected() { ++totals_.unexpected; }
    // The hub's room seq of a message as seen by `receiver`.
    void recordSeq(int receiver, std::uint64_t seq);

    const Completeness& completeness();
    bool complete() const { return totals_.received == totals_.expected; }
    std::uint64_t received() const { return totals_.received; }
    std::uint64_t lastDeliveryNs() const { return lastDeliveryNs_; }

    // Latencies in ns of every delivery (duplicates excluded); sorts them.
    std::vector<std::uint64_t>& sortedLatencies();

private:
    int senders_;
    std::uint32_t maxPerSender_;
    std::vector<std::uint32_t> perSender_;
    std::vector<std::uint64_t> seenBits_;
    std::vector<std::int64_t> lastCounter_;  // [receiver * senders + sender]
    std::vector<std::uint64_t> lastSeq_;     // [receiver]
    std::vector<std::uint64_t> latencies_;
    std::uint64_t lastDeliveryNs_ = 0;
    Completeness totals_;
};

// The p-th percentile (0..100) of sorted values, nearest rank; 0 if empty.
std::uint64_t percentile(const std::vector<std::uint64_t>& sorted, double p);

}  // namespace hermes::bench

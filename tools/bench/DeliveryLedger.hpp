#pragma once
// Who received what: for every (receiver, sender, counter) whether it arrived,
// how often and in which order, plus every delivery's latency. Completeness
// is judged per receiver: every member must get every message once, each
// sender's messages in the order sent, and the hub's room seq gapless.
//
// Memory: one bit per expected delivery, 8 bytes per (receiver, sender) pair
// and per receiver, and a fixed latency histogram (see LatencyHistogram for
// its precision). record() and recordSeq() run once per delivery, so they are
// inline and touch only flat arrays.
//
// Threading: none; owned by the bench's event loop.

#include <cstddef>
#include <cstdint>
#include <vector>

#include "LatencyHistogram.hpp"
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
    bool record(int receiver, const PayloadFields& fields, std::uint64_t nowNs) {
        if (fields.sender >= senders_ || fields.counter >= perSender_[fields.sender]) {
            ++totals_.unexpected;
            return false;
        }
        const std::size_t pair = static_cast<std::size_t>(receiver) * senders_ + fields.sender;
        const std::uint64_t bit = static_cast<std::uint64_t>(pair) * maxPerSender_ + fields.counter;
        std::uint64_t& word = seenBits_[static_cast<std::size_t>(bit / 64)];
        const std::uint64_t mask = std::uint64_t{1} << (bit % 64);
        if ((word & mask) != 0) {
            ++totals_.duplicated;
            return false;
        }
        word |= mask;
        ++totals_.received;
        if (static_cast<std::int64_t>(fields.counter) < lastCounter_[pair]) {
            ++totals_.reordered;
        } else {
            lastCounter_[pair] = fields.counter;
        }
        latencies_.record(nowNs > fields.sentNs ? nowNs - fields.sentNs : 0);
        lastDeliveryNs_ = nowNs;
        return true;
    }

    void recordUnexpected() { ++totals_.unexpected; }

    // The hub's room seq of a message as seen by `receiver`.
    void recordSeq(int receiver, std::uint64_t seq) {
        std::uint64_t& last = lastSeq_[static_cast<std::size_t>(receiver)];
        // The first message a receiver sees sets its baseline (the room may
        // have history from an earlier run).
        if (last != 0 && seq != last + 1) {
            ++totals_.seqGaps;
        }
        last = seq;
    }

    const Completeness& completeness();
    bool complete() const { return totals_.received == totals_.expected; }
    std::uint64_t received() const { return totals_.received; }
    std::uint64_t lastDeliveryNs() const { return lastDeliveryNs_; }

    // Latencies in ns of every delivery (duplicates excluded).
    const LatencyHistogram& latencies() const { return latencies_; }

private:
    std::uint32_t senders_;
    std::uint32_t maxPerSender_;
    std::vector<std::uint32_t> perSender_;
    std::vector<std::uint64_t> seenBits_;
    std::vector<std::int64_t> lastCounter_;  // [receiver * senders + sender]
    std::vector<std::uint64_t> lastSeq_;     // [receiver]
    LatencyHistogram latencies_;
    std::uint64_t lastDeliveryNs_ = 0;
    Completeness totals_;
};

}  // namespace hermes::bench

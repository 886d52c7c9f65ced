#include "DeliveryLedger.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace hermes::bench {

DeliveryLedger::DeliveryLedger(int receivers, std::vector<std::uint32_t> messagesPerSender)
    : senders_(static_cast<int>(messagesPerSender.size())),
      perSender_(std::move(messagesPerSender)) {
    if (receivers < 1 || senders_ < 1) {
        throw std::invalid_argument("DeliveryLedger needs receivers and senders");
    }
    maxPerSender_ = *std::max_element(perSender_.begin(), perSender_.end());
    std::uint64_t perReceiver = 0;
    for (const auto count : perSender_) {
        perReceiver += count;
    }
    const auto r = static_cast<std::uint64_t>(receivers);
    totals_.expected = perReceiver * r;
    const std::uint64_t bits = r * static_cast<std::uint64_t>(senders_) * maxPerSender_;
    seenBits_.assign(static_cast<std::size_t>((bits + 63) / 64), 0);
    lastCounter_.assign(static_cast<std::size_t>(r) * static_cast<std::size_t>(senders_), -1);
    lastSeq_.assign(static_cast<std::size_t>(r), 0);
    latencies_.reserve(static_cast<std::size_t>(totals_.expected));
}

bool DeliveryLedger::record(int receiver, const PayloadFields& fields, std::uint64_t nowNs) {
    if (fields.sender >= static_cast<std::uint32_t>(senders_) ||
        fields.counter >= perSender_[fields.sender]) {
        ++totals_.unexpected;
        return false;
    }
    const std::size_t pair =
        static_cast<std::size_t>(receiver) * static_cast<std::size_t>(senders_) + fields.sender;
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
    latencies_.push_back(nowNs > fields.sentNs ? nowNs - fields.sentNs : 0);
    lastDeliveryNs_ = nowNs;
    return true;
}

void DeliveryLedger::recordSeq(int receiver, std::uint64_t seq) {
    std::uint64_t& last = lastSeq_[static_cast<std::size_t>(receiver)];
    // The first message a receiver sees sets its baseline (the room may have
    // history from an earlier run).
    if (last != 0 && seq != last + 1) {
        ++totals_.seqGaps;
    }
    last = seq;
}

const Completeness& DeliveryLedger::completeness() {
    totals_.lost = totals_.expected - totals_.received;
    return totals_;
}

std::vector<std::uint64_t>& DeliveryLedger::sortedLatencies() {
    std::sort(latencies_.begin(), latencies_.end());
    return latencies_;
}

std::uint64_t percentile(const std::vector<std::uint64_t>& sorted, double p) {
    if (sorted.empty()) {
        return 0;
    }
    auto rank = static_cast<std::size_t>(std::ceil(p / 100.0 * static_cast<double>(sorted.size())));
    rank = std::clamp<std::size_t>(rank, 1, sorted.size());
    return sorted[rank - 1];
}

}  // namespace hermes::bench

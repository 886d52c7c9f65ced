#include "DeliveryLedger.hpp"

#include <algorithm>
#include <stdexcept>

namespace hermes::bench {

DeliveryLedger::DeliveryLedger(int receivers, std::vector<std::uint32_t> messagesPerSender)
    : senders_(static_cast<std::uint32_t>(messagesPerSender.size())),
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
    const std::uint64_t bits = r * senders_ * maxPerSender_;
    seenBits_.assign(static_cast<std::size_t>((bits + 63) / 64), 0);
    lastCounter_.assign(static_cast<std::size_t>(r * senders_), -1);
    lastSeq_.assign(static_cast<std::size_t>(r), 0);
}

const Completeness& DeliveryLedger::completeness() {
    totals_.lost = totals_.expected - totals_.received;
    return totals_;
}

}  // namespace hermes::bench

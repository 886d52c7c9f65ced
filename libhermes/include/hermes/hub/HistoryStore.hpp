#pragma once
// Where a hub keeps the messages of its rooms. The in-memory ring
// (MemoryHistory) is the first implementation; a durable one follows.
//
// Threading: called by the hub's thread only, unless an implementation says more.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hermes/v1/hermes.pb.h"

namespace hermes::hub {

struct HistorySlice {
    std::vector<hermes::v1::ChatMessage> messages;  // ascending seq
    // Set when seqs in (afterSeq, first returned) are gone: [first, last].
    std::optional<std::pair<std::uint64_t, std::uint64_t>> gap;
    bool hasMore = false;  // more messages exist after the last returned
};

class HistoryStore {
public:
    virtual ~HistoryStore() = default;
    // Stores a stamped message; seq is the room's next, gapless.
    virtual void append(const hermes::v1::ChatMessage& message) = 0;
    // Messages of `room` with seq > afterSeq, at most `limit`, oldest first.
    virtual HistorySlice after(std::string_view room, std::uint64_t afterSeq,
                               std::size_t limit) const = 0;
    // The newest `count` messages of `room`, oldest first.
    virtual std::vector<hermes::v1::ChatMessage> tail(std::string_view room,
                                                      std::size_t count) const = 0;
    // The highest seq stored for `room`, 0 if none: a restarted hub resumes after it.
    virtual std::uint64_t lastSeq(std::string_view room) const = 0;
};

}  // namespace hermes::hub

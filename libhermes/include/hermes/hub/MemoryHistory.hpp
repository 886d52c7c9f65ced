#pragma once
// HistoryStore kept in memory: one ring of the last `capacity` messages per
// room. A room's seqs are gapless, so the ring's oldest seq is
// lastSeq - count + 1 and a seq maps to a slot by arithmetic, no search.
// A DELETE erases the text of the message it names and of its edits; search
// matches a message's newest text only (HistoryStore::appendAuthored).
//
// Threading: not thread safe; the hub's thread only.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "hermes/hub/HistoryStore.hpp"
#include "hermes/hub/NameMap.hpp"

namespace hermes::hub {

class MemoryHistory : public HistoryStore {
public:
    explicit MemoryHistory(std::size_t capacityPerRoom);

    void append(const hermes::v1::ChatMessage& message) override;
    HistorySlice after(std::string_view room, std::uint64_t afterSeq,
                       std::size_t limit) const override;
    std::vector<hermes::v1::ChatMessage> tail(std::string_view room,
                                              std::size_t count) const override;
    std::uint64_t lastSeq(std::string_view room) const override;
    // A linear scan of the ring, newest first; words match as ASCII
    // case-insensitive substrings.
    SearchHits search(std::string_view room, std::string_view query, std::size_t limit,
                      std::uint64_t beforeSeq) const override;

    std::size_t capacityPerRoom() const { return capacity_; }

private:
    struct Ring {
        std::vector<hermes::v1::ChatMessage> slots;  // grows to capacity, then wraps
        std::size_t oldest = 0;                      // slot of the oldest message
        std::size_t count = 0;
        std::uint64_t lastSeq = 0;

        std::uint64_t firstSeq() const { return lastSeq - count + 1; }
        const hermes::v1::ChatMessage& at(std::uint64_t seq) const;
    };
    const Ring* find(std::string_view room) const;
    // A DELETE of `target`: its text, and its edits' texts, are gone.
    static void erase(Ring& ring, std::uint64_t target);

    std::size_t capacity_;
    NameMap<Ring> rooms_;
};

}  // namespace hermes::hub

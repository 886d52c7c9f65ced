#include "hermes/hub/MemoryHistory.hpp"

#include <algorithm>
#include <cctype>
#include <unordered_map>

namespace hermes::hub {

MemoryHistory::MemoryHistory(std::size_t capacityPerRoom) : capacity_(capacityPerRoom) {}

const hermes::v1::ChatMessage& MemoryHistory::Ring::at(std::uint64_t seq) const {
    const auto offset = static_cast<std::size_t>(seq - firstSeq());
    return slots[(oldest + offset) % slots.size()];
}

const MemoryHistory::Ring* MemoryHistory::find(std::string_view room) const {
    const auto it = rooms_.find(room);
    return it == rooms_.end() ? nullptr : &it->second;
}

void MemoryHistory::append(const hermes::v1::ChatMessage& message) {
    auto it = rooms_.find(std::string_view(message.room()));
    if (it == rooms_.end()) {
        it = rooms_.emplace(message.room(), Ring{}).first;
    }
    Ring& ring = it->second;
    if (ring.count > 0 && message.seq() != ring.lastSeq + 1) {
        // A jump in seqs breaks the slot arithmetic; what was kept is not
        // contiguous with what follows, so it is forgotten.
        ring.slots.clear();
        ring.oldest = 0;
        ring.count = 0;
    }
    ring.lastSeq = message.seq();
    if (capacity_ == 0) {
        return;
    }
    if (message.kind() == hermes::v1::MESSAGE_KIND_DELETE) {
        erase(ring, message.target_seq());
    }
    if (ring.slots.size() < capacity_) {
        ring.slots.push_back(message);
        ++ring.count;
        return;
    }
    // Full: overwrite the oldest in place, reusing its strings' memory.
    ring.slots[ring.oldest] = message;
    ring.oldest = (ring.oldest + 1) % ring.slots.size();
}

void MemoryHistory::erase(Ring& ring, std::uint64_t target) {
    if (ring.count == 0) {
        return;
    }
    // Deletes are rare: one pass over the ring for the message and its edits.
    for (hermes::v1::ChatMessage& m : ring.slots) {
        if (m.seq() == target ||
            (m.kind() == hermes::v1::MESSAGE_KIND_EDIT && m.target_seq() == target)) {
            m.clear_text();
            m.clear_file();
        }
    }
}

HistorySlice MemoryHistory::after(std::string_view room, std::uint64_t afterSeq,
                                  std::size_t limit) const {
    HistorySlice slice;
    const Ring* ring = find(room);
    if (ring == nullptr || afterSeq >= ring->lastSeq) {
        return slice;
    }
    std::uint64_t start = afterSeq + 1;
    if (ring->count == 0 || start < ring->firstSeq()) {
        const std::uint64_t firstKept = ring->count == 0 ? ring->lastSeq + 1 : ring->firstSeq();
        slice.gap = std::make_pair(start, firstKept - 1);
        start = firstKept;
    }
    if (start > ring->lastSeq) {
        return slice;
    }
    const std::uint64_t available = ring->lastSeq - start + 1;
    const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(available, limit));
    slice.messages.reserve(n);
    for (std::size_t i = 0; i < n; ++i) {
        slice.messages.push_back(ring->at(start + i));
    }
    slice.hasMore = n < available;
    return slice;
}

std::vector<hermes::v1::ChatMessage> MemoryHistory::tail(std::string_view room,
                                                         std::size_t count) const {
    std::vector<hermes::v1::ChatMessage> out;
    const Ring* ring = find(room);
    if (ring == nullptr || ring->count == 0 || count == 0) {
        return out;
    }
    const std::size_t n = std::min(count, ring->count);
    out.reserve(n);
    for (std::uint64_t seq = ring->lastSeq - n + 1; seq <= ring->lastSeq; ++seq) {
        out.push_back(ring->at(seq));
    }
    return out;
}

std::uint64_t MemoryHistory::lastSeq(std::string_view room) const {
    const Ring* ring = find(room);
    return ring == nullptr ? 0 : ring->lastSeq;
}

namespace {

std::string lowerAscii(std::string_view text) {
    std::string out(text);
    for (char& c : out) {
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    return out;
}

std::vector<std::string> searchWords(std::string_view query) {
    std::vector<std::string> words;
    std::size_t i = 0;
    while (i < query.size()) {
        while (i < query.size() && std::isspace(static_cast<unsigned char>(query[i])) != 0) {
            ++i;
        }
        const std::size_t start = i;
        while (i < query.size() && std::isspace(static_cast<unsigned char>(query[i])) == 0) {
            ++i;
        }
        if (i > start) {
            words.push_back(lowerAscii(query.substr(start, i - start)));
        }
    }
    return words;
}

}  // namespace

SearchHits MemoryHistory::search(std::string_view room, std::string_view query, std::size_t limit,
                                 std::uint64_t beforeSeq) const {
    SearchHits hits;
    const Ring* ring = find(room);
    const std::vector<std::string> words = searchWords(query);
    if (ring == nullptr || ring->count == 0 || words.empty() || limit == 0) {
        return hits;
    }
    std::uint64_t seq = ring->lastSeq;
    if (beforeSeq != 0 && beforeSeq <= seq) {
        seq = beforeSeq - 1;
    }
    // Only a message's newest text matches: the newest EDIT of each edited
    // message (one pass; searches are rare).
    std::unordered_map<std::uint64_t, std::uint64_t> newestEdit;
    for (const hermes::v1::ChatMessage& m : ring->slots) {
        if (m.kind() == hermes::v1::MESSAGE_KIND_EDIT) {
            std::uint64_t& newest = newestEdit[m.target_seq()];
            newest = std::max(newest, m.seq());
        }
    }
    for (; seq >= ring->firstSeq() && seq > 0; --seq) {
        const hermes::v1::ChatMessage& message = ring->at(seq);
        const bool edit = message.kind() == hermes::v1::MESSAGE_KIND_EDIT;
        const auto edited = newestEdit.find(edit ? message.target_seq() : message.seq());
        if (edited != newestEdit.end() && edited->second > message.seq()) {
            continue;
        }
        const std::string text = lowerAscii(message.text());
        const bool all = std::all_of(words.begin(), words.end(), [&](const std::string& word) {
            return text.find(word) != std::string::npos;
        });
        if (!all) {
            continue;
        }
        if (hits.messages.size() == limit) {
            hits.hasMore = true;
            break;
        }
        hits.messages.push_back(message);
    }
    return hits;
}

}  // namespace hermes::hub

// History as clients see it: the join backlog, History and Search pages
// (never past a room's sentSeq), and the held messages that go out once
// the store has committed them.

#include "HubImpl.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace hermes::hub {

namespace {

std::size_t entrySize(const v1::ChatMessage& message) {
    constexpr std::size_t kEntryOverhead = 6;  // field tag and length prefix
    return message.ByteSizeLong() + kEntryOverhead;
}

}  // namespace

// Sends the held frames whose messages are committed (and what waits
// behind them); stops at the first message still uncommitted.
// While input is paused for the output budget the frames stay held: they
// are released by storeCommitted() when it resumes.
void Hub::Impl::releaseHeld(Room& room, std::uint64_t committed) {
    while (!room.held.empty() && takingInput()) {
        Room::Held& front = room.held.front();
        if (front.seq != 0) {
            if (front.seq > committed) {
                return;
            }
            stats.deliveries += broadcast(room, front.frame);
            room.sentSeq = front.seq;
            --heldMessages;
        } else {
            broadcast(room, front.frame);
        }
        room.held.pop_front();
    }
}

void Hub::Impl::storeCommitted() {
    std::size_t kept = 0;
    for (Room* room : holdingRooms) {
        releaseHeld(*room, history->committedSeq(room->name));
        if (room->held.empty()) {
            room->holding = false;
        } else {
            holdingRooms[kept++] = room;
        }
    }
    holdingRooms.resize(kept);
    if (storeBehind && heldMessages <= config.maxHeldMessages / 2) {
        storeBehind = false;
        log.warning("history store caught up: " + std::to_string(heldMessages) +
                    " messages wait for their commit; taking new messages again");
    }
    processDoomed();
}

// The page's frame must stay within max_frame_bytes, which the client
// may enforce on what it receives: messages past the budget are left for
// the next page.
std::size_t Hub::Impl::pageBudget(const Room& room) const {
    constexpr std::size_t kPageOverhead = 64;  // header fields, gap, prefixes
    const std::size_t overhead = kPageOverhead + room.name.size();
    return config.maxFrameBytes > overhead ? config.maxFrameBytes - overhead : 0;
}

void Hub::Impl::sendBacklog(Session& s, const Room& room) {
    if (config.joinBacklog == 0) {
        return;
    }
    std::vector<v1::ChatMessage> messages = history->tail(room.name, config.joinBacklog);
    while (!messages.empty() && messages.back().seq() > room.sentSeq) {
        messages.pop_back();  // still waiting for the store: comes live
    }
    if (messages.empty()) {
        return;
    }
    // Keep the newest that fit.
    const std::size_t budget = pageBudget(room);
    std::size_t used = 0;
    std::size_t first = messages.size();
    while (first > 0) {
        const std::size_t size = entrySize(messages[first - 1]);
        if (used + size > budget && first < messages.size()) {
            break;
        }
        used += size;
        --first;
    }
    out.Clear();
    auto* page = out.mutable_history_page();
    page->set_room(room.name);
    page->set_epoch(hub.epoch_);
    page->set_backlog(true);
    page->set_head_seq(room.sentSeq);
    for (std::size_t i = first; i < messages.size(); ++i) {
        *page->add_messages() = std::move(messages[i]);
    }
    send(s, out);
}

Room* Hub::Impl::existingRoom(Session& s, const std::string& name) {
    std::optional<protocol::ProtocolError> invalid;
    Room* room = lookupRoom(name, invalid);
    if (invalid) {
        sendError(s, v1::ERROR_CODE_INVALID_ROOM, invalid->text, name);
    } else if (room == nullptr) {
        sendError(s, v1::ERROR_CODE_INVALID_ROOM, "there is no room " + name, name);
    }
    return room;
}

std::size_t Hub::Impl::pageLimit(std::uint32_t requested) const {
    const std::size_t pageMax = std::max<std::size_t>(config.historyPageMax, 1);
    return requested == 0 ? pageMax : std::min<std::size_t>(requested, pageMax);
}

void Hub::Impl::onHistory(Session& s, const v1::HistoryRequest& request) {
    Room* room = existingRoom(s, request.room());
    if (room == nullptr) {
        return;
    }
    const std::size_t limit = pageLimit(request.limit());
    HistorySlice slice = history->after(room->name, request.after_seq(), limit);
    // Messages still waiting for the store come live, not here.
    while (!slice.messages.empty() && slice.messages.back().seq() > room->sentSeq) {
        slice.messages.pop_back();
        slice.hasMore = false;
    }

    out.Clear();
    auto* page = out.mutable_history_page();
    page->set_room(room->name);
    page->set_epoch(hub.epoch_);
    page->set_head_seq(room->sentSeq);
    if (slice.gap) {
        page->mutable_gap()->set_first_seq(slice.gap->first);
        page->mutable_gap()->set_last_seq(slice.gap->second);
    }
    bool more = slice.hasMore;
    const std::size_t budget = pageBudget(*room);
    std::size_t used = 0;
    for (auto& message : slice.messages) {
        const std::size_t size = entrySize(message);
        if (used + size > budget && page->messages_size() > 0) {
            more = true;  // the rest is one request away
            break;
        }
        used += size;
        *page->add_messages() = std::move(message);
    }
    page->set_has_more(more);
    send(s, out);
}

void Hub::Impl::onSearch(Session& s, const v1::SearchRequest& request) {
    Room* room = existingRoom(s, request.room());
    if (room == nullptr) {
        return;
    }
    if (auto error = protocol::checkText(request.query(), config.maxTextBytes, "search query")) {
        sendError(s, v1::ERROR_CODE_INVALID_TEXT, error->text, room->name);
        return;
    }
    const std::size_t limit = pageLimit(request.limit());
    // Only what was broadcast: a held message is not found before its echo.
    std::uint64_t before = room->sentSeq + 1;
    if (request.before_seq() != 0) {
        before = std::min(before, request.before_seq());
    }
    SearchHits hits = history->search(room->name, request.query(), limit, before);

    out.Clear();
    auto* results = out.mutable_search_results();
    results->set_room(room->name);
    results->set_query(request.query());
    bool more = hits.hasMore;
    const std::size_t budget =
        pageBudget(*room) > request.query().size() ? pageBudget(*room) - request.query().size() : 0;
    std::size_t used = 0;
    for (auto& message : hits.messages) {
        const std::size_t size = entrySize(message);
        if (used + size > budget && results->messages_size() > 0) {
            more = true;
            break;
        }
        used += size;
        *results->add_messages() = std::move(message);
    }
    results->set_has_more(more);
    send(s, out);
}

}  // namespace hermes::hub

// History as clients see it: the join backlog, History and Search pages.
// Pages never reach past a room's sentSeq: a message still waiting for the
// store's commit is not shown before it was sent live. A HistoryRequest for
// a room that holds such messages waits for them (DurabilityGate), so its
// page holds every message stamped before it was asked.
//
// Backlogs and History pages are short indexed reads (under a millisecond
// over a million messages) and run on the hub's thread. A search may scan
// far (a word in every message of another room): a store that says so
// (HistoryStore::searchesInBackground) runs it on its own thread, and the
// asking session's next frames wait for the answer.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "Conversations.hpp"
#include "DurabilityGate.hpp"
#include "Intake.hpp"
#include "Outbox.hpp"
#include "Requests.hpp"
#include "RoomTable.hpp"
#include "hermes/protocol/Validation.hpp"

namespace hermes::hub {

namespace {

std::size_t entrySize(const v1::ChatMessage& message) {
    constexpr std::size_t kEntryOverhead = 6;  // field tag and length prefix
    return message.ByteSizeLong() + kEntryOverhead;
}

// The page's frame must stay within max_frame_bytes, which the client may
// enforce on what it receives: messages past the budget are left for the
// next page.
std::size_t pageBudget(std::string_view room, const HubConfig& config) {
    constexpr std::size_t kPageOverhead = 64;  // header fields, gap, prefixes
    const std::size_t overhead = kPageOverhead + room.size();
    return config.maxFrameBytes > overhead ? config.maxFrameBytes - overhead : 0;
}

// Messages in one page: what the client asked for (0: the most), capped.
std::size_t pageLimit(std::uint32_t requested, const HubConfig& config) {
    const std::size_t pageMax = std::max<std::size_t>(config.historyPageMax, 1);
    return requested == 0 ? pageMax : std::min<std::size_t>(requested, pageMax);
}

// The first seq of `key` stamped at or after `timeMs` (head + 1 when none).
// Stamps follow seqs (the hub reads its clock as it stamps), so a binary
// search over point reads finds it: about log2(head) indexed reads of one
// message, well under a millisecond over a million messages.
std::uint64_t firstSeqAtTime(const HistoryStore& history, std::string_view key, std::int64_t timeMs,
                             std::uint64_t head) {
    std::uint64_t lo = 1;
    std::uint64_t hi = head + 1;
    while (lo < hi) {
        const std::uint64_t mid = lo + (hi - lo) / 2;
        const HistorySlice slice = history.after(key, mid - 1, 1);
        if (slice.messages.empty() || slice.messages.front().time_ms() >= timeMs) {
            hi = mid;  // gone seqs below the first kept count as "at or after"
        } else {
            lo = slice.messages.front().seq() + 1;
        }
    }
    return lo;
}

// The seqs a page covers: above `after`, at most `limit`. after_seq, or:
// `latest`: the newest `limit` above after_seq (below `head`); at_time_ms:
// the oldest at or after that time, or with `latest` the newest before it
// (docs/PROTOCOL.md "History").
struct PageWindow {
    std::uint64_t after = 0;
    std::size_t limit = 0;
};

PageWindow pageWindow(const v1::HistoryRequest& request, const HistoryStore& history,
                      std::string_view key, std::uint64_t head, std::size_t limit) {
    PageWindow window{request.after_seq(), limit};
    std::uint64_t top = head;  // the newest seq the page may hold
    if (request.at_time_ms() > 0) {
        const std::uint64_t first = firstSeqAtTime(history, key, request.at_time_ms(), head);
        if (request.latest()) {
            top = std::min(top, first - 1);
        } else {
            window.after = std::max(window.after, first - 1);
        }
    }
    if (request.latest()) {
        window.after = std::max<std::uint64_t>(window.after, top > limit ? top - limit : 0);
        window.limit =
            top > window.after
                ? static_cast<std::size_t>(std::min<std::uint64_t>(limit, top - window.after))
                : 0;
    }
    return window;
}

// The room a History or Search names, or nullptr once `s` got the error.
const Room* existingRoom(Session& s, const std::string& name, const RoomTable& rooms,
                         Outbox& outbox) {
    std::optional<protocol::ProtocolError> invalid;
    const Room* room = rooms.lookup(name, invalid);
    if (invalid) {
        outbox.error(s, v1::ERROR_CODE_INVALID_ROOM, invalid->text, name);
    } else if (room == nullptr) {
        outbox.error(s, v1::ERROR_CODE_INVALID_ROOM, "there is no room " + name, name);
    }
    return room;
}

// The conversation key a History or Search naming `peer` reads, or empty
// once `s` got the error. Only a session signed in to an account reads
// private history, and only its own account's conversations: the key is
// made of that account and the peer, so no name a client sends reaches
// another pair's messages.
std::string conversationOf(Session& s, const std::string& peer, const std::string& room,
                           Outbox& outbox, const HubFacts& facts) {
    if (!room.empty()) {
        outbox.error(s, v1::ERROR_CODE_INVALID_ROOM,
                     "name a room or a peer (private history), not both", room);
        return {};
    }
    if (auto invalid = protocol::checkNick(peer)) {
        outbox.error(s, v1::ERROR_CODE_INVALID_NICK, "peer: " + invalid->text);
        return {};
    }
    if (!facts.config.privateHistory) {
        outbox.error(s, v1::ERROR_CODE_UNSUPPORTED,
                     "this hub keeps no private history (private.history = false)");
        return {};
    }
    if (s.profile.account.empty()) {
        outbox.error(s, v1::ERROR_CODE_NOT_A_PARTY,
                     "private history is kept only between accounts: sign in to yours to read "
                     "it");
        return {};
    }
    return Conversations::key(s.profile.account, peer);
}

void sendConversationPage(Session& s, const std::string& key, const v1::HistoryRequest& request,
                          const HistoryStore& history, Outbox& outbox, const HubFacts& facts) {
    const std::size_t limit = pageLimit(request.limit(), facts.config);
    const std::uint64_t head = history.lastSeq(key);
    const PageWindow window = pageWindow(request, history, key, head, limit);
    HistorySlice slice = history.after(key, window.after, window.limit);
    outbox.reply(s, [&](v1::Envelope& out) {
        auto* page = out.mutable_history_page();
        page->set_peer(request.peer());
        page->set_epoch(facts.epoch);
        page->set_head_seq(head);
        if (slice.gap) {
            page->mutable_gap()->set_first_seq(slice.gap->first);
            page->mutable_gap()->set_last_seq(slice.gap->second);
        }
        bool more = slice.hasMore;
        const std::size_t budget = pageBudget(request.peer(), facts.config);
        std::size_t used = 0;
        for (auto& message : slice.messages) {
            Conversations::toWire(message);
            const std::size_t size = entrySize(message);
            if (used + size > budget && page->messages_size() > 0) {
                more = true;
                break;
            }
            used += size;
            *page->add_messages() = std::move(message);
        }
        page->set_has_more(more);
    });
}

}  // namespace

void sendBacklog(Session& s, const Room& room, const HistoryStore& history, Outbox& outbox,
                 const HubFacts& facts) {
    if (facts.config.joinBacklog == 0) {
        return;
    }
    std::vector<v1::ChatMessage> messages = history.tail(room.name, facts.config.joinBacklog);
    while (!messages.empty() && messages.back().seq() > room.log.sentSeq()) {
        messages.pop_back();  // still waiting for the store: comes live
    }
    if (messages.empty()) {
        return;
    }
    // Keep the newest that fit.
    const std::size_t budget = pageBudget(room.name, facts.config);
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
    outbox.reply(s, [&](v1::Envelope& out) {
        auto* page = out.mutable_history_page();
        page->set_room(room.name);
        page->set_epoch(facts.epoch);
        page->set_backlog(true);
        page->set_head_seq(room.log.sentSeq());
        for (std::size_t i = first; i < messages.size(); ++i) {
            *page->add_messages() = std::move(messages[i]);
        }
    });
}

void onHistory(Session& s, const v1::HistoryRequest& request, const RoomTable& rooms,
               DurabilityGate& gate, const HistoryStore& history, Intake& intake, Outbox& outbox,
               const HubFacts& facts) {
    if (!request.peer().empty()) {
        const std::string key = conversationOf(s, request.peer(), request.room(), outbox, facts);
        if (!key.empty()) {
            sendConversationPage(s, key, request, history, outbox, facts);
        }
        return;
    }
    const Room* room = existingRoom(s, request.room(), rooms, outbox);
    if (room == nullptr) {
        return;
    }
    if (DurabilityGate::holdsMessages(*room)) {
        // Answered once the messages said before it are sent live; the
        // session's next frames wait for that, as for a search.
        intake.awaitRead(s);
        gate.deferHistory(s.id, *room, request);
        return;
    }
    sendHistoryPage(s, *room, request, history, outbox, facts);
}

void sendHistoryPage(Session& s, const Room& room, const v1::HistoryRequest& request,
                     const HistoryStore& history, Outbox& outbox, const HubFacts& facts) {
    const std::size_t limit = pageLimit(request.limit(), facts.config);
    const PageWindow window = pageWindow(request, history, room.name, room.log.sentSeq(), limit);
    HistorySlice slice = history.after(room.name, window.after, window.limit);
    // Messages still waiting for the store (said after the request) come
    // live, not here.
    while (!slice.messages.empty() && slice.messages.back().seq() > room.log.sentSeq()) {
        slice.messages.pop_back();
        slice.hasMore = false;
    }
    outbox.reply(s, [&](v1::Envelope& out) {
        auto* page = out.mutable_history_page();
        page->set_room(room.name);
        page->set_epoch(facts.epoch);
        page->set_head_seq(room.log.sentSeq());
        if (slice.gap) {
            page->mutable_gap()->set_first_seq(slice.gap->first);
            page->mutable_gap()->set_last_seq(slice.gap->second);
        }
        bool more = slice.hasMore;
        const std::size_t budget = pageBudget(room.name, facts.config);
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
    });
}

void onSearch(Session& s, const v1::SearchRequest& request, const RoomTable& rooms,
              HistoryStore& history, Intake& intake, Outbox& outbox, const HubFacts& facts) {
    SearchJob job;
    if (!request.peer().empty()) {
        job.room = conversationOf(s, request.peer(), request.room(), outbox, facts);
        if (job.room.empty()) {
            return;
        }
        job.peer = request.peer();
        job.beforeSeq = request.before_seq();  // 0: no bound
    } else {
        const Room* room = existingRoom(s, request.room(), rooms, outbox);
        if (room == nullptr) {
            return;
        }
        job.room = room->name;
        // Only what was broadcast: a held message is not found before its echo.
        job.beforeSeq = room->log.sentSeq() + 1;
        if (request.before_seq() != 0) {
            job.beforeSeq = std::min(job.beforeSeq, request.before_seq());
        }
    }
    if (auto error =
            protocol::checkText(request.query(), facts.config.maxTextBytes, "search query")) {
        outbox.error(s, v1::ERROR_CODE_INVALID_TEXT, error->text,
                     job.peer.empty() ? job.room : std::string());
        return;
    }
    job.ticket = s.id;
    job.query = request.query();
    job.limit = pageLimit(request.limit(), facts.config);
    if (history.searchesInBackground()) {
        intake.awaitRead(s);
        history.startSearch(std::move(job));
        return;
    }
    SearchHits hits = history.search(job.room, job.query, job.limit, job.beforeSeq);
    sendSearchResults(s, job, std::move(hits), outbox, facts);
}

void sendSearchResults(Session& s, const SearchJob& job, SearchHits hits, Outbox& outbox,
                       const HubFacts& facts) {
    outbox.reply(s, [&](v1::Envelope& out) {
        auto* results = out.mutable_search_results();
        const bool conversation = !job.peer.empty();
        if (conversation) {
            results->set_peer(job.peer);  // the key itself is the hub's own
        } else {
            results->set_room(job.room);
        }
        results->set_query(job.query);
        bool more = hits.hasMore;
        const std::size_t pageBytes = pageBudget(job.room, facts.config);
        const std::size_t budget = pageBytes > job.query.size() ? pageBytes - job.query.size() : 0;
        std::size_t used = 0;
        for (auto& message : hits.messages) {
            if (conversation) {
                Conversations::toWire(message);
            }
            const std::size_t size = entrySize(message);
            if (used + size > budget && results->messages_size() > 0) {
                more = true;
                break;
            }
            used += size;
            *results->add_messages() = std::move(message);
        }
        results->set_has_more(more);
    });
}

}  // namespace hermes::hub

// Hub::violatedInvariants(): what every component promises about its state,
// checked from outside through the components' const views. The fuzzer
// (libhermes/fuzz/HubFuzz.cpp) calls it after every step.

#include <algorithm>
#include <cstddef>
#include <optional>
#include <sstream>
#include <string>
#include <unordered_set>
#include <vector>

#include "HubImpl.hpp"
#include "hermes/protocol/Validation.hpp"

namespace hermes::hub {

namespace {

class Report {
public:
    template <typename... Parts>
    void fail(const Parts&... parts) {
        std::ostringstream line;
        (line << ... << parts);
        lines_.push_back(line.str());
    }
    std::vector<std::string> take() { return std::move(lines_); }

private:
    std::vector<std::string> lines_;
};

template <typename T>
bool hasDuplicates(std::vector<T> items) {
    std::sort(items.begin(), items.end());
    return std::adjacent_find(items.begin(), items.end()) != items.end();
}

}  // namespace

std::vector<std::string> Hub::violatedInvariants() const {
    const Impl& hub = *impl_;
    Report report;
    const Registry& registry = registry_;

    // --- SessionTable: states, nicks, the Registry's counts --------------------------
    std::size_t sessions = 0;
    std::size_t named = 0;
    std::size_t welcomed = 0;
    std::unordered_set<std::string> nickKeys;
    std::size_t signedIn = 0;
    hub.sessions.forEach([&](const Session& s) {
        ++sessions;
        if (!s.profile.account.empty()) {
            ++signedIn;
            const auto& index = hub.sessions.byAccount();
            const auto it = index.find(protocol::nickKey(s.profile.account));
            if (it == index.end() ||
                std::find(it->second.begin(), it->second.end(), s.id) == it->second.end()) {
                report.fail("session ", s.id, " signed in to ", s.profile.account,
                            " is not in the account index");
            }
        }
        switch (s.who.state()) {
            case SessionState::Handshaking:
                if (!s.who.nick().empty() || !s.rooms.empty()) {
                    report.fail("session ", s.id, " handshaking with a nick or rooms");
                }
                break;
            case SessionState::Welcomed:
                ++welcomed;
                break;
            case SessionState::Closing:
                report.fail("session ", s.id, " still closing after the hub's call returned");
                break;
            default:
                report.fail("session ", s.id, " in no known state");
        }
        if (!s.who.nick().empty()) {
            ++named;
            if (protocol::checkNick(s.who.nick())) {
                report.fail("session ", s.id, " has an invalid nick ", s.who.nick());
            }
            if (registry.find(s.who.nick()) != s.id) {
                report.fail("session ", s.id, " nick ", s.who.nick(), " not held for it");
            }
            if (!nickKeys.insert(protocol::nickKey(s.who.nick())).second) {
                report.fail("nick ", s.who.nick(), " held by two sessions");
            }
        }
        if (s.who.welcomed() != !s.who.nick().empty()) {
            report.fail("session ", s.id, " welcomed without a nick or named without Welcome");
        }
    });
    // Each indexed id is a live session of that account, once.
    std::size_t indexed = 0;
    for (const auto& [account, ids] : hub.sessions.byAccount()) {
        indexed += ids.size();
        if (ids.empty() || hasDuplicates(ids)) {
            report.fail("account index entry ", account, " empty or with an id twice");
        }
        for (const SessionId id : ids) {
            const Session* s = hub.sessions.find(id);
            if (s == nullptr || protocol::nickKey(s->profile.account) != account) {
                report.fail("account index lists session ", id, " under ", account,
                            ", which is gone or signed in elsewhere");
            }
        }
    }
    if (indexed != signedIn) {
        report.fail("account index holds ", indexed, " sessions; ", signedIn, " are signed in");
    }
    if (registry.connections() != sessions) {
        report.fail("Registry counts ", registry.connections(), " connections for ", sessions,
                    " sessions");
    }
    if (registry.size() != named) {
        report.fail("Registry holds ", registry.size(), " nicks for ", named, " named sessions");
    }
    if (stats_.connections != sessions || stats_.clients != welcomed) {
        report.fail("stats say ", stats_.connections, " connections and ", stats_.clients,
                    " clients; there are ", sessions, " and ", welcomed);
    }

    // --- RoomTable: the two-way membership index -----------------------------------
    std::size_t rooms = 0;
    hub.rooms.forEach([&](const Room& room) {
        ++rooms;
        if (hub.rooms.find(room.name) != &room) {
            report.fail("room ", room.name, " not found by its own name");
        }
        const auto& members = room.members.list();
        for (std::size_t i = 0; i < members.size(); ++i) {
            const Member& member = members[i];
            const auto& theirs = member.session->rooms.list();
            if (member.slot >= theirs.size() || theirs[member.slot].room != &room ||
                theirs[member.slot].index != i) {
                report.fail("room ", room.name, " member ", i, " does not point back");
            }
            if (hub.sessions.find(member.session->id) != member.session) {
                report.fail("room ", room.name, " has a member that is not a session");
            }
        }
        std::vector<const Session*> unique;
        for (const Member& member : members) {
            unique.push_back(member.session);
        }
        if (hasDuplicates(unique)) {
            report.fail("room ", room.name, " lists a member twice");
        }
    });
    if (stats_.rooms != rooms) {
        report.fail("stats say ", stats_.rooms, " rooms; there are ", rooms);
    }
    hub.sessions.forEach([&](const Session& s) {
        const auto& mine = s.rooms.list();
        for (std::size_t k = 0; k < mine.size(); ++k) {
            const Membership& membership = mine[k];
            const auto& members = membership.room->members.list();
            if (membership.index >= members.size() || members[membership.index].session != &s ||
                members[membership.index].slot != k) {
                report.fail("session ", s.id, " room ", k, " does not point back");
            }
        }
        if (s.rooms.size() > hub.config.maxRoomsPerClient) {
            report.fail("session ", s.id, " in ", s.rooms.size(), " rooms, past the limit");
        }
    });

    // --- Outbox: writable list, blocks, queued bytes, the budget --------------------
    std::vector<SessionId> writable = hub.outbox.writable();
    if (hasDuplicates(writable)) {
        report.fail("a session is listed writable twice");
    }
    std::sort(writable.begin(), writable.end());
    std::uint64_t queued = 0;
    hub.sessions.forEach([&](const Session& s) {
        queued += s.out.queue().size();
        if (s.out.listed() && !std::binary_search(writable.begin(), writable.end(), s.id)) {
            report.fail("session ", s.id, " marked writable but not listed");
        }
        if (s.out.queue().segmentCount() > OutboundQueue::kMaxSegments) {
            report.fail("session ", s.id, " queue holds ", s.out.queue().segmentCount(),
                        " segments");
        }
    });
    if (queued != stats_.bytesQueued) {
        report.fail("stats say ", stats_.bytesQueued, " bytes queued; the queues hold ", queued);
    }
    std::vector<const Room*> blockRooms(hub.outbox.blockRooms().begin(),
                                        hub.outbox.blockRooms().end());
    if (hasDuplicates(blockRooms)) {
        report.fail("a room is listed twice as holding a block");
    }
    std::sort(blockRooms.begin(), blockRooms.end());
    hub.rooms.forEach([&](const Room& room) {
        const bool listed = std::binary_search(blockRooms.begin(), blockRooms.end(), &room);
        if ((room.block.get() != nullptr) != listed) {
            report.fail("room ", room.name, " holds a block ", room.block.get() != nullptr,
                        " but is listed ", listed);
        }
    });
    // The gauge counts every queue's own bytes and every block at least
    // (queues may still hold blocks their rooms have let go of).
    std::size_t counted = 0;
    hub.sessions.forEach([&](const Session& s) { counted += s.out.queue().privateBytes(); });
    hub.rooms.forEach([&](const Room& room) {
        counted += room.block.get() != nullptr ? room.block.get()->capacity() : 0;
    });
    if (outputMemory_.bytes() < counted) {
        report.fail("output memory counts ", outputMemory_.bytes(),
                    " bytes; queues and room "
                    "blocks hold ",
                    counted);
    }
    // The budget is a threshold checked before each frame, not a cap
    // (docs/HUB.md "Slow members and the output budget"): memory passes it
    // by at most one turn's fan-out. Bounded here loosely, so that a count
    // gone wrong is caught: per session and per room of its (and one more
    // for its private frames), two frames or blocks.
    const std::size_t frameMax = std::max(config_.maxFrameBytes, FrameBlock::kMaxCapacity);
    const std::size_t turn = (sessions + 1) * (config_.maxRoomsPerClient + 1) * 2 * frameMax;
    if (outputMemory_.bytes() > config_.maxQueuedBytes + turn) {
        report.fail("output memory ", outputMemory_.bytes(), " past the budget ",
                    config_.maxQueuedBytes, " by more than a turn's fan-out (", turn, ")");
    }

    // --- Intake: throttled and held lists, waiting frames ---------------------------
    std::vector<SessionId> throttled = hub.intake.throttled();
    std::vector<SessionId> held = hub.intake.held();
    if (hasDuplicates(throttled) || hasDuplicates(held)) {
        report.fail("a session is listed twice as throttled or holding input");
    }
    std::sort(throttled.begin(), throttled.end());
    std::sort(held.begin(), held.end());
    hub.sessions.forEach([&](const Session& s) {
        if (s.in.throttled() != std::binary_search(throttled.begin(), throttled.end(), s.id)) {
            report.fail("session ", s.id, " throttled flag and list disagree");
        }
        if (s.in.held() != std::binary_search(held.begin(), held.end(), s.id)) {
            report.fail("session ", s.id, " held flag and list disagree");
        }
        // Upload chunks wait beside them without counting as a flood, up to
        // what the upload windows allow (Intake::admit).
        if (s.in.waitingChunks() > s.in.waiting() ||
            s.in.waiting() - s.in.waitingChunks() > hub.config.floodBacklog) {
            report.fail("session ", s.id, " has ", s.in.waiting(), " frames waiting (",
                        s.in.waitingChunks(), " of them chunks), past ", hub.config.floodBacklog);
        }
        if (s.in.waitingChunkBytes() > hub.intake.maxWaitingChunkBytes()) {
            report.fail("session ", s.id, " has ", s.in.waitingChunkBytes(),
                        " bytes of chunks waiting, past ", hub.intake.maxWaitingChunkBytes());
        }
        if (s.in.waiting() > 0 && !s.in.throttled() && !s.in.held()) {
            report.fail("session ", s.id, " has frames waiting and nobody to serve them");
        }
    });

    // --- Presence: pending batches are listed -------------------------------------------
    std::vector<const Room*> dirty(hub.presence.dirtyRooms().begin(),
                                   hub.presence.dirtyRooms().end());
    std::sort(dirty.begin(), dirty.end());
    hub.rooms.forEach([&](const Room& room) {
        if (!room.presence.pending().empty() && !room.presence.listed()) {
            report.fail("room ", room.name, " has presence pending but is not listed");
        }
        if (room.presence.listed() && !std::binary_search(dirty.begin(), dirty.end(), &room)) {
            report.fail("room ", room.name, " marked dirty but not listed");
        }
    });

    // --- DurabilityGate: gapless seqs, held frames --------------------------------------
    std::vector<const Room*> holding(hub.gate.holdingRooms().begin(),
                                     hub.gate.holdingRooms().end());
    if (hasDuplicates(holding)) {
        report.fail("a room is listed twice as holding frames");
    }
    std::sort(holding.begin(), holding.end());
    std::size_t heldMessages = 0;
    hub.rooms.forEach([&](const Room& room) {
        const RoomLog& log = room.log;
        std::uint64_t expect = log.sentSeq() + 1;
        for (const RoomLog::Held& frame : log.held()) {
            if (frame.seq == 0) {
                continue;
            }
            ++heldMessages;
            if (frame.seq != expect) {
                report.fail("room ", room.name, " holds seq ", frame.seq, " where ", expect,
                            " was next");
            }
            ++expect;
        }
        if (log.nextSeq() != expect) {
            report.fail("room ", room.name, " next seq ", log.nextSeq(), " after sent ",
                        log.sentSeq(), " and held up to ", expect - 1);
        }
        // In a cluster a gap the backplane's stream no longer held is
        // skipped (DurabilityGate::skipTo): the store is behind, never ahead.
        const std::uint64_t stored = hub.history->lastSeq(room.name);
        if (hub.backplane.enabled() ? stored > log.nextSeq() - 1 : stored != log.nextSeq() - 1) {
            report.fail("room ", room.name, " store's last seq ", hub.history->lastSeq(room.name),
                        " is not ", log.nextSeq() - 1);
        }
        const bool listed = std::binary_search(holding.begin(), holding.end(), &room);
        if (log.listed() != listed || (!log.held().empty() && !listed)) {
            report.fail("room ", room.name, " holding flag, list and frames disagree");
        }
        if (!hub.gate.durable() && !log.held().empty()) {
            report.fail("room ", room.name, " holds frames with a synchronous store");
        }
    });
    // Private messages that wait: within the cap; echoes held only for an
    // asynchronous store.
    if (hub.conversations.largestMailbox() > hub.config.privateMaxWaiting) {
        report.fail("an account has ", hub.conversations.largestMailbox(),
                    " private messages waiting, above private.max_waiting ",
                    hub.config.privateMaxWaiting);
    }
    if (hub.conversations.largestShare() > hub.config.privateMaxWaitingPerSender) {
        report.fail("a sender has ", hub.conversations.largestShare(),
                    " private messages waiting for one account, above "
                    "private.max_waiting_per_sender ",
                    hub.config.privateMaxWaitingPerSender);
    }
    // A session being sent what waited for it waits for that read.
    hub.conversations.forEachDelivering([&](SessionId id) {
        const Session* s = hub.sessions.find(id);
        if (s == nullptr || !s->in.awaitingRead() || !hub.history->searchesInBackground()) {
            report.fail("session ", id,
                        " is being read its waiting messages but is gone, goes on, "
                        "or the store reads on the hub's thread");
        }
    });
    if (hub.conversations.holdingEchoes() && hub.history->synchronous()) {
        report.fail("private echoes held with a synchronous store");
    }
    if (heldMessages != hub.gate.heldMessages()) {
        report.fail("the gate counts ", hub.gate.heldMessages(), " held messages; rooms hold ",
                    heldMessages);
    }
    // A waiting history request: one per session at most, whose session
    // waits for it, and whose room has not yet sent what it waits for
    // unless the budget holds the answer back.
    std::vector<SessionId> asking;
    for (const auto& waiting : hub.gate.waitingHistory()) {
        asking.push_back(waiting.session);
        const Session* s = hub.sessions.find(waiting.session);
        if (s != nullptr && !s->in.awaitingRead()) {
            report.fail("session ", waiting.session, " has a history request waiting but goes on");
        }
        if (s != nullptr && waiting.room->log.sentSeq() >= waiting.untilSeq &&
            !hub.budget.paused()) {
            report.fail("session ", waiting.session, "'s history request for ", waiting.room->name,
                        " is answerable but waits");
        }
    }
    if (hasDuplicates(asking)) {
        report.fail("a session has two history requests waiting");
    }

    // --- ReadMarkers: a session's own markers only while it lives, within the cap --
    hub.markers.forEachReader(
        [&](const std::string& reader, std::optional<SessionId> session, std::size_t count) {
            if (session && hub.sessions.find(*session) == nullptr) {
                report.fail("read markers kept for session ", *session, ", which is gone");
            }
            // (An account's may be more: read back from a store written under
            // a higher read_markers.max_per_member.)
            if (session && count > hub.config.readMarkersMax) {
                report.fail("reader ", reader, " has ", count, " read markers, past ",
                            hub.config.readMarkersMax);
            }
        });

    // --- Transfers: uploads and downloads belong to live sessions ----------------------
    for (const SessionId id : hub.transfers.sessionsHeld()) {
        const Session* s = hub.sessions.find(id);
        if (s == nullptr || !s->who.welcomed()) {
            report.fail("a transfer of session ", id, ", which is gone or not welcomed");
        }
    }

    return report.take();
}

}  // namespace hermes::hub

#pragma once
// Presence: who joined, left, quit, changed nick, went away or came back,
// and what operators did (Moderation).
// The only writer of each room's pending batch (and when it is due) and of
// the list of rooms with presence waiting, and the one place a Presence
// frame is built (frame()).
//
//   room.presence.listed  <-> the room is in dirty_ (or deferred_ during a flush)
//
// Presence of one kind (and one reason) in one room within one processing
// turn goes out as one Presence listing every nick, in order. Before
// anything else is sent to a room its pending presence is sent (flush()),
// so every member sees events in the order they happened. In rooms of at
// least hub.presence_coalesce_members, presence may wait up to
// hub.presence_coalesce_ms for the events that follow.
//
// Large rooms (more than hub.presence_full_max_members members, docs/HUB.md
// "Large rooms"): a batch goes only to the members that follow the room
// (Join.all_presence), unless one of its nicks has spoken there or an event
// in it was queued while the room was small; then, and for moderation, to
// everyone. A join storm thus costs O(followers) per
// batch, not O(members).
//
// Threading: none; the hub's thread.

#include <string>
#include <string_view>
#include <vector>

#include "Room.hpp"
#include "hermes/hub/Hub.hpp"
#include "hermes/hub/HubConfig.hpp"
#include "hermes/v1/hermes.pb.h"

namespace hermes::hub {

class DurabilityGate;
class Outbox;
struct Session;

class Presence {
public:
    Presence(const HubConfig& config, const WallClock& wallClock)
        : config_(config), wallClock_(wallClock) {}

    // Adds `nick` to the room's batch (sending the batch first if it is of
    // another kind or reason). `spoke`: the nick has said something in the
    // room (Member::spoke), so every member hears of it.
    void queue(Room& room, v1::PresenceKind kind, std::string_view reason, std::string_view nick,
               bool spoke, TimePoint now, DurabilityGate& gate, Outbox& outbox);
    // True while the room is small enough that everyone gets all presence.
    bool fullPresence(const Room& room) const {
        return room.members.size() <= config_.presenceFullMaxMembers;
    }
    // Sends the room's pending presence to its members now.
    void flush(Room& room, DurabilityGate& gate, Outbox& outbox);
    // One pass over the rooms with presence waiting: sends what is due (all
    // of it if `force`), keeps large rooms' batches that are not due yet.
    // endFlush() after the last pass.
    void flushPass(bool force, TimePoint now, DurabilityGate& gate, Outbox& outbox);
    bool dirty() const { return !dirty_.empty(); }
    void endFlush() { dirty_.swap(deferred_); }
    // The soonest a batch held back in a large room is due (or `fallback`).
    TimePoint nextDue(TimePoint fallback) const;

    // NICK_CHANGED to the room (it cannot be coalesced: one new nick each).
    void nickChanged(Room& room, std::string_view oldNick, std::string_view newNick, bool spoke,
                     DurabilityGate& gate, Outbox& outbox);
    // A Presence for one session only: a confirmation (room "") or a
    // leaver's own LEFT.
    void tell(Session& s, std::string_view room, v1::PresenceKind kind, std::string_view nick,
              std::string_view newNick, std::string_view reason, Outbox& outbox);
    // The room's pending batch, to one session only (a leaver sees what
    // happened before it left).
    void tellPending(Session& s, const Room& room, Outbox& outbox);

    // A moderation event (kinds 7-15, `by` the operator) to the room's
    // members, after its pending presence.
    void moderation(Room& room, v1::PresenceKind kind, const std::vector<std::string>& nicks,
                    std::string_view by, std::string_view reason, DurabilityGate& gate,
                    Outbox& outbox);
    // The same to one session only: the target of a removal, an operator
    // who is not a member, or (room "") a hub-wide ban's confirmation.
    void tellModeration(Session& s, std::string_view room, v1::PresenceKind kind,
                        const std::vector<std::string>& nicks, std::string_view by,
                        std::string_view reason, Outbox& outbox);

    // Shutdown: nothing waits any more.
    void clear(Room& room);
    void clearLists() {
        dirty_.clear();
        deferred_.clear();
    }
    // The room is going (reclaimed, RoomTable::reclaimEmpty): it has nothing
    // pending (not listed()), but a room flushed by traffic may still be in
    // the lists, skipped at the next pass; it must not be there when gone.
    void forget(const Room& room);

    const std::vector<Room*>& dirtyRooms() const { return dirty_; }

private:
    // The one builder of Presence frames.
    template <typename Nicks>
    std::string_view frame(std::string_view room, v1::PresenceKind kind, const Nicks& nicks,
                           std::string_view newNick, std::string_view reason,
                           std::string_view by = {});

    const HubConfig& config_;
    const WallClock& wallClock_;
    std::vector<Room*> dirty_;     // presence waiting for flush()
    std::vector<Room*> flushing_;  // swapped with dirty_, keeps its capacity
    std::vector<Room*> deferred_;  // large rooms whose presence waits; back to dirty_
    v1::Envelope envelope_;        // scratch of frame()
    std::string frame_;
};

}  // namespace hermes::hub

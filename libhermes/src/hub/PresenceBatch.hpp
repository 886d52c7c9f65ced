#pragma once
// Presence of one kind (and one reason) waiting to go out to one room. Nicks
// accumulate during one processing turn and leave as a single Presence; an
// event of another kind sends the batch first, so order is never changed.
//
// Threading: none; part of a Room (written by Presence), on the hub's thread.

#include <string>
#include <string_view>
#include <vector>

#include "hermes/v1/hermes.pb.h"

namespace hermes::hub {

struct PresenceBatch {
    hermes::v1::PresenceKind kind = hermes::v1::PRESENCE_KIND_UNSPECIFIED;
    std::string reason;
    std::vector<std::string> nicks;  // in the order the events happened
    // One of the nicks has spoken in the room, or one event was queued while
    // the room was small: the batch goes to every member, not only to those
    // who follow it.
    bool toAll = false;

    bool empty() const { return nicks.empty(); }
    bool accepts(hermes::v1::PresenceKind k, std::string_view r) const {
        return empty() || (kind == k && reason == r);
    }
    void clear() {
        kind = hermes::v1::PRESENCE_KIND_UNSPECIFIED;
        reason.clear();
        nicks.clear();
        toAll = false;
    }
};

}  // namespace hermes::hub

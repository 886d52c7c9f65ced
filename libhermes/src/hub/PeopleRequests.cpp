// People: Whois and away.
//
// Whois tells anyone about a connected nick: its rooms (every room is
// public: RoomList and Who show them to anyone), when it signed on, how long
// it has been idle, its away text and its client's name. It never names the
// peer address (on a LAN it points at a person's machine) or the session id
// (the hub's own handle, for its logs).
//
// SetAway marks a session away with a text, or back with none. The hub keeps
// it per session (a reconnect starts back), tells the session's rooms when it
// changes (Presence AWAY / BACK, queued and coalesced like joins), marks away
// members in MemberList, and answers a private message to an away nick with
// an away reply to its sender (ChatRequests.cpp; the message is still
// delivered).
//
// In a cluster a nick on another hub is answered from what this hub knows
// of it (its rooms and away text, from the backplane's presence), and an
// away or back is carried to the other hubs (Hub.cpp, Backplane::announce).

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "Backplane.hpp"
#include "Outbox.hpp"
#include "Presence.hpp"
#include "Requests.hpp"
#include "Room.hpp"
#include "SessionTable.hpp"
#include "hermes/protocol/Limits.hpp"
#include "hermes/protocol/Validation.hpp"

namespace hermes::hub {

namespace {

// Whois of another hub's member: what this hub knows of it (Backplane's
// lists and profiles), false when no hub lists it in a room.
bool whoisAcross(Session& s, const std::string& nick, const Backplane& backplane, Outbox& outbox,
                 std::int64_t wallClockMs) {
    std::string hub;
    const std::vector<std::string> rooms = backplane.roomsOf(nick, hub);
    if (rooms.empty()) {
        return false;
    }
    const std::string shown = backplane.shownAs(nick);
    outbox.reply(s, [&](v1::Envelope& out) {
        auto* reply = out.mutable_whois_reply();
        reply->set_nick(shown);
        for (const std::string& room : rooms) {
            reply->add_rooms(room);
        }
        reply->set_away(backplane.awayOf(shown));
        if (const RemoteProfiles::Profile* profile = backplane.profiles().find(shown)) {
            reply->set_signed_on_ms(profile->signedOnMs);
            reply->set_client_name(profile->clientName);
            // Both clocks are hubs' wall clocks: a skew between them never
            // reads as a negative idle time.
            const std::int64_t since = std::max(profile->signedOnMs, profile->lastSpokeMs);
            reply->set_idle_ms(
                static_cast<std::uint64_t>(std::max<std::int64_t>(0, wallClockMs - since)));
        }
    });
    return true;
}

}  // namespace

void onWhois(Session& s, const v1::WhoisRequest& request, const SessionTable& sessions,
             Outbox& outbox, TimePoint now, const Backplane* backplane, std::int64_t wallClockMs) {
    const Session* target = sessions.findNick(request.nick());
    if (target == nullptr && backplane != nullptr && !protocol::checkNick(request.nick()) &&
        whoisAcross(s, request.nick(), *backplane, outbox, wallClockMs)) {
        return;
    }
    if (target == nullptr) {
        const bool valid = !protocol::checkNick(request.nick());
        outbox.error(s, v1::ERROR_CODE_NO_SUCH_NICK,
                     valid ? "no one is called " + request.nick() : std::string("no such nick"));
        return;
    }
    std::vector<std::string_view> names;
    names.reserve(target->rooms.size());
    for (const Membership& membership : target->rooms) {
        names.emplace_back(membership.room->name);
    }
    std::sort(names.begin(), names.end());
    outbox.reply(s, [&](v1::Envelope& out) {
        auto* reply = out.mutable_whois_reply();
        reply->set_nick(target->who.nick());
        for (const std::string_view name : names) {
            reply->add_rooms(std::string(name));
        }
        reply->set_signed_on_ms(target->profile.signedOnMs);
        const auto idle =
            std::chrono::duration_cast<std::chrono::milliseconds>(now - target->profile.lastSpoke)
                .count();
        reply->set_idle_ms(static_cast<std::uint64_t>(std::max<std::int64_t>(0, idle)));
        reply->set_away(target->profile.away);
        reply->set_client_name(target->profile.clientName);
    });
}

void onSetAway(Session& s, const v1::SetAway& request, Presence& presence, DurabilityGate& gate,
               Outbox& outbox, TimePoint now) {
    const std::string& text = request.text();
    // Relayed to the rooms, so it obeys the text rules of a reason.
    if (auto error = protocol::checkOptionalText(text, protocol::kMaxAwayBytes, "away message")) {
        outbox.error(s, v1::ERROR_CODE_INVALID_TEXT, error->text);
        return;
    }
    const v1::PresenceKind kind = text.empty() ? v1::PRESENCE_KIND_BACK : v1::PRESENCE_KIND_AWAY;
    if (text != s.profile.away) {
        s.profile.away = text;
        for (const Membership& membership : s.rooms) {
            const bool spoke = membership.room->members.list()[membership.index].spoke;
            presence.queue(*membership.room, kind, text, s.who.nick(), spoke, now, gate, outbox);
        }
    }
    // The requester's own confirmation, whether or not anything changed.
    presence.tell(s, {}, kind, s.who.nick(), {}, text, outbox);
}

}  // namespace hermes::hub

// Away: SetAway marks a session away with a text, or back with none. The
// hub keeps it per session (a reconnect starts back), tells the session's
// rooms when it changes (Presence AWAY / BACK, queued and coalesced like
// joins), marks away members in MemberList, and answers a private message
// to an away nick with an away reply to its sender (the message is still
// delivered).

#include "HubImpl.hpp"

#include <string>

#include "hermes/protocol/Limits.hpp"

namespace hermes::hub {

void Hub::Impl::onSetAway(Session& s, const v1::SetAway& request) {
    const std::string& text = request.text();
    // Relayed to the rooms, so it obeys the text rules of a reason.
    if (auto error = protocol::checkOptionalText(text, protocol::kMaxAwayBytes, "away message")) {
        sendError(s, v1::ERROR_CODE_INVALID_TEXT, error->text);
        return;
    }
    const v1::PresenceKind kind = text.empty() ? v1::PRESENCE_KIND_BACK : v1::PRESENCE_KIND_AWAY;
    if (text != s.away) {
        s.away = text;
        for (const Session::Membership& membership : s.rooms) {
            queuePresence(*membership.room, kind, text, s.nick);
        }
    }
    // The requester's own confirmation, whether or not anything changed.
    sendPresence(s, {}, kind, s.nick, {}, text);
}

void Hub::Impl::sendAwayReply(Session& sender, const Session& target) {
    chat.clear_room();
    chat.set_seq(0);
    chat.set_epoch(hub.epoch_);
    chat.set_time_ms(wallClock());
    chat.set_from(target.nick);
    chat.set_client_msg_id(0);
    chat.set_kind(v1::MESSAGE_KIND_NOTICE);
    chat.set_text(target.nick + " is away: " + target.away);
    chat.set_to(sender.nick);
    chat.set_away(target.away);
    serializeChat();
    chat.clear_away();  // `chat` is reused by every Say
    enqueue(sender, frame);
}

}  // namespace hermes::hub

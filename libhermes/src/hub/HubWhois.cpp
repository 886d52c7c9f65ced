// Whois: what the hub tells anyone about a connected nick, and the facts it
// keeps at sign-on for that. The reply names the nick's rooms (every room is
// public: RoomList and Who show them to anyone), when it signed on, how long
// it has been idle, its away text and its client's name. It never names the
// peer address (on a LAN it points at a person's machine) or the session id
// (the hub's own handle, for its logs).

#include "HubImpl.hpp"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "hermes/protocol/Limits.hpp"

namespace hermes::hub {

void Hub::Impl::noteSignOn(Session& s, const v1::Hello& hello) {
    // Shown to others from now on, so it obeys the text rules; the log line
    // of the Welcome still shows what the client sent.
    const std::string& name = hello.client_name();
    const bool showable =
        !protocol::checkOptionalText(name, protocol::kMaxClientNameBytes, "client name");
    s.clientName = showable ? name : std::string();
    s.signedOnMs = wallClock();
    s.lastSpoke = now;
}

Session* Hub::Impl::findNick(std::string_view nick) const {
    if (protocol::checkNick(nick)) {
        return nullptr;
    }
    const auto id = registry.find(nick);
    Session* session = id ? findSession(*id) : nullptr;
    if (session == nullptr || !session->welcomed || session->doomed) {
        return nullptr;
    }
    return session;
}

void Hub::Impl::onWhois(Session& s, const v1::WhoisRequest& request) {
    const Session* target = findNick(request.nick());
    if (target == nullptr) {
        const bool valid = !protocol::checkNick(request.nick());
        sendError(s, v1::ERROR_CODE_NO_SUCH_NICK,
                  valid ? "no one is called " + request.nick() : std::string("no such nick"));
        return;
    }
    std::vector<std::string_view> names;
    names.reserve(target->rooms.size());
    for (const Session::Membership& membership : target->rooms) {
        names.emplace_back(membership.room->name);
    }
    std::sort(names.begin(), names.end());

    out.Clear();
    auto* reply = out.mutable_whois_reply();
    reply->set_nick(target->nick);
    for (const std::string_view name : names) {
        reply->add_rooms(std::string(name));
    }
    reply->set_signed_on_ms(target->signedOnMs);
    const auto idle =
        std::chrono::duration_cast<std::chrono::milliseconds>(now - target->lastSpoke).count();
    reply->set_idle_ms(static_cast<std::uint64_t>(std::max<std::int64_t>(0, idle)));
    reply->set_away(target->away);
    reply->set_client_name(target->clientName);
    send(s, out);
}

}  // namespace hermes::hub

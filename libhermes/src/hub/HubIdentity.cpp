// Who a session is: Hello (the handshake and Welcome), SetNick, and Bye.

#include "HubImpl.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <utility>

#include "hermes/protocol/Limits.hpp"

namespace hermes::hub {

void Hub::Impl::onHello(Session& s, const v1::Hello& hello) {
    if (hello.protocol_version() != protocol::kProtocolVersion) {
        fatal(s, v1::ERROR_CODE_PROTOCOL_VERSION,
              "this hub speaks protocol version " + std::to_string(protocol::kProtocolVersion) +
                  "; Hello asked for " + std::to_string(hello.protocol_version()),
              "protocol_version", "protocol version");
        return;
    }
    if (auto error = protocol::checkNick(hello.nick())) {
        sendError(s, v1::ERROR_CODE_INVALID_NICK, error->text);
        return;
    }
    if (!registry.reserve(hello.nick(), s.id)) {
        sendError(s, v1::ERROR_CODE_NICK_TAKEN,
                  "nick " + hello.nick() + " is taken; choose another");
        return;
    }
    s.nick = hello.nick();
    s.welcomed = true;
    noteSignOn(s, hello);
    s.decoder.setMaxFrameBytes(config.maxFrameBytes);
    ++stats.clients;
    log.information(describe(s) + " welcomed (client \"" + hello.client_name().substr(0, 64) +
                    "\")");

    out.Clear();
    auto* welcome = out.mutable_welcome();
    welcome->set_session_id(s.id);
    welcome->set_nick(s.nick);
    welcome->set_server_name(config.serverName);
    welcome->set_motd(config.motd);
    welcome->set_epoch(hub.epoch_);
    welcome->set_durable_history(history->persistent());
    auto* limits = welcome->mutable_limits();
    limits->set_max_frame_bytes(static_cast<std::uint32_t>(config.maxFrameBytes));
    limits->set_max_text_bytes(static_cast<std::uint32_t>(config.maxTextBytes));
    limits->set_rate_per_second(
        static_cast<std::uint32_t>(std::lround(std::max(0.0, config.ratePerSecond))));
    limits->set_rate_burst(
        static_cast<std::uint32_t>(std::lround(std::max(0.0, config.rateBurst))));
    limits->set_max_nick_bytes(static_cast<std::uint32_t>(protocol::kMaxNickBytes));
    limits->set_max_room_bytes(static_cast<std::uint32_t>(protocol::kMaxRoomBytes));
    limits->set_history_page_max(static_cast<std::uint32_t>(config.historyPageMax));
    limits->set_max_rooms_per_client(static_cast<std::uint32_t>(config.maxRoomsPerClient));
    limits->set_ping_interval_ms(static_cast<std::uint32_t>(config.pingInterval.count()));
    send(s, out);

    if (!config.defaultRoom.empty()) {
        v1::Join join;
        join.set_room(config.defaultRoom);
        onJoin(s, join);
    }
}

void Hub::Impl::onSetNick(Session& s, const v1::SetNick& request) {
    const std::string& nick = request.nick();
    if (auto error = protocol::checkNick(nick)) {
        sendError(s, v1::ERROR_CODE_INVALID_NICK, error->text);
        return;
    }
    if (nick != s.nick && !registry.rename(s.id, s.nick, nick)) {
        sendError(s, v1::ERROR_CODE_NICK_TAKEN, "nick " + nick + " is taken; choose another");
        return;
    }
    const std::string old = s.nick;
    s.nick = nick;
    log.information(describe(s) + " changed nick from " + old);
    if (nick != old) {
        for (const Session::Membership& membership : s.rooms) {
            Room& room = *membership.room;
            flushPresence(room);
            out.Clear();
            auto* presence = out.mutable_presence();
            presence->set_room(room.name);
            presence->set_kind(v1::PRESENCE_KIND_NICK_CHANGED);
            presence->add_nicks(old);
            presence->set_new_nick(nick);
            presence->set_time_ms(wallClock());
            frame.clear();
            codec::appendFrame(out, frame);
            roomBroadcast(room, frame);
        }
    }
    sendPresence(s, {}, v1::PRESENCE_KIND_NICK_CHANGED, old, nick, {});
}

void Hub::Impl::onBye(Session& s, const v1::Bye& bye) {
    // The quit text is relayed to the rooms, so it obeys the text rules.
    std::string reason;
    if (!protocol::checkOptionalText(bye.text(), protocol::kMaxReasonBytes, "quit message")) {
        reason = bye.text();
    }
    doom(s, "client_quit", std::move(reason));
}

}  // namespace hermes::hub

// Who a session is: Hello (the handshake and Welcome), SetNick, and Bye.

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <utility>

#include "Accounts.hpp"
#include "DurabilityGate.hpp"
#include "Intake.hpp"
#include "Outbox.hpp"
#include "Presence.hpp"
#include "Requests.hpp"
#include "SessionTable.hpp"
#include "hermes/protocol/FileRules.hpp"
#include "hermes/protocol/Limits.hpp"
#include "hermes/protocol/Validation.hpp"

namespace hermes::hub {

namespace {

void fillWelcome(v1::Welcome& welcome, const Session& s, const HubFacts& facts) {
    const HubConfig& config = facts.config;
    welcome.set_session_id(s.id);
    welcome.set_nick(s.who.nick());
    welcome.set_server_name(config.serverName);
    welcome.set_motd(config.motd);
    welcome.set_epoch(facts.epoch);
    welcome.set_durable_history(facts.persistentHistory);
    welcome.set_account(s.profile.account);
    welcome.set_accounts(true);
    welcome.set_private_history(config.privateHistory);
    welcome.set_typing(config.typingEnabled);
    welcome.set_read_markers(true);
    auto* limits = welcome.mutable_limits();
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
    if (!config.filesPath.empty()) {
        limits->set_max_file_bytes(config.maxFileBytes);
        limits->set_file_chunk_bytes(
            static_cast<std::uint32_t>(protocol::chunkBytesFor(config.maxFrameBytes)));
    }
}

// What others will be told about the session (Whois), kept at sign-on.
void noteSignOn(Session& s, const std::string& name, const HubFacts& facts, TimePoint now) {
    // Shown to others from now on, so it obeys the text rules; the log line
    // of the Welcome still shows what the client sent.
    const bool showable =
        !protocol::checkOptionalText(name, protocol::kMaxClientNameBytes, "client name");
    s.profile.clientName = showable ? name : std::string();
    s.profile.signedOnMs = facts.wallClock();
    s.profile.lastSpoke = now;
}

}  // namespace

bool onHello(Session& s, const v1::Hello& hello, SessionTable& sessions, Accounts& accounts,
             Intake& intake, Outbox& outbox, const HubFacts& facts, TimePoint now,
             bool hubPasswordVerified) {
    if (hello.protocol_version() != protocol::kProtocolVersion) {
        closeFatally(s, v1::ERROR_CODE_PROTOCOL_VERSION,
                     "this hub speaks protocol version " +
                         std::to_string(protocol::kProtocolVersion) + "; Hello asked for " +
                         std::to_string(hello.protocol_version()),
                     CloseReason::ProtocolVersion, sessions, outbox);
        return false;
    }
    Clock::duration wait{};
    switch (hubPasswordVerified
                ? Accounts::HubCheck::Right
                : accounts.checkHubPassword(hello.hub_password(), s.peer, now, wait)) {
        case Accounts::HubCheck::Open:
        case Accounts::HubCheck::Right:
            break;
        case Accounts::HubCheck::NeedsHash: {
            // A hashed hub.password: verified on the hashing thread, then
            // this Hello is handled again (onAccountResult).
            AccountJob job;
            job.ticket = s.id;
            job.kind = AccountJobKind::HubPassword;
            job.hash = facts.config.hubPassword;
            job.password = hello.hub_password();
            job.hello = hello;
            if (!accounts.submit(job)) {
                accounts.hubPasswordRight(s.peer, now);  // not tried: the token comes back
                outbox.error(s, v1::ERROR_CODE_ACCOUNTS_BUSY,
                             "the hub is checking too many passwords at once; try again shortly");
                return false;
            }
            intake.awaitRead(s);
            return false;
        }
        case Accounts::HubCheck::Throttled:
            closeFatally(s, v1::ERROR_CODE_SIGN_IN_THROTTLED,
                         throttledText("with the hub password from this address", wait),
                         CloseReason::HubPassword, sessions, outbox);
            return false;
        case Accounts::HubCheck::Wrong:
            closeFatally(s, v1::ERROR_CODE_HUB_PASSWORD,
                         hello.hub_password().empty()
                             ? "this hub admits only those who know its password "
                               "(Hello.hub_password; hermes-tui: hub_password, hermes-cat: "
                               "HERMES_HUB_PASSWORD)"
                             : "wrong hub password",
                         CloseReason::HubPassword, sessions, outbox);
            return false;
    }
    const std::string& nick = hello.nick();
    if (auto error = protocol::checkNick(nick)) {
        outbox.error(s, v1::ERROR_CODE_INVALID_NICK, error->text);
        return false;
    }
    // Too long is refused whether or not the nick is registered: the
    // answer does not tell which nicks are.
    if (hello.password().size() > protocol::kMaxPasswordBytes) {
        outbox.error(s, v1::ERROR_CODE_INVALID_PASSWORD,
                     passwordProblem(hello.password(), "password"));
        return false;
    }
    const StoredAccount* account = accounts.find(nick);
    if (account == nullptr && accounts.registering(nick) && sessions.findNick(nick) == nullptr) {
        // Its registrant left while the hash was made: the nick is not free.
        outbox.error(s, v1::ERROR_CODE_PASSWORD_REQUIRED,
                     "nick " + nick + " is being registered; choose another");
        return false;
    }
    if (account == nullptr || sessions.findNick(nick) != nullptr) {
        // Not registered (a password is ignored), or taken either way: no
        // password is checked for a nick it could not have.
        return welcomeSession(s, nick, hello.client_name(), {}, sessions, intake, outbox, facts,
                              now);
    }
    if (hello.password().empty()) {
        outbox.error(s, v1::ERROR_CODE_PASSWORD_REQUIRED,
                     "nick " + account->name +
                         " is registered: send its password (Hello.password), or choose "
                         "another nick");
        return false;
    }
    if (auto until = accounts.attempt(account->name, s.peer, now)) {
        outbox.error(s, v1::ERROR_CODE_SIGN_IN_THROTTLED,
                     throttledText("for " + account->name + " or from this address", *until));
        return false;
    }
    AccountJob job;
    job.ticket = s.id;
    job.kind = AccountJobKind::Hello;
    job.account = account->name;
    job.hash = account->hash;
    job.password = hello.password();
    job.nick = nick;
    job.clientName = hello.client_name();
    if (!accounts.submit(job)) {
        accounts.succeeded(account->name, s.peer, now);
        outbox.error(s, v1::ERROR_CODE_ACCOUNTS_BUSY,
                     "the hub is checking too many passwords at once; try again shortly");
        return false;
    }
    intake.awaitRead(s);
    return false;
}

bool welcomeSession(Session& s, const std::string& nick, const std::string& clientName,
                    const std::string& account, SessionTable& sessions, Intake& intake,
                    Outbox& outbox, const HubFacts& facts, TimePoint now) {
    if (!sessions.welcome(s, nick, clientName)) {
        outbox.error(s, v1::ERROR_CODE_NICK_TAKEN, "nick " + nick + " is taken; choose another");
        return false;
    }
    sessions.signIn(s, account);
    noteSignOn(s, clientName, facts, now);
    intake.setMaxFrameBytes(s, facts.config.maxFrameBytes);
    outbox.reply(s, [&](v1::Envelope& out) { fillWelcome(*out.mutable_welcome(), s, facts); });
    return true;
}

bool refuseSetNick(Session& s, const v1::SetNick& request, const SessionTable& sessions,
                   const Accounts& accounts, Outbox& outbox) {
    const std::string& nick = request.nick();
    if (auto error = protocol::checkNick(nick)) {
        outbox.error(s, v1::ERROR_CODE_INVALID_NICK, error->text);
        return true;
    }
    // A registered nick only for a session signed in to it (Identify).
    const StoredAccount* account = accounts.find(nick);
    if ((account != nullptr &&
         protocol::nickKey(account->name) != protocol::nickKey(s.profile.account)) ||
        (account == nullptr && accounts.registering(nick) &&
         protocol::nickKey(nick) != protocol::nickKey(s.who.nick()))) {
        outbox.error(s, v1::ERROR_CODE_PASSWORD_REQUIRED,
                     "nick " + nick + " is registered: sign in to it first (Identify)");
        return true;
    }
    const Session* holder = sessions.findNick(nick);
    if (holder != nullptr && holder != &s) {
        outbox.error(s, v1::ERROR_CODE_NICK_TAKEN, "nick " + nick + " is taken; choose another");
        return true;
    }
    return false;
}

void onSetNick(Session& s, const v1::SetNick& request, SessionTable& sessions,
               const Accounts& accounts, Presence& presence, DurabilityGate& gate, Outbox& outbox) {
    if (refuseSetNick(s, request, sessions, accounts, outbox)) {
        return;
    }
    const std::string& nick = request.nick();
    const std::string old = s.who.nick();
    if (!sessions.rename(s, nick)) {
        outbox.error(s, v1::ERROR_CODE_NICK_TAKEN, "nick " + nick + " is taken; choose another");
        return;
    }
    if (nick != old) {
        for (const Membership& membership : s.rooms) {
            Room& room = *membership.room;
            room.pages.invalidate();  // the nick order changed
            presence.nickChanged(room, old, nick, room.members.list()[membership.index].spoke, gate,
                                 outbox);
        }
    }
    presence.tell(s, {}, v1::PRESENCE_KIND_NICK_CHANGED, old, nick, {}, outbox);
}

void onBye(Session& s, const v1::Bye& bye, SessionTable& sessions) {
    // The quit text is relayed to the rooms, so it obeys the text rules.
    std::string reason;
    if (!protocol::checkOptionalText(bye.text(), protocol::kMaxReasonBytes, "quit message")) {
        reason = bye.text();
    }
    sessions.doom(s, CloseReason::ClientQuit, std::move(reason));
}

}  // namespace hermes::hub

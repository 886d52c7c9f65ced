// History on JOIN for every IRC client that can tell old lines from new
// ones (docs/IRC.md "History on join"): IrcSession's wantsBacklog() and
// joinBacklog(), kept apart from the rest of the translator.
//
// The hub sends a JOIN's backlog (the newest hub.join_backlog messages; also
// for hub.default_room, joined at registration) as one HistoryPage{backlog}.
// What a client gets of it depends on what it negotiated:
// - draft/chathistory: all of it, as a `chathistory` batch (IRCv3; the
//   client asked for history and pages on with CHATHISTORY);
// - server-time without draft/chathistory (irssi, WeeChat 3.8, HexChat ...,
//   none of which speaks chathistory): a playback, as bouncers (ZNC) give
//   it: the newest irc.join_playback messages as ordinary PRIVMSG/NOTICE
//   lines, each with the `time` tag of when it was said, so the client
//   shows the original times. With `batch` they come in a `chathistory`
//   batch; without it, between two NOTICEs from the server that say what
//   they are, so a reader sees where the playback starts and ends;
// - neither: nothing (Join.skip_backlog). A line without a time tag is "now"
//   to its client: old lines would be shown as said now, and a bot would act
//   on them again. Such a client can still ask with CHATHISTORY.
//
// A playback is never taken for echoes or new messages on our side either:
// it is rendered from the page, never through chatMessage()'s echo path (the
// client's own earlier lines show as lines from its nick, with their time,
// whatever echo-message says).
//
// Threading: as IrcSession (none; the hub's loop thread).

#include "hermes/irc/IrcSession.hpp"

#include <algorithm>
#include <cstddef>
#include <string>

namespace hermes::irc {

bool IrcSession::wantsBacklog() const {
    return hasCap("draft/chathistory") || (hasCap("server-time") && settings_.joinPlayback > 0);
}

void IrcSession::joinBacklog(const hermes::v1::HistoryPage& page, std::string& out) {
    if (!wantsBacklog()) {
        return;  // hub.default_room's backlog comes whatever Join said
    }
    const std::string& room = page.room();
    const bool chathistory = hasCap("draft/chathistory");
    const auto& messages = page.messages();
    // A playback is the newest irc.join_playback of them; chathistory all.
    const std::size_t total = static_cast<std::size_t>(messages.size());
    const std::size_t first =
        chathistory || total <= settings_.joinPlayback ? 0 : total - settings_.joinPlayback;
    if (!chathistory && first == total) {
        return;  // nothing said there yet: no playback to announce
    }
    const std::string chan = "#" + room;
    const std::string id = std::to_string(nextBatch_++);
    const bool batch = hasCap("batch");
    if (batch) {
        out += ":" + serverName_ + " BATCH +" + id + " chathistory " + chan + "\r\n";
    } else if (!chathistory) {
        const std::size_t count = total - first;
        out += ":" + serverName_ + " NOTICE " + chan + " :Playback of the " +
               std::to_string(count) + (count == 1 ? " message" : " messages") +
               " said before you joined, with their times\r\n";
    }
    for (std::size_t i = first; i < total; ++i) {
        renderMessage(messages[static_cast<int>(i)], out, id);
    }
    if (batch) {
        out += ":" + serverName_ + " BATCH -" + id + "\r\n";
    } else if (!chathistory) {
        out += ":" + serverName_ + " NOTICE " + chan + " :End of playback\r\n";
    }
}

}  // namespace hermes::irc

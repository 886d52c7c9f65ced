#pragma once
// Turns what the hub sends into hermes-cat's output: one line per message,
// presence, member list, topic or error, either for people ("[12:03:04] <ana>
// hi", "* ana waves", "-- bob joined") or as one JSON object a line (Poco::JSON
// does the escaping). Plain errors go to the error stream, so that stdout
// holds only what was said in the room.
//
// A topic is printed when it is new or changed, not each time the hub sends
// it again: every Join of a room one is already in re-sends it, and
// hermes-cat's own Join of the hub's default room (lobby, joined for it at
// Welcome) is one, as is every rejoin after a reconnect.
//
// Typing notices are printed only in JSON mode and only when asked for
// (--typing): a script that reads messages wants no chatter about them.
// Read markers are printed in JSON mode (the session's own, as the hub sends
// them: at a join, and when another session of the account moves one).
//
// Threading: none; used by hermes-cat's one UI thread.

#include <cstdint>
#include <iosfwd>
#include <map>
#include <string>
#include <tuple>

#include "hermes/v1/hermes.pb.h"

namespace hermes::cat {

class EventPrinter {
public:
    EventPrinter(std::ostream& out, std::ostream& err, bool json, bool showBacklog,
                 bool showTyping = false);

    // Prints one frame from the hub (Welcome, Ping and the like print nothing).
    void print(const hermes::v1::Envelope& envelope);
    // Local troubles ("connection lost: ..."): an object {"type":"status"} in
    // JSON mode, a line on the error stream otherwise.
    void status(const std::string& text);

    // "HH:MM:SS" of a hub timestamp, in local time.
    static std::string clockTime(std::int64_t timeMs);

private:
    // `peer`: the message is from a page of the private conversation with peer.
    void message(const hermes::v1::ChatMessage& message, bool backlog, const std::string& peer);
    void presence(const hermes::v1::Presence& presence);
    void members(const hermes::v1::MemberList& members);
    void topic(const hermes::v1::Topic& topic);
    // True if `topic` is what was printed last for its room (a re-sent topic).
    bool repeatsShownTopic(const hermes::v1::Topic& topic);
    void error(const hermes::v1::Error& error);
    void bye(const hermes::v1::Bye& bye);
    void typing(const hermes::v1::TypingNotice& notice);
    void readMarkers(const hermes::v1::ReadMarkers& markers);

    std::ostream& out_;
    std::ostream& err_;
    bool json_;
    bool showBacklog_;
    bool showTyping_;
    // Room: the text, setter and time of the topic printed last.
    std::map<std::string, std::tuple<std::string, std::string, std::int64_t>> shownTopics_;
};

}  // namespace hermes::cat

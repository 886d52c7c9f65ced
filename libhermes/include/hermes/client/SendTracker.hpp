#pragma once
// Every say and private message of one client, from the moment it is queued
// until its outcome: acknowledged by its own echo, or refused, or lost.
//
// An ack is an ack. A send is acknowledged only by the live echo of that very
// send: a ChatMessage received live (not in a backlog, history page or search
// result), from one of this client's own nicks, with that send's
// client_msg_id. Ids are unique to one client (ClientCore takes a random
// 64-bit base), so an earlier run's messages, another client's, or another
// process with the same nick never match, wherever history and live traffic
// mix. (Before ids were unique, hermes-cat took a backlog holding the
// previous run's ids 1..20 for acknowledgements and exited 0 with lines
// unsent.)
//
// One case needs history: a send written to a connection that dropped before
// its echo is in doubt; the hub may or may not have taken it. After the
// reconnect, the core's own catch-up pages (HistoryRequest from the room's
// last seq) show every message the room got meanwhile: a send in doubt found
// there by its id was taken (acknowledged); one not found was not, and goes
// out again, so that every line is delivered exactly once. Private messages
// are not kept in history: one in doubt is reported failed, as unknown.
//
//   add() -> Queued -> written() -> Written -> echo         -> acknowledged
//                ^                     |      -> refused()   -> failed
//                |                 connectionLost()
//                |                     v
//                +-- not found --- InDoubt -> found in catch-up -> acknowledged
//                    (room say)        | (private message)      -> failed
//
// Threading: none; owned by the client session's thread.

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "hermes/v1/hermes.pb.h"

namespace hermes::client {

class SendTracker {
public:
    enum class Stage : std::uint8_t { Queued, Written, InDoubt };

    struct Failure {
        std::uint64_t id = 0;
        std::string why;
    };

    // What the end of a catch-up decided about the sends in doubt.
    struct Settlement {
        std::vector<std::uint64_t> resend;  // room says the hub never took, oldest first
        std::vector<Failure> failed;        // private messages whose fate is unknown
    };

    // A new send with its frame (a Say or a PrivateMessage with `id`), kept
    // to be sent again if it turns out the hub never took it.
    void add(std::uint64_t id, hermes::v1::Envelope frame);
    // It was written to the current connection.
    void written(std::uint64_t id);

    // A nick this client was granted (Welcome, or its own nick change).
    // Echoes are matched only against these.
    void addOwnNick(std::string_view nick);
    bool isOwnNick(std::string_view nick) const;

    // A ChatMessage received live. True if it is the echo of one of our
    // sends, which is then acknowledged (and forgotten).
    bool echoed(const hermes::v1::ChatMessage& message);

    // An Error naming `id` (client_msg_id): the hub refused that send. The
    // send is forgotten; returns false if it was not ours.
    bool refused(std::uint64_t id);
    // The hub did not take it but asked for it again later (STORE_BEHIND):
    // Queued again.
    void requeue(std::uint64_t id);

    // The connection dropped: what was written on it and not echoed is now
    // in doubt.
    void connectionLost();

    // A message in one of the core's own catch-up pages after a reconnect.
    // True if it is a send in doubt, which the hub therefore took.
    bool foundInCatchUp(const hermes::v1::ChatMessage& message);

    // Every catch-up page has arrived: decides the rest of the sends in
    // doubt. The resend ones are Queued again (frame() gives them).
    Settlement settle();

    // Forgets every send (the client gave up); returns their ids, oldest first.
    std::vector<std::uint64_t> clear();

    bool contains(std::uint64_t id) const { return sends_.count(id) != 0; }
    std::optional<Stage> stage(std::uint64_t id) const;
    const hermes::v1::Envelope& frame(std::uint64_t id) const { return sends_.at(id).frame; }
    std::size_t size() const { return sends_.size(); }
    std::size_t inDoubt() const;
    // Sends written to the current connection and not yet answered.
    std::size_t written() const { return written_; }

private:
    struct Send {
        hermes::v1::Envelope frame;
        Stage stage = Stage::Queued;
    };
    void erase(std::map<std::uint64_t, Send>::iterator it);
    // Ordered by id: ids grow in the order sends were made.
    std::map<std::uint64_t, Send> sends_;
    std::size_t written_ = 0;                      // sends in Stage::Written
    std::set<std::string, std::less<>> ownNicks_;  // nick keys (ASCII lower case)
};

}  // namespace hermes::client

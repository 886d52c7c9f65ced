#pragma once
// Our own lines between Enter and their end: the hub's echo (SendAcked), or
// a failure (SendFailed, or a send the client could not even queue). The
// client core decides both; this only remembers where each line belongs and
// what it said, so that its pending line can be updated, and a failed one
// sent again (/retry). Lines typed while offline wait in the core: there is no
// time limit here, the state shown says where each line is.
//
// Threading: none; owned by the UI thread's ChatModel.

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "model/Buffer.hpp"

namespace hermes::tui {

struct PendingLine {
    std::uint64_t id = 0;  // client_msg_id, or a local id for a line never queued
    std::string target;    // buffer name: room or the query's nick
    bool query = false;    // a private message
    std::string text;
    bool action = false;
    SendState state = SendState::Queued;
    std::string why;            // Failed: the reason
    std::uint64_t replyTo = 0;  // a reply: the room seq it answers
};

class PendingSends {
public:
    void add(PendingLine line) { lines_[line.id] = std::move(line); }
    PendingLine* find(std::uint64_t id);
    std::optional<PendingLine> remove(std::uint64_t id);

    // Lines still on their way (Queued or Sending).
    std::size_t unsent() const;
    // Lines that failed and were not sent again.
    std::size_t failed() const;
    // Takes the failed lines of a window (a room, or a query when `query`),
    // oldest first, for /retry.
    std::vector<PendingLine> takeFailed(const std::string& target, bool query);

private:
    // By id: client_msg_ids grow in the order lines were typed.
    std::map<std::uint64_t, PendingLine> lines_;
};

}  // namespace hermes::tui

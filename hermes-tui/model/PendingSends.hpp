#pragma once
// Our own lines between send and the hub's echo. They are not shown until
// the echo comes back (the hub's order is the truth); the status bar shows
// how many wait. A line with no echo within the time limit, or one the core
// reports lost, comes out of expire()/fail() so the model can show it as
// failed: never silently dropped. Time is passed in, so tests control it.
//
// Threading: none; owned by the UI thread's ChatModel.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace hermes::tui {

using SteadyTime = std::chrono::steady_clock::time_point;

struct PendingLine {
    std::uint64_t id = 0;  // client_msg_id
    std::string target;    // buffer name: room or the query's nick
    std::string text;
    bool action = false;
    SteadyTime sentAt{};
};

class PendingSends {
public:
    static constexpr std::chrono::milliseconds kDefaultTimeout{15000};

    explicit PendingSends(std::chrono::milliseconds timeout = kDefaultTimeout)
        : timeout_(timeout) {}

    void add(PendingLine line) { pending_[line.id] = std::move(line); }
    // The echo arrived: the line is no longer pending.
    std::optional<PendingLine> acknowledge(std::uint64_t id);
    // The hub refused it or the core lost it.
    std::optional<PendingLine> fail(std::uint64_t id) { return acknowledge(id); }
    // Removes and returns the lines older than the timeout at `now`.
    std::vector<PendingLine> expire(SteadyTime now);
    std::optional<SteadyTime> nextDeadline() const;

    std::size_t count() const { return pending_.size(); }
    bool contains(std::uint64_t id) const { return pending_.count(id) != 0; }
    std::chrono::milliseconds timeout() const { return timeout_; }

private:
    std::chrono::milliseconds timeout_;
    std::map<std::uint64_t, PendingLine> pending_;
};

}  // namespace hermes::tui

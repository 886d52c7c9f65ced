#pragma once
// The client's side of read markers (docs/PROTOCOL.md "Read markers"): per
// room, the marker the hub last told us and the seq the person has seen
// since, and when to tell the hub (MarkRead). A marker costs a token of the
// hub's rate limit like a message, so a room that is read as it scrolls by
// sends one MarkRead now and then at most one per kEvery, carrying the
// newest seq seen.
//
// Rooms are keyed by their canonical names. Time is passed in (the steady
// clock), so tests drive it.
//
// Threading: none; owned by the UI thread's ChatModel.

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace hermes::tui {

class ReadMarkerSync {
public:
    using Time = std::chrono::steady_clock::time_point;
    static constexpr std::chrono::milliseconds kEvery{2000};

    // The person has seen `room` up to `seq`.
    void seen(const std::string& room, std::uint64_t seq);
    // The hub's marker for `room` (ReadMarkers): ours, or another device's.
    void confirmed(const std::string& room, std::uint64_t seq);
    // The hub's marker for `room`, 0 if none is known.
    std::uint64_t marker(const std::string& room) const;
    // The MarkReads to send now (room, seq); each is then counted as sent.
    std::vector<std::pair<std::string, std::uint64_t>> due(Time now);
    std::optional<Time> nextDue() const;
    // A new connection: what was sent may not have arrived; the hub tells
    // the markers again at each join.
    void reconnected();

private:
    struct Room {
        std::uint64_t hub = 0;   // as the hub last said
        std::uint64_t seen = 0;  // the newest the person has seen
        std::uint64_t sent = 0;  // the newest we sent
        std::optional<Time> lastSent;
    };
    bool wants(const Room& r) const { return r.seen > r.hub && r.seen > r.sent; }
    std::map<std::string, Room> rooms_;
};

}  // namespace hermes::tui

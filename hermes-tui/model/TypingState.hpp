#pragma once
// Typing notices on the client's side (docs/PROTOCOL.md "Typing"): who is
// typing in each window, as the hub's TypingNotices said, until each lapses;
// and when we last told the hub that we type, so that we tell it at most
// once every kSendEvery per window.
//
// A window is named by a key: "#" + the room's canonical name, or "@" + the
// peer's nick in lower case (typingKey()). A notice lasts its expires_ms
// from its arrival unless another renews it; it ends at once when it says
// stopped, or when a message from that nick arrives in that window.
//
// Time is passed in (the steady clock), so tests drive it.
//
// Threading: none; owned by the UI thread's ChatModel.

#include <chrono>
#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace hermes::tui {

class TypingState {
public:
    using Time = std::chrono::steady_clock::time_point;
    // We tell the hub we type at most this often per window.
    static constexpr std::chrono::milliseconds kSendEvery{3000};
    // A notice without expires_ms (an older hub never sends one) lasts this long.
    static constexpr std::chrono::milliseconds kDefaultExpiry{6000};
    // Notices kept per window; more typists than this are "several" anyway.
    static constexpr std::size_t kMaxPerWindow = 16;

    static std::string typingKey(bool query, const std::string& name);

    // --- others -----------------------------------------------------------------

    // A notice from `nick` in `window`; false if nothing shown changed.
    bool notice(const std::string& window, const std::string& nick, bool stopped,
                std::chrono::milliseconds expires, Time now);
    // A message from `nick` arrived in `window`: its notice ends. False if it had none.
    bool spoke(const std::string& window, const std::string& nick);
    // Drops the notices lapsed at `now`; true if any was.
    bool expire(Time now);
    std::optional<Time> nextExpiry() const;
    // Who types in `window`, oldest notice first.
    std::vector<std::string> typists(const std::string& window) const;
    // "ana is typing…", "ana and bob are typing…", "several people are
    // typing…", or empty.
    std::string statusText(const std::string& window) const;
    // Disconnected, or typing turned off: nothing is shown.
    void clearOthers() { others_.clear(); }

    // --- us ---------------------------------------------------------------------

    // The person typed in `window`: true if the hub is to be told now.
    bool shouldSend(const std::string& window, Time now);
    // The line was cleared: true if a "stopped" is owed (we said we type).
    bool cleared(const std::string& window);
    // The line was sent: the message itself ends the notice at the others.
    void sent(const std::string& window) { mine_.erase(window); }
    void clearMine() { mine_.clear(); }

private:
    struct Typist {
        std::string nick;
        std::string key;  // nick in lower case
        Time until;
        Time since;
    };
    std::map<std::string, std::vector<Typist>> others_;  // by window key
    std::map<std::string, Time> mine_;                   // window key: when we last told the hub
};

}  // namespace hermes::tui

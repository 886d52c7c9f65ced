#pragma once
// Who is connected: the nick of every welcomed session, unique ignoring
// ASCII case. The hub's thread reserves, renames and releases nicks; other
// threads (hermesd's acceptor and stats) may read the counts at any time.
//
// Threading: thread safe; every member function takes the one mutex, which is
// never held while doing I/O.

#include <cstddef>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "hermes/hub/SessionId.hpp"

namespace hermes::hub {

class Registry {
public:
    // Claims `nick` for `id`. False if another session holds it (any case).
    bool reserve(std::string_view nick, SessionId id);
    // Moves `id` from its nick to `newNick`. False if taken by another session.
    bool rename(SessionId id, std::string_view oldNick, std::string_view newNick);
    void release(std::string_view nick, SessionId id);
    std::optional<SessionId> find(std::string_view nick) const;
    std::size_t size() const;

private:
    mutable std::mutex mutex_;
    std::unordered_map<std::string, SessionId> byNickKey_;  // guarded by mutex_
};

}  // namespace hermes::hub

#pragma once
// The nicks whose messages this client hides (/ignore): local, never sent to
// the hub, compared ignoring ASCII case as the hub compares nicks, listed in
// the order added with the spelling typed. It also remembers where it already
// said that a nick's messages are hidden, so that each window says it once.
//
// Threading: none; owned by the UI thread's ChatModel.

#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace hermes::tui {

class IgnoreList {
public:
    IgnoreList() = default;
    // Blank and repeated entries are skipped.
    explicit IgnoreList(const std::vector<std::string>& nicks);

    // False if `nick` is already ignored (in any case).
    bool add(const std::string& nick);
    // False if `nick` was not ignored.
    bool remove(const std::string& nick);
    bool contains(std::string_view nick) const;
    const std::vector<std::string>& nicks() const { return nicks_; }

    // True the first time a hidden message of `nick` is met in `window` since
    // the nick was ignored: the moment to say so there.
    bool firstHidden(const std::string& window, std::string_view nick);

private:
    static std::string key(std::string_view nick);

    std::vector<std::string> nicks_;
    std::set<std::string> told_;  // window + '\n' + key(nick)
};

}  // namespace hermes::tui

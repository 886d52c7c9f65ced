#pragma once
// hermes-tui's settings file: $XDG_CONFIG_HOME/hermes/hermes-tui.conf, or
// ~/.config/hermes/hermes-tui.conf. "key = value" lines (host, port, nick,
// room, ignore); '#' starts a comment. Command-line options override it; the
// nick the hub last granted is written back so the next start uses it, and
// so is /ignore's list ("ignore = bob carol": nicks separated by spaces).
//
// Threading: none; used by main() and the UI thread.

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace hermes::tui {

class Config {
public:
    // The default path from the environment; empty if neither
    // XDG_CONFIG_HOME nor HOME is set.
    static std::filesystem::path defaultPath();

    // A missing file is an empty config. Throws std::runtime_error on a
    // malformed line (with the path and line number).
    static Config load(const std::filesystem::path& path);

    std::optional<std::string> get(const std::string& key) const;
    void set(const std::string& key, std::string value) { values_[key] = std::move(value); }

    // Writes every key back, creating the folder. Throws std::runtime_error.
    void save(const std::filesystem::path& path) const;

    // A list value's words ("bob carol"), and the value of a list.
    static std::vector<std::string> splitList(const std::string& value);
    static std::string joinList(const std::vector<std::string>& words);

private:
    std::map<std::string, std::string> values_;
};

}  // namespace hermes::tui

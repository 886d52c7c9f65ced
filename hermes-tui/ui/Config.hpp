#pragma once
// hermes-tui's settings file: $XDG_CONFIG_HOME/hermes/hermes-tui.conf, or
// ~/.config/hermes/hermes-tui.conf. A Java-style properties file, read and
// written by POCO's PropertyFileConfiguration: "key = value" or "key: value"
// lines (host, port, nick, room, tls, mouse, ignore), '#' or '!' starts a comment,
// a backslash escapes (\t, \n, \\) and a trailing one continues the line.
// Command-line options override it; the nick the hub last granted is written
// back so the next start uses it, and so is /ignore's list ("ignore: bob
// carol": nicks separated by spaces). Written back as "key: value" lines,
// every key the file had, in order of their names.
//
// Threading: none; used by main() and the UI thread.

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <Poco/AutoPtr.h>
#include <Poco/Util/PropertyFileConfiguration.h>

namespace hermes::tui {

class Config {
public:
    Config();
    // Move only: a copy would share the values.
    Config(Config&&) = default;
    Config& operator=(Config&&) = default;

    // The default path from the environment; empty if neither
    // XDG_CONFIG_HOME nor HOME is set.
    static std::filesystem::path defaultPath();

    // A file that is missing or cannot be opened is an empty config. A line
    // without '=' or ':' is a key with no value.
    static Config load(const std::filesystem::path& path);

    // The value of `key`; nothing if it is missing or empty.
    std::optional<std::string> get(const std::string& key) const;
    void set(const std::string& key, const std::string& value);

    // Writes every key back (through a temporary file and a rename, so a
    // crash never leaves half a file), creating the folder. Throws
    // std::runtime_error.
    void save(const std::filesystem::path& path) const;

    // A list value's words ("bob carol"), and the value of a list.
    static std::vector<std::string> splitList(const std::string& value);
    static std::string joinList(const std::vector<std::string>& words);

private:
    Poco::AutoPtr<Poco::Util::PropertyFileConfiguration> values_;
};

}  // namespace hermes::tui

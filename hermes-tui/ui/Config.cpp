#include "ui/Config.hpp"

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "hermes/files/AtomicFile.hpp"

namespace hermes::tui {

Config::Config() : values_(new Poco::Util::PropertyFileConfiguration) {}

std::filesystem::path Config::defaultPath() {
    const char* xdg = std::getenv("XDG_CONFIG_HOME");
    if (xdg && *xdg) {
        return std::filesystem::path(xdg) / "hermes" / "hermes-tui.conf";
    }
    const char* home = std::getenv("HOME");
    if (home && *home) {
        return std::filesystem::path(home) / ".config" / "hermes" / "hermes-tui.conf";
    }
    return {};
}

Config Config::load(const std::filesystem::path& path) {
    Config config;
    std::ifstream in(path);
    if (in) {
        config.values_->load(in);
    }
    return config;
}

std::optional<std::string> Config::get(const std::string& key) const {
    // Raw: the file's text as it is, without POCO's ${...} expansion.
    std::string value = values_->getRawString(key, "");
    if (value.empty()) {
        return std::nullopt;
    }
    return value;
}

void Config::set(const std::string& key, const std::string& value) {
    values_->setString(key, value);
}

void Config::save(const std::filesystem::path& path) const {
    std::error_code ec;
    std::filesystem::create_directories(path.parent_path(), ec);
    std::ostringstream text;
    text << "# hermes-tui settings (host, port, nick, room, tls, mouse, ignore, password,\n"
            "# hub_password). Command-line options win; nick is rewritten with the last\n"
            "# nick the hub granted, ignore by /ignore. password: the nick's, if it is\n"
            "# registered; hub_password: a private hub's. host: one hub, or a cluster's\n"
            "# list (a:7070,b:7071). This file is kept 0600.\n";
    values_->save(text);
    // It may hold passwords: readable by its owner only from its creation.
    files::writeFileAtomically(path.string(), text.str(), 0600);
}

std::vector<std::string> Config::splitList(const std::string& value) {
    std::vector<std::string> words;
    std::string word;
    for (const char c : value + " ") {
        if (c == ' ' || c == '\t' || c == ',') {
            if (!word.empty()) {
                words.push_back(std::move(word));
                word.clear();
            }
        } else {
            word.push_back(c);
        }
    }
    return words;
}

std::string Config::joinList(const std::vector<std::string>& words) {
    std::string value;
    for (const std::string& w : words) {
        value += (value.empty() ? "" : " ") + w;
    }
    return value;
}

}  // namespace hermes::tui

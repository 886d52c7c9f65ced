#include "ui/Config.hpp"

#include <cstdlib>
#include <fstream>
#include <stdexcept>

namespace hermes::tui {

namespace {

std::string trim(const std::string& s) {
    const auto b = s.find_first_not_of(" \t\r");
    if (b == std::string::npos) {
        return {};
    }
    const auto e = s.find_last_not_of(" \t\r");
    return s.substr(b, e - b + 1);
}

}  // namespace

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
    if (!in) {
        return config;
    }
    std::string line;
    for (int number = 1; std::getline(in, line); ++number) {
        const std::string t = trim(line);
        if (t.empty() || t.front() == '#') {
            continue;
        }
        const auto eq = t.find('=');
        if (eq == std::string::npos) {
            throw std::runtime_error(path.string() + ":" + std::to_string(number) +
                                     ": expected key = value, got '" + t + "'");
        }
        config.values_[trim(t.substr(0, eq))] = trim(t.substr(eq + 1));
    }
    return config;
}

std::optional<std::string> Config::get(const std::string& key) const {
    const auto it = values_.find(key);
    if (it == values_.end() || it->second.empty()) {
        return std::nullopt;
    }
    return it->second;
}

void Config::save(const std::filesystem::path& path) const {
    std::error_code ec;
    std::filesystem::create_directories(path.parent_path(), ec);
    const std::filesystem::path temp = path.string() + ".tmp";
    {
        std::ofstream out(temp, std::ios::trunc);
        if (!out) {
            throw std::runtime_error("cannot write " + temp.string());
        }
        out << "# hermes-tui settings (host, port, nick, room, ignore). Command-line options\n"
               "# win; nick is rewritten with the last nick the hub granted, ignore by /ignore.\n";
        for (const auto& [key, value] : values_) {
            out << key << " = " << value << '\n';
        }
        if (!out.flush()) {
            throw std::runtime_error("cannot write " + temp.string());
        }
    }
    // Rename so a crash never leaves half a file.
    std::filesystem::rename(temp, path, ec);
    if (ec) {
        throw std::runtime_error("cannot replace " + path.string() + ": " + ec.message());
    }
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

// hermes-tui [--host H] [--port P] [--nick N] [--room R]
// Defaults come from the config file (see Config.hpp), then the environment.

#include <langinfo.h>
#include <clocale>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <string>

#include "ui/App.hpp"
#include "ui/Config.hpp"

namespace {

void usage(std::ostream& out) {
    out << "usage: hermes-tui [--host HOST] [--port PORT] [--nick NICK] [--room ROOM]\n"
           "Defaults are read from $XDG_CONFIG_HOME/hermes/hermes-tui.conf\n"
           "(or ~/.config/hermes/hermes-tui.conf); the last nick used is saved there.\n";
}

bool parsePort(const std::string& text, std::uint16_t& port) {
    char* end = nullptr;
    const long value = std::strtol(text.c_str(), &end, 10);
    if (text.empty() || *end != '\0' || value < 1 || value > 65535) {
        return false;
    }
    port = static_cast<std::uint16_t>(value);
    return true;
}

}  // namespace

int main(int argc, char** argv) {
    std::setlocale(LC_ALL, "");
    if (std::strcmp(nl_langinfo(CODESET), "UTF-8") != 0) {
        // Chat text is UTF-8 whatever the user's locale says.
        std::setlocale(LC_CTYPE, "C.UTF-8");
    }

    hermes::tui::AppOptions options;
    options.configPath = hermes::tui::Config::defaultPath();
    hermes::tui::Config config;
    try {
        config = hermes::tui::Config::load(options.configPath);
    } catch (const std::exception& error) {
        std::cerr << "hermes-tui: " << error.what() << '\n';
        return 2;
    }
    options.host = config.get("host").value_or(options.host);
    if (auto port = config.get("port"); port && !parsePort(*port, options.port)) {
        std::cerr << "hermes-tui: bad port '" << *port << "' in " << options.configPath << '\n';
        return 2;
    }
    options.nick = config.get("nick").value_or("");
    options.room = config.get("room").value_or("");
    options.ignored = hermes::tui::Config::splitList(config.get("ignore").value_or(""));

    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (arg == "-h" || arg == "--help") {
            usage(std::cout);
            return 0;
        }
        if (i + 1 >= argc) {
            std::cerr << "hermes-tui: " << arg << " needs a value\n";
            usage(std::cerr);
            return 2;
        }
        const std::string value = argv[++i];
        if (arg == "--host") {
            options.host = value;
        } else if (arg == "--port") {
            if (!parsePort(value, options.port)) {
                std::cerr << "hermes-tui: bad port '" << value << "'\n";
                return 2;
            }
        } else if (arg == "--nick") {
            options.nick = value;
        } else if (arg == "--room") {
            options.room = value;
        } else {
            std::cerr << "hermes-tui: unknown option " << arg << '\n';
            usage(std::cerr);
            return 2;
        }
    }
    if (options.nick.empty()) {
        const char* user = std::getenv("USER");
        options.nick = user && *user ? user : "guest";
    }
    try {
        return hermes::tui::runApp(options);
    } catch (const std::exception& error) {
        std::cerr << "hermes-tui: " << error.what() << '\n';
        return 1;
    }
}

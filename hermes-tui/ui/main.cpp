// hermes-tui [--host H] [--port P] [--nick N] [--room R] [--no-mouse]
// Defaults come from the config file (see Config.hpp), then the environment.
// Needs a terminal on standard input and output: without one it says so and
// exits 2 before curses is started (scripts use hermes-cat).

#include <langinfo.h>
#include <unistd.h>

#include <clocale>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <map>
#include <string>

#include "ui/App.hpp"
#include "ui/Config.hpp"

namespace {

void usage(std::ostream& out) {
    out << "usage: hermes-tui [--host HOST] [--port PORT] [--nick NICK] [--room ROOM]\n"
           "                  [--no-mouse] [--version] [--help]\n"
           "Defaults are read from $XDG_CONFIG_HOME/hermes/hermes-tui.conf\n"
           "(or ~/.config/hermes/hermes-tui.conf; keys host, port, nick, room and\n"
           "mouse = on|off); the last nick used is saved there. --no-mouse leaves\n"
           "the mouse to the terminal (no wheel scrolling; plain drag selects text).\n"
           "In the client, /help lists the commands and keys.\n"
           "Exit status: 0 when every line typed reached its room; 1 when some were\n"
           "still on their way or not sent at /quit; 2 for bad options or no terminal.\n";
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

bool parseSwitch(const std::string& text, bool& value) {
    if (text == "on" || text == "yes" || text == "true") {
        value = true;
    } else if (text == "off" || text == "no" || text == "false") {
        value = false;
    } else {
        return false;
    }
    return true;
}

}  // namespace

int main(int argc, char** argv) {
    std::setlocale(LC_ALL, "");
    if (std::strcmp(nl_langinfo(CODESET), "UTF-8") != 0) {
        // Chat text is UTF-8 whatever the user's locale says.
        std::setlocale(LC_CTYPE, "C.UTF-8");
    }

    // The command line first: --help and --version need no terminal and no
    // config, and a mistake is reported as one.
    std::map<std::string, std::string> given;  // option -> value
    bool noMouse = false;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (arg == "-h" || arg == "--help") {
            usage(std::cout);
            return 0;
        }
        if (arg == "--version") {
            std::cout << "hermes-tui " HERMES_VERSION "\n";
            return 0;
        }
        if (arg == "--no-mouse") {
            noMouse = true;
            continue;
        }
        if (arg != "--host" && arg != "--port" && arg != "--nick" && arg != "--room") {
            std::cerr << "hermes-tui: unknown option " << arg << '\n';
            usage(std::cerr);
            return 2;
        }
        if (i + 1 >= argc || std::strncmp(argv[i + 1], "--", 2) == 0) {
            std::cerr << "hermes-tui: " << arg << " needs a value\n";
            usage(std::cerr);
            return 2;
        }
        given[arg] = argv[++i];
    }
    hermes::tui::AppOptions options;
    if (auto port = given.find("--port");
        port != given.end() && !parsePort(port->second, options.port)) {
        std::cerr << "hermes-tui: bad port '" << port->second << "'\n";
        return 2;
    }

    // Without a terminal, curses would draw into a pipe and the loop would
    // spin on a standard input that is always readable.
    if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
        std::cerr << "hermes-tui needs a terminal; for scripts use hermes-cat\n";
        return 2;
    }

    options.configPath = hermes::tui::Config::defaultPath();
    hermes::tui::Config config;
    try {
        config = hermes::tui::Config::load(options.configPath);
    } catch (const std::exception& error) {
        std::cerr << "hermes-tui: " << error.what() << '\n';
        return 2;
    }
    options.host = config.get("host").value_or(options.host);
    if (auto port = config.get("port");
        port && given.count("--port") == 0 && !parsePort(*port, options.port)) {
        std::cerr << "hermes-tui: bad port '" << *port << "' in " << options.configPath << '\n';
        return 2;
    }
    if (auto mouse = config.get("mouse"); mouse && !parseSwitch(*mouse, options.mouse)) {
        std::cerr << "hermes-tui: mouse wants on or off, not '" << *mouse << "' in "
                  << options.configPath << '\n';
        return 2;
    }
    options.nick = config.get("nick").value_or("");
    options.room = config.get("room").value_or("");
    options.ignored = hermes::tui::Config::splitList(config.get("ignore").value_or(""));
    if (auto host = given.find("--host"); host != given.end()) {
        options.host = host->second;
    }
    if (auto nick = given.find("--nick"); nick != given.end()) {
        options.nick = nick->second;
    }
    if (auto room = given.find("--room"); room != given.end()) {
        options.room = room->second;
    }
    if (noMouse) {
        options.mouse = false;
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

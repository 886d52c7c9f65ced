// hermes-tui [--host H] [--port P] [--nick N] [--room R] [--no-mouse] [--no-typing]
// (TuiOptions.hpp). Defaults come from the config file (see Config.hpp), then
// the environment.
// Needs a terminal on standard input and output: without one it says so and
// exits 2 before curses is started (scripts use hermes-cat).

#include <langinfo.h>
#include <unistd.h>

#include <clocale>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <stdexcept>
#include <string>
#include <vector>

#include "hermes/cli/CommandLine.hpp"
#include "hermes/client/HubAddress.hpp"
#include "hermes/discovery/HubBrowser.hpp"
#include "ui/App.hpp"
#include "ui/Config.hpp"
#include "ui/TuiOptions.hpp"

namespace {

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

// --discover: one hub answering is connected to at once; several go to the
// picker (AppOptions::choices). False (said on stderr) when none answered.
bool discover(hermes::tui::AppOptions& options) {
    std::vector<hermes::discovery::DiscoveredHub> hubs;
    // Up to 2 s before curses starts: say what the wait is.
    std::cerr << "hermes-tui: looking for hubs on the LAN...\n";
    try {
        hubs = hermes::discovery::browseHubs();
    } catch (const hermes::discovery::DiscoveryError& error) {
        std::cerr << "hermes-tui: " << error.what() << '\n';
        return false;
    }
    if (hubs.empty()) {
        std::cerr << "hermes-tui: no hub answered on the LAN within "
                  << hermes::discovery::kDefaultBrowseTime.count() / 1000.0
                  << " s (is discovery.announce on in its hermesd.properties?)\n";
        return false;
    }
    for (const auto& hub : hubs) {
        hermes::tui::HubChoice choice;
        choice.name = hub.record.name.empty() ? hub.instance : hub.record.name;
        choice.host = hub.address;
        choice.port = hub.port;
        choice.tls = hub.record.tls;
        choice.fingerprint = hub.record.fingerprint;
        options.choices.push_back(std::move(choice));
    }
    if (options.choices.size() == 1) {
        const auto& only = options.choices.front();
        options.host = only.host;
        options.port = only.port;
        options.tls = only.tls;
        options.announcedFingerprint = only.fingerprint;
        options.choices.clear();
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
    hermes::tui::TuiCommandLine given;
    try {
        given = hermes::tui::parseTuiCommandLine(std::vector<std::string>(argv + 1, argv + argc));
    } catch (const hermes::cli::OptionError& error) {
        using Kind = hermes::cli::OptionError::Kind;
        if (error.kind() == Kind::Unknown) {
            std::cerr << "hermes-tui: unknown option " << error.argument() << '\n';
        } else if (error.kind() == Kind::MissingValue) {
            std::cerr << "hermes-tui: " << error.argument() << " needs a value\n";
        } else {
            std::cerr << "hermes-tui: " << error.what() << '\n';
        }
        std::cerr << hermes::tui::tuiUsage();
        return 2;
    }
    if (given.action == hermes::tui::TuiCommandLine::Action::Help) {
        std::cout << hermes::tui::tuiUsage();
        return 0;
    }
    if (given.action == hermes::tui::TuiCommandLine::Action::Version) {
        std::cout << "hermes-tui " HERMES_VERSION "\n";
        return 0;
    }
    hermes::tui::AppOptions options;
    if (given.discover && (given.host || given.port)) {
        std::cerr << "hermes-tui: --discover finds the host and port: give it or them, not both\n";
        return 2;
    }
    if (given.port && !parsePort(*given.port, options.port)) {
        std::cerr << "hermes-tui: bad port '" << *given.port << "'\n";
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
    if (auto port = config.get("port"); port && !given.port && !parsePort(*port, options.port)) {
        std::cerr << "hermes-tui: bad port '" << *port << "' in " << options.configPath << '\n';
        return 2;
    }
    if (auto mouse = config.get("mouse"); mouse && !parseSwitch(*mouse, options.mouse)) {
        std::cerr << "hermes-tui: mouse wants on or off, not '" << *mouse << "' in "
                  << options.configPath << '\n';
        return 2;
    }
    if (auto typing = config.get("typing"); typing && !parseSwitch(*typing, options.typing)) {
        std::cerr << "hermes-tui: typing wants on or off, not '" << *typing << "' in "
                  << options.configPath << '\n';
        return 2;
    }
    if (auto tls = config.get("tls"); tls && !parseSwitch(*tls, options.tls)) {
        std::cerr << "hermes-tui: tls wants on or off, not '" << *tls << "' in "
                  << options.configPath << '\n';
        return 2;
    }
    options.nick = config.get("nick").value_or("");
    options.room = config.get("room").value_or("");
    options.ignored = hermes::tui::Config::splitList(config.get("ignore").value_or(""));
    options.password = config.get("password").value_or("");
    options.hubPassword = config.get("hub_password").value_or("");
    options.host = given.host.value_or(options.host);
    options.nick = given.nick.value_or(options.nick);
    options.room = given.room.value_or(options.room);
    if (given.tls) {
        options.tls = true;
    }
    if (given.noMouse) {
        options.mouse = false;
    }
    if (given.noTyping) {
        options.typing = false;
    }
    if (options.nick.empty()) {
        const char* user = std::getenv("USER");
        options.nick = user && *user ? user : "guest";
    }
    try {
        // One hub or a list (a cluster's): the first is host:port, the
        // others are tried in turn when a connection fails.
        const auto hubs = hermes::client::parseHubList(options.host, options.port);
        options.host = hubs.front().host;
        options.port = hubs.front().port;
        options.moreHubs.assign(hubs.begin() + 1, hubs.end());
    } catch (const std::invalid_argument& error) {
        std::cerr << "hermes-tui: " << error.what() << '\n';
        return 2;
    }
    if (given.discover && !discover(options)) {
        return 2;
    }
    try {
        return hermes::tui::runApp(options);
    } catch (const std::exception& error) {
        std::cerr << "hermes-tui: " << error.what() << '\n';
        return 1;
    }
}

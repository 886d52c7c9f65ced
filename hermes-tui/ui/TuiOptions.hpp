#pragma once
// hermes-tui's command line (hermes::cli::CommandLine): what was given, as
// typed. main() checks the port, then fills AppOptions from the config file
// and lets these override it.
//
// Threading: pure functions.

#include <optional>
#include <string>
#include <vector>

namespace hermes::tui {

struct TuiCommandLine {
    enum class Action { Run, Help, Version };
    Action action = Action::Run;
    std::optional<std::string> host;  // one hub, or a list (repeated --host: joined by commas)
    std::optional<std::string> port;  // checked by main(), after the options
    std::optional<std::string> nick;
    std::optional<std::string> room;
    bool noMouse = false;
    bool noTyping = false;  // --no-typing (the config's typing = off otherwise)
    bool tls = false;       // --tls (the config's tls = on otherwise)
    bool discover = false;  // --discover: find the hub on the LAN (HubBrowser.hpp)
};

// Reads argv without the program's name. --help and --version end the
// reading (what follows them is not looked at). Throws hermes::cli::OptionError
// (an unknown option, a missing value).
TuiCommandLine parseTuiCommandLine(const std::vector<std::string>& args);

// --help's text, laid out by POCO's HelpFormatter as hermesd's is.
std::string tuiUsage();

}  // namespace hermes::tui

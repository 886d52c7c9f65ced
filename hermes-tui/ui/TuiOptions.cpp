#include "ui/TuiOptions.hpp"

#include "hermes/cli/CommandLine.hpp"

namespace hermes::tui {

namespace {

hermes::cli::CommandLine commandLine() {
    using Poco::Util::Option;
    hermes::cli::CommandLine line("hermes-tui");
    line.add(Option("host", "",
                    "hub address (127.0.0.1); for a cluster, several, tried in turn when one "
                    "fails: a:7070,b:7071 (or --host repeated); a hub without :PORT has --port")
                 .argument("HOST"))
        .add(Option("port", "", "hub port (7070)").argument("PORT"))
        .add(Option("nick", "", "nick to ask for (the last one granted, else $USER)")
                 .argument("NICK"))
        .add(Option("room", "", "room to join after connecting").argument("ROOM"))
        .add(Option("tls", "",
                    "connect with TLS (the hub's tls.enabled); a hub not yet in known_hubs "
                    "shows its fingerprint and asks"))
        .add(Option("discover", "",
                    "find the hubs announced on the LAN (DNS-SD, through avahi-daemon; 2 s) and "
                    "connect to the one that answers, or choose among several (Up/Down, "
                    "Enter); TLS when the hub announces it. Instead of --host and --port"))
        .add(Option("no-mouse", "",
                    "leave the mouse to the terminal (no wheel scrolling; plain drag selects "
                    "text)"))
        .add(Option("no-typing", "",
                    "send no typing notices and show none (the config's typing = off)"))
        .add(Option("version", "", "print the version and exit"))
        .add(Option("help", "h", "print this help and exit"));
    return line;
}

}  // namespace

TuiCommandLine parseTuiCommandLine(const std::vector<std::string>& args) {
    TuiCommandLine given;
    commandLine().parse(args, [&](const std::string& name, const std::string& value) {
        if (name == "help") {
            given.action = TuiCommandLine::Action::Help;
        } else if (name == "version") {
            given.action = TuiCommandLine::Action::Version;
        } else if (name == "host") {
            // Repeated: a hub list, not the last one winning.
            given.host = given.host ? *given.host + "," + value : value;
        } else if (name == "port") {
            given.port = value;
        } else if (name == "nick") {
            given.nick = value;
        } else if (name == "room") {
            given.room = value;
        } else if (name == "tls") {
            given.tls = true;
        } else if (name == "discover") {
            given.discover = true;
        } else if (name == "no-mouse") {
            given.noMouse = true;
        } else if (name == "no-typing") {
            given.noTyping = true;
        }
        return given.action == TuiCommandLine::Action::Run;
    });
    return given;
}

std::string tuiUsage() {
    return commandLine().help(
        "[--host HOST] [--port PORT | --discover] [--nick NICK] [--room ROOM] [--tls] [--no-mouse] "
        "[--no-typing] [--version] [--help]",
        "The Hermes terminal client. Defaults are read from\n"
        "$XDG_CONFIG_HOME/hermes/hermes-tui.conf (or ~/.config/hermes/hermes-tui.conf;\n"
        "keys host (one hub, or a list: a:7070,b:7071), port, nick, room, and tls, mouse,\n"
        "typing = on|off); the last nick used\n"
        "is saved there. In the client, /help lists the commands and keys. With TLS, trusted hubs\n"
        "are pinned in $XDG_DATA_HOME/hermes/known_hubs (~/.local/share/hermes/known_hubs).",
        "Exit status: 0 when every line typed reached its room; 1 when some were\n"
        "still on their way or not sent at /quit; 2 for bad options or no terminal,\n"
        "or when --discover finds no hub (or no avahi-daemon to ask).");
}

}  // namespace hermes::tui

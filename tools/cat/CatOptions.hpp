#pragma once
// Command-line options of hermes-cat and its exit codes.
//
// Threading: a plain value, parsed once in main().

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "hermes/client/HubAddress.hpp"

namespace hermes::cat {

// Exit codes, also listed in --help.
enum ExitCode : int {
    kExitOk = 0,           // every line echoed by the hub (or --follow ended by a signal)
    kExitUsage = 2,        // bad options; or (--tls) a hub known_hubs does not vouch for
    kExitNoSession = 3,    // could not connect, handshake (nick refused) or join in time
    kExitUnacked = 4,      // after the end of input, no line echoed for --timeout, some waiting
    kExitConnection = 5,   // the hub closed the connection before we were done
    kExitRejected = 6,     // the hub refused some lines with an Error (e.g. INVALID_TEXT)
    kExitInterrupted = 7,  // SIGINT/SIGTERM before all lines were echoed (without --follow)
    kExitFile = 8,         // --upload / --download refused or failed (the hub's Error, a bad hash)
};

struct CatOptions {
    std::string host = "127.0.0.1";
    std::uint16_t port = 7070;
    // --host a:7070,b:7071 (or --host repeated): the other hubs of a cluster,
    // tried in turn when a connection fails (docs/CLUSTER.md "Clients").
    // host and port are the first.
    std::vector<hermes::client::HubAddress> moreHubs;
    std::string nick;
    std::string room;
    bool tls = false;              // --tls
    std::string trustFingerprint;  // --trust-fingerprint, normalized
    // The nick's password (a registered nick) and the hub's: from
    // --password-file / --hub-password-file, else $HERMES_PASSWORD /
    // $HERMES_HUB_PASSWORD. Never on the command line, where `ps` shows it.
    std::string password;
    std::string hubPassword;
    bool json = false;
    bool follow = false;
    bool backlog = false;  // print the room's backlog sent on join
    // --to: lines go to this nick as private messages (the room is still joined).
    std::string to;
    // --private-history: print the conversation with this nick, then go on.
    std::string privateHistory;
    bool typing = false;  // --typing: print typing notices (JSON mode only)
    std::chrono::milliseconds timeout{10'000};
    // --discover: list the hubs announced on the LAN (HubList.hpp) and exit;
    // no --nick or --room needed.
    bool discover = false;
    std::chrono::milliseconds discoverTime{2000};  // --discover-time S
    bool version = false;  // --version: print catVersion() and exit 0; nothing else is set
    // Files (docs/PROTOCOL.md "Files"): instead of sending standard input.
    std::string upload;      // --upload PATH: share the file in the room
    std::string uploadName;  // --name NAME: the name it is shared as (default: its base name)
    std::string download;    // --download SEQ|SHA256: fetch a file of the room
    std::string output;      // --output PATH: where --download writes (resumed if cut)
};

// Parses argv (hermes::cli::CommandLine: --name VALUE or --name=VALUE).
// Returns nothing after --help (printed by the caller). Throws
// std::invalid_argument with a readable message: an unknown option, or an
// option's value missing (the end of argv, or the next option in its place).
std::optional<CatOptions> parseCatOptions(const std::vector<std::string>& args);

// --help's text, laid out by POCO's HelpFormatter as hermesd's is.
std::string catUsage();
// "hermes-cat 0.1.0": the project's version from CMake.
std::string catVersion();

}  // namespace hermes::cat

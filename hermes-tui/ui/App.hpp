#pragma once
// The main loop: ClientCore for the network, ChatModel for the state,
// ChatView on a CursesScreen for the picture. It sleeps in ppoll() on stdin
// and the core's wake-up descriptor, with a timeout only when the model has a
// deadline (the reconnect countdown shown, /quit's wait for lines on their
// way). SIGWINCH is blocked except inside ppoll(), and its handler only sets
// a flag, so a resize is never missed and never handled inside the handler.
//
// Threading: UI thread only. hermes-tui has two threads: this one (keys, the
// model, curses, the config file) and the client core's I/O thread (the
// socket and the protocol, ClientCore.hpp). They meet only in the core's two
// lock-free queues: events come in through pollEvent() (woken by wakeFd()),
// lines go out through HubActions, which only queue on the core. The I/O
// thread never touches the model or the screen; ChatModel and CursesScreen
// check that they stay on this thread in debug builds (OwnerThread).
//
// A hub known_hubs does not vouch for (tls): the core stops with
// UntrustedHub, the model asks "Trust this hub? (y/N)" without blocking
// anything, and on y the App starts a new core told to trust that
// fingerprint, which records it in known_hubs (ClientOptions::trustFingerprint).

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "hermes/client/HubAddress.hpp"
#include "model/HubPicker.hpp"

namespace hermes::tui {

struct AppOptions {
    std::string host = "127.0.0.1";
    std::uint16_t port = 7070;
    // The other hubs of a cluster (`host = a:7070,b:7071`, or --host
    // repeated): ClientOptions::moreHubs.
    std::vector<hermes::client::HubAddress> moreHubs;
    std::string nick;
    std::string room;
    std::vector<std::string> ignored;  // /ignore's nicks
    // From the config (password, hub_password); empty: asked when the hub
    // says so. Never shown or logged.
    std::string password;
    std::string hubPassword;
    std::filesystem::path configPath;  // where the last nick and the ignore list are remembered
    bool mouse = true;                 // the wheel scrolls (see CursesScreen.hpp)
    bool tls = false;                  // --tls or tls = on: pinned in known_hubs
    bool typing = true;                // typing = off or --no-typing: none sent, none shown
    // --discover: the fingerprint the chosen hub announced with tls=1. A hub
    // not yet in known_hubs is trusted only if it presents this one, and
    // still only when the user says y (TOFU); a different one is refused.
    std::string announcedFingerprint;
    // --discover with several hubs answering: the picker (HubPicker) comes
    // first, and host, port, tls and announcedFingerprint come from the hub
    // chosen.
    std::vector<HubChoice> choices;
};

// Runs until /quit, Ctrl-C or the terminal goes away. Returns the exit code:
// 0 if every line typed reached its room, 1 if not (or on an error); 0 also
// when the picker is left without choosing.
int runApp(const AppOptions& options);

}  // namespace hermes::tui

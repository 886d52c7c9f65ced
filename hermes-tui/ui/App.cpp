#include "ui/App.hpp"

#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <memory>
#include <vector>

#include "hermes/client/ClientCore.hpp"
#include "model/ChatModel.hpp"
#include "ui/ChatView.hpp"
#include "ui/Config.hpp"
#include "ui/CoreActions.hpp"
#include "ui/CursesScreen.hpp"
#include "ui/HubPickerView.hpp"

namespace hermes::tui {

namespace {

volatile sig_atomic_t gResized = 0;

void onWinch(int) {
    gResized = 1;
}

// Writes one key of the config file (reread first, so other keys stay as
// they are) if it changed.
void remember(const std::filesystem::path& path, const std::string& key, const std::string& value) {
    if (path.empty()) {
        return;
    }
    try {
        Config config = Config::load(path);
        if (config.get(key).value_or("") != value) {
            config.set(key, value);
            config.save(path);
        }
    } catch (const std::exception&) {
        // Remembering is a convenience; the session goes on without it.
    }
}

// The picker's own small loop, on the screen the chat will use. False when
// the user gave up (q, Ctrl-C, the terminal gone).
bool pickHub(HubPicker& picker, CursesScreen& screen, const sigset_t& waitMask) {
    std::vector<Key> keys;
    for (;;) {
        if (gResized) {
            gResized = 0;
            screen.resize();
        }
        drawHubPicker(picker, screen);
        screen.present();
        pollfd fds[1] = {{STDIN_FILENO, POLLIN, 0}};
        const int rc = ppoll(fds, 1, nullptr, &waitMask);
        if (rc < 0 && errno != EINTR) {
            return false;
        }
        keys.clear();
        if (!screen.readKeys(keys)) {
            return false;
        }
        for (const Key& key : keys) {
            if (picker.handleKey(key) != HubPicker::Outcome::Choosing) {
                return picker.outcome() == HubPicker::Outcome::Chosen;
            }
        }
    }
}

}  // namespace

int runApp(const AppOptions& given) {
    sigset_t winch;
    sigemptyset(&winch);
    sigaddset(&winch, SIGWINCH);
    sigset_t waitMask;
    sigprocmask(SIG_BLOCK, &winch, &waitMask);
    sigdelset(&waitMask, SIGWINCH);
    struct sigaction sa {};
    sa.sa_handler = onWinch;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGWINCH, &sa, nullptr);

    CursesScreen screen(given.mouse);
    AppOptions options = given;
    if (!options.choices.empty()) {
        HubPicker picker(options.choices);
        if (!pickHub(picker, screen, waitMask)) {
            return 0;
        }
        const HubChoice& chosen = picker.chosen();
        options.host = chosen.host;
        options.port = chosen.port;
        options.moreHubs.clear();
        options.tls = chosen.tls;
        options.announcedFingerprint = chosen.fingerprint;
    }

    hermes::client::ClientOptions clientOptions;
    clientOptions.host = options.host;
    clientOptions.port = options.port;
    clientOptions.moreHubs = options.moreHubs;
    clientOptions.nick = options.nick;
    clientOptions.clientName = "hermes-tui 0.1";
    clientOptions.password = options.password;
    clientOptions.hubPassword = options.hubPassword;
    clientOptions.tls = options.tls;
    auto core = std::make_unique<hermes::client::ClientCore>(clientOptions);
    CoreActions actions(*core);
    ChatModel::Settings settings;
    settings.host = options.host;
    settings.port = options.port;
    settings.nick = options.nick;
    settings.room = options.room;
    settings.typing = options.typing;
    settings.announcedFingerprint = options.announcedFingerprint;
    ChatModel model(actions, settings);
    model.setIgnored(options.ignored);
    ChatView view;

    model.setScreen(screen.rows(), screen.cols());
    core->start();

    // HERMES_TUI_TRACE=FILE logs every event from the core, for debugging a
    // session without disturbing the screen.
    std::ofstream trace;
    if (const char* path = std::getenv("HERMES_TUI_TRACE"); path && *path) {
        trace.open(path, std::ios::app);
    }

    std::vector<Key> keys;
    int exitCode = 0;
    for (;;) {
        const auto now = std::chrono::steady_clock::now();
        hermes::client::Event event;
        // Bounded per turn so a flood of events cannot starve the keyboard.
        for (int i = 0; i < 1024 && core->pollEvent(event); ++i) {
            if (trace.is_open()) {
                trace << hermes::client::describe(event.kind) << ' ' << event.text << ' '
                      << (event.envelope ? event.envelope->ShortDebugString() : "") << std::endl;
            }
            model.onEvent(event, now);
        }
        keys.clear();
        screen.readKeys(keys);
        for (const Key& key : keys) {
            if (key.code == KeyCode::CtrlL) {
                screen.invalidate();
            }
            model.handleKey(key, now);
        }
        if (gResized) {
            gResized = 0;
            screen.resize();
            model.setScreen(screen.rows(), screen.cols());
            model.markDirty(dirty::kAll);
        }
        if (auto trusted = model.takeTrustedHub()) {
            // The old core has ended (UntrustedHub, then Failed); the new one
            // trusts this fingerprint for a new hub and records it.
            core->stop();
            clientOptions.trustFingerprint = trusted->fingerprint;
            core = std::make_unique<hermes::client::ClientCore>(clientOptions);
            actions.rebind(*core);
            core->start();
        }
        model.tick(now);
        if (auto nick = model.takeGrantedNick()) {
            remember(options.configPath, "nick", *nick);
        }
        if (auto ignored = model.takeIgnoreChange()) {
            remember(options.configPath, "ignore", Config::joinList(*ignored));
        }
        if (model.takeBell()) {
            screen.bell();
        }
        if (model.dirtyFlags() != 0) {
            view.draw(model, screen, model.dirtyFlags());
            model.clearDirty();
            screen.present();
        }
        if (model.quitRequested()) {
            break;
        }

        timespec timeout{};
        timespec* timeoutPtr = nullptr;
        if (const auto deadline = model.nextDeadline()) {
            const auto wait = std::max(std::chrono::steady_clock::duration::zero(),
                                       *deadline - std::chrono::steady_clock::now());
            const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(wait).count();
            timeout.tv_sec = static_cast<time_t>(ns / 1000000000);
            timeout.tv_nsec = static_cast<long>(ns % 1000000000);
            timeoutPtr = &timeout;
        }
        pollfd fds[2] = {{STDIN_FILENO, POLLIN, 0}, {core->wakeFd(), POLLIN, 0}};
        const int rc = ppoll(fds, 2, timeoutPtr, &waitMask);
        if (rc < 0 && errno != EINTR) {
            exitCode = 1;
            break;
        }
        if (rc > 0 && (fds[0].revents & (POLLHUP | POLLERR | POLLNVAL)) &&
            !(fds[0].revents & POLLIN)) {
            break;  // the terminal is gone
        }
    }
    core->stop(model.quitMessage());
    // Whether every line typed reached its room (ChatModel::exitStatus).
    return exitCode != 0 ? exitCode : model.exitStatus();
}

}  // namespace hermes::tui

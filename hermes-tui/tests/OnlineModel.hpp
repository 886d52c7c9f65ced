#pragma once
// ana online in lobby with bob, the wall clock at 12:34:56 UTC: the model
// state most command and status tests start from, with helpers to type a
// line and see what it added.

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "FakeHub.hpp"
#include "model/ChatModel.hpp"

namespace hermes::tui::test {

inline constexpr std::int64_t kNowMs = 45296000;  // 12:34:56 UTC, 1 Jan 1970

// ana, welcomed, in lobby with bob.
struct Online {
    FakeHub hub;
    ChatModel model{hub, ChatModel::Settings{"127.0.0.1", 7070, "ana", "lobby",
                                             std::chrono::milliseconds{2000}}};
    SteadyTime t0{};

    Online() {
        model.setWallClock([] { return kNowMs; });
        model.onEvent(welcomed("ana"), t0);
        model.onEnvelope(joined("lobby", "ana"), t0);
        model.onEnvelope(joined("lobby", "bob"), t0);
        hub.calls.clear();
    }
    const Buffer& lobby() const { return *find(BufferKind::Room, "lobby"); }
    const Buffer& status() const { return *model.buffers().at(0); }
    const Buffer* find(BufferKind kind, const std::string& name) const {
        for (const auto& b : model.buffers()) {
            if (b->kind() == kind && b->name() == name) {
                return b.get();
            }
        }
        return nullptr;
    }
    // What typing `line` added to the active window: lines above the
    // pending ones, then pending lines it added.
    std::vector<std::string> run(const std::string& line) {
        const Buffer& b = model.active();
        const std::size_t before = b.lines().size() - b.pendingLines();
        const std::size_t pendingBefore = b.pendingLines();
        type(model, line, t0);
        std::vector<std::string> added;
        const std::size_t hubLines = b.lines().size() - b.pendingLines();
        for (std::size_t i = before; i < hubLines; ++i) {
            added.push_back(b.lines()[i].text);
        }
        for (std::size_t i = hubLines + pendingBefore; i < b.lines().size(); ++i) {
            added.push_back(b.lines()[i].text);
        }
        return added;
    }
    void envelope(const hermes::v1::Envelope& e) { model.onEnvelope(e, t0); }
};

// Lines of `b` that contain `text`.
inline std::size_t count(const Buffer& b, const std::string& text) {
    return static_cast<std::size_t>(
        std::count_if(b.lines().begin(), b.lines().end(),
                      [&](const Line& l) { return l.text.find(text) != std::string::npos; }));
}

}  // namespace hermes::tui::test

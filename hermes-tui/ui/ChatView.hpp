#pragma once
// Lays out and draws a ChatModel on a Canvas, with no terminal library:
//
//   row 0          title bar: hub, window, members, topic
//   rows 1..R-3    message pane (| member list on the right when shown)
//   row R-2        status bar: time, nick, window, connection, pending, activity
//                  (unread counts), "ana is typing…" for the window shown
//   row R-1        input line
//
// Only the parts named by the dirty flags are redrawn. Message lines are laid
// out by model/LineLayout ("HH:MM <nick> text", actions "HH:MM * nick text",
// wrapped by display width, continuation rows indented under the text) and
// the screen by model/Pane.hpp, the same rules ChatModel scrolls by; this
// class adds the styles (presence dimmed, nicks coloured, ...).
//
// Threading: UI thread only.

#include "model/ChatModel.hpp"
#include "model/Pane.hpp"
#include "ui/Canvas.hpp"

namespace hermes::tui {

class ChatView {
public:
    // Draws the parts in `dirtyFlags` (dirty::kAll after a resize).
    void draw(const ChatModel& model, Canvas& canvas, unsigned dirtyFlags) const;

private:
    void drawTitle(const ChatModel& model, Canvas& canvas) const;
    void drawStatus(const ChatModel& model, Canvas& canvas) const;
    void drawMessages(const ChatModel& model, Canvas& canvas, int width) const;
    void drawMembers(const ChatModel& model, Canvas& canvas, int left) const;
    void drawInput(const ChatModel& model, Canvas& canvas) const;
};

}  // namespace hermes::tui

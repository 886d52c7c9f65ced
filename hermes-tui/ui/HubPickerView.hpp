#pragma once
// Draws HubPicker on a Canvas: a title, one row per hub (the selected one in
// reverse video), and the keys at the bottom. Rows past the screen scroll so
// the selected one stays in view.
//
// Threading: UI thread only.

#include "model/HubPicker.hpp"
#include "ui/Canvas.hpp"

namespace hermes::tui {

void drawHubPicker(const HubPicker& picker, Canvas& canvas);

}  // namespace hermes::tui

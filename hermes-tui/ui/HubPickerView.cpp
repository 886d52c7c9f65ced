#include "ui/HubPickerView.hpp"

#include <string>

namespace hermes::tui {

void drawHubPicker(const HubPicker& picker, Canvas& canvas) {
    const int rows = canvas.rows();
    const int cols = canvas.cols();
    for (int row = 0; row < rows; ++row) {
        canvas.fill(row, 0, cols, Style{});
    }
    if (rows < 3 || cols < 1) {
        return;
    }
    const auto& choices = picker.choices();
    canvas.put(
        0, 0,
        std::to_string(choices.size()) + " hubs answered on the LAN: choose one to connect to",
        Style{Colour::Default, true, false, false}, cols);
    const int listRows = rows - 3;
    const int selected = static_cast<int>(picker.selected());
    const int first = selected < listRows ? 0 : selected - listRows + 1;
    for (int i = 0; i < listRows && first + i < static_cast<int>(choices.size()); ++i) {
        const int index = first + i;
        const bool current = index == selected;
        const Style style{Colour::Default, false, false, current};
        if (current) {
            canvas.fill(2 + i, 0, cols, style);
        }
        canvas.put(
            2 + i, 0,
            (current ? "> " : "  ") + HubPicker::describe(choices[static_cast<std::size_t>(index)]),
            style, cols);
    }
    canvas.put(rows - 1, 0, "Up/Down to move, Enter to connect, q to quit",
               Style{Colour::Default, false, true, false}, cols);
    canvas.cursor(2 + selected - first, 0);
}

}  // namespace hermes::tui

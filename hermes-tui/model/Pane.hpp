#pragma once
// The message pane's size on a screen of rows x cols. ChatView lays the screen
// out by it and ChatModel scrolls by it, so PgUp/PgDn move by the rows that
// are really drawn:
//
//   row 0          title bar
//   rows 1..R-3    message pane (| member list on the right when shown)
//   row R-2        status bar
//   row R-1        input line
//
// Threading: pure values.

namespace hermes::tui {

struct Pane {
    int rows = 0;   // message rows, the "more below" marker row included
    int width = 0;  // columns of message text
};

struct ScreenLayout {
    // Smallest screen laid out; below it only a notice is drawn.
    static constexpr int kMinRows = 6;
    static constexpr int kMinCols = 30;
    static constexpr int kMemberPaneWidth = 18;

    static int paneRows(int rows) { return rows - 3; }
    // The member list is drawn when wanted (F2, in a room) and there is room.
    static bool memberPaneShown(int cols, bool wanted) {
        return wanted && cols >= kMinCols + kMemberPaneWidth;
    }
    static Pane messagePane(int rows, int cols, bool membersWanted) {
        const int width = memberPaneShown(cols, membersWanted) ? cols - kMemberPaneWidth - 1 : cols;
        return Pane{paneRows(rows), width};
    }
};

}  // namespace hermes::tui

// hermes-tui --discover's picker: keys move the highlight around the list
// (wrapping), Enter chooses, q and Ctrl-C give up; the drawn screen shows
// each hub and marks the one highlighted (on a TextGrid, no terminal).
#define BOOST_TEST_MODULE hub_picker
#include <boost/test/unit_test.hpp>

#include <string>
#include <vector>

#include "model/HubPicker.hpp"
#include "ui/HubPickerView.hpp"
#include "ui/TextGrid.hpp"

using namespace hermes::tui;

namespace {

std::vector<HubChoice> twoHubs() {
    return {{"alpha", "10.0.0.1", 7070, false, ""}, {"beta", "10.0.0.2", 7071, true, "SHA256:AB"}};
}

Key key(KeyCode code, char32_t ch = 0) {
    Key k;
    k.code = code;
    k.ch = ch;
    return k;
}

}  // namespace

BOOST_AUTO_TEST_CASE(down_and_enter_choose_the_second) {
    HubPicker picker(twoHubs());
    BOOST_TEST(picker.selected() == 0u);
    BOOST_TEST((picker.handleKey(key(KeyCode::Down)) == HubPicker::Outcome::Choosing));
    BOOST_TEST((picker.handleKey(key(KeyCode::Enter)) == HubPicker::Outcome::Chosen));
    BOOST_TEST(picker.chosen().host == "10.0.0.2");
    BOOST_TEST(picker.chosen().tls);
    // Keys after the choice change nothing.
    picker.handleKey(key(KeyCode::Up));
    BOOST_TEST(picker.selected() == 1u);
}

BOOST_AUTO_TEST_CASE(the_highlight_wraps) {
    HubPicker picker(twoHubs());
    picker.handleKey(key(KeyCode::Up));
    BOOST_TEST(picker.selected() == 1u);
    picker.handleKey(key(KeyCode::Down));
    BOOST_TEST(picker.selected() == 0u);
}

BOOST_AUTO_TEST_CASE(q_and_ctrl_c_give_up) {
    HubPicker picker(twoHubs());
    BOOST_TEST((picker.handleKey(key(KeyCode::Char, U'q')) == HubPicker::Outcome::Cancelled));
    HubPicker other(twoHubs());
    BOOST_TEST((other.handleKey(key(KeyCode::CtrlC)) == HubPicker::Outcome::Cancelled));
    HubPicker none({});
    BOOST_TEST((none.outcome() == HubPicker::Outcome::Cancelled));
}

BOOST_AUTO_TEST_CASE(the_screen_lists_both_and_marks_the_highlight) {
    HubPicker picker(twoHubs());
    picker.handleKey(key(KeyCode::Down));
    TextGrid grid(10, 80);
    drawHubPicker(picker, grid);
    BOOST_TEST(grid.row(0).find("2 hubs answered") != std::string::npos);
    BOOST_TEST(grid.row(2).rfind("  alpha  10.0.0.1:7070  plain", 0) == 0);
    BOOST_TEST(grid.row(3).rfind("> beta  10.0.0.2:7071  tls SHA256:AB", 0) == 0);
    BOOST_TEST(grid.row(9).find("Enter to connect") != std::string::npos);
}

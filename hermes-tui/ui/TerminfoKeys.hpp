#pragma once
// The function key codes ncurses returns under the running TERM, as
// KeyDecoder's table: the standard keys (KEY_LEFT, KEY_SLEFT, ...) and the
// extended ones named in the terminfo (kLFT5 for Ctrl-Left, kRIT3 for
// Alt-Right, kDC5 for Ctrl-Del, kPRV for Shift-PgUp, ...), whose codes
// ncurses hands out at run time: tigetstr() gives the sequence and
// key_defined() its code. The digit in an extended name is xterm's modifier
// parameter (2 Shift, 3 Alt, 5 Ctrl, ...). Keys the terminfo does not know
// reach KeyDecoder as characters and are decoded there.
//
// Threading: UI thread only; call after initscr().

#include "ui/KeyDecoder.hpp"

namespace hermes::tui {

FunctionKeys terminfoFunctionKeys();

}  // namespace hermes::tui

// KeyDecoder fed the exact sequences terminals send, one get_wch() result at
// a time, as CursesScreen feeds it: characters for what the terminfo does not
// know, function key codes (from a table like TerminfoKeys builds) for what it
// does. Each case names the terminal that sends it.
#define BOOST_TEST_MODULE KeyDecoderTest
#include "ui/KeyDecoder.hpp"

#include <boost/test/unit_test.hpp>

#include <string>
#include <vector>

#include "TestLocale.hpp"
#include "model/Paste.hpp"
#include "model/Utf8.hpp"

using namespace hermes::tui;
using hermes::tui::test::Utf8Locale;

BOOST_TEST_GLOBAL_FIXTURE(Utf8Locale);

namespace {

// Function key codes as ncurses might hand them out (the extended ones are
// assigned at run time, so any numbers do).
enum Fn : int {
    kLeft = 1001,
    kRight,
    kBackspace,
    kEnter,
    kF2,
    kCtrlLeftLFT5 = 1100,  // kLFT5
    kAltRightRIT3,         // kRIT3
    kShiftPgUpPRV,         // kPRV
    kShiftPgDnNXT,         // kNXT
    kCtrlDelDC5,           // kDC5
    kAltLeftLFT3,          // kLFT3
    kUnknown = 4242,
};

FunctionKeys table() {
    return {
        {kLeft, {KeyCode::Left, 0}},
        {kRight, {KeyCode::Right, 0}},
        {kBackspace, {KeyCode::Backspace, 0}},
        {kEnter, {KeyCode::Enter, 0}},
        {kF2, {KeyCode::ToggleMembers, 0}},
        {kCtrlLeftLFT5, {KeyCode::Left, mod::kCtrl}},
        {kAltRightRIT3, {KeyCode::Right, mod::kAlt}},
        {kShiftPgUpPRV, {KeyCode::PageUp, mod::kShift}},
        {kShiftPgDnNXT, {KeyCode::PageDown, mod::kShift}},
        {kCtrlDelDC5, {KeyCode::Delete, mod::kCtrl}},
        {kAltLeftLFT3, {KeyCode::Left, mod::kAlt}},
    };
}

// One piece of input: UTF-8 text fed as characters, a single code point, or
// a function key code.
struct Piece {
    Piece(const char* t) : text(t) {}  // NOLINT: implicit, for the tables
    Piece(std::string t) : text(std::move(t)) {}
    std::string text;
    int fn = 0;
    char32_t cp = 0;
};
Piece fn(int code) {
    Piece p("");
    p.fn = code;
    return p;
}
Piece cp(char32_t c) {
    Piece p("");
    p.cp = c;
    return p;
}

void feed(KeyDecoder& d, const std::vector<Piece>& pieces, std::vector<Key>& out) {
    for (const Piece& p : pieces) {
        if (p.fn != 0) {
            d.feedFunction(p.fn, out);
        } else if (p.cp != 0) {
            d.feedChar(p.cp, out);
        } else {
            for (std::size_t pos = 0, len = 0; pos < p.text.size(); pos += len) {
                d.feedChar(utf8::decode(p.text, pos, len), out);
            }
        }
    }
}

std::string name(KeyCode c) {
    switch (c) {
        case KeyCode::Char:
            return "Char";
        case KeyCode::Enter:
            return "Enter";
        case KeyCode::Backspace:
            return "Backspace";
        case KeyCode::Delete:
            return "Delete";
        case KeyCode::Left:
            return "Left";
        case KeyCode::Right:
            return "Right";
        case KeyCode::Up:
            return "Up";
        case KeyCode::Down:
            return "Down";
        case KeyCode::Home:
            return "Home";
        case KeyCode::End:
            return "End";
        case KeyCode::PageUp:
            return "PageUp";
        case KeyCode::PageDown:
            return "PageDown";
        case KeyCode::Tab:
            return "Tab";
        case KeyCode::ToggleMembers:
            return "F2";
        case KeyCode::CtrlA:
            return "CtrlA";
        case KeyCode::CtrlE:
            return "CtrlE";
        case KeyCode::CtrlU:
            return "CtrlU";
        case KeyCode::CtrlK:
            return "CtrlK";
        case KeyCode::CtrlW:
            return "CtrlW";
        case KeyCode::CtrlN:
            return "CtrlN";
        case KeyCode::CtrlP:
            return "CtrlP";
        case KeyCode::CtrlL:
            return "CtrlL";
        case KeyCode::CtrlC:
            return "CtrlC";
        case KeyCode::AltB:
            return "AltB";
        case KeyCode::AltF:
            return "AltF";
        case KeyCode::AltD:
            return "AltD";
        case KeyCode::AltDigit:
            return "AltDigit";
        case KeyCode::AltBackspace:
            return "AltBackspace";
        case KeyCode::AltLeft:
            return "AltLeft";
        case KeyCode::AltRight:
            return "AltRight";
        case KeyCode::CtrlLeft:
            return "CtrlLeft";
        case KeyCode::CtrlRight:
            return "CtrlRight";
        case KeyCode::CtrlDelete:
            return "CtrlDelete";
        case KeyCode::ScrollUp:
            return "ScrollUp";
        case KeyCode::ScrollDown:
            return "ScrollDown";
        case KeyCode::Paste:
            return "Paste";
    }
    return "?";
}

// "CtrlLeft Char(a) AltDigit(3) Paste(a\tb)": the keys, comparable as text.
std::string describe(const std::vector<Key>& keys) {
    std::string out;
    for (const Key& k : keys) {
        out += out.empty() ? "" : " ";
        out += name(k.code);
        if (k.code == KeyCode::Char) {
            out += "(" + utf8::encode(k.ch) + ")";
        } else if (k.code == KeyCode::AltDigit) {
            out += "(" + std::to_string(k.digit) + ")";
        } else if (k.code == KeyCode::Paste) {
            out += "(" + k.text + ")";
        }
    }
    return out;
}

struct Case {
    const char* name;
    std::vector<Piece> in;
    std::string keys;
};

const std::string kLongCsi = "\x1b[" + std::string(40, '1') + "D";

const std::vector<Case> kCases = {
    // Text and control keys.
    {"plain text", {"ab"}, "Char(a) Char(b)"},
    {"UTF-8 text", {"é日"}, "Char(é) Char(日)"},
    {"control keys",
     {"\r\n\t\x7f\x08\x01\x05\x15\x0b\x17\x0e\x10\x0c\x03"},
     "Enter Enter Tab Backspace Backspace CtrlA CtrlE CtrlU CtrlK CtrlW CtrlN CtrlP CtrlL CtrlC"},
    {"unbound control characters are dropped", {"\x02\x1c", "a"}, "Char(a)"},
    {"C1 control characters are dropped", {cp(0x85), cp(0x9F), "a"}, "Char(a)"},

    // xterm-style modified keys as characters (TERM=screen-256color under tmux).
    {"Ctrl-Left", {"\x1b[1;5D"}, "CtrlLeft"},
    {"Ctrl-Right", {"\x1b[1;5C"}, "CtrlRight"},
    {"Alt-Left", {"\x1b[1;3D"}, "AltLeft"},
    {"Alt-Right", {"\x1b[1;3C"}, "AltRight"},
    {"Shift-PgUp", {"\x1b[5;2~"}, "PageUp"},
    {"Shift-PgDn", {"\x1b[6;2~"}, "PageDown"},
    {"Ctrl-Del", {"\x1b[3;5~"}, "CtrlDelete"},
    {"Meta-Right (m=9) counts as Alt", {"\x1b[1;9C"}, "AltRight"},
    {"Ctrl-Shift-Left is Ctrl-Left", {"\x1b[1;6D"}, "CtrlLeft"},
    {"Shift-Left is Left", {"\x1b[1;2D"}, "Left"},
    {"Ctrl-Alt-Left is dropped", {"\x1b[1;7D", "a"}, "Char(a)"},
    {"Ctrl-Up is dropped", {"\x1b[1;5A", "a"}, "Char(a)"},
    {"Ctrl-PgUp is dropped", {"\x1b[5;5~", "a"}, "Char(a)"},
    {"Alt-Del is dropped", {"\x1b[3;3~", "a"}, "Char(a)"},
    {"one parameter modifier (ESC [ 5 D)", {"\x1b[5D"}, "CtrlLeft"},

    // Unmodified keys as characters.
    {"CSI arrows, Home, End",
     {"\x1b[A\x1b[B\x1b[C\x1b[D\x1b[H\x1b[F"},
     "Up Down Right Left Home End"},
    {"SS3 arrows, Home, End",
     {"\x1bOA\x1bOB\x1bOC\x1bOD\x1bOH\x1bOF"},
     "Up Down Right Left Home End"},
    {"tilde keys",
     {"\x1b[1~\x1b[4~\x1b[7~\x1b[8~\x1b[3~\x1b[5~\x1b[6~"},
     "Home End Home End Delete PageUp PageDown"},
    {"F2 as SS3 and as CSI", {"\x1bOQ\x1b[12~"}, "F2 F2"},
    {"Insert, F1, F5, Shift-Tab are dropped", {"\x1b[2~\x1bOP\x1b[15~\x1b[Z", "a"}, "Char(a)"},
    {"SS3 with a modifier (old xterm)", {"\x1bO5D\x1bO1;3C"}, "CtrlLeft AltRight"},
    {"keypad in application mode",
     {"\x1bOp\x1bOy\x1bOk\x1bOX\x1bOM"},
     "Char(0) Char(9) Char(+) Char(=) Enter"},

    // rxvt.
    {"rxvt Ctrl-arrows", {"\x1bOd\x1bOc"}, "CtrlLeft CtrlRight"},
    {"rxvt Shift-arrows", {"\x1b[d\x1b[c"}, "Left Right"},
    {"rxvt Ctrl-Del", {"\x1b[3^"}, "CtrlDelete"},
    {"rxvt Shift-PgUp", {"\x1b[5$"}, "PageUp"},

    // Alt as an ESC prefix.
    {"Alt-b, Alt-f, Alt-d",
     {"\x1b"
      "b\x1b"
      "f\x1b"
      "d"},
     "AltB AltF AltD"},
    {"Alt-B with Shift",
     {"\x1b"
      "B"},
     "AltB"},
    {"Alt-digits",
     {"\x1b"
      "3\x1b"
      "0"},
     "AltDigit(3) AltDigit(0)"},
    {"Alt-Backspace (DEL and ^H)", {"\x1b\x7f\x1b\x08"}, "AltBackspace AltBackspace"},
    {"Alt with an unbound key is dropped with it", {"\x1bx", "a"}, "Char(a)"},
    {"Alt-Left as ESC ESC [ D (rxvt, screen)", {"\x1b\x1b[D"}, "AltLeft"},
    {"Alt-Right as ESC ESC O C", {"\x1b\x1bOC"}, "AltRight"},
    {"ESC ESC b is Alt-b",
     {"\x1b\x1b"
      "b"},
     "AltB"},

    // CSI u ("fixterms", kitty).
    {"CSI u Alt-b", {"\x1b[98;3u"}, "AltB"},
    {"CSI u Ctrl-w", {"\x1b[119;5u"}, "CtrlW"},
    {"CSI u Alt-Backspace", {"\x1b[127;3u"}, "AltBackspace"},
    {"CSI u plain and shifted text", {"\x1b[97u\x1b[65;2u"}, "Char(a) Char(A)"},
    {"CSI u Ctrl-Alt-x is dropped", {"\x1b[120;7u", "a"}, "Char(a)"},

    // What is not a key is never text.
    {"unknown CSI is dropped whole", {"\x1b[99;5X", "a"}, "Char(a)"},
    {"focus reports are dropped", {"\x1b[I\x1b[O", "a"}, "Char(a)"},
    {"terminal replies are dropped", {"\x1b[?1;2c\x1b[>0;276;0c", "a"}, "Char(a)"},
    {"an over-long sequence is read to its end and dropped", {kLongCsi, "a"}, "Char(a)"},
    {"a control character ends a sequence and is taken", {"\x1b[1;\r"}, "Enter"},
    {"ESC inside a sequence starts a new one", {"\x1b[1\x1b[D"}, "Left"},
    {"non-ASCII ends a sequence and is taken", {"\x1b[1;é"}, "Char(é)"},
    {"8-bit CSI", {cp(0x9B), "1;5D"}, "CtrlLeft"},
    {"8-bit SS3", {cp(0x8F), "D"}, "Left"},

    // Mouse reports.
    {"SGR wheel", {"\x1b[<64;10;5M\x1b[<65;10;5M"}, "ScrollUp ScrollDown"},
    {"SGR wheel with Ctrl", {"\x1b[<80;10;5M"}, "ScrollUp"},
    {"SGR click and release are dropped", {"\x1b[<0;10;5M\x1b[<0;10;5m", "a"}, "Char(a)"},
    {"X10 wheel", {"\x1b[M`!!\x1b[Ma!!"}, "ScrollUp ScrollDown"},
    {"X10 click: its bytes are not text", {"\x1b[M !!", "a"}, "Char(a)"},
    {"urxvt wheel", {"\x1b[96;10;5M"}, "ScrollUp"},

    // Function key codes (the terminfo knew the sequence: xterm-256color).
    {"kLFT5 is Ctrl-Left", {fn(kCtrlLeftLFT5)}, "CtrlLeft"},
    {"kRIT3 is Alt-Right", {fn(kAltRightRIT3)}, "AltRight"},
    {"kLFT3 is Alt-Left", {fn(kAltLeftLFT3)}, "AltLeft"},
    {"kPRV and kNXT scroll", {fn(kShiftPgUpPRV), fn(kShiftPgDnNXT)}, "PageUp PageDown"},
    {"kDC5 is Ctrl-Del", {fn(kCtrlDelDC5)}, "CtrlDelete"},
    {"plain function keys",
     {fn(kLeft), fn(kRight), fn(kBackspace), fn(kEnter), fn(kF2)},
     "Left Right Backspace Enter F2"},
    {"an unknown function key is dropped", {fn(kUnknown), "a"}, "Char(a)"},
    {"ESC then a function key is Alt",
     {"\x1b", fn(kLeft), "\x1b", fn(kBackspace)},
     "AltLeft AltBackspace"},
    {"ESC ESC then a function key is Alt", {"\x1b\x1b", fn(kRight)}, "AltRight"},
    {"a function key ends a partial sequence", {"\x1b[1", fn(kLeft)}, "Left"},

    // Bracketed paste.
    {"paste keeps Tabs and line breaks",
     {"\x1b[200~a\tb\rc\nd\r\ne\x1b[201~"},
     "Paste(a\tb\rc\nd\r\ne)"},
    {"paste: no key inside is a key", {"\x1b[200~/quit\x03\x17\x7fx\x1b[201~"}, "Paste(/quitx)"},
    {"paste: escape sequences inside are left out",
     {"\x1b[200~a\x1b[31mb\x1b[0m\x1b[1;5Dc\x1b[201~"},
     "Paste(abc)"},
    {"paste: an ESC starting no CSI is left out", {"\x1b[200~a\x1bxb\x1b[201~"}, "Paste(axb)"},
    {"paste: Enter as a function key is a line break",
     {"\x1b[200~a", fn(kEnter), "b\x1b[201~"},
     "Paste(a\nb)"},
    {"paste: other function keys are left out",
     {"\x1b[200~a", fn(kLeft), "b\x1b[201~"},
     "Paste(ab)"},
    {"paste: UTF-8", {"\x1b[200~日本 é\x1b[201~"}, "Paste(日本 é)"},
    {"paste: empty", {"\x1b[200~\x1b[201~"}, "Paste()"},
    {"keys again after the paste", {"\x1b[200~a\x1b[201~\t\x1b[1;5D"}, "Paste(a) Tab CtrlLeft"},
    {"paste split over many feeds",
     {"\x1b", "[", "20", "0~", "x", "\x1b[", "201", "~"},
     "Paste(x)"},
    {"a stray paste end is dropped", {"\x1b[201~", "a"}, "Char(a)"},
    {"a paste start with a modifier is no paste", {"\x1b[200;5~", "a"}, "Char(a)"},
};

}  // namespace

BOOST_AUTO_TEST_CASE(sequences_decode_to_keys) {
    for (const Case& c : kCases) {
        BOOST_TEST_CONTEXT(c.name) {
            KeyDecoder decoder(table());
            std::vector<Key> out;
            feed(decoder, c.in, out);
            BOOST_TEST(describe(out) == c.keys);
            BOOST_TEST(!decoder.midSequence());
            BOOST_TEST(!decoder.inPaste());
        }
    }
}

BOOST_AUTO_TEST_CASE(bindings_of_modified_keys) {
    struct Bind {
        KeyCode key;
        unsigned modifiers;
        std::string keys;  // "" when unbound
    };
    const std::vector<Bind> cases = {
        {KeyCode::Left, 0, "Left"},
        {KeyCode::Left, mod::kShift, "Left"},
        {KeyCode::Left, mod::kCtrl, "CtrlLeft"},
        {KeyCode::Left, mod::kCtrl | mod::kShift, "CtrlLeft"},
        {KeyCode::Left, mod::kAlt, "AltLeft"},
        {KeyCode::Left, mod::kMeta, "AltLeft"},
        {KeyCode::Left, mod::kAlt | mod::kCtrl, ""},
        {KeyCode::Right, mod::kCtrl, "CtrlRight"},
        {KeyCode::Right, mod::kAlt, "AltRight"},
        {KeyCode::Delete, mod::kCtrl, "CtrlDelete"},
        {KeyCode::Delete, mod::kAlt, ""},
        {KeyCode::Backspace, mod::kAlt, "AltBackspace"},
        {KeyCode::Backspace, mod::kCtrl, ""},
        {KeyCode::PageUp, mod::kShift, "PageUp"},
        {KeyCode::PageDown, mod::kShift, "PageDown"},
        {KeyCode::PageUp, mod::kCtrl, ""},
        {KeyCode::Up, mod::kAlt, ""},
        {KeyCode::Home, mod::kCtrl, ""},
    };
    for (const Bind& b : cases) {
        BOOST_TEST_CONTEXT(name(b.key) << " with modifiers " << b.modifiers) {
            const auto key = KeyDecoder::bind(b.key, b.modifiers);
            BOOST_TEST(describe(key ? std::vector<Key>{*key} : std::vector<Key>{}) == b.keys);
        }
    }
}

BOOST_AUTO_TEST_CASE(an_unfinished_sequence_is_dropped_on_flush) {
    KeyDecoder decoder(table());
    std::vector<Key> out;
    feed(decoder, {"\x1b[1;5"}, out);
    BOOST_TEST(decoder.midSequence());
    decoder.flush(out);
    BOOST_TEST(!decoder.midSequence());
    feed(decoder, {"D"}, out);  // what comes after is a key of its own
    BOOST_TEST(describe(out) == "Char(D)");
}

BOOST_AUTO_TEST_CASE(a_lone_esc_waits_as_an_alt_prefix) {
    KeyDecoder decoder(table());
    std::vector<Key> out;
    feed(decoder, {"\x1b"}, out);
    BOOST_TEST(!decoder.midSequence());  // typed by hand: no timeout drops it
    feed(decoder, {"2"}, out);
    BOOST_TEST(describe(out) == "AltDigit(2)");
}

BOOST_AUTO_TEST_CASE(a_paste_without_its_end_is_delivered_on_flush) {
    KeyDecoder decoder(table());
    std::vector<Key> out;
    feed(decoder, {"\x1b[200~one\rtwo"}, out);
    BOOST_TEST(out.empty());
    BOOST_TEST(decoder.inPaste());
    BOOST_TEST(!decoder.midSequence());
    decoder.flush(out);
    BOOST_TEST(describe(out) == "Paste(one\rtwo)");
    feed(decoder, {"\t"}, out);
    BOOST_TEST(describe(out) == "Paste(one\rtwo) Tab");
}

BOOST_AUTO_TEST_CASE(a_paste_over_the_limit_keeps_one_byte_more) {
    KeyDecoder decoder(table());
    std::vector<Key> out;
    feed(decoder, {"\x1b[200~"}, out);
    for (std::size_t i = 0; i < paste::kMaxBytes + 100; ++i) {
        decoder.feedChar('x', out);
    }
    feed(decoder, {"\x1b[201~"}, out);
    BOOST_REQUIRE(out.size() == 1u);
    BOOST_TEST(out[0].text.size() == paste::kMaxBytes + 1);
}

#define BOOST_TEST_MODULE ValidationTest
#include <boost/test/data/monomorphic.hpp>
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include <google/protobuf/descriptor.h>

#include "hermes/protocol/Limits.hpp"
#include "hermes/protocol/ProtocolError.hpp"
#include "hermes/protocol/Validation.hpp"

namespace bdata = boost::unit_test::data;
using hermes::protocol::checkNick;
using hermes::protocol::checkOptionalText;
using hermes::protocol::checkRoom;
using hermes::protocol::checkText;
using hermes::protocol::kDefaultMaxTextBytes;
using hermes::protocol::kMaxNickBytes;
using hermes::protocol::kMaxRoomBytes;

namespace {

// One row of a table: an input and, for a rejected one, a fragment the error
// text must contain so that the user learns what to change.
struct Case {
    std::string name;
    std::string input;
    std::string hint;  // empty: the input is valid
};

std::ostream& operator<<(std::ostream& out, const Case& c) {
    return out << c.name;
}

// Checks a verdict against a row: accepted, or rejected with `code` and a text
// that carries the row's hint.
void expectVerdict(const std::optional<hermes::protocol::ProtocolError>& verdict, const Case& c,
                   hermes::v1::ErrorCode code) {
    if (c.hint.empty()) {
        BOOST_TEST(!verdict.has_value(), "rejected: " << (verdict ? verdict->text : ""));
        return;
    }
    BOOST_REQUIRE_MESSAGE(verdict.has_value(),
                          "accepted, expected an error containing \"" << c.hint << "\"");
    BOOST_TEST(verdict->code == code, "code " << hermes::protocol::errorCodeName(verdict->code));
    BOOST_TEST(verdict->text.find(c.hint) != std::string::npos,
               "text \"" << verdict->text << "\" lacks \"" << c.hint << "\"");
}

const std::vector<Case> kNicks = {
    {"plain", "ana", ""},
    {"one letter", "A", ""},
    {"letters and digits", "ana42", ""},
    {"every special", "_-[]\\`^{}|", ""},
    {"underscore first", "_ana", ""},
    {"bracket first", "[ana]", ""},
    {"trailing dash", "ana-", ""},
    {"mixed case", "AnA", ""},
    {"longest", std::string(kMaxNickBytes, 'n'), ""},
    {"empty", "", "empty"},
    {"too long", std::string(kMaxNickBytes + 1, 'n'), "the most is 32"},
    {"leading digit", "1ana", "may not start with a digit"},
    {"leading dash", "-ana", "or '-'"},
    {"space", "ana bob", "byte 0x20"},
    {"bang", "ana!", "'!'"},
    {"at", "ana@host", "'@'"},
    {"dot", "ana.b", "'.'"},
    {"hash", "#ana", "'#'"},
    {"non-ASCII", "\xC3\xA9mile", "byte 0xC3"},
    {"newline", "ana\n", "byte 0x0A"},
    {"NUL", std::string("an\0a", 4), "byte 0x00"},
    {"escape", "ana\x1B", "byte 0x1B"},
    {"tells what is allowed", "ana+", "use letters, digits and _-[]\\`^{}|"},
};

const std::vector<Case> kRooms = {
    {"plain", "general", ""},
    {"with hash", "#general", ""},
    {"one char", "a", ""},
    {"dash", "dev-ops", ""},
    {"dot and digits", "v1.2", ""},
    {"underscore", "under_score", ""},
    {"leading digit is fine", "2024", ""},
    {"mixed case", "General", ""},
    {"longest", std::string(kMaxRoomBytes, 'r'), ""},
    {"longest with hash", "#" + std::string(kMaxRoomBytes, 'r'), ""},
    {"empty", "", "empty"},
    {"only a hash", "#", "empty"},
    {"two hashes", "##room", "'#'"},
    {"too long", std::string(kMaxRoomBytes + 1, 'r'), "the most is 64"},
    {"space", "my room", "byte 0x20"},
    {"slash", "r/oom", "'/'"},
    {"non-ASCII", "caf\xC3\xA9", "byte 0xC3"},
    {"NUL", std::string("ro\0om", 5), "byte 0x00"},
    {"tells what is allowed", "room!", "use letters, digits and _-."},
};

const std::vector<Case> kTexts = {
    {"ASCII", "hello, world", ""},
    {"tab allowed", "col1\tcol2", ""},
    {"Latin-1 supplement", "caf\xC3\xA9", ""},
    {"no-break space U+00A0", "\xC2\xA0", ""},
    {"largest 2-byte U+07FF", "\xDF\xBF", ""},
    {"smallest 3-byte U+0800", "\xE0\xA0\x80", ""},
    {"CJK", "\xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E", ""},
    {"before surrogates U+D7FF", "\xED\x9F\xBF", ""},
    {"after surrogates U+E000", "\xEE\x80\x80", ""},
    {"U+FFFD", "\xEF\xBF\xBD", ""},
    {"smallest 4-byte U+10000", "\xF0\x90\x80\x80", ""},
    {"emoji", "hi \xF0\x9F\x98\x80", ""},
    {"largest code point U+10FFFF", "\xF4\x8F\xBF\xBF", ""},
    {"longest", std::string(kDefaultMaxTextBytes, 't'), ""},
    {"empty", "", "message is empty"},
    {"too long", std::string(kDefaultMaxTextBytes + 1, 't'), "the most is 4096"},
    {"lone continuation byte", "a\x80", "not valid UTF-8 (at byte 1)"},
    {"overlong 2-byte C0", "\xC0\xAF", "not valid UTF-8 (at byte 0)"},
    {"overlong 2-byte C1", "ab\xC1\xBF", "not valid UTF-8 (at byte 2)"},
    {"overlong 3-byte", "\xE0\x80\xAF", "not valid UTF-8 (at byte 0)"},
    {"overlong 3-byte U+07FF", "\xE0\x9F\xBF", "not valid UTF-8 (at byte 0)"},
    {"overlong 4-byte", "\xF0\x80\x80\xAF", "not valid UTF-8 (at byte 0)"},
    {"overlong 4-byte U+FFFF", "\xF0\x8F\xBF\xBF", "not valid UTF-8 (at byte 0)"},
    {"high surrogate", "x\xED\xA0\x80", "not valid UTF-8 (at byte 1)"},
    {"low surrogate", "\xED\xBF\xBF", "not valid UTF-8 (at byte 0)"},
    {"surrogate pair as CESU-8", "\xED\xA0\xBD\xED\xB8\x80", "not valid UTF-8 (at byte 0)"},
    {"above U+10FFFF", "\xF4\x90\x80\x80", "not valid UTF-8 (at byte 0)"},
    {"lead F5", "\xF5\x80\x80\x80", "not valid UTF-8 (at byte 0)"},
    {"5-byte form", "\xF8\x88\x80\x80\x80", "not valid UTF-8 (at byte 0)"},
    {"byte FE", "\xFE", "not valid UTF-8 (at byte 0)"},
    {"byte FF", "ok\xFF", "not valid UTF-8 (at byte 2)"},
    {"truncated 2-byte at end", "abc\xC3", "not valid UTF-8 (at byte 3)"},
    {"truncated 3-byte at end", "\xE6\x97", "not valid UTF-8 (at byte 0)"},
    {"truncated 4-byte at end", "hi \xF0\x9F\x98", "not valid UTF-8 (at byte 3)"},
    {"truncated 2-byte mid-text",
     "\xC3"
     "A",
     "not valid UTF-8 (at byte 0)"},
    {"truncated 3-byte mid-text", "\xE6\x97z", "not valid UTF-8 (at byte 0)"},
    {"NUL", std::string("a\0b", 3), "control character U+0000 at byte 1"},
    {"BEL", "ding\x07", "U+0007 at byte 4"},
    {"LF", "line\nline", "U+000A at byte 4"},
    {"CR", "line\r", "U+000D"},
    {"ESC sequence", "\x1B[31mred", "U+001B at byte 0"},
    {"unit separator", "\x1F", "U+001F"},
    {"DEL", "del\x7F", "U+007F at byte 3"},
    {"C1 U+0080", "\xC2\x80", "U+0080"},
    {"C1 NEL U+0085", "a\xC2\x85", "U+0085 at byte 1"},
    {"C1 CSI U+009B",
     "\xC2\x9B"
     "31m",
     "U+009B"},
    {"C1 U+009F", "\xC2\x9F", "U+009F"},
    {"control tells what to do", "a\nb", "one line per message"},
};

}  // namespace

BOOST_DATA_TEST_CASE(nick_rules, bdata::make(kNicks), c) {
    expectVerdict(checkNick(c.input), c, hermes::v1::ERROR_CODE_INVALID_NICK);
}

BOOST_DATA_TEST_CASE(room_rules, bdata::make(kRooms), c) {
    expectVerdict(checkRoom(c.input), c, hermes::v1::ERROR_CODE_INVALID_ROOM);
}

BOOST_DATA_TEST_CASE(text_rules, bdata::make(kTexts), c) {
    expectVerdict(checkText(c.input, kDefaultMaxTextBytes), c, hermes::v1::ERROR_CODE_INVALID_TEXT);
    // The UTF-8 scan agrees with checkText about validity.
    const bool badUtf8 = c.hint.find("UTF-8") != std::string::npos;
    BOOST_TEST(hermes::protocol::isValidUtf8(c.input) == !badUtf8);
}

BOOST_AUTO_TEST_CASE(find_invalid_utf8_reports_the_offset) {
    BOOST_TEST(hermes::protocol::findInvalidUtf8("") == std::string_view::npos);
    BOOST_TEST(hermes::protocol::findInvalidUtf8("abc\xE6\x97\xA5") == std::string_view::npos);
    BOOST_TEST(hermes::protocol::findInvalidUtf8("abc\xE6\x97\xA5\xC0\xAF") == 6u);
    BOOST_TEST(hermes::protocol::findInvalidUtf8("\x80") == 0u);
    // Control characters are valid UTF-8; only checkText refuses them.
    BOOST_TEST(hermes::protocol::isValidUtf8("\x1B[0m\xC2\x85"));
}

// A UTF-8 check must not read past the end of the text: a truncated sequence
// at the very end of an exact-size heap buffer is what ASan would catch.
BOOST_AUTO_TEST_CASE(truncated_sequence_at_end_of_exact_buffer) {
    for (std::string_view tail : {"\xC3", "\xE6\x97", "\xF0\x9F\x98", "\xF4"}) {
        const std::vector<char> exact(tail.begin(), tail.end());
        const std::string_view text(exact.data(), exact.size());
        BOOST_TEST(hermes::protocol::findInvalidUtf8(text) == 0u);
        BOOST_TEST(checkText(text, kDefaultMaxTextBytes).has_value());
    }
}

BOOST_AUTO_TEST_CASE(optional_text_allows_empty_and_names_the_field) {
    BOOST_TEST(!checkOptionalText("", hermes::protocol::kMaxReasonBytes, "reason").has_value());
    const auto tooLong = checkOptionalText(std::string(hermes::protocol::kMaxReasonBytes + 1, 'r'),
                                           hermes::protocol::kMaxReasonBytes, "reason");
    BOOST_REQUIRE(tooLong.has_value());
    BOOST_TEST(tooLong->code == hermes::v1::ERROR_CODE_INVALID_TEXT);
    BOOST_TEST(tooLong->text == "reason is 257 bytes; the most is 256");

    const auto badTopic = checkOptionalText("a\x1B", 100, "topic");
    BOOST_REQUIRE(badTopic.has_value());
    BOOST_TEST(badTopic->text.starts_with("topic contains control character U+001B"));

    const auto emptyTopic = checkText("", 100, "topic");
    BOOST_REQUIRE(emptyTopic.has_value());
    BOOST_TEST(emptyTopic->text == "topic is empty");
}

// The limit is in bytes, not characters: 3 CJK characters are 9 bytes.
BOOST_AUTO_TEST_CASE(text_limit_counts_bytes) {
    const std::string cjk = "\xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E";
    BOOST_TEST(!checkText(cjk, 9).has_value());
    BOOST_TEST(checkText(cjk, 8).has_value());
}

BOOST_AUTO_TEST_CASE(nick_key_folds_ascii_case_only) {
    BOOST_TEST(hermes::protocol::nickKey("AnA") == "ana");
    BOOST_TEST(hermes::protocol::nickKey("ana") == hermes::protocol::nickKey("ANA"));
    // No RFC 1459 folding: [ and { stay different nicks.
    BOOST_TEST(hermes::protocol::nickKey("[Ana]") == "[ana]");
    BOOST_TEST(hermes::protocol::nickKey("[ana]") != hermes::protocol::nickKey("{ana}"));
    BOOST_TEST(hermes::protocol::nickKey("Z_9-`^|\\") == "z_9-`^|\\");
    BOOST_TEST(hermes::protocol::nickKey("") == "");
}

BOOST_AUTO_TEST_CASE(canonical_room_drops_hash_and_lowers) {
    BOOST_TEST(hermes::protocol::canonicalRoom("#General") == "general");
    BOOST_TEST(hermes::protocol::canonicalRoom("General") == "general");
    BOOST_TEST(hermes::protocol::canonicalRoom("Dev-Ops.2") == "dev-ops.2");
    BOOST_TEST(hermes::protocol::canonicalRoom("#a") == hermes::protocol::canonicalRoom("A"));
    // Only one '#' is a prefix; checkRoom refuses "##x" anyway.
    BOOST_TEST(hermes::protocol::canonicalRoom("##X") == "#x");
}

BOOST_AUTO_TEST_CASE(error_code_names_drop_the_prefix) {
    BOOST_TEST(hermes::protocol::errorCodeName(hermes::v1::ERROR_CODE_NICK_TAKEN) == "NICK_TAKEN");
    BOOST_TEST(hermes::protocol::errorCodeName(hermes::v1::ERROR_CODE_FRAME_TOO_LARGE) ==
               "FRAME_TOO_LARGE");
    BOOST_TEST(hermes::protocol::errorCodeName(hermes::v1::ERROR_CODE_UNSPECIFIED) ==
               "UNSPECIFIED");
    BOOST_TEST(hermes::protocol::errorCodeName(static_cast<hermes::v1::ErrorCode>(999)) ==
               "UNKNOWN");
}

BOOST_AUTO_TEST_CASE(every_error_code_has_a_distinct_name) {
    const auto* codes = hermes::v1::ErrorCode_descriptor();
    std::vector<std::string> names;
    for (int i = 0; i < codes->value_count(); ++i) {
        const auto* value = codes->value(i);
        const std::string name(
            hermes::protocol::errorCodeName(static_cast<hermes::v1::ErrorCode>(value->number())));
        BOOST_TEST_CONTEXT(value->name()) {
            BOOST_TEST("ERROR_CODE_" + name == value->name());
            for (const auto& other : names) {
                BOOST_TEST(other != name);
            }
        }
        names.push_back(name);
    }
    BOOST_TEST(names.size() >= 19u);
}

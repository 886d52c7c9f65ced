#define BOOST_TEST_MODULE IrcLineTest
#include <boost/test/unit_test.hpp>

#include <string>
#include <string_view>
#include <vector>

#include "hermes/irc/IrcLine.hpp"
#include "hermes/irc/IrcLineReader.hpp"
#include "hermes/irc/IrcText.hpp"

using hermes::irc::IrcLine;
using hermes::irc::IrcLineReader;
using hermes::irc::parseIrcLine;

namespace {

std::vector<IrcLineReader::Item> readAll(IrcLineReader& reader, std::vector<std::string>& lines) {
    std::vector<IrcLineReader::Item> items;
    IrcLineReader::Item item;
    while (reader.next(item)) {
        lines.emplace_back(item.line);
        items.push_back(item);
    }
    return items;
}

}  // namespace

// RFC 1459 2.3.1: prefix, command, middle params and a trailing one.
BOOST_AUTO_TEST_CASE(rfc1459_2_3_1_message_grammar) {
    const auto line = parseIrcLine(":ana!ana@host PRIVMSG #dev :hello there");
    BOOST_REQUIRE(line);
    BOOST_TEST(line->prefix == "ana!ana@host");
    BOOST_TEST(line->command == "PRIVMSG");
    BOOST_REQUIRE_EQUAL(line->params.size(), 2u);
    BOOST_TEST(line->params[0] == "#dev");
    BOOST_TEST(line->params[1] == "hello there");
    BOOST_TEST(line->trailing);

    const auto user = parseIrcLine("user  ana 0   * :Ana Lopez");
    BOOST_REQUIRE(user);
    BOOST_TEST(user->upperCommand() == "USER");
    BOOST_REQUIRE_EQUAL(user->params.size(), 4u);
    BOOST_TEST(user->params[3] == "Ana Lopez");

    BOOST_TEST(!parseIrcLine(""));
    BOOST_TEST(!parseIrcLine("   "));
    BOOST_TEST(!parseIrcLine(":prefix-only"));
}

// RFC 2812 2.3.1: at most 15 parameters; the 15th takes the rest.
BOOST_AUTO_TEST_CASE(rfc2812_2_3_1_fifteen_params) {
    std::string text = "CMD";
    for (int i = 1; i <= 17; ++i) {
        text += " p" + std::to_string(i);
    }
    const auto line = parseIrcLine(text);
    BOOST_REQUIRE(line);
    BOOST_REQUIRE_EQUAL(line->params.size(), 15u);
    BOOST_TEST(line->params[14] == "p15 p16 p17");
}

BOOST_AUTO_TEST_CASE(ircv3_message_tags_parse_and_escape) {
    const auto line = parseIrcLine(
        "@time=2026-12-05T09:00:00.000Z;hermes/seq=7;+x=a\\sb\\:c\\\\ "
        ":ana PRIVMSG #dev :hi");
    BOOST_REQUIRE(line);
    BOOST_REQUIRE_EQUAL(line->tags.size(), 3u);
    BOOST_TEST(*line->tag("hermes/seq") == "7");
    BOOST_TEST(*line->tag("+x") == "a b;c\\");
    BOOST_TEST(!line->tag("absent"));

    IrcLine out;
    out.tags = {{"hermes/seq", "7"}, {"+x", "a b;c\\"}};
    out.prefix = "ana";
    out.command = "PRIVMSG";
    out.params = {"#dev", "hi"};
    out.trailing = true;
    BOOST_TEST(out.serialize() == "@hermes/seq=7;+x=a\\sb\\:c\\\\ :ana PRIVMSG #dev :hi\r\n");
}

BOOST_AUTO_TEST_CASE(serialize_puts_colon_where_needed) {
    IrcLine line;
    line.command = "PART";
    line.params = {"#dev", ""};
    BOOST_TEST(line.serialize() == "PART #dev :\r\n");
    line.params = {"#dev", ":)"};
    BOOST_TEST(line.serialize() == "PART #dev ::)\r\n");
    line.params = {"#dev", "bye"};
    BOOST_TEST(line.serialize() == "PART #dev bye\r\n");
}

// RFC 1459 2.3: CR LF ends a message; bare LF is taken as well.
BOOST_AUTO_TEST_CASE(rfc1459_2_3_reader_cuts_lines_split_anywhere) {
    IrcLineReader reader;
    std::vector<std::string> lines;
    reader.feed("NICK an");
    BOOST_TEST(readAll(reader, lines).empty());
    reader.feed("a\r\nUSER a 0 * :A\nPI");
    reader.feed("NG x\r\n");
    readAll(reader, lines);
    BOOST_TEST(lines == (std::vector<std::string>{"NICK ana", "USER a 0 * :A", "PING x"}));
}

// RFC 1459 2.3: 512 bytes with CR LF. Longer: TooLong once, the rest to LF discarded.
BOOST_AUTO_TEST_CASE(rfc1459_2_3_line_over_512_bytes_refused) {
    IrcLineReader reader;
    const std::string fits = "PRIVMSG #a :" + std::string(510 - 12, 'x');
    reader.feed(fits + "\r\n");
    IrcLineReader::Item item;
    BOOST_REQUIRE(reader.next(item));
    BOOST_TEST((item.kind == IrcLineReader::Kind::Line));
    BOOST_TEST(item.line.size() == 510u);

    reader.feed(fits + "y\r\nPING ok\r\n");
    BOOST_REQUIRE(reader.next(item));
    BOOST_TEST((item.kind == IrcLineReader::Kind::TooLong));
    BOOST_REQUIRE(reader.next(item));
    BOOST_TEST((item.kind == IrcLineReader::Kind::Line));
    BOOST_TEST(item.line == "PING ok");

    // No line feed at all: refused at the limit, and the buffer stays small.
    for (int i = 0; i < 100; ++i) {
        reader.feed(std::string(1000, 'z'));
        while (reader.next(item)) {
            BOOST_TEST((item.kind == IrcLineReader::Kind::TooLong));
        }
        BOOST_TEST(reader.buffered() <= IrcLineReader::kMaxLineBytes + IrcLineReader::kMaxTagBytes);
    }
    reader.feed("\r\nPING after\r\n");
    BOOST_REQUIRE(reader.next(item));
    BOOST_TEST(item.line == "PING after");
}

// RFC 1459 2.3.1: NUL is never part of a message.
BOOST_AUTO_TEST_CASE(rfc1459_2_3_1_nul_byte_refused) {
    IrcLineReader reader;
    reader.feed(std::string("PRIVMSG #a :x\0y\r\nPING z\r\n", 25));
    IrcLineReader::Item item;
    BOOST_REQUIRE(reader.next(item));
    BOOST_TEST((item.kind == IrcLineReader::Kind::HasNul));
    BOOST_REQUIRE(reader.next(item));
    BOOST_TEST(item.line == "PING z");
}

BOOST_AUTO_TEST_CASE(ctcp_action_and_formatting) {
    BOOST_TEST(*hermes::irc::ctcpAction("\x01"
                                        "ACTION waves\x01") == "waves");
    BOOST_TEST(*hermes::irc::ctcpAction("\x01"
                                        "ACTION waves") == "waves");
    BOOST_TEST(!hermes::irc::ctcpAction("\x01VERSION\x01"));
    BOOST_TEST(!hermes::irc::ctcpAction("waves"));
    BOOST_TEST(hermes::irc::stripFormatting("\x02"
                                            "bold\x02 \x03"
                                            "4,12red\x03 \x1Fu\x0F.") == "bold red u.");
    BOOST_TEST(hermes::irc::sanitize(std::string("a\rb\nc\0d", 7)) == "a b c d");
}

BOOST_AUTO_TEST_CASE(split_keeps_utf8_characters_whole) {
    const std::string text =
        "ab\xC3\xA9"
        "cd\xE2\x82\xAC"
        "e";  // abécd€e
    const auto pieces = hermes::irc::splitUtf8(text, 4);
    std::string joined;
    for (const auto piece : pieces) {
        BOOST_TEST(piece.size() <= 4u);
        BOOST_TEST(!piece.empty());
        // Never starts with a continuation byte.
        BOOST_TEST((static_cast<unsigned char>(piece.front()) & 0xC0) != 0x80);
        joined += piece;
    }
    BOOST_TEST(joined == text);
    BOOST_TEST(pieces.size() == 3u);  // "ab\xC3\xA9", "cd", "\xE2\x82\xAC" "e"
}

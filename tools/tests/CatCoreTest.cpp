// The socket-free parts of hermes-cat: options, line splitting and output.
#define BOOST_TEST_MODULE CatCoreTest
#include <boost/test/unit_test.hpp>

#include <unistd.h>

#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include "CatOptions.hpp"
#include "EventPrinter.hpp"
#include "InputCommand.hpp"
#include "LineReader.hpp"

using namespace hermes::cat;

BOOST_AUTO_TEST_CASE(options_need_nick_and_room_and_canonicalise_the_room) {
    const auto o = parseCatOptions({"--nick", "ana", "--room", "#Dev", "--port", "7000",
                                    "--timeout", "2.5", "--json", "--follow"});
    BOOST_REQUIRE(o);
    BOOST_TEST(o->room == "dev");
    BOOST_TEST(o->port == 7000);
    BOOST_TEST(o->timeout.count() == 2500);
    BOOST_TEST(o->json);
    BOOST_TEST(o->follow);
    const std::vector<std::vector<std::string>> bad = {
        {"--room", "dev"},
        {"--nick", "ana"},
        {"--nick", "2ana", "--room", "dev"},
        {"--nick", "ana", "--room", "a b"},
        {"--nick", "ana", "--room", "dev", "--port", "70000"},
        {"--nick", "ana", "--room", "dev", "--timeout", "0"},
        {"--nick", "ana", "--room", "dev", "--bogus"},
    };
    for (const auto& args : bad) {
        BOOST_CHECK_THROW(parseCatOptions(args), std::invalid_argument);
    }
}

BOOST_AUTO_TEST_CASE(line_reader_splits_lines_and_keeps_the_last_unterminated_one) {
    int fds[2];
    BOOST_REQUIRE(pipe(fds) == 0);
    const std::string input = "one\r\ntwo\n\nthree";
    BOOST_REQUIRE(write(fds[1], input.data(), input.size()) == static_cast<ssize_t>(input.size()));
    close(fds[1]);
    LineReader reader(fds[0]);
    std::vector<std::string> lines;
    std::string line;
    for (int i = 0; i < 10 && !reader.atEnd(); ++i) {  // bounded: the pipe is closed
        reader.readAvailable();
        while (reader.nextLine(line)) {
            lines.push_back(line);
        }
    }
    close(fds[0]);
    BOOST_TEST(reader.atEnd());
    BOOST_TEST(lines == (std::vector<std::string>{"one", "two", "", "three"}),
               boost::test_tools::per_element());
}

hermes::v1::Envelope chat(hermes::v1::MessageKind kind, const std::string& text) {
    hermes::v1::Envelope envelope;
    auto* m = envelope.mutable_message();
    m->set_room("dev");
    m->set_seq(3);
    m->set_epoch(9);
    m->set_time_ms(1700000000123);
    m->set_from("ana");
    m->set_kind(kind);
    m->set_text(text);
    return envelope;
}

BOOST_AUTO_TEST_CASE(plain_output_reads_like_a_chat) {
    std::ostringstream out;
    std::ostringstream err;
    EventPrinter printer(out, err, false, false);
    printer.print(chat(hermes::v1::MESSAGE_KIND_TEXT, "hi"));
    printer.print(chat(hermes::v1::MESSAGE_KIND_ACTION, "waves"));
    hermes::v1::Envelope presence;
    presence.mutable_presence()->set_room("dev");
    presence.mutable_presence()->set_kind(hermes::v1::PRESENCE_KIND_JOINED);
    presence.mutable_presence()->add_nicks("bob");
    presence.mutable_presence()->add_nicks("cy");
    printer.print(presence);
    hermes::v1::Envelope error;
    error.mutable_error()->set_code(hermes::v1::ERROR_CODE_INVALID_TEXT);
    error.mutable_error()->set_text("too long");
    printer.print(error);
    const std::string clock = EventPrinter::clockTime(1700000000123);
    BOOST_TEST(out.str() == "[" + clock + "] <ana> hi\n[" + clock +
                                "] * ana waves\n-- bob joined\n-- cy joined\n");
    BOOST_TEST(err.str().find("INVALID_TEXT") != std::string::npos);
}

hermes::v1::Envelope topicOf(const std::string& room, const std::string& text,
                             const std::string& by, std::int64_t timeMs) {
    hermes::v1::Envelope envelope;
    auto* t = envelope.mutable_topic();
    t->set_room(room);
    t->set_text(text);
    t->set_set_by(by);
    t->set_time_ms(timeMs);
    return envelope;
}

// On connect the hub joins hermes-cat to its default room (Topic), then
// hermes-cat's own Join of that room re-sends the same Topic: printed once.
BOOST_AUTO_TEST_CASE(a_topic_sent_again_unchanged_is_printed_once) {
    for (const bool json : {false, true}) {
        BOOST_TEST_CONTEXT((json ? "json" : "plain")) {
            std::ostringstream out;
            std::ostringstream err;
            EventPrinter printer(out, err, json, false);
            printer.print(topicOf("lobby", "release Friday", "ana", 1000));
            printer.print(topicOf("lobby", "release Friday", "ana", 1000));
            printer.print(topicOf("dev", "release Friday", "ana", 1000));  // another room
            printer.print(topicOf("lobby", "release Monday", "bob", 2000));
            printer.print(topicOf("lobby", "release Monday", "bob", 2000));
            printer.print(topicOf("lobby", "release Monday", "cy", 3000));  // set again
            std::vector<std::string> lines;
            std::istringstream in(out.str());
            for (std::string line; std::getline(in, line);) {
                lines.push_back(line);
            }
            BOOST_TEST_REQUIRE(lines.size() == 4u);
            if (!json) {
                BOOST_TEST(lines[0] == "-- topic of lobby: release Friday (set by ana)");
                BOOST_TEST(lines[1] == "-- topic of dev: release Friday (set by ana)");
                BOOST_TEST(lines[2] == "-- topic of lobby: release Monday (set by bob)");
                BOOST_TEST(lines[3] == "-- topic of lobby: release Monday (set by cy)");
            }
        }
    }
}

BOOST_AUTO_TEST_CASE(away_and_back_presence_read_like_a_chat) {
    std::ostringstream out;
    std::ostringstream err;
    EventPrinter printer(out, err, false, false);
    hermes::v1::Envelope away;
    away.mutable_presence()->set_room("dev");
    away.mutable_presence()->set_kind(hermes::v1::PRESENCE_KIND_AWAY);
    away.mutable_presence()->add_nicks("bob");
    away.mutable_presence()->set_reason("lunch");
    printer.print(away);
    away.mutable_presence()->set_kind(hermes::v1::PRESENCE_KIND_BACK);
    away.mutable_presence()->clear_reason();
    printer.print(away);
    BOOST_TEST(out.str() == "-- bob is away: lunch\n-- bob is back\n");
    std::ostringstream json;
    EventPrinter jsonPrinter(json, err, true, false);
    jsonPrinter.print(away);
    Poco::JSON::Parser parser;
    const auto object = parser.parse(json.str()).extract<Poco::JSON::Object::Ptr>();
    BOOST_TEST(object->getValue<std::string>("kind") == "back");
}

BOOST_AUTO_TEST_CASE(json_output_is_one_parseable_object_a_line) {
    std::ostringstream out;
    std::ostringstream err;
    EventPrinter printer(out, err, true, false);
    printer.print(chat(hermes::v1::MESSAGE_KIND_TEXT, "quote \" backslash \\ tab\t é"));
    const std::string text = out.str();
    BOOST_REQUIRE(!text.empty());
    BOOST_TEST(text.back() == '\n');
    BOOST_TEST(text.find('\n') == text.size() - 1);
    Poco::JSON::Parser parser;
    const auto object = parser.parse(text).extract<Poco::JSON::Object::Ptr>();
    BOOST_TEST(object->getValue<std::string>("type") == "message");
    BOOST_TEST(object->getValue<std::string>("room") == "dev");
    BOOST_TEST(object->getValue<Poco::UInt64>("seq") == 3u);
    BOOST_TEST(object->getValue<Poco::UInt64>("epoch") == 9u);
    BOOST_TEST(object->getValue<std::string>("from") == "ana");
    BOOST_TEST(object->getValue<std::string>("kind") == "text");
    BOOST_TEST(object->getValue<std::string>("time") == "2023-11-14T22:13:20.123Z");
    BOOST_TEST(object->getValue<std::string>("text") == "quote \" backslash \\ tab\t é");
    BOOST_TEST(err.str().empty());
}

BOOST_AUTO_TEST_CASE(input_commands_become_replies_edits_deletes_and_reactions) {
    using hermes::v1::MessageKind;
    struct Case {
        std::string line;
        MessageKind kind;
        std::uint64_t replyTo;
        std::uint64_t target;
        std::string text;
    };
    const Case cases[] = {
        {"plain words", hermes::v1::MESSAGE_KIND_TEXT, 0, 0, "plain words"},
        {"/me waves", hermes::v1::MESSAGE_KIND_ACTION, 0, 0, "waves"},
        {"/reply 12 sure, at 5", hermes::v1::MESSAGE_KIND_TEXT, 12, 0, "sure, at 5"},
        {"/edit 7 fixed  spacing", hermes::v1::MESSAGE_KIND_EDIT, 0, 7, "fixed  spacing"},
        {"/delete 7", hermes::v1::MESSAGE_KIND_DELETE, 0, 7, ""},
        {"/react 3 \xF0\x9F\x91\x8D", hermes::v1::MESSAGE_KIND_REACT, 0, 3, "\xF0\x9F\x91\x8D"},
        {"/unreact 3 +1 ", hermes::v1::MESSAGE_KIND_UNREACT, 0, 3, "+1"},
        {"/shrug not a command", hermes::v1::MESSAGE_KIND_TEXT, 0, 0, "/shrug not a command"},
    };
    for (const Case& c : cases) {
        BOOST_TEST_CONTEXT(c.line) {
            const InputCommand command = parseInputLine(c.line, "dev");
            BOOST_TEST_REQUIRE(command.say.has_value());
            BOOST_TEST(command.error.empty());
            BOOST_TEST(command.say->room() == "dev");
            BOOST_TEST(command.say->kind() == c.kind);
            BOOST_TEST(command.say->reply_to() == c.replyTo);
            BOOST_TEST(command.say->target_seq() == c.target);
            BOOST_TEST(command.say->text() == c.text);
        }
    }
    for (const std::string broken :
         {"/reply", "/reply x hi", "/reply 12", "/edit 0 text", "/edit -1 text", "/delete",
          "/delete 3 now", "/react 3", "/react 3   ", "/unreact", "/me "}) {
        BOOST_TEST_CONTEXT(broken) {
            const InputCommand command = parseInputLine(broken, "dev");
            BOOST_TEST(!command.say.has_value());
            BOOST_TEST(!command.error.empty());
        }
    }
}

BOOST_AUTO_TEST_CASE(replies_edits_deletes_and_reactions_print_plain_and_json) {
    std::ostringstream out;
    std::ostringstream err;
    EventPrinter printer(out, err, false, false);
    hermes::v1::Envelope reply = chat(hermes::v1::MESSAGE_KIND_TEXT, "yes");
    reply.mutable_message()->set_reply_to(2);
    hermes::v1::Envelope edit = chat(hermes::v1::MESSAGE_KIND_EDIT, "hello");
    edit.mutable_message()->set_target_seq(2);
    hermes::v1::Envelope del = chat(hermes::v1::MESSAGE_KIND_DELETE, "deleted message 2");
    del.mutable_message()->set_target_seq(2);
    hermes::v1::Envelope react = chat(hermes::v1::MESSAGE_KIND_REACT, "reacted ok to message 2");
    react.mutable_message()->set_target_seq(2);
    react.mutable_message()->set_reaction("ok");
    for (const auto* e : {&reply, &edit, &del, &react}) {
        printer.print(*e);
    }
    const std::string clock = "[" + EventPrinter::clockTime(1700000000123) + "] ";
    BOOST_TEST(out.str() == clock + "<ana> (re 2) yes\n" + clock + "-- ana edited 2: hello\n" +
                                clock + "-- ana deleted 2\n" + clock + "-- ana reacted ok to 2\n");

    std::ostringstream json;
    EventPrinter jsonPrinter(json, err, true, false);
    jsonPrinter.print(react);
    jsonPrinter.print(reply);
    std::istringstream lines(json.str());
    std::string line;
    Poco::JSON::Parser parser;
    std::getline(lines, line);
    const auto r = parser.parse(line).extract<Poco::JSON::Object::Ptr>();
    BOOST_TEST(r->getValue<std::string>("kind") == "react");
    BOOST_TEST(r->getValue<Poco::UInt64>("target_seq") == 2u);
    BOOST_TEST(r->getValue<std::string>("reaction") == "ok");
    BOOST_TEST(!r->has("reply_to"));
    std::getline(lines, line);
    parser.reset();
    const auto y = parser.parse(line).extract<Poco::JSON::Object::Ptr>();
    BOOST_TEST(y->getValue<std::string>("kind") == "text");
    BOOST_TEST(y->getValue<Poco::UInt64>("reply_to") == 2u);
    BOOST_TEST(!y->has("target_seq"));
    BOOST_TEST(err.str().empty());
}

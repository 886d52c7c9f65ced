// Registered nicks and private hubs in hermes-tui: /register, /identify and
// /password reach the hub and their passwords are masked while typed, never
// shown in a window and never kept in the input history; a registered nick
// or a private hub makes the model ask for the password with hidden input.
#define BOOST_TEST_MODULE ChatModelAccountsTest
#include "model/ChatModel.hpp"

#include <boost/test/unit_test.hpp>

#include <string>

#include "FakeHub.hpp"
#include "OnlineModel.hpp"
#include "TestLocale.hpp"
#include "model/CommandParser.hpp"

using namespace hermes::tui;
using namespace hermes::tui::test;
using hermes::client::Event;
using hermes::client::EventKind;
namespace v1 = hermes::v1;

BOOST_TEST_GLOBAL_FIXTURE(Utf8Locale);

namespace {

void typeOnly(ChatModel& model, const std::string& text, SteadyTime now) {
    std::size_t len = 0;
    for (std::size_t pos = 0; pos < text.size(); pos += len) {
        Key k;
        k.ch = utf8::decode(text, pos, len);
        model.handleKey(k, now);
    }
}

void press(ChatModel& model, KeyCode code, SteadyTime now) {
    Key k;
    k.code = code;
    model.handleKey(k, now);
}

// True if any window shows `secret` anywhere.
bool shown(const ChatModel& model, const std::string& secret) {
    for (const auto& b : model.buffers()) {
        for (const auto& line : b->lines()) {
            if (line.text.find(secret) != std::string::npos) {
                return true;
            }
        }
    }
    return false;
}

Event rejected(v1::ErrorCode code, const std::string& text) {
    Event e;
    e.kind = EventKind::NickRejected;
    e.envelope = std::make_unique<v1::Envelope>();
    e.envelope->mutable_error()->set_code(code);
    e.envelope->mutable_error()->set_text(text);
    return e;
}

}  // namespace

BOOST_AUTO_TEST_CASE(parser_reads_the_account_commands) {
    auto c = CommandParser::parse("/register hunter2");
    BOOST_TEST((c.kind == CommandKind::Register));
    BOOST_TEST(c.text == "hunter2");
    c = CommandParser::parse("/identify hunter2");
    BOOST_TEST((c.kind == CommandKind::Identify));
    BOOST_TEST(c.arg.empty());
    BOOST_TEST(c.text == "hunter2");
    c = CommandParser::parse("/identify ana hunter2");
    BOOST_TEST(c.arg == "ana");
    BOOST_TEST(c.text == "hunter2");
    c = CommandParser::parse("/password old new");
    BOOST_TEST((c.kind == CommandKind::Password));
    BOOST_TEST(c.arg == "old");
    BOOST_TEST(c.text == "new");
    BOOST_TEST((CommandParser::parse("/password old").kind == CommandKind::Invalid));
    BOOST_TEST((CommandParser::parse("/register").kind == CommandKind::Invalid));
    BOOST_TEST((CommandParser::parse("/register a b").kind == CommandKind::Invalid));
    // Where the secret starts: after the command, or after /identify's nick.
    BOOST_TEST(CommandParser::secretFrom("/register hunter2").value() == 10u);
    BOOST_TEST(CommandParser::secretFrom("/identify ana hunter2  ").value() == 14u);
    BOOST_TEST(!CommandParser::secretFrom("/join lobby").has_value());
    BOOST_TEST(!CommandParser::secretFrom("//register x").has_value());
}

BOOST_AUTO_TEST_CASE(register_masks_and_forgets_the_password) {
    Online o;
    typeOnly(o.model, "/register hunter2", o.t0);
    BOOST_TEST(o.model.inputShown() == "/register *******");
    BOOST_TEST(o.model.inputCursorColumn() == 17);
    press(o.model, KeyCode::Enter, o.t0);
    BOOST_TEST_REQUIRE(o.hub.calls.size() == 1u);
    BOOST_TEST(o.hub.calls[0] == "register hunter2");
    BOOST_TEST(!shown(o.model, "hunter2"));
    // Not in the input history: Up brings back nothing.
    press(o.model, KeyCode::Up, o.t0);
    BOOST_TEST(o.model.editor().text().empty());

    v1::Envelope reply;
    reply.mutable_account_reply()->set_event(v1::ACCOUNT_EVENT_REGISTERED);
    reply.mutable_account_reply()->set_account("ana");
    reply.mutable_account_reply()->set_text("nick ana is registered to you");
    o.envelope(reply);
    BOOST_TEST(shown(o.model, "nick ana is registered to you"));
}

BOOST_AUTO_TEST_CASE(identify_and_password_reach_the_hub) {
    Online o;
    o.run("/identify bob s3cret");
    o.run("/password old n3w");
    BOOST_TEST_REQUIRE(o.hub.calls.size() == 2u);
    BOOST_TEST(o.hub.calls[0] == "identify bob s3cret");
    BOOST_TEST(o.hub.calls[1] == "password old n3w");
    BOOST_TEST(!shown(o.model, "s3cret"));
    BOOST_TEST(!shown(o.model, "n3w"));
}

BOOST_AUTO_TEST_CASE(a_registered_nick_asks_for_its_password_hidden) {
    FakeHub hub;
    ChatModel model{hub, ChatModel::Settings{"127.0.0.1", 7070, "ana", "lobby",
                                             std::chrono::milliseconds{2000}}};
    SteadyTime t0{};
    model.onEvent(
        rejected(v1::ERROR_CODE_PASSWORD_REQUIRED, "nick ana is registered: send its password"),
        t0);
    BOOST_TEST((model.passwordPrompt() == ChatModel::PasswordPrompt::Nick));
    BOOST_TEST(model.inputPrompt() == "password for ana> ");
    typeOnly(model, "pässword", t0);
    BOOST_TEST(model.inputShown() == "********");  // one '*' per character
    press(model, KeyCode::Enter, t0);
    BOOST_TEST_REQUIRE(!hub.calls.empty());
    BOOST_TEST(hub.calls.back() == "retry ana with password pässword");
    BOOST_TEST(!shown(model, "pässword"));
    press(model, KeyCode::Up, t0);
    BOOST_TEST(model.editor().text().empty());

    // Wrong: asked again; an empty line goes back to choosing a nick.
    model.onEvent(rejected(v1::ERROR_CODE_WRONG_PASSWORD, "wrong password for ana"), t0);
    BOOST_TEST((model.passwordPrompt() == ChatModel::PasswordPrompt::Nick));
    press(model, KeyCode::Enter, t0);
    BOOST_TEST((model.passwordPrompt() == ChatModel::PasswordPrompt::None));
    BOOST_TEST(model.inputPrompt() == "nick> ");
}

BOOST_AUTO_TEST_CASE(a_private_hub_asks_for_its_password) {
    FakeHub hub;
    ChatModel model{hub, ChatModel::Settings{"127.0.0.1", 7070, "ana", "lobby",
                                             std::chrono::milliseconds{2000}}};
    SteadyTime t0{};
    v1::Envelope error;
    error.mutable_error()->set_code(v1::ERROR_CODE_HUB_PASSWORD);
    error.mutable_error()->set_text("wrong hub password");
    error.mutable_error()->set_fatal(true);
    model.onEnvelope(error, t0);
    Event gone;
    gone.kind = EventKind::Disconnected;
    gone.text = "closed by the hub";
    gone.willRetry = true;
    model.onEvent(gone, t0);
    BOOST_TEST((model.passwordPrompt() == ChatModel::PasswordPrompt::Hub));
    BOOST_TEST(model.inputPrompt() == "hub password> ");
    typeOnly(model, "open sesame", t0);
    BOOST_TEST(model.inputShown() == "***********");
    press(model, KeyCode::Enter, t0);
    BOOST_TEST_REQUIRE(!hub.calls.empty());
    BOOST_TEST(hub.calls.back() == "hub password open sesame");
    BOOST_TEST(!shown(model, "open sesame"));
    BOOST_TEST((model.passwordPrompt() == ChatModel::PasswordPrompt::None));
}

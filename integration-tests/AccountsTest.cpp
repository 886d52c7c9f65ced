// Owned nicks and private hubs against a real hermesd: a registered nick is
// refused without its password and with a wrong one, and taken with it;
// accounts survive a restart (and, without a database, do not); a password
// changes; SetNick to someone else's registered nick is refused until
// Identify; failed sign-ins are throttled per account and per address (and
// the figure an attacker gets is printed); a hub password admits only those
// who know it; a v1 client that knows nothing of accounts still chats on an
// open hub.
#define BOOST_TEST_MODULE AccountsTest
#include <boost/test/unit_test.hpp>

#include <stdlib.h>

#include <chrono>
#include <fstream>
#include <optional>
#include <string>

#include "BoostSupport.hpp"
#include "Frames.hpp"
#include "HubProcess.hpp"
#include "RawClient.hpp"
#include "ToolProcess.hpp"
#include "hermes/hub/PasswordHasher.hpp"
#include "hermes/test/TempDir.hpp"

using namespace std::chrono_literals;
namespace it = hermes::it;
namespace v1 = hermes::v1;

namespace {

// The first Error or Welcome, whichever comes.
it::Frame answer(it::RawClient& client, it::Deadline deadline, const std::string& what) {
    return client.expect(
        [](const it::Frame& f) { return f.envelope.has_error() || f.envelope.has_welcome(); },
        deadline, what);
}

// The N of a text that ends "retry after N ms". (Parsed by hand: GCC 12
// warns of std::regex's own internals at -O3, a false positive.)
std::chrono::milliseconds retryAfter(const v1::Error& error) {
    const std::string& text = error.text();
    constexpr std::string_view kBefore = "retry after ";
    constexpr std::string_view kAfter = " ms";
    const auto at = text.rfind(kBefore);
    BOOST_TEST_REQUIRE((at != std::string::npos && text.ends_with(kAfter)), text);
    const std::string digits =
        text.substr(at + kBefore.size(), text.size() - kAfter.size() - at - kBefore.size());
    BOOST_TEST_REQUIRE(
        (!digits.empty() && digits.find_first_not_of("0123456789") == std::string::npos), text);
    return std::chrono::milliseconds(std::stoll(digits));
}

}  // namespace

BOOST_AUTO_TEST_CASE(v1_client_without_accounts_chats_on_an_open_hub) {
    it::HubProcess hub;
    it::RawClient ana(hub.port(), "ana");
    it::RawClient bob(hub.port(), "bob");
    // helloEnvelope sets neither password nor hub_password: a v1 Hello.
    const v1::Welcome welcome = ana.hello("ana", it::after(5s));
    BOOST_TEST(welcome.account().empty());
    BOOST_TEST(welcome.accounts());
    bob.hello("bob", it::after(5s));
    ana.send(it::sayEnvelope("lobby", "hello without accounts", 1));
    bob.expect(it::isChatText("lobby", "hello without accounts"), it::after(5s), "ana's line");
    // A password for an unregistered nick is ignored.
    it::RawClient carol(hub.port(), "carol");
    carol.send(it::helloWithPasswordEnvelope("carol", "whatever"));
    BOOST_TEST(answer(carol, it::after(5s), "carol's answer").envelope.has_welcome());
}

BOOST_AUTO_TEST_CASE(registered_nick_needs_its_password) {
    it::HubProcess hub;
    it::registerNick(hub.port(), "ana", "correct horse");

    it::RawClient client(hub.port(), "client");
    client.send(it::helloEnvelope("ana"));
    auto first = answer(client, it::after(5s), "answer to a Hello without password");
    BOOST_TEST_REQUIRE(first.envelope.has_error());
    BOOST_TEST(first.envelope.error().code() == v1::ERROR_CODE_PASSWORD_REQUIRED);
    BOOST_TEST(!first.envelope.error().fatal());

    // Not fatal: the same connection tries again, wrong, then right.
    client.send(it::helloWithPasswordEnvelope("ana", "wrong horse"));
    auto second = answer(client, it::after(5s), "answer to a wrong password");
    BOOST_TEST_REQUIRE(second.envelope.has_error());
    BOOST_TEST(second.envelope.error().code() == v1::ERROR_CODE_WRONG_PASSWORD);
    BOOST_TEST(!second.envelope.error().fatal());

    client.send(it::helloWithPasswordEnvelope("ANA", "correct horse"));  // any case
    auto third = answer(client, it::after(5s), "answer to the right password");
    BOOST_TEST_REQUIRE(third.envelope.has_welcome(), it::describe(third.envelope));
    BOOST_TEST(third.envelope.welcome().account() == "ana");
    BOOST_TEST(third.envelope.welcome().nick() == "ANA");

    // Welcomed: it chats like anyone.
    client.send(it::sayEnvelope("lobby", "signed in", 1));
    client.expect(it::isChatText("lobby", "signed in"), it::after(5s), "own echo");
    BOOST_TEST(hub.log().find("correct horse") == std::string::npos);
    BOOST_TEST(hub.log().find("wrong horse") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(accounts_survive_a_restart) {
    hermes::test::TempDir dir("hermes-accounts");
    const std::string db = dir.file("hub.db");
    {
        it::HubProcess hub(it::HubProcess::Settings{{"history.path", db}});
        it::registerNick(hub.port(), "ana", "s3cret");
        BOOST_TEST(hub.stop().clean());
    }
    it::HubProcess hub(it::HubProcess::Settings{{"history.path", db}});
    it::RawClient client(hub.port(), "client");
    client.send(it::helloEnvelope("ana"));
    BOOST_TEST(answer(client, it::after(5s), "no password").envelope.error().code() ==
               v1::ERROR_CODE_PASSWORD_REQUIRED);
    client.send(it::helloWithPasswordEnvelope("ana", "s3cret"));
    auto welcome = answer(client, it::after(5s), "right password after restart");
    BOOST_TEST_REQUIRE(welcome.envelope.has_welcome(), it::describe(welcome.envelope));
    BOOST_TEST(welcome.envelope.welcome().account() == "ana");
    // The database holds a hash, not the password.
    BOOST_TEST(hub.log().find("1 registered nicks") != std::string::npos, hub.logTail());
}

BOOST_AUTO_TEST_CASE(without_a_database_accounts_last_until_the_restart) {
    {
        it::HubProcess hub(it::HubProcess::Settings{{"history.persist", "false"}});
        it::registerNick(hub.port(), "ana", "s3cret");
        BOOST_TEST(hub.log().find("accounts in memory only") != std::string::npos);
    }
    it::HubProcess hub(it::HubProcess::Settings{{"history.persist", "false"}});
    it::RawClient client(hub.port(), "client");
    BOOST_TEST(client.hello("ana", it::after(5s)).account().empty());
}

BOOST_AUTO_TEST_CASE(password_changes) {
    it::HubProcess hub;
    it::registerNick(hub.port(), "ana", "old-one");
    it::RawClient ana(hub.port(), "ana");
    ana.send(it::helloWithPasswordEnvelope("ana", "old-one"));
    BOOST_TEST_REQUIRE(answer(ana, it::after(5s), "welcome").envelope.has_welcome());
    ana.send(it::changePasswordEnvelope("not-it", "new-one"));
    BOOST_TEST(ana.expect(it::isError(v1::ERROR_CODE_WRONG_PASSWORD), it::after(5s), "wrong old")
                   .envelope.error()
                   .code() == v1::ERROR_CODE_WRONG_PASSWORD);
    ana.send(it::changePasswordEnvelope("old-one", "new-one"));
    ana.expect(it::isAccountReply(v1::ACCOUNT_EVENT_PASSWORD_CHANGED), it::after(10s), "changed");
    ana.send(it::byeEnvelope("bye"));
    BOOST_TEST_REQUIRE(ana.waitClosed(it::after(5s)));

    it::RawClient again(hub.port(), "again");
    again.send(it::helloWithPasswordEnvelope("ana", "old-one"));
    BOOST_TEST(answer(again, it::after(5s), "old password").envelope.error().code() ==
               v1::ERROR_CODE_WRONG_PASSWORD);
    again.send(it::helloWithPasswordEnvelope("ana", "new-one"));
    BOOST_TEST(answer(again, it::after(5s), "new password").envelope.has_welcome());
}

BOOST_AUTO_TEST_CASE(set_nick_to_a_registered_nick_needs_identify) {
    it::HubProcess hub;
    it::registerNick(hub.port(), "ana", "hers");
    it::RawClient bob(hub.port(), "bob");
    bob.hello("bob", it::after(5s));
    bob.send(it::setNickEnvelope("ana"));
    bob.expect(it::isError(v1::ERROR_CODE_PASSWORD_REQUIRED), it::after(5s), "SetNick refused");
    // Registering a nick someone else owns, or identifying wrongly, fails too.
    bob.send(it::identifyEnvelope("ana", "guess"));
    bob.expect(it::isError(v1::ERROR_CODE_WRONG_PASSWORD), it::after(5s), "wrong identify");
    bob.send(it::identifyEnvelope("nobody", "guess"));
    bob.expect(it::isError(v1::ERROR_CODE_NOT_REGISTERED), it::after(5s), "no such account");
    bob.send(it::identifyEnvelope("ana", "hers"));
    const auto identified =
        bob.expect(it::isAccountReply(v1::ACCOUNT_EVENT_IDENTIFIED), it::after(5s), "identified");
    BOOST_TEST(identified.envelope.account_reply().account() == "ana");
    bob.send(it::setNickEnvelope("ana"));
    bob.expect(
        [](const it::Frame& f) {
            return f.envelope.has_presence() && f.envelope.presence().room().empty() &&
                   f.envelope.presence().new_nick() == "ana";
        },
        it::after(5s), "nick changed to ana");
    // Its own nick now: registering it again is refused.
    bob.send(it::registerEnvelope("another"));
    bob.expect(it::isError(v1::ERROR_CODE_ALREADY_REGISTERED), it::after(5s), "already registered");
}

BOOST_AUTO_TEST_CASE(failed_sign_ins_are_throttled) {
    // Three failures allowed, then one attempt per 5 s: the three guesses
    // (each an Argon2id hash) and the next attempt fit in that on a loaded
    // machine, where one second might not.
    it::HubProcess hub({{"accounts.sign_in_burst", "3"}, {"accounts.sign_in_per_minute", "12"}});
    it::registerNick(hub.port(), "ana", "right");
    it::registerNick(hub.port(), "cy", "cys");

    it::RawClient mallory(hub.port(), "mallory");
    for (int i = 0; i < 3; ++i) {
        mallory.send(it::helloWithPasswordEnvelope("ana", "guess" + std::to_string(i)));
        BOOST_TEST(answer(mallory, it::after(5s), "guess").envelope.error().code() ==
                   v1::ERROR_CODE_WRONG_PASSWORD);
    }
    // Out of tokens: even the right password is refused, unhashed.
    const auto start = std::chrono::steady_clock::now();
    mallory.send(it::helloWithPasswordEnvelope("ana", "right"));
    const auto throttled = answer(mallory, it::after(5s), "throttled");
    BOOST_TEST_REQUIRE(throttled.envelope.has_error());
    BOOST_TEST(throttled.envelope.error().code() == v1::ERROR_CODE_SIGN_IN_THROTTLED);
    BOOST_TEST(!throttled.envelope.error().fatal());
    const auto wait = retryAfter(throttled.envelope.error());
    BOOST_TEST(wait.count() > 0);
    BOOST_TEST(wait <= 5000ms);

    // Per address: another account from the same address is throttled too.
    it::RawClient other(hub.port(), "other");
    other.send(it::helloWithPasswordEnvelope("cy", "cys"));
    BOOST_TEST(answer(other, it::after(5s), "per address").envelope.error().code() ==
               v1::ERROR_CODE_SIGN_IN_THROTTLED);

    // Once the delay has passed the right password is taken. Retried until
    // the deadline: each refusal is unhashed and costs no token.
    std::optional<it::Frame> welcome;
    int refusals = 0;
    const auto deadline = it::after(15s);
    while (!welcome && std::chrono::steady_clock::now() < deadline) {
        mallory.send(it::helloWithPasswordEnvelope("ana", "right"));
        auto reply = answer(mallory, deadline, "retry");
        if (reply.envelope.has_welcome()) {
            welcome = reply;
        } else {
            BOOST_TEST_REQUIRE(reply.envelope.error().code() == v1::ERROR_CODE_SIGN_IN_THROTTLED);
            ++refusals;
            const auto again = retryAfter(reply.envelope.error());
            it::RawClient::Predicate never = [](const it::Frame&) { return false; };
            mallory.tryExpect(never, it::after(std::min<std::chrono::milliseconds>(again, 200ms)));
        }
    }
    BOOST_TEST_REQUIRE(welcome.has_value());
    BOOST_TEST(welcome->envelope.welcome().account() == "ana");
    const auto waited = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - start);
    BOOST_TEST(waited.count() >= (wait - 50ms).count());
    BOOST_TEST_MESSAGE("right password refused " << refusals << " more times before "
                                                 << wait.count() << " ms had passed");
}

// Not a timed assertion: the figure an attacker gets against one account
// with the shipped limits (5 attempts, then 6 a minute), printed.
BOOST_AUTO_TEST_CASE(brute_force_rate_is_printed) {
    it::HubProcess hub({{"accounts.sign_in_burst", "5"}, {"accounts.sign_in_per_minute", "6"}});
    it::registerNick(hub.port(), "ana", "unguessable");
    it::RawClient attacker(hub.port(), "attacker");
    int hashed = 0;
    int refused = 0;
    const auto start = std::chrono::steady_clock::now();
    const auto end = start + 2s;
    for (int i = 0; std::chrono::steady_clock::now() < end; ++i) {
        attacker.send(it::helloWithPasswordEnvelope("ana", "guess" + std::to_string(i)));
        const auto reply = answer(attacker, it::after(5s), "guess");
        BOOST_TEST_REQUIRE(reply.envelope.has_error());
        if (reply.envelope.error().code() == v1::ERROR_CODE_WRONG_PASSWORD) {
            ++hashed;
        } else {
            BOOST_TEST_REQUIRE(reply.envelope.error().code() == v1::ERROR_CODE_SIGN_IN_THROTTLED);
            ++refused;
        }
    }
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    BOOST_TEST(hashed == 5);  // the burst; the next token is 10 s away
    BOOST_TEST(refused > 0);
    BOOST_TEST_MESSAGE("brute force against one account: " << hashed << " passwords checked and "
                                                           << refused << " refused unhashed in "
                                                           << seconds << " s; sustained 0.1/s");
    std::printf("brute force: %d checked, %d refused unhashed in %.2f s (%.1f checked/s)\n", hashed,
                refused, seconds, hashed / seconds);
}

BOOST_AUTO_TEST_CASE(hub_password_admits_only_those_who_know_it) {
    it::HubProcess hub(it::HubProcess::Settings{{"hub.password", "open sesame"}});
    {
        it::RawClient none(hub.port(), "none");
        none.send(it::helloEnvelope("ana"));
        const auto error =
            none.expect(it::isError(v1::ERROR_CODE_HUB_PASSWORD), it::after(5s), "no pw");
        BOOST_TEST(error.envelope.error().fatal());
        BOOST_TEST(error.envelope.error().text().find("password") != std::string::npos);
        BOOST_TEST(none.waitClosed(it::after(5s)));
    }
    {
        it::RawClient wrong(hub.port(), "wrong");
        wrong.send(it::helloWithPasswordEnvelope("ana", {}, "open barley"));
        const auto error =
            wrong.expect(it::isError(v1::ERROR_CODE_HUB_PASSWORD), it::after(5s), "wrong pw");
        BOOST_TEST(error.envelope.error().text() == "wrong hub password");
        BOOST_TEST(wrong.waitClosed(it::after(5s)));
    }
    it::RawClient right(hub.port(), "right");
    right.send(it::helloWithPasswordEnvelope("ana", {}, "open sesame"));
    BOOST_TEST(answer(right, it::after(5s), "right pw").envelope.has_welcome());
    BOOST_TEST(hub.log().find("open barley") == std::string::npos);
    BOOST_TEST(hub.log().find("open sesame") == std::string::npos);
}

// hub.password given as an Argon2id string (hermesd --hash-password): the
// config file holds no password, the hub verifies on its hashing thread.
BOOST_AUTO_TEST_CASE(hub_password_as_a_hash) {
    const hermes::hub::PasswordHasher hasher(8192, 1);
    const auto hash = hasher.hash("open sesame");
    BOOST_TEST_REQUIRE(hash.has_value());
    it::HubProcess hub(it::HubProcess::Settings{{"hub.password", *hash}});
    {
        it::RawClient none(hub.port(), "none");
        none.send(it::helloEnvelope("ana"));
        none.expect(it::isError(v1::ERROR_CODE_HUB_PASSWORD), it::after(5s), "no pw");
        BOOST_TEST(none.waitClosed(it::after(5s)));
    }
    {
        it::RawClient wrong(hub.port(), "wrong");
        wrong.send(it::helloWithPasswordEnvelope("ana", {}, "open barley"));
        const auto error =
            wrong.expect(it::isError(v1::ERROR_CODE_HUB_PASSWORD), it::after(5s), "wrong pw");
        BOOST_TEST(error.envelope.error().fatal());
        BOOST_TEST(wrong.waitClosed(it::after(5s)));
    }
    {
        // Right, then a nick: registered on the way (the hub password is
        // checked again for each Hello of the session).
        it::RawClient owner(hub.port(), "owner");
        owner.send(it::helloWithPasswordEnvelope("ana", {}, "open sesame"));
        BOOST_TEST_REQUIRE(answer(owner, it::after(5s), "right pw").envelope.has_welcome());
        owner.send(it::registerEnvelope("anas"));
        owner.expect(it::isAccountReply(v1::ACCOUNT_EVENT_REGISTERED), it::after(10s),
                     "registered");
        owner.send(it::byeEnvelope("bye"));
        BOOST_TEST_REQUIRE(owner.waitClosed(it::after(5s)));
    }
    it::RawClient ana(hub.port(), "ana");
    ana.send(it::helloWithPasswordEnvelope("ana", {}, "open sesame"));
    BOOST_TEST(answer(ana, it::after(5s), "no nick pw").envelope.error().code() ==
               v1::ERROR_CODE_PASSWORD_REQUIRED);
    ana.send(it::helloWithPasswordEnvelope("ana", "anas", "open sesame"));
    const auto welcome = answer(ana, it::after(5s), "both passwords");
    BOOST_TEST_REQUIRE(welcome.envelope.has_welcome(), it::describe(welcome.envelope));
    BOOST_TEST(welcome.envelope.welcome().account() == "ana");
}

BOOST_AUTO_TEST_CASE(hub_password_guesses_are_throttled_per_address) {
    it::HubProcess hub({{"hub.password", "open sesame"},
                        {"accounts.sign_in_burst", "2"},
                        {"accounts.sign_in_per_minute", "1"}});
    for (int i = 0; i < 2; ++i) {
        it::RawClient guess(hub.port(), "guess");
        guess.send(it::helloWithPasswordEnvelope("ana", {}, "guess" + std::to_string(i)));
        guess.expect(it::isError(v1::ERROR_CODE_HUB_PASSWORD), it::after(5s), "wrong pw");
    }
    it::RawClient right(hub.port(), "right");
    right.send(it::helloWithPasswordEnvelope("ana", {}, "open sesame"));
    const auto error =
        right.expect(it::isError(v1::ERROR_CODE_SIGN_IN_THROTTLED), it::after(5s), "throttled");
    BOOST_TEST(error.envelope.error().fatal());
    BOOST_TEST(retryAfter(error.envelope.error()).count() > 0);
}

namespace {

std::vector<std::string> catArgs(std::uint16_t port, const std::string& nick,
                                 std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {
        HERMES_IT_HERMES_CAT, "--port", std::to_string(port), "--nick", nick, "--room", "lobby",
        "--timeout",          "10"};
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
}

// Sets an environment variable for the tools this test starts, and unsets it after.
struct ScopedEnv {
    ScopedEnv(const char* name, const std::string& value) : name_(name) {
        ::setenv(name, value.c_str(), 1);
    }
    ~ScopedEnv() { ::unsetenv(name_); }
    const char* name_;
};

}  // namespace

// hermes-cat takes the passwords from a file or the environment, never argv.
BOOST_AUTO_TEST_CASE(hermes_cat_signs_in_with_a_password_file_or_the_environment) {
    it::HubProcess hub(it::HubProcess::Settings{{"hub.password", "open sesame"}});
    hermes::test::TempDir dir("hermes-cat-password");
    {
        std::ofstream(dir.file("hub")) << "open sesame\n";
        std::ofstream(dir.file("ana")) << "anas secret\n";
    }
    {
        // No hub password: refused.
        it::ToolProcess cat(catArgs(hub.port(), "ana"), "hello\n");
        const auto exit = cat.waitExit(30s);
        BOOST_TEST_REQUIRE(exit.has_value());
        BOOST_TEST(exit->code != 0);
        BOOST_TEST(cat.err().find("HUB_PASSWORD") != std::string::npos, cat.err());
    }
    {
        // Register ana through a raw client that knows the hub password.
        it::RawClient owner(hub.port(), "owner");
        owner.send(it::helloWithPasswordEnvelope("ana", {}, "open sesame"));
        BOOST_TEST_REQUIRE(answer(owner, it::after(5s), "owner welcome").envelope.has_welcome());
        owner.send(it::registerEnvelope("anas secret"));
        owner.expect(it::isAccountReply(v1::ACCOUNT_EVENT_REGISTERED), it::after(10s),
                     "registered");
        owner.send(it::byeEnvelope("bye"));
        BOOST_TEST_REQUIRE(owner.waitClosed(it::after(5s)));
    }
    {
        // The hub password from a file, no nick password: ana is refused.
        it::ToolProcess cat(catArgs(hub.port(), "ana", {"--hub-password-file", dir.file("hub")}),
                            "hello\n");
        const auto exit = cat.waitExit(30s);
        BOOST_TEST_REQUIRE(exit.has_value());
        BOOST_TEST(exit->code == 3, "stderr: " << cat.err());
        BOOST_TEST(cat.err().find("registered") != std::string::npos, cat.err());
    }
    {
        // Both from files.
        it::ToolProcess cat(
            catArgs(hub.port(), "ana",
                    {"--hub-password-file", dir.file("hub"), "--password-file", dir.file("ana")}),
            "from a file\n");
        const auto exit = cat.waitExit(30s);
        BOOST_TEST_REQUIRE(exit.has_value());
        BOOST_TEST(exit->code == 0, "stderr: " << cat.err());
    }
    {
        // Both from the environment.
        ScopedEnv hubPassword("HERMES_HUB_PASSWORD", "open sesame");
        ScopedEnv password("HERMES_PASSWORD", "anas secret");
        it::ToolProcess cat(catArgs(hub.port(), "ana"), "from the environment\n");
        const auto exit = cat.waitExit(30s);
        BOOST_TEST_REQUIRE(exit.has_value());
        BOOST_TEST(exit->code == 0, "stderr: " << cat.err());
    }
    BOOST_TEST(hub.log().find("anas secret") == std::string::npos);
}

// Registering costs a hash and lasts: one machine registers at the sign-in
// rate (its own bucket), so it can neither keep the hashing queue full nor
// fill the book; another machine is not slowed.
BOOST_AUTO_TEST_CASE(registrations_are_throttled_per_address) {
    it::HubProcess hub({{"accounts.sign_in_burst", "2"}, {"accounts.sign_in_per_minute", "1"}});
    it::RawClient squatter(hub.port(), "squatter");
    squatter.hello("n0", it::after(5s));
    for (int i = 0; i < 2; ++i) {
        squatter.send(it::registerEnvelope("pw"));
        squatter.expect(it::isAccountReply(v1::ACCOUNT_EVENT_REGISTERED), it::after(10s),
                        "registration " + std::to_string(i));
        squatter.send(it::setNickEnvelope("n" + std::to_string(i + 1)));
        squatter.sync(it::after(5s));
    }
    squatter.send(it::registerEnvelope("pw"));
    const it::Frame refused = squatter.expect(it::isError(v1::ERROR_CODE_SIGN_IN_THROTTLED),
                                              it::after(5s), "the third registration");
    BOOST_TEST(refused.envelope.error().text().find("registrations") != std::string::npos);
    it::RawClient neighbour(hub.port(), "neighbour", 0, "127.0.0.2");
    neighbour.hello("neighbour", it::after(5s));
    neighbour.send(it::registerEnvelope("mine"));
    neighbour.expect(it::isAccountReply(v1::ACCOUNT_EVENT_REGISTERED), it::after(10s),
                     "another machine registers");
}

// Whoever registered a name in hub.operators first would be a hub operator:
// such a name is registered before it is named there, never over the wire.
BOOST_AUTO_TEST_CASE(a_hub_operators_name_is_not_registered_over_the_wire) {
    it::HubProcess hub(it::HubProcess::Settings{{"operators", "Boss"}});
    BOOST_TEST(hub.log().find("hub.operators names Boss, which is not a registered account") !=
               std::string::npos);
    it::RawClient squatter(hub.port(), "squatter");
    squatter.hello("boss", it::after(5s));
    squatter.send(it::registerEnvelope("mine now"));
    squatter.expect(it::isError(v1::ERROR_CODE_NOT_OPERATOR), it::after(5s), "refused");
    squatter.sync(it::after(5s));
    BOOST_TEST(hub.log().find("account boss") == std::string::npos);
}

// Accounts in the hub, without sockets: the Argon2id work runs on the
// hashing thread, never in the hub's call. While it runs the hub goes on
// serving everyone else, the asking session's next frames wait so it is
// still answered in order, and the answer comes back through accountsFd()
// and accountsDone(). A full hashing queue answers ACCOUNTS_BUSY unhashed.
#define BOOST_TEST_MODULE hub_accounts
#include <boost/test/unit_test.hpp>

#include <string>

#include "HubTestHarness.hpp"

using namespace hermes;
using namespace hermes::hub;
using namespace hermes::hub::test;

namespace {

v1::Envelope helloWithPassword(const std::string& nick, const std::string& password) {
    v1::Envelope e = hello(nick);
    e.mutable_hello()->set_password(password);
    return e;
}

bool hasBody(const std::vector<v1::Envelope>& frames, v1::Envelope::BodyCase body) {
    for (const auto& e : frames) {
        if (e.body_case() == body) {
            return true;
        }
    }
    return false;
}

}  // namespace

BOOST_AUTO_TEST_CASE(register_hashes_off_the_hub_thread_and_later_frames_wait) {
    HubHarness h(cheapHashes(testConfig()));
    const SessionId ana = h.login("ana");
    const SessionId bob = h.login("bob");
    h.send(ana, join("lobby"));
    h.send(bob, join("lobby"));
    h.clear(ana);
    h.clear(bob);

    h.send(ana, registerNick("pw"));
    h.send(ana, say("lobby", 1, "after register"));
    // The hub's call returned without the hash: no reply yet, and ana's Say
    // waits behind its Register.
    BOOST_TEST(h.take(ana).empty());
    // Everyone else goes on meanwhile.
    h.send(bob, say("lobby", 2, "meanwhile"));
    const auto bobSees = h.take(bob);
    BOOST_TEST(hasBody(bobSees, v1::Envelope::kMessage));

    hashingDone(h);
    const auto frames = h.take(ana);
    BOOST_TEST_REQUIRE(frames.size() >= 2u);
    // Bob's line came while it waited; then the reply, then its own Say.
    std::size_t reply = frames.size();
    std::size_t echo = frames.size();
    for (std::size_t i = 0; i < frames.size(); ++i) {
        if (frames[i].has_account_reply()) {
            reply = i;
        }
        if (frames[i].has_message() && frames[i].message().text() == "after register") {
            echo = i;
        }
    }
    BOOST_TEST_REQUIRE(reply < frames.size());
    BOOST_TEST(frames[reply].account_reply().event() == v1::ACCOUNT_EVENT_REGISTERED);
    BOOST_TEST(frames[reply].account_reply().account() == "ana");
    BOOST_TEST(echo > reply);
    BOOST_TEST(echo < frames.size());
}

BOOST_AUTO_TEST_CASE(hello_with_password_is_welcomed_when_the_hash_is_checked) {
    HubHarness h(cheapHashes(testConfig()));
    const SessionId owner = h.login("ana");
    h.send(owner, registerNick("pw"));
    hashingDone(h);
    v1::Envelope quit;
    quit.mutable_bye()->set_text("gone");
    h.send(owner, quit);

    const SessionId again = h.connect();
    h.send(again, helloWithPassword("ana", "pw"));
    BOOST_TEST(h.take(again).empty());  // not welcomed inside the hub's call
    hashingDone(h);
    const auto frames = h.take(again);
    BOOST_TEST_REQUIRE(hasBody(frames, v1::Envelope::kWelcome));
    BOOST_TEST(frames.front().welcome().account() == "ana");
}

BOOST_AUTO_TEST_CASE(a_full_hashing_queue_answers_busy_unhashed) {
    HubConfig config = cheapHashes(testConfig());
    config.maxPendingHashes = 1;
    HubHarness h(config);
    const SessionId ana = h.login("ana");
    const SessionId bob = h.login("bob");
    h.send(ana, registerNick("pw"));
    h.send(bob, registerNick("pw"));
    const auto refused = h.take(bob);
    BOOST_TEST_REQUIRE(refused.size() == 1u);
    BOOST_TEST(refused.front().error().code() == v1::ERROR_CODE_ACCOUNTS_BUSY);
    BOOST_TEST(!refused.front().error().fatal());
    hashingDone(h);
    BOOST_TEST(hasBody(h.take(ana), v1::Envelope::kAccountReply));
    // Room again: bob's second try is taken.
    h.send(bob, registerNick("pw"));
    hashingDone(h);
    BOOST_TEST(hasBody(h.take(bob), v1::Envelope::kAccountReply));
}

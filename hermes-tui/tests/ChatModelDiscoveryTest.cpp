// hermes-tui --discover to a TLS hub not yet in known_hubs: the fingerprint it
// announced on the LAN is a hint. The same certificate: the user is still
// asked (TOFU), told it is the one announced; another: refused, no question.
#define BOOST_TEST_MODULE ChatModelDiscoveryTest
#include <boost/test/unit_test.hpp>

#include <string>

#include "FakeHub.hpp"
#include "OnlineModel.hpp"
#include "TestLocale.hpp"
#include "model/ChatModel.hpp"

using namespace hermes::tui;
using namespace hermes::tui::test;
using hermes::client::Event;
using hermes::client::EventKind;

BOOST_TEST_GLOBAL_FIXTURE(Utf8Locale);

namespace {

std::string fingerprint(char fill) {
    std::string text = "SHA256:";
    for (int i = 0; i < 32; ++i) {
        text += (i > 0 ? ":" : "");
        text += std::string(2, fill);
    }
    return text;
}

Event untrusted(const std::string& presented) {
    Event e;
    e.kind = EventKind::UntrustedHub;
    e.text = "10.0.0.2:7070 is not in known_hubs; its certificate's fingerprint is " + presented;
    e.fingerprint = presented;
    e.hub = "10.0.0.2:7070";
    return e;
}

struct Discovered {
    FakeHub hub;
    ChatModel model;
    explicit Discovered(const std::string& announced)
        : model(hub, [&] {
              ChatModel::Settings settings{"10.0.0.2", 7070, "ana", "",
                                           std::chrono::milliseconds{2000}};
              settings.announcedFingerprint = announced;
              return settings;
          }()) {}
    const Buffer& status() const { return *model.buffers().at(0); }
};

}  // namespace

BOOST_AUTO_TEST_CASE(the_announced_certificate_is_still_asked_about) {
    Discovered d(fingerprint('A'));
    d.model.onEvent(untrusted(fingerprint('A')), SteadyTime{});
    BOOST_TEST(d.model.trustQuestionOpen());
    BOOST_TEST(count(d.status(), "the certificate the hub announced") == 1u);
    BOOST_TEST(count(d.status(), "Trust this hub and connect? (y/N)") == 1u);
}

BOOST_AUTO_TEST_CASE(another_certificate_than_announced_is_refused) {
    Discovered d(fingerprint('A'));
    d.model.onEvent(untrusted(fingerprint('B')), SteadyTime{});
    BOOST_TEST(!d.model.trustQuestionOpen());
    BOOST_TEST(count(d.status(), "presented another certificate: not connecting") == 1u);
    BOOST_TEST(count(d.status(), "Trust this hub") == 0u);
}

BOOST_AUTO_TEST_CASE(without_discovery_the_question_is_as_before) {
    Discovered d("");
    d.model.onEvent(untrusted(fingerprint('B')), SteadyTime{});
    BOOST_TEST(d.model.trustQuestionOpen());
    BOOST_TEST(count(d.status(), "announced") == 0u);
}

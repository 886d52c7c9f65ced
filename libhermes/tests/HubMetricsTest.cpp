// The operators' metrics (MetricsRequest, MetricsRing.cpp; docs/HUB.md
// "Metrics"): only a session signed in to an account in hub.operators is
// answered; the ring takes a sample every 10 s with the rates over its
// interval, and keeps an hour of them.
#define BOOST_TEST_MODULE hub_metrics
#include <boost/test/unit_test.hpp>

#include <string>

#include "HubTestHarness.hpp"
#include "hub/MetricsRing.hpp"

using namespace hermes;
using namespace hermes::hub;
using namespace hermes::hub::test;

namespace {

HubConfig config() {
    HubConfig c = testConfig();
    c.operators = {"Root"};
    // The ring's cases run an hour of hub time: no pings to answer.
    c.pingInterval = std::chrono::hours(10);
    c.pingTimeout = std::chrono::hours(10);
    return c;
}

v1::Envelope metricsRequest() {
    v1::Envelope e;
    e.mutable_metrics_request();
    return e;
}

// The report `id` got for its request (fails the test if there is none).
v1::MetricsReport askReport(HubHarness& h, SessionId id) {
    h.clear(id);
    h.send(id, metricsRequest());
    for (const v1::Envelope& e : h.take(id)) {
        if (e.has_metrics_report()) {
            return e.metrics_report();
        }
    }
    BOOST_FAIL("no MetricsReport");
    return {};
}

}  // namespace

BOOST_AUTO_TEST_CASE(a_session_that_is_not_a_hub_operator_is_refused) {
    HubHarness h(config());
    const SessionId ana = h.login("ana");  // no account
    const SessionId bob = h.login("bob");
    h.hub.testSignIn(bob, "bob", h.now);  // an account, not an operator
    for (const SessionId id : {ana, bob}) {
        h.clear(id);
        h.send(id, metricsRequest());
        const auto inbox = h.take(id);
        BOOST_TEST_REQUIRE(inbox.size() == 1u);
        BOOST_TEST(inbox[0].has_error());
        BOOST_TEST(inbox[0].error().code() == v1::ERROR_CODE_NOT_OPERATOR);
        BOOST_TEST(!inbox[0].error().fatal());
        BOOST_TEST(inbox[0].error().text().find("hub.operators") != std::string::npos);
    }
    // Refused, not closed: the session goes on.
    h.send(ana, say("x", 1, "still here"));
    BOOST_TEST(!h.peers[ana].closed);
}

BOOST_AUTO_TEST_CASE(an_operator_gets_samples_with_the_rates_of_each_interval) {
    HubHarness h(config());
    const SessionId root = h.login("root");
    h.hub.testSignIn(root, "root", h.now);
    const SessionId bob = h.login("bob");
    h.send(root, join("ops"));
    h.send(bob, join("ops"));

    // Interval one: 30 says from root, each delivered to root and bob.
    for (std::uint64_t i = 1; i <= 30; ++i) {
        h.send(root, say("ops", i, "m" + std::to_string(i)));
    }
    h.advance(MetricsRing::kInterval);
    // Interval two: nothing.
    h.advance(MetricsRing::kInterval);

    const v1::MetricsReport report = askReport(h, root);
    BOOST_TEST(report.interval_seconds() == 10u);
    BOOST_TEST_REQUIRE(report.samples_size() == 2);
    const v1::MetricsSample& busy = report.samples(0);
    const v1::MetricsSample& quiet = report.samples(1);
    BOOST_TEST(busy.clients() == 2u);
    BOOST_TEST(busy.deliveries_per_second() == 6.0);  // 60 deliveries in 10 s
    // 30 says, and the hellos and joins of this interval: at least 3.0/s.
    BOOST_TEST(busy.messages_in_per_second() >= 3.0);
    BOOST_TEST(quiet.deliveries_per_second() == 0.0);
    BOOST_TEST(quiet.messages_in_per_second() == 0.0);
    // Asked at the time of the second sample.
    BOOST_TEST(busy.age_ms() == 10'000u);
    BOOST_TEST(quiet.age_ms() == 0u);
    BOOST_TEST(report.now().clients() == 2u);
    BOOST_TEST(report.rooms() == h.hub.stats().rooms);
    // The memory store commits synchronously: no commits to time.
    BOOST_TEST(busy.commits() == 0u);
    BOOST_TEST(busy.commit_latency_seconds() == 0.0);
}

BOOST_AUTO_TEST_CASE(the_ring_keeps_an_hour_of_samples) {
    HubHarness h(config());
    const SessionId root = h.login("root");
    h.hub.testSignIn(root, "root", h.now);
    for (int i = 0; i < 400; ++i) {
        h.advance(MetricsRing::kInterval);
    }
    const v1::MetricsReport report = askReport(h, root);
    BOOST_TEST(report.samples_size() == static_cast<int>(MetricsRing::kSamples));
    // Oldest first, asked at the time of the newest: 359 intervals back.
    BOOST_TEST(report.samples(0).age_ms() == 3'590'000u);
    BOOST_TEST(report.samples(report.samples_size() - 1).age_ms() == 0u);
}

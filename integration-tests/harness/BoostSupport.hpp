#pragma once
// Glue between the harness and Boost.Test: tell a HubProcess that the
// current test failed, so that it prints its log tail when it stops.
//
// Threading: Boost.Test's main thread only.

#include <boost/test/framework.hpp>
#include <boost/test/results_collector.hpp>
#include <boost/test/tree/test_unit.hpp>
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <exception>

#include "HubProcess.hpp"

namespace hermes::it {

inline bool currentTestFailed() {
    const auto id = boost::unit_test::framework::current_test_case().p_id;
    return !boost::unit_test::results_collector.results(id).passed();
}

// Owns the hub of one test case; marks it failed before it stops if any
// assertion of the test failed.
struct HubGuard {
    explicit HubGuard(const HubProcess::Settings& settings = {}) : hub(settings) {}
    ~HubGuard() {
        // An exception (an expectation not met) is recorded as the case's
        // failure only after this runs.
        if (std::uncaught_exceptions() > 0 || currentTestFailed()) {
            hub.markFailed();
        }
    }
    // Stops the hub (SIGTERM) and checks it exits 0 within `grace`: every
    // test ends this way, so a hub that hangs or crashes on shutdown fails it.
    void expectCleanStop(std::chrono::milliseconds grace = std::chrono::seconds(5)) {
        const auto status = hub.stop(grace);
        BOOST_TEST(status.clean(), "hermesd should exit 0 on SIGTERM within "
                                       << grace.count() << " ms; exited=" << status.exited
                                       << " code=" << status.code << " signal=" << status.signal
                                       << " after " << status.afterSignal.count() << " ms");
    }
    HubGuard(const HubGuard&) = delete;
    HubGuard& operator=(const HubGuard&) = delete;
    HubProcess hub;
};

}  // namespace hermes::it

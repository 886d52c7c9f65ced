// hermes-cat in a pipeline, as scripts use it, against a real hermesd on the
// shipped config (5 lines a second, bursts of 10): its exit status says 0 only
// when every line is in the room, and the room's history proves it.
//
// Before issue 13, the second and third of three runs with the same nick
// exited 0 with 8 of their 20 lines delivered (the join backlog's copies of
// the first run's ids were taken for acknowledgements), and a pipe of 200
// lines was cut for flooding. The thousand-line case is labelled slow (it
// takes the rate limit's 200 s) and runs as its own CTest test.
#define BOOST_TEST_MODULE CatPipelineTest
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "BoostSupport.hpp"
#include "Frames.hpp"
#include "RawClient.hpp"
#include "ToolProcess.hpp"

using namespace std::chrono_literals;
namespace it = hermes::it;
namespace v1 = hermes::v1;

namespace {

std::vector<std::string> catArgs(std::uint16_t port, const std::string& nick,
                                 const std::string& room) {
    return {HERMES_IT_HERMES_CAT,
            "--host",
            "127.0.0.1",
            "--port",
            std::to_string(port),
            "--nick",
            nick,
            "--room",
            room,
            "--timeout",
            "10"};
}

// The texts of every message `nick` said in `room`, oldest first.
std::vector<std::string> historyOf(std::uint16_t port, const std::string& room,
                                   const std::string& nick) {
    it::RawClient reader(port, "reader");
    reader.hello("history-reader", it::after(5s));
    std::vector<std::string> texts;
    std::uint64_t after = 0;
    for (int page = 0; page < 1000; ++page) {
        reader.send(it::historyEnvelope(room, after, 0));
        const auto got = reader.expect(
            [](const it::Frame& f) {
                return f.envelope.has_history_page() && !f.envelope.history_page().backlog();
            },
            it::after(10s), "HistoryPage");
        for (const auto& m : got.envelope.history_page().messages()) {
            if (m.from() == nick) {
                texts.push_back(m.text());
            }
            after = m.seq();
        }
        if (!got.envelope.history_page().has_more()) {
            break;
        }
    }
    return texts;
}

std::string lines(const std::string& prefix, int count) {
    std::string text;
    for (int i = 1; i <= count; ++i) {
        text += prefix + std::to_string(i) + "\n";
    }
    return text;
}

v1::Stats statsOf(std::uint16_t port) {
    it::RawClient asker(port, "asker");
    asker.hello("stats-asker", it::after(5s));
    asker.send(it::statsRequestEnvelope());
    return asker.expect(it::isBody(v1::Envelope::kStats), it::after(5s), "Stats").envelope.stats();
}

}  // namespace

BOOST_AUTO_TEST_CASE(the_same_nick_three_times_every_line_in_the_room) {
    it::HubGuard guard(it::HubProcess::shippedConfig());
    const auto port = guard.hub.port();
    std::vector<std::string> expected;
    for (int run = 1; run <= 3; ++run) {
        BOOST_TEST_CONTEXT("run " << run) {
            const std::string prefix = "run " + std::to_string(run) + " line ";
            it::ToolProcess cat(catArgs(port, "hs", "lobby"), lines(prefix, 20));
            const auto exit = cat.waitExit(60s);
            BOOST_TEST_REQUIRE(exit.has_value(), "hermes-cat still runs after 60 s");
            BOOST_TEST(exit->exited);
            BOOST_TEST(exit->code == 0, "stderr: " << cat.err());
            for (int i = 1; i <= 20; ++i) {
                expected.push_back(prefix + std::to_string(i));
            }
            // Checked after each run: exit 0 means in the room now.
            BOOST_TEST(historyOf(port, "lobby", "hs") == expected,
                       boost::test_tools::per_element());
        }
    }
    const auto stats = statsOf(port);
    BOOST_TEST(stats.disconnects().count("flood") == 0u);
    guard.expectCleanStop();
}

BOOST_AUTO_TEST_CASE(a_line_the_hub_refuses_makes_the_exit_status_say_so) {
    it::HubGuard guard(it::HubProcess::shippedConfig());
    // A line over the hub's 4,096 bytes is refused (INVALID_TEXT): exit 6,
    // and the other lines still arrive.
    const std::string input = "before\n" + std::string(5000, 'x') + "\nafter\n";
    it::ToolProcess cat(catArgs(guard.hub.port(), "hs", "lobby"), input);
    const auto exit = cat.waitExit(30s);
    BOOST_TEST_REQUIRE(exit.has_value());
    BOOST_TEST(exit->code == 6, "stderr: " << cat.err());
    BOOST_TEST(cat.err().find("INVALID_TEXT") != std::string::npos, cat.err());
    BOOST_TEST(
        historyOf(guard.hub.port(), "lobby", "hs") == (std::vector<std::string>{"before", "after"}),
        boost::test_tools::per_element());
    guard.expectCleanStop();
}

BOOST_AUTO_TEST_CASE(a_thousand_lines_paced_all_delivered_none_cut,
                     *boost::unit_test::label("slow")) {
    // 1,000 lines at 5 a second: about 200 s, with progress on stderr.
    it::HubGuard guard(it::HubProcess::shippedConfig());
    const auto port = guard.hub.port();
    const auto started = it::Clock::now();
    it::ToolProcess cat(catArgs(port, "piper", "lobby"), lines("line ", 1000));
    const auto exit = cat.waitExit(330s);
    const auto took =
        std::chrono::duration_cast<std::chrono::seconds>(it::Clock::now() - started).count();
    BOOST_TEST_REQUIRE(exit.has_value(), "hermes-cat still runs after 330 s");
    BOOST_TEST_MESSAGE("1000 lines in " << took << " s");
    BOOST_TEST(exit->code == 0, "stderr tail: " << cat.err().substr(
                                    cat.err().size() > 2000 ? cat.err().size() - 2000 : 0));
    // Paced, not cut: it took the rate limit's time, and said how it went.
    BOOST_TEST(took >= 180);
    const std::string err = cat.err();
    BOOST_TEST(err.find("lines in lobby; paced to the hub's 5 lines/s") != std::string::npos, err);
    std::vector<std::string> expected;
    for (int i = 1; i <= 1000; ++i) {
        expected.push_back("line " + std::to_string(i));
    }
    BOOST_TEST(historyOf(port, "lobby", "piper") == expected, boost::test_tools::per_element());
    const auto stats = statsOf(port);
    BOOST_TEST(stats.disconnects().count("flood") == 0u);
    guard.expectCleanStop();
}

// Bad input (issue 5 item 5): the table in bad-input/cases.txt, byte-level
// frames with the reply each must get. All cases run against ONE hub, with
// one well-behaved witness client connected throughout: after every case the
// witness still sends and receives, so no case may break the hub for others.
#define BOOST_TEST_MODULE BadInputTest
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "BoostSupport.hpp"
#include "Frames.hpp"
#include "RawClient.hpp"

using namespace std::chrono_literals;
namespace it = hermes::it;
namespace v1 = hermes::v1;

namespace {

struct BadInputCase {
    std::size_t line = 0;
    std::string name;
    bool welcomed = false;  // phase "post"
    std::string bytes;
    std::string errorCode;  // "" = no Error expected by name
    std::set<std::string> flags;
    bool has(const std::string& flag) const { return flags.count(flag) != 0; }
};

std::string trim(const std::string& text) {
    const auto first = text.find_first_not_of(" \t");
    const auto last = text.find_last_not_of(" \t\r");
    return first == std::string::npos ? std::string() : text.substr(first, last - first + 1);
}

std::vector<BadInputCase> loadCases(const std::string& path) {
    std::ifstream in(path);
    if (!in) {
        throw std::runtime_error("cannot open " + path);
    }
    static const std::set<std::string> known{
        "fatal",    "nonfatal", "closed",      "open",           "eof",
        "no-error", "relayed",  "not-relayed", "topic-by-probe", "away-by-probe"};
    std::vector<BadInputCase> cases;
    std::string line;
    std::size_t number = 0;
    while (std::getline(in, line)) {
        ++number;
        if (trim(line).empty() || trim(line)[0] == '#') {
            continue;
        }
        std::vector<std::string> columns;
        std::stringstream split(line);
        for (std::string column; std::getline(split, column, '|');) {
            columns.push_back(trim(column));
        }
        const std::string where = path + ":" + std::to_string(number) + ": ";
        if (columns.size() != 4 || (columns[1] != "pre" && columns[1] != "post")) {
            throw std::runtime_error(where + "want: name | pre|post | hex | expectations");
        }
        BadInputCase c;
        c.line = number;
        c.name = columns[0];
        c.welcomed = columns[1] == "post";
        c.bytes = it::hexToBytes(columns[2]);
        std::stringstream words(columns[3]);
        for (std::string word; words >> word;) {
            if (word.starts_with("error=")) {
                c.errorCode = word.substr(6);
                v1::ErrorCode code{};
                if (!v1::ErrorCode_Parse("ERROR_CODE_" + c.errorCode, &code)) {
                    throw std::runtime_error(where + "unknown error code " + c.errorCode);
                }
            } else if (known.count(word) != 0) {
                c.flags.insert(word);
            } else {
                throw std::runtime_error(where + "unknown expectation " + word);
            }
        }
        cases.push_back(std::move(c));
    }
    return cases;
}

bool fromProbe(const it::Frame& frame, const std::string& probe) {
    return frame.envelope.has_message() && frame.envelope.message().from() == probe;
}

void runCase(const BadInputCase& c, it::HubProcess& hub, it::RawClient& witness) {
    const std::string probeNick = "probe" + std::to_string(c.line);
    it::RawClient probe(hub.port(), probeNick);
    if (c.welcomed) {
        probe.hello(probeNick, it::after(5s));
        witness.expect(it::isPresence(v1::PRESENCE_KIND_JOINED, probeNick), it::after(5s),
                       probeNick + " joining");
        probe.sync(it::after(5s));
        probe.inbox().clear();
    }
    probe.sendBytes(c.bytes);
    if (c.has("eof")) {
        probe.shutdownWrite();
    }

    if (!c.errorCode.empty()) {
        v1::ErrorCode code{};
        v1::ErrorCode_Parse("ERROR_CODE_" + c.errorCode, &code);
        const auto error = probe.tryExpect(it::isError(code), it::after(5s));
        BOOST_TEST(error.has_value(), "expected Error{"
                                          << c.errorCode << "}; got:\n"
                                          << probe.inboxSummary()
                                          << (probe.closedByPeer() ? "(closed)" : ""));
        if (error && c.has("fatal")) {
            BOOST_TEST(error->envelope.error().fatal(), "the error should be fatal");
        }
        if (error && c.has("nonfatal")) {
            BOOST_TEST(!error->envelope.error().fatal(), "the error should not be fatal");
        }
    }
    if (c.has("closed")) {
        BOOST_TEST(probe.waitClosed(it::after(5s)), "the hub should close the connection");
    }
    if (c.has("open")) {
        if (c.welcomed) {
            BOOST_CHECK_NO_THROW(probe.sync(it::after(5s)));
        } else {
            BOOST_CHECK_NO_THROW(probe.hello(probeNick, it::after(5s)));
        }
        BOOST_TEST(!probe.closedByPeer());
    }
    if (c.has("no-error")) {
        if (c.welcomed && !probe.closedByPeer()) {
            probe.sync(it::after(5s));
        }
        for (const auto& frame : probe.inbox()) {
            BOOST_TEST(!frame.envelope.has_error(), "unexpected " << it::describe(frame.envelope));
        }
    }
    if (c.has("relayed")) {
        const auto relayed = witness.tryExpect(
            [&probeNick](const it::Frame& f) { return fromProbe(f, probeNick); }, it::after(5s));
        BOOST_TEST_REQUIRE(relayed.has_value(), "the witness should receive the message");
        BOOST_TEST(
            !it::hasUnknownFields(relayed->envelope),
            "relayed with fields the hub did not validate: " << it::toHex(relayed->payload, 200));
        BOOST_TEST(relayed->payload.find("mallory") == std::string::npos,
                   "client bytes were relayed: " << it::toHex(relayed->payload, 200));
    }
    if (c.has("not-relayed")) {
        witness.sync(it::after(5s));
        for (const auto& frame : witness.inbox()) {
            BOOST_TEST(!fromProbe(frame, probeNick), "relayed: " << it::describe(frame.envelope));
            BOOST_TEST(
                !(frame.envelope.has_message() && frame.envelope.message().from() == "witness" &&
                  frame.envelope.message().client_msg_id() == 1),
                "a forged message reached the witness: " << it::describe(frame.envelope));
        }
    }
    if (c.has("topic-by-probe")) {
        const auto topic = witness.tryExpect(it::isBody(v1::Envelope::kTopic), it::after(5s));
        BOOST_TEST_REQUIRE(topic.has_value(), "the witness should see the topic change");
        BOOST_TEST(topic->envelope.topic().set_by() == probeNick);
    }
    if (c.has("away-by-probe")) {
        const auto away = witness.tryExpect(
            [&probeNick](const it::Frame& f) {
                return f.envelope.has_presence() &&
                       f.envelope.presence().kind() == v1::PRESENCE_KIND_AWAY &&
                       f.envelope.presence().nicks_size() == 1 &&
                       f.envelope.presence().nicks(0) == probeNick;
            },
            it::after(5s));
        BOOST_TEST_REQUIRE(away.has_value(), "the witness should see the probe go away");
        BOOST_TEST(away->envelope.presence().reason() == "gone");
        BOOST_TEST(
            !it::hasUnknownFields(away->envelope),
            "relayed with fields the hub did not validate: " << it::toHex(away->payload, 200));
        BOOST_TEST(away->payload.find("mallory") == std::string::npos);
    }
}

}  // namespace

BOOST_AUTO_TEST_CASE(bad_input_table) {
    const auto cases = loadCases(std::string(HERMES_IT_SOURCE_DIR) + "/bad-input/cases.txt");
    BOOST_TEST_REQUIRE(cases.size() >= 20u);
    it::HubGuard guard;
    it::RawClient witness(guard.hub.port(), "witness");
    witness.hello("witness", it::after(5s));
    std::uint64_t witnessId = 100;
    for (const auto& c : cases) {
        BOOST_TEST_CONTEXT("case " << c.name << " (cases.txt:" << c.line << ")") {
            try {
                runCase(c, guard.hub, witness);
            } catch (const std::exception& error) {
                BOOST_ERROR(error.what());
            }
            // The hub still serves everyone else.
            const std::string text = "still here after " + c.name;
            witness.send(it::sayEnvelope("lobby", text, ++witnessId));
            BOOST_REQUIRE_NO_THROW(
                witness.expect(it::isChatText("lobby", text), it::after(5s), "own echo"));
            witness.inbox().clear();
        }
    }
    guard.expectCleanStop();
}

// GET /metrics (docs/HUB.md "Metrics") against a real hermesd under traffic
// from real clients over TCP, WebSocket and IRC: every scrape parses as
// Prometheus' text format 0.0.4 (a strict parser here; promtool check
// metrics as well when $PROMTOOL or promtool in /usr/bin or /usr/local/bin
// exists: tools/install-deps.sh puts it there); the
// counters equal what the clients sent and received and what the hub's own
// Stats says; clients by transport equal the connections made; a quit and
// a failed handshake are counted by reason. And who may read it:
// metrics.allow, metrics.enabled, metrics.port.
#define BOOST_TEST_MODULE MetricsTest
#include <boost/test/unit_test.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include "BoostSupport.hpp"
#include "Frames.hpp"
#include "HttpHub.hpp"
#include "IrcClient.hpp"
#include "RawClient.hpp"
#include "WebClient.hpp"

using namespace std::chrono_literals;
namespace it = hermes::it;
namespace v1 = hermes::v1;

namespace {

constexpr auto kWait = 10s;

// One scrape, parsed strictly: each family's TYPE before its samples, every
// sample in a declared family, names and labels as the format allows,
// values that parse, no series twice, counters named _total, histograms
// with cumulative buckets in rising order ending at +Inf = _count.
struct Exposition {
    std::map<std::string, std::string> types;  // family -> counter, gauge, histogram
    std::map<std::string, double> series;      // `name{labels}` as written -> value
    std::vector<std::string> problems;

    double value(const std::string& key) const {
        const auto found = series.find(key);
        if (found == series.end()) {
            throw std::runtime_error("no series " + key);
        }
        return found->second;
    }
    std::uint64_t count(const std::string& key) const {
        return static_cast<std::uint64_t>(value(key));
    }
};

bool nameChar(char c, bool first) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' ||
           (!first && c >= '0' && c <= '9');
}

bool validName(const std::string& name) {
    if (name.empty()) {
        return false;
    }
    for (std::size_t i = 0; i < name.size(); ++i) {
        if (!nameChar(name[i], i == 0)) {
            return false;
        }
    }
    return true;
}

std::optional<double> parseValue(const std::string& text) {
    if (text == "+Inf") {
        return INFINITY;
    }
    if (text == "-Inf") {
        return -INFINITY;
    }
    if (text == "NaN") {
        return NAN;
    }
    if (text.empty()) {
        return std::nullopt;
    }
    char* end = nullptr;
    const double v = std::strtod(text.c_str(), &end);
    if (end != text.c_str() + text.size()) {
        return std::nullopt;
    }
    return v;
}

// The family a sample belongs to: its name, or its name less a histogram suffix.
std::string familyOf(const std::string& name, const std::map<std::string, std::string>& types) {
    for (const char* suffix : {"_bucket", "_sum", "_count"}) {
        const std::string s(suffix);
        if (name.size() > s.size() && name.ends_with(s)) {
            const std::string base = name.substr(0, name.size() - s.size());
            const auto t = types.find(base);
            if (t != types.end() && t->second == "histogram") {
                return base;
            }
        }
    }
    return name;
}

Exposition parseExposition(const std::string& text) {
    Exposition out;
    auto problem = [&](std::size_t line, const std::string& what) {
        out.problems.push_back("line " + std::to_string(line) + ": " + what);
    };
    if (text.empty() || text.back() != '\n') {
        out.problems.push_back("the exposition does not end with a newline");
    }
    std::set<std::string> helped;
    std::set<std::string> sampled;  // families with samples: a TYPE after them is wrong
    std::map<std::string, std::vector<std::pair<double, double>>>
        buckets;  // series base -> (le, v)
    std::size_t lineNo = 0;
    std::size_t start = 0;
    while (start < text.size()) {
        const std::size_t end = text.find('\n', start);
        const std::string line =
            text.substr(start, end == std::string::npos ? std::string::npos : end - start);
        start = end == std::string::npos ? text.size() : end + 1;
        ++lineNo;
        if (line.empty()) {
            continue;
        }
        if (line.starts_with("# HELP ") || line.starts_with("# TYPE ")) {
            const std::string rest = line.substr(7);
            const auto space = rest.find(' ');
            const std::string name = rest.substr(0, space);
            if (!validName(name) || space == std::string::npos) {
                problem(lineNo, "bad comment: " + line);
                continue;
            }
            const std::string what = rest.substr(space + 1);
            if (line[2] == 'H') {
                if (!helped.insert(name).second) {
                    problem(lineNo, "second HELP for " + name);
                }
                continue;
            }
            if (what != "counter" && what != "gauge" && what != "histogram" && what != "summary" &&
                what != "untyped") {
                problem(lineNo, "unknown type " + what);
            }
            if (out.types.contains(name) || sampled.contains(name)) {
                problem(lineNo, "TYPE for " + name + " twice or after its samples");
            }
            out.types[name] = what;
            if (what == "counter" && !name.ends_with("_total")) {
                problem(lineNo, "counter " + name + " does not end in _total");
            }
            continue;
        }
        if (line[0] == '#') {
            continue;  // another comment
        }
        // name{labels} value
        std::size_t i = 0;
        while (i < line.size() && nameChar(line[i], i == 0)) {
            ++i;
        }
        const std::string name = line.substr(0, i);
        if (!validName(name)) {
            problem(lineNo, "bad metric name: " + line);
            continue;
        }
        std::map<std::string, std::string> labels;
        if (i < line.size() && line[i] == '{') {
            ++i;
            bool ok = true;
            while (ok && i < line.size() && line[i] != '}') {
                const std::size_t nameStart = i;
                while (i < line.size() && nameChar(line[i], i == nameStart) && line[i] != ':') {
                    ++i;
                }
                const std::string label = line.substr(nameStart, i - nameStart);
                if (label.empty() || i + 1 >= line.size() || line[i] != '=' || line[i + 1] != '"') {
                    ok = false;
                    break;
                }
                i += 2;
                std::string value;
                while (i < line.size() && line[i] != '"') {
                    if (line[i] == '\\') {
                        if (i + 1 >= line.size()) {
                            ok = false;
                            break;
                        }
                        const char e = line[i + 1];
                        if (e == 'n') {
                            value += '\n';
                        } else if (e == '\\' || e == '"') {
                            value += e;
                        } else {
                            ok = false;
                            break;
                        }
                        i += 2;
                        continue;
                    }
                    value += line[i++];
                }
                if (!ok || i >= line.size()) {
                    ok = false;
                    break;
                }
                ++i;  // the closing quote
                if (!labels.emplace(label, value).second) {
                    ok = false;  // a label twice
                }
                if (i < line.size() && line[i] == ',') {
                    ++i;
                }
            }
            if (!ok || i >= line.size() || line[i] != '}') {
                problem(lineNo, "bad labels: " + line);
                continue;
            }
            ++i;
        }
        if (i >= line.size() || line[i] != ' ') {
            problem(lineNo, "no value: " + line);
            continue;
        }
        const std::string valueText = line.substr(i + 1);
        const auto value = parseValue(valueText);
        if (!value) {
            problem(lineNo, "bad value '" + valueText + "'");
            continue;
        }
        const std::string family = familyOf(name, out.types);
        if (!out.types.contains(family)) {
            problem(lineNo, "sample of " + name + " before its TYPE");
        }
        sampled.insert(family);
        const std::string key = line.substr(0, i);
        if (!out.series.emplace(key, *value).second) {
            problem(lineNo, "series twice: " + key);
        }
        if (name.ends_with("_bucket")) {
            const auto le = labels.find("le");
            const auto bound = le == labels.end() ? std::nullopt : parseValue(le->second);
            if (!bound) {
                problem(lineNo, "bucket without a numeric le: " + line);
                continue;
            }
            buckets[family].emplace_back(*bound, *value);
        }
    }
    for (const auto& [family, type] : out.types) {
        if (!helped.contains(family)) {
            out.problems.push_back("no HELP for " + family);
        }
        if (type != "histogram") {
            continue;
        }
        const auto& b = buckets[family];
        if (b.empty() || !std::isinf(b.back().first)) {
            out.problems.push_back(family + ": no +Inf bucket last");
            continue;
        }
        for (std::size_t k = 1; k < b.size(); ++k) {
            if (!(b[k].first > b[k - 1].first) || b[k].second < b[k - 1].second) {
                out.problems.push_back(family + ": buckets not rising and cumulative");
            }
        }
        const auto total = out.series.find(family + "_count");
        if (total == out.series.end() || total->second != b.back().second) {
            out.problems.push_back(family + ": _count is not the +Inf bucket");
        }
        if (!out.series.contains(family + "_sum")) {
            out.problems.push_back(family + ": no _sum");
        }
    }
    return out;
}

// GET /metrics, parsed; the format is checked on every scrape.
Exposition scrape(std::uint16_t port, std::string* raw = nullptr) {
    const it::HttpAnswer answer =
        it::httpExchange(port, it::httpGet(port, "/metrics"), it::after(kWait));
    BOOST_TEST_REQUIRE(answer.status == 200,
                       "GET /metrics: " << answer.status << " " << answer.body);
    BOOST_TEST(answer.header("content-type") == "text/plain; version=0.0.4; charset=utf-8");
    Exposition parsed = parseExposition(answer.body);
    for (const std::string& problem : parsed.problems) {
        BOOST_ERROR("exposition: " << problem);
    }
    if (raw != nullptr) {
        *raw = answer.body;
    }
    return parsed;
}

// Scrapes until `holds` (the loop publishes once a second), or fails.
Exposition scrapeUntil(std::uint16_t port, const std::function<bool(const Exposition&)>& holds,
                       const std::string& what) {
    const it::Deadline deadline = it::after(kWait);
    for (;;) {
        Exposition figures = scrape(port);
        if (holds(figures)) {
            return figures;
        }
        if (it::Clock::now() >= deadline) {
            BOOST_FAIL("the metrics never showed " << what);
        }
        std::this_thread::sleep_for(50ms);  // a poll interval, not a synchronisation
    }
}

std::string promtool() {
    if (const char* path = std::getenv("PROMTOOL"); path != nullptr && *path != '\0') {
        return path;
    }
    for (const char* path : {"/usr/bin/promtool", "/usr/local/bin/promtool"}) {
        if (std::filesystem::exists(path)) {
            return path;
        }
    }
    return "";
}

const std::string kTcp = "hermes_connections{transport=\"tcp\"}";
const std::string kWebSocket = "hermes_connections{transport=\"websocket\"}";
const std::string kIrc = "hermes_connections{transport=\"irc\"}";
const std::string kTls = "hermes_connections{transport=\"tls\"}";
const std::string kClients = "hermes_clients";
const std::string kDeliveries = "hermes_deliveries_total";
const std::string kReceived = "hermes_messages_received_total";

std::string disconnects(const std::string& reason) {
    return "hermes_disconnects_total{reason=\"" + reason + "\"}";
}

}  // namespace

BOOST_AUTO_TEST_CASE(scrapes_during_traffic_match_the_clients_and_the_hubs_stats) {
    const std::uint16_t ircPort = it::freeLoopbackPort();
    it::HttpHub web(it::HubProcess::Settings{{"irc.port", std::to_string(ircPort)}});
    const std::uint16_t port = web.httpPort;

    it::RawClient ana(web.hub().port(), "ana");
    it::RawClient bob(web.hub().port(), "bob");
    it::RawClient carol(web.hub().port(), "carol");
    it::WebClient dave(port, "dave");
    dave.open(it::after(kWait));
    ana.hello("ana", it::after(kWait));
    bob.hello("bob", it::after(kWait));
    carol.hello("carol", it::after(kWait));
    dave.hello("dave", it::after(kWait));
    it::IrcClient erin(ircPort, "erin");
    erin.registerAs("erin", "", it::after(kWait));

    // Connections by transport, as made.
    scrapeUntil(
        port,
        [](const Exposition& e) {
            return e.count(kTcp) == 3 && e.count(kWebSocket) == 1 && e.count(kIrc) == 1 &&
                   e.count(kTls) == 0 && e.count(kClients) == 5;
        },
        "3 tcp, 1 websocket, 1 irc connection and 5 clients");

    // Four members of "metrics" (erin is not), 25 says each.
    for (it::RawClient* c : {&ana, &bob, &carol}) {
        c->send(it::joinEnvelope("metrics"));
        c->expect(it::isBody(v1::Envelope::kMembers), it::after(kWait), "metrics' members");
    }
    dave.send(it::joinEnvelope("metrics"));
    dave.expect(it::isBody(v1::Envelope::kMembers), it::after(kWait), "metrics' members");
    for (it::RawClient* c : {&ana, &bob, &carol}) {
        c->sync(it::after(kWait));
    }
    dave.sync(it::after(kWait));
    const std::uint64_t deliveredBefore = scrape(port).count(kDeliveries);
    BOOST_TEST(scrape(port).count(kDeliveries) == deliveredBefore);  // quiet: no deliveries

    constexpr int kEach = 25;
    const std::vector<std::string> senders = {"ana", "bob", "carol", "dave"};
    for (int i = 1; i <= kEach; ++i) {
        const auto id = static_cast<std::uint64_t>(i);
        ana.send(it::sayEnvelope("metrics", "ana-" + std::to_string(i), id));
        bob.send(it::sayEnvelope("metrics", "bob-" + std::to_string(i), id));
        carol.send(it::sayEnvelope("metrics", "carol-" + std::to_string(i), id));
        dave.send(it::sayEnvelope("metrics", "dave-" + std::to_string(i), id));
    }
    // Mid-traffic scrapes parse too (each scrape checks the format).
    scrape(port);
    // Every member receives every message, its own echo included.
    std::uint64_t received = 0;
    for (const std::string& from : senders) {
        for (int i = 1; i <= kEach; ++i) {
            const std::string text = from + "-" + std::to_string(i);
            for (it::RawClient* c : {&ana, &bob, &carol}) {
                c->expect(it::isChatText("metrics", text), it::after(kWait), text);
                ++received;
            }
            dave.expect(it::isChatText("metrics", text), it::after(kWait), text);
            ++received;
        }
    }
    BOOST_TEST(received == 4u * 4u * kEach);
    const Exposition afterTraffic = scrapeUntil(
        port,
        [&](const Exposition& e) { return e.count(kDeliveries) >= deliveredBefore + received; },
        "the deliveries the clients received");
    BOOST_TEST(afterTraffic.count(kDeliveries) == deliveredBefore + received);

    // The hub's own Stats, then nothing more from anyone: the scrape settles
    // on exactly its figures.
    ana.send(it::statsRequestEnvelope());
    const v1::Stats stats =
        ana.expect(it::isBody(v1::Envelope::kStats), it::after(kWait), "Stats").envelope.stats();
    const Exposition settled = scrapeUntil(
        port, [&](const Exposition& e) { return e.count(kReceived) >= stats.messages_in_total(); },
        "the Stats' messages in");
    BOOST_TEST(settled.count(kReceived) == stats.messages_in_total());
    BOOST_TEST(settled.count(kDeliveries) == stats.deliveries_total());
    BOOST_TEST(settled.count(kClients) == stats.clients());
    BOOST_TEST(settled.count("hermes_rooms") == stats.rooms());
    BOOST_TEST(settled.series.contains("hermes_queued_bytes"));
    for (const auto& [reason, count] : stats.disconnects()) {
        BOOST_TEST(settled.count(disconnects(reason)) == count, reason);
    }
    // What the clients sent is in it: at least the 100 says.
    BOOST_TEST(settled.count(kReceived) >= 100u);

    // The store committed them, and timed each commit.
    BOOST_TEST(settled.count("hermes_store_commit_duration_seconds_count") >= 1u);
    BOOST_TEST(settled.value("hermes_store_commit_duration_seconds_sum") > 0.0);
    BOOST_TEST(settled.count("hermes_store_backlog") == 0u);
    BOOST_TEST(settled.count("hermes_event_loop_lag_seconds_count") >= 1u);
    const auto build =
        std::find_if(settled.series.begin(), settled.series.end(), [](const auto& e) {
            return e.first.starts_with("hermes_build_info{version=\"0.1.0\",commit=\"");
        });
    BOOST_TEST_REQUIRE((build != settled.series.end()));
    BOOST_TEST(build->second == 1.0);
    const double started = settled.value("hermes_process_start_time_seconds");
    const double nowSeconds =
        std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
    BOOST_TEST((started > nowSeconds - 600 && started <= nowSeconds));

    // A quit and a failed handshake, each counted by its reason.
    const std::uint64_t quits = settled.count(disconnects("client_quit"));
    const std::uint64_t early = settled.count(disconnects("handshake_required"));
    const std::uint64_t failures =
        settled.count("hermes_handshake_failures_total{reason=\"handshake_required\"}");
    carol.send(it::byeEnvelope("bye"));
    BOOST_TEST(carol.waitClosed(it::after(kWait)));
    it::RawClient rude(web.hub().port(), "rude");
    rude.send(it::sayEnvelope("metrics", "no hello", 1));
    BOOST_TEST(rude.waitClosed(it::after(kWait)));
    const Exposition later = scrapeUntil(
        port,
        [&](const Exposition& e) {
            return e.count(disconnects("client_quit")) == quits + 1 &&
                   e.count(disconnects("handshake_required")) == early + 1 && e.count(kTcp) == 2;
        },
        "carol's quit, the handshake failure and 2 tcp connections");
    BOOST_TEST(later.count("hermes_handshake_failures_total{reason=\"handshake_required\"}") ==
               failures + 1);

    // promtool, where it is installed: the same text passes its lint.
    std::string raw;
    scrape(port, &raw);
    const std::string tool = promtool();
    if (tool.empty()) {
        BOOST_TEST_MESSAGE("promtool not found ($PROMTOOL, /usr/bin, /usr/local/bin): not run");
        return;
    }
    const it::TempDir dir;
    dir.write("metrics.txt", raw);
    const std::string command = tool + " check metrics < '" + (dir.path / "metrics.txt").string() +
                                "' > '" + (dir.path / "promtool.out").string() + "' 2>&1";
    const int status = std::system(command.c_str());
    std::ifstream out(dir.path / "promtool.out");
    const std::string said((std::istreambuf_iterator<char>(out)), std::istreambuf_iterator<char>());
    BOOST_TEST(WIFEXITED(status));
    BOOST_TEST(WEXITSTATUS(status) == 0, "promtool check metrics: " << said);
    BOOST_TEST(said.empty(), "promtool check metrics said: " << said);
}

// IRC over TLS (irc.tls_port) counts as irc, and a TLS handshake that fails
// (plain IRC sent to the TLS port) as a handshake failure, reason "tls".
BOOST_AUTO_TEST_CASE(irc_over_tls_is_irc_and_a_failed_tls_handshake_is_counted) {
    const std::uint16_t tlsPort = it::freeLoopbackPort();
    it::HttpHub web(it::HubProcess::Settings{{"irc.tls_port", std::to_string(tlsPort)}});
    const std::uint16_t port = web.httpPort;
    const std::string kTlsFailures = "hermes_handshake_failures_total{reason=\"tls\"}";
    BOOST_TEST(scrapeUntil(
                   port, [](const Exposition&) { return true; }, "a first scrape")
                   .count(kTlsFailures) == 0u);

    it::IrcClient secure(tlsPort, "secure", 0, true);
    secure.registerAs("secure", "", it::after(kWait));
    const Exposition withSecure = scrapeUntil(
        port, [](const Exposition& f) { return f.count(kIrc) == 1; }, "the TLS IRC client as irc");
    BOOST_TEST(withSecure.count(kTcp) == 0u);

    it::RawClient plain(tlsPort, "plain");
    plain.sendBytes("NICK plain\r\nUSER plain 0 * :plain\r\n");
    scrapeUntil(
        port, [&](const Exposition& f) { return f.count(kTlsFailures) == 1; },
        "the failed TLS handshake");
}

BOOST_AUTO_TEST_CASE(metrics_allow_refuses_other_addresses) {
    it::HttpHub web(it::HubProcess::Settings{{"metrics.allow", "10.0.0.0/8, 192.168.1.7"}});
    const it::HttpAnswer answer =
        it::httpExchange(web.httpPort, it::httpGet(web.httpPort, "/metrics"), it::after(kWait));
    BOOST_TEST(answer.status == 403);
    BOOST_TEST(answer.body.find("metrics.allow") != std::string::npos);
    BOOST_TEST(answer.body.find("hermes_") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(metrics_port_serves_metrics_alone_and_enabled_false_takes_it_off_the_web) {
    const std::uint16_t metricsPort = it::freeLoopbackPort();
    it::HttpHub web(it::HubProcess::Settings{{"metrics.enabled", "false"},
                                             {"metrics.port", std::to_string(metricsPort)},
                                             {"metrics.host", "127.0.0.1"}});
    const it::HttpAnswer onWeb =
        it::httpExchange(web.httpPort, it::httpGet(web.httpPort, "/metrics"), it::after(kWait));
    BOOST_TEST(onWeb.status == 404);
    const Exposition apart = scrape(metricsPort);
    BOOST_TEST(apart.types.at("hermes_deliveries_total") == "counter");
    const it::HttpAnswer page =
        it::httpExchange(metricsPort, it::httpGet(metricsPort, "/"), it::after(kWait));
    BOOST_TEST(page.status == 404);
}

namespace {

// A TCP connection from `from` (another loopback address: the hub counts
// connections per address) to 127.0.0.1:`port` that sends `bytes` and then
// nothing: a slow client. Closed by its destructor.
class IdleConnection {
public:
    IdleConnection(const char* from, std::uint16_t port, const std::string& bytes) {
        fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        BOOST_TEST_REQUIRE(fd_ >= 0);
        sockaddr_in local{};
        local.sin_family = AF_INET;
        ::inet_pton(AF_INET, from, &local.sin_addr);
        BOOST_TEST_REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&local), sizeof local) == 0);
        sockaddr_in hub{};
        hub.sin_family = AF_INET;
        hub.sin_port = htons(port);
        ::inet_pton(AF_INET, "127.0.0.1", &hub.sin_addr);
        BOOST_TEST_REQUIRE(::connect(fd_, reinterpret_cast<sockaddr*>(&hub), sizeof hub) == 0);
        BOOST_TEST_REQUIRE(::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL) ==
                           static_cast<ssize_t>(bytes.size()));
    }
    ~IdleConnection() { ::close(fd_); }
    IdleConnection(const IdleConnection&) = delete;
    IdleConnection& operator=(const IdleConnection&) = delete;

    // True when the hub closed it before `deadline` without a byte of answer.
    bool closedUnanswered(it::Deadline deadline) {
        pollfd pfd{fd_, POLLIN, 0};
        if (::poll(&pfd, 1, it::pollTimeoutMs(deadline)) != 1) {
            return false;
        }
        char byte = 0;
        return ::recv(fd_, &byte, 1, 0) == 0;
    }

private:
    int fd_ = -1;
};

}  // namespace

// metrics.port against slow clients (a slowloris): two connections from one
// address, one idle and one sending a request's head a byte short, keep no
// scrape from another address waiting, though the listener has few threads
// (before, two such held both of its two for 10 s a read); a third from
// that address is closed unanswered (two per address), and the two are
// closed once their read times out.
BOOST_AUTO_TEST_CASE(metrics_port_answers_a_scrape_while_two_connections_sit_idle) {
    const std::uint16_t metricsPort = it::freeLoopbackPort();
    it::HttpHub web(it::HubProcess::Settings{{"metrics.port", std::to_string(metricsPort)},
                                             {"metrics.host", "127.0.0.1"}});
    scrapeUntil(
        metricsPort, [](const Exposition&) { return true; }, "a first scrape");
    const std::string host = "Host: 127.0.0.1:" + std::to_string(metricsPort) + "\r\n";
    IdleConnection idle("127.0.0.2", metricsPort, "");
    IdleConnection slow("127.0.0.2", metricsPort, "GET /metrics HTTP/1.1\r\n" + host);
    // A deadline under the old read timeout (10 s): a scrape waiting for a
    // thread the two held would miss it.
    const it::HttpAnswer answer =
        it::httpExchange(metricsPort, it::httpGet(metricsPort, "/metrics"), it::after(5s));
    BOOST_TEST(answer.status == 200, "GET /metrics: " << answer.status << " " << answer.body);
    BOOST_TEST(answer.body.find("hermes_deliveries_total") != std::string::npos);
    IdleConnection third("127.0.0.2", metricsPort, "");
    BOOST_TEST(third.closedUnanswered(it::after(kWait)));
    BOOST_TEST(idle.closedUnanswered(it::after(kWait)));
    BOOST_TEST(slow.closedUnanswered(it::after(kWait)));
    scrape(metricsPort);  // and the listener still serves
}

// etc/grafana-hermes.json: valid JSON, a data source variable its panels
// use, and a panel querying every family the hub exposes.
BOOST_AUTO_TEST_CASE(the_grafana_dashboard_has_a_panel_for_every_family) {
    it::HttpHub web(it::HubProcess::Settings{});
    const Exposition figures = scrape(web.httpPort);
    std::ifstream in(HERMES_IT_DASHBOARD);
    BOOST_TEST_REQUIRE(static_cast<bool>(in));
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    Poco::JSON::Parser parser;
    const auto dashboard = parser.parse(text).extract<Poco::JSON::Object::Ptr>();
    bool datasourceVariable = false;
    const auto variables = dashboard->getObject("templating")->getArray("list");
    for (std::size_t i = 0; i < variables->size(); ++i) {
        const auto variable = variables->getObject(static_cast<unsigned>(i));
        datasourceVariable =
            datasourceVariable || (variable->getValue<std::string>("type") == "datasource" &&
                                   variable->getValue<std::string>("name") == "datasource");
    }
    BOOST_TEST(datasourceVariable);
    std::string queries;
    const auto panels = dashboard->getArray("panels");
    for (std::size_t i = 0; i < panels->size(); ++i) {
        const auto panel = panels->getObject(static_cast<unsigned>(i));
        BOOST_TEST(panel->getObject("datasource")->getValue<std::string>("uid") == "${datasource}");
        const auto targets = panel->getArray("targets");
        for (std::size_t t = 0; t < targets->size(); ++t) {
            queries += targets->getObject(static_cast<unsigned>(t))->getValue<std::string>("expr");
            queries += '\n';
        }
    }
    BOOST_TEST(figures.types.size() >= 17u);
    for (const auto& [family, type] : figures.types) {
        BOOST_TEST(queries.find(family) != std::string::npos, family << " has no panel");
    }
}

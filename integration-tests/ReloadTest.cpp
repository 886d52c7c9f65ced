// Operating a live hub (issue 19, "Reload and checks", "Backups"): SIGHUP
// re-reads the config under live Hermes and IRC clients, `hermesd
// --check-config` reports each problem with its line, unknown keys are warned
// about at start, and `hermesd --backup` copies the history while clients
// send, to a database a hub can be started on.
#define BOOST_TEST_MODULE ReloadTest
#include <boost/test/unit_test.hpp>

#include <poll.h>
#include <sqlite3.h>

#include <atomic>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include "BoostSupport.hpp"
#include "ClientSwarm.hpp"
#include "Deadline.hpp"
#include "Frames.hpp"
#include "HubLog.hpp"
#include "HubProcess.hpp"
#include "IrcClient.hpp"
#include "RawClient.hpp"
#include "ToolProcess.hpp"
#include "hermes/hub/SqliteHistory.hpp"

namespace it = hermes::it;
namespace v1 = hermes::v1;
using namespace std::chrono_literals;

namespace {

constexpr auto kWait = 5s;

bool has(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

// Sets `changes` in a .properties file: a key's line is replaced where it
// is, a new key appended. Written whole, then renamed, so that a hub that
// reads it meanwhile sees the old file or the new, never half of one.
void rewriteConfig(const std::string& path, std::map<std::string, std::string> changes) {
    std::ifstream in(path);
    std::ostringstream out;
    std::string line;
    while (std::getline(in, line)) {
        const auto equals = line.find(" = ");
        const std::string key = equals == std::string::npos ? "" : line.substr(0, equals);
        const auto it = changes.find(key);
        if (it != changes.end()) {
            out << key << " = " << it->second << '\n';
            changes.erase(it);
        } else {
            out << line << '\n';
        }
    }
    for (const auto& [key, value] : changes) {
        out << key << " = " << value << '\n';
    }
    std::ofstream(path + ".new") << out.str();
    std::filesystem::rename(path + ".new", path);
}

std::string writeFile(const std::string& path, const std::string& text) {
    std::ofstream(path) << text;
    return path;
}

struct Run {
    int code = -1;
    std::string out;
};

// hermesd with `args`, to its exit.
Run runHermesd(std::vector<std::string> args, std::chrono::milliseconds timeout = 20s) {
    args.insert(args.begin(), it::HubProcess::binary());
    it::ToolProcess tool(args, "");
    const auto exit = tool.waitExit(timeout);
    BOOST_REQUIRE_MESSAGE(exit.has_value(), "hermesd " + args[1] + " did not exit");
    return Run{exit->exited ? exit->code : -1, tool.out() + tool.err()};
}

std::string tempDir() {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "hermes-reload-XXXXXX").string();
    BOOST_REQUIRE(::mkdtemp(pattern.data()) != nullptr);
    return pattern;
}

}  // namespace

// The MOTD and the rate limit change under a live Hermes client and a live
// IRC client: neither is disconnected, the limit that refused a burst before
// the SIGHUP lets the live clients' bursts through after it, a new client of
// each kind sees the new MOTD, and the log lists what changed and what
// needs a restart.
BOOST_AUTO_TEST_CASE(sighup_changes_motd_and_rate_under_live_clients) {
    it::IrcHub ircHub(it::HubProcess::Settings{{"motd", "before the reload"},
                                               {"rate_per_second", "1"},
                                               {"rate_burst", "3"},
                                               {"flood_backlog", "2"}});
    it::HubProcess& hub = ircHub.hub();

    it::RawClient ana(hub.port(), "ana");
    BOOST_TEST(ana.hello("ana", it::after(kWait)).motd() == "before the reload");
    ana.send(it::joinEnvelope("ops", true));
    ana.expect(it::isPresence(v1::PRESENCE_KIND_JOINED, "ana"), it::after(kWait), "ana joined");
    it::IrcClient ivy(ircHub.ircPort(), "ivy");
    ivy.registerAs("ivy", "", it::after(kWait));
    BOOST_TEST(has(ivy.expect(" 372 ", it::after(kWait)), "before the reload"));
    ivy.send("JOIN #ops");
    ivy.expect("JOIN #ops", it::after(kWait));

    // The limit as started: burst 3 + 2 waiting; a burst of 8 is a FLOOD.
    {
        it::RawClient probe(hub.port(), "probe");
        probe.hello("probe", it::after(kWait));
        probe.send(it::joinEnvelope("ops", true));
        for (int i = 0; i < 8; ++i) {
            probe.send(it::sayEnvelope("ops", "probe " + std::to_string(i), 100 + i));
        }
        probe.expect(it::isError(v1::ERROR_CODE_FLOOD), it::after(kWait), "FLOOD before reload");
    }

    rewriteConfig(hub.configPath(), {{"hub.motd", "after the reload"},
                                     {"hub.rate_per_second", "100"},
                                     {"hub.rate_burst", "50"},
                                     {"hub.flood_backlog", "20"},
                                     {"hub.max_clients", "77"}});  // needs a restart
    hub.signal(SIGHUP);
    BOOST_REQUIRE_MESSAGE(it::logShows(hub, "SIGHUP: applied: ", it::after(kWait)), hub.logTail());
    const std::string log = hub.log();
    const std::string applied = log.substr(log.find("SIGHUP: applied: "));
    const std::string appliedLine = applied.substr(0, applied.find('\n'));
    for (const char* key :
         {"hub.motd", "hub.rate_per_second", "hub.rate_burst", "hub.flood_backlog"}) {
        BOOST_TEST(has(appliedLine, key), key << " in: " << appliedLine);
    }
    BOOST_TEST(!has(appliedLine, "hub.max_clients"));
    BOOST_TEST(has(log, "need a restart (left as they were): hub.max_clients"));

    // The live Hermes client's burst of 20 is all taken now.
    for (int i = 0; i < 20; ++i) {
        ana.send(it::sayEnvelope("ops", "ana " + std::to_string(i), 200 + i));
    }
    for (int i = 0; i < 20; ++i) {
        ana.expect(it::isChatText("ops", "ana " + std::to_string(i)), it::after(kWait),
                   "ana's echo " + std::to_string(i));
    }
    // And the live IRC client's: ana receives every line.
    for (int i = 0; i < 20; ++i) {
        ivy.send("PRIVMSG #ops :ivy " + std::to_string(i));
    }
    for (int i = 0; i < 20; ++i) {
        ana.expect(it::isChatText("ops", "ivy " + std::to_string(i)), it::after(kWait),
                   "ivy's line " + std::to_string(i));
    }
    BOOST_TEST(!ana.tryExpect(it::isError(v1::ERROR_CODE_FLOOD), it::after(200ms)));
    ana.sync(it::after(kWait));
    ivy.sync(it::after(kWait));
    BOOST_TEST(!ivy.closed());

    // New clients see the new MOTD.
    it::RawClient newcomer(hub.port(), "newcomer");
    BOOST_TEST(newcomer.hello("newcomer", it::after(kWait)).motd() == "after the reload");
    it::IrcClient late(ircHub.ircPort(), "late");
    late.registerAs("late", "", it::after(kWait));
    BOOST_TEST(has(late.expect(" 372 ", it::after(kWait)), "after the reload"));
    BOOST_TEST(hub.running());
}

// A file with an error on reload changes nothing, and the log says why.
BOOST_AUTO_TEST_CASE(a_bad_file_on_reload_changes_nothing) {
    it::HubProcess hub(it::HubProcess::Settings{{"motd", "kept"}});
    it::RawClient ana(hub.port(), "ana");
    ana.hello("ana", it::after(kWait));
    rewriteConfig(hub.configPath(), {{"hub.motd", "never shown"}, {"hub.rate_burst", "lots"}});
    hub.signal(SIGHUP);
    BOOST_REQUIRE_MESSAGE(it::logShows(hub, "not applied, nothing changed: ", it::after(kWait)),
                          hub.logTail());
    BOOST_TEST(has(hub.log(), "hub.rate_burst: 'lots' is not a number"));
    it::RawClient bob(hub.port(), "bob");
    BOOST_TEST(bob.hello("bob", it::after(kWait)).motd() == "kept");
    ana.sync(it::after(kWait));
}

namespace {

std::size_t occurrences(const std::string& text, const std::string& part) {
    std::size_t count = 0;
    for (std::size_t at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) {
        ++count;
    }
    return count;
}

// A Hermes client that says hello and bye, until the hub has closed it.
bool visit(const it::HubProcess& hub, const std::string& nick) {
    it::RawClient client(hub.port(), nick);
    client.hello(nick, it::after(kWait));
    client.send(it::byeEnvelope("bye"));
    return client.waitClosed(it::after(kWait));
}

}  // namespace

// logging.loggers.root.level on SIGHUP while clients come and go on another
// thread (the loop, the acceptor pool and the signal thread log as the level
// changes; the TSan build's run of this test checks that the reload writes
// nothing they read unlocked): a session's close, logged at debug, shows
// after the reload to debug and no longer after the one back.
BOOST_AUTO_TEST_CASE(log_level_changes_on_reload_while_clients_come_and_go) {
    it::HubProcess hub;
    const std::string closing = ": closing (";  // EventLoop's debug line
    BOOST_REQUIRE(visit(hub, "early"));
    BOOST_TEST(occurrences(hub.log(), closing) == 0u);

    std::atomic<bool> stop{false};
    std::atomic<int> visits{0};
    std::thread churn([&] {
        const auto deadline = it::after(60s);
        for (int i = 0; i < 500 && !stop && it::pollTimeoutMs(deadline) > 0; ++i) {
            try {
                if (visit(hub, "churn" + std::to_string(i))) {
                    ++visits;
                }
            } catch (const std::exception&) {
                // a visit cut short: the assertions below are about the log
            }
        }
    });
    // Joined on every way out, a failed REQUIRE's included.
    struct Joiner {
        std::atomic<bool>& stop;
        std::thread& thread;
        ~Joiner() {
            stop = true;
            if (thread.joinable()) {
                thread.join();
            }
        }
    } joiner{stop, churn};

    const std::string applied = "SIGHUP: applied: logging.loggers.root.level";
    const auto reloads = [&](std::size_t count) {
        for (const auto deadline = it::after(kWait);;) {
            if (occurrences(hub.log(), applied) >= count) {
                return true;
            }
            if (it::pollTimeoutMs(deadline) == 0) {
                return false;
            }
            ::poll(nullptr, 0, 20);  // the log is a file: polled, as logShows() does
        }
    };
    rewriteConfig(hub.configPath(), {{"logging.loggers.root.level", "debug"}});
    hub.signal(SIGHUP);
    BOOST_REQUIRE_MESSAGE(reloads(1), hub.logTail());
    BOOST_REQUIRE(visit(hub, "loud"));
    BOOST_TEST(occurrences(hub.log(), closing) > 0u, hub.logTail());

    rewriteConfig(hub.configPath(), {{"logging.loggers.root.level", "information"}});
    hub.signal(SIGHUP);
    BOOST_REQUIRE_MESSAGE(reloads(2), hub.logTail());
    stop = true;
    churn.join();
    BOOST_TEST(visits > 0);
    const std::size_t before = occurrences(hub.log(), closing);
    BOOST_REQUIRE(visit(hub, "quiet"));
    BOOST_TEST(occurrences(hub.log(), closing) == before, hub.logTail());
    BOOST_TEST(hub.running());
}

// hub.operators changes by a reload: a signed-in session that was refused
// the hub-wide ban list is served it after the SIGHUP that names its
// account, without signing in again; SIGUSR1 then writes a backup to
// history.backup_dir, mode 0600.
BOOST_AUTO_TEST_CASE(operators_change_on_reload_and_sigusr1_backs_up) {
    const std::string backups = tempDir();
    it::HubProcess hub(it::HubProcess::Settings{{"history.backup_dir", backups}});
    it::registerNick(hub.port(), "root", "a long password");
    it::RawClient root(hub.port(), "root");
    root.signIn("root", "a long password", it::after(kWait));
    v1::Envelope banList;
    banList.mutable_ban_list_request()->set_room("");
    root.send(banList);
    root.expect(it::isError(v1::ERROR_CODE_NOT_OPERATOR), it::after(kWait), "not yet an operator");

    rewriteConfig(hub.configPath(), {{"hub.operators", "root"}});
    hub.signal(SIGHUP);
    BOOST_REQUIRE_MESSAGE(it::logShows(hub, "SIGHUP: applied: hub.operators", it::after(kWait)),
                          hub.logTail());
    root.send(banList);
    root.expect(it::isBody(v1::Envelope::kBanList), it::after(kWait), "the hub-wide ban list");

    hub.signal(SIGUSR1);
    BOOST_REQUIRE_MESSAGE(
        it::logShows(hub, "SIGUSR1: backed up the history to " + backups, it::after(kWait)),
        hub.logTail());
    std::vector<std::filesystem::path> copies;
    for (const auto& entry : std::filesystem::directory_iterator(backups)) {
        copies.push_back(entry.path());
    }
    BOOST_REQUIRE_EQUAL(copies.size(), 1u);
    BOOST_TEST(copies[0].filename().string().starts_with("hermes-history-"));
    const auto mode =
        std::filesystem::status(copies[0]).permissions() & std::filesystem::perms::all;
    BOOST_TEST(static_cast<unsigned>(mode) == 0600u);
    std::filesystem::remove_all(backups);
}

// --check-config: the shipped file is ok; each kind of problem is reported
// with its line and key, and any error makes the exit non-zero.
BOOST_AUTO_TEST_CASE(check_config_reports_each_problem_with_its_line) {
    const Run shipped = runHermesd(
        {"--check-config=" + std::string(HERMES_IT_SOURCE_DIR) + "/../etc/hermesd.properties"});
    BOOST_TEST(shipped.code == 0, shipped.out);
    BOOST_TEST(has(shipped.out, "hermesd.properties: ok"), shipped.out);

    const std::string dir = tempDir();
    const std::string bad = writeFile(dir + "/bad.properties",
                                      "# a bad file\n"
                                      "hub.max_clients = many\n"  // 2: type
                                      "hermesd.port = 70000\n"    // 3: range
                                      "tls.certificate = " +
                                          dir +
                                          "/hub.pem\n"  // 4: no tls.key
                                          "http.static_dir = " +
                                          dir +
                                          "/nowhere\n"                             // 5: missing
                                          "hub.mtod = hello\n"                     // 6: unknown
                                          "hub.max_text_bytes = 65536\n"           // 7: disagrees
                                          "logging.loggers.root.level = chatty\n"  // 8: bad level
                                          "metrics.allow = 10.0.0.0/33\n");  // 9: not a network
    const Run run = runHermesd({"--check-config=" + bad});
    BOOST_TEST(run.code == 78, run.out);  // EX_CONFIG
    for (const std::string& expected :
         {bad + ":2: error: hub.max_clients: 'many' is not a whole number",
          bad + ":3: error: hermesd.port: '70000' is out of range: from 0 to 65535",
          bad + ":4: error: tls.certificate: tls.certificate and tls.key go together",
          bad + ":4: error: tls.certificate: '" + dir + "/hub.pem' does not exist",
          bad + ":5: error: http.static_dir: '" + dir + "/nowhere' does not exist",
          bad + ":6: warning: hub.mtod: unknown key, ignored (did you mean hub.motd?)",
          bad + ":8: error: logging.loggers.root.level: 'chatty' is not a level",
          bad + ":9: error: metrics.allow: '10.0.0.0/33'"}) {
        BOOST_TEST(has(run.out, expected), "missing: " << expected << "\nin:\n" << run.out);
    }
    // Keys that disagree: reported on the key that must change, whose line
    // is not in this file (it is at its default).
    BOOST_TEST(has(run.out, bad + ": error: hub.max_frame_bytes: must exceed hub.max_text_bytes"),
               run.out);

    // Warnings only: exit 0.
    const std::string typo = writeFile(dir + "/typo.properties", "hub.motd = hi\nhub.motdd = hi\n");
    const Run warned = runHermesd({"--check-config=" + typo});
    BOOST_TEST(warned.code == 0, warned.out);
    BOOST_TEST(has(warned.out, typo + ":2: warning: hub.motdd: unknown key"), warned.out);
    BOOST_TEST(has(warned.out, typo + ": ok (1 warning(s))"), warned.out);
    std::filesystem::remove_all(dir);
}

// At start: an unknown key is a warning in the log (the hub runs); an error
// stops the start with --check-config's words.
BOOST_AUTO_TEST_CASE(start_warns_of_unknown_keys_and_stops_on_errors) {
    {
        it::HubProcess hub(it::HubProcess::Settings{{"hub.rate_brust", "5"}});
        BOOST_TEST(
            it::logShows(hub, "hub.rate_brust: unknown key, ignored (did you mean hub.rate_burst?)",
                         it::after(kWait)));
    }
    const std::string dir = tempDir();
    const std::string bad = writeFile(dir + "/bad.properties",
                                      "hermesd.host = 127.0.0.1\nhermesd.port = 0\n"
                                      "history.persist = false\nhub.max_clients = 0\n");
    const Run run = runHermesd({"--config=" + bad});
    BOOST_TEST(run.code == 78, run.out);
    BOOST_TEST(has(run.out, bad + ":4: error: hub.max_clients: '0' is out of range: at least 1"),
               run.out);
    std::filesystem::remove_all(dir);
}

namespace {

struct Sender {
    std::string nick;
    bool joined = false;
    std::uint64_t sent = 0;
    std::uint64_t acked = 0;
};

// The room's messages in a database file: seq -> text. Checks integrity first.
std::map<std::uint64_t, std::string> roomInDatabase(const std::string& path,
                                                    const std::string& room) {
    sqlite3* db = nullptr;
    BOOST_REQUIRE(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK);
    sqlite3_stmt* statement = nullptr;
    BOOST_REQUIRE(sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &statement, nullptr) ==
                  SQLITE_OK);
    BOOST_REQUIRE(sqlite3_step(statement) == SQLITE_ROW);
    BOOST_TEST(std::string(reinterpret_cast<const char*>(sqlite3_column_text(statement, 0))) ==
               "ok");
    sqlite3_finalize(statement);
    sqlite3_close(db);
    // Read back as a hub reads it (its messages are in blocks: docs/HUB.md).
    hermes::hub::SqliteHistoryOptions options;
    options.path = path;
    options.searchInBackground = false;
    hermes::hub::SqliteHistory history(options);
    std::map<std::uint64_t, std::string> rows;
    for (const auto& message : history.after(room, 0, 1'000'000).messages) {
        rows[message.seq()] = message.text();
    }
    return rows;
}

}  // namespace

// A backup taken while four clients send: every message acknowledged before
// the backup began is in the copy, with its text; the room's seqs are gapless
// from 1; the copy passes integrity_check; a hub started on it serves that
// history.
BOOST_AUTO_TEST_CASE(backup_under_load_restores_what_was_acked) {
    const std::string room = "load";
    std::map<std::uint64_t, std::string> ackedBefore;  // acked before the backup: seq -> text
    const std::string backupDir = tempDir();
    const std::string copy = backupDir + "/copy.db";
    std::uint64_t ackedTotal = 0;
    {
        it::HubProcess hub;
        it::ClientSwarm swarm(hub.port());
        std::vector<Sender> senders(4);
        constexpr std::uint64_t kInFlight = 4;
        // ~1 KB a message: the database outgrows one backup step (256
        // pages) before the backup, so the copy takes several steps while
        // the hub commits between them.
        const std::string padding(" " + std::string(900, 'x'));
        bool backupStarted = false;
        std::map<std::uint64_t, std::string> acked;  // every ack: seq -> text
        const auto say = [&](std::size_t i) {
            Sender& s = senders[i];
            ++s.sent;
            swarm.queue(
                i, it::sayEnvelope(room, s.nick + " " + std::to_string(s.sent) + padding, s.sent));
        };
        for (std::size_t i = 0; i < senders.size(); ++i) {
            senders[i].nick = "load" + std::to_string(i);
            swarm.add();
            swarm.queue(i, it::helloEnvelope(senders[i].nick));
            swarm.queue(i, it::joinEnvelope(room, true));
        }
        const auto onFrame = [&](std::size_t i, std::string_view payload) {
            v1::Envelope envelope;
            BOOST_REQUIRE(
                envelope.ParseFromArray(payload.data(), static_cast<int>(payload.size())));
            Sender& s = senders[i];
            if (envelope.has_presence() && !s.joined) {
                s.joined = true;
                for (std::uint64_t k = 0; k < kInFlight; ++k) {
                    say(i);
                }
            } else if (envelope.has_message() && envelope.message().from() == s.nick) {
                ++s.acked;
                acked[envelope.message().seq()] = envelope.message().text();
                if (!backupStarted || s.sent < 6000) {
                    say(i);
                }
            } else if (envelope.has_error()) {
                BOOST_FAIL(s.nick + ": " + envelope.error().ShortDebugString());
            }
        };
        // Traffic first, so that the backup has something to race.
        BOOST_REQUIRE(swarm.run(it::after(20s), onFrame, [&] { return acked.size() >= 2000; }));
        ackedBefore = acked;
        backupStarted = true;
        it::ToolProcess backup(
            {it::HubProcess::binary(), "--config=" + hub.configPath(), "--backup=" + copy}, "");
        std::optional<it::ToolProcess::Exit> exit;
        BOOST_REQUIRE(swarm.run(it::after(30s), onFrame, [&] {
            exit = backup.waitExit(0ms);
            return exit.has_value();
        }));
        BOOST_TEST_MESSAGE("backup: " << backup.out() << backup.err());
        BOOST_REQUIRE_MESSAGE(exit->exited && exit->code == 0, backup.out() + backup.err());
        // Traffic went on during the backup.
        const std::size_t duringBackup = acked.size() - ackedBefore.size();
        BOOST_TEST_MESSAGE("messages acked before the backup "
                           << ackedBefore.size() << ", while it ran " << duringBackup);
        ackedTotal = acked.size();
        BOOST_TEST(swarm.openCount() == senders.size());
    }
    BOOST_TEST(ackedTotal > ackedBefore.size());

    const auto rows = roomInDatabase(copy, room);
    BOOST_REQUIRE(!rows.empty());
    BOOST_TEST(rows.begin()->first == 1u);
    BOOST_TEST(rows.rbegin()->first == rows.size(), "seqs gapless from 1");
    for (const auto& [seq, text] : ackedBefore) {
        const auto it = rows.find(seq);
        BOOST_REQUIRE_MESSAGE(it != rows.end(), "acked seq " << seq << " missing from the copy");
        BOOST_TEST(it->second == text);
    }

    // Restore: a hub started on the copy serves that history.
    it::HubProcess restored(it::HubProcess::Settings{{"history.path", copy}});
    it::RawClient reader(restored.port(), "reader");
    reader.hello("reader", it::after(kWait));
    const std::uint64_t last = rows.rbegin()->first;
    reader.send(it::historyEnvelope(room, last - 5, 50));
    const auto page =
        reader.expect(it::isBody(v1::Envelope::kHistoryPage), it::after(kWait), "the history page");
    const auto& messages = page.envelope.history_page().messages();
    BOOST_REQUIRE_EQUAL(messages.size(), 5);
    for (const auto& message : messages) {
        BOOST_TEST(message.text() == rows.at(message.seq()));
    }
    BOOST_TEST(messages.rbegin()->seq() == last);
    std::filesystem::remove_all(backupDir);
}

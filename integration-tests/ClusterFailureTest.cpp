// The failures of issue 20, with real processes on loopback: a redis-server
// (AOF, appendfsync always), hermesd hubs with cluster.redis, and clients
// that hold the whole hub list (ClientCore, as hermes-tui and hermes-cat).
// Each case is its own CTest test, integration.cluster.<case>:
//
//   hub_kill           kill -9 one hub mid-traffic: its clients move to
//                      another hub and keep their cursors (one epoch), the
//                      other hubs' members see QUIT for them, nothing acked
//                      is lost and nothing is twice;
//   redis_kill         kill -9 Redis mid-traffic and start it again on its
//                      port and AOF: says meanwhile are refused
//                      (CLUSTER_UNAVAILABLE) or held, none acked is lost;
//   sentinel_failover  Redis under three Sentinels, the master killed, the
//                      replica promoted: the hubs follow it;
//   sentinels_hang     the three Sentinels frozen (SIGSTOP) and the master
//                      stopped: while the hub asks them in vain for a
//                      master (5 s each), its clients are still answered;
//   wait_master_kill,  cluster.replicas_acked 1 (WAIT): the master killed
//   wait_master_freeze (kill -9) or frozen (SIGSTOP) mid-traffic, the
//                      replica promoted: every acked say is in both hubs'
//                      history and the new master's stream, one seq each;
//   wait_replica_cut   the same with the replica's link cut before the
//                      master dies: what it never got was never acked nor
//                      shown, so its seqs given again fork nothing;
//   partition          one hub's link to Redis blackholed (a TcpProxy the
//                      test controls): that hub refuses says rather than
//                      stamp its own seqs, and after the heal every member
//                      of either hub has the same order.
//
// What every case checks at the end, whatever happened in between
// (checkOneOrder): every member's view of the room is one order (a seq is
// the same message everywhere), gapless from where it started; every
// acknowledged say is in the room's history exactly once; nothing is twice.
#define BOOST_TEST_MODULE ClusterFailureTest
#include <boost/test/unit_test.hpp>

#include <poll.h>
#include <signal.h>

#include <algorithm>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "BoostSupport.hpp"
#include "ClusterGuard.hpp"
#include "ClusterHubs.hpp"
#include "Frames.hpp"
#include "RawClient.hpp"
#include "RedisRequired.hpp"
#include "RedisSentinels.hpp"
#include "RedisServer.hpp"
#include "TcpProxy.hpp"
#include "hermes/client/ClientCore.hpp"

using namespace std::chrono_literals;
namespace it = hermes::it;
namespace v1 = hermes::v1;
using hermes::client::ClientCore;
using hermes::client::Event;
using hermes::client::EventKind;

namespace {

constexpr const char* kRoom = "dev";

// One client of the cluster: a ClientCore with the hub list starting at its
// own hub, and what it saw.
struct Member {
    std::string nick;
    std::size_t home = 0;  // index of its first hub
    std::unique_ptr<ClientCore> core;
    std::map<std::uint64_t, std::string> said;  // client_msg_id -> text
    std::set<std::uint64_t> acked;
    std::map<std::uint64_t, std::string> failed;    // id -> why
    std::map<std::uint64_t, std::string> seen;      // seq -> "from: text", live or caught up
    std::vector<std::string> forks;                 // one seq, two messages
    std::size_t duplicates = 0;                     // a seq handed to the member twice
    std::vector<std::string> welcomes;              // Welcomed texts (moves)
    std::vector<it::Clock::time_point> welcomedAt;  // ... and when
    std::size_t nickHeld = 0;                       // reconnects that found its nick still held
    std::set<std::string> quits;                    // nicks whose QUIT it saw in the room
    // When it saw each nick's JOINED in the room.
    std::map<std::string, std::vector<it::Clock::time_point>> joinedAt;
    std::uint64_t epoch = 0;
    std::set<std::uint64_t> epochs;
    bool joined = false;

    void see(const v1::ChatMessage& m) {
        if (m.room() != kRoom || m.seq() == 0) {
            return;
        }
        const std::string what = m.from() + ": " + m.text();
        const auto [at, fresh] = seen.emplace(m.seq(), what);
        if (!fresh) {
            ++duplicates;
            if (at->second != what) {
                forks.push_back("seq " + std::to_string(m.seq()) + " was '" + at->second +
                                "' then '" + what + "'");
            }
        }
    }

    void take(const Event& e) {
        switch (e.kind) {
            case EventKind::Welcomed:
                welcomes.push_back(e.text);
                welcomedAt.push_back(it::Clock::now());
                epoch = e.envelope->welcome().epoch();
                epochs.insert(epoch);
                break;
            case EventKind::SendAcked:
                acked.insert(e.clientMsgId);
                break;
            case EventKind::ReconnectScheduled:
                nickHeld += e.text.find("still held") != std::string::npos ? 1 : 0;
                break;
            case EventKind::SendFailed:
                failed[e.clientMsgId] = e.text;
                break;
            case EventKind::Envelope: {
                const v1::Envelope& envelope = *e.envelope;
                if (envelope.has_message()) {
                    see(envelope.message());
                } else if (envelope.has_history_page() && envelope.history_page().room() == kRoom) {
                    for (const auto& m : envelope.history_page().messages()) {
                        see(m);
                    }
                } else if (envelope.has_members() && envelope.members().room() == kRoom) {
                    joined = true;
                } else if (envelope.has_presence() && envelope.presence().room() == kRoom &&
                           envelope.presence().kind() == v1::PRESENCE_KIND_QUIT) {
                    for (const auto& quitter : envelope.presence().nicks()) {
                        quits.insert(quitter);
                    }
                } else if (envelope.has_presence() && envelope.presence().room() == kRoom &&
                           envelope.presence().kind() == v1::PRESENCE_KIND_JOINED) {
                    for (const auto& joiner : envelope.presence().nicks()) {
                        joinedAt[joiner].push_back(it::Clock::now());
                    }
                }
                break;
            }
            default:
                break;
        }
    }

    std::uint64_t say(const std::string& text) {
        const std::uint64_t id = core->say(kRoom, text);
        if (id != 0) {
            said[id] = text;
        }
        return id;
    }
    bool settled() const { return acked.size() + failed.size() == said.size(); }
};

class Members {
public:
    // `perHub` members on each of `hubs`' hubs; member (h, i) is "m<h><i>"
    // and lists every hub, its own first (or only its own: `wholeList` false).
    Members(it::ClusterHubs& hubs, std::size_t perHub, bool wholeList = true) {
        const auto addresses = hubs.addresses();
        for (std::size_t h = 0; h < hubs.size(); ++h) {
            for (std::size_t i = 0; i < perHub; ++i) {
                auto member = std::make_unique<Member>();
                member->nick = "m" + std::to_string(h) + std::to_string(i);
                member->home = h;
                hermes::client::ClientOptions options;
                options.host = addresses[h].host;
                options.port = addresses[h].port;
                for (std::size_t k = 1; wholeList && k < addresses.size(); ++k) {
                    options.moreHubs.push_back(addresses[(h + k) % addresses.size()]);
                }
                options.nick = member->nick;
                options.clientName = "integration ClusterFailureTest";
                options.backoffInitial = 100ms;
                options.backoffMax = 1000ms;
                options.connectTimeout = 2000ms;
                options.idlePingInterval = 2000ms;  // a silent dead hub is noticed in 4 s
                member->core = std::make_unique<ClientCore>(options);
                all_.push_back(std::move(member));
            }
        }
    }
    ~Members() {
        for (auto& m : all_) {
            m->core->stop();
        }
    }

    std::vector<std::unique_ptr<Member>>& all() { return all_; }
    Member& operator[](std::size_t i) { return *all_.at(i); }

    void startAndJoin(it::Deadline deadline) {
        for (auto& m : all_) {
            BOOST_TEST_REQUIRE(m->core->start());
            m->core->join(kRoom);
        }
        BOOST_TEST_REQUIRE(pumpUntil(
                               [this] {
                                   return std::all_of(all_.begin(), all_.end(),
                                                      [](const auto& m) { return m->joined; });
                               },
                               deadline),
                           "every member joined " << kRoom);
    }

    // Takes every member's events until `done()` or the deadline (false).
    bool pumpUntil(const std::function<bool()>& done, it::Deadline deadline) {
        for (;;) {
            for (auto& m : all_) {
                Event e;
                while (m->core->pollEvent(e)) {
                    m->take(e);
                }
            }
            if (done()) {
                return true;
            }
            const int timeout = it::pollTimeoutMs(deadline);
            if (timeout == 0) {
                return false;
            }
            std::vector<pollfd> fds;
            for (auto& m : all_) {
                fds.push_back({m->core->wakeFd(), POLLIN, 0});
            }
            ::poll(fds.data(), fds.size(), std::min(timeout, 200));
        }
    }

    // Each member says `count` lines "<nick> <from..from+count-1>".
    void sayLines(int from, int count) {
        for (auto& m : all_) {
            for (int k = from; k < from + count; ++k) {
                BOOST_TEST_REQUIRE(m->say(m->nick + " " + std::to_string(k)) != 0u);
            }
        }
    }

    bool allSettled(it::Deadline deadline) {
        return pumpUntil(
            [this] {
                return std::all_of(all_.begin(), all_.end(),
                                   [](const auto& m) { return m->settled(); });
            },
            deadline);
    }

    // Every member has been shown the same newest seq: every hub with a
    // member has delivered, so stored, all of the room (a hub delivers a
    // message after its store commits it). An ack proves only that Redis
    // took a message, not that the other hub has it yet.
    bool allAtSameSeq(it::Deadline deadline) {
        return pumpUntil(
            [this] {
                std::uint64_t most = 0;
                for (const auto& m : all_) {
                    most = std::max<std::uint64_t>(most,
                                                   m->seen.empty() ? 0 : m->seen.rbegin()->first);
                }
                return std::all_of(all_.begin(), all_.end(), [most](const auto& m) {
                    return !m->seen.empty() && m->seen.rbegin()->first == most;
                });
            },
            deadline);
    }

private:
    std::vector<std::unique_ptr<Member>> all_;
};

// The room's whole history as one hub serves it: seq -> "from: text".
std::map<std::uint64_t, std::string> historyOf(std::uint16_t port) {
    // A nick of its own per hub: nicks are the cluster's, and the reader of
    // the hub asked before may not have released "reader" yet.
    const std::string nick = "reader" + std::to_string(port);
    it::RawClient reader(port, nick);
    reader.hello(nick, it::after(10s));
    std::map<std::uint64_t, std::string> history;
    std::uint64_t after = 0;
    for (int page = 0; page < 1000; ++page) {
        reader.send(it::historyEnvelope(kRoom, after, 0));
        const auto got = reader.expect(
            [](const it::Frame& f) {
                return (f.envelope.has_history_page() && !f.envelope.history_page().backlog()) ||
                       f.envelope.has_error();
            },
            it::after(10s), "HistoryPage");
        BOOST_TEST_REQUIRE(got.envelope.has_history_page(), it::describe(got.envelope));
        const auto& page_ = got.envelope.history_page();
        BOOST_TEST(!page_.has_gap(), "a gap in the history: " << it::describe(got.envelope));
        for (const auto& m : page_.messages()) {
            history[m.seq()] = m.from() + ": " + m.text();
            after = m.seq();
        }
        if (!page_.has_more()) {
            break;
        }
    }
    return history;
}

// The end of every case: one order, nothing acknowledged lost, nothing twice.
// `resentMayRepeat`: a line refused as of unknown fate (its connection to
// Redis went while it waited for the replicas), sent again by its client,
// and kept by the cluster after all may be there twice (cluster.replicas_acked:
// docs/CLUSTER.md "Acked on the replicas"), never more; the lines in
// `exactlyOnce` (acked before the fault, said after the recovery) once.
void checkOneOrder(Members& members, std::uint16_t historyPort, bool resentMayRepeat = false,
                   const std::set<std::string>& exactlyOnce = {}) {
    BOOST_TEST_REQUIRE(members.allAtSameSeq(it::after(20s)), "every member ends at the same seq");
    const auto history = historyOf(historyPort);
    BOOST_TEST_REQUIRE(!history.empty());
    // Gapless from 1: the cluster's seqs leave no hole it does not announce.
    BOOST_TEST(history.begin()->first == 1u);
    BOOST_TEST(history.rbegin()->first == history.size(),
               "seqs 1.." << history.rbegin()->first << " hold only " << history.size());
    std::map<std::string, int> times;
    for (const auto& [seq, what] : history) {
        ++times[what];
    }
    std::size_t repeats = 0;
    for (const auto& [what, n] : times) {
        if (resentMayRepeat && !exactlyOnce.contains(what)) {
            repeats += static_cast<std::size_t>(n - 1);
            BOOST_TEST(n <= 2, "'" << what << "' is " << n << " times in the history");
        } else {
            BOOST_TEST(n == 1, "'" << what << "' is " << n << " times in the history");
        }
    }
    if (repeats > 0) {
        BOOST_TEST_MESSAGE(repeats << " repeated lines in the history of hub port " << historyPort
                                   << " (sent again after a refusal of unknown fate)");
    }
    for (auto& m : members.all()) {
        BOOST_TEST_CONTEXT(m->nick) {
            BOOST_TEST(m->forks.empty(), (m->forks.empty() ? std::string() : m->forks.front()));
            BOOST_TEST(m->duplicates == 0u);
            for (const auto& [seq, what] : m->seen) {
                const auto at = history.find(seq);
                BOOST_TEST((at != history.end() && at->second == what),
                           "seq " << seq << " was '" << what << "' for " << m->nick
                                  << ", the history says '"
                                  << (at == history.end() ? "nothing" : at->second) << "'");
            }
            if (!m->seen.empty()) {
                BOOST_TEST(m->seen.rbegin()->first - m->seen.begin()->first + 1 == m->seen.size(),
                           "a hole in what " << m->nick << " was shown");
            }
            for (const auto id : m->acked) {
                const int n = times[m->nick + ": " + m->said[id]];
                BOOST_TEST((resentMayRepeat ? n >= 1 && n <= 2 : n == 1),
                           "acked '" << m->said[id] << "' is " << n << " times in the history");
            }
        }
    }
}

std::string firstFailure(const Member& m) {
    return m.failed.empty() ? std::string()
                            : m.nick + " " + m.said.at(m.failed.begin()->first) + ": " +
                                  m.failed.begin()->second;
}

}  // namespace

BOOST_AUTO_TEST_CASE(hub_kill) {
    it::ClusterGuard c(3);
    Members members(c.hubs, 3);
    members.startAndJoin(it::after(20s));
    for (auto& m : members.all()) {
        BOOST_TEST(m->epochs.size() == 1u);
        BOOST_TEST(m->epoch == members[0].epoch, "one epoch for the whole cluster");
    }
    members.sayLines(1, 10);
    BOOST_TEST_REQUIRE(
        members.pumpUntil([&] { return members[0].acked.size() >= 3; }, it::after(15s)));
    // Mid-traffic: hub 1 (index 0) dies with lines of its members in flight.
    const auto killedAt = it::Clock::now();
    c.hubs[0].signal(SIGKILL);
    BOOST_TEST_REQUIRE(c.hubs[0].waitExit(5s).has_value());
    members.sayLines(11, 10);
    BOOST_TEST(members.allSettled(it::after(60s)), "every say acknowledged or failed");

    for (auto& m : members.all()) {
        BOOST_TEST_CONTEXT(m->nick) {
            BOOST_TEST(m->failed.empty(), firstFailure(*m));
            BOOST_TEST(m->acked.size() == 20u);
            if (m->home == 0) {
                // Moved to a hub of the same cluster: its cursors were kept.
                BOOST_TEST_REQUIRE(m->welcomes.size() >= 2u);
                BOOST_TEST(m->welcomes.back().find("the same cluster") != std::string::npos,
                           m->welcomes.back());
            }
        }
    }
    // How long a move took, kill to Welcome on the next hub (not a check:
    // timings on a shared machine are noise; docs/CLUSTER.md quotes them).
    for (auto& m : members.all()) {
        if (m->home == 0 && !m->welcomedAt.empty()) {
            BOOST_TEST_MESSAGE(m->nick << " welcomed again "
                                       << std::chrono::duration_cast<std::chrono::milliseconds>(
                                              m->welcomedAt.back() - killedAt)
                                              .count()
                                       << " ms after the kill, its nick found held " << m->nickHeld
                                       << " times");
        }
    }
    // The others saw each of the dead hub's members QUIT (its lease
    // expired and a hub reaped it), or, when that member came back on
    // another hub before the reap (its nick is free once the lease is),
    // JOIN from there: it is listed once, on its new hub, either way.
    const auto sawLeaveOrMove = [&](Member& m, const std::string& nick) {
        const auto& joins = m.joinedAt[nick];
        const bool rejoined =
            std::any_of(joins.begin(), joins.end(), [&](auto at) { return at > killedAt; });
        return m.quits.count(nick) == 1u || rejoined;
    };
    const auto everyoneSaw = [&] {
        return std::all_of(members.all().begin(), members.all().end(), [&](const auto& m) {
            return m->home == 0 || (sawLeaveOrMove(*m, "m00") && sawLeaveOrMove(*m, "m01") &&
                                    sawLeaveOrMove(*m, "m02"));
        });
    };
    // The presence may come after the last ack (another hub's notice).
    (void)members.pumpUntil(everyoneSaw, it::after(15s));
    for (auto& m : members.all()) {
        if (m->home == 0) {
            continue;
        }
        for (const std::string nick : {"m00", "m01", "m02"}) {
            BOOST_TEST(sawLeaveOrMove(*m, nick),
                       m->nick << " saw neither QUIT nor a new JOIN for " << nick);
        }
    }
    checkOneOrder(members, c.hubs[1].port());
}

BOOST_AUTO_TEST_CASE(redis_kill) {
    it::ClusterGuard c(2);
    Members members(c.hubs, 3);
    members.startAndJoin(it::after(20s));
    members.sayLines(1, 10);
    BOOST_TEST_REQUIRE(members.allSettled(it::after(20s)));
    it::RawClient probe(c.hubs[0].port(), "probe");
    probe.hello("probe", it::after(10s));
    probe.send(it::joinEnvelope(kRoom));
    probe.expect(it::isBody(v1::Envelope::kMembers), it::after(10s), "probe's MemberList");
    c.redis.kill9();
    // While Redis is down: refused with a clear error, or held; never acked
    // and then lost.
    members.sayLines(11, 5);
    probe.send(it::sayEnvelope(kRoom, "while redis is down", 1));
    const auto isAnswer = [](const it::Frame& f) {
        return (f.envelope.has_error() && f.envelope.error().client_msg_id() == 1) ||
               (f.envelope.has_message() && f.envelope.message().client_msg_id() == 1);
    };
    // Refused with a clear error, or held (no answer while Redis is down);
    // never echoed: nothing can have taken it.
    const auto whileDown = probe.tryExpect(isAnswer, it::after(5s));
    if (whileDown) {
        BOOST_TEST(whileDown->envelope.has_error(),
                   "echoed while Redis was down: " << it::describe(whileDown->envelope));
        BOOST_TEST(whileDown->envelope.error().code() == v1::ERROR_CODE_CLUSTER_UNAVAILABLE,
                   it::describe(whileDown->envelope));
    }
    c.redis.restart();
    if (!whileDown) {
        const auto held = probe.tryExpect(isAnswer, it::after(30s));
        BOOST_TEST_REQUIRE(held.has_value(), "a say held while Redis was down never answered");
        BOOST_TEST(held->envelope.has_message(), it::describe(held->envelope));
    }
    members.sayLines(16, 5);
    BOOST_TEST(members.allSettled(it::after(60s)));
    for (auto& m : members.all()) {
        BOOST_TEST_CONTEXT(m->nick) {
            BOOST_TEST(m->failed.empty(), firstFailure(*m));
            BOOST_TEST(m->acked.size() == 20u);
        }
    }
    checkOneOrder(members, c.hubs[1].port());
}

BOOST_AUTO_TEST_CASE(sentinel_failover) {
    it::RedisRequired redisRequired;
    it::RedisServer master;
    it::RedisServer::Options replicaOptions;
    replicaOptions.replicaOf = master.port();
    it::RedisServer replica(replicaOptions);
    BOOST_TEST_REQUIRE(replica.waitReplicating(10s));
    it::RedisSentinels sentinels(master.port());
    BOOST_TEST_REQUIRE(sentinels.waitMonitoring(1, 20s));
    // The hubs find the master through the Sentinels: cluster.sentinels, a
    // list of host:port, and cluster.master_name, the name they monitor.
    auto settings = it::ClusterHubs::quickSettings();
    settings["cluster.sentinels"] = sentinels.addresses();
    settings["cluster.master_name"] = it::RedisSentinels::kMasterName;
    it::ClusterHubs hubs(2, master.address(), settings);
    Members members(hubs, 3);
    members.startAndJoin(it::after(20s));
    members.sayLines(1, 10);
    BOOST_TEST_REQUIRE(members.allSettled(it::after(20s)));
    master.kill9();
    members.sayLines(11, 5);
    const auto promoted = sentinels.waitForFailover(master.port(), 30s);
    BOOST_TEST_REQUIRE((promoted == std::optional<std::uint16_t>(replica.port())));
    members.sayLines(16, 5);
    BOOST_TEST(members.allSettled(it::after(60s)));
    for (auto& m : members.all()) {
        BOOST_TEST_CONTEXT(m->nick) {
            BOOST_TEST(m->failed.empty(), firstFailure(*m));
            BOOST_TEST(m->acked.size() == 20u);
        }
    }
    checkOneOrder(members, hubs[1].port());
    if (it::currentTestFailed()) {
        hubs.markFailed();
    }
}

BOOST_AUTO_TEST_CASE(sentinels_hang) {
    it::RedisRequired redisRequired;
    it::RedisServer master;
    it::RedisSentinels sentinels(master.port());
    BOOST_TEST_REQUIRE(sentinels.waitMonitoring(0, 20s));
    auto settings = it::ClusterHubs::quickSettings();
    settings["cluster.sentinels"] = sentinels.addresses();
    settings["cluster.master_name"] = it::RedisSentinels::kMasterName;
    settings["cluster.timeout_ms"] = "5000";  // what the hub allows each sentinel
    settings["cluster.lease_ms"] = "15000";
    it::ClusterHubs hubs(1, master.address(), settings);
    it::RawClient ana(hubs[0].port(), "ana");
    ana.hello("ana", it::after(10s));
    it::joinRoom(ana, "r", it::after(10s));
    sentinels.freeze();
    master.stop();
    // The hub reconnects at once (cluster.reconnect_ms 100), asking each
    // frozen sentinel in turn for 5 s. Its clients' Pings are answered all
    // the while: not after 5 s or 15 s, as when the loop waited for them
    // (4 s each: under the 5 s a frozen sentinel holds the hub, with room
    // for a loaded machine).
    const auto window = it::after(6s);
    int pings = 0;
    while (it::Clock::now() < window) {
        ana.sync(it::after(4s));
        ++pings;
    }
    BOOST_TEST(pings > 1);
    // Sentinels and master back: the hub finds the master through them.
    sentinels.thaw();
    master.restart();
    BOOST_TEST(it::sayUntilEchoed(ana, "r", "back", it::after(30s)));
    if (it::currentTestFailed()) {
        hubs.markFailed();
    }
}

// --- cluster.replicas_acked 1: nothing acked is lost in a failover ---------------------------

namespace {

// A ChatMessage's text as protobuf writes it (a length byte, then the
// bytes; every text here is shorter than 128): found in a stream entry's
// serialized message, and not inside a longer text ("m01 1" in "m01 10").
std::string asField(const std::string& text) {
    return std::string(1, static_cast<char>(text.size())) + text;
}

// Every message of `history` is in `port`'s stream of the room under its
// seq: what any member was shown survives on the promoted master.
void checkStream(std::uint16_t port, const std::map<std::uint64_t, std::string>& history) {
    for (const auto& [seq, what] : history) {
        const std::string text = what.substr(what.find(": ") + 2);
        const std::string id = std::to_string(seq) + "-0";
        const auto entry =
            it::redisCli(port, {"XRANGE", std::string("hermes:stream:") + kRoom, id, id});
        BOOST_TEST_REQUIRE(entry.has_value());
        BOOST_TEST(entry->find(asField(text)) != std::string::npos,
                   "seq " << seq << " ('" << what << "') is not in the new master's stream");
    }
}

// Master, replica (through `viaProxy` when given), three Sentinels and two
// hubs acking only what the replica has (cluster.replicas_acked 1).
//
// Every instance refuses writes without a replica less than 2 s behind
// (min-replicas-to-write, as docs/CLUSTER.md asks), and syncs a replica at
// once (repl-diskless-sync-delay 0: the default 5 s only adds to a failover).
it::RedisServer::Options waitingOptions() {
    it::RedisServer::Options options;
    options.extraConfig = {"min-replicas-to-write 1", "min-replicas-max-lag 2",
                           "repl-diskless-sync-delay 0"};
    return options;
}

struct WaitingCluster {
    it::RedisServer master{waitingOptions()};
    std::unique_ptr<it::TcpProxy> link;  // the replica's link to the master, if proxied
    std::unique_ptr<it::RedisServer> replica;
    std::unique_ptr<it::RedisSentinels> sentinels;
    std::unique_ptr<it::ClusterHubs> hubs;

    explicit WaitingCluster(bool proxied) {
        if (proxied) {
            link = std::make_unique<it::TcpProxy>(master.port());
        }
        it::RedisServer::Options replicaOptions = waitingOptions();
        replicaOptions.replicaOf = proxied ? link->port() : master.port();
        replica = std::make_unique<it::RedisServer>(replicaOptions);
        BOOST_TEST_REQUIRE(replica->waitReplicating(10s));
        sentinels = std::make_unique<it::RedisSentinels>(master.port());
        BOOST_TEST_REQUIRE(sentinels->waitMonitoring(1, 20s));
        auto settings = it::ClusterHubs::quickSettings();
        settings["cluster.sentinels"] = sentinels->addresses();
        settings["cluster.master_name"] = it::RedisSentinels::kMasterName;
        settings["cluster.replicas_acked"] = "1";
        // WAIT gets half of it: 500 ms for a replica's ack on a busy machine.
        settings["cluster.timeout_ms"] = "1000";
        hubs = std::make_unique<it::ClusterHubs>(2, master.address(), settings);
    }

    // After the failover: one order at both hubs, every acked say in both
    // hubs' history once, and every message shown anywhere in the new
    // master's stream under the same seq.
    void check(Members& members, const std::set<std::string>& exactlyOnce = {}) {
        checkOneOrder(members, (*hubs)[0].port(), true, exactlyOnce);
        checkOneOrder(members, (*hubs)[1].port(), true, exactlyOnce);
        BOOST_TEST(historyOf((*hubs)[0].port()) == historyOf((*hubs)[1].port()),
                   "the two hubs' histories differ");
        checkStream(replica->port(), historyOf((*hubs)[0].port()));
        if (it::currentTestFailed()) {
            hubs->markFailed();
        }
    }
};

std::size_t ackedSoFar(Members& members) {
    std::size_t acked = 0;
    for (auto& m : members.all()) {
        acked += m->acked.size();
    }
    return acked;
}

// Traffic from both hubs' members; `fail` (kill -9 or SIGSTOP of the master)
// once some of it is acked and the rest in flight; the replica promoted;
// `revive` brings the old master back, and after `noReplica` the test makes
// it the new one's replica (what Sentinel does 8-18 s later; until then
// nothing can be acked: no replica follows, and what waits is held).
void failMasterMidTraffic(const std::function<void(it::RedisServer&)>& fail,
                          const std::function<void(it::RedisServer&)>& revive,
                          std::chrono::milliseconds noReplica) {
    WaitingCluster cluster(false);
    Members members(*cluster.hubs, 2);
    members.startAndJoin(it::after(20s));
    members.sayLines(1, 10);
    BOOST_TEST_REQUIRE(
        members.pumpUntil([&] { return ackedSoFar(members) >= 12; }, it::after(20s)));
    // Lines acked before the fault: once in the history, whatever follows.
    std::set<std::string> exactlyOnce;
    for (auto& m : members.all()) {
        for (const auto id : m->acked) {
            exactlyOnce.insert(m->nick + ": " + m->said[id]);
        }
    }
    // On an idle machine one group commit may ack all of 1-10 at once: 5
    // lines more each, sent just before the fault, are in flight.
    members.sayLines(11, 5);
    BOOST_TEST_REQUIRE(ackedSoFar(members) < 60u, "nothing in flight at the fault");
    fail(cluster.master);
    const auto promoted = cluster.sentinels->waitForFailover(cluster.master.port(), 30s);
    BOOST_TEST_REQUIRE((promoted == std::optional<std::uint16_t>(cluster.replica->port())));
    revive(cluster.master);
    // A no-replica period of `noReplica` (what it holds is the point, not
    // a synchronisation): members' answers and resends go on meanwhile.
    (void)members.pumpUntil([] { return false; }, it::after(noReplica));
    cluster.master.command({"REPLICAOF", "127.0.0.1", std::to_string(*promoted)});
    BOOST_TEST_REQUIRE(cluster.master.waitReplicating(30s));
    members.sayLines(16, 5);
    for (auto& m : members.all()) {
        for (int k = 16; k <= 20; ++k) {
            exactlyOnce.insert(m->nick + ": " + m->nick + " " + std::to_string(k));
        }
    }
    BOOST_TEST(members.allSettled(it::after(90s)));
    for (auto& m : members.all()) {
        BOOST_TEST_CONTEXT(m->nick) {
            BOOST_TEST(m->failed.empty(), firstFailure(*m));
            BOOST_TEST(m->acked.size() == 20u);
        }
    }
    cluster.check(members, exactlyOnce);
}

}  // namespace

BOOST_AUTO_TEST_CASE(wait_master_kill) {
    it::RedisRequired redisRequired;
    failMasterMidTraffic([](it::RedisServer& master) { master.kill9(); },
                         [](it::RedisServer& master) { master.restart(); }, 0ms);
}

BOOST_AUTO_TEST_CASE(wait_master_freeze) {
    it::RedisRequired redisRequired;
    // Three seconds with no replica: what waits is held, then acked.
    failMasterMidTraffic([](it::RedisServer& master) { master.freeze(); },
                         [](it::RedisServer& master) { master.thaw(); }, 3000ms);
}

// The replica's link cut (a proxy the test blackholes): the master takes
// the says, the replica never gets them. Acked after the replica only, they
// are held, then refused (fate unknown) when the master goes, and shown to
// nobody; then the master dies and the replica,
// without them, is promoted and gives their seqs to other messages. Had
// any hub shown them (acked, or read by a Fill), a member would see one seq
// as two messages (a fork) or an acked line would be missing.
BOOST_AUTO_TEST_CASE(wait_replica_cut) {
    it::RedisRequired redisRequired;
    WaitingCluster cluster(true);
    Members members(*cluster.hubs, 2);
    members.startAndJoin(it::after(20s));
    members.sayLines(1, 5);
    BOOST_TEST_REQUIRE(members.allSettled(it::after(20s)));
    std::uint64_t shown = 0;
    for (auto& m : members.all()) {
        shown = std::max<std::uint64_t>(shown, m->seen.empty() ? 0 : m->seen.rbegin()->first);
    }
    it::RawClient alone((*cluster.hubs)[0].port(), "alone");
    alone.hello("alone", it::after(10s));
    alone.send(it::joinEnvelope(kRoom));
    alone.expect(it::isBody(v1::Envelope::kMembers), it::after(10s), "alone's MemberList");
    cluster.link->blackhole();
    alone.send(it::sayEnvelope(kRoom, "never replicated", 1));
    members.sayLines(6, 5);  // on the master only, while the link is cut
    // Held while no replica has them (or refused by min-replicas-to-write
    // once the replica is 2 s behind): never acked; answered (fate unknown)
    // when the master goes, if not refused before.
    const auto isAnswer = [](const it::Frame& f) {
        return (f.envelope.has_error() && f.envelope.error().client_msg_id() == 1) ||
               (f.envelope.has_message() && f.envelope.message().client_msg_id() == 1);
    };
    auto answer = alone.tryExpect(isAnswer, it::after(1s));
    BOOST_TEST((!answer || answer->envelope.has_error()), "acked without the replica");
    cluster.master.kill9();
    if (!answer) {
        answer = alone.tryExpect(isAnswer, it::after(10s));
    }
    BOOST_TEST_REQUIRE(answer.has_value(), "no answer within 10 s of the master's loss");
    BOOST_TEST(answer->envelope.has_error(),
               "acked without the replica: " << it::describe(answer->envelope));
    BOOST_TEST(answer->envelope.error().code() == v1::ERROR_CODE_CLUSTER_UNAVAILABLE);
    const auto promoted = cluster.sentinels->waitForFailover(cluster.master.port(), 30s);
    BOOST_TEST_REQUIRE((promoted == std::optional<std::uint16_t>(cluster.replica->port())));
    // The old master back as the new one's replica (a full resync: what
    // only it had is gone); what Sentinel does some 8-18 s later, at once.
    cluster.master.restart();
    cluster.master.command({"REPLICAOF", "127.0.0.1", std::to_string(*promoted)});
    BOOST_TEST_REQUIRE(cluster.master.waitReplicating(30s));
    members.sayLines(11, 5);
    BOOST_TEST(members.allSettled(it::after(90s)));
    for (auto& m : members.all()) {
        BOOST_TEST_CONTEXT(m->nick) {
            BOOST_TEST(m->failed.empty(), firstFailure(*m));
            BOOST_TEST(m->acked.size() == 15u);
            BOOST_TEST(!m->seen.empty());
            // Something past the cut was shown: the promoted master's seqs.
            BOOST_TEST((!m->seen.empty() && m->seen.rbegin()->first > shown));
        }
    }
    cluster.check(members);
}

BOOST_AUTO_TEST_CASE(partition) {
    it::RedisRequired redisRequired;
    it::RedisServer redis;
    it::TcpProxy link(redis.port());  // hub index 1 reaches Redis only through it
    it::ClusterHubs hubs(
        2, [&](std::size_t i) { return i == 1 ? link.address() : redis.address(); },
        it::ClusterHubs::quickSettings());
    // Each member stays on its own hub: the cut hub's members must see it
    // refuse, not move away from it.
    Members members(hubs, 2, false);
    members.startAndJoin(it::after(20s));
    members.sayLines(1, 5);
    BOOST_TEST_REQUIRE(members.allSettled(it::after(20s)));

    it::RawClient cut(hubs[1].port(), "cutoff");
    cut.hello("cutoff", it::after(10s));
    cut.send(it::joinEnvelope(kRoom));
    cut.expect(it::isBody(v1::Envelope::kMembers), it::after(10s), "cutoff's MemberList");
    link.blackhole();
    // The cut hub must refuse (or hold) rather than stamp a seq of its own;
    // the other hub goes on.
    cut.send(it::sayEnvelope(kRoom, "from the cut hub", 1));
    const auto answer = cut.tryExpect(
        [](const it::Frame& f) {
            return (f.envelope.has_error() && f.envelope.error().client_msg_id() == 1) ||
                   (f.envelope.has_message() && f.envelope.message().client_msg_id() == 1);
        },
        it::after(10s));
    BOOST_TEST_REQUIRE(answer.has_value(), "no answer from the cut hub within 10 s");
    BOOST_TEST(answer->envelope.has_error(),
               "the cut hub took a say: " << it::describe(answer->envelope));
    BOOST_TEST(answer->envelope.error().code() == v1::ERROR_CODE_CLUSTER_UNAVAILABLE);
    members.sayLines(6, 5);
    // The members of the connected hub get theirs through.
    BOOST_TEST(members.pumpUntil(
        [&] {
            for (auto& m : members.all()) {
                if (m->home == 0 && m->acked.size() < 10) {
                    return false;
                }
            }
            return true;
        },
        it::after(20s)));
    link.heal();
    BOOST_TEST(members.allSettled(it::after(30s)));
    // After the heal the cut hub's members catch up on what they missed:
    // one order everywhere. A say it refused was never acked and may be
    // sent again by the user; none it acked is lost.
    members.sayLines(11, 2);
    BOOST_TEST(members.allSettled(it::after(30s)));
    checkOneOrder(members, hubs[0].port());
    checkOneOrder(members, hubs[1].port());
    if (it::currentTestFailed()) {
        hubs.markFailed();
    }
}

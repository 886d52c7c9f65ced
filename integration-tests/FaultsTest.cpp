// Faults (issue 5 item 4): clients that vanish, never speak, stop reading or
// go silent; a storm of connections; SIGTERM in the middle of traffic. In
// every case the hub drops only the faulty client, says why, and everyone
// else carries on without losing anything.
#define BOOST_TEST_MODULE FaultsTest
#include <boost/test/unit_test.hpp>

#include <signal.h>
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "BoostSupport.hpp"
#include "ClientSwarm.hpp"
#include "Frames.hpp"
#include "RawClient.hpp"

using namespace std::chrono_literals;
namespace it = hermes::it;
namespace v1 = hermes::v1;

namespace {

// `count` Says in one buffer, texts PREFIX1..PREFIXcount.
std::string says(const std::string& room, const std::string& prefix, std::uint64_t firstId,
                 std::size_t count, std::size_t padTo = 0) {
    std::string frames;
    for (std::size_t i = 0; i < count; ++i) {
        std::string text = prefix + std::to_string(firstId + i);
        if (text.size() < padTo) {
            text.append(padTo - text.size(), '.');
        }
        frames += it::frameOf(it::sayEnvelope(room, text, firstId + i));
    }
    return frames;
}

// The chat messages of `room` in the inbox, in order, must be seq 1..count
// with no gap or duplicate. Removes them.
void expectSeqsOneTo(it::RawClient& client, const std::string& room, std::uint64_t count) {
    std::uint64_t next = 1;
    auto& inbox = client.inbox();
    for (auto frame = inbox.begin(); frame != inbox.end();) {
        if (frame->envelope.has_message() && frame->envelope.message().room() == room) {
            const auto seq = frame->envelope.message().seq();
            if (seq != next) {
                BOOST_TEST(seq == next, client.name() << ": after seq " << next - 1 << " came "
                                                      << it::describe(frame->envelope));
                return;
            }
            ++next;
            frame = inbox.erase(frame);
        } else {
            ++frame;
        }
    }
    BOOST_TEST(next - 1 == count, client.name() << " received seqs 1.." << next - 1);
}

std::size_t countPresence(it::RawClient& client, v1::PresenceKind kind, const std::string& nick) {
    std::size_t count = 0;
    for (const auto& frame : client.inbox()) {
        if (frame.envelope.has_presence() && frame.envelope.presence().kind() == kind) {
            const auto& nicks = frame.envelope.presence().nicks();
            count += static_cast<std::size_t>(std::count(nicks.begin(), nicks.end(), nick));
        }
    }
    return count;
}

v1::Stats stats(it::RawClient& client) {
    client.send(it::statsRequestEnvelope());
    return client.expect(it::isBody(v1::Envelope::kStats), it::after(5s), "Stats").envelope.stats();
}

std::uint64_t disconnects(const v1::Stats& figures, const std::string& reason) {
    const auto found = figures.disconnects().find(reason);
    return found == figures.disconnects().end() ? 0 : found->second;
}

// Raises the soft open-files limit (the hub, started later, inherits it).
void ensureOpenFiles(rlim_t wanted) {
    rlimit limit{};
    BOOST_TEST_REQUIRE(::getrlimit(RLIMIT_NOFILE, &limit) == 0);
    if (limit.rlim_cur < wanted) {
        limit.rlim_cur = std::min(wanted, limit.rlim_max);
        BOOST_TEST_REQUIRE(::setrlimit(RLIMIT_NOFILE, &limit) == 0);
    }
    BOOST_TEST_REQUIRE(limit.rlim_cur >= wanted,
                       "RLIMIT_NOFILE hard limit " << limit.rlim_max << " too low");
}

}  // namespace

BOOST_AUTO_TEST_CASE(socket_cut_mid_stream_others_unaffected) {
    it::HubGuard guard;
    it::RawClient ana(guard.hub.port(), "ana");
    it::RawClient bob(guard.hub.port(), "bob");
    it::RawClient cut(guard.hub.port(), "cut");
    ana.hello("ana", it::after(5s));
    bob.hello("bob", it::after(5s));
    cut.hello("cut", it::after(5s));
    bob.expect(it::isPresence(v1::PRESENCE_KIND_UNSPECIFIED, "cut"), it::after(5s), "cut joining");

    ana.sendBytes(says("lobby", "m", 1, 200, 200));
    // cut reads a little of the stream, then its connection is reset.
    cut.expect(it::isChatText("lobby", std::string("m10").append(200 - 3, '.')), it::after(5s),
               "m10");
    cut.abort();

    const std::string last = std::string("m200").append(200 - 4, '.');
    ana.expect(it::isChatText("lobby", last), it::after(10s), "the last message");
    bob.expect(it::isChatText("lobby", last), it::after(10s), "the last message");
    bob.expect(it::isPresence(v1::PRESENCE_KIND_QUIT, "cut"), it::after(5s), "cut's QUIT");
    bob.sync(it::after(5s));
    BOOST_TEST(countPresence(bob, v1::PRESENCE_KIND_QUIT, "cut") == 0u, "QUIT seen once");
    // expect() took the last message; all before it are in order, none missing.
    expectSeqsOneTo(bob, "lobby", 199);
    expectSeqsOneTo(ana, "lobby", 199);
    // The nick is free again.
    it::RawClient again(guard.hub.port(), "again");
    BOOST_TEST(again.hello("cut", it::after(5s)).nick() == "cut");
    guard.expectCleanStop();
}

BOOST_AUTO_TEST_CASE(never_says_hello_times_out) {
    it::HubGuard guard(it::HubProcess::Settings{{"handshake_timeout_ms", "300"}});
    it::RawClient mute(guard.hub.port(), "mute");
    const auto start = it::Clock::now();
    const auto error = mute.expect(it::isError(v1::ERROR_CODE_HANDSHAKE_TIMEOUT), it::after(5s),
                                   "HANDSHAKE_TIMEOUT");
    const auto waited = it::Clock::now() - start;
    BOOST_TEST(error.envelope.error().fatal());
    BOOST_TEST(waited >= 250ms, "the timeout came early");
    BOOST_TEST(mute.waitClosed(it::after(3s)), "closed after the error");
    it::RawClient ana(guard.hub.port(), "ana");
    ana.hello("ana", it::after(5s));
    BOOST_TEST(disconnects(stats(ana), "handshake_timeout") == 1u);
    guard.expectCleanStop();
}

BOOST_AUTO_TEST_CASE(slow_consumer_dropped_others_lose_nothing) {
    it::HubGuard guard({{"outbound_queue_bytes", "262144"}, {"max_text_bytes", "4096"}});
    it::RawClient ana(guard.hub.port(), "ana");
    it::RawClient bob(guard.hub.port(), "bob");
    it::RawClient slow(guard.hub.port(), "slow", 4096);
    ana.hello("ana", it::after(5s));
    bob.hello("bob", it::after(5s));
    slow.hello("slow", it::after(5s));
    bob.expect(it::isPresence(v1::PRESENCE_KIND_UNSPECIFIED, "slow"), it::after(5s),
               "slow joining");
    // slow reads nothing from here on. ana sends 3 KiB messages in batches,
    // ana and bob read everything, until the hub drops slow (bounded: at most
    // 4,000 messages = 12 MiB, far more than any kernel buffer holds).
    constexpr std::size_t kBatch = 20;  // 60 KB: well inside a reading client's queue
    constexpr std::size_t kMaxMessages = 4000;
    std::size_t sent = 0;
    bool dropped = false;
    auto isSlowQuit = it::isPresence(v1::PRESENCE_KIND_QUIT, "slow");
    const auto deadline = it::after(60s);
    while (!dropped && sent < kMaxMessages && it::Clock::now() < deadline) {
        ana.sendBytes(says("lobby", "m", sent + 1, kBatch, 3000));
        sent += kBatch;
        const std::string last = std::string("m" + std::to_string(sent));
        auto isLast = [&last](const it::Frame& f) {
            return f.envelope.has_message() && f.envelope.message().text().starts_with(last + ".");
        };
        // Keep the message (for the final count): look, don't take.
        for (auto* reader : {&ana, &bob}) {
            auto found = reader->tryExpect(isLast, it::after(10s));
            BOOST_TEST_REQUIRE(found.has_value(), reader->name() << " did not get " << last);
            reader->inbox().push_back(std::move(*found));
        }
        for (const auto& frame : bob.inbox()) {
            dropped = dropped || isSlowQuit(frame);
        }
    }
    BOOST_TEST_REQUIRE(dropped, "slow was not disconnected after " << sent << " messages");
    BOOST_TEST_MESSAGE("slow dropped after " << sent << " messages of 3 KB");
    // The pushed-back "last" frames broke arrival order: sort by seq first.
    for (auto* reader : {&ana, &bob}) {
        std::stable_sort(reader->inbox().begin(), reader->inbox().end(),
                         [](const it::Frame& a, const it::Frame& b) {
                             return a.envelope.has_message() && b.envelope.has_message() &&
                                    a.envelope.message().seq() < b.envelope.message().seq();
                         });
    }
    const auto figures = stats(bob);
    BOOST_TEST(disconnects(figures, "slow_consumer") + disconnects(figures, "write_stall") == 1u);
    BOOST_TEST(disconnects(figures, "slow_consumer") == 1u);
    // slow itself is told why, after what the kernel still held for it.
    auto error = slow.tryExpect(it::isError(v1::ERROR_CODE_SLOW_CONSUMER), it::after(10s));
    BOOST_TEST(error.has_value(), "slow should receive Error{SLOW_CONSUMER}");
    if (error) {
        BOOST_TEST(error->envelope.error().fatal());
    }
    BOOST_TEST(slow.waitClosed(it::after(5s)));
    bob.sync(it::after(5s));
    ana.sync(it::after(5s));
    expectSeqsOneTo(ana, "lobby", sent);
    expectSeqsOneTo(bob, "lobby", sent);
    guard.expectCleanStop();
    const std::string log = guard.hub.log();
    BOOST_TEST(
        (log.find("slow_consumer") != std::string::npos && log.find("slow)") != std::string::npos),
        "the hub logs the slow consumer's disconnect with its nick");
}

// hermesd's acceptor threads ask the hub's Registry before handing a
// connection to the loop: an address at hub.max_clients_per_address is
// refused there, without a session, and the others go on.
BOOST_AUTO_TEST_CASE(address_at_its_limit_refused_at_accept) {
    it::HubGuard guard(it::HubProcess::Settings{{"max_clients_per_address", "2"}});
    it::RawClient ana(guard.hub.port(), "ana");
    ana.hello("ana", it::after(5s));  // counted before the next accept
    it::RawClient bob(guard.hub.port(), "bob");
    bob.hello("bob", it::after(5s));
    it::RawClient cat(guard.hub.port(), "cat");
    const auto error =
        cat.expect(it::isError(v1::ERROR_CODE_HUB_FULL), it::after(5s), "HUB_FULL for cat");
    BOOST_TEST(error.envelope.error().fatal());
    BOOST_TEST(error.envelope.error().text().find("from one address") != std::string::npos,
               error.envelope.error().text());
    BOOST_TEST(cat.waitClosed(it::after(3s)), "closed after the error");
    BOOST_TEST(guard.hub.log().find("refused at accept: address_full") != std::string::npos,
               guard.hub.logTail(10));
    BOOST_TEST(disconnects(stats(bob), "address_full") == 1u);
    // Once the hub has forgotten ana (bob sees her quit) there is room again.
    ana.close();
    bob.expect(it::isPresence(v1::PRESENCE_KIND_QUIT, "ana"), it::after(5s), "ana's QUIT");
    it::RawClient dan(guard.hub.port(), "dan");
    BOOST_TEST(dan.hello("dan", it::after(5s)).nick() == "dan");
    guard.expectCleanStop();
}

BOOST_AUTO_TEST_CASE(silent_peer_dropped_after_ping_timeout) {
    // A timeout that a loaded machine's stall of the reading loop below
    // does not reach for polite, who answers only when read.
    it::HubGuard guard({{"ping_interval_ms", "300"}, {"ping_timeout_ms", "2000"}});
    it::RawClient silent(guard.hub.port(), "silent");
    it::RawClient polite(guard.hub.port(), "polite");
    silent.setAutoPong(false);
    silent.hello("silent", it::after(5s));
    polite.hello("polite", it::after(5s));
    // polite answers every Ping (autoPong) as long as it is read: read both
    // until silent is closed. Any frame counts as life, so only silent dies.
    const auto deadline = it::after(10s);
    bool sawPing = false;
    while (!silent.closedByPeer() && it::Clock::now() < deadline) {
        silent.readSome(it::after(20ms));
        polite.readSome(it::after(20ms));
    }
    for (const auto& frame : silent.inbox()) {
        sawPing = sawPing || frame.envelope.has_ping();
    }
    BOOST_TEST(sawPing, "the hub pings a silent client first");
    auto error = silent.tryExpect(it::isError(v1::ERROR_CODE_PING_TIMEOUT), it::after(1s));
    BOOST_TEST_REQUIRE(error.has_value(), "silent should get PING_TIMEOUT:\n"
                                              << silent.inboxSummary());
    BOOST_TEST(error->envelope.error().fatal());
    BOOST_TEST(silent.closedByPeer());
    BOOST_TEST(!polite.closedByPeer());
    polite.expect(it::isPresence(v1::PRESENCE_KIND_QUIT, "silent"), it::after(5s), "silent's QUIT");
    const auto figures = stats(polite);
    BOOST_TEST(disconnects(figures, "ping_timeout") == 1u);
    BOOST_TEST(figures.clients() == 1u);
    guard.expectCleanStop();
}

// The hub's default capacity, all at once: 1,024 clients welcomed, all joined
// to the default room, all receiving a broadcast.
BOOST_AUTO_TEST_CASE(default_capacity_of_1024_connections_at_once) {
    constexpr std::size_t kClients = 1024;
    ensureOpenFiles(4096);
    it::HubGuard guard(it::HubProcess::Settings{{"max_clients", "1024"}});
    it::ClientSwarm swarm(guard.hub.port());
    std::size_t welcomed = 0;
    std::size_t received = 0;
    std::vector<std::string> problems;
    // Open all first, then every Hello in one go.
    for (std::size_t i = 0; i < kClients; ++i) {
        swarm.add();
    }
    for (std::size_t i = 0; i < kClients; ++i) {
        swarm.queue(i, it::helloEnvelope("n" + std::to_string(i)));
    }
    std::vector<bool> inLobby(kClients, false);
    std::size_t inLobbyCount = 0;
    auto onClose = [&](std::size_t client, const std::string& why) {
        problems.push_back("n" + std::to_string(client) + " closed: " + why);
    };
    auto onFrame = [&](std::size_t client, std::string_view payload) {
        const auto tag = static_cast<unsigned char>(payload.empty() ? 0 : payload[0]);
        // Welcome (2), MemberList (9), Error (18), ChatMessage (7): parse;
        // the many Presence frames are skipped unparsed.
        if (tag != 0x12 && tag != 0x4A && tag != 0x92 && tag != 0x3A) {
            return;
        }
        v1::Envelope envelope;
        if (!hermes::codec::parseEnvelope(payload, envelope)) {
            problems.push_back("undecodable frame");
        } else if (envelope.has_welcome()) {
            ++welcomed;
        } else if (envelope.has_members() && !inLobby[client]) {
            inLobby[client] = true;
            ++inLobbyCount;
        } else if (envelope.has_error()) {
            problems.push_back("n" + std::to_string(client) + ": " + it::describe(envelope));
        } else if (envelope.has_message() && envelope.message().text() == "to all") {
            ++received;
        }
    };
    const auto start = it::Clock::now();
    swarm.run(
        it::after(60s), onFrame, [&] { return inLobbyCount == kClients || !problems.empty(); },
        onClose);
    BOOST_TEST_MESSAGE(
        welcomed
        << " welcomed, " << inLobbyCount << " in lobby after "
        << std::chrono::duration_cast<std::chrono::milliseconds>(it::Clock::now() - start).count()
        << " ms");
    BOOST_TEST_REQUIRE(problems.empty(), (problems.empty() ? "" : problems.front()));
    BOOST_TEST_REQUIRE(welcomed == kClients);
    swarm.queue(kClients - 1, it::sayEnvelope("lobby", "to all", 1));
    swarm.run(
        it::after(30s), onFrame, [&] { return received == kClients || !problems.empty(); },
        onClose);
    BOOST_TEST(problems.empty());
    BOOST_TEST(received == kClients);
    swarm.closeAll();
    guard.expectCleanStop();
}

BOOST_AUTO_TEST_CASE(sigterm_during_traffic_everyone_gets_bye) {
    constexpr std::size_t kClients = 20;
    constexpr std::size_t kMessages = 300;
    it::HubGuard guard;
    it::ClientSwarm swarm(guard.hub.port());
    std::size_t welcomed = 0;
    std::size_t chats = 0;
    std::vector<int> byes(kClients, 0);
    std::vector<std::string> problems;
    std::size_t closedCount = 0;
    for (std::size_t i = 0; i < kClients; ++i) {
        swarm.add();
        swarm.queue(i, it::helloEnvelope("t" + std::to_string(i)));
    }
    auto onFrame = [&](std::size_t client, std::string_view payload) {
        const auto tag = static_cast<unsigned char>(payload.empty() ? 0 : payload[0]);
        if (tag == static_cast<unsigned char>(it::kChatMessageTag)) {
            ++chats;
            return;
        }
        v1::Envelope envelope;
        if (!hermes::codec::parseEnvelope(payload, envelope)) {
            problems.push_back("undecodable frame");
        } else if (envelope.has_welcome()) {
            ++welcomed;
        } else if (envelope.has_bye()) {
            if (envelope.bye().reason() != v1::BYE_REASON_SHUTDOWN) {
                problems.push_back(it::describe(envelope));
            }
            ++byes[client];
        } else if (envelope.has_error()) {
            problems.push_back("t" + std::to_string(client) + ": " + it::describe(envelope));
        }
    };
    auto onClose = [&](std::size_t, const std::string&) { ++closedCount; };
    swarm.run(
        it::after(10s), onFrame, [&] { return welcomed == kClients; }, onClose);
    BOOST_TEST_REQUIRE(welcomed == kClients);
    for (std::size_t i = 0; i < kClients; ++i) {
        swarm.queue(i, says("lobby", "busy ", 1, kMessages));
    }
    // Signal once traffic is well under way (a quarter of the deliveries).
    const std::size_t total = kClients * kClients * kMessages;
    swarm.run(
        it::after(30s), onFrame, [&] { return chats >= total / 4; }, onClose);
    BOOST_TEST_REQUIRE(chats >= total / 4);
    BOOST_TEST_REQUIRE(chats < total, "traffic ended before the signal");
    guard.hub.signal(SIGTERM);
    swarm.run(
        it::after(5s), onFrame, [&] { return closedCount == kClients; }, onClose);
    const auto status = guard.hub.waitExit(5s);
    BOOST_TEST_REQUIRE(status.has_value(), "hermesd still runs 5 s after SIGTERM");
    BOOST_TEST(status->exited);
    BOOST_TEST(status->code == 0);
    // Reaped only after the swarm drained its clients' backlogs, so this
    // counts the test's reading too: a bound for a hang, not a speed test.
    BOOST_TEST(status->afterSignal <= 4000ms,
               "hermesd took " << status->afterSignal.count() << " ms to exit");
    BOOST_TEST(closedCount == kClients);
    BOOST_TEST(problems.empty(), (problems.empty() ? "" : problems.front()));
    for (std::size_t i = 0; i < kClients; ++i) {
        BOOST_TEST(byes[i] == 1, "t" << i << " received " << byes[i] << " Bye{SHUTDOWN}");
    }
}

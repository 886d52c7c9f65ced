// A burst is not a slow consumer (issue 12), against a real hermesd: rooms
// where everyone sends their whole rate burst at once deliver everything to
// everyone; a member that stops reading is cut within the write-stall
// timeout while the others carry on; a member that reads slowly but keeps up
// on average is never cut; and a big room with stalled members stays within
// the output budget.
//
// One poll() thread drives every client (ClientSwarm). The first member to
// receive a room's message at position p parses it (seq p, the sender's
// next id) and keeps its bytes; every other member's message p must be the
// same bytes, so a busy test parses each message once.
#define BOOST_TEST_MODULE FlowControlTest
#include <boost/test/unit_test.hpp>

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "BoostSupport.hpp"
#include "ClientSwarm.hpp"
#include "Frames.hpp"
#include "RawClient.hpp"
#include "hermes/codec/FrameDecoder.hpp"

using namespace std::chrono_literals;
namespace it = hermes::it;
namespace v1 = hermes::v1;

namespace {

#if defined(__SANITIZE_ADDRESS__)
constexpr bool kSanitized = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
constexpr bool kSanitized = true;
#else
constexpr bool kSanitized = false;
#endif
#else
constexpr bool kSanitized = false;
#endif

std::string nickOf(std::size_t client) {
    return "c" + std::to_string(client);
}

std::string textOf(std::size_t client, std::uint64_t id, std::size_t bytes) {
    std::string text = nickOf(client) + " message " + std::to_string(id) + " ";
    text.resize(std::max(bytes, text.size()), '.');
    return text;
}

// Every member of one room must receive the room's messages in seq order,
// each the same bytes as everyone else's, each sender's in the order sent.
class RoomLedger {
public:
    RoomLedger(std::string room, std::size_t clients) : room_(std::move(room)), next_(clients, 0) {}

    void onChat(std::size_t client, std::string_view payload) {
        const std::size_t position = next_[client]++;
        if (position == canonical_.size()) {
            record(payload);
        } else if (position > canonical_.size()) {
            fail(nickOf(client) + " is ahead of every other member: impossible");
        } else if (payload != canonical_[position]) {
            fail(nickOf(client) + " message #" + std::to_string(position + 1) +
                 " differs from what others got");
        }
    }
    void fail(std::string what) {
        if (failures_.size() < 20) {
            failures_.push_back(std::move(what));
        }
        ++failureCount_;
    }

    std::size_t receivedBy(std::size_t client) const { return next_[client]; }
    std::size_t sent() const { return canonical_.size(); }
    std::size_t failures() const { return failureCount_; }
    std::uint64_t lastIdFrom(const std::string& nick) const {
        const auto it = lastId_.find(nick);
        return it == lastId_.end() ? 0 : it->second;
    }
    // Every client in `clients` has every message received by anyone.
    bool allHave(std::size_t expected, const std::vector<std::size_t>& clients) const {
        return std::all_of(clients.begin(), clients.end(),
                           [&](std::size_t c) { return next_[c] >= expected; });
    }
    void report() const {
        for (const auto& failure : failures_) {
            BOOST_TEST_MESSAGE("failure: " << failure);
        }
    }

private:
    void record(std::string_view payload) {
        v1::Envelope envelope;
        if (!hermes::codec::parseEnvelope(payload, envelope) || !envelope.has_message()) {
            fail("an undecodable chat frame");
            canonical_.emplace_back(payload);
            return;
        }
        const auto& message = envelope.message();
        if (message.room() != room_ || message.seq() != canonical_.size() + 1) {
            fail("message #" + std::to_string(canonical_.size() + 1) + " is " +
                 it::describe(envelope));
        }
        std::uint64_t& last = lastId_[message.from()];
        if (message.client_msg_id() != last + 1) {
            fail(message.from() + ": after id " + std::to_string(last) + " came id " +
                 std::to_string(message.client_msg_id()));
        }
        last = message.client_msg_id();
        canonical_.emplace_back(payload);
    }

    std::string room_;
    std::vector<std::string> canonical_;
    std::vector<std::size_t> next_;
    std::map<std::string, std::uint64_t> lastId_;
    std::vector<std::string> failures_;
    std::size_t failureCount_ = 0;
};

// The clients of one test: a swarm, the room ledger, and what else arrived.
struct Room {
    Room(std::uint16_t port, std::string name, std::size_t clients)
        : swarm(port),
          ledger(name, clients),
          roomName(std::move(name)),
          joined(clients, false),
          closedBy(clients) {}

    it::ClientSwarm swarm;
    RoomLedger ledger;
    std::string roomName;
    std::vector<bool> joined;
    std::size_t joinedCount = 0;
    std::vector<std::string> closedBy;         // why the connection ended, "" while open
    std::map<std::string, std::string> quits;  // nick -> QUIT reason, as members saw it
    std::map<std::string, it::Clock::time_point> quitSeen;
    std::size_t errors = 0;

    void onFrame(std::size_t client, std::string_view payload) {
        if (!payload.empty() && payload[0] == it::kChatMessageTag) {
            ledger.onChat(client, payload);
            return;
        }
        v1::Envelope envelope;
        if (!hermes::codec::parseEnvelope(payload, envelope)) {
            ledger.fail(nickOf(client) + " got an undecodable frame");
        } else if (envelope.has_members() && envelope.members().room() == roomName &&
                   !joined[client]) {
            joined[client] = true;
            ++joinedCount;
        } else if (envelope.has_presence() &&
                   envelope.presence().kind() == v1::PRESENCE_KIND_QUIT) {
            for (const auto& nick : envelope.presence().nicks()) {
                quits.emplace(nick, envelope.presence().reason());
                quitSeen.emplace(nick, it::Clock::now());
            }
        } else if (envelope.has_error()) {
            ++errors;
            ledger.fail(nickOf(client) + ": " + it::describe(envelope));
        }
    }

    // Connects `count` clients (receive buffer `rcvbuf` if > 0) and joins them.
    void joinAll(std::size_t count, int rcvbuf = 0) {
        for (std::size_t client = 0; client < count; ++client) {
            swarm.add(rcvbuf);
            swarm.queue(client, it::helloEnvelope(nickOf(client)));
            swarm.queue(client, it::joinEnvelope(roomName));
        }
        BOOST_TEST_REQUIRE(run(it::after(60s), [&] { return joinedCount == count; }),
                           joinedCount << " of " << count << " joined");
    }

    bool run(it::Deadline deadline, const std::function<bool()>& done) {
        return swarm.run(
            deadline, [this](std::size_t c, std::string_view p) { onFrame(c, p); },
            [&] { return done() || ledger.failures() > 0; },
            [this](std::size_t c, const std::string& why) { closedBy[c] = why; });
    }

    std::string burstOf(std::size_t client, std::uint64_t firstId, std::size_t count,
                        std::size_t textBytes) const {
        std::string frames;
        for (std::uint64_t id = firstId; id < firstId + count; ++id) {
            frames += it::frameOf(it::sayEnvelope(roomName, textOf(client, id, textBytes), id));
        }
        return frames;
    }
};

v1::Stats statsOf(it::RawClient& observer) {
    observer.send(it::statsRequestEnvelope());
    return observer.expect(it::isBody(v1::Envelope::kStats), it::after(10s), "Stats")
        .envelope.stats();
}

std::size_t disconnectsOf(const v1::Stats& stats) {
    std::size_t total = 0;
    for (const auto& [reason, count] : stats.disconnects()) {
        total += count;
    }
    return total;
}

// The hub's peak resident memory (VmHWM), in bytes.
std::size_t peakRss(pid_t pid) {
    std::ifstream status("/proc/" + std::to_string(pid) + "/status");
    for (std::string line; std::getline(status, line);) {
        if (line.rfind("VmHWM:", 0) == 0) {
            return std::stoul(line.substr(6)) * 1024;
        }
    }
    return 0;
}

std::size_t currentRss(pid_t pid) {
    std::ifstream status("/proc/" + std::to_string(pid) + "/status");
    for (std::string line; std::getline(status, line);) {
        if (line.rfind("VmRSS:", 0) == 0) {
            return std::stoul(line.substr(6)) * 1024;
        }
    }
    return 0;
}

// Everyone in the room sends `burst` messages of `textBytes` at the same
// moment; every member must get all of them, and nobody is cut.
void everyoneBursts(it::HubGuard& guard, std::size_t members, std::size_t burst,
                    std::size_t textBytes) {
    Room room(guard.hub.port(), "burst", members);
    room.joinAll(members);
    it::RawClient observer(guard.hub.port(), "observer");
    observer.hello("observer", it::after(10s));

    for (std::size_t client = 0; client < members; ++client) {
        room.swarm.queue(client, room.burstOf(client, 1, burst, textBytes));
    }
    const std::size_t total = members * burst;
    std::vector<std::size_t> everyone(members);
    for (std::size_t i = 0; i < members; ++i) {
        everyone[i] = i;
    }
    const auto start = it::Clock::now();
    const bool complete =
        room.run(it::after(120s), [&] { return room.ledger.allHave(total, everyone); });
    const auto took =
        std::chrono::duration_cast<std::chrono::milliseconds>(it::Clock::now() - start);
    BOOST_TEST_MESSAGE(members << " members x " << burst << " messages of " << textBytes
                               << " bytes: " << total * members << " deliveries in " << took.count()
                               << " ms");
    room.ledger.report();
    BOOST_TEST(room.ledger.failures() == 0u);
    BOOST_TEST_REQUIRE(complete, "not every member received all " << total << " messages");
    BOOST_TEST(room.ledger.sent() == total);
    for (std::size_t client = 0; client < members; ++client) {
        BOOST_TEST_CONTEXT(nickOf(client)) {
            BOOST_TEST(room.ledger.lastIdFrom(nickOf(client)) == burst);
            BOOST_TEST(room.closedBy[client].empty());
        }
    }
    const v1::Stats stats = statsOf(observer);
    BOOST_TEST(disconnectsOf(stats) == 0u, "members cut: " << stats.ShortDebugString());
    // The budget is a threshold, passed only by one turn's fan-out past its
    // headroom (docs/HUB.md "How far past the budget"); in one room with no
    // member thousands of ranges behind, that fits in the headroom.
    BOOST_TEST(stats.output_memory_peak_bytes() <= stats.output_memory_budget_bytes());
    BOOST_TEST_MESSAGE("output memory peak " << stats.output_memory_peak_bytes() << " bytes, "
                                             << stats.input_pauses() << " input pauses");
    room.swarm.closeAll();
    guard.expectCleanStop();
}

// The shipped config's members are people on their own machines; here they
// all come from 127.0.0.1, so its per-address limits are lifted.
it::HubProcess::Settings onePerMachine(it::HubProcess::Settings settings) {
    settings["hub.max_clients_per_address"] = "0";
    settings["hub.max_handshakes_per_address"] = "0";
    return settings;
}

}  // namespace

BOOST_AUTO_TEST_CASE(shipped_config_sixty_members_burst_at_once) {
    // The issue's report: the shipped config (5 messages/s, burst 10, 4 KiB
    // texts), 60 members each sending 10 messages of 4,000 bytes at once.
    // Before: all 60 cut with SLOW_CONSUMER, nothing delivered.
    it::HubGuard guard(onePerMachine(it::HubProcess::shippedConfig()));
    everyoneBursts(guard, 60, 10, 4000);
}

BOOST_AUTO_TEST_CASE(two_hundred_members_with_a_larger_burst) {
    auto settings = onePerMachine(it::HubProcess::shippedConfig());
    settings["hub.rate_burst"] = "15";
    settings["hub.max_clients"] = "256";
    it::HubGuard guard(settings);
    everyoneBursts(guard, 200, 15, 4000);
}

BOOST_AUTO_TEST_CASE(a_member_that_stops_reading_is_cut_within_the_stall_timeout) {
    // 100 members chat, one message of 2,000 bytes a second each; member 100
    // stops reading. It must be cut for its write stall (10 s with no byte
    // taken, the default), not before, and the others must get everything.
    it::HubGuard guard(it::HubProcess::Settings{{"default_room", ""}});
    constexpr std::size_t kChatters = 100;
    Room room(guard.hub.port(), "chat", kChatters + 1);
    room.joinAll(kChatters);
    it::RawClient observer(guard.hub.port(), "observer");
    observer.hello("observer", it::after(10s));
    const std::size_t stalled = room.swarm.add(4096);
    room.swarm.queue(stalled, it::helloEnvelope(nickOf(stalled)));
    room.swarm.queue(stalled, it::joinEnvelope("chat"));
    BOOST_TEST_REQUIRE(room.run(it::after(20s), [&] { return room.joined[stalled]; }));
    room.swarm.setReading(stalled, false);
    const auto stoppedAt = it::Clock::now();

    // Each chatter says one line a second, spread over the second.
    room.swarm.setWakeInterval(10ms);
    std::vector<std::uint64_t> said(kChatters, 0);
    std::size_t totalSaid = 0;
    const auto sendDue = [&] {
        const auto elapsed = it::Clock::now() - stoppedAt;
        for (std::size_t c = 0; c < kChatters; ++c) {
            const auto due = elapsed + std::chrono::milliseconds(c * 1000 / kChatters);
            const auto lines = static_cast<std::uint64_t>(
                std::chrono::duration_cast<std::chrono::seconds>(due).count());
            while (said[c] < lines) {
                room.swarm.queue(c, room.burstOf(c, ++said[c], 1, 2000));
                ++totalSaid;
            }
        }
    };
    const std::string stalledNick = nickOf(stalled);
    const bool cut = room.run(it::after(30s), [&] {
        sendDue();
        return room.quits.count(stalledNick) != 0;
    });
    BOOST_TEST_REQUIRE(cut, stalledNick << " was not cut within 30 s");
    const auto after = std::chrono::duration_cast<std::chrono::milliseconds>(
        room.quitSeen[stalledNick] - stoppedAt);
    BOOST_TEST_MESSAGE(stalledNick << " cut " << after.count() << " ms after it stopped reading ("
                                   << room.quits[stalledNick] << ")");
    // Why, as the hub counts it (the QUIT text is for people).
    const v1::Stats cutStats = statsOf(observer);
    BOOST_TEST(disconnectsOf(cutStats) == 1u, "closes: " << cutStats.ShortDebugString());
    BOOST_TEST(cutStats.disconnects().count("write_stall") == 1u,
               "closes: " << cutStats.ShortDebugString());
    // Not before its stall timeout, and within it once the kernel stopped
    // taking bytes for it: hermesd.send_buffer_bytes (256 KiB, doubled by
    // the kernel) and its receive window fill in about 3 s at 200 KB/s; the
    // hub's timer scan runs every 250 ms. The upper bound leaves room for a
    // shared, noisy machine: it measures a 10 s stall, not the scheduler.
    BOOST_TEST(after >= 10s);
    BOOST_TEST(after <= 20s);

    // The others: everything said until now arrives, in order, to all.
    std::vector<std::size_t> chatters(kChatters);
    for (std::size_t c = 0; c < kChatters; ++c) {
        chatters[c] = c;
    }
    const bool complete =
        room.run(it::after(20s), [&] { return room.ledger.allHave(totalSaid, chatters); });
    room.ledger.report();
    BOOST_TEST(room.ledger.failures() == 0u);
    BOOST_TEST(complete, "the chatters did not all receive the " << totalSaid << " lines");
    BOOST_TEST(room.quits.size() == 1u, "only the stalled member is cut");
    room.swarm.closeAll();
    guard.expectCleanStop();
}

BOOST_AUTO_TEST_CASE(a_slow_steady_reader_is_never_cut) {
    // A member reads at 200 KB/s. Twice, 20 members each send 15 messages
    // of 4,000 bytes at once: 1.2 MB bursts, more than the old 1 MiB bound,
    // 7 s apart, so the room averages less than the reader takes. It falls
    // 6 s behind after each burst and catches up: it must never be cut.
    it::HubGuard guard(it::HubProcess::Settings{{"default_room", ""}});
    constexpr std::size_t kSenders = 20;
    Room room(guard.hub.port(), "busy", kSenders + 1);
    room.joinAll(kSenders + 1);
    const std::size_t reader = kSenders;
    room.swarm.setReadRate(reader, 200 * 1000);
    room.swarm.setWakeInterval(20ms);
    const auto start = it::Clock::now();
    int bursts = 0;
    const auto burstDue = [&] {
        const int due = it::Clock::now() - start >= 7s ? 2 : 1;
        for (; bursts < due; ++bursts) {
            for (std::size_t c = 0; c < kSenders; ++c) {
                room.swarm.queue(
                    c, room.burstOf(c, 1 + 15 * static_cast<std::uint64_t>(bursts), 15, 4000));
            }
        }
        return bursts;
    };
    std::vector<std::size_t> everyone(kSenders + 1);
    for (std::size_t c = 0; c <= kSenders; ++c) {
        everyone[c] = c;
    }
    const std::size_t total = 2 * kSenders * 15;
    const bool complete = room.run(
        it::after(40s), [&] { return burstDue() == 2 && room.ledger.allHave(total, everyone); });
    const auto took =
        std::chrono::duration_cast<std::chrono::milliseconds>(it::Clock::now() - start);
    BOOST_TEST_MESSAGE("the slow reader had all " << total << " messages after " << took.count()
                                                  << " ms");
    room.ledger.report();
    BOOST_TEST(room.ledger.failures() == 0u);
    BOOST_TEST(complete, "the reader had " << room.ledger.receivedBy(reader) << " of " << total);
    BOOST_TEST(room.closedBy[reader].empty());
    BOOST_TEST(room.quits.empty(), "nobody is cut");
    // It really was slow: the second burst alone takes it 6 s.
    BOOST_TEST(took >= 10s);
    room.swarm.closeAll();
    guard.expectCleanStop();
}

BOOST_AUTO_TEST_CASE(five_hundred_members_two_stalled_stay_within_the_budget) {
    // 500 members, 50 of them saying a line of 1,000 bytes every 200 ms,
    // and two members that stop reading. Output memory is budgeted at 2 MiB
    // here: the stalled members pin what they have not read until they are
    // cut, and the budget, not their appetite, bounds the hub's memory.
    constexpr std::size_t kBudget = 2 * 1024 * 1024;
    it::HubGuard guard(it::HubProcess::Settings{{"default_room", ""},
                                                {"max_queued_bytes", std::to_string(kBudget)}});
    constexpr std::size_t kMembers = 500;
    constexpr std::size_t kSenders = 50;
    constexpr std::uint64_t kLines = 60;  // 12 s of chat
    Room room(guard.hub.port(), "big", kMembers + 2);
    room.joinAll(kMembers);
    it::RawClient observer(guard.hub.port(), "observer");
    observer.hello("observer", it::after(10s));
    const std::size_t idleRss = currentRss(guard.hub.pid());
    std::vector<std::size_t> stalled;
    for (int k = 0; k < 2; ++k) {
        const std::size_t c = room.swarm.add(4096);
        room.swarm.queue(c, it::helloEnvelope(nickOf(c)));
        room.swarm.queue(c, it::joinEnvelope("big"));
        stalled.push_back(c);
    }
    BOOST_TEST_REQUIRE(room.run(
        it::after(20s), [&] { return room.joined[stalled[0]] && room.joined[stalled[1]]; }));
    for (const std::size_t c : stalled) {
        room.swarm.setReading(c, false);
    }
    room.swarm.setWakeInterval(10ms);
    const auto start = it::Clock::now();
    std::vector<std::uint64_t> said(kSenders, 0);
    const auto sendDue = [&] {
        const auto elapsed = it::Clock::now() - start;
        bool all = true;
        for (std::size_t c = 0; c < kSenders; ++c) {
            const auto due = elapsed + std::chrono::milliseconds(c * 200 / kSenders);
            const auto lines =
                std::min<std::uint64_t>(kLines, static_cast<std::uint64_t>(due / 200ms));
            while (said[c] < lines) {
                room.swarm.queue(c, room.burstOf(c, ++said[c], 1, 1000));
            }
            all = all && said[c] == kLines;
        }
        return all;
    };
    std::vector<std::size_t> members(kMembers);
    for (std::size_t c = 0; c < kMembers; ++c) {
        members[c] = c;
    }
    const std::size_t total = kSenders * kLines;
    const bool complete = room.run(it::after(90s), [&] {
        return sendDue() && room.ledger.allHave(total, members) &&
               room.quits.count(nickOf(stalled[0])) != 0 &&
               room.quits.count(nickOf(stalled[1])) != 0;
    });
    room.ledger.report();
    BOOST_TEST(room.ledger.failures() == 0u);
    BOOST_TEST(complete, "delivered " << room.ledger.sent() << " of " << total
                                      << " lines; quits seen: " << room.quits.size());
    for (const std::size_t c : stalled) {
        BOOST_TEST_CONTEXT(nickOf(c)) {
            BOOST_TEST((room.quits.find(nickOf(c)) != room.quits.end()));
        }
    }
    BOOST_TEST(room.quits.size() == 2u, "only the stalled members are cut");
    const v1::Stats stats = statsOf(observer);
    // Both for not reading: after the stall timeout, or sooner if they held
    // the hub's input up (budget_stall). Nobody else was closed.
    const auto countOf = [&](const std::string& key) -> std::uint64_t {
        const auto found = stats.disconnects().find(key);
        return found == stats.disconnects().end() ? 0 : found->second;
    };
    BOOST_TEST(countOf("write_stall") + countOf("budget_stall") == 2u,
               "closes: " << stats.ShortDebugString());
    BOOST_TEST(disconnectsOf(stats) == 2u, "closes: " << stats.ShortDebugString());
    // As above: one room, nobody at the segment cap; the headroom covers
    // the fan-out of a turn.
    BOOST_TEST(stats.output_memory_peak_bytes() <= kBudget);
    const std::size_t peak = peakRss(guard.hub.pid());
    BOOST_TEST_MESSAGE("output memory peak "
                       << stats.output_memory_peak_bytes() << " bytes of " << kBudget << "; "
                       << stats.input_pauses() << " input pauses (" << stats.input_paused_ms()
                       << " ms); hub RSS with everyone idle " << idleRss / 1024 << " KiB, peak "
                       << peak / 1024 << " KiB");
    // docs/HUB.md: the hub's RSS stays under its RSS with the same clients
    // idle, plus the output budget, plus 8 MiB for input buffers and the
    // allocator. Sanitizers add their own memory: checked in plain builds.
    if (!kSanitized) {
        BOOST_TEST(peak <= idleRss + kBudget + 8 * 1024 * 1024);
    }
    room.swarm.closeAll();
    guard.expectCleanStop();
}

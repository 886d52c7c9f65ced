// Abuse limits a LAN needs (issue 16): one machine cannot take the hub's
// slots, with connections or with silent sockets, while another machine is
// still served; and a client that joins and leaves thousands of names does
// not grow the hub's rooms, memory or database. The second machine is a
// second loopback address (127.0.0.2), bound by the client before it
// connects to the hub on 127.0.0.1.
#define BOOST_TEST_MODULE AbuseLimitsTest
#include <boost/test/unit_test.hpp>

#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "BoostSupport.hpp"
#include "Frames.hpp"
#include "RawClient.hpp"

using namespace std::chrono_literals;
namespace it = hermes::it;
namespace v1 = hermes::v1;

namespace {

v1::Stats stats(it::RawClient& client) {
    client.send(it::statsRequestEnvelope());
    return client.expect(it::isBody(v1::Envelope::kStats), it::after(5s), "Stats").envelope.stats();
}

std::uint64_t disconnects(const v1::Stats& figures, const std::string& reason) {
    const auto found = figures.disconnects().find(reason);
    return found == figures.disconnects().end() ? 0 : found->second;
}

// The fatal HUB_FULL a refused connection gets, then the close.
std::string expectRefused(it::RawClient& client) {
    const auto error = client.expect(it::isError(v1::ERROR_CODE_HUB_FULL), it::after(5s),
                                     client.name() + " refused");
    BOOST_TEST(error.envelope.error().fatal());
    BOOST_TEST(client.waitClosed(it::after(5s)), client.name() << " closed after the error");
    return error.envelope.error().text();
}

// The hub's resident memory, from /proc (kB).
long residentKib(pid_t pid) {
    std::ifstream status("/proc/" + std::to_string(pid) + "/status");
    std::string line;
    while (std::getline(status, line)) {
        if (line.rfind("VmRSS:", 0) == 0) {
            return std::stol(line.substr(6));
        }
    }
    return -1;
}

// Waits until the hub reports `rooms` rooms (they are reclaimed at its
// timer scan, about once a second).
bool waitForRooms(it::RawClient& client, std::uint64_t rooms, std::chrono::seconds limit) {
    const auto deadline = it::after(limit);
    for (;;) {
        if (stats(client).rooms() == rooms) {
            return true;
        }
        if (it::Clock::now() > deadline) {
            return false;
        }
        // Ask again once the hub has had a moment (the Stats round trip
        // itself paces this loop; nothing here waits on time alone).
        client.send(it::pingEnvelope(1));
        client.expect(it::isBody(v1::Envelope::kPong), it::after(5s), "Pong");
    }
}

}  // namespace

BOOST_AUTO_TEST_CASE(silent_sockets_from_one_address_cannot_fill_the_hub) {
    // One acceptor thread takes the connections in the order they came, so
    // once the watcher (third to connect) is served, both silent sockets
    // hold their handshake places: with a pool, a busy machine could admit
    // silent3 before a slower thread had counted silent2.
    it::HubGuard guard(it::HubProcess::Settings{{"max_clients", "6"},
                                                {"max_clients_per_address", "4"},
                                                {"max_handshakes_per_address", "2"},
                                                {"hermesd.acceptor_threads", "1"}});
    const std::uint16_t port = guard.hub.port();

    // Two silent sockets from 127.0.0.1 hold its two handshake places; a
    // third is refused at once, though the hub and the address have room.
    it::RawClient silent1(port, "silent1");
    it::RawClient silent2(port, "silent2");
    it::RawClient watcher(port, "watcher", 0, "127.0.0.2");
    watcher.hello("watcher", it::after(5s));
    BOOST_TEST_REQUIRE(stats(watcher).clients() == 1u);
    it::RawClient silent3(port, "silent3");
    const std::string text = expectRefused(silent3);
    BOOST_TEST(text.find("before their Hello") != std::string::npos, text);
    BOOST_TEST(text.find("127.0.0.1") != std::string::npos, text);

    // Another machine is still served, and chats.
    it::RawClient other(port, "other", 0, "127.0.0.2");
    other.hello("other", it::after(5s));
    other.send(it::sayEnvelope("lobby", "still here", 1));
    watcher.expect(it::isChatText("lobby", "still here"), it::after(5s), "other's line");

    // A welcomed client frees its handshake place: 127.0.0.1 may connect again.
    silent1.hello("talker", it::after(5s));
    it::RawClient next(port, "next");
    next.hello("next", it::after(5s));

    const v1::Stats figures = stats(watcher);
    BOOST_TEST(disconnects(figures, "handshakes_full") == 1u);
    BOOST_TEST(guard.hub.log().find("handshakes_full") != std::string::npos);
    guard.expectCleanStop();
}

BOOST_AUTO_TEST_CASE(one_address_cannot_take_every_slot) {
    it::HubGuard guard(it::HubProcess::Settings{{"max_clients", "5"},
                                                {"max_clients_per_address", "3"},
                                                {"max_handshakes_per_address", "0"}});
    const std::uint16_t port = guard.hub.port();
    std::vector<std::unique_ptr<it::RawClient>> mine;
    for (int i = 0; i < 3; ++i) {
        mine.push_back(std::make_unique<it::RawClient>(port, "local" + std::to_string(i)));
        mine.back()->hello("local" + std::to_string(i), it::after(5s));
    }
    it::RawClient fourth(port, "local3");
    const std::string text = expectRefused(fourth);
    BOOST_TEST(text.find("from one address (127.0.0.1)") != std::string::npos, text);

    // 127.0.0.2 gets the two slots left; then the hub itself is full.
    it::RawClient a(port, "remote-a", 0, "127.0.0.2");
    a.hello("remote-a", it::after(5s));
    it::RawClient b(port, "remote-b", 0, "127.0.0.2");
    b.hello("remote-b", it::after(5s));
    b.send(it::sayEnvelope("lobby", "two machines", 1));
    mine.front()->expect(it::isChatText("lobby", "two machines"), it::after(5s), "b's line");
    it::RawClient third(port, "remote-c", 0, "127.0.0.3");
    BOOST_TEST(expectRefused(third).find("maximum of 5 connections") != std::string::npos);

    // One of 127.0.0.1's leaves (once the hub has seen it go): its slot is
    // usable again.
    mine.pop_back();
    mine.front()->expect(it::isPresence(v1::PRESENCE_KIND_QUIT, "local2"), it::after(5s),
                         "local2's QUIT");
    it::RawClient again(port, "local-again");
    again.hello("local-again", it::after(5s));
    guard.expectCleanStop();
}

// A client that joins and leaves thousands of names: every room it made
// holding nothing is reclaimed (the hub's room count, memory and database
// come back), a room someone wrote in is kept, and hub.max_rooms bounds
// those.
BOOST_AUTO_TEST_CASE(abandoned_rooms_are_reclaimed_and_rooms_are_capped) {
    // No rate limit: the churn is 6,000 frames in a few writes.
    it::HubGuard guard(it::HubProcess::Settings{{"max_rooms", "5"}, {"rate_per_second", "0"}});
    const std::uint16_t port = guard.hub.port();
    it::RawClient ana(port, "ana");
    it::RawClient churn(port, "churn");
    ana.hello("ana", it::after(5s));
    churn.hello("churn", it::after(5s));
    BOOST_TEST_REQUIRE(stats(ana).rooms() == 1u);  // lobby
    const long rssBefore = residentKib(guard.hub.pid());

    // 3,000 names joined and left, 100 per write; at most 2 rooms exist at
    // once (lobby and the one being visited), so the cap of 5 never bites.
    constexpr int kNames = 3000;
    for (int first = 0; first < kNames; first += 100) {
        std::string frames;
        for (int i = first; i < first + 100; ++i) {
            const std::string room = "junk" + std::to_string(i);
            frames += it::frameOf(it::joinEnvelope(room, true));
            frames += it::frameOf(it::leaveEnvelope(room));
        }
        churn.sendBytes(frames);
        churn.sync(it::after(10s));
        churn.inbox().clear();
    }
    for (const auto& frame : churn.inbox()) {
        BOOST_TEST(!frame.envelope.has_error(), it::describe(frame.envelope));
    }
    BOOST_TEST(waitForRooms(ana, 1, 10s), "the empty rooms are reclaimed");
    const long rssAfter = residentKib(guard.hub.pid());
    std::cout << "rooms: " << kNames << " names joined and left; hub RSS " << rssBefore
              << " kB before, " << rssAfter << " kB after (" << (rssAfter - rssBefore) << " kB)\n";

    // A room with a message is kept when it empties; its seqs go on.
    churn.send(it::joinEnvelope("kept"));
    churn.send(it::sayEnvelope("kept", "remember me", 1));
    churn.expect(it::isChatText("kept", "remember me"), it::after(5s), "the echo");
    churn.send(it::leaveEnvelope("kept"));
    churn.sync(it::after(5s));
    // Reclaimed rooms come and go meanwhile: "kept" stays through scans.
    churn.send(it::joinEnvelope("passing"));
    churn.send(it::leaveEnvelope("passing"));
    BOOST_TEST(waitForRooms(ana, 2, 10s), "lobby and kept");

    // The cap: lobby, kept and three more rooms with a message each.
    for (int i = 0; i < 3; ++i) {
        const std::string room = "busy" + std::to_string(i);
        churn.send(it::joinEnvelope(room));
        churn.send(it::sayEnvelope(room, "hello " + room, 10 + static_cast<std::uint64_t>(i)));
        churn.expect(it::isChatText(room, "hello " + room), it::after(5s), "echo in " + room);
    }
    BOOST_TEST(stats(ana).rooms() == 5u);
    churn.send(it::joinEnvelope("one-too-many"));
    const auto refused =
        churn.expect(it::isError(v1::ERROR_CODE_TOO_MANY_ROOMS), it::after(5s), "TOO_MANY_ROOMS");
    BOOST_TEST(!refused.envelope.error().fatal());
    BOOST_TEST(refused.envelope.error().text().find("hub.max_rooms") != std::string::npos);
    // Existing rooms can still be joined, and the refused one was never made.
    ana.send(it::joinEnvelope("kept"));
    const auto page = ana.expect(it::isBody(v1::Envelope::kHistoryPage), it::after(5s), "backlog");
    BOOST_TEST_REQUIRE(page.envelope.history_page().messages_size() == 1);
    BOOST_TEST(page.envelope.history_page().messages(0).text() == "remember me");
    BOOST_TEST(page.envelope.history_page().messages(0).seq() == 1u);
    BOOST_TEST(stats(ana).rooms() == 5u);
    guard.expectCleanStop();
}

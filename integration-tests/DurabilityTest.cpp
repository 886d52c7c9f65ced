// Durable history against a real hermesd: a restart keeps history, topics and
// rooms and continues seqs; kill -9 during traffic loses no message that any
// client saw (the echo is sent only after the commit); retention shows as a
// gap; search finds and misses; a corrupt or unusable database stops the hub
// at start with a clear error and a non-zero exit.
#define BOOST_TEST_MODULE DurabilityTest
#include <boost/test/unit_test.hpp>

#include <signal.h>
#include <stdlib.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "BoostSupport.hpp"
#include "Frames.hpp"
#include "RawClient.hpp"
#include "hermes/test/TempDir.hpp"

using namespace std::chrono_literals;
namespace it = hermes::it;
namespace v1 = hermes::v1;

using hermes::test::TempDir;

namespace {

it::HubProcess::Settings onFile(const std::string& db, it::HubProcess::Settings extra = {}) {
    extra["history.path"] = db;
    extra.try_emplace("default_room", "");
    return extra;
}

v1::Envelope searchEnvelope(const std::string& room, const std::string& query,
                            std::uint32_t limit = 0, std::uint64_t beforeSeq = 0) {
    v1::Envelope e;
    e.mutable_search_request()->set_room(room);
    e.mutable_search_request()->set_query(query);
    e.mutable_search_request()->set_limit(limit);
    e.mutable_search_request()->set_before_seq(beforeSeq);
    return e;
}

v1::Envelope roomListEnvelope() {
    v1::Envelope e;
    e.mutable_room_list_request();
    return e;
}

// Pages through the whole history of `room` from after_seq 0.
std::vector<v1::HistoryPage> readAll(it::RawClient& client, const std::string& room) {
    std::vector<v1::HistoryPage> pages;
    std::uint64_t after = 0;
    for (int page = 0; page < 10'000; ++page) {  // bounded: each page moves `after` on
        client.inbox().clear();
        client.send(it::historyEnvelope(room, after, 0));
        const it::Frame frame =
            client.expect(it::isBody(v1::Envelope::kHistoryPage), it::after(10s), "history page");
        pages.push_back(frame.envelope.history_page());
        const auto& got = pages.back();
        if (!got.has_more() || got.messages_size() == 0) {
            break;
        }
        after = got.messages(got.messages_size() - 1).seq();
    }
    return pages;
}

void sayAndExpectEcho(it::RawClient& client, const std::string& room, const std::string& text,
                      std::uint64_t id) {
    client.send(it::sayEnvelope(room, text, id));
    client.expect(it::isChatText(room, text), it::after(10s), "echo of " + text);
}

}  // namespace

BOOST_AUTO_TEST_CASE(restart_keeps_history_topics_and_rooms_and_continues_seqs) {
    TempDir dir;
    const std::string db = dir.path + "/history.db";
    std::uint64_t firstEpoch = 0;
    {
        it::HubGuard guard(onFile(db));
        it::RawClient ana(guard.hub.port(), "ana");
        firstEpoch = ana.hello("ana", it::after(5s)).epoch();
        ana.send(it::joinEnvelope("kitchen"));
        ana.send(it::topicEnvelope("kitchen", "soup tonight"));
        for (int i = 1; i <= 5; ++i) {
            sayAndExpectEcho(ana, "kitchen", "before " + std::to_string(i),
                             static_cast<std::uint64_t>(i));
        }
        guard.expectCleanStop();
    }
    it::HubGuard guard(onFile(db));
    BOOST_TEST(guard.hub.log().find("restored 1 rooms, 5 messages") != std::string::npos,
               guard.hub.logTail(10));
    it::RawClient bob(guard.hub.port(), "bob");
    BOOST_TEST(bob.hello("bob", it::after(5s)).epoch() != firstEpoch);

    bob.send(roomListEnvelope());
    const it::Frame list =
        bob.expect(it::isBody(v1::Envelope::kRoomList), it::after(5s), "room list");
    BOOST_TEST_REQUIRE(list.envelope.room_list().rooms_size() == 1);
    BOOST_TEST(list.envelope.room_list().rooms(0).name() == "kitchen");
    BOOST_TEST(list.envelope.room_list().rooms(0).topic() == "soup tonight");

    const std::vector<v1::HistoryPage> pages = readAll(bob, "kitchen");
    BOOST_TEST_REQUIRE(pages.size() == 1u);
    BOOST_TEST(!pages[0].has_gap());
    BOOST_TEST(pages[0].head_seq() == 5u);
    BOOST_TEST_REQUIRE(pages[0].messages_size() == 5);
    BOOST_TEST(pages[0].messages(0).text() == "before 1");
    BOOST_TEST(pages[0].messages(4).seq() == 5u);
    BOOST_TEST(pages[0].messages(4).epoch() == firstEpoch);

    bob.send(it::joinEnvelope("kitchen"));
    const it::Frame topic = bob.expect(it::isBody(v1::Envelope::kTopic), it::after(5s), "topic");
    BOOST_TEST(topic.envelope.topic().set_by() == "ana");
    bob.send(it::sayEnvelope("kitchen", "after", 9));
    const it::Frame echo = bob.expect(it::isChatText("kitchen", "after"), it::after(5s), "echo");
    BOOST_TEST(echo.envelope.message().seq() == 6u);
    guard.expectCleanStop();
}

BOOST_AUTO_TEST_CASE(kill_9_during_traffic_loses_no_echoed_message) {
    TempDir dir;
    const std::string db = dir.path + "/history.db";
    constexpr int kClients = 4;
    constexpr int kPerClient = 400;
    // (seq, from, client_msg_id, text) of every ChatMessage any client received.
    std::set<std::tuple<std::uint64_t, std::string, std::uint64_t, std::string>> seen;
    {
        it::HubGuard guard(onFile(db));
        std::vector<std::unique_ptr<it::RawClient>> clients;
        for (int c = 0; c < kClients; ++c) {
            const std::string nick = "c" + std::to_string(c);
            clients.push_back(std::make_unique<it::RawClient>(guard.hub.port(), nick));
            clients.back()->hello(nick, it::after(5s));
            clients.back()->send(it::joinEnvelope("busy", true));
            clients.back()->sync(it::after(5s));
        }
        // Everyone sends everything at once; the hub is killed while echoes
        // are still coming.
        for (int i = 0; i < kPerClient; ++i) {
            for (int c = 0; c < kClients; ++c) {
                clients[static_cast<std::size_t>(c)]->send(
                    it::sayEnvelope("busy", "c" + std::to_string(c) + " m" + std::to_string(i),
                                    static_cast<std::uint64_t>(i + 1)));
            }
        }
        const auto chats = [](it::RawClient& client) {
            std::size_t n = 0;
            for (const auto& frame : client.inbox()) {
                n += frame.envelope.has_message() ? 1 : 0;
            }
            return n;
        };
        const it::Deadline deadline = it::after(20s);
        while (chats(*clients[0]) < 200 && it::Clock::now() < deadline) {
            clients[0]->readSome(deadline);
        }
        BOOST_TEST_REQUIRE(chats(*clients[0]) >= 200u);
        guard.hub.signal(SIGKILL);
        const auto status = guard.hub.waitExit(10s);
        BOOST_TEST_REQUIRE(status.has_value());
        BOOST_TEST(status->signal == SIGKILL);
        for (auto& client : clients) {
            BOOST_TEST(client->waitClosed(it::after(10s)));
            for (const auto& frame : client->inbox()) {
                if (frame.envelope.has_message()) {
                    const auto& m = frame.envelope.message();
                    seen.emplace(m.seq(), m.from(), m.client_msg_id(), m.text());
                }
            }
        }
    }
    BOOST_TEST_REQUIRE(seen.size() >= 200u);
    BOOST_TEST_MESSAGE("messages seen before kill -9: " << seen.size() << " of "
                                                        << kClients * kPerClient);

    it::HubGuard guard(onFile(db));
    it::RawClient reader(guard.hub.port(), "reader");
    reader.hello("reader", it::after(5s));
    std::set<std::tuple<std::uint64_t, std::string, std::uint64_t, std::string>> stored;
    std::uint64_t expectSeq = 1;
    for (const v1::HistoryPage& page : readAll(reader, "busy")) {
        BOOST_TEST(!page.has_gap());
        for (const auto& m : page.messages()) {
            BOOST_TEST(m.seq() == expectSeq);  // gapless
            ++expectSeq;
            stored.emplace(m.seq(), m.from(), m.client_msg_id(), m.text());
        }
    }
    std::size_t missing = 0;
    for (const auto& message : seen) {
        if (stored.count(message) == 0) {
            ++missing;
            BOOST_TEST_MESSAGE("echoed but not stored: seq " << std::get<0>(message) << " "
                                                             << std::get<3>(message));
        }
    }
    BOOST_TEST(missing == 0u);
    BOOST_TEST(stored.size() >= seen.size());
    guard.expectCleanStop();
}

BOOST_AUTO_TEST_CASE(retention_prunes_in_the_background_and_history_shows_the_gap) {
    TempDir dir;
    it::HubGuard guard(onFile(dir.path + "/history.db", {{"history.max_messages_per_room", "5"}}));
    it::RawClient ana(guard.hub.port(), "ana");
    ana.hello("ana", it::after(5s));
    ana.send(it::joinEnvelope("r"));
    for (int i = 1; i <= 12; ++i) {
        sayAndExpectEcho(ana, "r", "m" + std::to_string(i), static_cast<std::uint64_t>(i));
    }
    // Pruning runs on the store's writer after the commits: ask until it shows.
    std::optional<v1::HistoryPage> pruned;
    // Bounded by time; the count only bounds a loop that never blocks.
    const it::Deadline deadline = it::after(20s);
    for (int attempt = 0; attempt < 100'000 && it::Clock::now() < deadline; ++attempt) {
        const std::vector<v1::HistoryPage> pages = readAll(ana, "r");
        if (pages.front().has_gap() && pages.front().messages_size() == 5) {
            pruned = pages.front();
            break;
        }
    }
    BOOST_TEST_REQUIRE(pruned.has_value());
    BOOST_TEST(pruned->gap().first_seq() == 1u);
    BOOST_TEST(pruned->gap().last_seq() == 7u);
    BOOST_TEST(pruned->messages(0).seq() == 8u);
    BOOST_TEST(pruned->head_seq() == 12u);
    guard.expectCleanStop();
}

BOOST_AUTO_TEST_CASE(search_finds_hits_newest_first_and_reports_misses) {
    TempDir dir;
    it::HubGuard guard(onFile(dir.path + "/history.db"));
    BOOST_TEST(guard.hub.log().find("FTS5 search") != std::string::npos, guard.hub.logTail(5));
    it::RawClient ana(guard.hub.port(), "ana");
    ana.hello("ana", it::after(5s));
    ana.send(it::joinEnvelope("r"));
    sayAndExpectEcho(ana, "r", "the deploy failed", 1);
    sayAndExpectEcho(ana, "r", "lunch?", 2);
    sayAndExpectEcho(ana, "r", "Deploy FAILED again", 3);

    ana.send(searchEnvelope("r", "deploy failed"));
    it::Frame results =
        ana.expect(it::isBody(v1::Envelope::kSearchResults), it::after(5s), "search results");
    const auto& hits = results.envelope.search_results();
    BOOST_TEST_REQUIRE(hits.messages_size() == 2);
    BOOST_TEST(hits.messages(0).seq() == 3u);
    BOOST_TEST(hits.messages(1).seq() == 1u);
    BOOST_TEST(!hits.has_more());

    ana.inbox().clear();
    ana.send(searchEnvelope("r", "giraffe"));
    results = ana.expect(it::isBody(v1::Envelope::kSearchResults), it::after(5s), "no hits");
    BOOST_TEST(results.envelope.search_results().messages_size() == 0);
    BOOST_TEST(results.envelope.search_results().query() == "giraffe");

    ana.send(searchEnvelope("nowhere", "x"));
    ana.expect(it::isError(v1::ERROR_CODE_INVALID_ROOM), it::after(5s), "INVALID_ROOM");
    guard.expectCleanStop();
}

BOOST_AUTO_TEST_CASE(a_corrupt_or_unusable_database_stops_the_hub_at_start) {
    TempDir dir;
    const std::string corrupt = dir.path + "/corrupt.db";
    {
        std::ofstream out(corrupt, std::ios::binary);
        out << std::string(8192, 'x');
    }
    const std::string missingDir = dir.path + "/no-such-dir/history.db";
    const std::vector<std::pair<std::string, std::string>> cases = {
        {corrupt, "file is not a database"},
        {missingDir, "unable to open database file"},
        {dir.path, "unable to open database file"},  // a directory, not a file
    };
    for (const auto& [path, words] : cases) {
        BOOST_TEST_CONTEXT(path) {
            try {
                it::HubProcess hub(onFile(path));
                BOOST_FAIL("hermesd started on " + path);
            } catch (const std::runtime_error& error) {
                const std::string text = error.what();
                // HubProcess reports the exit before listening with the log tail.
                BOOST_TEST(text.find("exited with code 73") != std::string::npos, text);
                BOOST_TEST(text.find(path) != std::string::npos, text);
                BOOST_TEST(text.find(words) != std::string::npos, text);
            }
        }
    }
    // The corrupt file is left as it was: nothing was overwritten.
    BOOST_TEST(std::filesystem::file_size(corrupt) == 8192u);
}

// The catch-all per connection: an exception while the hub serves one
// client's frame (here a read error of the history store, as SQLite would
// raise for a damaged file) closes that client with Error{INTERNAL}, is
// logged, and every other client goes on chatting.
#define BOOST_TEST_MODULE hub_fault
#include <boost/test/unit_test.hpp>

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <Poco/AutoPtr.h>
#include <Poco/Channel.h>
#include <Poco/Exception.h>
#include <Poco/Logger.h>
#include <Poco/Message.h>

#include "HubTestHarness.hpp"
#include "hermes/hub/MemoryHistory.hpp"

using namespace hermes;
using namespace hermes::hub;
using namespace hermes::hub::test;

namespace {

// MemoryHistory whose reads fail while `broken` is set.
class FailingStore : public HistoryStore {
public:
    explicit FailingStore(bool& broken) : broken_(broken), memory_(1000) {}
    void append(const v1::ChatMessage& message) override { memory_.append(message); }
    HistorySlice after(std::string_view room, std::uint64_t afterSeq,
                       std::size_t limit) const override {
        fail();
        return memory_.after(room, afterSeq, limit);
    }
    std::vector<v1::ChatMessage> tail(std::string_view room, std::size_t count) const override {
        fail();
        return memory_.tail(room, count);
    }
    std::uint64_t lastSeq(std::string_view room) const override { return memory_.lastSeq(room); }
    SearchHits search(std::string_view room, std::string_view query, std::size_t limit,
                      std::uint64_t beforeSeq) const override {
        fail();
        return memory_.search(room, query, limit, beforeSeq);
    }

private:
    void fail() const {
        if (broken_) {
            throw Poco::IOException("disk I/O error (injected)");
        }
    }
    bool& broken_;
    MemoryHistory memory_;
};

// Keeps what the hub logs.
class Capture : public Poco::Channel {
public:
    void log(const Poco::Message& message) override { lines.push_back(message.getText()); }
    bool contains(const std::string& text) const {
        for (const std::string& line : lines) {
            if (line.find(text) != std::string::npos) {
                return true;
            }
        }
        return false;
    }
    std::vector<std::string> lines;
};

struct FaultyHub {
    FaultyHub()
        : capture(new Capture), h(testConfig(), 77, std::make_unique<FailingStore>(broken)) {
        Poco::Logger::get("hermes.hub").setChannel(capture);
    }
    ~FaultyHub() { Poco::Logger::get("hermes.hub").setChannel(nullptr); }
    bool broken = false;  // before h: the store refers to it
    Poco::AutoPtr<Capture> capture;
    HubHarness h;
};

v1::Envelope historyRequest(const std::string& room) {
    v1::Envelope e;
    e.mutable_history_request()->set_room(room);
    return e;
}

bool sawQuit(const std::vector<v1::Envelope>& got, const std::string& nick,
             const std::string& reason) {
    for (const v1::Envelope& e : got) {
        if (e.has_presence() && e.presence().kind() == v1::PRESENCE_KIND_QUIT &&
            e.presence().reason() == reason) {
            for (const std::string& n : e.presence().nicks()) {
                if (n == nick) {
                    return true;
                }
            }
        }
    }
    return false;
}

}  // namespace

BOOST_AUTO_TEST_CASE(a_store_read_error_closes_that_session_alone) {
    FaultyHub f;
    HubHarness& h = f.h;
    const SessionId ana = h.login("ana");
    const SessionId bob = h.login("bob");
    const SessionId carol = h.login("carol");
    for (const SessionId id : {ana, bob, carol}) {
        h.send(id, join("r"));
    }
    h.send(bob, say("r", 1, "before"));
    for (const SessionId id : {ana, bob, carol}) {
        h.clear(id);
    }

    f.broken = true;
    h.send(ana, historyRequest("r"));

    // ana: an INTERNAL error, fatal, and the close.
    BOOST_TEST_REQUIRE(h.closed(ana));
    BOOST_TEST(h.peers[ana].closeReason == "internal");
    const auto got = h.take(ana);
    BOOST_TEST_REQUIRE(got.size() == 1u);
    BOOST_TEST_REQUIRE(got[0].has_error());
    BOOST_TEST(got[0].error().code() == v1::ERROR_CODE_INTERNAL);
    BOOST_TEST(got[0].error().fatal());
    BOOST_TEST(h.hub.stats().disconnects.at("internal") == 1u);
    // Logged: who, what it was doing, and the store's words.
    BOOST_TEST(f.capture->contains("internal error while handling history_request"));
    BOOST_TEST(f.capture->contains("disk I/O error (injected)"));

    // Everyone else goes on: told ana quit, and chatting.
    f.broken = false;
    BOOST_TEST(sawQuit(h.take(bob), "ana", "internal error"));
    BOOST_TEST(sawQuit(h.take(carol), "ana", "internal error"));
    h.send(carol, say("r", 2, "still here"));
    for (const SessionId id : {bob, carol}) {
        BOOST_TEST_CONTEXT("session " << id) {
            const v1::Envelope echo = h.next(id);
            BOOST_TEST_REQUIRE(echo.has_message());
            BOOST_TEST(echo.message().text() == "still here");
            BOOST_TEST(echo.message().seq() == 2u);
        }
    }
    BOOST_TEST(!h.closed(bob));
    BOOST_TEST(!h.closed(carol));
    BOOST_TEST(h.hub.stats().clients == 2u);
}

BOOST_AUTO_TEST_CASE(a_read_error_in_a_join_backlog_or_a_search_closes_only_the_asker) {
    FaultyHub f;
    HubHarness& h = f.h;
    const SessionId ana = h.login("ana");
    const SessionId bob = h.login("bob");
    const SessionId dan = h.login("dan");
    h.send(ana, join("r"));
    h.send(ana, say("r", 1, "hello"));
    h.clear(ana);

    f.broken = true;
    h.send(bob, join("r"));  // the backlog read throws
    BOOST_TEST(h.closed(bob));
    BOOST_TEST(h.peers[bob].closeReason == "internal");
    v1::Envelope search;
    search.mutable_search_request()->set_room("r");
    search.mutable_search_request()->set_query("hello");
    h.send(dan, search);
    BOOST_TEST(h.closed(dan));
    BOOST_TEST(h.hub.stats().disconnects.at("internal") == 2u);

    f.broken = false;
    h.send(ana, say("r", 2, "alone now"));
    bool echoed = false;
    for (const v1::Envelope& e : h.take(ana)) {
        echoed = echoed || (e.has_message() && e.message().text() == "alone now");
    }
    BOOST_TEST(echoed);
    BOOST_TEST(!h.closed(ana));
}

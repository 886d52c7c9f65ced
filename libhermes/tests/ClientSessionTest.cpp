// The sans-io client session, byte by byte and without sockets: the
// handshake, pacing to the hub's limits, which messages acknowledge a send
// (only its own live echo), and a reconnect in the middle of sends.
#define BOOST_TEST_MODULE client_session
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "hermes/client/ClientSession.hpp"
#include "hermes/client/SendTracker.hpp"
#include "hermes/codec/FrameDecoder.hpp"
#include "hermes/codec/FrameEncoder.hpp"

namespace {

using hermes::client::ClientOptions;
using hermes::client::ClientSession;
using hermes::client::Event;
using hermes::client::EventKind;
using hermes::client::SendTracker;
using hermes::v1::Envelope;
namespace v1 = hermes::v1;
using namespace std::chrono_literals;
using TimePoint = ClientSession::TimePoint;

constexpr std::uint64_t kBase = 0x5EED'0000'0000;

ClientOptions options() {
    ClientOptions o;
    o.host = "hub.test";
    o.port = 7070;
    o.nick = "ana";
    o.clientName = "ClientSessionTest";
    o.idlePingInterval = 0ms;
    o.backoffInitial = 100ms;
    o.backoffMax = 200ms;
    return o;
}

Envelope welcome(const std::string& nick, std::uint32_t rate = 0, std::uint32_t burst = 0,
                 std::uint64_t epoch = 7, bool durable = true) {
    Envelope e;
    auto* w = e.mutable_welcome();
    w->set_session_id(1);
    w->set_nick(nick);
    w->set_server_name("test");
    w->set_epoch(epoch);
    w->set_durable_history(durable);
    w->mutable_limits()->set_rate_per_second(rate);
    w->mutable_limits()->set_rate_burst(burst);
    return e;
}

v1::ChatMessage message(const std::string& room, std::uint64_t seq, const std::string& from,
                        std::uint64_t id, const std::string& text = "text") {
    v1::ChatMessage m;
    m.set_room(room);
    m.set_seq(seq);
    m.set_epoch(7);
    m.set_from(from);
    m.set_client_msg_id(id);
    m.set_text(text);
    return m;
}

Envelope live(const v1::ChatMessage& m) {
    Envelope e;
    *e.mutable_message() = m;
    return e;
}

Envelope page(const std::string& room, std::vector<v1::ChatMessage> messages, bool backlog,
              bool hasMore = false) {
    Envelope e;
    auto* p = e.mutable_history_page();
    p->set_room(room);
    p->set_epoch(7);
    p->set_backlog(backlog);
    p->set_has_more(hasMore);
    std::uint64_t head = 0;
    for (auto& m : messages) {
        head = std::max(head, m.seq());
        *p->add_messages() = std::move(m);
    }
    p->set_head_seq(head);
    return e;
}

Envelope joined(const std::string& room, const std::string& nick) {
    Envelope e;
    e.mutable_presence()->set_room(room);
    e.mutable_presence()->set_kind(v1::PRESENCE_KIND_JOINED);
    e.mutable_presence()->add_nicks(nick);
    return e;
}

Envelope say(const std::string& room, std::uint64_t id, const std::string& text) {
    Envelope e;
    e.mutable_say()->set_room(room);
    e.mutable_say()->set_client_msg_id(id);
    e.mutable_say()->set_text(text);
    return e;
}

Envelope error(v1::ErrorCode code, std::uint64_t id, const std::string& text = "no") {
    Envelope e;
    e.mutable_error()->set_code(code);
    e.mutable_error()->set_client_msg_id(id);
    e.mutable_error()->set_text(text);
    return e;
}

// The session and a hub on the other side of an imaginary socket.
struct Wire {
    ClientSession session{options(), 42};
    TimePoint now = TimePoint{} + 100s;
    hermes::codec::FrameDecoder fromClient{1 << 20};
    std::vector<Envelope> written;  // every frame the session wrote, in order
    std::vector<Event> events;      // every event, in order

    explicit Wire(ClientOptions o = options()) : session(std::move(o), 42) {}

    // Takes what the session wrote and what it has to say.
    void drain() {
        const std::string_view out = session.output();
        fromClient.feed(out);
        session.wrote(out.size());
        Envelope e;
        while (fromClient.next(e)) {
            written.push_back(e);
        }
        Event event;
        while (session.takeEvent(event)) {
            events.push_back(std::move(event));
        }
    }
    void hub(const Envelope& e) {
        session.received(hermes::codec::encodeFrame(e), now);
        drain();
    }
    void advance(std::chrono::milliseconds d) {
        now += d;
        session.tick(now);
        drain();
    }
    void connect() {
        BOOST_TEST_REQUIRE((session.want() == ClientSession::Want::Connect));
        session.connecting(now);
        session.connected(now);
        drain();
    }
    // Connected and welcomed as `nick`; everything before is cleared.
    void welcomed(const std::string& nick = "ana", std::uint32_t rate = 0,
                  std::uint32_t burst = 0) {
        connect();
        hub(welcome(nick, rate, burst));
        BOOST_TEST_REQUIRE(session.welcomed());
    }
    void submit(Envelope frame, std::uint64_t id = 0) {
        session.submit(std::move(frame), id, now);
        drain();
    }
    std::vector<std::uint64_t> ids(EventKind kind) const {
        std::vector<std::uint64_t> out;
        for (const auto& e : events) {
            if (e.kind == kind) {
                out.push_back(e.clientMsgId);
            }
        }
        return out;
    }
    std::vector<std::uint64_t> saysWritten() const {
        std::vector<std::uint64_t> out;
        for (const auto& e : written) {
            if (e.has_say()) {
                out.push_back(e.say().client_msg_id());
            }
        }
        return out;
    }
    std::size_t count(Envelope::BodyCase body) const {
        std::size_t n = 0;
        for (const auto& e : written) {
            n += e.body_case() == body ? 1 : 0;
        }
        return n;
    }
};

}  // namespace

BOOST_AUTO_TEST_CASE(handshake_hello_then_welcome) {
    Wire w;
    w.connect();
    BOOST_TEST_REQUIRE(w.written.size() == 1u);
    BOOST_TEST(w.written[0].hello().nick() == "ana");
    BOOST_TEST(w.written[0].hello().client_name() == "ClientSessionTest");
    BOOST_TEST(w.written[0].hello().protocol_version() == 1u);
    BOOST_TEST_REQUIRE(w.events.size() == 2u);
    BOOST_TEST(w.events[0].kind == EventKind::Connecting);
    BOOST_TEST(w.events[0].text == "hub.test:7070");
    BOOST_TEST(w.events[1].kind == EventKind::Connected);
    w.hub(welcome("Ana"));
    BOOST_TEST(w.events.back().kind == EventKind::Welcomed);
    BOOST_TEST(w.session.nick() == "Ana");
}

BOOST_AUTO_TEST_CASE(a_taken_nick_waits_for_another) {
    Wire w;
    w.connect();
    w.hub(error(v1::ERROR_CODE_NICK_TAKEN, 0, "taken"));
    BOOST_TEST(w.events.back().kind == EventKind::NickRejected);
    // No handshake timeout while the person chooses.
    BOOST_TEST(!w.session.nextDeadline().has_value());
    w.session.retryNick("ana2", w.now);
    w.drain();
    BOOST_TEST(w.written.back().hello().nick() == "ana2");
}

BOOST_AUTO_TEST_CASE(a_registered_nick_waits_for_its_password) {
    ClientOptions o = options();
    o.hubPassword = "open sesame";
    Wire w(o);
    w.connect();
    BOOST_TEST(w.written[0].hello().hub_password() == "open sesame");
    BOOST_TEST(w.written[0].hello().password().empty());
    w.hub(error(v1::ERROR_CODE_PASSWORD_REQUIRED, 0, "nick ana is registered"));
    BOOST_TEST(w.events.back().kind == EventKind::NickRejected);
    BOOST_TEST(!w.session.nextDeadline().has_value());
    // The password goes in the next Hello, and in every later one (reconnects).
    w.session.setPassword("s3cret");
    w.session.retryNick("ana", w.now);
    w.drain();
    BOOST_TEST(w.written.back().hello().nick() == "ana");
    BOOST_TEST(w.written.back().hello().password() == "s3cret");
    BOOST_TEST(w.written.back().hello().hub_password() == "open sesame");
    w.hub(error(v1::ERROR_CODE_WRONG_PASSWORD, 0, "wrong password for ana"));
    BOOST_TEST(w.events.back().kind == EventKind::NickRejected);
}

BOOST_AUTO_TEST_CASE(frames_are_paced_to_the_hubs_limits) {
    // The shipped hub: 5 frames a second, bursts of 10. Hello took a token.
    Wire w;
    w.welcomed("ana", 5, 10);
    for (std::uint64_t i = 1; i <= 30; ++i) {
        w.submit(say("lobby", kBase + i, "line " + std::to_string(i)), kBase + i);
    }
    BOOST_TEST(w.saysWritten().size() == 9u);
    BOOST_TEST(w.session.pendingSends() == 30u);
    // Pings and pongs are never held back.
    Envelope ping;
    ping.mutable_ping()->set_nonce(5);
    w.hub(ping);
    BOOST_TEST(w.written.back().has_pong());
    // The next one after 200 ms; all 30 after 21 more tokens, 4.2 s, while
    // the hub echoes them as they come.
    const auto next = w.session.nextDeadline();
    BOOST_TEST_REQUIRE(next.has_value());
    BOOST_TEST((*next - w.now == 200ms));
    w.advance(199ms);
    BOOST_TEST(w.saysWritten().size() == 9u);
    w.advance(1ms);
    BOOST_TEST(w.saysWritten().size() == 10u);
    std::uint64_t seq = 0;
    const auto echoAll = [&] {
        while (seq < w.saysWritten().size()) {
            ++seq;
            w.hub(live(message("lobby", seq, "ana", kBase + seq)));
        }
    };
    for (int i = 0; i < 20; ++i) {
        echoAll();
        w.advance(200ms);
    }
    echoAll();
    BOOST_TEST(w.saysWritten().size() == 30u);
    BOOST_TEST(w.session.pendingSends() == 0u);
    // In the order made, each written once.
    for (std::size_t i = 0; i < 30; ++i) {
        BOOST_TEST(w.saysWritten()[i] == kBase + 1 + i);
    }
    BOOST_TEST(w.ids(EventKind::SendWritten).size() == 30u);
}

BOOST_AUTO_TEST_CASE(typing_is_written_at_once_unpaced_or_dropped) {
    Wire w;
    w.welcomed("ana", 5, 10);
    for (std::uint64_t i = 1; i <= 12; ++i) {
        w.submit(say("lobby", kBase + i, "line " + std::to_string(i)), kBase + i);
    }
    BOOST_TEST(w.saysWritten().size() == 9u);  // the pacer is empty
    Envelope typing;
    typing.mutable_typing()->set_room("lobby");
    w.submit(typing);
    // Not behind the waiting says, and no token taken from them.
    BOOST_TEST_REQUIRE(!w.written.empty());
    BOOST_TEST(w.written.back().has_typing());
    w.advance(200ms);
    BOOST_TEST(w.saysWritten().size() == 10u);
    // Offline it is dropped, never kept for later.
    const std::size_t before = w.written.size();
    w.session.disconnected("cut", w.now);
    w.drain();
    w.submit(typing);
    BOOST_TEST(w.written.size() == before);
}

BOOST_AUTO_TEST_CASE(only_a_live_echo_of_our_own_send_acknowledges_it) {
    // The table of issue 13: backlog, history, search results and live
    // echoes interleaved, with the same ids and the same nick as ours.
    Wire w;
    w.welcomed("hs");
    w.hub(joined("lobby", "hs"));
    for (std::uint64_t i = 1; i <= 3; ++i) {
        w.submit(say("lobby", i, "new " + std::to_string(i)), i);
    }
    struct Case {
        const char* what;
        Envelope frame;
        std::vector<std::uint64_t> acked;  // acknowledged by it
    };
    Envelope search;
    search.mutable_search_results()->set_room("lobby");
    *search.mutable_search_results()->add_messages() = message("lobby", 2, "hs", 2, "old 2");
    std::vector<Case> cases;
    cases.push_back(
        {"a backlog page: an earlier run with the same nick and ids",
         page("lobby",
              {message("lobby", 1, "hs", 1, "old 1"), message("lobby", 2, "hs", 2, "old 2")}, true),
         {}});
    cases.push_back({"search results", search, {}});
    cases.push_back(
        {"a live message with our id from someone else", live(message("lobby", 3, "bob", 1)), {}});
    cases.push_back({"a live message from us with an id we never used",
                     live(message("lobby", 4, "hs", 99)),
                     {}});
    cases.push_back({"the live echo of send 2", live(message("lobby", 5, "hs", 2)), {2}});
    cases.push_back({"the same echo again", live(message("lobby", 5, "hs", 2)), {}});
    for (auto& c : cases) {
        BOOST_TEST_CONTEXT(c.what) {
            w.events.clear();
            w.hub(c.frame);
            BOOST_TEST(w.ids(EventKind::SendAcked) == c.acked, boost::test_tools::per_element());
        }
    }
    // A history page the application asked for, holding send 3's text and id
    // from us: still not an acknowledgement.
    w.submit([] {
        Envelope e;
        e.mutable_history_request()->set_room("lobby");
        return e;
    }());
    w.events.clear();
    w.hub(page("lobby", {message("lobby", 6, "hs", 3)}, false));
    BOOST_TEST(w.ids(EventKind::SendAcked).empty());
    BOOST_TEST(w.session.pendingSends() == 2u);
    w.hub(live(message("lobby", 6, "hs", 3)));
    w.hub(live(message("lobby", 7, "hs", 1)));
    BOOST_TEST(w.ids(EventKind::SendAcked) == (std::vector<std::uint64_t>{3, 1}),
               boost::test_tools::per_element());
    BOOST_TEST(w.session.pendingSends() == 0u);
}

BOOST_AUTO_TEST_CASE(a_refused_send_fails_with_the_hubs_error) {
    Wire w;
    w.welcomed();
    w.submit(say("nowhere", kBase + 1, "hi"), kBase + 1);
    w.events.clear();
    w.hub(error(v1::ERROR_CODE_NOT_IN_ROOM, kBase + 1, "you are not in room nowhere"));
    BOOST_TEST_REQUIRE(w.events.size() == 1u);  // no separate Envelope for it
    BOOST_TEST(w.events[0].kind == EventKind::SendFailed);
    BOOST_TEST(w.events[0].clientMsgId == kBase + 1);
    BOOST_TEST(w.events[0].text == "you are not in room nowhere");
    BOOST_TEST_REQUIRE(w.events[0].envelope != nullptr);
    BOOST_TEST(w.events[0].envelope->error().code() == v1::ERROR_CODE_NOT_IN_ROOM);
    BOOST_TEST(w.session.pendingSends() == 0u);
}

BOOST_AUTO_TEST_CASE(store_behind_is_sent_again_after_a_wait) {
    Wire w;
    w.welcomed();
    w.submit(say("lobby", kBase + 1, "hi"), kBase + 1);
    w.hub(error(v1::ERROR_CODE_STORE_BEHIND, kBase + 1, "disk behind"));
    BOOST_TEST(w.ids(EventKind::SendFailed).empty());
    BOOST_TEST(w.saysWritten().size() == 1u);
    w.advance(499ms);
    BOOST_TEST(w.saysWritten().size() == 1u);
    w.advance(1ms);
    BOOST_TEST(w.saysWritten().size() == 2u);
    w.hub(live(message("lobby", 1, "ana", kBase + 1)));
    BOOST_TEST(w.ids(EventKind::SendAcked) == std::vector<std::uint64_t>{kBase + 1},
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(reconnect_delivers_every_pending_line_exactly_once) {
    // Sends 1-3 are written; 1 reaches the hub (its echo is lost with the
    // connection), 2 and 3 do not. 4 is typed while offline. A backlog
    // holding the same ids (an earlier run) arrives too. After the catch-up:
    // 1 is acknowledged from it, 2 and 3 go out again before 4, and nothing
    // goes twice.
    Wire w;
    w.welcomed();
    w.hub(joined("lobby", "ana"));
    w.hub(live(message("lobby", 10, "bob", 0)));
    for (std::uint64_t i = 1; i <= 3; ++i) {
        w.submit(say("lobby", kBase + i, "line " + std::to_string(i)), kBase + i);
    }
    BOOST_TEST(w.saysWritten().size() == 3u);
    w.session.disconnected("connection closed by the hub", w.now);
    w.drain();
    BOOST_TEST(w.events.back().kind == EventKind::ReconnectScheduled);
    w.submit(say("lobby", kBase + 4, "typed while offline"), kBase + 4);
    BOOST_TEST(w.session.pendingSends() == 4u);

    w.advance(200ms);
    w.written.clear();
    w.events.clear();
    w.welcomed();
    // Hello, then the rejoin and the catch-up; the queue waits.
    BOOST_TEST_REQUIRE(w.written.size() == 3u);
    BOOST_TEST(w.written[1].join().skip_backlog());
    BOOST_TEST(w.written[2].history_request().after_seq() == 10u);
    // A backlog with our ids (say, the hub's default-room join) acks nothing.
    w.hub(page("lobby", {message("lobby", 9, "ana", kBase + 2)}, true));
    BOOST_TEST(w.ids(EventKind::SendAcked).empty());
    // The catch-up: send 1 was stamped as seq 11 before the drop.
    w.hub(page("lobby", {message("lobby", 11, "ana", kBase + 1, "line 1")}, false, true));
    BOOST_TEST(w.ids(EventKind::SendAcked) == std::vector<std::uint64_t>{kBase + 1},
               boost::test_tools::per_element());
    BOOST_TEST(w.saysWritten().empty());  // still catching up (has_more)
    BOOST_TEST(w.written.back().history_request().after_seq() == 11u);
    w.hub(page("lobby", {message("lobby", 12, "bob", 0)}, false, false));
    const std::vector<std::uint64_t> resent{kBase + 2, kBase + 3, kBase + 4};
    BOOST_TEST(w.saysWritten() == resent, boost::test_tools::per_element());
    for (std::uint64_t i = 2; i <= 4; ++i) {
        w.hub(live(message("lobby", 11 + i, "ana", kBase + i)));
    }
    BOOST_TEST(w.ids(EventKind::SendAcked).size() == 4u);
    BOOST_TEST(w.ids(EventKind::SendFailed).empty());
    BOOST_TEST(w.session.pendingSends() == 0u);
}

BOOST_AUTO_TEST_CASE(a_late_echo_of_the_first_copy_cancels_the_resend) {
    // A durable hub stamps a say, then waits for its commit; the connection
    // drops meanwhile, and the broadcast reaches our new session live.
    Wire w;
    w.welcomed();
    w.hub(joined("lobby", "ana"));
    w.submit(say("lobby", kBase + 1, "x"), kBase + 1);
    w.session.disconnected("gone", w.now);
    w.advance(200ms);
    w.welcomed();
    w.hub(live(message("lobby", 1, "ana", kBase + 1)));
    BOOST_TEST(w.ids(EventKind::SendAcked) == std::vector<std::uint64_t>{kBase + 1},
               boost::test_tools::per_element());
    w.hub(page("lobby", {message("lobby", 1, "ana", kBase + 1)}, false));
    BOOST_TEST(w.saysWritten().size() == 1u);  // the first copy only
}

BOOST_AUTO_TEST_CASE(a_private_message_in_doubt_is_reported_not_resent) {
    Wire w;
    w.welcomed();
    Envelope pm;
    pm.mutable_private_message()->set_to("bob");
    pm.mutable_private_message()->set_client_msg_id(kBase + 1);
    pm.mutable_private_message()->set_text("psst");
    w.submit(pm, kBase + 1);
    w.session.disconnected("gone", w.now);
    w.advance(200ms);
    w.welcomed();  // no rooms: the catch-up is over at once
    BOOST_TEST(w.ids(EventKind::SendFailed) == std::vector<std::uint64_t>{kBase + 1},
               boost::test_tools::per_element());
    BOOST_TEST(w.count(Envelope::kPrivateMessage) == 1u);
}

BOOST_AUTO_TEST_CASE(silence_and_timeouts_end_the_connection) {
    ClientOptions o = options();
    o.idlePingInterval = 1000ms;
    o.handshakeTimeout = 500ms;
    Wire w(o);
    w.connect();
    w.advance(499ms);
    BOOST_TEST((w.session.want() == ClientSession::Want::Talk));
    w.advance(1ms);
    BOOST_TEST((w.session.want() == ClientSession::Want::Drop));
    w.session.disconnected("closed by the client", w.now);
    w.drain();
    const auto lost = std::find_if(w.events.begin(), w.events.end(), [](const Event& e) {
        return e.kind == EventKind::Disconnected;
    });
    BOOST_TEST_REQUIRE((lost != w.events.end()));
    BOOST_TEST(lost->text.find("no Welcome") != std::string::npos);
    BOOST_TEST(lost->willRetry);
    // Welcomed: a silent hub gets a Ping, then is given up.
    w.advance(200ms);
    w.welcomed();
    w.advance(1000ms);
    BOOST_TEST(w.written.back().has_ping());
    w.advance(1000ms);
    BOOST_TEST((w.session.want() == ClientSession::Want::Drop));
}

BOOST_AUTO_TEST_CASE(stop_writes_bye_and_says_nothing_more) {
    Wire w;
    w.welcomed();
    w.submit(say("lobby", kBase + 1, "last words"), kBase + 1);
    w.events.clear();
    w.session.stop("see you", w.now);
    w.drain();
    BOOST_TEST(w.written.back().bye().text() == "see you");
    BOOST_TEST((w.session.want() == ClientSession::Want::Close));
    w.session.disconnected("stopped", w.now);
    w.drain();
    BOOST_TEST(w.events.empty());
    BOOST_TEST((w.session.want() == ClientSession::Want::Finished));
}

BOOST_AUTO_TEST_CASE(send_tracker_stages) {
    SendTracker t;
    t.addOwnNick("Ana");
    t.add(1, say("r", 1, "a"));
    t.add(2, say("r", 2, "b"));
    BOOST_TEST((t.stage(1) == SendTracker::Stage::Queued));
    t.written(1);
    t.written(2);
    t.connectionLost();
    BOOST_TEST((t.stage(1) == SendTracker::Stage::InDoubt));
    BOOST_TEST(t.inDoubt() == 2u);
    // Nicks match ignoring case; someone else's message never does.
    BOOST_TEST(!t.foundInCatchUp(message("r", 1, "bob", 1)));
    BOOST_TEST(t.foundInCatchUp(message("r", 1, "ANA", 1)));
    const auto settled = t.settle();
    BOOST_TEST(settled.resend == std::vector<std::uint64_t>{2}, boost::test_tools::per_element());
    BOOST_TEST((t.stage(2) == SendTracker::Stage::Queued));
    BOOST_TEST(t.size() == 1u);
}

BOOST_AUTO_TEST_CASE(a_hub_that_stops_echoing_stops_us_after_a_burst) {
    // The hub's input pauses (its output budget is full): echoes stop. We
    // write no more than a burst unechoed, so that our lines do not pile up
    // in its socket and arrive as a flood when it reads again.
    Wire w;
    w.welcomed("ana", 5, 10);
    for (std::uint64_t i = 1; i <= 30; ++i) {
        w.submit(say("lobby", kBase + i, "line"), kBase + i);
    }
    for (int i = 0; i < 50; ++i) {
        w.advance(200ms);  // 10 s: the pacer alone would let all 30 go
    }
    BOOST_TEST(w.saysWritten().size() == 10u);
    // Pings still go, and the queue says where the lines are.
    BOOST_TEST(w.session.queuedFrames() == 20u);
    w.hub(live(message("lobby", 1, "ana", kBase + 1)));
    BOOST_TEST(w.saysWritten().size() == 11u);
}

BOOST_AUTO_TEST_CASE(a_send_after_the_session_gave_up_fails_at_once) {
    ClientOptions o = options();
    o.autoReconnect = false;
    Wire w(o);
    w.session.connecting(w.now);
    w.session.connectFailed("refused", w.now);
    w.drain();
    BOOST_TEST((w.session.want() == ClientSession::Want::Finished));
    w.events.clear();
    w.submit(say("lobby", kBase + 1, "too late"), kBase + 1);
    BOOST_TEST(w.ids(EventKind::SendFailed) == std::vector<std::uint64_t>{kBase + 1},
               boost::test_tools::per_element());
}

// ---- a hub list: failover between the hubs of a cluster ------------------------------

namespace {

ClientOptions threeHubs() {
    ClientOptions o = options();
    o.moreHubs = {{"hub-b.test", 7071}, {"hub-c.test", 7072}, {"hub.test", 7070}};
    return o;
}

// The (room, seq)s the application was given, live or in pages, in order.
std::vector<std::uint64_t> shownSeqs(const std::vector<Event>& events) {
    std::vector<std::uint64_t> seqs;
    for (const auto& e : events) {
        if (e.kind != EventKind::Envelope || !e.envelope) {
            continue;
        }
        if (e.envelope->has_message()) {
            seqs.push_back(e.envelope->message().seq());
        }
        for (const auto& m : e.envelope->history_page().messages()) {
            seqs.push_back(m.seq());
        }
    }
    return seqs;
}

std::string connectingTo(const std::vector<Event>& events) {
    for (auto it = events.rbegin(); it != events.rend(); ++it) {
        if (it->kind == EventKind::Connecting) {
            return it->text;
        }
    }
    return {};
}

}  // namespace

BOOST_AUTO_TEST_CASE(a_hub_list_is_tried_in_turn_after_failures_and_drops) {
    Wire w(threeHubs());
    // host:port first; the duplicate at the end of moreHubs counts once.
    BOOST_TEST(w.session.hubs().size() == 3u);
    struct Step {
        const char* what;
        bool welcomeThenDrop;  // false: the connect fails
        const char* connectsTo;
        const char* nextHub;  // ReconnectScheduled.hub
    };
    const std::vector<Step> steps{
        {"the first hub refuses the connect", false, "hub.test:7070", "hub-b.test:7071"},
        {"the second welcomes, then drops", true, "hub-b.test:7071", "hub-c.test:7072"},
        {"the third refuses", false, "hub-c.test:7072", "hub.test:7070"},
        {"round the list to the first again", true, "hub.test:7070", "hub-b.test:7071"},
    };
    for (const auto& step : steps) {
        BOOST_TEST_CONTEXT(step.what) {
            BOOST_TEST_REQUIRE((w.session.want() == ClientSession::Want::Connect));
            BOOST_TEST(w.session.hub().text() == step.connectsTo);
            w.session.connecting(w.now);
            w.drain();
            BOOST_TEST(connectingTo(w.events) == step.connectsTo);
            if (step.welcomeThenDrop) {
                w.session.connected(w.now);
                w.hub(welcome("ana"));
                BOOST_TEST_REQUIRE(w.session.welcomed());
                w.session.disconnected("connection reset", w.now);
            } else {
                w.session.connectFailed("connection refused", w.now);
            }
            w.drain();
            BOOST_TEST_REQUIRE((w.events.back().kind == EventKind::ReconnectScheduled));
            BOOST_TEST(w.events.back().hub == step.nextHub);
            BOOST_TEST((w.session.want() == ClientSession::Want::Wait));
            // The existing backoff between attempts, whichever the hub.
            w.advance(w.events.back().delay);
        }
    }
}

BOOST_AUTO_TEST_CASE(a_hub_of_the_same_cluster_keeps_the_cursors) {
    // On hub A: seqs 1-3 seen, send 1 written and stamped as seq 4 (its echo
    // lost with A), send 2 written and never taken. A dies; hub B of the same
    // cluster (the same epoch) has 4 and 5. The catch-up from 3 shows 4 and 5
    // once, acknowledges send 1 from it and sends 2 again: nothing lost,
    // nothing twice.
    Wire w(threeHubs());
    w.welcomed();
    w.hub(joined("lobby", "ana"));
    for (std::uint64_t seq = 1; seq <= 3; ++seq) {
        w.hub(live(message("lobby", seq, "bob", 0)));
    }
    w.submit(say("lobby", kBase + 1, "one"), kBase + 1);
    w.submit(say("lobby", kBase + 2, "two"), kBase + 2);
    w.session.disconnected("connection reset by peer", w.now);
    w.drain();
    BOOST_TEST(w.events.back().hub == "hub-b.test:7071");
    w.advance(200ms);
    w.events.clear();
    w.written.clear();
    w.welcomed();  // epoch 7, as hub A's
    BOOST_TEST(connectingTo(w.events) == "hub-b.test:7071");
    BOOST_TEST(w.events.back().text.find("the same cluster") != std::string::npos);
    BOOST_TEST_REQUIRE(w.written.size() == 3u);
    BOOST_TEST(w.written[1].join().skip_backlog());
    BOOST_TEST(w.written[2].history_request().after_seq() == 3u);
    BOOST_TEST(w.saysWritten().empty());           // waiting for the catch-up
    w.hub(live(message("lobby", 5, "carol", 0)));  // live overtakes the page
    w.hub(page("lobby",
               {message("lobby", 3, "bob", 0), message("lobby", 4, "ana", kBase + 1, "one"),
                message("lobby", 5, "carol", 0)},
               false));
    BOOST_TEST(shownSeqs(w.events) == (std::vector<std::uint64_t>{5, 4}),
               boost::test_tools::per_element());
    BOOST_TEST(w.ids(EventKind::SendAcked) == std::vector<std::uint64_t>{kBase + 1},
               boost::test_tools::per_element());
    BOOST_TEST(w.saysWritten() == std::vector<std::uint64_t>{kBase + 2},
               boost::test_tools::per_element());
    BOOST_TEST(w.session.rooms().lastSeq("lobby") == 5u);
}

BOOST_AUTO_TEST_CASE(a_hub_with_another_epoch_is_another_history) {
    // Two hubs that are not a cluster: B's seqs are its own. Its seq 2 is not
    // A's seq 2, so the cursors start again and B's room is fetched from the
    // start; a send in doubt, not in B's history, goes out again.
    Wire w(threeHubs());
    w.welcomed();
    w.hub(joined("lobby", "ana"));
    for (std::uint64_t seq = 1; seq <= 3; ++seq) {
        w.hub(live(message("lobby", seq, "bob", 0)));
    }
    w.submit(say("lobby", kBase + 1, "one"), kBase + 1);
    w.session.disconnected("connection reset by peer", w.now);
    w.drain();
    w.advance(200ms);
    w.events.clear();
    w.written.clear();
    w.connect();
    w.hub(welcome("ana", 0, 0, 99));
    BOOST_TEST_REQUIRE(w.session.welcomed());
    BOOST_TEST(w.events.back().text.find("not of the same cluster") != std::string::npos);
    BOOST_TEST_REQUIRE(w.written.size() == 3u);
    BOOST_TEST(w.written[2].history_request().after_seq() == 0u);
    w.hub(page("lobby", {message("lobby", 1, "dave", 0), message("lobby", 2, "dave", 0)}, false));
    BOOST_TEST(shownSeqs(w.events) == (std::vector<std::uint64_t>{1, 2}),
               boost::test_tools::per_element());
    BOOST_TEST(w.saysWritten() == std::vector<std::uint64_t>{kBase + 1},
               boost::test_tools::per_element());
    BOOST_TEST(w.session.rooms().lastSeq("lobby") == 2u);
}

BOOST_AUTO_TEST_CASE(our_own_nick_still_held_after_a_move_is_retried_not_asked) {
    // hub A died; the cluster holds ana until A's lease expires, so hub B
    // says NICK_TAKEN: the session retries by itself, then asks.
    Wire w(threeHubs());
    w.welcomed();
    w.session.disconnected("connection reset by peer", w.now);
    w.drain();
    for (int attempt = 1; attempt <= ClientSession::kNickHeldRetries; ++attempt) {
        BOOST_TEST_CONTEXT("attempt " << attempt) {
            w.advance(w.events.back().delay);
            w.events.clear();
            w.connect();
            w.hub(error(v1::ERROR_CODE_NICK_TAKEN, 0, "nick ana is taken"));
            BOOST_TEST(w.ids(EventKind::NickRejected).empty());
            BOOST_TEST_REQUIRE((w.session.want() == ClientSession::Want::Drop));
            w.session.disconnected("closed by the client", w.now);
            w.drain();
            BOOST_TEST_REQUIRE((w.events.back().kind == EventKind::ReconnectScheduled));
            BOOST_TEST(w.events.back().text.find("still held") != std::string::npos);
        }
    }
    w.advance(w.events.back().delay);
    w.events.clear();
    w.connect();
    w.hub(error(v1::ERROR_CODE_NICK_TAKEN, 0, "nick ana is taken"));
    BOOST_TEST(w.events.back().kind == EventKind::NickRejected);
    // A Welcome counts again from zero.
    w.session.retryNick("ana", w.now);
    w.hub(welcome("ana"));
    BOOST_TEST(w.session.welcomed());
}

BOOST_AUTO_TEST_CASE(a_taken_nick_on_the_first_connect_is_the_applications) {
    Wire w(threeHubs());
    w.connect();
    w.hub(error(v1::ERROR_CODE_NICK_TAKEN, 0, "taken"));
    BOOST_TEST(w.events.back().kind == EventKind::NickRejected);
    BOOST_TEST((w.session.want() == ClientSession::Want::Talk));
}

BOOST_AUTO_TEST_CASE(a_hub_cut_from_its_cluster_is_left_and_its_refusals_settled_elsewhere) {
    // hub A refuses send 1 with CLUSTER_UNAVAILABLE (its Redis is out of
    // reach; the say's fate may be unknown). The session leaves A for B; on
    // B the catch-up does not find send 1, so it goes out again, once.
    Wire w(threeHubs());
    w.welcomed();
    w.hub(joined("lobby", "ana"));
    w.hub(live(message("lobby", 1, "bob", 0)));
    w.submit(say("lobby", kBase + 1, "one"), kBase + 1);
    BOOST_TEST(w.saysWritten().size() == 1u);
    w.hub(error(v1::ERROR_CODE_CLUSTER_UNAVAILABLE, kBase + 1, "the cluster is unreachable"));
    BOOST_TEST(w.ids(EventKind::SendFailed).empty());
    BOOST_TEST_REQUIRE((w.session.want() == ClientSession::Want::Drop));
    w.session.disconnected("closed by the client", w.now);
    w.drain();
    BOOST_TEST_REQUIRE((w.events.back().kind == EventKind::ReconnectScheduled));
    BOOST_TEST(w.events.back().hub == "hub-b.test:7071");
    BOOST_TEST(w.events.back().text.find("cannot reach its cluster") != std::string::npos);
    w.advance(w.events.back().delay);
    w.written.clear();
    w.events.clear();
    w.welcomed();
    BOOST_TEST(w.written[2].history_request().after_seq() == 1u);
    w.hub(page("lobby", {message("lobby", 2, "carol", 0)}, false));
    BOOST_TEST(w.saysWritten() == std::vector<std::uint64_t>{kBase + 1},
               boost::test_tools::per_element());
    w.hub(live(message("lobby", 3, "ana", kBase + 1, "one")));
    BOOST_TEST(w.ids(EventKind::SendAcked) == std::vector<std::uint64_t>{kBase + 1},
               boost::test_tools::per_element());
    BOOST_TEST(w.ids(EventKind::SendFailed).empty());
}

BOOST_AUTO_TEST_CASE(with_one_hub_a_cluster_refusal_fails_the_send_with_its_reason) {
    // No other hub to try: the user sees why (and may /retry), as before.
    Wire w;
    w.welcomed();
    w.hub(joined("lobby", "ana"));
    w.submit(say("lobby", kBase + 1, "one"), kBase + 1);
    w.hub(error(v1::ERROR_CODE_CLUSTER_UNAVAILABLE, kBase + 1, "the cluster is unreachable"));
    BOOST_TEST(w.ids(EventKind::SendFailed) == std::vector<std::uint64_t>{kBase + 1},
               boost::test_tools::per_element());
    BOOST_TEST((w.session.want() == ClientSession::Want::Talk));
}

BOOST_AUTO_TEST_CASE(a_hello_refused_for_the_cluster_is_tried_again_elsewhere) {
    // A hub cut from Redis cannot claim our nick: CLUSTER_UNAVAILABLE (not
    // fatal) to the Hello. The session does not wait out the handshake
    // timeout there: it moves on, even with one hub (to try it again later).
    for (const bool list : {true, false}) {
        BOOST_TEST_CONTEXT((list ? "a hub list" : "one hub")) {
            Wire w(list ? threeHubs() : options());
            w.connect();
            w.hub(error(v1::ERROR_CODE_CLUSTER_UNAVAILABLE, 0, "cannot claim nick ana"));
            BOOST_TEST(w.ids(EventKind::NickRejected).empty());
            BOOST_TEST_REQUIRE((w.session.want() == ClientSession::Want::Drop));
            w.session.disconnected("closed by the client", w.now);
            w.drain();
            BOOST_TEST_REQUIRE((w.events.back().kind == EventKind::ReconnectScheduled));
            BOOST_TEST(w.events.back().hub == (list ? "hub-b.test:7071" : "hub.test:7070"));
        }
    }
}

#define BOOST_TEST_MODULE client_core
#include <boost/test/unit_test.hpp>

#include <poll.h>

#include <chrono>
#include <functional>
#include <future>
#include <numeric>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/StreamSocket.h>

#include "hermes/client/ClientCore.hpp"
#include "hermes/codec/FrameDecoder.hpp"
#include "hermes/codec/FrameEncoder.hpp"

// The client core against a scripted hub: a loopback listener in this file
// that speaks the codec, driven step by step by each test (or by a std::async
// task when the hub must write while the test drains events). Every wait has a
// deadline; nothing sleeps to synchronise.

namespace {

using hermes::client::ClientCore;
using hermes::client::ClientOptions;
using hermes::client::Event;
using hermes::client::EventKind;
using hermes::v1::Envelope;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

constexpr auto kWait = 5s;

Poco::Timespan until(Clock::time_point deadline) {
    const auto left =
        std::chrono::duration_cast<std::chrono::microseconds>(deadline - Clock::now());
    return Poco::Timespan(std::max<std::int64_t>(left.count(), 0));
}

// One accepted client connection, seen from the hub's side.
class HubConnection {
public:
    explicit HubConnection(Poco::Net::StreamSocket socket)
        : socket_(std::move(socket)), decoder_(1 << 20) {
        socket_.setNoDelay(true);
    }

    // The next frame from the client; throws if none comes in time.
    Envelope read(Clock::duration wait = kWait) {
        const auto deadline = Clock::now() + wait;
        Envelope envelope;
        while (!decoder_.next(envelope)) {
            if (decoder_.failed()) {
                throw std::runtime_error("hub: undecodable frame from the client");
            }
            if (Clock::now() >= deadline ||
                !socket_.poll(until(deadline), Poco::Net::Socket::SELECT_READ)) {
                throw std::runtime_error("hub: no frame from the client in time");
            }
            char chunk[16 * 1024];
            const int n = socket_.receiveBytes(chunk, sizeof chunk);
            if (n <= 0) {
                throw std::runtime_error("hub: the client closed the connection");
            }
            decoder_.feed(std::string_view(chunk, static_cast<std::size_t>(n)));
        }
        return envelope;
    }

    // True if the client closes its side in time with no frame left unread.
    bool closedByClient(Clock::duration wait = kWait) {
        const auto deadline = Clock::now() + wait;
        while (Clock::now() < deadline &&
               socket_.poll(until(deadline), Poco::Net::Socket::SELECT_READ)) {
            char chunk[4096];
            const int n = socket_.receiveBytes(chunk, sizeof chunk);
            if (n <= 0) {
                return decoder_.buffered() == 0;
            }
            decoder_.feed(std::string_view(chunk, static_cast<std::size_t>(n)));
        }
        return false;
    }

    void write(const Envelope& envelope) { writeBytes(hermes::codec::encodeFrame(envelope)); }

    void writeBytes(const std::string& bytes) {
        std::size_t sent = 0;
        while (sent < bytes.size()) {
            const int n =
                socket_.sendBytes(bytes.data() + sent, static_cast<int>(bytes.size() - sent));
            if (n <= 0) {
                throw std::runtime_error("hub: write to the client failed");
            }
            sent += static_cast<std::size_t>(n);
        }
    }

    void close() { socket_.close(); }

private:
    Poco::Net::StreamSocket socket_;
    hermes::codec::FrameDecoder decoder_;
};

class ScriptedHub {
public:
    ScriptedHub() : server_(Poco::Net::SocketAddress("127.0.0.1", 0)) {}

    std::uint16_t port() const { return server_.address().port(); }

    HubConnection accept(Clock::duration wait = kWait) {
        if (!server_.poll(
                Poco::Timespan(std::chrono::duration_cast<std::chrono::microseconds>(wait).count()),
                Poco::Net::Socket::SELECT_READ)) {
            throw std::runtime_error("hub: no client connected in time");
        }
        return HubConnection(server_.acceptConnection());
    }

private:
    Poco::Net::ServerSocket server_;
};

// The UI side: waits on wakeFd() with poll() and a deadline, like hermes-tui.
// SendWritten and SendAcked are bookkeeping: next() notes them in `written`
// and `acked` and goes on to the next event.
class Ui {
public:
    explicit Ui(ClientCore& core) : core_(core) {}

    Event next(Clock::duration wait = kWait) {
        const auto deadline = Clock::now() + wait;
        for (;;) {
            Event event;
            if (core_.pollEvent(event)) {
                if (event.kind == EventKind::SendWritten) {
                    written.push_back(event.clientMsgId);
                    continue;
                }
                if (event.kind == EventKind::SendAcked) {
                    acked.push_back(event.clientMsgId);
                    continue;
                }
                return event;
            }
            const auto now = Clock::now();
            if (now >= deadline) {
                throw std::runtime_error("ui: no event in time");
            }
            pollfd fd{core_.wakeFd(), POLLIN, 0};
            ::poll(&fd, 1,
                   static_cast<int>(
                       std::chrono::ceil<std::chrono::milliseconds>(deadline - now).count()));
        }
    }

    // The next event of `kind`, skipping (and keeping) Envelope events only.
    Event expect(EventKind kind, Clock::duration wait = kWait) {
        const auto deadline = Clock::now() + wait;
        for (;;) {
            Event event = next(deadline - Clock::now());
            if (event.kind == kind) {
                return event;
            }
            if (event.kind != EventKind::Envelope) {
                throw std::runtime_error("ui: expected " + std::string(describe(kind)) + ", got " +
                                         std::string(describe(event.kind)) + " (" + event.text +
                                         ")");
            }
            skipped.push_back(std::move(event));
        }
    }

    // Seqs of the chat messages in an event (live or in a history page).
    static std::vector<std::uint64_t> seqs(const Event& event) {
        std::vector<std::uint64_t> out;
        if (event.kind != EventKind::Envelope) {
            return out;
        }
        if (event.envelope->has_message()) {
            out.push_back(event.envelope->message().seq());
        }
        for (const auto& message : event.envelope->history_page().messages()) {
            out.push_back(message.seq());
        }
        return out;
    }

    // Takes events (other than bookkeeping: into `skipped`) until `done()`.
    bool until(const std::function<bool()>& done, Clock::duration wait = kWait) {
        const auto deadline = Clock::now() + wait;
        while (!done()) {
            const auto now = Clock::now();
            if (now >= deadline) {
                return false;
            }
            Event event;
            if (!core_.pollEvent(event)) {
                pollfd fd{core_.wakeFd(), POLLIN, 0};
                ::poll(&fd, 1,
                       static_cast<int>(
                           std::chrono::ceil<std::chrono::milliseconds>(deadline - now).count()));
                continue;
            }
            if (event.kind == EventKind::SendWritten) {
                written.push_back(event.clientMsgId);
            } else if (event.kind == EventKind::SendAcked) {
                acked.push_back(event.clientMsgId);
            } else {
                skipped.push_back(std::move(event));
            }
        }
        return true;
    }

    std::vector<Event> skipped;
    std::vector<std::uint64_t> written;
    std::vector<std::uint64_t> acked;

private:
    ClientCore& core_;
};

ClientOptions optionsFor(const ScriptedHub& hub, const std::string& nick = "ana") {
    ClientOptions options;
    options.host = "127.0.0.1";
    options.port = hub.port();
    options.nick = nick;
    options.clientName = "ClientCoreTest";
    options.backoffInitial = 20ms;
    options.backoffMax = 40ms;
    options.idlePingInterval = 0ms;
    return options;
}

Envelope welcomeFrame(const std::string& nick, std::uint64_t epoch = 7) {
    Envelope envelope;
    auto* welcome = envelope.mutable_welcome();
    welcome->set_session_id(1);
    welcome->set_nick(nick);
    welcome->set_server_name("scripted");
    welcome->set_epoch(epoch);
    return envelope;
}

Envelope chat(const std::string& room, std::uint64_t seq, const std::string& from = "bo",
              std::uint64_t clientMsgId = 0, std::uint64_t epoch = 7) {
    Envelope envelope;
    auto* message = envelope.mutable_message();
    message->set_room(room);
    message->set_seq(seq);
    message->set_epoch(epoch);
    message->set_from(from);
    message->set_client_msg_id(clientMsgId);
    message->set_text("line " + std::to_string(seq));
    return envelope;
}

Envelope joinedPresence(const std::string& room, const std::string& nick) {
    Envelope envelope;
    envelope.mutable_presence()->set_room(room);
    envelope.mutable_presence()->set_kind(hermes::v1::PRESENCE_KIND_JOINED);
    envelope.mutable_presence()->add_nicks(nick);
    return envelope;
}

// Accepts the client, checks its Hello and welcomes it; the UI sees
// Connecting, Connected, Welcomed in that order.
HubConnection welcome(ScriptedHub& hub, Ui& ui, const std::string& nick = "ana",
                      std::uint64_t epoch = 7) {
    HubConnection connection = hub.accept();
    const Envelope hello = connection.read();
    BOOST_REQUIRE(hello.has_hello());
    BOOST_TEST(hello.hello().nick() == nick);
    connection.write(welcomeFrame(nick, epoch));
    BOOST_TEST(ui.next().kind == EventKind::Connecting);
    BOOST_TEST(ui.next().kind == EventKind::Connected);
    const Event welcomed = ui.next();
    BOOST_REQUIRE(welcomed.kind == EventKind::Welcomed);
    BOOST_TEST(welcomed.envelope->welcome().epoch() == epoch);
    return connection;
}

bool wakeFdReadable(const ClientCore& core, int timeoutMs) {
    pollfd fd{core.wakeFd(), POLLIN, 0};
    return ::poll(&fd, 1, timeoutMs) == 1 && (fd.revents & POLLIN) != 0;
}

}  // namespace

BOOST_AUTO_TEST_CASE(handshake_sends_hello_and_reports_welcome) {
    ScriptedHub hub;
    ClientCore core(optionsFor(hub));
    Ui ui(core);
    BOOST_REQUIRE(core.start());
    BOOST_TEST(!core.start());

    HubConnection connection = hub.accept();
    const Envelope hello = connection.read();
    BOOST_REQUIRE(hello.has_hello());
    BOOST_TEST(hello.hello().protocol_version() == 1u);
    BOOST_TEST(hello.hello().nick() == "ana");
    BOOST_TEST(hello.hello().client_name() == "ClientCoreTest");

    const Event connecting = ui.next();
    BOOST_TEST(connecting.kind == EventKind::Connecting);
    BOOST_TEST(connecting.attempt == 1u);
    BOOST_TEST(ui.next().kind == EventKind::Connected);

    Envelope granted = welcomeFrame("Ana");
    granted.mutable_welcome()->set_motd("hello there");
    connection.write(granted);
    const Event welcomed = ui.next();
    BOOST_REQUIRE(welcomed.kind == EventKind::Welcomed);
    BOOST_TEST(welcomed.envelope->welcome().motd() == "hello there");
    BOOST_TEST(core.nick() == "Ana");
}

BOOST_AUTO_TEST_CASE(frames_from_the_hub_arrive_in_order) {
    ScriptedHub hub;
    ClientCore core(optionsFor(hub));
    Ui ui(core);
    core.start();
    HubConnection connection = welcome(hub, ui);

    constexpr std::uint64_t kFrames = 2000;
    auto writer = std::async(std::launch::async, [&] {
        std::string batch;
        for (std::uint64_t seq = 1; seq <= kFrames; ++seq) {
            hermes::codec::appendFrame(chat("lobby", seq), batch);
            if (seq % 97 == 0 || seq == kFrames) {  // odd-sized writes split frames anywhere
                connection.writeBytes(batch);
                batch.clear();
            }
        }
    });
    std::vector<std::uint64_t> received;
    for (std::uint64_t i = 0; i < kFrames; ++i) {
        const Event event = ui.next();
        BOOST_REQUIRE(event.kind == EventKind::Envelope);
        BOOST_REQUIRE(event.envelope->has_message());
        received.push_back(event.envelope->message().seq());
    }
    writer.get();
    std::vector<std::uint64_t> expected(kFrames);
    std::iota(expected.begin(), expected.end(), 1);
    BOOST_TEST(received == expected, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(sends_arrive_in_order_and_echoes_clear_pending) {
    ScriptedHub hub;
    ClientCore core(optionsFor(hub));
    Ui ui(core);
    core.start();
    HubConnection connection = welcome(hub, ui);

    constexpr int kSays = 500;
    std::vector<std::uint64_t> ids;
    for (int i = 0; i < kSays; ++i) {
        const std::uint64_t id = core.say("lobby", "hello " + std::to_string(i));
        BOOST_REQUIRE(id != 0u);
        ids.push_back(id);
    }
    BOOST_TEST(core.pendingCount() == static_cast<std::size_t>(kSays));

    // The hub reads every Say and echoes it, as the real hub does.
    auto echoer = std::async(std::launch::async, [&] {
        std::vector<std::uint64_t> seen;
        for (int i = 0; i < kSays; ++i) {
            const Envelope say = connection.read();
            if (!say.has_say() || say.say().text() != "hello " + std::to_string(i)) {
                throw std::runtime_error("hub: Say " + std::to_string(i) + " out of order");
            }
            seen.push_back(say.say().client_msg_id());
            connection.write(
                chat("lobby", static_cast<std::uint64_t>(i) + 1, "ana", say.say().client_msg_id()));
        }
        return seen;
    });
    // Pending is resolved before the echo is queued, so once the UI holds
    // every echo nothing may be pending.
    int echoes = 0;
    while (echoes < kSays) {
        const Event event = ui.next();
        BOOST_REQUIRE(event.kind == EventKind::Envelope);
        echoes += event.envelope->has_message() ? 1 : 0;
    }
    BOOST_TEST(echoer.get() == ids, boost::test_tools::per_element());
    BOOST_TEST(core.pendingCount() == 0u);
    BOOST_TEST(ids.back() > ids.front());
}

BOOST_AUTO_TEST_CASE(wake_fd_is_readable_exactly_while_events_wait) {
    ScriptedHub hub;
    ClientCore core(optionsFor(hub));
    Ui ui(core);
    core.start();
    HubConnection connection = welcome(hub, ui);

    Event event;
    BOOST_TEST(!core.pollEvent(event));  // drained: the fd was cleared
    BOOST_TEST(!wakeFdReadable(core, 0));

    for (std::uint64_t round = 1; round <= 20; ++round) {
        connection.write(chat("lobby", round));
        BOOST_REQUIRE(wakeFdReadable(core, 5000));
        BOOST_REQUIRE(core.pollEvent(event));
        BOOST_TEST(event.envelope->message().seq() == round);
        BOOST_TEST(!core.pollEvent(event));
        BOOST_TEST(!wakeFdReadable(core, 0));
    }
}

BOOST_AUTO_TEST_CASE(hub_ping_is_answered_with_pong_and_not_delivered) {
    ScriptedHub hub;
    ClientCore core(optionsFor(hub));
    Ui ui(core);
    core.start();
    HubConnection connection = welcome(hub, ui);

    Envelope ping;
    ping.mutable_ping()->set_nonce(424242);
    connection.write(ping);
    const Envelope pong = connection.read();
    BOOST_REQUIRE(pong.has_pong());
    BOOST_TEST(pong.pong().nonce() == 424242u);

    connection.write(chat("lobby", 1));  // the next event is this, not the ping
    const Event event = ui.next();
    BOOST_TEST(event.envelope->has_message());
}

BOOST_AUTO_TEST_CASE(client_pings_a_silent_hub_and_drops_it_when_it_stays_silent) {
    ScriptedHub hub;
    ClientOptions options = optionsFor(hub);
    options.idlePingInterval = 100ms;
    options.autoReconnect = false;
    ClientCore core(options);
    Ui ui(core);
    core.start();
    HubConnection connection = welcome(hub, ui);

    const Envelope ping = connection.read(2s);
    BOOST_REQUIRE(ping.has_ping());
    const Event lost = ui.expect(EventKind::Disconnected, 2s);
    BOOST_TEST(lost.text.find("did not answer") != std::string::npos);
    BOOST_TEST(!lost.willRetry);
    BOOST_TEST(ui.next().kind == EventKind::Failed);
}

BOOST_AUTO_TEST_CASE(nick_taken_is_surfaced_and_retry_nick_succeeds) {
    ScriptedHub hub;
    ClientCore core(optionsFor(hub));
    Ui ui(core);
    core.start();

    HubConnection connection = hub.accept();
    BOOST_TEST(connection.read().hello().nick() == "ana");
    Envelope taken;
    taken.mutable_error()->set_code(hermes::v1::ERROR_CODE_NICK_TAKEN);
    taken.mutable_error()->set_text("nick ana is taken");
    connection.write(taken);

    BOOST_TEST(ui.next().kind == EventKind::Connecting);
    BOOST_TEST(ui.next().kind == EventKind::Connected);
    const Event rejected = ui.next();
    BOOST_REQUIRE(rejected.kind == EventKind::NickRejected);
    BOOST_TEST(rejected.envelope->error().code() == hermes::v1::ERROR_CODE_NICK_TAKEN);

    core.retryNick("ana2");
    const Envelope hello = connection.read();
    BOOST_REQUIRE(hello.has_hello());
    BOOST_TEST(hello.hello().nick() == "ana2");
    connection.write(welcomeFrame("ana2"));
    BOOST_TEST(ui.next().kind == EventKind::Welcomed);
    BOOST_TEST(core.nick() == "ana2");
}

BOOST_AUTO_TEST_CASE(reconnect_rejoins_catches_up_and_filters_duplicates) {
    ScriptedHub hub;
    ClientCore core(optionsFor(hub));
    Ui ui(core);
    core.start();
    std::vector<std::uint64_t> delivered;
    std::uint64_t echoed = 0;
    std::uint64_t unstamped = 0;

    {
        HubConnection first = welcome(hub, ui);
        first.write(joinedPresence("lobby", "ana"));
        for (std::uint64_t seq = 1; seq <= 3; ++seq) {
            first.write(chat("lobby", seq));
        }
        BOOST_TEST(ui.next().envelope->has_presence());
        for (int i = 0; i < 3; ++i) {
            for (auto seq : Ui::seqs(ui.next())) {
                delivered.push_back(seq);
            }
        }
        echoed = core.say("lobby", "echoed in history");
        unstamped = core.say("lobby", "never stamped");
        BOOST_TEST(unstamped == echoed + 1);
        BOOST_TEST(first.read().say().client_msg_id() == echoed);
        BOOST_TEST(first.read().say().client_msg_id() == unstamped);
        BOOST_TEST(core.pendingCount() == 2u);
        first.close();
    }

    const Event lost = ui.expect(EventKind::Disconnected);
    BOOST_TEST(lost.willRetry);
    BOOST_TEST(lost.text == "connection closed by the hub");
    const Event scheduled = ui.next();
    BOOST_REQUIRE(scheduled.kind == EventKind::ReconnectScheduled);
    BOOST_TEST(scheduled.delay.count() >= 10);
    BOOST_TEST(scheduled.delay.count() <= 20);

    HubConnection second = welcome(hub, ui);
    const Envelope join = second.read();
    BOOST_REQUIRE(join.has_join());
    BOOST_TEST(join.join().room() == "lobby");
    BOOST_TEST(join.join().skip_backlog());
    const Envelope first_request = second.read();
    BOOST_REQUIRE(first_request.has_history_request());
    BOOST_TEST(first_request.history_request().room() == "lobby");
    BOOST_TEST(first_request.history_request().after_seq() == 3u);

    // A live message overtakes the history; the pages overlap it and what the
    // UI already has.
    second.write(chat("lobby", 5));
    Envelope page;
    auto* history = page.mutable_history_page();
    history->set_room("lobby");
    history->set_epoch(7);
    history->set_has_more(true);
    history->set_head_seq(5);  // the newest seq when the page was cut
    *history->add_messages() = chat("lobby", 3).message();
    *history->add_messages() = chat("lobby", 4, "ana", echoed).message();  // our first say
    *history->add_messages() = chat("lobby", 5).message();
    second.write(page);
    const Envelope next_request = second.read();
    BOOST_REQUIRE(next_request.has_history_request());
    BOOST_TEST(next_request.history_request().after_seq() == 5u);
    history->clear_messages();
    history->set_has_more(false);
    history->set_head_seq(6);
    *history->add_messages() = chat("lobby", 6).message();
    second.write(page);
    // The say the hub never took is sent again, once, after the catch-up.
    const Envelope again = second.read();
    BOOST_REQUIRE(again.has_say());
    BOOST_TEST(again.say().client_msg_id() == unstamped);
    BOOST_TEST(again.say().text() == "never stamped");
    second.write(chat("lobby", 6));
    second.write(chat("lobby", 7, "ana", unstamped));

    const auto deadline = Clock::now() + kWait;
    while ((delivered.empty() || delivered.back() != 7) && Clock::now() < deadline) {
        const Event event = ui.next(deadline - Clock::now());
        BOOST_TEST((event.kind == EventKind::Envelope), describe(event.kind));
        for (auto seq : Ui::seqs(event)) {
            delivered.push_back(seq);
        }
    }
    BOOST_TEST(ui.until([&] { return ui.acked.size() >= 2; }));
    const std::vector<std::uint64_t> expected{1, 2, 3, 5, 4, 6, 7};
    BOOST_TEST(delivered == expected, boost::test_tools::per_element());
    BOOST_TEST(ui.acked == (std::vector<std::uint64_t>{echoed, unstamped}),
               boost::test_tools::per_element());
    BOOST_TEST(core.pendingCount() == 0u);
}

BOOST_AUTO_TEST_CASE(new_epoch_after_reconnect_restarts_seq_tracking) {
    ScriptedHub hub;
    ClientCore core(optionsFor(hub));
    Ui ui(core);
    core.start();
    {
        HubConnection first = welcome(hub, ui, "ana", 7);
        first.write(joinedPresence("lobby", "ana"));
        first.write(chat("lobby", 1));
        first.write(chat("lobby", 2));
        BOOST_TEST(ui.next().envelope->has_presence());
        BOOST_TEST(ui.next().envelope->message().seq() == 1u);
        BOOST_TEST(ui.next().envelope->message().seq() == 2u);
        first.close();
    }
    BOOST_TEST(ui.expect(EventKind::Disconnected).willRetry);
    BOOST_TEST(ui.next().kind == EventKind::ReconnectScheduled);

    HubConnection second = hub.accept();
    BOOST_TEST(second.read().has_hello());
    second.write(welcomeFrame("ana", 8));
    BOOST_TEST(ui.next().kind == EventKind::Connecting);
    BOOST_TEST(ui.next().kind == EventKind::Connected);
    const Event welcomed = ui.next();
    BOOST_REQUIRE(welcomed.kind == EventKind::Welcomed);
    BOOST_TEST(!welcomed.text.empty());  // tells the UI history was lost

    BOOST_TEST(second.read().join().skip_backlog());
    BOOST_TEST(second.read().history_request().after_seq() == 0u);
    Envelope page;
    page.mutable_history_page()->set_room("lobby");
    page.mutable_history_page()->set_epoch(8);
    page.mutable_history_page()->set_head_seq(1);
    *page.mutable_history_page()->add_messages() = chat("lobby", 1, "bo", 0, 8).message();
    second.write(page);
    const Event caughtUp = ui.next();
    BOOST_TEST(Ui::seqs(caughtUp) == std::vector<std::uint64_t>{1},
               boost::test_tools::per_element());
    second.write(chat("lobby", 2, "bo", 0, 8));
    BOOST_TEST(ui.next().envelope->message().epoch() == 8u);
}

BOOST_AUTO_TEST_CASE(stop_while_connected_sends_bye_and_returns_quickly) {
    ScriptedHub hub;
    ClientCore core(optionsFor(hub));
    Ui ui(core);
    core.start();
    HubConnection connection = welcome(hub, ui);

    BOOST_TEST(core.say("lobby", "last words") != 0u);
    const auto started = Clock::now();
    core.stop("see you");
    // Not a speed test: stop() must not wait out a network timeout (30 s).
    BOOST_TEST(
        std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started).count() <
        5000);

    const Envelope say = connection.read();  // accepted before stop(): still written
    BOOST_TEST(say.say().text() == "last words");
    const Envelope bye = connection.read();
    BOOST_REQUIRE(bye.has_bye());
    BOOST_TEST(bye.bye().reason() == hermes::v1::BYE_REASON_CLIENT_QUIT);
    BOOST_TEST(bye.bye().text() == "see you");
    BOOST_TEST(connection.closedByClient());

    Event event;
    BOOST_TEST(!core.pollEvent(event));
    BOOST_TEST(!core.send(Envelope()));
    BOOST_TEST(core.say("lobby", "too late") == 0u);
    BOOST_TEST(core.pendingCount() == 0u);
}

BOOST_AUTO_TEST_CASE(tiny_event_queue_applies_backpressure_and_loses_nothing) {
    ScriptedHub hub;
    ClientOptions options = optionsFor(hub);
    options.eventQueueCapacity = 2;
    ClientCore core(options);
    Ui ui(core);
    core.start();
    HubConnection connection = welcome(hub, ui);

    constexpr std::uint64_t kFrames = 3000;
    // The hub writes everything before the UI reads anything: the core must
    // hold what the queue cannot take, not drop it.
    auto writer = std::async(std::launch::async, [&] {
        for (std::uint64_t seq = 1; seq <= kFrames; ++seq) {
            connection.write(chat("lobby", seq));
        }
    });
    BOOST_REQUIRE(writer.wait_for(kWait) == std::future_status::ready);
    writer.get();

    std::uint64_t expected = 1;
    while (expected <= kFrames) {
        const Event event = ui.next();
        BOOST_REQUIRE(event.kind == EventKind::Envelope);
        BOOST_REQUIRE(event.envelope->message().seq() == expected);
        ++expected;
    }
    Event extra;
    BOOST_TEST(!core.pollEvent(extra));
    // And the connection still works both ways.
    BOOST_TEST(core.join("next") == true);
    BOOST_TEST(connection.read().join().room() == "next");
}

BOOST_AUTO_TEST_CASE(refused_connection_without_reconnect_fails) {
    std::uint16_t closedPort = 0;
    {
        ScriptedHub gone;
        closedPort = gone.port();
    }
    ClientOptions options;
    options.host = "127.0.0.1";
    options.port = closedPort;
    options.nick = "ana";
    options.autoReconnect = false;
    ClientCore core(options);
    Ui ui(core);
    core.start();
    BOOST_TEST(ui.next().kind == EventKind::Connecting);
    const Event failed = ui.next();
    BOOST_REQUIRE(failed.kind == EventKind::Failed);
    BOOST_TEST(failed.text.find("refused") != std::string::npos);
    BOOST_TEST(core.say("lobby", "nobody listens") == 0u);
}

BOOST_AUTO_TEST_CASE(kick_is_final_even_with_auto_reconnect) {
    ScriptedHub hub;
    ClientCore core(optionsFor(hub));
    Ui ui(core);
    core.start();
    HubConnection connection = welcome(hub, ui);

    Envelope kick;
    kick.mutable_bye()->set_reason(hermes::v1::BYE_REASON_KICKED);
    kick.mutable_bye()->set_text("behave");
    connection.write(kick);
    connection.close();

    const Event bye = ui.next();
    BOOST_TEST(bye.envelope->has_bye());
    const Event lost = ui.next();
    BOOST_REQUIRE(lost.kind == EventKind::Disconnected);
    BOOST_TEST(!lost.willRetry);
    BOOST_TEST(lost.text == "kicked by the hub: behave");
    BOOST_TEST(ui.next().kind == EventKind::Failed);
}

BOOST_AUTO_TEST_CASE(sends_queued_while_disconnected_go_out_after_rejoin) {
    ScriptedHub hub;
    ClientCore core(optionsFor(hub));
    Ui ui(core);
    core.start();
    {
        HubConnection first = welcome(hub, ui);
        first.write(joinedPresence("lobby", "ana"));
        BOOST_TEST(ui.next().envelope->has_presence());
        first.close();
    }
    BOOST_TEST(ui.expect(EventKind::Disconnected).willRetry);
    BOOST_TEST(ui.next().kind == EventKind::ReconnectScheduled);
    const std::uint64_t id = core.say("lobby", "typed while offline");
    BOOST_TEST(id != 0u);

    HubConnection second = welcome(hub, ui);
    BOOST_TEST(second.read().has_join());
    BOOST_TEST(second.read().has_history_request());
    // Lines typed meanwhile wait for the catch-up, so they follow what the
    // room said while we were away.
    Envelope caughtUp;
    caughtUp.mutable_history_page()->set_room("lobby");
    caughtUp.mutable_history_page()->set_epoch(7);
    second.write(caughtUp);
    const Envelope say = second.read();
    BOOST_REQUIRE(say.has_say());
    BOOST_TEST(say.say().client_msg_id() == id);
    second.write(chat("lobby", 1, "ana", id));
    const auto deadline = Clock::now() + kWait;
    while (core.pendingCount() != 0 && Clock::now() < deadline) {
        ui.next(deadline - Clock::now());
    }
    BOOST_TEST(core.pendingCount() == 0u);
}

BOOST_AUTO_TEST_CASE(concurrent_senders_keep_their_own_order) {
    ScriptedHub hub;
    ClientCore core(optionsFor(hub));
    Ui ui(core);
    core.start();
    HubConnection connection = welcome(hub, ui);

    constexpr int kThreads = 4;
    constexpr int kEach = 150;
    std::vector<std::future<int>> senders;
    for (int t = 0; t < kThreads; ++t) {
        senders.push_back(std::async(std::launch::async, [&core, t] {
            int accepted = 0;
            for (int i = 0; i < kEach; ++i) {
                accepted += core.say("lobby", std::to_string(t) + ":" + std::to_string(i)) != 0;
            }
            return accepted;
        }));
    }
    int accepted = 0;
    for (auto& sender : senders) {
        accepted += sender.get();
    }
    BOOST_REQUIRE(accepted == kThreads * kEach);  // the default send queue holds them all

    // The hub echoes each say, as the real one does: the core writes at most
    // a window of says ahead of their echoes.
    std::vector<int> nextOf(kThreads, 0);
    std::set<std::uint64_t> ids;
    for (int n = 0; n < kThreads * kEach; ++n) {
        const Envelope say = connection.read();
        BOOST_REQUIRE(say.has_say());
        connection.write(
            chat("lobby", static_cast<std::uint64_t>(n) + 1, "ana", say.say().client_msg_id()));
        const auto& text = say.say().text();
        const int t = std::stoi(text.substr(0, text.find(':')));
        const int i = std::stoi(text.substr(text.find(':') + 1));
        BOOST_REQUIRE(t >= 0 && t < kThreads);
        BOOST_TEST(i == nextOf[t]);
        nextOf[t] = i + 1;
        ids.insert(say.say().client_msg_id());
    }
    BOOST_TEST(ids.size() == static_cast<std::size_t>(kThreads * kEach));
    BOOST_TEST(ui.until([&] { return core.pendingCount() == 0; }));
}

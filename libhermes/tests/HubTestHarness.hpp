#pragma once
// Drives a Hub the way hermesd's event loop does, without sockets: frames go
// in through receive() + flush(), and whatever takeReady()/output() hand back
// is decoded into each peer's inbox and acknowledged with consumed(). Time
// (steady and wall) is moved by hand.
//
// Threading: test thread only.

#include <boost/test/unit_test.hpp>

#include <poll.h>

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "hermes/codec/FrameDecoder.hpp"
#include "hermes/codec/FrameEncoder.hpp"
#include "hermes/hub/AccountStore.hpp"
#include "hermes/hub/HistoryStore.hpp"
#include "hermes/hub/Hub.hpp"
#include "hermes/hub/OutboundQueue.hpp"

namespace hermes::hub::test {

using namespace std::chrono_literals;

struct Peer {
    SessionId id = 0;
    codec::FrameDecoder decoder{64u << 20};
    std::deque<v1::Envelope> inbox;
    std::vector<std::string> frames;  // raw payload of every frame received
    bool reading = true;              // false: the peer never reads its socket
    bool closed = false;
    std::string closeReason;
};

// Everything queued for `id`, joined: what the edge's gathered write sends.
inline std::string outputBytes(const Hub& hub, SessionId id) {
    std::vector<std::string_view> views(OutboundQueue::kMaxSegments);
    const std::size_t count = hub.output(id, views);
    std::string bytes;
    for (std::size_t i = 0; i < count; ++i) {
        bytes.append(views[i]);
    }
    return bytes;
}

inline HubConfig testConfig() {
    HubConfig config;
    config.serverName = "test-hub";
    config.motd = "hello there";
    config.defaultRoom = "";
    config.ratePerSecond = 0.0;  // unlimited unless a test sets it
    // The peers are all "127.0.0.1:port": no per-address limits unless a test sets them.
    config.maxClientsPerAddress = 0;
    config.maxHandshakesPerAddress = 0;
    // File work runs in pump(), on this thread, so a test sees its results
    // at once and in order (Hub::runFileJobs).
    config.fileWorkerThread = false;
    config.downloadBytesPerSecond = 0;  // unpaced unless a test sets it
    return config;
}

// --- envelope builders -----------------------------------------------------

inline v1::Envelope hello(const std::string& nick, std::uint32_t version = 1) {
    v1::Envelope e;
    e.mutable_hello()->set_protocol_version(version);
    e.mutable_hello()->set_nick(nick);
    e.mutable_hello()->set_client_name("harness");
    return e;
}
inline v1::Envelope join(const std::string& room, bool skipBacklog = false) {
    v1::Envelope e;
    e.mutable_join()->set_room(room);
    e.mutable_join()->set_skip_backlog(skipBacklog);
    return e;
}
inline v1::Envelope leave(const std::string& room, const std::string& reason = {}) {
    v1::Envelope e;
    e.mutable_leave()->set_room(room);
    e.mutable_leave()->set_reason(reason);
    return e;
}
inline v1::Envelope say(const std::string& room, std::uint64_t id, const std::string& text,
                        v1::MessageKind kind = v1::MESSAGE_KIND_TEXT) {
    v1::Envelope e;
    e.mutable_say()->set_room(room);
    e.mutable_say()->set_client_msg_id(id);
    e.mutable_say()->set_text(text);
    e.mutable_say()->set_kind(kind);
    return e;
}
inline v1::Envelope privateMessage(const std::string& to, std::uint64_t id,
                                   const std::string& text) {
    v1::Envelope e;
    e.mutable_private_message()->set_to(to);
    e.mutable_private_message()->set_client_msg_id(id);
    e.mutable_private_message()->set_text(text);
    return e;
}
inline v1::Envelope ping(std::uint64_t nonce) {
    v1::Envelope e;
    e.mutable_ping()->set_nonce(nonce);
    return e;
}

// The wall clock a HubHarness starts at (another run of a hub: later).
struct StartedAt {
    std::int64_t wallMs;
};

class HubHarness {
public:
    explicit HubHarness(HubConfig config = testConfig(), std::uint64_t epoch = 77,
                        std::unique_ptr<HistoryStore> store = nullptr,
                        std::unique_ptr<ReadMarkerStore> readMarkers = nullptr,
                        std::unique_ptr<AccountStore> accounts = nullptr)
        : hub(
              std::move(config), epoch, std::move(store), [this] { return wallMs; }, nullptr,
              std::move(accounts), std::move(readMarkers)) {}
    HubHarness(HubConfig config, StartedAt start)
        : wallMs(start.wallMs), hub(std::move(config), 77, nullptr, [this] { return wallMs; }) {}

    // Before hub: the hub reads the wall clock while it is constructed.
    TimePoint now = TimePoint{} + 1000s;
    std::int64_t wallMs = 1'700'000'000'000;
    Hub hub;
    std::map<SessionId, Peer> peers;

    SessionId connect(std::string address = "127.0.0.1:40000") {
        const SessionId id = hub.open(std::move(address), now);
        peers[id].id = id;
        pump();
        return id;
    }

    void sendRaw(SessionId id, std::string_view bytes) {
        hub.receive(id, bytes, now);
        hub.flush();
        pump();
    }
    void send(SessionId id, const v1::Envelope& envelope) {
        sendRaw(id, codec::encodeFrame(envelope));
    }

    // Connects and completes the handshake; the peer's inbox is left empty.
    SessionId login(const std::string& nick) {
        const SessionId id = connect();
        send(id, hello(nick));
        BOOST_TEST_REQUIRE(!peers[id].inbox.empty());
        BOOST_TEST_REQUIRE(peers[id].inbox.front().has_welcome());
        clear(id);
        return id;
    }

    void advance(Clock::duration d) {
        now += d;
        hub.tick(now);
        pump();
    }
    TimePoint tick() {
        const TimePoint next = hub.tick(now);
        pump();
        return next;
    }

    // Hands the hub's output to the peers; then every invariant of the hub's
    // components must hold (Hub::violatedInvariants).
    void pump() {
        // Bounded: each pass runs the jobs queued; only a download's
        // read-ahead queues more, and only while its member takes chunks.
        for (int pass = 0; pass < 64 && hub.runFileJobs(SIZE_MAX) > 0; ++pass) {
            hub.filesDone(now);
        }
        std::vector<SessionId> writable;
        std::vector<Closing> closing;
        hub.takeReady(writable, closing);
        for (const SessionId id : writable) {
            Peer& peer = peers[id];
            if (!peer.reading) {
                continue;
            }
            readNow(id);
        }
        for (Closing& entry : closing) {
            Peer& peer = peers[entry.id];
            peer.id = entry.id;
            deliver(peer, entry.lastBytes);
            peer.closed = true;
            peer.closeReason = entry.reason;
        }
        for (const std::string& violation : hub.violatedInvariants()) {
            BOOST_TEST_ERROR("hub invariant violated: " << violation);
        }
    }

    // Reads everything queued for `id` right now, as a peer that starts reading.
    void readNow(SessionId id) {
        const std::string bytes = outputBytes(hub, id);
        deliver(peers[id], bytes);
        hub.consumed(id, bytes.size(), now);
    }

    // Reads the first `n` bytes queued for `id` (a slow socket); returns how
    // many there were.
    std::size_t readPart(SessionId id, std::size_t n) {
        const std::string bytes = outputBytes(hub, id).substr(0, n);
        deliver(peers[id], bytes);
        hub.consumed(id, bytes.size(), now);
        return bytes.size();
    }

    std::vector<v1::Envelope> take(SessionId id) {
        Peer& peer = peers[id];
        std::vector<v1::Envelope> out(peer.inbox.begin(), peer.inbox.end());
        peer.inbox.clear();
        return out;
    }
    v1::Envelope next(SessionId id) {
        Peer& peer = peers[id];
        BOOST_TEST_REQUIRE(!peer.inbox.empty(), "peer " << id << " has nothing in its inbox");
        v1::Envelope e = std::move(peer.inbox.front());
        peer.inbox.pop_front();
        return e;
    }
    void clear(SessionId id) {
        peers[id].inbox.clear();
        peers[id].frames.clear();
    }
    bool closed(SessionId id) { return peers[id].closed; }

private:
    static void deliver(Peer& peer, std::string_view bytes) {
        peer.decoder.feed(bytes);
        std::string_view payload;
        // Bounded: each iteration consumes one whole frame of the fed bytes.
        while (peer.decoder.nextPayload(payload)) {
            v1::Envelope e;
            BOOST_TEST_REQUIRE(codec::parseEnvelope(payload, e));
            peer.frames.emplace_back(payload);
            peer.inbox.push_back(std::move(e));
        }
        BOOST_TEST_REQUIRE(!peer.decoder.failed());
    }
};

// `config` with the cheapest Argon2id (libsodium's minimum): account tests
// need the hashing thread, not its cost.
inline HubConfig cheapHashes(HubConfig config) {
    config.hashMemoryKib = 8;
    config.hashOps = 1;
    return config;
}

inline v1::Envelope registerNick(const std::string& password) {
    v1::Envelope e;
    e.mutable_register_nick()->set_password(password);
    return e;
}

// Waits (5 s at most) for `h`'s hashing thread to signal, then lets the
// hub take what it finished. One job at a time: in a cluster the thread
// also stores each account Redis publishes, and signals those too.
inline void hashingDone(HubHarness& h) {
    pollfd fd{h.hub.accountsFd(), POLLIN, 0};
    BOOST_TEST_REQUIRE(::poll(&fd, 1, 5000) == 1);
    h.hub.accountsDone(h.now);
    h.hub.flush();
    h.pump();
}

}  // namespace hermes::hub::test

#pragma once
// One blocking connection to the hub with byte-level control: send raw bytes
// or envelopes, read frames with deadlines, detect the hub closing.
//
// Frames received are kept in an inbox in arrival order; expect() takes the
// first frame (already in the inbox or arriving before the deadline) that
// matches, and leaves the others there for later expectations. sync() makes
// the inbox complete up to "now": it sends a Ping and reads until the Pong,
// so every frame the hub queued for us before handling the Ping is in the
// inbox (the hub answers a connection's frames in order).
//
// With autoPong (the default) a Ping from the hub is answered as soon as it
// is read; the Ping is still kept in the inbox.
//
// Threading: one owner thread.

#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <Poco/Net/StreamSocket.h>

#include "Deadline.hpp"
#include "hermes/codec/FrameDecoder.hpp"
#include "hermes/v1/hermes.pb.h"

namespace hermes::it {

struct Frame {
    hermes::v1::Envelope envelope;
    std::string payload;  // the Envelope's bytes exactly as received
};

// An expectation that did not come true; what() says what was waited for
// and what the client had received.
class ExpectationFailed : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

class RawClient {
public:
    using Predicate = std::function<bool(const Frame&)>;

    // Connects to 127.0.0.1:port (blocking). `name` labels failure messages.
    // receiveBufferBytes > 0 shrinks SO_RCVBUF before the connect, so that a
    // client that stops reading makes the hub's queue grow quickly.
    // localAddress (e.g. "127.0.0.2"): the address the connection comes
    // from, so that a test can be a second machine on loopback.
    RawClient(std::uint16_t port, std::string name, int receiveBufferBytes = 0,
              const std::string& localAddress = {});
    ~RawClient();
    RawClient(const RawClient&) = delete;
    RawClient& operator=(const RawClient&) = delete;

    const std::string& name() const { return name_; }
    void setAutoPong(bool on) { autoPong_ = on; }

    void sendBytes(std::string_view bytes);
    void send(const hermes::v1::Envelope& envelope);

    // Reads what arrives until at least one new frame is in the inbox, the
    // hub closes, or the deadline passes. False if nothing new arrived.
    bool readSome(Deadline deadline);

    std::optional<Frame> tryExpect(const Predicate& matches, Deadline deadline);
    // Throws ExpectationFailed naming `what` and listing the inbox.
    Frame expect(const Predicate& matches, Deadline deadline, const std::string& what);

    // Ping round trip (see above). Throws ExpectationFailed on timeout/close.
    void sync(Deadline deadline);
    // Reads (keeping frames) until the hub closes; false on timeout.
    bool waitClosed(Deadline deadline);

    // Sends Hello and expects Welcome; returns it.
    hermes::v1::Welcome hello(const std::string& nick, Deadline deadline);
    // Hello for a registered nick with its password: the Welcome, signed in
    // to the account (the hub checks the password off its loop first).
    hermes::v1::Welcome signIn(const std::string& nick, const std::string& password,
                               Deadline deadline);

    bool closedByPeer() const { return closedByPeer_; }
    // Why the stream ended: "eof", the socket error, or the decode error.
    const std::string& closeReason() const { return closeReason_; }
    std::deque<Frame>& inbox() { return inbox_; }
    // The inbox, one line a frame, for failure messages.
    std::string inboxSummary(std::size_t maxFrames = 20) const;

    // Our side: half-close (the hub sees EOF), abortive close (RST), close.
    void shutdownWrite();
    void abort();
    void close();
    int fd() const;

private:
    std::string name_;
    Poco::Net::StreamSocket socket_;
    hermes::codec::FrameDecoder decoder_;
    std::deque<Frame> inbox_;
    bool autoPong_ = true;
    bool closedByPeer_ = false;
    bool closedByUs_ = false;
    std::string closeReason_;
    std::uint64_t nextNonce_ = 0x5EED0000;
};

// Predicates for the common cases.
RawClient::Predicate isError(hermes::v1::ErrorCode code);
RawClient::Predicate isBody(hermes::v1::Envelope::BodyCase body);
RawClient::Predicate isChatText(const std::string& room, const std::string& text);
// A Presence of `kind` (UNSPECIFIED: any kind) naming `nick` among its nicks.
RawClient::Predicate isPresence(hermes::v1::PresenceKind kind, const std::string& nick);
RawClient::Predicate isAccountReply(hermes::v1::AccountEvent event);
// The MemberList of `room` (a Join's answer, or Who's).
RawClient::Predicate isMembersOf(const std::string& room);

// `client` joins `room` (its MemberList is the proof).
void joinRoom(RawClient& client, const std::string& room, Deadline deadline);
// `watcher` sees each of `nicks` join (any room, any hub). Presence is
// coalesced: one frame may name several.
void expectJoins(RawClient& watcher, std::set<std::string> nicks, Deadline deadline);

// `text` said in `room` until echoed or `deadline`: true when echoed. A hub
// away from Redis refuses it (CLUSTER_UNAVAILABLE): said again, once that
// answer came. Each attempt has its own ClientMsgId.
bool sayUntilEchoed(RawClient& client, const std::string& room, const std::string& text,
                    Deadline deadline);

// Sends Who for `room` and returns the MemberList's nicks, sorted.
std::vector<std::string> whoNicks(RawClient& c, const std::string& room, Deadline deadline);

// Registers `nick` with `password` on a connection of its own, which then
// quits; returns once the hub has closed it (the nick is free again).
void registerNick(std::uint16_t port, const std::string& nick, const std::string& password);

}  // namespace hermes::it

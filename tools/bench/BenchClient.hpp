#pragma once
// One of the bench's simulated clients: a non-blocking TCP socket, a frame
// splitter for what the hub sends, and an output buffer that collects
// every frame queued during one turn of the event loop so it goes out in one
// send(). A client is also a sender when its index is below --senders.
// With --ws it speaks WebSocket to the hub's HTTP port instead
// (WebSocketStream.hpp): the upgrade first, each Envelope one binary message.
// With --tls the frames go through a hermes::tls::TlsStream: the handshake
// first (the Hello waits in the stream until it is done), records after.
//
// Threading: none; owned by LoadGenerator's single event-loop thread.

#include <netinet/in.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include <google/protobuf/message_lite.h>

#include "WebSocketStream.hpp"
#include "hermes/codec/FrameSplitter.hpp"
#include "hermes/tls/TlsStream.hpp"

namespace hermes::bench {

using hermes::codec::FrameSplitter;

enum class ClientState : std::uint8_t {
    Unopened,     // no socket yet
    Connecting,   // connect() in progress
    Handshaking,  // Hello sent, waiting for Welcome
    Joining,      // Join sent, waiting for the MemberList
    Joined,
    Closed,
};

class BenchClient {
public:
    // Largest frame accepted from the hub: a MemberList of 5,000+ nicks fits.
    static constexpr std::size_t kMaxFrameBytes = 4 * 1024 * 1024;

    explicit BenchClient(int index) : index_(index), frames_(kMaxFrameBytes) {}
    ~BenchClient();
    BenchClient(const BenchClient&) = delete;
    BenchClient& operator=(const BenchClient&) = delete;

    // Starts a non-blocking connect. Returns false (with errno) on failure.
    bool startConnect(const sockaddr_storage& address, socklen_t length);
    // After the socket became writable while Connecting: 0 or the socket error.
    int connectResult() const;

    // WebSocket: sends `upgradeRequest` first; what is queued waits for the 101.
    void startWebSocket(std::string upgradeRequest);
    // TLS: the ClientHello is queued at once; `context` outlives the client.
    void startTls(const hermes::tls::TlsContext& context);

    void queue(const google::protobuf::MessageLite& message);
    // Hands each Envelope payload the hub sent in `chunk` to onFrame (as
    // FrameSplitter::feed), whatever the transport.
    template <class OnFrame>
    void feed(std::string_view chunk, OnFrame&& onFrame);
    bool failed() const {
        return frames_.failed() || (ws_ && ws_->failed()) ||
               (tls_ && tls_->state() == hermes::tls::TlsStream::State::Failed);
    }
    std::string failure() const;
    bool hasOutput() const {
        return tls_ ? tls_->hasOutput() || !plainOut_.empty() : outOffset_ < out_.size();
    }
    // Writes as much queued output as the socket takes. Returns false on a
    // socket error (errno set); `blocked` tells whether bytes remain.
    bool flush(bool& blocked);

    // One recv() into `buffer` (retried on EINTR): the bytes read, 0 on
    // orderly close, -1 with errno on error or when nothing is available.
    long receive(char* buffer, std::size_t bytes);

    void close();

    int index() const { return index_; }
    int fd() const { return fd_; }
    ClientState state = ClientState::Unopened;
    bool wantWrite = false;    // EPOLLOUT is registered
    bool dirty = false;        // output queued this turn, in the flush list
    std::uint32_t sent = 0;    // messages sent (senders)
    std::uint32_t acked = 0;   // own messages echoed back by the hub
    bool readyToSend = false;  // in the throughput ready list

    FrameSplitter& frames() { return frames_; }

private:
    int index_;
    int fd_ = -1;
    FrameSplitter frames_;
    std::unique_ptr<WebSocketStream> ws_;          // --ws only
    std::unique_ptr<hermes::tls::TlsStream> tls_;  // --tls only
    std::string plain_;                            // --tls: decrypted bytes
    std::string plainOut_;  // --tls: frames queued this turn, encrypted by flush()
    std::string held_;      // --ws: queued before the 101
    std::string out_;
    std::size_t outOffset_ = 0;
};

template <class OnFrame>
void BenchClient::feed(std::string_view chunk, OnFrame&& onFrame) {
    if (tls_) {
        tls_->receive(chunk);
        plain_.clear();
        tls_->read(plain_);
        frames_.feed(plain_, onFrame);
        return;
    }
    if (!ws_) {
        frames_.feed(chunk, onFrame);
        return;
    }
    const bool wasUpgraded = ws_->upgraded();
    ws_->feed(chunk, onFrame);
    if (!wasUpgraded && ws_->upgraded() && !held_.empty()) {
        out_.append(held_);
        std::string().swap(held_);
    }
}

}  // namespace hermes::bench

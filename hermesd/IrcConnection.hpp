#pragma once
// An IRC client (docs/IRC.md): the fourth ClientConnection
// (ClientConnection.hpp), beside TcpConnection, TlsConnection and
// WebSocketConnection, in the same epoll loop. The hub sees a Hermes session
// like any other; the translating is hermes::irc::IrcSession's (sans-io, in
// libhermes), and this class only moves bytes:
//
//   read():  IRC lines from the socket -> IrcSession::receive -> the Hermes
//            frames for the hub; the session's own replies (CAP, 421 ...)
//            wait in the transport's output (pendingOutput())
//   write(): the hub's Hermes frames -> FrameSplitter (in place where whole)
//            -> IrcRenderCache: a room message another IRC member already
//            rendered with the same capabilities is its lines; anything
//            else one Envelope -> IrcSession::deliver -> IRC lines
//            -> the socket
//
// Flow control stays the hub's: write() takes the hub's bytes only when the
// lines of the ones before are all on the socket, and at most
// kMaxTranslateBytes of them per call, so a client that reads slowly leaves
// its backlog in the hub's queue, where the slow-consumer rules see it; it is
// closed as any Hermes client would be, told "ERROR :Closing Link: ...
// (SendQ exceeded)" by farewell().
//
// What a delivery costs here beyond TCP: a room message is parsed and
// rendered once per loop and capability set (the loop's IrcRenderCache),
// then each IRC member appends the lines; everything member-specific is
// parsed and rendered per member (docs/IRC.md "Cost"). TCP itself, a send
// per message per member, is most of it in a busy room: the loop writes an
// IRC member at most once per irc.send_interval_ms (sendInterval(),
// hermes::irc::IrcSendPacer), and a write then carries every message that
// arrived meanwhile.
//
// Over TLS (irc.tls_port): the same, with a TlsChannel (TlsChannel.hpp, the
// sans-io TlsStream on this socket) between the lines and the socket: the
// handshake advances in read() and write(), the session's lines are
// encrypted as they are flushed, and after farewell() close_notify follows
// the last line. The IRC side does not know.
//
// It holds the accepted POCO socket, as TcpConnection does (same reason).
//
// Threading: built on an acceptor thread, then the loop thread only.

#include <Poco/Net/StreamSocket.h>

#include <memory>

#include "ClientConnection.hpp"
#include "TlsChannel.hpp"
#include "hermes/codec/FrameSplitter.hpp"
#include "hermes/irc/IrcRenderCache.hpp"
#include "hermes/irc/IrcSession.hpp"

namespace hermesd {

class IrcConnection final : public ClientConnection {
public:
    // The hub's bytes translated per write() at most.
    static constexpr std::size_t kMaxTranslateBytes = 32 * 1024;

    // `socket`: connected and non-blocking. `maxFrameBytes`: the largest
    // frame the hub sends (its history pages are the biggest). `cache`: the
    // loop's, shared by every IrcConnection of the listeners (their sessions'
    // host is the same); it outlives them. `tls` (irc.tls_port): the server's
    // context, which outlives every connection; null: plaintext.
    // `sendInterval` (irc.send_interval_ms): the least time between two
    // sends to the client, kept by the loop (sendInterval()); zero: none.
    IrcConnection(const Poco::Net::StreamSocket& socket, hermes::irc::IrcSessionSettings settings,
                  std::size_t maxFrameBytes, hermes::irc::IrcRenderCache& cache,
                  const hermes::tls::TlsContext* tls = nullptr,
                  std::chrono::microseconds sendInterval = {});

    std::string_view kind() const override { return tls_ ? "ircs" : "irc"; }
    int fd() const override { return fd_; }
    std::chrono::microseconds sendInterval() const override { return sendInterval_; }
    Read read(std::span<char> scratch) override;
    Written write(std::span<const std::string_view> pieces) override;
    bool pendingOutput() const override {
        return sent_ < out_.size() || (tls_ && tls_->pendingOutput());
    }
    void farewell(hermes::hub::CloseReason cause) override;
    void closeWrite() override;

private:
    // Sends what waits in out_ (through TLS when tls_); false when the
    // socket took not all of it (`result` says blocked or failed).
    bool flush(Written& result);
    bool flushTls(Written& result);

    Poco::Net::StreamSocket socket_;
    int fd_;
    std::unique_ptr<TlsChannel> tls_;  // irc.tls_port; null: plaintext
    bool closeNotify_ = false;         // TLS: close_notify once out_ is encrypted
    hermes::irc::IrcSession session_;
    hermes::codec::FrameSplitter frames_;
    hermes::irc::IrcRenderCache& cache_;
    hermes::v1::Envelope envelope_;  // reused: its allocations stay
    std::string out_;                // IRC lines for the client
    std::size_t sent_ = 0;           // of out_
    bool ended_ = false;             // farewell() or the session's own end: input is discarded
    std::chrono::microseconds sendInterval_;
};

}  // namespace hermesd

#pragma once
// A scripted raw-socket IRC client for the gateway's tests (docs/IRC.md):
// one blocking connection to 127.0.0.1, lines sent as given (CR LF added by
// send(), not by sendRaw()), lines received kept in an inbox in arrival
// order. expect() takes the first line (already there or arriving before the
// deadline) that contains the text asked for and leaves the others, as
// RawClient does with frames. A PING from the hub is answered with its PONG
// at once (and kept in the inbox).
//
// Threading: one owner thread.

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <Poco/Net/StreamSocket.h>

#include "Deadline.hpp"
#include "HubProcess.hpp"
#include "hermes/tls/TlsStream.hpp"

namespace hermes::it {

class IrcClient {
public:
    // receiveBufferBytes > 0 shrinks SO_RCVBUF before the connect, so that a
    // client that stops reading backs the hub up quickly.
    // `tls`: the connection speaks TLS (irc.tls_port); the handshake is done
    // before the constructor returns. The hub's certificate is not checked
    // (the tests' hubs have a self-signed one).
    IrcClient(std::uint16_t port, std::string name, int receiveBufferBytes = 0, bool tls = false);
    ~IrcClient();
    IrcClient(const IrcClient&) = delete;
    IrcClient& operator=(const IrcClient&) = delete;
    // So that a helper can return a registered client; a moved-from client
    // is only destroyed.
    IrcClient(IrcClient&&) = default;

    const std::string& name() const { return name_; }
    void send(std::string_view line);  // CR LF appended
    void sendRaw(std::string_view bytes);

    // The first line containing `text`, removed from the inbox.
    std::optional<std::string> tryExpect(std::string_view text, Deadline deadline);
    // Throws ExpectationFailed-like std::runtime_error listing the inbox.
    std::string expect(std::string_view text, Deadline deadline);
    // True if no line in the inbox, or arriving before `deadline`, contains `text`.
    bool absent(std::string_view text, Deadline deadline);
    // PING round trip through the hub: every line queued before it is in.
    void sync(Deadline deadline);
    // Reads until the hub closes; false on timeout.
    bool waitClosed(Deadline deadline);
    bool closed() const { return closed_; }
    // The lines received and not yet expected.
    const std::deque<std::string>& inbox() const { return inbox_; }

    // CAP LS 302 / REQ `caps` / END (when caps is not empty), NICK, USER;
    // waits for 001 and the end of the MOTD.
    void registerAs(const std::string& nick, const std::string& caps, Deadline deadline);

    std::string inboxSummary() const;

private:
    bool readSome(Deadline deadline);
    void sendCiphertext();  // TLS: what the stream has for the hub

    std::unique_ptr<hermes::tls::TlsStream> tls_;
    bool handshaking_ = false;  // the constructor's TLS handshake: readSome() returns at once

    std::string name_;
    Poco::Net::StreamSocket socket_;
    std::string buffer_;
    std::deque<std::string> inbox_;
    bool closed_ = false;
    std::uint64_t syncs_ = 0;
};

// A test's hub with its IRC listener on 127.0.0.1 (irc.port = 0 is "off",
// so the test picks a free port and retries should another process take it).
class IrcHub {
public:
    explicit IrcHub(HubProcess::Settings settings = {});
    HubProcess& hub() { return *hub_; }
    std::uint16_t ircPort() const { return ircPort_; }
    // irc.tls_port, when the settings ask for one with irc.tls_port = "auto".
    std::uint16_t ircTlsPort() const { return ircTlsPort_; }

private:
    std::unique_ptr<HubProcess> hub_;
    std::uint16_t ircPort_ = 0;
    std::uint16_t ircTlsPort_ = 0;
};

}  // namespace hermes::it

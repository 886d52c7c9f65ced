#pragma once
// The browser's side of hermesd's HTTP listener, on raw sockets, for tests
// that must control every byte: HTTP requests written by hand and their
// answers parsed, and a WebSocket client that sends frames as the test
// wants them (unmasked, text, fragmented, oversized, pings) and keeps what
// the hub sends: Envelopes from binary messages (in an inbox, as RawClient),
// pongs, and the close frame's code.
//
// Threading: one owner thread.

#include <cstdint>
#include <deque>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <Poco/Net/StreamSocket.h>

#include "Deadline.hpp"
#include "RawClient.hpp"
#include "hermes/tls/TlsContext.hpp"
#include "hermes/tls/TlsStream.hpp"

namespace hermes::it {

// The client side of https for HttpConnection and WebClient: our sans-io
// TlsStream (a client context: no CA check) over their blocking socket. The
// test checks the hub's certificate by its fingerprint (peerFingerprint()).
class ClientTls {
public:
    ClientTls() : context_(hermes::tls::TlsContext::client()), stream_(context_) {}
    hermes::tls::TlsStream& stream() { return stream_; }

private:
    hermes::tls::TlsContext context_;
    hermes::tls::TlsStream stream_;
};

enum class Scheme { Http, Https };

// A free TCP port on 127.0.0.1 (bound, read back, released).
std::uint16_t freeLoopbackPort();

struct HttpAnswer {
    int status = 0;  // 0: the connection closed (or the deadline passed) with no answer
    std::string reason;
    std::map<std::string, std::string> headers;  // names in lower case
    std::string body;
    bool closedAfter = false;  // the server closed the connection after answering
    std::string header(const std::string& lowerName) const {
        const auto it = headers.find(lowerName);
        return it == headers.end() ? std::string() : it->second;
    }
};

// One HTTP connection: requests as the test writes them, answers as they come.
class HttpConnection {
public:
    explicit HttpConnection(std::uint16_t port, Scheme scheme = Scheme::Http);
    void send(std::string_view bytes);
    // Reads one answer (head, and a body of Content-Length; none for HEAD,
    // 1xx, 204 and 304).
    HttpAnswer read(Deadline deadline, bool head = false);
    // True once the server closed the connection (EOF or reset).
    bool waitClosed(Deadline deadline);
    Poco::Net::StreamSocket& socket() { return socket_; }
    // Https: the TLS session (its handshake done after the first answer).
    ClientTls* tls() { return tls_.get(); }

private:
    bool fill(Deadline deadline);  // more bytes into buffer_; false on EOF or timeout
    Poco::Net::StreamSocket socket_;
    std::unique_ptr<ClientTls> tls_;
    std::string buffer_;
    bool eof_ = false;
};

// A whole request on a new connection, its answer.
HttpAnswer httpExchange(std::uint16_t port, std::string_view request, Deadline deadline,
                        Scheme scheme = Scheme::Http);
// "GET <target> HTTP/1.1" with Host and `extra` header lines ("Name: value\r\n"...).
std::string httpGet(std::uint16_t port, std::string_view target, std::string_view extra = {},
                    std::string_view method = "GET");

class WebClient {
public:
    static constexpr std::uint8_t kFinBinary = 0x82;
    static constexpr std::uint8_t kFinText = 0x81;
    static constexpr std::uint8_t kBinaryMore = 0x02;
    static constexpr std::uint8_t kContinuation = 0x00;
    static constexpr std::uint8_t kFinContinuation = 0x80;
    static constexpr std::uint8_t kPing = 0x89;
    static constexpr std::uint8_t kClose = 0x88;

    WebClient(std::uint16_t httpPort, std::string name, Scheme scheme = Scheme::Http);
    const std::string& name() const { return name_; }

    // The upgrade request a browser sends (Origin: the page's own), with
    // `extra` header lines added; `origin` empty: no Origin header.
    static std::string upgradeRequest(std::uint16_t httpPort, std::string_view origin,
                                      std::string_view extra = {});
    static std::string pageOrigin(std::uint16_t httpPort, Scheme scheme = Scheme::Http);
    // Sends `request` and reads the answer's head (and body unless 101).
    HttpAnswer upgrade(std::string_view request, Deadline deadline);
    // Upgrades as a browser would; throws unless the answer is 101 with the
    // right Sec-WebSocket-Accept.
    void open(Deadline deadline);

    // A client frame: `first` is FIN | opcode; masked unless told otherwise.
    static std::string frame(std::uint8_t first, std::string_view payload, bool masked = true);
    void sendRaw(std::string_view bytes);
    void send(const hermes::v1::Envelope& envelope);  // one masked binary message

    // Reads until something new (a message, a pong, the close, EOF) or the deadline.
    bool readSome(Deadline deadline);
    std::optional<Frame> tryExpect(const RawClient::Predicate& matches, Deadline deadline);
    Frame expect(const RawClient::Predicate& matches, Deadline deadline, const std::string& what);
    // The close frame's code (throws ExpectationFailed without one by the deadline).
    std::uint16_t expectClose(Deadline deadline);
    // True once the hub closed the TCP connection.
    bool waitEof(Deadline deadline);
    hermes::v1::Welcome hello(const std::string& nick, Deadline deadline);
    void sync(Deadline deadline);  // a Hermes Ping/Pong round trip

    std::deque<Frame>& inbox() { return inbox_; }
    const std::vector<std::string>& pongs() const { return pongs_; }
    std::optional<std::uint16_t> closeCode() const { return closeCode_; }
    const std::string& closeReason() const { return closeReason_; }
    // Something the hub must never send: a masked or text frame, a message
    // after its close. Empty if none.
    const std::string& violation() const { return violation_; }
    bool eof() const { return eof_; }
    // Https: the TLS session.
    ClientTls* tls() { return tls_.get(); }

private:
    void parse();
    std::string name_;
    std::uint16_t port_;
    Scheme scheme_;
    Poco::Net::StreamSocket socket_;
    std::unique_ptr<ClientTls> tls_;
    std::string buffer_;
    std::string message_;  // fragments from the hub (it sends none, but a client must cope)
    std::deque<Frame> inbox_;
    std::vector<std::string> pongs_;
    std::optional<std::uint16_t> closeCode_;
    std::string closeReason_;
    std::string violation_;
    bool eof_ = false;
    std::uint64_t nextNonce_ = 0x3EB0000;
};

// A directory tree for StaticFiles tests, removed with the object.
struct TempDir {
    TempDir();
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    void write(const std::string& relative, std::string_view content) const;
    std::filesystem::path path;
};

}  // namespace hermes::it

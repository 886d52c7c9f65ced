#include "WebClient.hpp"

#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <system_error>

#include <Poco/Net/NetException.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/SocketAddress.h>

#include "Frames.hpp"
#include "hermes/codec/FrameEncoder.hpp"

namespace hermes::it {

namespace {

constexpr std::size_t kMaxAnswerBytes = 4 * 1024 * 1024;

std::string lower(std::string text) {
    std::transform(text.begin(), text.end(), text.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return text;
}

std::string trim(std::string_view text) {
    const auto first = text.find_first_not_of(" \t");
    const auto last = text.find_last_not_of(" \t\r");
    return first == std::string_view::npos ? std::string()
                                           : std::string(text.substr(first, last - first + 1));
}

Poco::Net::StreamSocket connectTo(std::uint16_t port) {
    Poco::Net::StreamSocket socket(Poco::Net::SocketAddress::IPv4);
    socket.connect(Poco::Net::SocketAddress("127.0.0.1", port), Poco::Timespan(10, 0));
    socket.setNoDelay(true);
    return socket;
}

// Reads what is there into `buffer`; false on EOF, a reset, or the deadline.
bool receiveRaw(Poco::Net::StreamSocket& socket, std::string& buffer, Deadline deadline,
                bool& eof) {
    if (eof) {
        return false;
    }
    pollfd pfd{static_cast<int>(socket.impl()->sockfd()), POLLIN, 0};
    for (;;) {
        const int ready = ::poll(&pfd, 1, pollTimeoutMs(deadline));
        if (ready == 0) {
            return false;
        }
        if (ready > 0) {
            break;
        }
    }
    char chunk[64 * 1024];
    int received = 0;
    try {
        received = socket.receiveBytes(chunk, sizeof chunk);
    } catch (const Poco::Exception&) {
        received = 0;  // reset
    }
    if (received <= 0) {
        eof = true;
        return false;
    }
    buffer.append(chunk, static_cast<std::size_t>(received));
    return true;
}

// Sends the TLS stream's records (its handshake flights, then data).
void sendRecords(Poco::Net::StreamSocket& socket, hermes::tls::TlsStream& stream) {
    while (stream.hasOutput()) {
        const std::string_view out = stream.output();
        const int sent = socket.sendBytes(out.data(), static_cast<int>(out.size()));
        stream.consumed(static_cast<std::size_t>(std::max(sent, 0)));
    }
}

void sendAll(Poco::Net::StreamSocket& socket, ClientTls* tls, std::string_view bytes) {
    if (tls == nullptr) {
        socket.sendBytes(bytes.data(), static_cast<int>(bytes.size()));
        return;
    }
    if (!tls->stream().write(bytes)) {
        throw std::runtime_error("TLS: " + tls->stream().error());
    }
    sendRecords(socket, tls->stream());
}

// As receiveRaw(), the plaintext through `tls` when there is one: true once
// some arrived; a failed TLS session or its close_notify is EOF.
bool receiveInto(Poco::Net::StreamSocket& socket, ClientTls* tls, std::string& buffer,
                 Deadline deadline, bool& eof) {
    if (tls == nullptr) {
        return receiveRaw(socket, buffer, deadline, eof);
    }
    hermes::tls::TlsStream& stream = tls->stream();
    for (;;) {
        // Reading may answer the handshake (the client's Finished, then
        // the application bytes that waited for it): sent before waiting.
        const std::size_t got = stream.read(buffer);
        sendRecords(socket, stream);
        if (got > 0) {
            return true;
        }
        if (stream.state() == hermes::tls::TlsStream::State::Failed || stream.peerClosed()) {
            eof = true;
            return false;
        }
        std::string ciphertext;
        if (!receiveRaw(socket, ciphertext, deadline, eof)) {
            return false;
        }
        stream.receive(ciphertext);
    }
}

// Parses an answer's head from the front of `buffer` (false: incomplete).
bool parseHead(std::string& buffer, HttpAnswer& answer) {
    const std::size_t end = buffer.find("\r\n\r\n");
    if (end == std::string::npos) {
        return false;
    }
    const std::string head = buffer.substr(0, end);
    buffer.erase(0, end + 4);
    std::size_t lineEnd = head.find("\r\n");
    const std::string status = head.substr(0, lineEnd);
    // "HTTP/1.1 404 Not Found"
    const std::size_t space = status.find(' ');
    answer.status = std::atoi(status.c_str() + (space == std::string::npos ? 0 : space + 1));
    const std::size_t second = status.find(' ', space + 1);
    answer.reason = second == std::string::npos ? std::string() : status.substr(second + 1);
    while (lineEnd != std::string::npos) {
        const std::size_t start = lineEnd + 2;
        lineEnd = head.find("\r\n", start);
        const std::string line =
            head.substr(start, lineEnd == std::string::npos ? std::string::npos : lineEnd - start);
        const std::size_t colon = line.find(':');
        if (colon != std::string::npos) {
            answer.headers[lower(line.substr(0, colon))] = trim(line.substr(colon + 1));
        }
    }
    return true;
}

}  // namespace

std::uint16_t freeLoopbackPort() {
    Poco::Net::ServerSocket probe(Poco::Net::SocketAddress("127.0.0.1", 0), false);
    const std::uint16_t port = probe.address().port();
    probe.close();
    return port;
}

// ---------------------------------------------------------------------------
// HTTP
// ---------------------------------------------------------------------------

HttpConnection::HttpConnection(std::uint16_t port, Scheme scheme)
    : socket_(connectTo(port)),
      tls_(scheme == Scheme::Https ? std::make_unique<ClientTls>() : nullptr) {}

void HttpConnection::send(std::string_view bytes) {
    sendAll(socket_, tls_.get(), bytes);
}

bool HttpConnection::fill(Deadline deadline) {
    if (buffer_.size() > kMaxAnswerBytes) {
        throw std::runtime_error("an HTTP answer over 4 MiB");
    }
    return receiveInto(socket_, tls_.get(), buffer_, deadline, eof_);
}

HttpAnswer HttpConnection::read(Deadline deadline, bool head) {
    HttpAnswer answer;
    while (!parseHead(buffer_, answer)) {
        if (!fill(deadline)) {
            answer.status = 0;
            answer.closedAfter = eof_;
            return answer;
        }
    }
    std::size_t length = 0;
    const bool bodyless =
        head || answer.status < 200 || answer.status == 204 || answer.status == 304;
    if (!bodyless) {
        const std::string contentLength = answer.header("content-length");
        if (!contentLength.empty()) {
            length = static_cast<std::size_t>(std::stoull(contentLength));
        } else {
            while (fill(deadline)) {
            }
            length = buffer_.size();  // until the close
        }
    }
    while (buffer_.size() < length && fill(deadline)) {
    }
    answer.body = buffer_.substr(0, std::min(length, buffer_.size()));
    buffer_.erase(0, answer.body.size());
    answer.closedAfter = lower(answer.header("connection")) == "close";
    return answer;
}

bool HttpConnection::waitClosed(Deadline deadline) {
    while (!eof_) {
        buffer_.clear();
        if (!fill(deadline) && !eof_) {
            return false;
        }
    }
    return true;
}

HttpAnswer httpExchange(std::uint16_t port, std::string_view request, Deadline deadline,
                        Scheme scheme) {
    HttpConnection connection(port, scheme);
    try {
        connection.send(request);
    } catch (const Poco::Exception&) {
        // The server may close before taking all of an oversized request:
        // what it answered (if anything) is still read.
    }
    const bool head = request.starts_with("HEAD ");
    return connection.read(deadline, head);
}

std::string httpGet(std::uint16_t port, std::string_view target, std::string_view extra,
                    std::string_view method) {
    return std::string(method) + " " + std::string(target) +
           " HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port) + "\r\n" + std::string(extra) +
           "\r\n";
}

// ---------------------------------------------------------------------------
// WebSocket
// ---------------------------------------------------------------------------

WebClient::WebClient(std::uint16_t httpPort, std::string name, Scheme scheme)
    : name_(std::move(name)),
      port_(httpPort),
      scheme_(scheme),
      socket_(connectTo(httpPort)),
      tls_(scheme == Scheme::Https ? std::make_unique<ClientTls>() : nullptr) {}

std::string WebClient::pageOrigin(std::uint16_t httpPort, Scheme scheme) {
    return (scheme == Scheme::Https ? "https://127.0.0.1:" : "http://127.0.0.1:") +
           std::to_string(httpPort);
}

std::string WebClient::upgradeRequest(std::uint16_t httpPort, std::string_view origin,
                                      std::string_view extra) {
    // RFC 6455 section 1.3's example key.
    std::string request = "GET /ws HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(httpPort) +
                          "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                          "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                          "Sec-WebSocket-Version: 13\r\n";
    if (!origin.empty()) {
        request += "Origin: " + std::string(origin) + "\r\n";
    }
    return request + std::string(extra) + "\r\n";
}

HttpAnswer WebClient::upgrade(std::string_view request, Deadline deadline) {
    sendRaw(request);
    HttpAnswer answer;
    while (!parseHead(buffer_, answer)) {
        if (!receiveInto(socket_, tls_.get(), buffer_, deadline, eof_)) {
            answer.status = 0;
            return answer;
        }
    }
    if (answer.status != 101) {
        const std::string contentLength = answer.header("content-length");
        const std::size_t length = contentLength.empty() ? 0 : std::stoul(contentLength);
        while (buffer_.size() < length &&
               receiveInto(socket_, tls_.get(), buffer_, deadline, eof_)) {
        }
        answer.body = buffer_.substr(0, std::min(length, buffer_.size()));
        buffer_.erase(0, answer.body.size());
    }
    return answer;
}

void WebClient::open(Deadline deadline) {
    const HttpAnswer answer = upgrade(upgradeRequest(port_, pageOrigin(port_, scheme_)), deadline);
    // RFC 6455 section 1.3: the accept value for the example key.
    if (answer.status != 101 ||
        answer.header("sec-websocket-accept") != "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=" ||
        lower(answer.header("upgrade")) != "websocket") {
        throw ExpectationFailed(name_ + ": the upgrade was answered " +
                                std::to_string(answer.status) + " " + answer.reason);
    }
    parse();  // frames that came with the 101
}

std::string WebClient::frame(std::uint8_t first, std::string_view payload, bool masked) {
    static constexpr std::uint8_t kMask[4] = {0xa1, 0x5e, 0x07, 0xc3};
    std::string out;
    out.push_back(static_cast<char>(first));
    const std::uint8_t maskBit = masked ? 0x80 : 0x00;
    const std::uint64_t length = payload.size();
    if (length < 126) {
        out.push_back(static_cast<char>(maskBit | length));
    } else if (length <= 0xFFFF) {
        out.push_back(static_cast<char>(maskBit | 126));
        out.push_back(static_cast<char>(length >> 8));
        out.push_back(static_cast<char>(length & 0xFF));
    } else {
        out.push_back(static_cast<char>(maskBit | 127));
        for (int i = 7; i >= 0; --i) {
            out.push_back(static_cast<char>((length >> (8 * i)) & 0xFF));
        }
    }
    if (masked) {
        out.append(reinterpret_cast<const char*>(kMask), 4);
    }
    for (std::size_t i = 0; i < payload.size(); ++i) {
        out.push_back(
            static_cast<char>(static_cast<std::uint8_t>(payload[i]) ^ (masked ? kMask[i % 4] : 0)));
    }
    return out;
}

void WebClient::sendRaw(std::string_view bytes) {
    try {
        sendAll(socket_, tls_.get(), bytes);
    } catch (const Poco::Exception& error) {
        throw std::runtime_error(name_ + ": send of " + std::to_string(bytes.size()) +
                                 " bytes failed: " + error.displayText());
    }
}

void WebClient::send(const hermes::v1::Envelope& envelope) {
    sendRaw(frame(kFinBinary, envelope.SerializeAsString()));
}

void WebClient::parse() {
    for (;;) {
        if (buffer_.size() < 2) {
            return;
        }
        const auto first = static_cast<std::uint8_t>(buffer_[0]);
        const auto second = static_cast<std::uint8_t>(buffer_[1]);
        std::size_t at = 2;
        std::uint64_t length = second & 0x7F;
        if (length == 126) {
            if (buffer_.size() < 4) {
                return;
            }
            length = (static_cast<std::uint64_t>(static_cast<std::uint8_t>(buffer_[2])) << 8) |
                     static_cast<std::uint8_t>(buffer_[3]);
            at = 4;
        } else if (length == 127) {
            if (buffer_.size() < 10) {
                return;
            }
            length = 0;
            for (std::size_t i = 2; i < 10; ++i) {
                length = (length << 8) | static_cast<std::uint8_t>(buffer_[i]);
            }
            at = 10;
        }
        if ((second & 0x80) != 0 && violation_.empty()) {
            violation_ = "the hub sent a masked frame";
        }
        if (buffer_.size() < at + length) {
            return;
        }
        const std::string payload = buffer_.substr(at, static_cast<std::size_t>(length));
        buffer_.erase(0, at + static_cast<std::size_t>(length));
        const std::uint8_t opcode = first & 0x0F;
        const bool fin = (first & 0x80) != 0;
        if (closeCode_ && violation_.empty()) {
            violation_ = "the hub sent a frame after its close";
        }
        switch (opcode) {
            case 0x1:
                violation_ = "the hub sent a text frame";
                break;
            case 0x0:
            case 0x2: {
                message_ += payload;
                if (!fin) {
                    break;
                }
                Frame received;
                received.payload = std::move(message_);
                message_.clear();
                if (!hermes::codec::parseEnvelope(received.payload, received.envelope)) {
                    violation_ = "an undecodable Envelope: " + toHex(received.payload);
                    break;
                }
                if (received.envelope.has_ping()) {
                    hermes::v1::Envelope pong;
                    pong.mutable_pong()->set_nonce(received.envelope.ping().nonce());
                    send(pong);
                }
                inbox_.push_back(std::move(received));
                break;
            }
            case 0x8:
                closeCode_ =
                    payload.size() >= 2
                        ? static_cast<std::uint16_t>((static_cast<std::uint8_t>(payload[0]) << 8) |
                                                     static_cast<std::uint8_t>(payload[1]))
                        : std::uint16_t{1005};
                closeReason_ = payload.size() > 2 ? payload.substr(2) : std::string();
                break;
            case 0xA:
                pongs_.push_back(payload);
                break;
            default:
                violation_ = "the hub sent opcode " + std::to_string(opcode);
        }
    }
}

bool WebClient::readSome(Deadline deadline) {
    const std::size_t before = inbox_.size() + pongs_.size() + (closeCode_ ? 1 : 0);
    const auto progress = [&] {
        return inbox_.size() + pongs_.size() + (closeCode_ ? 1 : 0) > before;
    };
    parse();  // what came with the last read (or the 101)
    if (progress()) {
        return true;
    }
    while (!eof_) {
        if (!receiveInto(socket_, tls_.get(), buffer_, deadline, eof_)) {
            break;
        }
        parse();
        if (progress()) {
            return true;
        }
    }
    return progress();
}

std::optional<Frame> WebClient::tryExpect(const RawClient::Predicate& matches, Deadline deadline) {
    std::size_t checked = 0;
    for (;;) {
        for (; checked < inbox_.size(); ++checked) {
            if (matches(inbox_[checked])) {
                Frame found = std::move(inbox_[checked]);
                inbox_.erase(inbox_.begin() + static_cast<std::ptrdiff_t>(checked));
                return found;
            }
        }
        if (!readSome(deadline) && checked == inbox_.size()) {
            return std::nullopt;
        }
    }
}

Frame WebClient::expect(const RawClient::Predicate& matches, Deadline deadline,
                        const std::string& what) {
    if (auto found = tryExpect(matches, deadline)) {
        return std::move(*found);
    }
    std::string seen;
    for (const Frame& each : inbox_) {
        seen += "  " + describe(each.envelope) + "\n";
    }
    throw ExpectationFailed(
        name_ + ": expected " + what + " but " +
        (eof_ ? std::string("the connection closed") : std::string("the deadline passed")) +
        (closeCode_ ? " (close " + std::to_string(*closeCode_) + ")" : "") +
        "; unmatched messages:\n" + (seen.empty() ? "  (none)\n" : seen));
}

std::uint16_t WebClient::expectClose(Deadline deadline) {
    while (!closeCode_ && readSome(deadline)) {
    }
    if (!closeCode_) {
        throw ExpectationFailed(
            name_ + ": expected a close frame but " +
            (eof_ ? "the connection ended without one" : "the deadline passed"));
    }
    return *closeCode_;
}

bool WebClient::waitEof(Deadline deadline) {
    while (!eof_) {
        if (!receiveInto(socket_, tls_.get(), buffer_, deadline, eof_) && !eof_) {
            return false;
        }
        parse();
    }
    return true;
}

hermes::v1::Welcome WebClient::hello(const std::string& nick, Deadline deadline) {
    send(helloEnvelope(nick));
    return expect(isBody(hermes::v1::Envelope::kWelcome), deadline, "Welcome for " + nick)
        .envelope.welcome();
}

void WebClient::sync(Deadline deadline) {
    const std::uint64_t nonce = ++nextNonce_;
    send(pingEnvelope(nonce));
    expect(
        [nonce](const Frame& each) {
            return each.envelope.has_pong() && each.envelope.pong().nonce() == nonce;
        },
        deadline, "Pong{" + std::to_string(nonce) + "} (sync)");
}

// ---------------------------------------------------------------------------

TempDir::TempDir() {
    const char* base = std::getenv("TMPDIR");
    std::string pattern =
        std::string(base != nullptr && *base != '\0' ? base : "/tmp") + "/hermes-web-it-XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr) {
        throw std::system_error(errno, std::generic_category(), "mkdtemp");
    }
    path = pattern;
}

TempDir::~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path, ignored);
}

void TempDir::write(const std::string& relative, std::string_view content) const {
    const std::filesystem::path file = path / relative;
    std::filesystem::create_directories(file.parent_path());
    std::ofstream(file, std::ios::binary) << content;
}

}  // namespace hermes::it

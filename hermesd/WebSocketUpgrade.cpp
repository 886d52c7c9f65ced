#include "WebSocketUpgrade.hpp"

#include <fcntl.h>

#include <algorithm>
#include <cerrno>
#include <memory>
#include <sstream>
#include <system_error>

#include <Poco/Base64Encoder.h>
#include <Poco/Buffer.h>
#include <Poco/Logger.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerRequestImpl.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/HTTPServerSession.h>
#include <Poco/SHA1Engine.h>
#include <Poco/String.h>
#include <Poco/StringTokenizer.h>

#include "EventLoop.hpp"
#include "HttpResponses.hpp"
#include "HttpsSocket.hpp"

namespace hermesd {

namespace {

using Poco::Net::HTTPResponse;

// RFC 6455 section 1.3.
constexpr std::string_view kAcceptGuid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

// Whether a comma-separated header value holds `token` (ASCII case ignored).
bool hasToken(const std::string& value, std::string_view token) {
    const Poco::StringTokenizer tokens(
        value, ",", Poco::StringTokenizer::TOK_TRIM | Poco::StringTokenizer::TOK_IGNORE_EMPTY);
    return std::any_of(tokens.begin(), tokens.end(), [&](const std::string& each) {
        return Poco::icompare(each, std::string(token)) == 0;
    });
}

// 16 bytes in base64: 22 characters of the alphabet and "==".
bool validKey(std::string_view key) {
    if (key.size() != 24 || key.substr(22) != "==") {
        return false;
    }
    return std::all_of(key.begin(), key.begin() + 22, [](char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
               c == '+' || c == '/';
    });
}

std::string lower(std::string_view text) {
    std::string out(text);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

// host[:port] without the scheme's default port, lower case.
std::string authority(std::string_view hostPort, std::string_view scheme) {
    std::string out = lower(hostPort);
    const std::string_view defaultPort = scheme == "https" ? ":443" : ":80";
    if (out.size() > defaultPort.size() && out.ends_with(defaultPort)) {
        out.resize(out.size() - defaultPort.size());
    }
    return out;
}

}  // namespace

bool originAllowed(std::string_view origin, std::string_view host,
                   const std::vector<std::string>& allowed) {
    if (origin.empty()) {
        return true;  // not a browser: an Origin check protects browsers only
    }
    if (!allowed.empty()) {
        return std::any_of(allowed.begin(), allowed.end(), [&](const std::string& each) {
            return each == "*" || lower(each) == lower(origin);
        });
    }
    const std::size_t separator = origin.find("://");
    if (separator == std::string_view::npos || host.empty()) {
        return false;  // "null" (a sandboxed or file: page), or no Host to compare
    }
    const std::string scheme = lower(origin.substr(0, separator));
    if (scheme != "http" && scheme != "https") {
        return false;
    }
    const std::string_view originHost = origin.substr(separator + 3);
    if (originHost.find('/') != std::string_view::npos) {
        return false;  // an Origin has no path
    }
    return authority(originHost, scheme) == authority(host, scheme);
}

std::string webSocketAccept(std::string_view key) {
    Poco::SHA1Engine sha1;
    sha1.update(std::string(key) + std::string(kAcceptGuid));
    const Poco::DigestEngine::Digest& digest = sha1.digest();
    std::ostringstream out;
    Poco::Base64Encoder base64(out);
    base64.write(reinterpret_cast<const char*>(digest.data()),
                 static_cast<std::streamsize>(digest.size()));
    base64.close();
    return out.str();
}

void WebSocketUpgrade::handleRequest(Poco::Net::HTTPServerRequest& request,
                                     Poco::Net::HTTPServerResponse& response) {
    Poco::Logger& log = Poco::Logger::get("hermesd.http");
    const std::string peer = request.clientAddress().toString();
    if (request.getMethod() != Poco::Net::HTTPRequest::HTTP_GET) {
        response.set("Allow", "GET");
        sendPlain(response, HTTPResponse::HTTP_METHOD_NOT_ALLOWED, "GET /ws upgrades to WebSocket");
        return;
    }
    const std::string key = Poco::trim(request.get("Sec-WebSocket-Key", ""));
    if (request.getVersion() != Poco::Net::HTTPMessage::HTTP_1_1 ||
        !hasToken(request.get("Upgrade", ""), "websocket") ||
        !hasToken(request.get("Connection", ""), "upgrade") || !validKey(key)) {
        log.information("%s: refused a bad WebSocket upgrade (400)", peer);
        sendPlain(response, HTTPResponse::HTTP_BAD_REQUEST,
                  "not a WebSocket upgrade: GET /ws with HTTP/1.1, Upgrade: websocket, "
                  "Connection: Upgrade and a Sec-WebSocket-Key");
        return;
    }
    if (Poco::trim(request.get("Sec-WebSocket-Version", "")) != "13") {
        response.set("Sec-WebSocket-Version", "13");
        sendPlain(response, HTTPResponse::HTTP_UPGRADE_REQUIRED, "WebSocket version 13 only");
        return;
    }
    const std::string origin = Poco::trim(request.get("Origin", ""));
    if (!originAllowed(origin, request.getHost(), handoff_.allowedOrigins)) {
        log.warning("%s: refused a WebSocket from Origin %s for Host %s (http.allowed_origins)",
                    peer, origin, request.getHost());
        sendPlain(response, HTTPResponse::HTTP_FORBIDDEN, "this Origin may not use the hub");
        return;
    }
    auto* session = dynamic_cast<Poco::Net::HTTPServerRequestImpl*>(&request);
    if (session == nullptr) {
        sendPlain(response, HTTPResponse::HTTP_INTERNAL_SERVER_ERROR, "cannot upgrade");
        return;
    }

    response.setStatusAndReason(HTTPResponse::HTTP_SWITCHING_PROTOCOLS);
    response.set("Upgrade", "websocket");
    response.set("Connection", "Upgrade");
    response.set("Sec-WebSocket-Accept", webSocketAccept(key));
    response.send().flush();
    // The 101 is out. "close" now only tells POCO's connection loop that no
    // HTTP request follows on this socket, which is no longer its own.
    response.set("Connection", "close");

    Poco::Buffer<char> early(0);
    session->session().drainBuffer(early);
    Poco::Net::StreamSocket socket = session->detachSocket();
    // Over https the TLS session moves to the loop with the socket, with
    // the plaintext it decrypted past what the HTTP session read.
    std::string earlyBytes(early.begin(), early.end());
    std::unique_ptr<hermes::tls::TlsStream> tls;
    if (auto* https = dynamic_cast<HttpsStreamSocketImpl*>(socket.impl())) {
        HttpsStreamSocketImpl::Session taken = https->takeStream();
        tls = std::move(taken.stream);
        earlyBytes += taken.unread;
        if (!tls) {
            log.error("%s: cannot hand the WebSocket to the loop: no TLS session", peer);
            return;
        }
    }
    socket.setBlocking(false);
    socket.setNoDelay(true);
    if (handoff_.sendBufferBytes > 0) {
        socket.setSendBufferSize(handoff_.sendBufferBytes);
    }
    // The loop gets a descriptor of its own (WebSocketConnection.hpp says why).
    const int fd = ::fcntl(static_cast<int>(socket.impl()->sockfd()), F_DUPFD_CLOEXEC, 0);
    if (fd < 0) {
        log.error("%s: cannot hand the WebSocket to the loop: %s", peer,
                  std::generic_category().message(errno));
        return;  // POCO closes the socket
    }
    const bool secure = tls != nullptr;
    auto connection = std::make_unique<WebSocketConnection>(
        fd, std::move(earlyBytes), handoff_.settings, std::move(tls), peer);
    const auto admission =
        handoff_.registry->admission(hermes::hub::Registry::addressOf(peer), handoff_.limits);
    log.information("%s: WebSocket session%s (Origin %s)", peer,
                    std::string(secure ? " over https" : ""),
                    origin.empty() ? std::string("none") : origin);
    handoff_.loop->adopt(std::move(connection), peer, admission);
}

}  // namespace hermesd

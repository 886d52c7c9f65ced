#pragma once
// GET /ws: the WebSocket opening handshake (RFC 6455 section 4.2), on an HTTP
// server thread, and the handoff of the upgraded socket to the event loop as
// a WebSocketConnection, where it is a hub session like a TCP client's. The
// HTTP thread is free again as soon as the 101 is written: a browser session
// costs no thread.
//
//   not GET                                   405 Method Not Allowed
//   no "Upgrade: websocket", no "Connection:  400 Bad Request
//   upgrade", not HTTP/1.1, a
//   Sec-WebSocket-Key that is not 16 bytes
//   in base64
//   Sec-WebSocket-Version other than 13       426 Upgrade Required,
//                                             Sec-WebSocket-Version: 13
//   an Origin not allowed (originAllowed())   403 Forbidden (logged)
//   otherwise                                 101 Switching Protocols, no
//                                             subprotocol, no extension
//
// The handshake is written by hand rather than with Poco::Net::WebSocket:
// that class keeps the socket for its own blocking frame I/O, and hides the
// bytes the HTTP session may already have read past the request, which a
// client that does not wait for the 101 sends; here they go to the
// connection (HTTPSession::drainBuffer()).
//
// The connection then counts against hub.max_clients and
// hub.max_clients_per_address like any other: the Registry is asked, as
// the TCP acceptor asks it, and a refused one hears Error{HUB_FULL} and
// close 1013.
//
// Threading: handleRequest() on HTTP server threads; it reads the Registry
// and calls EventLoop::adopt(), both thread safe.

#include <string>
#include <string_view>
#include <vector>

#include <Poco/Net/HTTPRequestHandler.h>

#include "WebSocketConnection.hpp"
#include "hermes/hub/Registry.hpp"

namespace hermesd {

class EventLoop;

struct WebSocketHandoff {
    EventLoop* loop = nullptr;
    const hermes::hub::Registry* registry = nullptr;
    hermes::hub::Registry::Limits limits;
    int sendBufferBytes = 0;  // hermesd.send_buffer_bytes
    WebSocketSettings settings;
    std::vector<std::string> allowedOrigins;  // http.allowed_origins
};

// Whether a browser page at `origin` may open the hub's WebSocket.
// Without an Origin header (not a browser) it may. With `allowed` empty,
// the Origin must be the page's own: http or https, and the same host and
// port as the request's Host header (ASCII case ignored, default ports
// dropped). Otherwise it must be one of `allowed` exactly (case ignored), or
// `allowed` holds "*".
bool originAllowed(std::string_view origin, std::string_view host,
                   const std::vector<std::string>& allowed);

// Sec-WebSocket-Accept for a Sec-WebSocket-Key: base64(SHA-1(key + GUID)).
std::string webSocketAccept(std::string_view key);

class WebSocketUpgrade final : public Poco::Net::HTTPRequestHandler {
public:
    explicit WebSocketUpgrade(const WebSocketHandoff& handoff) : handoff_(handoff) {}
    void handleRequest(Poco::Net::HTTPServerRequest& request,
                       Poco::Net::HTTPServerResponse& response) override;

private:
    const WebSocketHandoff& handoff_;
};

}  // namespace hermesd
